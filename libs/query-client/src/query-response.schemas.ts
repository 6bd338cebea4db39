import { z } from 'zod';
import { userProfileSchema } from '@app/events';
import { PREDICTION_SOURCES } from '@app/recommend';
import { QUERY_RANKS } from './query-request.schemas';

/**
 * Answers of the query service. The schemas document the API (the OpenAPI document is generated
 * from them) and type the client; the service builds plain objects of these types.
 */
export const LIST_SOURCES = ['similar', 'cluster', 'demographics', 'popular'] as const;

export const recommendedMovieSchema = z.object({
  movieId: z.number().int(),
  title: z.string().nullable().describe('null when the movie is not in the movie file'),
  genres: z.array(z.string()),
  score: z
    .number()
    .describe(
      "the ranking criterion: favourite count, shrunk mean rating, the user's predicted rating, " +
        "or the summed similarity to the user's favourites",
    ),
  source: z
    .enum(LIST_SOURCES)
    .describe(
      "the list it came from: the movies like the user's favourites (`rank=similar`), the " +
        "user's taste cluster's, their demographic group's, or the popular list that fills a " +
        'short one',
    ),
  clusterFavourites: z.number().int().describe("users of the list's group who favour it"),
  clusterMeanRating: z.number().nullable().describe("plain mean rating by the list's group"),
  support: z.number().int().describe("ratings of the movie by the list's group"),
});

export const RECOMMENDATION_BASES = ['cluster', 'demographics', 'popularity'] as const;

/** Which of the two models of an A/B comparison answered. */
export const MODEL_VARIANTS = ['active', 'candidate'] as const;

export const appliedFiltersSchema = z.object({
  exclude: z.number().int().describe('distinct movie ids the request left out'),
  genres: z.array(z.string()).describe('the genres asked for (any of them); empty: every genre'),
  excludeGenres: z.array(z.string()).describe('the genres left out'),
  offset: z.number().int().describe('items of the list skipped before these'),
});

export const recommendationsResponseSchema = z.object({
  userId: z.number().int(),
  modelVersion: z.number().int().nullable().describe('null before the first model is built'),
  basis: z
    .enum(RECOMMENDATION_BASES)
    .describe(
      "why this list: the user's taste cluster; the demographic cluster of a user with a profile " +
        'and no ratings; or the most popular movies',
    ),
  cluster: z.number().int().nullable().describe('the taste or demographic cluster used'),
  provisional: z
    .boolean()
    .describe(
      'the taste cluster was placed from the ratings since the last recluster (placed again as ' +
        'they grow), not found by clustering',
    ),
  rank: z
    .enum(QUERY_RANKS)
    .describe(
      'the ranking applied to every list: the one asked for, or `rating` when `predicted` was ' +
        'asked for and the model has no ALS factors, or the user rated none of their movies',
    ),
  variant: z
    .enum(MODEL_VARIANTS)
    .describe('the model that answered: the active one, or the candidate compared with it'),
  filters: appliedFiltersSchema.describe('the filters and paging the answer honours'),
  backfilled: z
    .number()
    .int()
    .describe(
      "items of this page that came from the popular list because the user's list ran short " +
        'under the filters',
    ),
  items: z
    .array(recommendedMovieSchema)
    .describe(
      '`limit` items, or every movie left after `offset` when there are fewer: never one the ' +
        'user has seen, nor one the filters leave out',
    ),
});

/** What a prediction rests on: the cluster rankings' sources, or the ALS factors. */
export const ANSWER_PREDICTION_SOURCES = [...PREDICTION_SOURCES, 'als'] as const;

export const predictionResponseSchema = z.object({
  userId: z.number().int(),
  movieId: z.number().int(),
  title: z.string().nullable(),
  rating: z.number().describe('predicted rating, 0.5 to 5'),
  source: z
    .enum(ANSWER_PREDICTION_SOURCES)
    .describe(
      "`als`: the model's ALS factors, with the user folded in from their current ratings (the " +
        'movie itself left out), when the model has them, knows the movie and the user rated ' +
        "one of its movies; else the cluster's ratings of the movie; the movie's ratings by " +
        'everyone when the cluster has too few; or the global mean for a movie nobody rated',
    ),
  cluster: z.number().int().nullable(),
  support: z.number().int().describe("the cluster's ratings of the movie"),
  modelVersion: z.number().int().nullable(),
  variant: z
    .enum(MODEL_VARIANTS)
    .describe('the model that answered: the active one, or the candidate compared with it'),
});

export const genreShareSchema = z.object({
  genre: z.string(),
  share: z.number().describe("share of the cluster's favourites in this genre"),
  lift: z.number().describe('share divided by the share among all favourites'),
});

export const clusterSummarySchema = z.object({
  id: z.number().int(),
  size: z.number().int().describe('users in the cluster when the model was built'),
  topMovies: z.array(recommendedMovieSchema),
  genres: z.array(genreShareSchema),
});

export const clustersResponseSchema = z.object({
  modelVersion: z.number().int().nullable(),
  builtAt: z.string().nullable(),
  clusters: z.array(clusterSummarySchema),
});

export const profileResponseSchema = z.object({
  userId: z.number().int(),
  profile: userProfileSchema,
});

export const userDeletedResponseSchema = z.object({
  userId: z.number().int(),
  deleted: z.literal(true),
  found: z
    .boolean()
    .describe('whether anything was stored of the user: false for a second call, or a stranger'),
});

export type RecommendedMovie = z.infer<typeof recommendedMovieSchema>;
export type RecommendationBasis = (typeof RECOMMENDATION_BASES)[number];
export type ListSource = (typeof LIST_SOURCES)[number];
export type ModelVariant = (typeof MODEL_VARIANTS)[number];
export type AppliedFilters = z.infer<typeof appliedFiltersSchema>;
export type RecommendationsResponse = z.infer<typeof recommendationsResponseSchema>;
export type PredictionResponse = z.infer<typeof predictionResponseSchema>;
export type GenreShare = z.infer<typeof genreShareSchema>;
export type ClusterSummary = z.infer<typeof clusterSummarySchema>;
export type ClustersResponse = z.infer<typeof clustersResponseSchema>;
export type ProfileResponse = z.infer<typeof profileResponseSchema>;
export type UserDeletedResponse = z.infer<typeof userDeletedResponseSchema>;
