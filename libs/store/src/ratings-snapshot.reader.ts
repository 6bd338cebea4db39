import { allocateCsr, type CsrMatrix, type CsrPattern } from '@app/clustering';
import { readUsersPageScript } from './read-users-page.script';
import { chunksBySlot, internalsOf, type RedisConnection } from './redis-connection';

/**
 * Every stored rating and explicit favourite, as a recluster reads them: one row per user with
 * any, in ascending user id; columns are movies, in ascending movie id. The only memory in
 * proportion to the ratings is the typed arrays of `ratings` (on shared memory, so k-means
 * threads read them without copies) and of `favourites`.
 */
export interface RatingsSnapshot {
  /** Row r is user userIds[r]; ascending. */
  userIds: Float64Array;
  /** Column c is movie movieIds[c]; ascending. */
  movieIds: Float64Array;
  /** Each user's latest ratings (0.5-5), columns ascending in each row. */
  ratings: CsrMatrix;
  /** Each user's explicit favourites, on the same rows and columns. */
  favourites: CsrPattern;
  /** Each user's state version when read (see read-users-page.script). */
  versions: Float64Array;
}

export interface SnapshotReadOptions {
  /** Users per page: one script call on a single node, pipelined with the next. */
  pageUsers?: number;
  /** Pages in flight at once. */
  pagesInFlight?: number;
  onProgress?: (users: number, total: number) => void;
}

/** Below this movie id a column is looked up in an array, above it in a map. */
const DENSE_MOVIE_IDS = 1 << 24;

/**
 * Reads every user's ratings and explicit favourites for a recluster, in pages: the user index
 * with SSCAN, then each page of users with one script call (per hash slot on Redis Cluster)
 * whose replies are scanned character by character straight into growable typed arrays, and
 * finally laid out as CSR. No object, string split or array of numbers per rating. A user added
 * while the read runs is either in it or not (a recluster places those it missed); a user removed
 * is read as having nothing, and left out.
 */
export class RatingsSnapshotReader {
  constructor(private readonly connection: RedisConnection) {}

  async read({
    pageUsers = 1_000,
    pagesInFlight = 4,
    onProgress,
  }: SnapshotReadOptions = {}): Promise<RatingsSnapshot> {
    const userIds = await this.userIndex();
    const builder = new SnapshotBuilder();
    const pages: Promise<PageReply>[] = [];
    let next = 0;
    const request = () => {
      if (next >= userIds.length) return;
      const page = userIds.subarray(next, Math.min(next + pageUsers, userIds.length));
      next += page.length;
      pages.push(this.readPage(page));
    };
    for (let i = 0; i < pagesInFlight; i++) request();
    let done = 0;
    while (pages.length > 0) {
      const reply = await pages.shift()!;
      request();
      for (let i = 0; i < reply.userIds.length; i++) {
        builder.addUser(
          reply.userIds[i]!,
          reply.ratings[i]!,
          reply.favourites[i]!,
          reply.versions[i]!,
        );
      }
      done += reply.userIds.length;
      onProgress?.(done, userIds.length);
    }
    return builder.finish();
  }

  /** Every user id of the index, ascending, each once (SSCAN may return one twice). */
  private async userIndex(): Promise<Float64Array> {
    const { client, keys } = internalsOf(this.connection);
    let ids = new Float64Array(1 << 16);
    let length = 0;
    let cursor = '0';
    do {
      const [nextCursor, members] = await client.sscan(keys.users(), cursor, 'COUNT', 10_000);
      cursor = nextCursor;
      if (length + members.length > ids.length) {
        const grown = new Float64Array(Math.max(ids.length * 2, length + members.length));
        grown.set(ids.subarray(0, length));
        ids = grown;
      }
      for (const member of members) ids[length++] = Number(member);
    } while (cursor !== '0');
    const sorted = ids.subarray(0, length).sort();
    let unique = 0;
    for (let i = 0; i < sorted.length; i++) {
      if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i]!;
    }
    return sorted.slice(0, unique);
  }

  private async readPage(userIds: Float64Array): Promise<PageReply> {
    const { client, keys, config } = internalsOf(this.connection);
    const groups = chunksBySlot(
      config,
      [...userIds],
      (userId) => keys.userTag(userId),
      userIds.length,
    );
    const replies = await Promise.all(
      groups.map(
        (group) =>
          readUsersPageScript.run(
            client,
            group.flatMap((userId) => [
              keys.userRatings(userId),
              keys.userExplicitFavourites(userId),
              keys.userMeta(userId),
            ]),
            [],
          ) as Promise<[string, string, string][]>,
      ),
    );
    // Back in the page's order: groups split it by slot on Redis Cluster.
    const byUser = new Map<number, [string, string, string]>();
    groups.forEach((group, g) => {
      group.forEach((userId, i) => byUser.set(userId, replies[g]![i]!));
    });
    const page: PageReply = { userIds: [], ratings: [], favourites: [], versions: [] };
    for (const userId of userIds) {
      const [ratings, favourites, version] = byUser.get(userId) ?? ['', '', '0'];
      page.userIds.push(userId);
      page.ratings.push(ratings);
      page.favourites.push(favourites);
      page.versions.push(Number(version));
    }
    return page;
  }
}

interface PageReply {
  userIds: number[];
  ratings: string[];
  favourites: string[];
  versions: number[];
}

/** An Int32Array that grows by half again when full. */
class GrowingInt32 {
  data = new Int32Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(Math.ceil(this.data.length * 1.5));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
}

/** The pairs of a "a,b,a,b,..." reply, as numbers, without splitting the string. */
function forEachPair(text: string, visit: (first: number, second: number) => void): void {
  let first = 0;
  let value = 0;
  let odd = true;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 44;
    if (code === 44) {
      if (odd) first = value;
      else visit(first, value);
      odd = !odd;
      value = 0;
    } else {
      value = value * 10 + (code - 48);
    }
  }
}

/** Accumulates users' rows as they are read, then lays them out as CSR by ascending movie. */
class SnapshotBuilder {
  private readonly userIds: number[] = [];
  private readonly versions: number[] = [];
  /** Per rating: (first-seen column << 4) | half stars. */
  private readonly ratings = new GrowingInt32();
  private readonly ratingRows = new GrowingInt32();
  /** Per explicit favourite: first-seen column. */
  private readonly favourites = new GrowingInt32();
  private readonly favouriteRows = new GrowingInt32();
  private dense = new Int32Array(1 << 16).fill(-1);
  private readonly sparse = new Map<number, number>();
  private readonly movies: number[] = [];

  addUser(userId: number, ratings: string, favourites: string, version: number): void {
    const ratingStart = this.ratings.length;
    const favouriteStart = this.favourites.length;
    if (ratings.length > 0) {
      forEachPair(ratings, (movie, packed) => {
        this.ratings.push((this.columnOf(movie) << 4) | (packed % 16));
      });
    }
    if (favourites.length > 0) {
      forEachPair(favourites, (movie, packed) => {
        if (packed % 2 === 1) this.favourites.push(this.columnOf(movie));
      });
    }
    if (this.ratings.length === ratingStart && this.favourites.length === favouriteStart) return;
    this.userIds.push(userId);
    this.versions.push(version);
    this.ratingRows.push(this.ratings.length);
    this.favouriteRows.push(this.favourites.length);
  }

  finish(): RatingsSnapshot {
    // Columns in ascending movie id: renumber, then sort each row by its new columns.
    const order = Int32Array.from(this.movies.keys()).sort(
      (a, b) => this.movies[a]! - this.movies[b]!,
    );
    const renumbered = new Int32Array(order.length);
    order.forEach((column, rank) => (renumbered[column] = rank));
    const rows = this.userIds.length;
    const nnz = this.ratings.length;
    const ratings = allocateCsr(rows, order.length, nnz);
    const packed = this.ratings.data;
    let start = 0;
    for (let r = 0; r < rows; r++) {
      const end = this.ratingRows.data[r]!;
      for (let p = start; p < end; p++) {
        packed[p] = (renumbered[packed[p]! >> 4]! << 4) | (packed[p]! & 15);
      }
      packed.subarray(start, end).sort();
      ratings.rowPtr[r] = start;
      start = end;
    }
    ratings.rowPtr[rows] = nnz;
    for (let p = 0; p < nnz; p++) {
      ratings.colIndices[p] = packed[p]! >> 4;
      ratings.values[p] = (packed[p]! & 15) / 2;
    }
    const favourites: CsrPattern = {
      rows,
      cols: order.length,
      rowPtr: new Int32Array(rows + 1),
      colIndices: new Int32Array(this.favourites.length),
    };
    start = 0;
    for (let r = 0; r < rows; r++) {
      const end = this.favouriteRows.data[r]!;
      for (let p = start; p < end; p++) {
        favourites.colIndices[p] = renumbered[this.favourites.data[p]!]!;
      }
      favourites.colIndices.subarray(start, end).sort();
      favourites.rowPtr[r] = start;
      start = end;
    }
    favourites.rowPtr[rows] = this.favourites.length;
    return {
      userIds: Float64Array.from(this.userIds),
      movieIds: Float64Array.from(order, (column) => this.movies[column]!),
      ratings,
      favourites,
      versions: Float64Array.from(this.versions),
    };
  }

  /** The movie's column in first-seen order, a new one for a movie not seen yet. */
  private columnOf(movie: number): number {
    if (movie < DENSE_MOVIE_IDS) {
      if (movie >= this.dense.length) {
        const grown = new Int32Array(
          Math.min(DENSE_MOVIE_IDS, Math.max(movie + 1, this.dense.length * 2)),
        ).fill(-1);
        grown.set(this.dense);
        this.dense = grown;
      }
      const known = this.dense[movie]!;
      if (known >= 0) return known;
      this.dense[movie] = this.movies.length;
    } else {
      const known = this.sparse.get(movie);
      if (known !== undefined) return known;
      this.sparse.set(movie, this.movies.length);
    }
    this.movies.push(movie);
    return this.movies.length - 1;
  }
}
