import { bytesOf, CHUNK_BYTES, chunkFields, copyOf, readChunks } from './chunked-fields';

/**
 * The movie side of a model's ALS factorization, r̂(u, i) = μ + b_u + b_i + p_u·q_i: all a reader
 * needs to fold a user in from their ratings. Its settings (the factor count among them) are in
 * the model's description.
 */
export interface StoredAlsFactors {
  /** μ, the mean of the ratings trained on. */
  globalMean: number;
  /** Column i is movie movieIds[i]; ascending. */
  movieIds: Float64Array;
  /** Row-major: movie i's factors are movieFactors[i * factors .. (i + 1) * factors). */
  movieFactors: Float32Array;
  movieBiases: Float32Array;
}

/**
 * Hash fields of the stored factors, all little-endian: `mean` (float64), `movies` (float64 ids,
 * exact to 2^53), `biases` (float32) and the factors as `factors:0`, `factors:1`, ... (float32,
 * whole movie rows each, at most CHUNK_BYTES), so no single value, and no single command that
 * writes or reads one, grows with the catalogue times the factor count.
 */
export const ALS_FIELDS = { mean: 'mean', movies: 'movies', biases: 'biases' } as const;

const FACTORS_FIELD = 'factors:';

/** The stored factors do not fit the description they were stored with. */
export class AlsFactorsEncodingError extends Error {
  readonly code = 'ALS_FACTORS_INVALID';

  constructor(readonly detail: string) {
    super(`the stored ALS factors are invalid: ${detail}`);
    this.name = 'AlsFactorsEncodingError';
  }
}

/** The hash fields of a model's factors, `factors` per movie; chunkBytes for tests. */
export function encodeAlsFactors(
  als: StoredAlsFactors,
  factors: number,
  chunkBytes = CHUNK_BYTES,
): Map<string, Buffer> {
  const movies = als.movieIds.length;
  if (als.movieBiases.length !== movies || als.movieFactors.length !== movies * factors) {
    throw new AlsFactorsEncodingError(
      `${movies} movies need ${movies} biases and ${movies * factors} factors, ` +
        `got ${als.movieBiases.length} and ${als.movieFactors.length}`,
    );
  }
  const fields = new Map<string, Buffer>([
    [ALS_FIELDS.mean, bytesOf(Float64Array.of(als.globalMean))],
    [ALS_FIELDS.movies, bytesOf(als.movieIds)],
    [ALS_FIELDS.biases, bytesOf(als.movieBiases)],
  ]);
  for (const [field, value] of chunkFields(FACTORS_FIELD, als.movieFactors, factors, chunkBytes)) {
    fields.set(field, value);
  }
  return fields;
}

/**
 * The factors from their hash fields, checked against what the description says: `movies`
 * movies of `factors` factors each. Copies into fresh, aligned arrays.
 */
export function decodeAlsFactors(
  fields: Readonly<Record<string, Buffer>>,
  expected: { factors: number; movies: number },
): StoredAlsFactors {
  const { factors, movies } = expected;
  const mean = fields[ALS_FIELDS.mean];
  const ids = fields[ALS_FIELDS.movies];
  const biases = fields[ALS_FIELDS.biases];
  if (mean?.length !== 8) throw new AlsFactorsEncodingError('the mean is missing');
  if (ids?.length !== 8 * movies) {
    throw new AlsFactorsEncodingError(`expected ${movies} movie ids, got ${bytes(ids) / 8}`);
  }
  if (biases?.length !== 4 * movies) {
    throw new AlsFactorsEncodingError(`expected ${movies} biases, got ${bytes(biases) / 4}`);
  }
  const movieFactors = new Float32Array(movies * factors);
  const found = readChunks(fields, FACTORS_FIELD, movieFactors);
  if (found !== movieFactors.byteLength) {
    throw new AlsFactorsEncodingError(`expected ${movies * factors} factors, got ${found / 4}`);
  }
  return {
    globalMean: new Float64Array(copyOf(mean))[0] ?? 0,
    movieIds: new Float64Array(copyOf(ids)),
    movieFactors,
    movieBiases: new Float32Array(copyOf(biases)),
  };
}

const bytes = (buffer: Buffer | undefined): number => buffer?.length ?? 0;
