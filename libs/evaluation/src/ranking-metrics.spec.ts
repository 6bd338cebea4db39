import { catalogueCoverage, ndcgAt, precisionAt, recallAt } from './ranking-metrics';

describe('ranking metrics', () => {
  const relevant = new Set([2, 4]);
  const recommended = [1, 2, 3];

  it('precision counts the hits of the first k over k, a short list missing the rest', () => {
    expect(precisionAt(recommended, relevant, 10)).toBe(0.1);
    expect(precisionAt(recommended, relevant, 2)).toBe(0.5);
    expect(precisionAt(recommended, relevant, 1)).toBe(0);
  });

  it('recall counts the hits of the first k over the relevant movies', () => {
    expect(recallAt(recommended, relevant, 10)).toBe(0.5);
    expect(recallAt([4, 2], relevant, 10)).toBe(1);
    expect(recallAt(recommended, new Set(), 10)).toBe(0);
  });

  it('NDCG discounts a hit by log2 of its rank + 1 against the ideal order', () => {
    const ideal = 1 + 1 / Math.log2(3);

    expect(ndcgAt(recommended, relevant, 10)).toBeCloseTo(1 / Math.log2(3) / ideal);
    expect(ndcgAt([4, 2, 1], relevant, 10)).toBeCloseTo(1);
    expect(ndcgAt([1, 2, 3], new Set([3]), 2)).toBe(0);
    expect(ndcgAt(recommended, new Set(), 10)).toBe(0);
  });

  it('coverage is the share of the catalogue shown in any list', () => {
    expect(catalogueCoverage([[1, 2], [2, 3], []], 10)).toBeCloseTo(0.3);
    expect(catalogueCoverage([], 0)).toBe(0);
  });
});
