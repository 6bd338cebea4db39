import { type UserProfile, userProfileSchema } from '@app/events';
import { type MovieLensUser } from '@app/movielens';

/** Characters of a zip code kept: the US three-digit prefix, a sectional centre's area. */
const ZIP_PREFIX_LENGTH = 3;

/**
 * A MovieLens user's demographics as the profile placement reads (the profile an event would
 * carry); undefined when they do not pass its schema, as a stored profile that no longer parses
 * is read as none.
 */
export function profileOf(user: MovieLensUser): UserProfile | undefined {
  const parsed = userProfileSchema.safeParse({
    age: user.age,
    gender: user.gender,
    occupation: user.occupation,
    zipPrefix: user.zip.slice(0, ZIP_PREFIX_LENGTH),
  });
  return parsed.success ? parsed.data : undefined;
}

/** Every user's profile that parses, by user id. */
export function profilesOf(users: ReadonlyMap<number, MovieLensUser>): Map<number, UserProfile> {
  const profiles = new Map<number, UserProfile>();
  for (const [userId, user] of users) {
    const profile = profileOf(user);
    if (profile !== undefined) profiles.set(userId, profile);
  }
  return profiles;
}
