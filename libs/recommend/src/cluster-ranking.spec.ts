import { type ClusterAggregates } from './cluster-aggregates';
import { ClusterRanking, topUnseen } from './cluster-ranking';

/** A cluster from [movieId, ratings of its users, users who favour it]. */
function aCluster(movies: [movieId: number, ratings: number[], favourites: number][]) {
  const cluster: ClusterAggregates = {
    favourites: new Map(movies.filter(([, , f]) => f > 0).map(([m, , f]) => [m, f])),
    ratingSums: new Map(movies.map(([m, r]) => [m, r.reduce((a, b) => a + b, 0)])),
    ratingCounts: new Map(movies.map(([m, r]) => [m, r.length])),
  };
  return cluster;
}

const settings = { priorWeight: 2, clusterPriorWeight: 4, minSupport: 2 };

describe(ClusterRanking.name, () => {
  const clusters = [
    aCluster([
      [1, [5], 1],
      [2, [4, 4, 5, 5], 4],
      [3, [3, 3, 3], 0],
      [4, [4, 5], 2],
    ]),
    aCluster([
      [1, [1, 1, 1], 0],
      [3, [5, 5, 5], 3],
    ]),
  ];
  const sut = new ClusterRanking(clusters, settings);

  it('shrinks movie means toward the global mean by their support', () => {
    const global = (5 + 18 + 9 + 9 + 3 + 15) / 16;
    expect(sut.movies.globalMean).toBeCloseTo(global);
    expect(sut.movies.meanOf(1)).toBeCloseTo((8 + 2 * global) / (4 + 2));
    expect(sut.movies.meanOf(99)).toBeCloseTo(global);
  });

  it('ranks by favourite count, ties broken by the shrunk mean, then the rated unfavoured', () => {
    expect(sut.ranked(0, 'favourites').map((m) => m.movieId)).toEqual([2, 4, 1, 3]);
  });

  it('ranks by the cluster mean shrunk toward the movie mean, so a lone 5 does not win', () => {
    const ranked = sut.ranked(0, 'rating');

    expect(ranked.map((m) => m.movieId)).toEqual([2, 4, 1, 3]);
    const [best] = ranked;
    expect(best).toEqual({
      movieId: 2,
      score: (18 + 2 * sut.movies.meanOf(2)) / (4 + 2),
      favourites: 4,
      meanRating: 4.5,
      support: 4,
    });
  });

  it('lists popular movies with at least the minimum support', () => {
    const popular = sut.popular();

    expect(popular.map((m) => m.movieId)).toEqual([2, 4, 3, 1]);
    expect(popular.find((m) => m.movieId === 1)).toMatchObject({ favourites: 1, support: 4 });
  });

  it('predicts from the cluster when it has the support, from the movie otherwise', () => {
    const none = new Map<number, number>();

    expect(sut.predict(1, none, 3)).toMatchObject({ source: 'cluster', support: 3 });
    expect(sut.predict(1, none, 2)).toEqual({
      rating: sut.movies.meanOf(2),
      source: 'movie',
      support: 0,
    });
    expect(sut.predict(undefined, none, 99)).toEqual({
      rating: sut.movies.globalMean,
      source: 'global',
      support: 0,
    });
  });

  it('moves a prediction toward the cluster where the cluster rates above the movie mean', () => {
    const none = new Map<number, number>();

    expect(sut.predict(1, none, 3).rating).toBeGreaterThan(sut.predict(0, none, 3).rating);
  });

  it('adds how far the user rates above movie means, ignoring the predicted movie itself', () => {
    const generous = new Map([
      [1, 5],
      [3, 5],
    ]);
    const harsh = new Map([
      [1, 1],
      [3, 1],
    ]);

    expect(sut.predict(0, generous, 2).rating).toBeGreaterThan(sut.predict(0, harsh, 2).rating);
    expect(sut.predict(0, new Map([[2, 0.5]]), 2)).toEqual(sut.predict(0, new Map(), 2));
  });

  it('keeps predictions on the rating scale', () => {
    const extreme = new Map([...Array(50).keys()].map((i) => [1000 + i, 5]));

    expect(sut.predict(0, extreme, 2).rating).toBeLessThanOrEqual(5);
  });

  it('warms one cluster per turn of the event loop, to the same rankings', async () => {
    const warmed = new ClusterRanking(clusters, settings);
    const turns: number[] = [];
    let turn = 0;
    const tick = () => {
      turn++;
      if (turn < 5) setImmediate(tick);
    };
    setImmediate(tick);

    await warmed.warm();
    turns.push(turn);

    // Other work ran while the two clusters were ranked.
    expect(turns[0]).toBeGreaterThanOrEqual(2);
    expect(warmed.ranked(1, 'rating')).toEqual(sut.ranked(1, 'rating'));
    expect(warmed.predict(1, new Map(), 3)).toEqual(sut.predict(1, new Map(), 3));
  });

  it('rejects a cluster the model does not have', () => {
    expect(() => sut.ranked(5, 'rating')).toThrow(RangeError);
  });
});

describe(topUnseen.name, () => {
  it('skips seen movies and stops at the limit', () => {
    const ranked = [1, 2, 3, 4, 5].map((movieId) => ({
      movieId,
      score: 10 - movieId,
      favourites: 0,
      meanRating: undefined,
      support: 0,
    }));

    expect(topUnseen(ranked, new Set([1, 3]), 2).map((m) => m.movieId)).toEqual([2, 4]);
    expect(topUnseen(ranked, new Set(), 0)).toEqual([]);
  });
});
