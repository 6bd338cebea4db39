import { z } from 'zod';
import { userProfileSchema } from '@app/events';
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

export const recommendationsRequestSchema = request({
  userId: id(1),
  limit: integer(1, MAX_RECOMMENDATIONS).default(10),
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

export const saveProfileRequestSchema = request({ userId: id(1), profile: userProfileSchema });

export type RecommendationsRequest = z.input<typeof recommendationsRequestSchema>;
export type PredictionRequest = z.input<typeof predictionRequestSchema>;
export type ClusterRequest = z.input<typeof clusterRequestSchema>;
export type SaveProfileRequest = z.input<typeof saveProfileRequestSchema>;
