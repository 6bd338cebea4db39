/**
 * Explicit-feedback matrix factorization by alternating least squares, with biases.
 *
 * Model: r̂(u, i) = μ + b_u + b_i + p_u·q_i, with μ the mean training rating and p_u, q_i vectors
 * of `factors` latent factors. Training alternates least-squares solves: every movie's (q_i, b_i)
 * against r − μ − b_u with users fixed, then every user's (p_u, b_u) against r − μ − b_i with
 * movies fixed, each row regularised by weighted-λ (λ·n for a row of n ratings, biases included;
 * Zhou et al. 2008). By default each row takes three conjugate-gradient steps from its values of
 * the previous alternation (solveRowCg); the settings' solver can ask for exact Cholesky solves
 * instead (solveRow). Deterministic for a seed, on any number of worker threads.
 *
 * Cost per iteration, with f factors, s CG steps, N ratings, U users and M movies: CG takes
 * 2(f+1) multiply-adds a rating a step, plus one pass for the start's residual, so
 * 2 · N · 2(f+1)(s+1) in all, about 264 a rating a half at 32 factors and 3 steps; no matrix is
 * formed. The exact solver adds each rating's rank-1 term to the (f+1)² normal equations of its
 * user and of its movie, 2 · N · (f+1)(f+2)/2 multiply-adds (561 a rating a half at 32 factors),
 * and each row's Cholesky solve costs about (f+1)³/6. Memory: the ratings twice (by user and by
 * movie) and (U + M)(f + 1) float32s.
 *
 * Fold-in (foldInUser) makes the exact solve of the user half-step for one user against the
 * trained movies: a new user's factors from their ratings so far, in O(n (f+1)² + (f+1)³) for n
 * ratings.
 */
export * from './als-model';
export * from './als-settings';
export * from './fold-in';
export * from './train-als';
