import { kmeans } from 'ml-kmeans';
import { type UserProfile } from '@app/events';
import {
  type DemographicModel,
  encodeProfile,
  nearestDemographicCluster,
  profileEncoding,
} from '@app/recommend';

export interface DemographicSettings {
  /** Clusters wanted; fewer when there are too few profiles for clusters of `minClusterSize`. */
  k: number;
  minClusterSize: number;
  seed: number;
  /** Favourite movies kept per cluster. */
  topMovies: number;
}

/**
 * Clusters the users who have a profile by their demographics (k-means, ml-kmeans: a small dense
 * problem), lists each cluster's favourite movies, counted over its members who have any, and
 * names the taste cluster most of its members are in (where a user whose ratings say nothing yet
 * is placed by profile). Undefined when no user has a profile.
 */
export function buildDemographicModel(
  profiles: ReadonlyMap<number, UserProfile>,
  favouritesOf: (userId: number) => Iterable<number>,
  tasteClusterOf: (userId: number) => number | undefined,
  settings: DemographicSettings,
): DemographicModel | undefined {
  const members = [...profiles].sort(([a], [b]) => a - b);
  if (members.length === 0) return undefined;
  const encoding = profileEncoding(members.map(([, profile]) => profile));
  const points = members.map(([, profile]) => encodeProfile(encoding, profile));
  const k = Math.max(
    1,
    Math.min(settings.k, Math.floor(members.length / Math.max(1, settings.minClusterSize))),
  );
  const { centroids } = kmeans(points, k, {
    seed: settings.seed,
    initialization: 'kmeans++',
    maxIterations: 100,
  });
  const model: DemographicModel = { encoding, centroids, clusters: [] };
  const clusters = centroids.map(() => ({
    size: 0,
    counts: new Map<number, number>(),
    tastes: new Map<number, number>(),
  }));
  const increment = (map: Map<number, number>, key: number) => {
    map.set(key, (map.get(key) ?? 0) + 1);
  };
  for (const [userId, profile] of members) {
    const cluster = clusters[nearestDemographicCluster(model, profile)];
    if (cluster === undefined) continue;
    cluster.size++;
    for (const movie of favouritesOf(userId)) increment(cluster.counts, movie);
    const taste = tasteClusterOf(userId);
    if (taste !== undefined) increment(cluster.tastes, taste);
  }
  const mostFirst = (a: [number, number], b: [number, number]) => b[1] - a[1] || a[0] - b[0];
  model.clusters = clusters.map(({ size, counts, tastes }) => ({
    size,
    favourites: [...counts].sort(mostFirst).slice(0, settings.topMovies),
    tasteCluster: [...tastes].sort(mostFirst)[0]?.[0] ?? null,
  }));
  return model;
}
