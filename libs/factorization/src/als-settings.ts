import { z } from 'zod';

/**
 * How training solves each row's least-squares problem. 'cholesky' builds the row's normal
 * equations and solves them exactly: (f+1)(f+2)/2 multiply-adds a rating. 'cg' takes `steps`
 * conjugate-gradient steps from the row's values of the previous alternation, never forming the
 * equations: 2(f+1)(steps + 1) a rating. Fold-in always solves exactly.
 */
export const alsSolverSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('cholesky') }),
  z.object({ method: z.literal('cg'), steps: z.number().int().min(1) }),
]);

export type AlsSolver = z.infer<typeof alsSolverSchema>;

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
  /**
   * trainAls records the solver it used; optional so that descriptions stored before the solver
   * could be chosen, all solved by Cholesky, still parse.
   */
  solver: alsSolverSchema.optional(),
});

export type AlsSettings = z.infer<typeof alsSettingsSchema>;

/**
 * Zhou et al. report Netflix Prize test RMSE bottoming out near λ = 0.05-0.065 under weighted-λ
 * for factor counts from 20 to hundreds; because λ scales with each row's number of ratings, one
 * value suits light and heavy users alike and need not be retuned when the data grows. Ten
 * alternations: ALS's training error flattens after a handful. Three CG steps a row: started
 * from the previous alternation they give the exact solves' MovieLens 100k test RMSE, 0.9192
 * over its five folds (docs/evaluation.md), where one step loses 0.005 on u1, in under half the
 * exact solves' time (docs/benchmarks.md).
 */
export const DEFAULT_ALS_SETTINGS: Readonly<Required<AlsSettings>> = {
  factors: 32,
  iterations: 10,
  regularization: 0.05,
  seed: 1,
  solver: { method: 'cg', steps: 3 },
};
