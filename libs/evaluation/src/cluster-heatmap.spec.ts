import { clusterHeatmaps } from './cluster-heatmap';
import { aRatingTable } from './rating-table.factory';

describe(clusterHeatmaps.name, () => {
  const assignments = new Map([
    [1, 0],
    [2, 1],
    [3, 1],
    [4, 1],
    [5, 0],
  ]);
  const ratings = aRatingTable([
    { userId: 2, movieId: 10, rating: 4 },
    { userId: 3, movieId: 10, rating: 2 },
    { userId: 3, movieId: 11, rating: 5 },
    { userId: 3, movieId: 12, rating: 1 },
    { userId: 4, movieId: 12, rating: 3 },
    { userId: 4, movieId: 11, rating: 3.5 },
    { userId: 1, movieId: 10, rating: 5 },
  ]);

  it("lays out the largest clusters' most active users against their most rated movies", () => {
    const [largest, next, ...rest] = clusterHeatmaps(ratings, assignments, {
      clusters: 2,
      users: 2,
      movies: 2,
    });

    expect(largest).toEqual({
      cluster: 1,
      size: 3,
      userIds: [3, 4],
      movieIds: [10, 11],
      ratings: [
        [2, 5],
        [undefined, 3.5],
      ],
    });
    expect(next).toMatchObject({ cluster: 0, size: 2, userIds: [1, 5], movieIds: [10] });
    expect(next?.ratings).toEqual([[5], [undefined]]);
    expect(rest).toEqual([]);
  });
});
