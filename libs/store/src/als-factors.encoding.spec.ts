import {
  ALS_FIELDS,
  AlsFactorsEncodingError,
  decodeAlsFactors,
  encodeAlsFactors,
  type StoredAlsFactors,
} from './als-factors.encoding';

/** Five movies of three factors, with values that float32 holds exactly. */
function aStoredAlsFactors(overrides: Partial<StoredAlsFactors> = {}): StoredAlsFactors {
  return {
    globalMean: 3.5 + 1 / 3,
    movieIds: Float64Array.of(1, 7, 2 ** 40, 2 ** 53 - 1, 9_000_000_000),
    movieFactors: Float32Array.from({ length: 15 }, (_, i) => (i - 7) / 8),
    movieBiases: Float32Array.of(-0.5, 0.25, 0, 1.5, -2),
    ...overrides,
  };
}

const fieldsOf = (map: Map<string, Buffer>): Record<string, Buffer> => Object.fromEntries(map);

describe('encodeAlsFactors', () => {
  it('round-trips the factors, ids up to 2^53 and the mean as a float64', () => {
    const sut = aStoredAlsFactors();

    const decoded = decodeAlsFactors(fieldsOf(encodeAlsFactors(sut, 3)), {
      factors: 3,
      movies: 5,
    });

    expect(decoded).toEqual(sut);
    expect(decoded.globalMean).toBe(3.5 + 1 / 3);
  });

  it('splits the factors into chunks of whole movie rows, in order', () => {
    const sut = aStoredAlsFactors();

    // 3 factors of 4 bytes: 28 bytes hold 2 movies, so 5 movies take chunks of 2, 2 and 1.
    const fields = encodeAlsFactors(sut, 3, 28);

    expect([...fields.keys()]).toEqual([
      ALS_FIELDS.mean,
      ALS_FIELDS.movies,
      ALS_FIELDS.biases,
      'factors:0',
      'factors:1',
      'factors:2',
    ]);
    expect([...fields.values()].map((value) => value.length)).toEqual([8, 40, 20, 24, 24, 12]);
    // Movie 2's first factor, (6 - 7) / 8, opens the second chunk.
    expect(fields.get('factors:1')?.readFloatLE(0)).toBe(-0.125);
    expect(decodeAlsFactors(fieldsOf(fields), { factors: 3, movies: 5 })).toEqual(sut);
  });

  it('decodes values Redis returns as slices of a larger buffer', () => {
    const fields = fieldsOf(encodeAlsFactors(aStoredAlsFactors(), 3));
    // A Buffer at an odd offset of its pool: a Float32Array straight over it would throw.
    const unaligned = Object.fromEntries(
      Object.entries(fields).map(([field, value]) => {
        const pool = Buffer.alloc(value.length + 1);
        value.copy(pool, 1);
        return [field, pool.subarray(1)];
      }),
    );

    expect(decodeAlsFactors(unaligned, { factors: 3, movies: 5 })).toEqual(aStoredAlsFactors());
  });

  it('refuses arrays that do not match the factor count', () => {
    expect(() => encodeAlsFactors(aStoredAlsFactors(), 4)).toThrow(AlsFactorsEncodingError);
  });
});

describe('decodeAlsFactors', () => {
  const fields = fieldsOf(encodeAlsFactors(aStoredAlsFactors(), 3, 28));
  const without = (field: string) =>
    Object.fromEntries(Object.entries(fields).filter(([name]) => name !== field));

  it.each([
    ['a missing chunk', without('factors:1'), /expected 15 factors, got 6/],
    ['a missing last chunk', without('factors:2'), /expected 15 factors, got 12/],
    ['missing biases', without(ALS_FIELDS.biases), /expected 5 biases, got 0/],
    ['missing ids', without(ALS_FIELDS.movies), /expected 5 movie ids, got 0/],
    ['no mean', without(ALS_FIELDS.mean), /the mean is missing/],
  ])('refuses %s, saying what is wrong', (_, damaged, message) => {
    expect(() => decodeAlsFactors(damaged, { factors: 3, movies: 5 })).toThrow(message);
  });

  it('refuses factors for other settings than the description records', () => {
    expect(() => decodeAlsFactors(fields, { factors: 2, movies: 5 })).toThrow(
      /expected 10 factors, got 15/,
    );
    expect(() => decodeAlsFactors(fields, { factors: 3, movies: 4 })).toThrow(
      /expected 4 movie ids, got 5/,
    );
  });
});
