import { fromDense } from '@app/clustering';
import { aggregatesOf, clusterTotals } from './cluster-aggregates';

describe(clusterTotals.name, () => {
  // Rows: users 1 and 2 in cluster 0, user 3 in cluster 1, user 4 in none; columns: movies
  // 10, 11, 12.
  const ratings = fromDense([
    [4.5, 2, 0],
    [3, 0, 0],
    [5, 0, 0],
    [5, 0, 0],
  ]);
  // Favourites: user 1 of movie 10, user 2 of movie 12, user 3 of movie 10, user 4 of movie 10.
  const favourites = fromDense([
    [1, 0, 0],
    [0, 0, 1],
    [1, 0, 0],
    [1, 0, 0],
  ]);
  const rowClusters = Int32Array.of(0, 0, 1, -1);

  it('sums ratings per cluster in half stars and counts favourites, leaving out the unclustered', () => {
    const sut = clusterTotals(ratings, favourites, rowClusters, 2);

    expect([...sut.sums2]).toEqual([15, 4, 0, 10, 0, 0]);
    expect([...sut.counts]).toEqual([2, 1, 0, 1, 0, 0]);
    expect([...sut.favourites]).toEqual([1, 0, 1, 1, 0, 0]);
  });

  it('reads back as the maps of one cluster, movies by id, empty entries left out', () => {
    const sut = aggregatesOf(clusterTotals(ratings, favourites, rowClusters, 2), 0, [10, 11, 12]);

    expect(sut).toEqual({
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
  });
});
