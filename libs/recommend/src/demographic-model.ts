import { z } from 'zod';
import { type UserProfile } from '@app/events';

/** How a profile becomes a vector: age standardised, the other fields one-hot. */
export const profileEncodingSchema = z.object({
  ageMean: z.number(),
  ageStd: z.number().positive(),
  genders: z.array(z.string()),
  occupations: z.array(z.string()),
  /** First characters of postal codes: the region. */
  regions: z.array(z.string()),
});

export const demographicClusterSchema = z.object({
  size: z.number().int().nonnegative(),
  /** [movieId, members who favour it], most favoured first. */
  favourites: z.array(z.tuple([z.number(), z.number()])),
  /**
   * The taste cluster most of the members with ratings were in: where a user whose ratings say
   * nothing yet is placed by their profile. Null when no member had ratings.
   */
  tasteCluster: z.number().int().nonnegative().nullable(),
});

/**
 * Clusters of users by demographics, for users with a profile and no ratings (the cold-start
 * method of the ALS case study): a new user joins the nearest demographic cluster and gets its
 * members' favourite movies. Built by the recluster worker, read by the query service.
 */
export const demographicModelSchema = z.object({
  encoding: profileEncodingSchema,
  /** Centres in encoded space, one per cluster. */
  centroids: z.array(z.array(z.number())),
  clusters: z.array(demographicClusterSchema),
});

export type ProfileEncoding = z.infer<typeof profileEncodingSchema>;
export type DemographicCluster = z.infer<typeof demographicClusterSchema>;
export type DemographicModel = z.infer<typeof demographicModelSchema>;

export function profileEncoding(profiles: readonly UserProfile[]): ProfileEncoding {
  const ages = profiles.map((p) => p.age);
  const ageMean = ages.reduce((a, b) => a + b, 0) / Math.max(1, ages.length);
  const variance = ages.reduce((a, b) => a + (b - ageMean) ** 2, 0) / Math.max(1, ages.length);
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
  return {
    ageMean,
    ageStd: Math.sqrt(variance) || 1,
    genders: sorted(profiles.map((p) => p.gender)),
    occupations: sorted(profiles.map((p) => p.occupation)),
    regions: sorted(profiles.map((p) => p.zipPrefix.slice(0, 1))),
  };
}

/** A value outside the encoding's vocabulary gets no one-hot weight. */
export function encodeProfile(encoding: ProfileEncoding, profile: UserProfile): number[] {
  const oneHot = (vocabulary: readonly string[], value: string) =>
    vocabulary.map((v) => (v === value ? 1 : 0));
  return [
    (profile.age - encoding.ageMean) / encoding.ageStd,
    ...oneHot(encoding.genders, profile.gender),
    ...oneHot(encoding.occupations, profile.occupation),
    ...oneHot(encoding.regions, profile.zipPrefix.slice(0, 1)),
  ];
}

/** The demographic cluster whose centre is nearest the profile; ties go to the lower index. */
export function nearestDemographicCluster(model: DemographicModel, profile: UserProfile): number {
  const x = encodeProfile(model.encoding, profile);
  let best = 0;
  let bestDistance = Infinity;
  model.centroids.forEach((centre, c) => {
    const distance = centre.reduce((a, value, j) => a + (value - (x[j] ?? 0)) ** 2, 0);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = c;
    }
  });
  return best;
}
