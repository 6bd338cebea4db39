import { type ClusterAggregates, type ClusterTotals } from '@app/recommend';
import { inFlight } from './in-flight';
import { internalsOf, type RedisConnection } from './redis-connection';

/** Fields per command when aggregates are written in bulk. */
const FIELDS_PER_COMMAND = 1_000;

/**
 * What ingestion keeps per cluster and movie: read by the query service, and written in bulk by
 * a recluster for its new version (ingestion maintains them from then on).
 */
export class ClusterAggregatesStore {
  constructor(private readonly connection: RedisConnection) {}

  /**
   * Writes a new version's aggregates from a recluster's totals, before the version is active,
   * so nothing else writes them yet: absolute values (a command resent after a lost reply
   * writes the same), pipelined, in commands of bounded size.
   */
  async write(version: number, totals: ClusterTotals, movieIds: ArrayLike<number>): Promise<void> {
    const { client, keys } = internalsOf(this.connection);
    const commands: (() => Promise<unknown>)[] = [];
    for (let cluster = 0; cluster < totals.clusters; cluster++) {
      const sums: string[] = [];
      const counts: string[] = [];
      const favourites: string[] = [];
      const base = cluster * totals.cols;
      for (let col = 0; col < totals.cols; col++) {
        const movie = String(movieIds[col]);
        const count = totals.counts[base + col] ?? 0;
        const favoured = totals.favourites[base + col] ?? 0;
        if (count > 0) {
          sums.push(movie, String(totals.sums2[base + col]));
          counts.push(movie, String(count));
        }
        if (favoured > 0) favourites.push(String(favoured), movie);
      }
      const chunked = (key: string, flat: string[], command: 'hset' | 'zadd') => {
        for (let i = 0; i < flat.length; i += 2 * FIELDS_PER_COMMAND) {
          const part = flat.slice(i, i + 2 * FIELDS_PER_COMMAND);
          commands.push(() => client[command](key, ...part));
        }
      };
      chunked(keys.clusterRatingSums(version, cluster), sums, 'hset');
      chunked(keys.clusterRatingCounts(version, cluster), counts, 'hset');
      chunked(keys.clusterFavourites(version, cluster), favourites, 'zadd');
    }
    await inFlight(commands, 32, (command) => command());
  }

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
