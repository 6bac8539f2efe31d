/**
 * Element types and storage: what every tensor, kernel and op shares, with no dependency of its own beyond the
 * error types. The kernels import FloatArray from here (not from a kernel's file), the tensor class its dtype
 * helpers.
 */
import { DTypeError, fmtShape } from './errors.js';

/** Storage of every tensor: float32 by default, float64 for gradient checks. */
export type FloatArray = Float32Array | Float64Array;

/**
 * Element type of a tensor's storage. `float32` is the default; `float64` exists for gradient checks and
 * for numerics that need it. Labels and indices (argmax, topk, gather) are stored as floats too: exact for
 * integers below 2^24 in float32 and 2^53 in float64.
 */
export type DType = 'float32' | 'float64';

/** Allocates zeroed storage of a dtype. */
export function alloc(dtype: DType, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** The dtype of a storage array. */
export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

/** Throws a DTypeError unless `d` is a supported dtype. */
export function checkDType(op: string, d: unknown): DType {
  if (d !== 'float32' && d !== 'float64') {
    throw new DTypeError(`[${op}] unsupported dtype ${JSON.stringify(d)}: expected 'float32' or 'float64'`);
  }
  return d;
}

/**
 * Throws the one DTypeError wording of a dtype mismatch between two operands of `op` (tensor ops and autograd
 * wrappers alike): `[op] dtypes differ: float32 [2,3] and float64 [3]; convert one with astype()`.
 */
export function checkSameDType(
  op: string, a: { dtype: DType; shape: readonly number[] }, b: { dtype: DType; shape: readonly number[] },
): void {
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`[${op}] dtypes differ: ${a.dtype} ${fmtShape(a.shape)} and ${b.dtype} ${fmtShape(b.shape)}; convert one with astype()`);
  }
}
