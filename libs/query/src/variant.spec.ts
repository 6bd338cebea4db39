import { fmix32, userHash, variantOf } from './variant';

describe(variantOf.name, () => {
  const ids = Array.from({ length: 100_000 }, (_, i) => i + 1);
  const candidates = (share: number) =>
    ids.filter((userId) => variantOf(userId, share) === 'candidate');

  it('hashes with murmur3 fmix32, whose value for 1 is 0x514e28b7', () => {
    // Step by step in exact integers: 1 ^ (1 >>> 16) = 1; * 0x85ebca6b = 0x85ebca6b;
    // ^ (>>> 13) = 0x85efe535; * 0xc2b2ae35 mod 2^32 = 0x514e79f9; ^ (>>> 16) = 0x514e28b7.
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(fmix32(0)).toBe(0);
    expect(userHash(1)).toBe(0x514e28b7);
    expect(userHash(42)).toBe(142_593_372);
  });

  it('puts user 1 (hash 0.3176 of the range) in the candidate from a share of 0.32, not 0.31', () => {
    expect(variantOf(1, 0.31)).toBe('active');
    expect(variantOf(1, 0.32)).toBe('candidate');
  });

  it('sends nobody to the candidate at 0, and everybody at 1', () => {
    expect(candidates(0)).toEqual([]);
    expect(candidates(1)).toHaveLength(ids.length);
  });

  it.each([0.01, 0.1, 0.5, 0.9])(
    'sends %f of 100,000 consecutive ids to the candidate, within 1%',
    (share) => {
      expect(Math.abs(candidates(share).length / ids.length - share)).toBeLessThan(0.01);
    },
  );

  it('gives a user the same variant every time, and keeps candidates as the share grows', () => {
    const tenth = candidates(0.1);
    expect(candidates(0.1)).toEqual(tenth);
    const half = new Set(candidates(0.5));
    expect(tenth.every((userId) => half.has(userId))).toBe(true);
  });

  it('tells apart ids that agree in their low 32 bits', () => {
    expect(userHash(2 ** 32 + 1)).not.toBe(userHash(1));
    expect(userHash(Number.MAX_SAFE_INTEGER)).toBeLessThan(2 ** 32);
    const high = Array.from({ length: 10_000 }, (_, i) => 2 ** 40 + i * 2 ** 32);
    const share = high.filter((userId) => variantOf(userId, 0.5) === 'candidate').length;
    expect(Math.abs(share / high.length - 0.5)).toBeLessThan(0.02);
  });
});
