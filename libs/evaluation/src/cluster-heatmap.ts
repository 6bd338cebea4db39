import { type RatingColumns } from '@app/clustering';
import { ratingsByUser } from './ratings-by-user';

/** A cluster's most active users against its most rated movies: the k-means notebook's picture. */
export interface ClusterHeatmap {
  cluster: number;
  /** Users in the cluster. */
  size: number;
  /** Rows, most active first. */
  userIds: number[];
  /** Columns, most rated by the cluster first. */
  movieIds: number[];
  /** ratings[row][column]; undefined where the user did not rate the movie. */
  ratings: (number | undefined)[][];
}

export interface HeatmapOptions {
  clusters?: number;
  users?: number;
  movies?: number;
}

/** Heatmaps of the largest clusters; ties go to the lower cluster, user and movie ids. */
export function clusterHeatmaps(
  ratings: RatingColumns,
  assignments: ReadonlyMap<number, number>,
  { clusters = 3, users = 20, movies = 30 }: HeatmapOptions = {},
): ClusterHeatmap[] {
  const members = new Map<number, number[]>();
  for (const [userId, cluster] of assignments) {
    let list = members.get(cluster);
    if (list === undefined) members.set(cluster, (list = []));
    list.push(userId);
  }
  const byUser = ratingsByUser(ratings);
  const largest = [...members].sort(([a, x], [b, y]) => y.length - x.length || a - b);
  return largest.slice(0, clusters).map(([cluster, userIds]) => {
    const activity = (userId: number) => byUser.get(userId)?.size ?? 0;
    const rows = [...userIds].sort((a, b) => activity(b) - activity(a) || a - b).slice(0, users);
    const counts = new Map<number, number>();
    for (const userId of userIds) {
      for (const movieId of byUser.get(userId)?.keys() ?? []) {
        counts.set(movieId, (counts.get(movieId) ?? 0) + 1);
      }
    }
    const columns = [...counts]
      .sort(([a, x], [b, y]) => y - x || a - b)
      .slice(0, movies)
      .map(([movieId]) => movieId);
    return {
      cluster,
      size: userIds.length,
      userIds: rows,
      movieIds: columns,
      ratings: rows.map((userId) => columns.map((movieId) => byUser.get(userId)?.get(movieId))),
    };
  });
}
