import { z } from 'zod';
import { MAX_GENRE_LENGTH, userProfileSchema } from '@app/events';
import { RANK_BY } from '@app/recommend';

/**
 * Requests of the query service, shared by its HTTP routes and its RPC patterns so both validate
 * alike. An integer arrives as its decimal digits over HTTP (path and query parameters are text)
 * and as a number over RPC; anything else, an integer out of range included, is told the range.
 */
const integer = (min: number, max: number) => {
  const expected = `expected an integer from ${min} to ${max}`;
  return z
    .union(
      [
        z.number(),
        z
          .string()
          .regex(/^-?[0-9]+$/)
          .transform(Number),
      ],
      { error: expected },
    )
    .pipe(
      z
        .number({ error: expected })
        .int({ error: expected, abort: true })
        .min(min, { error: expected, abort: true })
        .max(max, { error: expected }),
    );
};

const id = (min: number) => integer(min, Number.MAX_SAFE_INTEGER);

/** A request is an object of named fields; anything else fails as a whole. */
const request = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.object(shape, {
    error: (issue) => (issue.code === 'invalid_type' ? 'expected an object' : undefined),
  });

export const MAX_RECOMMENDATIONS = 100;

/**
 * How a list is ranked: the cluster rankings (RANK_BY); `predicted`, the user's predicted
 * rating from the model's ALS factors with the user folded in from their current ratings (a
 * model without factors, or a user who rated no movie the factors know, gets `rating`); or
 * `similar`, the movies most like the user's own favourites by the model's item neighbourhoods
 * (a model without them, or a user without a favourite they know, gets `favourites`). The
 * answer's `rank` says which it got.
 */
export const QUERY_RANKS = [...RANK_BY, 'predicted', 'similar'] as const;
export type QueryRank = (typeof QUERY_RANKS)[number];

export const MAX_EXCLUDED = 1_000;
export const MAX_OFFSET = 1_000;
export const MAX_GENRES = 30;

/**
 * A list of values: over HTTP one comma-separated parameter (`exclude=1,2,3`; the API takes no
 * parameter twice), over RPC an array. An error about one value names it by its position
 * (`exclude.2`); too many values, the list.
 */
const list = <Item extends z.ZodType>(item: Item, max: number, what: string) => {
  const expected = `expected a comma-separated list of at most ${max} ${what}`;
  return z
    .union(
      [
        // Typed as the values it takes, checked one by one by the pipe below.
        z.array(z.custom<z.input<Item>>()),
        z.string().transform((text) => (text === '' ? [] : text.split(','))),
      ],
      { error: expected },
    )
    .pipe(z.array(item).max(max, { error: expected }))
    .default([]);
};

const genre = z
  .string()
  .trim()
  .min(1, { error: 'expected a genre name' })
  .max(MAX_GENRE_LENGTH, {
    error: `expected a genre name of at most ${MAX_GENRE_LENGTH} characters`,
  });

export const recommendationsRequestSchema = request({
  userId: id(1),
  limit: integer(1, MAX_RECOMMENDATIONS).default(10),
  offset: integer(0, MAX_OFFSET)
    .default(0)
    .describe(
      'items of the list to skip: page n of `limit` items starts at `offset=(n - 1) * limit`; ' +
        'pages neither overlap nor leave a gap',
    ),
  exclude: list(id(1), MAX_EXCLUDED, 'movie ids').describe(
    'movie ids never to recommend, comma-separated (`exclude=1,2,3`)',
  ),
  genres: list(genre, MAX_GENRES, 'genres').describe(
    'only movies of any of these genres, comma-separated, as the catalogue names them ' +
      "(`Sci-Fi`, `Children's`, `Film-Noir`), in any case; a movie the catalogue knows no genre " +
      'of is left out',
  ),
  excludeGenres: list(genre, MAX_GENRES, 'genres').describe(
    'no movie of any of these genres, comma-separated, in any case; a movie the catalogue knows ' +
      'no genre of is kept',
  ),
  rank: z
    .enum(QUERY_RANKS)
    .default('favourites')
    .describe(
      "`favourites`: by the user's cluster's favourite count; `rating`: by the cluster's mean " +
        "rating, shrunk toward the movie's; `predicted`: by the user's predicted rating from " +
        "the model's ALS factors and the user's current ratings, among the cluster's movies " +
        'with enough support (falls back to `rating` when the model has no factors or the ' +
        "user rated none of its movies); `similar`: the movies most like the user's own " +
        "favourites (their summed cosine similarity over who favours them), then the cluster's " +
        'list by favourites (falls back to `favourites` when the model has no item ' +
        'neighbourhoods or the user has no favourite they cover)',
    ),
});

export const predictionRequestSchema = request({ userId: id(1), movieId: id(1) });

export const clusterRequestSchema = request({ id: id(0) });

/** A user of a path, as `DELETE /v1/users/:userId` takes one. */
export const userRequestSchema = request({ userId: id(1) });

export const saveProfileRequestSchema = request({ userId: id(1), profile: userProfileSchema });

export type RecommendationsRequest = z.input<typeof recommendationsRequestSchema>;
export type PredictionRequest = z.input<typeof predictionRequestSchema>;
export type ClusterRequest = z.input<typeof clusterRequestSchema>;
export type SaveProfileRequest = z.input<typeof saveProfileRequestSchema>;
