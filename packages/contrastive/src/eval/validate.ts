/**
 * Argument checks shared by the evaluation functions (k-NN, PCA, LLE, trustworthiness, ROC, cylinder fits):
 * reading a 2-D tensor into a float64 matrix, integer labels and counts, each with the `[op] what is wrong`
 * message of the caller.
 */
import { Tensor, ShapeError, ValueError, fmtShape } from '@tsgrad/tensor';

/** A 2-D tensor read into a contiguous float64 row-major matrix. */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** What a value is, for error messages. */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'an object';
  return typeof x;
}

/**
 * Reads a 2-D tensor (any strides, float32 or float64) into a float64 matrix, rejecting other ranks and
 * non-finite values (a NaN would make every comparison false and the neighbour order meaningless).
 */
export function toMatrix(op: string, name: string, x: unknown): Matrix {
  if (!(x instanceof Tensor)) throw new ValueError(`[${op}] ${name} must be a Tensor: got ${describeValue(x)}`);
  if (x.ndim !== 2) throw new ShapeError(`[${op}] ${name} must be 2-D [n, d]: got shape ${fmtShape(x.shape)}`);
  const rows = x.shape[0]!, cols = x.shape[1]!;
  const data = new Float64Array(rows * cols);
  const src = x.data, rs = x.strides[0]!, cs = x.strides[1]!;
  for (let i = 0; i < rows; i++) {
    for (let j = 0, q = x.offset + i * rs; j < cols; j++, q += cs) {
      const v = src[q]!;
      if (!Number.isFinite(v)) {
        throw new ValueError(`[${op}] ${name} must be finite: element [${i},${j}] of ${fmtShape(x.shape)} is ${v}`);
      }
      data[i * cols + j] = v;
    }
  }
  return { data, rows, cols };
}

/** Throws unless `k` (or the option `name`) is an integer in [lo, hi]; `why` says what bounds it. */
export function checkK(op: string, k: unknown, lo: number, hi: number, why: string, name = 'k'): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < lo || k > hi) {
    const range = hi < lo ? `no valid ${name} (${why})` : `${name} must be an integer in [${lo}, ${hi}] (${why})`;
    throw new ValueError(`[${op}] ${range}: got ${name} = ${String(k)}`);
  }
  return k;
}

/** Throws unless two matrices have the same number of columns. */
export function checkSameCols(op: string, aName: string, a: Matrix, bName: string, b: Matrix): void {
  if (a.cols !== b.cols) {
    throw new ShapeError(
      `[${op}] feature sizes differ: ${aName} ${fmtShape([a.rows, a.cols])} and ${bName} ${fmtShape([b.rows, b.cols])}: axis 1 has sizes ${a.cols} and ${b.cols}`,
    );
  }
}

/** Reads integer labels, one per row, into an Int32Array. */
export function toLabels(op: string, name: string, labels: unknown, rows: number, pointsName: string): Int32Array {
  if (labels === null || typeof labels !== 'object' || typeof (labels as ArrayLike<number>).length !== 'number') {
    throw new ValueError(`[${op}] ${name} must be an array of numbers: got ${describeValue(labels)}`);
  }
  const src = labels as ArrayLike<unknown>;
  if (src.length !== rows) {
    throw new ValueError(`[${op}] ${name} has ${src.length} entries but ${pointsName} has ${rows} rows`);
  }
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = src[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new ValueError(`[${op}] ${name}[${i}] must be an int32 integer: got ${String(v)}`);
    }
    out[i] = v;
  }
  return out;
}
