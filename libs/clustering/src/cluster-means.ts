import { type CsrMatrix } from './csr-matrix';

/** The mean row of each cluster, cluster-major, as float32. */
export function clusterMeans(
  matrix: CsrMatrix,
  assignments: Int32Array,
  clusters: number,
): Float32Array {
  const sums = new Float64Array(clusters * matrix.cols);
  const sizes = new Int32Array(clusters);
  for (let r = 0; r < matrix.rows; r++) {
    const c = assignments[r]!;
    sizes[c]!++;
    for (let p = matrix.rowPtr[r]!; p < matrix.rowPtr[r + 1]!; p++) {
      sums[c * matrix.cols + matrix.colIndices[p]!]! += matrix.values[p]!;
    }
  }
  return Float32Array.from(
    sums,
    (sum, i) => sum / Math.max(1, sizes[Math.floor(i / matrix.cols)]!),
  );
}
