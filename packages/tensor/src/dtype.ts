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

/**
 * Fewest elements for which {@link allocOverwritten} skips the zeroing. Measured on DrLIM's 1.4 M-element
 * activations (5.6 MB, Node 20): a zeroed Float32Array took 0.36 ms and a first copy into it 0.86 ms, an
 * unzeroed one 0.05 ms and the copy 0.51 ms; below ~64 K elements the arrays come from V8's heap and the
 * difference is lost in the call.
 */
const UNZEROED_MIN = 1 << 16;

/** Node's Buffer where there is one (never in a browser bundle: the zeroed arrays serve there). */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(bytes: number): Uint8Array } }).Buffer;

/**
 * Allocates storage that the caller overwrites in full before anyone reads it (an elementwise result, a
 * convolution's output): in Node, large arrays are not zeroed first (Buffer.allocUnsafeSlow: a fresh,
 * unpooled ArrayBuffer of exactly n elements at offset 0), which saves a pass over memory that the kernel is
 * about to write anyway. Elsewhere, and for small sizes, it is {@link alloc}. Never for storage that a kernel
 * accumulates into.
 */
export function allocOverwritten(dtype: DType, n: number): FloatArray {
  if (n < UNZEROED_MIN || NodeBuffer === undefined) return alloc(dtype, n);
  const b = NodeBuffer.allocUnsafeSlow(n * (dtype === 'float64' ? 8 : 4));
  return dtype === 'float64' ? new Float64Array(b.buffer, b.byteOffset, n) : new Float32Array(b.buffer, b.byteOffset, n);
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
