/**
 * Shape ops. reshape (of a contiguous tensor), transpose/permute, expandDims/squeeze, broadcastTo, slice and
 * split are views: they return a tensor over the same storage with new shape, strides and offset, in O(ndim).
 * concat, stack, pad, gather and contiguous copy.
 */
import { AxisError, DTypeError, IndexError, ShapeError, ValueError, fmtShape } from '../errors.js';
import type { FloatArray } from '../dtype.js';
import { copyRow, map1 } from '../kernels/iter.js';
import { checkShape, contiguousStrides, normAxes, normAxis, sizeOf } from '../shape.js';
import { Tensor, alloc, allocOverwritten } from '../tensor.js';

function checkTensor(op: string, x: unknown, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new ValueError(`[${op}] ${what} must be a Tensor: got ${x === null ? 'null' : typeof x}`);
  }
}

/** A contiguous tensor with the same values: x itself when it already is contiguous, else a copy. VJP: g. */
export function contiguous(x: Tensor): Tensor {
  checkTensor('contiguous', x);
  if (x.isContiguous()) return x;
  return new Tensor(x.toTypedArray(), x.shape.slice());
}

/**
 * The same elements, in row-major order, with a new shape; one entry may be −1 and is inferred.
 * A view when x is contiguous, a copy otherwise. VJP: g reshaped back to x's shape.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', x);
  if (!Array.isArray(shape)) throw new ValueError(`[reshape] shape must be an array: got ${String(shape)}`);
  const infer = shape.indexOf(-1);
  if (infer !== shape.lastIndexOf(-1)) throw new ShapeError(`[reshape] only one axis may be -1: got ${fmtShape(shape)}`);
  let target: number[];
  if (infer >= 0) {
    const rest = shape.filter((_, i) => i !== infer);
    checkShape('reshape', rest);
    const known = sizeOf(rest);
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`[reshape] cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`);
    }
    target = shape.slice();
    target[infer] = x.size / known;
  } else {
    target = checkShape('reshape', shape);
  }
  if (sizeOf(target) !== x.size) {
    throw new ShapeError(
      `[reshape] cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(target)} (${sizeOf(target)} elements)`,
    );
  }
  const c = contiguous(x);
  return new Tensor(c.data, target, contiguousStrides(target), c.offset);
}

/** Merges axes startAxis..endAxis (inclusive, default all) into one (a reshape). VJP: g reshaped back. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  checkTensor('flatten', x);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startAxis, x.ndim, x.shape);
  const e = normAxis('flatten', endAxis, x.ndim, x.shape);
  if (s > e) throw new AxisError(`[flatten] startAxis ${startAxis} comes after endAxis ${endAxis} for shape ${fmtShape(x.shape)}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

function permuteAs(op: string, x: Tensor, axes: readonly number[]): Tensor {
  checkTensor(op, x);
  if (!Array.isArray(axes) || axes.length !== x.ndim) {
    throw new AxisError(`[${op}] expected ${x.ndim} axes for shape ${fmtShape(x.shape)}: got ${Array.isArray(axes) ? fmtShape(axes) : String(axes)}`);
  }
  const norm = axes.map((a) => normAxis(op, a, x.ndim, x.shape));
  if (new Set(norm).size !== norm.length) {
    throw new AxisError(`[${op}] axes ${fmtShape(axes)} are not a permutation of the axes of shape ${fmtShape(x.shape)}`);
  }
  return new Tensor(x.data, norm.map((a) => x.shape[a]!), norm.map((a) => x.strides[a]!), x.offset);
}

/** Reorders axes: output axis i is input axis axes[i]. A view (the strides are permuted). VJP: g permuted by the inverse. */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  return permuteAs('permute', x, axes);
}

/** Reverses the axes (a matrix transpose for rank 2), or permutes them when `axes` is given. A view. VJP: the inverse permutation of g. */
export function transpose(x: Tensor, axes?: readonly number[]): Tensor {
  checkTensor('transpose', x);
  return permuteAs('transpose', x, axes ?? x.shape.map((_, i) => x.ndim - 1 - i));
}

/** Inserts a size-1 axis at `axis` (in the output's numbering, so −1 appends). A view. VJP: g reshaped back. */
export function expandDims(x: Tensor, axis: number): Tensor {
  checkTensor('expandDims', x);
  const ax = normAxis('expandDims', axis, x.ndim + 1, x.shape);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape.splice(ax, 0, 1);
  strides.splice(ax, 0, ax < x.ndim ? x.strides[ax]! * x.shape[ax]! : 1);
  return new Tensor(x.data, shape, strides, x.offset);
}

/** Removes size-1 axes (all of them, or the ones named). A view. VJP: g reshaped back. */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  checkTensor('squeeze', x);
  let axes: number[];
  if (axis === undefined) axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  else {
    axes = normAxes('squeeze', axis, x.shape);
    for (const a of axes) {
      if (x.shape[a] !== 1) {
        throw new ShapeError(`[squeeze] cannot squeeze axis ${a} of shape ${fmtShape(x.shape)}: its size is ${x.shape[a]}, not 1`);
      }
    }
  }
  const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  return new Tensor(x.data, keep.map((i) => x.shape[i]!), keep.map((i) => x.strides[i]!), x.offset);
}

/**
 * Reads x as the larger shape `shape` by NumPy broadcasting (stride 0 along repeated axes). A view.
 * VJP: g summed over the repeated axes back to x's shape (autograd's `sumTo`).
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('broadcastTo', x);
  const target = checkShape('broadcastTo', shape);
  if (target.length < x.ndim) {
    throw new ShapeError(`[broadcastTo] cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(target)}: the target has fewer axes`);
  }
  const lead = target.length - x.ndim;
  const strides = new Array<number>(target.length).fill(0);
  for (let i = 0; i < x.ndim; i++) {
    const d = x.shape[i]!, t = target[lead + i]!;
    if (d === t) strides[lead + i] = x.strides[i]!;
    else if (d !== 1) {
      throw new ShapeError(
        `[broadcastTo] cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(target)}: axis ${lead + i} has size ${d}, expected 1 or ${t}`,
      );
    }
  }
  return new Tensor(x.data, target, strides, x.offset);
}

/**
 * One axis of a slice: a number picks one index and drops the axis (negative counts from the end);
 * `null` keeps the whole axis; `[start, end, step]` (each optional or null) selects like Python's
 * `start:end:step`, with negative indices, clamping, and negative steps reversing.
 */
export type SliceSpec = number | null | readonly [(number | null)?, (number | null)?, (number | null)?];

/**
 * A strided view selected axis by axis; axes beyond `ranges.length` are kept whole. VJP: zeros of x's shape
 * with g written into the slice (`sliceScatter`).
 */
export function slice(x: Tensor, ranges: readonly SliceSpec[]): Tensor {
  checkTensor('slice', x);
  if (!Array.isArray(ranges)) throw new ValueError(`[slice] ranges must be an array: got ${String(ranges)}`);
  if (ranges.length > x.ndim) {
    throw new IndexError(`[slice] too many ranges: ${ranges.length} given for shape ${fmtShape(x.shape)}`);
  }
  const shape: number[] = [], strides: number[] = [];
  let offset = x.offset;
  for (let ax = 0; ax < x.ndim; ax++) {
    const n = x.shape[ax]!, st = x.strides[ax]!;
    const r = ranges[ax];
    if (r === undefined || r === null) {
      shape.push(n);
      strides.push(st);
    } else if (typeof r === 'number') {
      if (!Number.isInteger(r) || r < -n || r >= n) {
        throw new IndexError(`[slice] index ${r} is out of range for axis ${ax} of size ${n} (shape ${fmtShape(x.shape)})`);
      }
      offset += (r < 0 ? r + n : r) * st;
    } else if (Array.isArray(r)) {
      const [start, len, step] = sliceIndices(ax, n, r, x.shape);
      if (len > 0) offset += start * st;
      shape.push(len);
      strides.push(st * step);
    } else {
      throw new ValueError(`[slice] range for axis ${ax} must be a number, null or [start, end, step]: got ${JSON.stringify(r)}`);
    }
  }
  return new Tensor(x.data, shape, strides, offset);
}

/** Python's slice.indices: [start, length, step] for one axis of size n. */
function sliceIndices(ax: number, n: number, r: readonly (number | null | undefined)[], shape: readonly number[]): [number, number, number] {
  for (const v of r) {
    if (v !== null && v !== undefined && (typeof v !== 'number' || !Number.isInteger(v))) {
      throw new ValueError(`[slice] range for axis ${ax} must hold integers: got ${JSON.stringify(r)} (shape ${fmtShape(shape)})`);
    }
  }
  const step = r[2] ?? 1;
  if (step === 0) throw new ValueError(`[slice] step must not be zero (axis ${ax}, shape ${fmtShape(shape)})`);
  const lo = step > 0 ? 0 : -1, hi = step > 0 ? n : n - 1;
  const fix = (v: number | null | undefined, dflt: number): number => {
    if (v === null || v === undefined) return dflt;
    if (v < 0) v += n;
    return v < lo ? lo : v > hi ? hi : v;
  };
  const start = fix(r[0], step > 0 ? 0 : n - 1);
  const end = fix(r[1], step > 0 ? n : -1);
  const len = step > 0 ? Math.max(0, Math.ceil((end - start) / step)) : Math.max(0, Math.ceil((start - end) / -step));
  return [start, len, step];
}

function checkJoin(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError(`[${op}] expected a non-empty array of tensors`);
  tensors.forEach((t, i) => checkTensor(op, t, `tensors[${i}]`));
  const t0 = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.dtype !== t0.dtype) throw new DTypeError(`[${op}] dtypes differ: tensors[0] is ${t0.dtype}, tensors[${i}] is ${t.dtype}`);
  });
}

/** Joins tensors along an existing axis; every other axis must match. VJP: g split back into the inputs' sizes. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  checkJoin('concat', tensors);
  const t0 = tensors[0]!;
  if (t0.ndim === 0) throw new ShapeError(`[concat] cannot concatenate rank-0 tensors; use stack`);
  const ax = normAxis('concat', axis, t0.ndim, t0.shape);
  let total = 0;
  tensors.forEach((t, i) => {
    const bad = t.ndim !== t0.ndim || t.shape.some((d, j) => j !== ax && d !== t0.shape[j]);
    if (bad) {
      throw new ShapeError(
        `[concat] tensors[${i}] has shape ${fmtShape(t.shape)}, which does not match ${fmtShape(t0.shape)} except on axis ${ax}`,
      );
    }
    total += t.shape[ax]!;
  });
  const shape = t0.shape.slice();
  shape[ax] = total;
  const out = allocOverwritten(t0.dtype, sizeOf(shape));
  const strides = contiguousStrides(shape);
  let start = 0;
  for (const t of tensors) {
    map1(t.shape, out, start * strides[ax]!, strides, t.data, t.offset, t.strides, copyRow);
    start += t.shape[ax]!;
  }
  return new Tensor(out, shape);
}

/** Joins tensors of one shape along a new axis. VJP: input k gets g's slice k along that axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  checkJoin('stack', tensors);
  const t0 = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.ndim !== t0.ndim || t.shape.some((d, j) => d !== t0.shape[j])) {
      throw new ShapeError(`[stack] tensors[${i}] has shape ${fmtShape(t.shape)}, expected ${fmtShape(t0.shape)}`);
    }
  });
  const ax = normAxis('stack', axis, t0.ndim + 1, t0.shape);
  return concat(tensors.map((t) => expandDims(t, ax)), ax);
}

/**
 * Splits along `axis` into views: `sizes` as a number is the count of equal parts (it must divide the axis),
 * as an array the size of each part (they must add up to the axis). VJP: each part's g written back into
 * its range (autograd records each part as a slice).
 */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  checkTensor('split', x);
  const ax = normAxis('split', axis, x.ndim, x.shape);
  const n = x.shape[ax]!;
  let parts: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0 || n % sizes !== 0) {
      throw new ValueError(`[split] cannot split axis ${ax} of size ${n} (shape ${fmtShape(x.shape)}) into ${sizes} equal parts`);
    }
    parts = new Array<number>(sizes).fill(n / sizes);
  } else {
    if (!Array.isArray(sizes) || sizes.some((p) => typeof p !== 'number' || !Number.isInteger(p) || p < 0)) {
      throw new ValueError(`[split] sizes must be a positive integer or a list of non-negative integers: got ${JSON.stringify(sizes)}`);
    }
    parts = sizes.slice();
    const total = parts.reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new ValueError(`[split] sizes ${fmtShape(parts)} add up to ${total}, but axis ${ax} of shape ${fmtShape(x.shape)} has size ${n}`);
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const p of parts) {
    const shape = x.shape.slice();
    shape[ax] = p;
    out.push(new Tensor(x.data, shape, x.strides.slice(), x.offset + (p > 0 ? start * x.strides[ax]! : 0)));
    start += p;
  }
  return out;
}

/** Padding widths: one number for every side of every axis, one [before, after] for all axes, or one pair per axis. */
export type PadWidths = number | readonly [number, number] | readonly (readonly [number, number])[];

/** Normalises pad widths to one [before, after] pair per axis. */
export function padPairs(x: Tensor, widths: PadWidths): [number, number][] {
  let pairs: readonly (readonly number[])[];
  if (typeof widths === 'number') pairs = x.shape.map(() => [widths, widths]);
  else if (Array.isArray(widths) && widths.length === 2 && typeof widths[0] === 'number' && x.ndim !== 1) {
    pairs = x.shape.map(() => widths as readonly number[]);
  } else if (Array.isArray(widths) && typeof widths[0] === 'number' && x.ndim === 1) {
    pairs = [widths as readonly number[]];
  } else pairs = widths as readonly (readonly number[])[];
  if (!Array.isArray(pairs) || pairs.length !== x.ndim || pairs.some((p) => !Array.isArray(p) || p.length !== 2)) {
    throw new ValueError(`[pad] widths must give one [before, after] pair per axis of shape ${fmtShape(x.shape)}: got ${JSON.stringify(widths)}`);
  }
  for (const p of pairs) {
    for (const v of p) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new ValueError(`[pad] widths must be non-negative integers: got ${JSON.stringify(widths)} for shape ${fmtShape(x.shape)}`);
      }
    }
  }
  return pairs.map((p) => [p[0]!, p[1]!]);
}

/** Surrounds x with `value` (default 0): out[i + before] = x[i] along every axis. VJP: g[i + before], the slice where x sits. */
export function pad(x: Tensor, widths: PadWidths, value = 0): Tensor {
  checkTensor('pad', x);
  const pairs = padPairs(x, widths);
  const shape = x.shape.map((d, i) => d + pairs[i]![0] + pairs[i]![1]);
  const out = alloc(x.dtype, sizeOf(shape));
  if (value !== 0) out.fill(value);
  const strides = contiguousStrides(shape);
  let off = 0;
  for (let i = 0; i < x.ndim; i++) off += pairs[i]![0] * strides[i]!;
  map1(x.shape, out, off, strides, x.data, x.offset, x.strides, copyRow);
  return new Tensor(out, shape);
}

/** Indices for gather: a tensor of integers (any shape), an array, or an Int32Array. */
export type IndexLike = Tensor | readonly number[] | Int32Array;

/** Flat integer indices and their shape, each checked against an axis of size n (negatives wrap once). */
export function toIndices(op: string, indices: IndexLike, n: number, ax: number, xShape: readonly number[]): { idx: Int32Array; shape: number[] } {
  let vals: ArrayLike<number>, shape: number[];
  if (indices instanceof Tensor) {
    vals = indices.toTypedArray();
    shape = indices.shape.slice();
  } else if (Array.isArray(indices) || indices instanceof Int32Array) {
    vals = indices as ArrayLike<number>;
    shape = [vals.length];
  } else {
    throw new ValueError(`[${op}] indices must be a Tensor, an array or an Int32Array: got ${typeof indices}`);
  }
  const idx = new Int32Array(vals.length);
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    if (!Number.isInteger(v)) {
      throw new ValueError(`[${op}] indices must be integers: got ${v} (axis ${ax}, shape ${fmtShape(xShape)})`);
    }
    if (v < -n || v >= n) {
      throw new IndexError(`[${op}] index ${v} is out of range for axis ${ax} of size ${n} (shape ${fmtShape(xShape)})`);
    }
    idx[i] = v < 0 ? v + n : v;
  }
  return { idx, shape };
}

/**
 * Rows at least this long are copied by TypedArray.set (a memcpy), shorter ones element by element. Measured
 * (random rows of a 16 MB array): the two tie at 16 floats a row; set is 2× faster at 64 and ~12× at 1 024
 * (a batch of 32×32 images), but 3× slower at 4, where each call costs more than the copy.
 */
const GATHER_COPY_MIN = 32;

function gatherKernel(out: FloatArray, x: FloatArray, xOff: number, idx: Int32Array, outer: number, n: number, inner: number): void {
  const k = idx.length;
  let o = 0;
  for (let a = 0; a < outer; a++) {
    const base = xOff + a * n * inner;
    for (let j = 0; j < k; j++) {
      const src = base + idx[j]! * inner;
      if (inner >= GATHER_COPY_MIN) {
        out.set(x.subarray(src, src + inner), o);
        o += inner;
      } else {
        for (let i = 0; i < inner; i++) out[o++] = x[src + i]!;
      }
    }
  }
}

/**
 * Picks entries along `axis` (NumPy's `take`, PyTorch's `index_select` for 1-D indices): the output shape is
 * x.shape[:axis] + indices.shape + x.shape[axis+1:]. VJP: scatter-add the cotangent back to the picked rows.
 */
export function gather(x: Tensor, indices: IndexLike, axis = 0): Tensor {
  checkTensor('gather', x);
  if (x.ndim === 0) throw new ShapeError(`[gather] cannot gather from a rank-0 tensor`);
  const ax = normAxis('gather', axis, x.ndim, x.shape);
  const n = x.shape[ax]!;
  const { idx, shape: ishape } = toIndices('gather', indices, n, ax, x.shape);
  const c = contiguous(x);
  const outer = sizeOf(x.shape.slice(0, ax)), inner = sizeOf(x.shape.slice(ax + 1));
  const shape = [...x.shape.slice(0, ax), ...ishape, ...x.shape.slice(ax + 1)];
  const out = allocOverwritten(x.dtype, sizeOf(shape));
  gatherKernel(out, c.data, c.offset, idx, outer, n, inner);
  return new Tensor(out, shape);
}
