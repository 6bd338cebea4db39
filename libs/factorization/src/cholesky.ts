/**
 * Solves A x = b for a symmetric positive definite n x n matrix A, in place: `matrix` (row-major)
 * is read only on and below its diagonal and left holding the Cholesky factor L there (A = L Lᵀ);
 * `rhs` is left holding x. Reading one triangle lets callers accumulate only that half.
 */
export function choleskySolve(matrix: Float64Array, rhs: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let diagonal = matrix[rowJ + j] ?? 0;
    for (let k = 0; k < j; k++) {
      const l = matrix[rowJ + k] ?? 0;
      diagonal -= l * l;
    }
    if (!(diagonal > 0)) {
      throw new RangeError(`matrix is not positive definite: pivot ${j} is ${diagonal}`);
    }
    const pivot = Math.sqrt(diagonal);
    matrix[rowJ + j] = pivot;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = matrix[rowI + j] ?? 0;
      for (let k = 0; k < j; k++) sum -= (matrix[rowI + k] ?? 0) * (matrix[rowJ + k] ?? 0);
      matrix[rowI + j] = sum / pivot;
    }
  }
  // Forward substitution, L y = b.
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    let sum = rhs[i] ?? 0;
    for (let k = 0; k < i; k++) sum -= (matrix[rowI + k] ?? 0) * (rhs[k] ?? 0);
    rhs[i] = sum / (matrix[rowI + i] ?? 0);
  }
  // Back substitution, Lᵀ x = y: column i of L is row i of Lᵀ.
  for (let i = n - 1; i >= 0; i--) {
    let sum = rhs[i] ?? 0;
    for (let k = i + 1; k < n; k++) sum -= (matrix[k * n + i] ?? 0) * (rhs[k] ?? 0);
    rhs[i] = sum / (matrix[i * n + i] ?? 0);
  }
}
