/**
 * A sparse matrix in compressed sparse row form: row r's entries are
 * colIndices[rowPtr[r] .. rowPtr[r + 1]) with values at the same positions, columns ascending.
 * The arrays may sit on SharedArrayBuffers so worker threads read them without copies.
 * Up to 2^31 - 1 non-zeros (the Netflix Prize matrix has 100,480,507).
 */
export interface CsrMatrix {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIndices: Int32Array;
  values: Float32Array;
}

/** Where a sparse matrix's entries are, without values: which columns each row has. */
export interface CsrPattern {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIndices: Int32Array;
}

export const nonZeros = (matrix: CsrPattern): number => matrix.rowPtr[matrix.rows] ?? 0;

/** A pattern with no entries, for rows that have none. */
export const emptyPattern = (rows: number, cols: number): CsrPattern => ({
  rows,
  cols,
  rowPtr: new Int32Array(rows + 1),
  colIndices: new Int32Array(0),
});

/** Allocates the arrays of a CSR matrix on shared memory. */
export function allocateCsr(rows: number, cols: number, nnz: number): CsrMatrix {
  return {
    rows,
    cols,
    rowPtr: new Int32Array(new SharedArrayBuffer(4 * (rows + 1))),
    colIndices: new Int32Array(new SharedArrayBuffer(4 * nnz)),
    values: new Float32Array(new SharedArrayBuffer(4 * nnz)),
  };
}

/** Squared Euclidean norm of every row. */
export function rowSquaredNorms(matrix: CsrMatrix): Float64Array {
  const norms = new Float64Array(matrix.rows);
  const { rowPtr, values } = matrix;
  for (let r = 0; r < matrix.rows; r++) {
    let sum = 0;
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) sum += values[p]! * values[p]!;
    norms[r] = sum;
  }
  return norms;
}

/**
 * Scales every non-empty row to unit length, in place. Squared distances between unit rows are
 * 2 - 2 cos, so k-means groups users by the direction of their tastes rather than by how many
 * movies they rated: without it, a few very active users sit far from everyone and end up as
 * clusters of one while the rest share a single cluster.
 */
export function normalizeRows(matrix: CsrMatrix): void {
  const { rowPtr, values } = matrix;
  for (let r = 0; r < matrix.rows; r++) {
    let sum = 0;
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) sum += values[p]! * values[p]!;
    if (sum === 0) continue;
    const scale = 1 / Math.sqrt(sum);
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) values[p] = values[p]! * scale;
  }
}

/** A CSR matrix of a dense one's non-zero entries, for small matrices and tests. */
export function fromDense(dense: readonly (readonly number[])[]): CsrMatrix {
  const cols = dense[0]?.length ?? 0;
  const matrix = allocateCsr(dense.length, cols, dense.flat().filter((x) => x !== 0).length);
  let p = 0;
  dense.forEach((row, r) => {
    matrix.rowPtr[r] = p;
    row.forEach((value, c) => {
      if (value === 0) return;
      matrix.colIndices[p] = c;
      matrix.values[p++] = value;
    });
  });
  matrix.rowPtr[dense.length] = p;
  return matrix;
}

/** Dense copy, for small matrices in tests and for ml-kmeans. */
export function toDense(matrix: CsrMatrix): number[][] {
  const dense: number[][] = [];
  for (let r = 0; r < matrix.rows; r++) {
    const row = new Array<number>(matrix.cols).fill(0);
    for (let p = matrix.rowPtr[r]!; p < matrix.rowPtr[r + 1]!; p++) {
      row[matrix.colIndices[p]!] = matrix.values[p]!;
    }
    dense.push(row);
  }
  return dense;
}

/** The entries of a matrix whose values pass a test, on the same rows and columns. */
export function selectEntries(matrix: CsrMatrix, keep: (value: number) => boolean): CsrMatrix {
  let count = 0;
  for (let p = 0; p < nonZeros(matrix); p++) if (keep(matrix.values[p]!)) count++;
  const result = allocateCsr(matrix.rows, matrix.cols, count);
  let w = 0;
  for (let r = 0; r < matrix.rows; r++) {
    result.rowPtr[r] = w;
    for (let p = matrix.rowPtr[r]!; p < matrix.rowPtr[r + 1]!; p++) {
      if (!keep(matrix.values[p]!)) continue;
      result.colIndices[w] = matrix.colIndices[p]!;
      result.values[w++] = matrix.values[p]!;
    }
  }
  result.rowPtr[matrix.rows] = w;
  return result;
}

/** A copy whose arrays are its own (for transforming one matrix two ways). */
export function cloneCsr(matrix: CsrMatrix): CsrMatrix {
  const copy = allocateCsr(matrix.rows, matrix.cols, nonZeros(matrix));
  copy.rowPtr.set(matrix.rowPtr);
  copy.colIndices.set(matrix.colIndices.subarray(0, nonZeros(matrix)));
  copy.values.set(matrix.values.subarray(0, nonZeros(matrix)));
  return copy;
}

/** The transpose, on shared memory; each of its rows lists row indices in ascending order. */
export function transpose(matrix: CsrMatrix): CsrMatrix {
  const nnz = nonZeros(matrix);
  const result = allocateCsr(matrix.cols, matrix.rows, nnz);
  const { rowPtr, colIndices, values } = matrix;
  for (let p = 0; p < nnz; p++) result.rowPtr[colIndices[p]! + 1]!++;
  for (let c = 0; c < matrix.cols; c++) result.rowPtr[c + 1]! += result.rowPtr[c]!;
  const next = result.rowPtr.slice(0, matrix.cols);
  for (let r = 0; r < matrix.rows; r++) {
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) {
      const q = next[colIndices[p]!]!++;
      result.colIndices[q] = r;
      result.values[q] = values[p]!;
    }
  }
  return result;
}
