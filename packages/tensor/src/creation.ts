/** Making tensors: from data, filled, ranges, identity, and random. */
import { ShapeError, ValueError, fmtShape } from './errors.js';
import { Generator, defaultGenerator } from './random.js';
import { checkShape, checkSize, sizeOf } from './shape.js';
import { Tensor, alloc, checkDType, type DType, type NestedArray } from './tensor.js';

/** Options of every creation function. */
export interface CreateOptions {
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
}

/** Options of `tensor()`. */
export interface TensorOptions extends CreateOptions {
  /** Shape for flat data (a typed array or a flat number array); by default inferred from the nesting. */
  shape?: readonly number[];
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    if (d.length === 0) break;
    d = d[0]!;
  }
  return shape;
}

function flattenInto(data: NestedArray, shape: readonly number[], axis: number, out: number[], path: number[]): void {
  if (axis === shape.length) {
    if (typeof data !== 'number') {
      const what = Array.isArray(data) ? 'a nested array' : data === null ? 'null' : typeof data;
      throw new (Array.isArray(data) ? ShapeError : ValueError)(
        Array.isArray(data)
          ? `[tensor] ragged nested array: at index ${fmtShape(path)} expected a number, got ${what}`
          : `[tensor] expected numbers: got ${what} at index ${fmtShape(path)}`,
      );
    }
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[axis]) {
    const got = Array.isArray(data) ? `length ${data.length}` : `a ${typeof data}`;
    throw new ShapeError(`[tensor] ragged nested array: at index ${fmtShape(path)} expected length ${shape[axis]}, got ${got}`);
  }
  for (let i = 0; i < data.length; i++) {
    path.push(i);
    flattenInto(data[i]!, shape, axis + 1, out, path);
    path.pop();
  }
}

/**
 * A tensor from a number (rank 0), nested arrays (shape inferred), or flat data (a typed array or number array)
 * with an optional `shape`. Data is copied. The dtype defaults to float64 for a Float64Array, else float32.
 */
export function tensor(data: NestedArray | Float32Array | Float64Array | readonly number[], opts: TensorOptions = {}): Tensor {
  const isTyped = data instanceof Float32Array || data instanceof Float64Array;
  const dtype = checkDType('tensor', opts.dtype ?? (data instanceof Float64Array ? 'float64' : 'float32'));
  let flat: ArrayLike<number>;
  let shape: number[];
  if (isTyped) {
    flat = data;
    shape = [data.length];
  } else if (typeof data === 'number') {
    flat = [data];
    shape = [];
  } else if (Array.isArray(data)) {
    shape = inferShape(data as NestedArray);
    const out: number[] = [];
    flattenInto(data as NestedArray, shape, 0, out, []);
    flat = out;
  } else {
    throw new ValueError(`[tensor] data must be a number, a (nested) array or a Float32Array/Float64Array: got ${data === null ? 'null' : typeof data}`);
  }
  if (opts.shape !== undefined) {
    const target = checkShape('tensor', opts.shape);
    if (sizeOf(target) !== flat.length) {
      throw new ValueError(`[tensor] data has ${flat.length} elements but shape ${fmtShape(target)} needs ${sizeOf(target)}`);
    }
    shape = target;
  }
  const buf = alloc(dtype, flat.length);
  buf.set(flat);
  return new Tensor(buf, shape);
}

/** `full` under the name of the op the caller called, so errors name it. */
function filled(op: string, shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  const s = checkShape(op, shape);
  if (typeof value !== 'number') throw new ValueError(`[${op}] value must be a number: got ${typeof value}`);
  const data = alloc(checkDType(op, opts.dtype ?? 'float32'), sizeOf(s));
  if (value !== 0) data.fill(value);
  return new Tensor(data, s);
}

function likeShape(op: string, x: Tensor): readonly number[] {
  if (!(x instanceof Tensor)) throw new ValueError(`[${op}] x must be a Tensor: got ${x === null ? 'null' : typeof x}`);
  return x.shape;
}

/** A tensor of the given shape filled with `value`. */
export const full = (shape: readonly number[], value: number, opts?: CreateOptions): Tensor => filled('full', shape, value, opts);
/** A tensor of zeros. */
export const zeros = (shape: readonly number[], opts?: CreateOptions): Tensor => filled('zeros', shape, 0, opts);
/** A tensor of ones. */
export const ones = (shape: readonly number[], opts?: CreateOptions): Tensor => filled('ones', shape, 1, opts);
/** Zeros with x's shape and (unless given) dtype. */
export const zerosLike = (x: Tensor, opts?: CreateOptions): Tensor =>
  filled('zerosLike', likeShape('zerosLike', x), 0, { dtype: opts?.dtype ?? x.dtype });
/** Ones with x's shape and (unless given) dtype. */
export const onesLike = (x: Tensor, opts?: CreateOptions): Tensor =>
  filled('onesLike', likeShape('onesLike', x), 1, { dtype: opts?.dtype ?? x.dtype });
/** `value` with x's shape and (unless given) dtype. */
export const fullLike = (x: Tensor, value: number, opts?: CreateOptions): Tensor =>
  filled('fullLike', likeShape('fullLike', x), value, { dtype: opts?.dtype ?? x.dtype });

/**
 * Evenly spaced values in [start, stop): `arange(n)` is 0..n−1, `arange(a, b, step)` as NumPy
 * (length ⌈(stop − start)/step⌉).
 */
export function arange(start: number, stop?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`[arange] ${name} must be a finite number: got ${String(v)}`);
  }
  if (step === 0) throw new ValueError(`[arange] step must not be zero`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = alloc(checkDType('arange', opts.dtype ?? 'float32'), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n]);
}

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number, opts: CreateOptions = {}): Tensor {
  if (typeof start !== 'number' || typeof stop !== 'number' || !Number.isFinite(start) || !Number.isFinite(stop)) {
    throw new ValueError(`[linspace] start and stop must be finite numbers: got ${String(start)} and ${String(stop)}`);
  }
  checkSize('linspace', 'num', num);
  const data = alloc(checkDType('linspace', opts.dtype ?? 'float32'), num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (num > 1) data[num - 1] = stop;
  return new Tensor(data, [num]);
}

/** An n×m matrix (m defaults to n) with ones on the diagonal. */
export function eye(n: number, m?: number, opts: CreateOptions = {}): Tensor {
  checkSize('eye', 'n', n);
  const cols = m === undefined ? n : checkSize('eye', 'm', m);
  const data = alloc(checkDType('eye', opts.dtype ?? 'float32'), n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) data[i * cols + i] = 1;
  return new Tensor(data, [n, cols]);
}

/** Options of `rand` and `randn`. */
export interface RandomOptions extends CreateOptions {
  /** The generator to draw from (default: the process-wide `defaultGenerator()`). */
  generator?: Generator;
}

function pickGenerator(op: string, g: Generator | undefined): Generator {
  if (g === undefined) return defaultGenerator();
  if (!(g instanceof Generator)) throw new ValueError(`[${op}] generator must be a Generator`);
  return g;
}

/** Uniform samples in [0, 1). */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return pickGenerator('rand', opts.generator).uniform(shape, { dtype: opts.dtype });
}

/** Standard normal samples. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return pickGenerator('randn', opts.generator).normal(shape, { dtype: opts.dtype });
}
