import { type RatingColumns } from '@app/clustering';
import {
  type Movie,
  type MovieLensUser,
  readMovies,
  readRatingColumns,
  readUsers,
} from '@app/movielens';
import { splitPerUser } from './rating-split';

export interface EvaluationData {
  train: RatingColumns;
  test: RatingColumns;
  /** `given`: the test file's split; `seeded`: a per-user 80/20 split of the ratings file. */
  split: 'given' | 'seeded';
  movies: ReadonlyMap<number, Movie> | undefined;
  users: ReadonlyMap<number, MovieLensUser> | undefined;
}

export interface EvaluationFiles {
  ratings: string;
  test?: string | undefined;
  movies?: string | undefined;
  users?: string | undefined;
  seed: number;
}

/** Reads the files an evaluation names: any MovieLens layout, through the production readers. */
export async function loadEvaluationData(files: EvaluationFiles): Promise<EvaluationData> {
  const ratings = await readRatingColumns(files.ratings);
  const split =
    files.test === undefined
      ? splitPerUser(ratings, { seed: files.seed })
      : { train: ratings, test: await readRatingColumns(files.test) };
  const movies = files.movies === undefined ? undefined : await readMovies(files.movies);
  const users = files.users === undefined ? undefined : await readUsers(files.users);
  return {
    ...split,
    split: files.test === undefined ? 'seeded' : 'given',
    movies: movies && new Map(movies.map((movie) => [movie.movieId, movie])),
    users: users && new Map(users.map((user) => [user.userId, user])),
  };
}
