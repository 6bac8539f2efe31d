import { AxisError, ShapeError, ValueError, fmtShape } from './errors.js';

/** Throws unless every entry is a non-negative integer; returns a fresh copy of the shape. */
export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) {
    throw new ValueError(`[${op}] shape must be an array of non-negative integers: got ${String(shape)}`);
  }
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ValueError(`[${op}] shape must contain non-negative integers: got ${fmtShape(shape)}`);
    }
  }
  return shape.slice();
}

/** Number of elements: the product of the sizes (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Row-major strides of a contiguous tensor: stride[i] = Π_{j>i} shape[j]. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** True when (shape, strides) walk memory in row-major order without gaps. Size-1 axes may have any stride. */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d === 0) return true;
    if (d !== 1 && strides[i] !== s) return false;
    s *= d;
  }
  return true;
}

/** Maps an axis in `[-ndim, ndim)` to `[0, ndim)`. */
export function normAxis(op: string, axis: number, ndim: number, shape?: readonly number[]): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new AxisError(`[${op}] axis must be an integer: got ${Array.isArray(axis) ? fmtShape(axis) : String(axis)}`);
  }
  if (axis < -ndim || axis >= ndim) {
    const where = shape ? `shape ${fmtShape(shape)}` : `rank ${ndim}`;
    throw new AxisError(`[${op}] axis ${axis} is out of range for ${where}: expected an axis in [${-ndim}, ${ndim})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalises `axis` (a number, a list, or undefined for all axes) to sorted, distinct axes in `[0, ndim)`. */
export function normAxes(op: string, axis: number | readonly number[] | undefined, shape: readonly number[]): number[] {
  const ndim = shape.length;
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out: number[] = [];
  for (const a of list) {
    const n = normAxis(op, a, ndim, shape);
    if (out.includes(n)) throw new AxisError(`[${op}] axis ${n} is repeated in ${fmtShape(list)} for shape ${fmtShape(shape)}`);
    out.push(n);
  }
  return out.sort((x, y) => x - y);
}

/** NumPy broadcasting of two shapes: align on the right, sizes must match or be 1. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `[${op}] cannot broadcast ${fmtShape(a)} with ${fmtShape(b)}: axis ${i} has sizes ${da} and ${db}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that read a tensor of (shape, strides) as if it had `target` shape: new leading axes and
 * broadcast (size-1) axes get stride 0. The caller has checked that the shapes broadcast.
 */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : strides[i]!;
  return out;
}

/** Checks a size argument (counts, lengths): a non-negative integer. */
export function checkSize(op: string, name: string, n: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new ValueError(`[${op}] ${name} must be a non-negative integer: got ${String(n)}`);
  }
  return n;
}

/** Expands `number | [number, number]` (stride, padding, ...) to a pair, checking each entry. */
export function pair(op: string, name: string, v: number | readonly number[], min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || p.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min)) {
    throw new ValueError(
      `[${op}] ${name} must be an integer >= ${min} or a pair of them: got ${Array.isArray(v) ? fmtShape(v) : String(v)}`,
    );
  }
  return [p[0]!, p[1]!];
}
