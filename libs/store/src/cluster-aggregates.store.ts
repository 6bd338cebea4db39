import { type ClusterAggregates } from '@app/recommend';
import { internalsOf, type RedisConnection } from './redis-connection';

/** What ingestion keeps per cluster and movie, as the query service reads it. */
export class ClusterAggregatesStore {
  constructor(private readonly connection: RedisConnection) {}

  /** One cluster of a model version. */
  async read(version: number, cluster: number): Promise<ClusterAggregates> {
    const { client, keys } = internalsOf(this.connection);
    const [favourites, sums, counts] = await Promise.all([
      client.zrange(keys.clusterFavourites(version, cluster), '0', '-1', 'WITHSCORES'),
      client.hgetall(keys.clusterRatingSums(version, cluster)),
      client.hgetall(keys.clusterRatingCounts(version, cluster)),
    ]);
    const favouriteCounts = new Map<number, number>();
    for (let i = 0; i + 1 < favourites.length; i += 2) {
      favouriteCounts.set(Number(favourites[i]), Number(favourites[i + 1]));
    }
    return {
      favourites: favouriteCounts,
      ratingSums: new Map(Object.entries(sums).map(([m, s]) => [Number(m), Number(s) / 2])),
      ratingCounts: new Map(Object.entries(counts).map(([m, c]) => [Number(m), Number(c)])),
    };
  }

  /**
   * Every user's ratings and favourites per movie, whatever models exist (version 0 of the
   * scripts), with the default favourite threshold: popularity before any model, and the
   * fallback list of every answer.
   */
  readAllUsers(): Promise<ClusterAggregates> {
    return this.read(0, 0);
  }
}
