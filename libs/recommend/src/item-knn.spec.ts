import { fromDense, type RatingColumns } from '@app/clustering';
import { ItemKnn, type ItemKnnSettings } from './item-knn';

/** A model over users' favourites, given as movie ids per user. */
function anItemKnn(users: readonly (readonly number[])[], settings?: ItemKnnSettings): ItemKnn {
  const movieIds = [...new Set(users.flat())].sort((a, b) => a - b);
  const favourites = fromDense(users.map((movies) => movieIds.map((m) => +movies.includes(m))));
  return ItemKnn.fromFavourites(favourites, movieIds, settings);
}

function aRatingTable(rows: readonly [userId: number, movieId: number, rating: number][]) {
  const table: RatingColumns = {
    userIds: Int32Array.from(rows, ([userId]) => userId),
    movieIds: Int32Array.from(rows, ([, movieId]) => movieId),
    ratings: Float32Array.from(rows, ([, , rating]) => rating),
  };
  return table;
}

/** Matches a number within 1e-9 of `expected`, similarities being quotients of square roots. */
const near = (expected: number): number => expect.closeTo(expected, 9) as number;

describe(ItemKnn.name, () => {
  // Favoured by: 10 by users 1, 2, 4; 20 by 1, 2, 3; 30 by 2, 3; 40 by 4. Together:
  // 10 & 20 by 2 users, 10 & 30 by 1, 10 & 40 by 1, 20 & 30 by 2; 40 by no one else.
  const users = [
    [10, 20],
    [10, 20, 30],
    [20, 30],
    [10, 40],
  ];
  const sut = anItemKnn(users);

  it('measures the cosine of two movies’ favourite sets', () => {
    expect(sut.neighboursOf(10)).toEqual([
      { movieId: 20, similarity: near(2 / Math.sqrt(3 * 3)) },
      { movieId: 40, similarity: near(1 / Math.sqrt(3 * 1)) },
      { movieId: 30, similarity: near(1 / Math.sqrt(3 * 2)) },
    ]);
    expect(sut.neighboursOf(20)).toEqual([
      { movieId: 30, similarity: near(2 / Math.sqrt(3 * 2)) },
      { movieId: 10, similarity: near(2 / Math.sqrt(3 * 3)) },
    ]);
    expect(sut.neighboursOf(40)).toEqual([{ movieId: 10, similarity: near(1 / Math.sqrt(3)) }]);
    expect(sut.neighboursOf(99)).toEqual([]);
  });

  it('gives a movie the same similarity from either side', () => {
    const of = (a: number, b: number) =>
      sut.neighboursOf(a).find((neighbour) => neighbour.movieId === b)?.similarity;

    expect(of(20, 30)).toBe(of(30, 20));
    expect(of(10, 30)).toBe(of(30, 10));
  });

  it('scores a movie by its summed similarity to the user’s favourites', () => {
    // 20: sim(10, 20) + sim(30, 20) = 2/3 + 2/sqrt(6); 40: sim(10, 40) = 1/sqrt(3).
    expect(sut.recommend([10, 30], new Set([10, 30]), 10)).toEqual([20, 40]);
    // 10: 1/sqrt(6) + 1/sqrt(3) = 0.985 beats 20: 2/sqrt(6) = 0.816.
    expect(sut.recommend([30, 40], new Set([30, 40]), 10)).toEqual([10, 20]);
  });

  it('keeps only the most similar neighbours, and scores from those alone', () => {
    const truncated = anItemKnn(users, { neighbours: 1 });

    expect(truncated.neighboursOf(10).map((n) => n.movieId)).toEqual([20]);
    expect(truncated.neighboursOf(30).map((n) => n.movieId)).toEqual([20]);
    // 30 keeps 20 (0.816), 40 keeps 10 (0.577); 30's tie to 10 (0.408) is dropped.
    expect(truncated.recommend([30, 40], new Set([30, 40]), 10)).toEqual([20, 10]);
  });

  it('leaves out seen movies and stops at the limit', () => {
    expect(sut.recommend([10], new Set([10]), 10)).toEqual([20, 40, 30]);
    expect(sut.recommend([10], new Set([10, 20]), 10)).toEqual([40, 30]);
    expect(sut.recommend([10], new Set([10]), 2)).toEqual([20, 40]);
    expect(sut.recommend([10], new Set([10]), 0)).toEqual([]);
  });

  it('breaks ties by the lower movie id, whatever the input order', () => {
    // Movie 9 shares one of its two fans with 7 and the other with 5: both 1 / sqrt(2).
    const tied = anItemKnn(
      [
        [9, 7],
        [9, 5],
      ],
      { neighbours: 1 },
    );

    expect(tied.neighboursOf(9)).toEqual([{ movieId: 5, similarity: near(Math.SQRT1_2) }]);
    expect(
      anItemKnn([
        [9, 7],
        [9, 5],
      ]).recommend([9], new Set([9]), 5),
    ).toEqual([5, 7]);
  });

  it('recommends nothing without favourites the model knows', () => {
    expect(sut.recommend([], new Set([10]), 10)).toEqual([]);
    expect(sut.recommend([99], new Set([99]), 10)).toEqual([]);
  });

  it('counts a favourite listed twice once, and leaves no score behind between calls', () => {
    const once = sut.recommend([10], new Set([10]), 10);

    expect(sut.recommend([10, 10], new Set([10]), 10)).toEqual(once);
    expect(sut.recommend([40], new Set([40]), 10)).toEqual([10]);
  });

  it('builds from ratings, the latest of each user and movie counting, favourites from 4 up', () => {
    const fromRatings = ItemKnn.fromRatings(
      aRatingTable([
        [1, 10, 5],
        [1, 20, 4],
        [2, 10, 4.5],
        [2, 20, 5],
        [2, 30, 3.5],
        [3, 30, 5],
        [3, 20, 2],
        [3, 20, 4],
        [4, 10, 5],
        [4, 30, 5],
        [4, 30, 1],
      ]),
      4,
    );

    // As favourites: 1 {10, 20}, 2 {10, 20}, 3 {20, 30}, 4 {10}.
    expect(fromRatings.neighboursOf(20)).toEqual([
      { movieId: 10, similarity: near(2 / Math.sqrt(3 * 3)) },
      { movieId: 30, similarity: near(1 / Math.sqrt(3 * 1)) },
    ]);
  });

  it('scores each recommended movie with its summed similarity', () => {
    expect(sut.recommendScored([10, 30], new Set([10, 30]), 10)).toEqual([
      { movieId: 20, score: near(2 / 3 + 2 / Math.sqrt(6)) },
      { movieId: 40, score: near(1 / Math.sqrt(3)) },
    ]);
  });

  it('answers alike when rebuilt from its table, as a service reads it back', () => {
    const { movieIds, neighbourPtr, neighbourCols, similarities } = sut.table;
    const copy = new ItemKnn({
      movieIds: movieIds.slice(),
      neighbourPtr: neighbourPtr.slice(),
      neighbourCols: neighbourCols.slice(),
      similarities: similarities.slice(),
    });

    for (const favourites of [[10], [30, 40], [20]]) {
      expect(copy.recommendScored(favourites, new Set(favourites), 10)).toEqual(
        sut.recommendScored(favourites, new Set(favourites), 10),
      );
    }
    expect(copy.neighboursOf(10)).toEqual(sut.neighboursOf(10));
  });

  it('rejects a table whose arrays do not fit together', () => {
    const { movieIds, neighbourPtr, neighbourCols, similarities } = sut.table;

    expect(
      () =>
        new ItemKnn({
          movieIds,
          neighbourPtr,
          neighbourCols,
          similarities: similarities.subarray(1),
        }),
    ).toThrow(/4 movies needs 5 offsets/);
    expect(
      () =>
        new ItemKnn({
          movieIds,
          neighbourPtr: neighbourPtr.subarray(1),
          neighbourCols,
          similarities,
        }),
    ).toThrow(RangeError);
  });

  it('builds the same model while giving the event loop turns, for a service to stay live', async () => {
    // 300 movies, each user favouring a window of ten: enough movies for several slices.
    const many = Array.from({ length: 400 }, (_, u) =>
      Array.from({ length: 10 }, (_, m) => ((u * 7 + m) % 300) + 1),
    );
    const movieIds = [...new Set(many.flat())].sort((a, b) => a - b);
    const favourites = fromDense(many.map((movies) => movieIds.map((m) => +movies.includes(m))));
    let turns = 0;
    let building = true;
    const turn = () => {
      if (!building) return;
      turns++;
      setImmediate(turn);
    };
    setImmediate(turn);

    const built = await ItemKnn.fromFavouritesYielding(favourites, movieIds, { neighbours: 5 });
    building = false;

    expect(built.table).toEqual(
      ItemKnn.fromFavourites(favourites, movieIds, { neighbours: 5 }).table,
    );
    expect(turns).toBeGreaterThan(2);
  });

  it('rejects an empty neighbourhood', () => {
    expect(() => anItemKnn(users, { neighbours: 0 })).toThrow(RangeError);
  });
});
