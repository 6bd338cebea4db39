import { aggregateClusters } from './cluster-aggregates';

describe(aggregateClusters.name, () => {
  it('sums ratings per cluster and counts each favourite once, from ratings and events', () => {
    const clusterOf = new Map([
      [1, 0],
      [2, 0],
      [3, 1],
    ]);
    const ratings = {
      userIds: [1, 1, 2, 3, 4],
      movieIds: [10, 11, 10, 10, 10],
      ratings: [4.5, 2, 3, 5, 5],
    };
    const favourites = { userIds: [1, 2, 4], movieIds: [10, 12, 10] };

    const [first, second] = aggregateClusters(2, clusterOf, ratings, favourites, 4);

    expect(first).toEqual({
      favourites: new Map([
        [10, 1],
        [12, 1],
      ]),
      ratingSums: new Map([
        [10, 7.5],
        [11, 2],
      ]),
      ratingCounts: new Map([
        [10, 2],
        [11, 1],
      ]),
    });
    expect(second?.ratingCounts).toEqual(new Map([[10, 1]]));
    expect(second?.favourites).toEqual(new Map([[10, 1]]));
  });
});
