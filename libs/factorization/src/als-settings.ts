import { z } from 'zod';

/** Everything that decides what an ALS model is, recorded with each model it trains. */
export const alsSettingsSchema = z.object({
  /** Latent factors per user and per movie. */
  factors: z.number().int().min(1),
  /** Alternations; each solves every movie, then every user. */
  iterations: z.number().int().min(1),
  /**
   * Weighted-λ (Zhou et al. 2008): a row with n ratings has λ·n added to its normal equations'
   * diagonal, biases included. Positive, so every system is positive definite.
   */
  regularization: z.number().positive(),
  /** Seed of the initial user factors; equal seeds give equal models on any thread count. */
  seed: z.number().int().nonnegative(),
});

export type AlsSettings = z.infer<typeof alsSettingsSchema>;

/**
 * Zhou et al. report Netflix Prize test RMSE bottoming out near λ = 0.05-0.065 under weighted-λ
 * for factor counts from 20 to hundreds; because λ scales with each row's number of ratings, one
 * value suits light and heavy users alike and need not be retuned when the data grows. Ten
 * alternations: ALS's training error flattens after a handful.
 */
export const DEFAULT_ALS_SETTINGS: Readonly<AlsSettings> = {
  factors: 32,
  iterations: 10,
  regularization: 0.05,
  seed: 1,
};
