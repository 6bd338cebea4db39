import { DEFAULT_FAVOURITE_MIN_RATING, isMatrixValues, type MatrixValues } from './rating-matrix';

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
    private readonly centroids: Float32Array,
    readonly movieIds: Int32Array,
    private readonly values: MatrixValues = 'centred',
    /** Whether the clustered rows were scaled to unit length (normalizeRows). */
    private readonly normalize = false,
    private readonly favouriteMinRating = DEFAULT_FAVOURITE_MIN_RATING,
  ) {
    movieIds.forEach((movie, col) => this.column.set(movie, col));
    const cols = movieIds.length;
    this.norms = Float64Array.from({ length: clusters }, (_, c) => {
      let norm = 0;
      for (let j = 0; j < cols; j++) norm += centroids[c * cols + j]! ** 2;
      return norm;
    });
  }

  /**
   * The centres of a stored model, whose description (`info`) says how ratings became matrix
   * values: `values` (default centred) and `normalize` ("true" when rows had unit length).
   */
  static fromStored(model: {
    clusters: number;
    centroids: Float32Array;
    movieIds: Int32Array;
    info: Readonly<Record<string, string | number>>;
  }): CentroidModel {
    const values = model.info.values ?? 'centred';
    if (!isMatrixValues(values)) throw new Error(`unknown matrix values "${values}"`);
    const normalize = String(model.info.normalize) === 'true';
    return new CentroidModel(model.clusters, model.centroids, model.movieIds, values, normalize);
  }

  /** The nearest cluster to a user with these (movieId, rating) pairs; ties go to the lower id. */
  nearest(ratings: Iterable<readonly [movieId: number, rating: number]>): number {
    const entries = this.toValues([...ratings]);
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
    if (!this.normalize) return values;
    const norm = Math.sqrt(values.reduce((a, [, x]) => a + x * x, 0));
    return norm === 0 ? values : values.map(([movie, x]) => [movie, x / norm] as const);
  }

  private rawValues(ratings: (readonly [number, number])[]): (readonly [number, number])[] {
    switch (this.values) {
      case 'raw':
        return ratings;
      case 'binary':
        return ratings.map(([movie]) => [movie, 1] as const);
      case 'favourites':
        return ratings
          .filter(([, r]) => r >= this.favouriteMinRating)
          .map(([movie]) => [movie, 1] as const);
      case 'centred': {
        const mean = ratings.reduce((a, [, r]) => a + r, 0) / (ratings.length || 1);
        return ratings.map(([movie, r]) => [movie, r - mean] as const);
      }
      default: {
        const unknown: never = this.values;
        throw new Error(`unknown matrix values ${String(unknown)}`);
      }
    }
  }
}
