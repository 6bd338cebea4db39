import { type ClusterAggregates, type ClusterTotals } from '@app/recommend';
import { inFlight } from './in-flight';
import { CHANGES_KEPT } from './lua-functions';
import { readClusterChangesScript, readClusterScript } from './read-cluster.script';
import { internalsOf, type RedisConnection } from './redis-connection';

/** A cluster's aggregates as of a change of its stream (0: before the first). */
export interface ClusterAggregatesAt {
  aggregates: ClusterAggregates;
  change: number;
}

/** A movie's aggregates in a cluster now: zeros where it has none (any more). */
export interface ChangedMovie {
  movieId: number;
  ratingSum: number;
  ratingCount: number;
  favourites: number;
}

/** What changed in a cluster since a change a reader saw, up to change `change`. */
export interface ClusterChanges {
  change: number;
  movies: ChangedMovie[];
}

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
    return (await this.readAt(version, cluster)).aggregates;
  }

  /** One cluster of a model version whole, and the last change of its stream it includes. */
  async readAt(version: number, cluster: number): Promise<ClusterAggregatesAt> {
    const { client, keys } = internalsOf(this.connection);
    const [change, favourites, sums, counts] = (await readClusterScript.run(
      client,
      keys.clusterAggregateKeys(version, cluster),
      [],
    )) as [number, string, string, string];
    const pairs = (joined: string, scale = 1) => {
      const values = new Map<number, number>();
      const flat = joined === '' ? [] : joined.split(',');
      for (let i = 0; i + 1 < flat.length; i += 2) {
        values.set(Number(flat[i]), Number(flat[i + 1]) / scale);
      }
      return values;
    };
    return {
      change,
      aggregates: {
        favourites: pairs(favourites),
        ratingSums: pairs(sums, 2),
        ratingCounts: pairs(counts),
      },
    };
  }

  /**
   * The movies of a cluster whose aggregates changed after change `since`, with their values
   * now, and the last change they include; undefined when the stream no longer holds every
   * change since then (or holds more than `most`): read the cluster whole.
   */
  async readChanges(
    version: number,
    cluster: number,
    since: number,
    most = CHANGES_KEPT,
  ): Promise<ClusterChanges | undefined> {
    const { client, keys } = internalsOf(this.connection);
    const reply = (await readClusterChangesScript.run(
      client,
      keys.clusterAggregateKeys(version, cluster),
      [String(since), String(most)],
    )) as [number] | [number, string, string, string, string];
    const [change] = reply;
    if (change < 0) return undefined;
    if (reply.length === 1) return { change, movies: [] };
    const [, movies, sums, counts, favourites] = reply;
    const [sumOf, countOf, favouritesOf] = [sums, counts, favourites].map((joined) =>
      joined.split(','),
    ) as [string[], string[], string[]];
    return {
      change,
      movies: movies.split(',').map((movie, i) => ({
        movieId: Number(movie),
        ratingSum: Number(sumOf[i] || 0) / 2,
        ratingCount: Number(countOf[i] || 0),
        favourites: Number(favouritesOf[i] || 0),
      })),
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
