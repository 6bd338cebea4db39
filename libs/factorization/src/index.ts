/**
 * Explicit-feedback matrix factorization by alternating least squares, with biases.
 *
 * Model: r̂(u, i) = μ + b_u + b_i + p_u·q_i, with μ the mean training rating and p_u, q_i vectors
 * of `factors` latent factors. Training alternates exact least-squares solves: every movie's
 * (q_i, b_i) against r − μ − b_u with users fixed, then every user's (p_u, b_u) against
 * r − μ − b_i with movies fixed, each row regularised by weighted-λ (λ·n for a row of n ratings,
 * biases included; Zhou et al. 2008) and solved by Cholesky. Deterministic for a seed, on any
 * number of worker threads.
 *
 * Cost per iteration, with f factors, N ratings, U users and M movies: each rating adds a rank-1
 * term to the (f+1)² normal equations of its user and of its movie, 2 · N · (f+1)(f+2)/2
 * multiply-adds, and each row's Cholesky solve costs about (f+1)³/6, (U + M) · (f+1)³/6 in all.
 * The Gram term dominates unless rows average fewer than about (f+1)/3 ratings. Memory: the
 * ratings twice (by user and by movie) and (U + M)(f + 1) float32s.
 *
 * Fold-in (foldInUser) makes the user half-step's solve for one user against the trained movies:
 * a new user's factors from their ratings so far, in O(n (f+1)² + (f+1)³) for n ratings.
 */
export * from './als-model';
export * from './als-settings';
export * from './fold-in';
export * from './train-als';
