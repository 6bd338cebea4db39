import { isFavouriteRating } from '@app/events';
import { type MatrixValueSettings } from './rating-matrix';

/** How a model's rows were made from ratings; centres compare only with rows made alike. */
export interface RowSettings extends MatrixValueSettings {
  /** Whether the clustered rows were scaled to unit length (normalizeRows). */
  normalize: boolean;
}

/**
 * A clustering model's centres over its movie columns, for placing a user who was not clustered:
 * the user's ratings become matrix values the way the clustered matrix's did (centred on their
 * own mean, say) and the nearest centre wins.
 */
export class CentroidModel {
  private readonly column = new Map<number, number>();
  private readonly norms: Float64Array;

  constructor(
    readonly clusters: number,
    /** Cluster-major centres: centroids[c * movieIds.length + column]. */
    private readonly centroids: Float32Array,
    readonly movieIds: ArrayLike<number>,
    private readonly settings: RowSettings,
  ) {
    const cols = movieIds.length;
    for (let col = 0; col < cols; col++) this.column.set(movieIds[col]!, col);
    this.norms = Float64Array.from({ length: clusters }, (_, c) => {
      let norm = 0;
      for (let j = 0; j < cols; j++) norm += centroids[c * cols + j]! ** 2;
      return norm;
    });
  }

  /**
   * The nearest cluster to a user with these (movieId, rating) pairs, ties to the lower id; or
   * undefined when the ratings say nothing in the model's terms (no ratings, one centred rating,
   * or, for favourites values, no favourite): every centre would then be compared with the
   * origin, and the answer would say more about the centres than about the user.
   */
  nearest(ratings: Iterable<readonly [movieId: number, rating: number]>): number | undefined {
    const entries = this.toValues([...ratings]);
    if (!entries.some(([, x]) => x !== 0)) return undefined;
    const cols = this.movieIds.length;
    let best = 0;
    let bestDistance = Infinity;
    for (let c = 0; c < this.clusters; c++) {
      let distance = this.norms[c]!;
      for (const [movie, x] of entries) {
        const col = this.column.get(movie);
        distance += x * x - (col === undefined ? 0 : 2 * x * this.centroids[c * cols + col]!);
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    return best;
  }

  private toValues(ratings: (readonly [number, number])[]): (readonly [number, number])[] {
    const values = this.rawValues(ratings);
    if (!this.settings.normalize) return values;
    const norm = Math.sqrt(values.reduce((a, [, x]) => a + x * x, 0));
    return norm === 0 ? values : values.map(([movie, x]) => [movie, x / norm] as const);
  }

  private rawValues(ratings: (readonly [number, number])[]): (readonly [number, number])[] {
    const { values, favouriteMinRating } = this.settings;
    switch (values) {
      case 'raw':
        return ratings;
      case 'binary':
        return ratings.map(([movie]) => [movie, 1] as const);
      case 'favourites':
        return ratings
          .filter(([, r]) => isFavouriteRating(r, favouriteMinRating))
          .map(([movie]) => [movie, 1] as const);
      case 'centred': {
        const mean = ratings.reduce((a, [, r]) => a + r, 0) / (ratings.length || 1);
        return ratings.map(([movie, r]) => [movie, r - mean] as const);
      }
      default: {
        const unknown: never = values;
        throw new Error(`unknown matrix values ${String(unknown)}`);
      }
    }
  }
}
