import { type ItemNeighbourTable } from '@app/recommend';
import { bytesOf, CHUNK_BYTES, chunkFields, copyOf, readChunks } from './chunked-fields';

/**
 * Hash fields of a model's item neighbourhoods (see ItemKnn), all little-endian: `movies`
 * (float64 ids, exact to 2^53), `offsets` (int32, one more than the movies), and the neighbours
 * as `neighbours:0`, ... (int32 columns) and `similarities:0`, ... (float64), in chunks, so no
 * value grows with the catalogue times the neighbourhood.
 */
export const NEIGHBOUR_FIELDS = { movies: 'movies', offsets: 'offsets' } as const;

const NEIGHBOURS_FIELD = 'neighbours:';
const SIMILARITIES_FIELD = 'similarities:';

/** The stored neighbourhoods do not fit the description they were stored with. */
export class ItemNeighboursEncodingError extends Error {
  readonly code = 'ITEM_NEIGHBOURS_INVALID';

  constructor(readonly detail: string) {
    super(`the stored item neighbourhoods are invalid: ${detail}`);
    this.name = 'ItemNeighboursEncodingError';
  }
}

/** The hash fields of a neighbour table; chunkBytes for tests. */
export function encodeItemNeighbours(
  table: ItemNeighbourTable,
  chunkBytes = CHUNK_BYTES,
): Map<string, Buffer> {
  return new Map([
    [NEIGHBOUR_FIELDS.movies, bytesOf(table.movieIds)],
    [NEIGHBOUR_FIELDS.offsets, bytesOf(table.neighbourPtr)],
    ...chunkFields(NEIGHBOURS_FIELD, table.neighbourCols, 1, chunkBytes),
    ...chunkFields(SIMILARITIES_FIELD, table.similarities, 1, chunkBytes),
  ]);
}

/**
 * The table from its hash fields, checked against the description's `movies`; copies into
 * fresh, aligned arrays. Whether the arrays fit together as neighbourhoods, ItemKnn checks.
 */
export function decodeItemNeighbours(
  fields: Readonly<Record<string, Buffer>>,
  expected: { movies: number },
): ItemNeighbourTable {
  const { movies } = expected;
  const ids = fields[NEIGHBOUR_FIELDS.movies];
  const offsets = fields[NEIGHBOUR_FIELDS.offsets];
  if (ids?.length !== 8 * movies) {
    throw new ItemNeighboursEncodingError(
      `expected ${movies} movie ids, got ${(ids?.length ?? 0) / 8}`,
    );
  }
  if (offsets?.length !== 4 * (movies + 1)) {
    throw new ItemNeighboursEncodingError(
      `expected ${movies + 1} offsets, got ${(offsets?.length ?? 0) / 4}`,
    );
  }
  const neighbourPtr = new Int32Array(copyOf(offsets));
  const kept = neighbourPtr[movies] ?? 0;
  const neighbourCols = new Int32Array(kept);
  const similarities = new Float64Array(kept);
  const neighbours = readChunks(fields, NEIGHBOURS_FIELD, neighbourCols);
  const scores = readChunks(fields, SIMILARITIES_FIELD, similarities);
  if (neighbours !== neighbourCols.byteLength || scores !== similarities.byteLength) {
    throw new ItemNeighboursEncodingError(
      `expected ${kept} neighbours and similarities, got ${neighbours / 4} and ${scores / 8}`,
    );
  }
  return { movieIds: new Float64Array(copyOf(ids)), neighbourPtr, neighbourCols, similarities };
}
