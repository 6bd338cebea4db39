import { type ItemNeighbourTable } from '@app/recommend';
import {
  decodeItemNeighbours,
  encodeItemNeighbours,
  NEIGHBOUR_FIELDS,
} from './item-neighbours.encoding';

/** Three movies: the first keeps two neighbours, the second one, the third none. */
const table: ItemNeighbourTable = {
  movieIds: Float64Array.of(1, 2 ** 40, 2 ** 53 - 1),
  neighbourPtr: Int32Array.of(0, 2, 3, 3),
  neighbourCols: Int32Array.of(1, 2, 0),
  similarities: Float64Array.of(1 / 3, 0.25, 1 / 7),
};

const fieldsOf = (map: Map<string, Buffer>): Record<string, Buffer> => Object.fromEntries(map);

describe('encodeItemNeighbours', () => {
  it('round-trips the table, ids up to 2^53 and similarities as float64', () => {
    expect(decodeItemNeighbours(fieldsOf(encodeItemNeighbours(table)), { movies: 3 })).toEqual(
      table,
    );
  });

  it('splits neighbours and similarities into chunks, in order', () => {
    // 8 bytes: two int32 neighbours a chunk, one float64 similarity a chunk.
    const fields = encodeItemNeighbours(table, 8);

    expect([...fields.keys()]).toEqual([
      NEIGHBOUR_FIELDS.movies,
      NEIGHBOUR_FIELDS.offsets,
      'neighbours:0',
      'neighbours:1',
      'similarities:0',
      'similarities:1',
      'similarities:2',
    ]);
    expect(decodeItemNeighbours(fieldsOf(fields), { movies: 3 })).toEqual(table);
  });

  it('decodes values Redis returns as slices of a larger buffer', () => {
    const unaligned = Object.fromEntries(
      [...encodeItemNeighbours(table)].map(([field, value]) => {
        const pool = Buffer.alloc(value.length + 1);
        value.copy(pool, 1);
        return [field, pool.subarray(1)];
      }),
    );

    expect(decodeItemNeighbours(unaligned, { movies: 3 })).toEqual(table);
  });

  const fields = fieldsOf(encodeItemNeighbours(table, 8));
  const without = (field: string) =>
    Object.fromEntries(Object.entries(fields).filter(([name]) => name !== field));

  it.each([
    ['a missing chunk', without('neighbours:1'), /expected 3 neighbours and similarities, got 2/],
    ['missing similarities', without('similarities:2'), /got 3 and 2/],
    ['missing offsets', without(NEIGHBOUR_FIELDS.offsets), /expected 4 offsets, got 0/],
    ['missing ids', without(NEIGHBOUR_FIELDS.movies), /expected 3 movie ids, got 0/],
  ])('refuses %s, saying what is wrong', (_, damaged, message) => {
    expect(() => decodeItemNeighbours(damaged, { movies: 3 })).toThrow(message);
  });

  it('refuses a table of another catalogue than the description records', () => {
    expect(() => decodeItemNeighbours(fields, { movies: 2 })).toThrow(
      /expected 2 movie ids, got 3/,
    );
  });
});
