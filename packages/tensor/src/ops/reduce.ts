/**
 * Reductions over any set of axes. The input is walked once in its own memory order while a float64
 * accumulator of the kept shape is addressed with stride 0 along reduced axes; so reducing the last axis sums
 * a contiguous row into a register, and reducing a leading axis adds whole rows elementwise (cache-friendly in
 * both cases). Accumulating in float64 keeps float32 sums accurate.
 */
import { ValueError, fmtShape } from '../errors.js';
import type { FloatArray } from '../dtype.js';
import { map1 } from '../kernels/iter.js';
import { sumWasm, wasmUnary } from '../kernels/wasm/elementwise.js';
import { contiguousStrides, normAxes, normAxis, sizeOf } from '../shape.js';
import { Tensor, alloc, type ReduceOptions } from '../tensor.js';
import { abs, add, div, exp, log, notEqual, pow, sqrt, square, sub } from './elementwise.js';
import { contiguous, permute, reshape } from './views.js';

type A = FloatArray;

function sumRow(acc: A, d: number, ds: number, x: A, s: number, ss: number, n: number): void {
  // Contiguous float32 rows summed into one accumulator go to the wasm row (kernels/wasm/elementwise.ts).
  if (ds === 0 && wasmUnary(x, 1, x, ss, n)) {
    acc[d] = acc[d]! + sumWasm(x as Float32Array, s, n);
    return;
  }
  if (ds === 0) {
    let t = 0;
    for (let i = 0; i < n; i++, s += ss) t += x[s]!;
    acc[d] = acc[d]! + t;
  } else {
    for (let i = 0; i < n; i++, d += ds, s += ss) acc[d] = acc[d]! + x[s]!;
  }
}
function prodRow(acc: A, d: number, ds: number, x: A, s: number, ss: number, n: number): void {
  if (ds === 0) {
    let t = 1;
    for (let i = 0; i < n; i++, s += ss) t *= x[s]!;
    acc[d] = acc[d]! * t;
  } else {
    for (let i = 0; i < n; i++, d += ds, s += ss) acc[d] = acc[d]! * x[s]!;
  }
}
// max and min propagate NaN: once the accumulator is NaN no comparison replaces it.
function maxRow(acc: A, d: number, ds: number, x: A, s: number, ss: number, n: number): void {
  if (ds === 0) {
    let m = acc[d]!;
    for (let i = 0; i < n; i++, s += ss) {
      const v = x[s]!;
      if (v > m || v !== v) m = v;
    }
    acc[d] = m;
  } else {
    for (let i = 0; i < n; i++, d += ds, s += ss) {
      const v = x[s]!;
      if (v > acc[d]! || v !== v) acc[d] = v;
    }
  }
}
function minRow(acc: A, d: number, ds: number, x: A, s: number, ss: number, n: number): void {
  if (ds === 0) {
    let m = acc[d]!;
    for (let i = 0; i < n; i++, s += ss) {
      const v = x[s]!;
      if (v < m || v !== v) m = v;
    }
    acc[d] = m;
  } else {
    for (let i = 0; i < n; i++, d += ds, s += ss) {
      const v = x[s]!;
      if (v < acc[d]! || v !== v) acc[d] = v;
    }
  }
}

const KERNELS = { sum: [sumRow, 0], prod: [prodRow, 1], max: [maxRow, -Infinity], min: [minRow, Infinity] } as const;

/** Shape after reducing `axes`, with or without the reduced axes kept as size 1. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** Throws unless x is a Tensor (a plain number or array would otherwise fail deep inside with a TypeError). */
export function checkInput(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new ValueError(`[${op}] expected a Tensor: got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
  }
}

function reduce(op: keyof typeof KERNELS, x: Tensor, opts: ReduceOptions | undefined): Tensor {
  checkInput(op, x);
  const axes = normAxes(op, opts?.axis, x.shape);
  const kept = reducedShape(x.shape, axes, true);
  const empty = axes.find((a) => x.shape[a] === 0);
  if ((op === 'max' || op === 'min') && empty !== undefined) {
    throw new ValueError(`[${op}] cannot reduce an empty axis: shape ${fmtShape(x.shape)}, axis ${empty} has size 0`);
  }
  const [kernel, init] = KERNELS[op];
  const acc = new Float64Array(sizeOf(kept)).fill(init);
  const accStrides = contiguousStrides(kept).map((s, i) => (axes.includes(i) ? 0 : s));
  map1(x.shape, acc, 0, accStrides, x.data, x.offset, x.strides, kernel);
  const out = alloc(x.dtype, acc.length);
  out.set(acc);
  return new Tensor(out, reducedShape(x.shape, axes, opts?.keepDims ?? false));
}

/** Σ x over `axis` (all axes by default). The sum over an empty axis is 0. VJP: broadcast the cotangent back. */
export const sum = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('sum', x, opts);
/** Π x over `axis`. The product over an empty axis is 1. ∂/∂x_i = Π_{j≠i} x_j. */
export const prod = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('prod', x, opts);
/** max x over `axis` (NaN-propagating). An empty axis is an error. ∂/∂x_i = [x_i = max] (autograd shares it among ties). */
export const max = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('max', x, opts);
/** min x over `axis` (NaN-propagating). An empty axis is an error. ∂/∂x_i = [x_i = min] (autograd shares it among ties). */
export const min = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('min', x, opts);

/** Number of elements folded into each output of a reduction over `axis`. */
export function reducedCount(x: Tensor, axis: number | readonly number[] | undefined, op: string): number {
  checkInput(op, x);
  return normAxes(op, axis, x.shape).reduce((n, a) => n * x.shape[a]!, 1);
}

/** Arithmetic mean over `axis`: Σx / n (NaN for an empty axis, as NumPy). ∂/∂x_i = 1/n. */
export function mean(x: Tensor, opts?: ReduceOptions): Tensor {
  const n = reducedCount(x, opts?.axis, 'mean'); // first, so a bad axis is reported as [mean]
  return div(sum(x, opts), n);
}

/** Options of `variance`. */
export interface VarianceOptions extends ReduceOptions {
  /** Subtracted from the count in the divisor: 0 (default, NumPy and JAX) gives the population variance, 1 the unbiased one (PyTorch's default). */
  correction?: number;
}

/** Variance over `axis`: Σ(x − mean)² / (n − correction). ∂/∂x_i = 2(x_i − mean) / (n − correction). */
export function variance(x: Tensor, opts: VarianceOptions = {}): Tensor {
  const { correction = 0 } = opts;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new ValueError(`[variance] correction must be a non-negative number: got ${String(correction)}`);
  }
  const n = reducedCount(x, opts.axis, 'variance');
  const dev = sub(x, mean(x, { axis: opts.axis, keepDims: true }));
  return div(sum(square(dev), opts), Math.max(n - correction, 0));
}

/**
 * The shift of the stable log-sum-exp forms (logSumExp, logSoftmax, in tensor and in autograd): m = max x over
 * `axis`, kept as size 1, with an infinite max replaced by 0 — shifting by ±∞ would give ∞ − ∞ = NaN, shifting by
 * 0 gives the right limits (all −∞ → −∞; some +∞ → +∞). The result of those forms does not depend on m, so it
 * carries no gradient. NaN stays NaN.
 */
export function lseShift(x: Tensor, axis?: number | readonly number[]): Tensor {
  const m = max(x, { axis, keepDims: true });
  const md = m.data;
  for (let i = 0; i < md.length; i++) if (!Number.isFinite(md[i]!) && md[i] === md[i]) md[i] = 0;
  return m;
}

/**
 * log Σ exp(x) over `axis`, computed as m + log Σ exp(x − m) with m = max x so it never overflows. Over an empty
 * axis the result is −∞ (the log of an empty sum), as PyTorch. ∂/∂x = softmax(x).
 */
export function logSumExp(x: Tensor, opts?: ReduceOptions): Tensor {
  checkInput('logSumExp', x);
  const axes = normAxes('logSumExp', opts?.axis, x.shape);
  // Over an empty axis the sum of exponentials is 0 and the result −∞ (as PyTorch); there is no max to shift by.
  const m = axes.some((a) => x.shape[a] === 0)
    ? new Tensor(alloc(x.dtype, sizeOf(reducedShape(x.shape, axes, true))), reducedShape(x.shape, axes, true))
    : lseShift(x, opts?.axis);
  const s = log(sum(exp(sub(x, m)), { axis: opts?.axis, keepDims: true }));
  const out = add(s, m);
  return opts?.keepDims ? out : reshape(out, reducedShape(x.shape, axes, false));
}

/** Options of `norm`. */
export interface NormOptions extends ReduceOptions {
  /** Which vector norm: 2 (default), 1, Infinity, -Infinity, 0 (count of nonzeros) or any p > 0. */
  ord?: number;
}

/**
 * Vector p-norm over `axis` (all axes by default, i.e. the Frobenius norm for ord 2): (Σ|x|^p)^(1/p).
 * ord = Infinity gives max|x|, −Infinity min|x|, 0 the number of nonzeros. For ord 2, ∂‖x‖/∂x = x/‖x‖.
 */
export function norm(x: Tensor, opts: NormOptions = {}): Tensor {
  checkInput('norm', x);
  const { ord = 2 } = opts;
  const r = { axis: opts.axis, keepDims: opts.keepDims };
  if (typeof ord !== 'number' || Number.isNaN(ord) || (ord < 0 && ord !== -Infinity)) {
    throw new ValueError(`[norm] ord must be 0, a positive number or ±Infinity: got ${String(ord)}`);
  }
  const axes = normAxes('norm', opts.axis, x.shape); // first, so a bad axis is reported as [norm]
  const empty = axes.find((a) => x.shape[a] === 0);
  if (Math.abs(ord) === Infinity && empty !== undefined) {
    throw new ValueError(`[norm] cannot take the ${ord} norm over an empty axis: shape ${fmtShape(x.shape)}, axis ${empty} has size 0`);
  }
  if (ord === 2) return sqrt(sum(square(x), r));
  if (ord === 1) return sum(abs(x), r);
  if (ord === Infinity) return max(abs(x), r);
  if (ord === -Infinity) return min(abs(x), r);
  if (ord === 0) return sum(notEqual(x, 0), r);
  return pow(sum(pow(abs(x), ord), r), 1 / ord);
}

/** Options of `argmax` and `argmin`. */
export interface ArgOptions {
  /** One axis; by default the index is into the flattened tensor. */
  axis?: number;
  /** Keep the reduced axis as size 1 (default false). */
  keepDims?: boolean;
}

function argRow(x: A, s: number, n: number, isMax: boolean): number {
  let best = x[s]!, bi = 0;
  if (best !== best) return 0;
  for (let i = 1; i < n; i++) {
    const v = x[s + i]!;
    if (v !== v) return i; // the first NaN wins, as NumPy
    if (isMax ? v > best : v < best) {
      best = v;
      bi = i;
    }
  }
  return bi;
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, opts: ArgOptions = {}): Tensor {
  checkInput(op, x);
  const { axis, keepDims = false } = opts;
  if (axis === undefined) {
    if (x.size === 0) throw new ValueError(`[${op}] cannot take ${op} of an empty tensor: shape ${fmtShape(x.shape)}`);
    const flat = contiguous(x);
    const out = alloc(x.dtype, 1);
    out[0] = argRow(flat.data, flat.offset, flat.size, op === 'argmax');
    return new Tensor(out, keepDims ? x.shape.map(() => 1) : []);
  }
  const ax = normAxis(op, axis, x.ndim, x.shape);
  const n = x.shape[ax]!;
  if (n === 0) throw new ValueError(`[${op}] cannot reduce an empty axis: shape ${fmtShape(x.shape)}, axis ${ax} has size 0`);
  const perm = x.shape.map((_, i) => i).filter((i) => i !== ax);
  perm.push(ax);
  const moved = contiguous(permute(x, perm));
  const rows = moved.size / n;
  const out = alloc(x.dtype, rows);
  for (let r = 0; r < rows; r++) out[r] = argRow(moved.data, moved.offset + r * n, n, op === 'argmax');
  return new Tensor(out, reducedShape(x.shape, [ax], keepDims));
}

/** Index of the largest element along `axis` (first occurrence on ties; a NaN counts as largest). Not differentiable. */
export const argmax = (x: Tensor, opts?: ArgOptions): Tensor => argReduce('argmax', x, opts);
/** Index of the smallest element along `axis` (first occurrence on ties; a NaN counts as smallest). Not differentiable. */
export const argmin = (x: Tensor, opts?: ArgOptions): Tensor => argReduce('argmin', x, opts);
