import { generateSyntheticRatings } from '@app/clustering';
import { trainAls } from '@app/factorization';
import { type RankedMovie } from '@app/recommend';
import { type StoredAlsFactors } from '@app/store';
import { TasteFactors } from './taste-factors';

const settings = (factors: number, regularization: number) => ({
  factors,
  iterations: 1,
  regularization,
  seed: 1,
});

const aCandidate = (movieId: number, support = 10): RankedMovie => ({
  movieId,
  score: 0,
  favourites: 0,
  meanRating: undefined,
  support,
});

describe(TasteFactors.name, () => {
  describe('on factors worked by hand', () => {
    // μ = 3; one factor: movie 10 has q = 1, b = 0; movie 20 has q = -1, b = 0.2.
    const stored: StoredAlsFactors = {
      globalMean: 3,
      movieIds: Float64Array.of(10, 20),
      movieFactors: Float32Array.of(1, -1),
      movieBiases: Float32Array.of(0, 0.2),
    };
    const sut = new TasteFactors(stored, settings(1, 0.5));

    it('folds a user in and predicts from their factors', () => {
      // One rating, 5 of movie 10: with ỹ = (1, 1) and λ·n = 0.5, the normal equations are
      // [[1.5, 1], [1, 1.5]] (p, b) = (2, 2), so p = b = 0.8.
      const user = sut.foldIn(new Map([[10, 5]]))!;

      expect(user.factors[0]).toBeCloseTo(0.8, 6);
      expect(user.bias).toBeCloseTo(0.8, 6);
      // 3 + 0.8 + 0 + 0.8 · 1 and 3 + 0.8 + 0.2 + 0.8 · -1.
      expect(sut.predict(user, 10)).toBeCloseTo(4.6, 6);
      expect(sut.predict(user, 20)).toBeCloseTo(3.2, 6);
    });

    it('ranks candidates by prediction, leaving out movies it has no factors for', () => {
      const user = sut.foldIn(new Map([[10, 5]]))!;

      const ranked = sut.rank(user, [aCandidate(20), aCandidate(99), aCandidate(10)]);

      expect(ranked.map((movie) => movie.movieId)).toEqual([10, 20]);
      expect(ranked.map((movie) => movie.score)).toEqual([
        expect.closeTo(4.6, 6),
        expect.closeTo(3.2, 6),
      ]);
    });

    it('keeps predictions on the rating scale, and orders by the value before clamping', () => {
      // A user far along the factor: 3 + b + 6·q would leave the scale on both sides.
      const user = { factors: Float32Array.of(6), bias: 0 };

      expect(sut.predict(user, 10)).toBe(5);
      expect(sut.predict(user, 20)).toBe(0.5);
      const twin = new TasteFactors(
        { ...stored, movieIds: Float64Array.of(10, 11), movieFactors: Float32Array.of(1, 2) },
        settings(1, 0.5),
      );
      expect(twin.rank(user, [aCandidate(10, 50), aCandidate(11, 1)])).toMatchObject([
        { movieId: 11, score: 5 },
        { movieId: 10, score: 5 },
      ]);
    });

    it('has nothing to say of a user who rated none of its movies', () => {
      expect(sut.foldIn(new Map())).toBeUndefined();
      expect(sut.foldIn(new Map([[99, 5]]))).toBeUndefined();
      expect(sut.predict(sut.foldIn(new Map([[10, 5]]))!, 99)).toBeUndefined();
    });
  });

  describe('on a trained model', () => {
    let sut: TasteFactors;
    let movieIds: Float64Array;

    beforeAll(async () => {
      const ratings = generateSyntheticRatings({ users: 300, movies: 80, ratings: 4_000, seed: 3 });
      const model = await trainAls(ratings, { factors: 4, iterations: 5, seed: 2 }, { threads: 1 });
      movieIds = model.movieIds;
      sut = new TasteFactors(model, model.settings);
    });

    it('moves a user’s ranking with a rating just given', () => {
      const before = new Map(Array.from(movieIds.subarray(0, 8), (id, i) => [id, 1 + (i % 5)]));
      const candidates = Array.from(movieIds.subarray(8), (id) => aCandidate(id));
      const ranked = sut.rank(sut.foldIn(before)!, candidates);
      // The user now loves the movie they were predicted to like least, and hates the best.
      const worst = ranked.at(-1)!.movieId;
      const best = ranked[0]!.movieId;
      const after = new Map([...before, [worst, 5], [best, 0.5]]);
      const rest = candidates.filter(({ movieId }) => movieId !== worst && movieId !== best);

      const reranked = sut.rank(sut.foldIn(after)!, rest);

      expect(reranked.map(({ movieId }) => movieId)).not.toEqual(
        ranked.filter(({ movieId }) => movieId !== worst && movieId !== best).map((m) => m.movieId),
      );
      const scores = reranked.map(({ score }) => score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      const user = sut.foldIn(after)!;
      expect(reranked.map(({ movieId }) => sut.predict(user, movieId))).toEqual(scores);
    });
  });
});
