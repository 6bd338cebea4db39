import { type UserProfile } from '@app/events';

/**
 * Clusters of users by demographics, for users with a profile and no ratings (the cold-start
 * method of the ALS case study): a new user joins the nearest demographic cluster and gets its
 * members' favourite movies. Built by the recluster worker, read by the query service.
 */
export interface DemographicModel {
  encoding: ProfileEncoding;
  /** Centres in encoded space, one per cluster. */
  centroids: number[][];
  clusters: DemographicCluster[];
}

export interface DemographicCluster {
  size: number;
  /** [movieId, members who favour it], most favoured first. */
  favourites: [movieId: number, count: number][];
}

/** How a profile becomes a vector: age standardised, the other fields one-hot. */
export interface ProfileEncoding {
  ageMean: number;
  ageStd: number;
  genders: string[];
  occupations: string[];
  /** First characters of postal codes: the region. */
  regions: string[];
}

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
