import { z } from 'zod';
import {
  buildRatingMatrix,
  type CsrPattern,
  emptyPattern,
  favouritesPattern,
  type RatingColumns,
} from '@app/clustering';

export const itemKnnSettingsSchema = z.object({
  /** Most similar movies kept per movie: the neighbourhood a recommendation draws on. */
  neighbours: z.number().int().positive(),
});

export type ItemKnnSettings = z.infer<typeof itemKnnSettingsSchema>;

/**
 * What validation ratings chose on every MovieLens 100k fold and on ml-latest-small, by 0.006 to
 * 0.011 NDCG@10 over 50 (docs/evaluation.md).
 */
export const DEFAULT_ITEM_KNN: ItemKnnSettings = { neighbours: 200 };

export interface Neighbour {
  movieId: number;
  /** Cosine of the two movies' favourite sets: |U_i ∩ U_j| / sqrt(|U_i| |U_j|), in (0, 1]. */
  similarity: number;
}

/**
 * A model's neighbourhoods as arrays, what the recluster worker stores with a model version and
 * the query service reads back: column c is movie movieIds[c]; its kept neighbours are
 * neighbourCols[neighbourPtr[c] .. neighbourPtr[c + 1]), most similar first, with their
 * similarities.
 */
export interface ItemNeighbourTable {
  movieIds: Float64Array;
  neighbourPtr: Int32Array;
  neighbourCols: Int32Array;
  similarities: Float64Array;
}

/** A recommended movie and its score: the sum of its similarities to the user's favourites. */
export interface SimilarMovie {
  movieId: number;
  score: number;
}

/**
 * Item-item nearest neighbours over favourites: two movies are alike when the same users favour
 * them. Each movie keeps only its `neighbours` most similar movies, so a model costs
 * movies x neighbours however dense the favourites are, and a user is recommended the movies
 * most similar to their own favourites. Every list is ordered best first, ties broken by the
 * lower movie id, so equal inputs give equal lists.
 */
export class ItemKnn {
  private readonly movieIds: Float64Array;
  private readonly columns = new Map<number, number>();
  private readonly neighbourPtr: Int32Array;
  private readonly neighbourCols: Int32Array;
  private readonly similarities: Float64Array;
  /**
   * Zero between calls: a score per movie and the movies whose score was touched, so one
   * accumulation costs what it touches rather than the catalogue.
   */
  private readonly scores: Float64Array;
  private readonly touched: Int32Array;

  /** A model from its table, as built by `fromFavourites` (checked for shape, not rebuilt). */
  constructor(table: ItemNeighbourTable) {
    const movies = table.movieIds.length;
    const kept = table.neighbourPtr[movies] ?? 0;
    if (
      table.neighbourPtr.length !== movies + 1 ||
      table.neighbourCols.length !== kept ||
      table.similarities.length !== kept
    ) {
      throw new RangeError(
        `a neighbour table of ${movies} movies needs ${movies + 1} offsets and as many ` +
          `neighbours as similarities, got ${table.neighbourPtr.length}, ` +
          `${table.neighbourCols.length} and ${table.similarities.length}`,
      );
    }
    this.movieIds = table.movieIds;
    this.neighbourPtr = table.neighbourPtr;
    this.neighbourCols = table.neighbourCols;
    this.similarities = table.similarities;
    this.movieIds.forEach((movieId, column) => this.columns.set(movieId, column));
    this.scores = new Float64Array(movies);
    this.touched = new Int32Array(movies);
  }

  /**
   * `favourites`: a user x movie pattern, each movie at most once per user (as
   * `favouritesPattern` builds it); `movieIds` names its columns. Linear in the favourites to
   * index them, then one pass over every pair of movies some user favours both of.
   */
  static fromFavourites(
    favourites: CsrPattern,
    movieIds: ArrayLike<number>,
    settings: ItemKnnSettings = DEFAULT_ITEM_KNN,
  ): ItemKnn {
    const steps = ItemKnn.build(favourites, movieIds, settings);
    for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
  }

  /**
   * As `fromFavourites`, giving the event loop a turn every BUILD_SLICE_MOVIES movies: a service
   * building neighbourhoods of a large catalogue (minutes at the Netflix shape) keeps renewing
   * its lock and answering its probes meanwhile.
   */
  static async fromFavouritesYielding(
    favourites: CsrPattern,
    movieIds: ArrayLike<number>,
    settings: ItemKnnSettings = DEFAULT_ITEM_KNN,
  ): Promise<ItemKnn> {
    const steps = ItemKnn.build(favourites, movieIds, settings);
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return step.value;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Movie column i's `neighbours` most similar columns, best first, by the cosine of who favours
   * them (`fans`: the favourites transposed). Uses the model's work space, left zeroed.
   */
  private mostSimilar(
    i: number,
    favourites: CsrPattern,
    fans: CsrPattern,
    neighbours: number,
  ): { column: number; similarity: number }[] {
    const { scores } = this;
    let touched = 0;
    const fansOfI = fans.rowPtr[i + 1] ?? 0;
    for (let p = fans.rowPtr[i] ?? 0; p < fansOfI; p++) {
      const user = fans.colIndices[p] ?? 0;
      const end = favourites.rowPtr[user + 1] ?? 0;
      for (let q = favourites.rowPtr[user] ?? 0; q < end; q++) {
        const j = favourites.colIndices[q] ?? 0;
        if (j === i) continue;
        if (scores[j] === 0) this.touched[touched++] = j;
        scores[j] = (scores[j] ?? 0) + 1;
      }
    }
    const supportOfI = fansOfI - (fans.rowPtr[i] ?? 0);
    for (let t = 0; t < touched; t++) {
      const j = this.touched[t] ?? 0;
      const supportOfJ = (fans.rowPtr[j + 1] ?? 0) - (fans.rowPtr[j] ?? 0);
      scores[j] = (scores[j] ?? 0) / Math.sqrt(supportOfI * supportOfJ);
    }
    const best = Array.from(this.best(touched, neighbours), (column) => ({
      column,
      similarity: scores[column] ?? 0,
    }));
    this.clear(touched);
    return best;
  }

  /**
   * The neighbourhoods of every movie, one movie at a time: for each user who favours it, a count
   * to each of the user's other favourites, then each count divided into a cosine and the best
   * `neighbours` kept. Yields after every BUILD_SLICE_MOVIES movies; returns the model.
   */
  private static *build(
    favourites: CsrPattern,
    movieIds: ArrayLike<number>,
    { neighbours }: ItemKnnSettings,
  ): Generator<void, ItemKnn> {
    if (!Number.isInteger(neighbours) || neighbours < 1) {
      throw new RangeError(`neighbours must be a positive integer, got ${neighbours}`);
    }
    if (movieIds.length !== favourites.cols) {
      throw new RangeError(`${movieIds.length} movie ids for ${favourites.cols} columns`);
    }
    const movies = favourites.cols;
    // A model with no neighbours yet lends its score and heap work space to the build.
    const model = new ItemKnn({
      movieIds: Float64Array.from(movieIds),
      neighbourPtr: new Int32Array(movies + 1),
      neighbourCols: new Int32Array(0),
      similarities: new Float64Array(0),
    });
    const fans = transpose(favourites);
    const capacity = movies * Math.min(neighbours, Math.max(movies - 1, 0));
    const neighbourPtr = new Int32Array(movies + 1);
    const neighbourCols = new Int32Array(capacity);
    const similarities = new Float64Array(capacity);
    let kept = 0;
    for (let i = 0; i < movies; i++) {
      if (i > 0 && i % BUILD_SLICE_MOVIES === 0) yield;
      for (const { column, similarity } of model.mostSimilar(i, favourites, fans, neighbours)) {
        neighbourCols[kept] = column;
        similarities[kept++] = similarity;
      }
      neighbourPtr[i + 1] = kept;
    }
    return new ItemKnn({
      movieIds: model.table.movieIds,
      neighbourPtr,
      neighbourCols: neighbourCols.slice(0, kept),
      similarities: similarities.slice(0, kept),
    });
  }

  /** The arrays of the model, for storing it (shared, not copied: do not modify them). */
  get table(): ItemNeighbourTable {
    const { movieIds, neighbourPtr, neighbourCols, similarities } = this;
    return { movieIds, neighbourPtr, neighbourCols, similarities };
  }

  /**
   * A model from ratings, each user's latest rating of a movie counting: favourites are the
   * ratings of at least `favouriteMinRating`, as a clustering model derives them.
   */
  static fromRatings(
    ratings: RatingColumns,
    favouriteMinRating: number,
    settings: ItemKnnSettings = DEFAULT_ITEM_KNN,
  ): ItemKnn {
    const { matrix, movieIds } = buildRatingMatrix(ratings, { values: 'raw', favouriteMinRating });
    const favourites = favouritesPattern(
      matrix,
      emptyPattern(matrix.rows, matrix.cols),
      favouriteMinRating,
    );
    return ItemKnn.fromFavourites(favourites, movieIds, settings);
  }

  /** The movie's kept neighbours, most similar first; none for a movie nobody favours. */
  neighboursOf(movieId: number): Neighbour[] {
    const column = this.columns.get(movieId);
    if (column === undefined) return [];
    const neighbours: Neighbour[] = [];
    for (let p = this.neighbourPtr[column] ?? 0; p < (this.neighbourPtr[column + 1] ?? 0); p++) {
      neighbours.push({
        movieId: this.movieIds[this.neighbourCols[p] ?? 0] ?? 0,
        similarity: this.similarities[p] ?? 0,
      });
    }
    return neighbours;
  }

  /**
   * Up to `limit` movie ids for a user, best first: each movie scores the sum of its
   * similarities to the user's favourites that keep it as a neighbour. `seen` (every movie the
   * user rated, favourites included) is left out. No favourites the model knows, no list: the
   * caller falls back on another method.
   */
  recommend(favourites: readonly number[], seen: ReadonlySet<number>, limit: number): number[] {
    return this.recommendScored(favourites, seen, limit).map(({ movieId }) => movieId);
  }

  /** As `recommend`, each movie with its score. */
  recommendScored(
    favourites: Iterable<number>,
    seen: ReadonlySet<number>,
    limit: number,
  ): SimilarMovie[] {
    let touched = 0;
    for (const movieId of new Set(favourites)) {
      const i = this.columns.get(movieId);
      if (i === undefined) continue;
      for (let p = this.neighbourPtr[i] ?? 0; p < (this.neighbourPtr[i + 1] ?? 0); p++) {
        const j = this.neighbourCols[p] ?? 0;
        if (this.scores[j] === 0) this.touched[touched++] = j;
        this.scores[j] = (this.scores[j] ?? 0) + (this.similarities[p] ?? 0);
      }
    }
    let unseen = 0;
    for (let t = 0; t < touched; t++) {
      const j = this.touched[t] ?? 0;
      if (seen.has(this.movieIds[j] ?? 0)) this.scores[j] = 0;
      else this.touched[unseen++] = j;
    }
    const best = Array.from(this.best(unseen, Math.max(0, Math.floor(limit))), (j) => ({
      movieId: this.movieIds[j] ?? 0,
      score: this.scores[j] ?? 0,
    }));
    this.clear(unseen);
    return best;
  }

  /**
   * The best `limit` of the first `count` touched movies by score, best first. A heap of the
   * best so far, worst on top: most candidates cost one comparison with it, so a neighbourhood
   * costs about the co-occurrences it is chosen from rather than a sort of them.
   */
  private best(count: number, limit: number): Int32Array {
    const size = Math.min(limit, count);
    const heap = new Int32Array(size);
    for (let t = 0; t < count; t++) {
      const candidate = this.touched[t] ?? 0;
      if (t < size) {
        let at = t;
        heap[at] = candidate;
        while (at > 0) {
          const parent = (at - 1) >> 1;
          if (!this.worse(heap[at] ?? 0, heap[parent] ?? 0)) break;
          swap(heap, at, parent);
          at = parent;
        }
      } else if (size > 0 && this.worse(heap[0] ?? 0, candidate)) {
        heap[0] = candidate;
        this.siftDown(heap, size);
      }
    }
    // Heap sort: the worst moves to the end each round, so the array ends best first.
    for (let end = size - 1; end > 0; end--) {
      swap(heap, 0, end);
      this.siftDown(heap, end);
    }
    return heap;
  }

  private siftDown(heap: Int32Array, length: number): void {
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= length) return;
      const right = left + 1;
      const child = right < length && this.worse(heap[right] ?? 0, heap[left] ?? 0) ? right : left;
      if (!this.worse(heap[child] ?? 0, heap[at] ?? 0)) return;
      swap(heap, at, child);
      at = child;
    }
  }

  /** Ranks movie a after movie b: a lower score, or an equal score and a higher movie id. */
  private worse(a: number, b: number): boolean {
    const scoreA = this.scores[a] ?? 0;
    const scoreB = this.scores[b] ?? 0;
    return (
      scoreA < scoreB || (scoreA === scoreB && (this.movieIds[a] ?? 0) > (this.movieIds[b] ?? 0))
    );
  }

  private clear(count: number): void {
    for (let t = 0; t < count; t++) this.scores[this.touched[t] ?? 0] = 0;
  }
}

/** Movies whose neighbourhoods a build finds between two turns of the event loop. */
const BUILD_SLICE_MOVIES = 64;

function swap(array: Int32Array, a: number, b: number): void {
  const held = array[a] ?? 0;
  array[a] = array[b] ?? 0;
  array[b] = held;
}

/** The movie x user pattern of a user x movie one: who favours each movie, users ascending. */
function transpose(pattern: CsrPattern): CsrPattern {
  const rowPtr = new Int32Array(pattern.cols + 1);
  const entries = pattern.rowPtr[pattern.rows] ?? 0;
  for (let p = 0; p < entries; p++) {
    const col = pattern.colIndices[p] ?? 0;
    rowPtr[col + 1] = (rowPtr[col + 1] ?? 0) + 1;
  }
  for (let c = 0; c < pattern.cols; c++) rowPtr[c + 1] = (rowPtr[c + 1] ?? 0) + (rowPtr[c] ?? 0);
  const next = rowPtr.slice(0, pattern.cols);
  const colIndices = new Int32Array(entries);
  for (let r = 0; r < pattern.rows; r++) {
    for (let p = pattern.rowPtr[r] ?? 0; p < (pattern.rowPtr[r + 1] ?? 0); p++) {
      const col = pattern.colIndices[p] ?? 0;
      colIndices[next[col] ?? 0] = r;
      next[col] = (next[col] ?? 0) + 1;
    }
  }
  return { rows: pattern.cols, cols: pattern.rows, rowPtr, colIndices };
}
