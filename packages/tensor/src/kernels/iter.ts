import type { FloatArray } from '../dtype.js';

/**
 * Strided iteration for every elementwise op, copy and reduction.
 *
 * An op over tensors of one (broadcast) shape walks all of them in row-major order. Two things make that fast:
 * 1. Axes are coalesced first: axes of size 1 are dropped, and neighbouring axes that every operand steps
 *    through as one (stride[d] == stride[d+1]·shape[d+1]) are merged. Contiguous operands of one shape become a
 *    single axis, so the whole op is one call of its row kernel.
 * 2. The innermost axis is a "row" handed to a row kernel: a plain top-level function taking its arrays,
 *    offsets, strides and length. Per-row work (the counter update) is paid once per row, not per element.
 */

/** Result of coalescing: shape and one stride list per operand. */
export interface Coalesced {
  shape: number[];
  strides: number[][];
}

/** Drops size-1 axes and merges axes that all operands traverse contiguously. */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): Coalesced {
  const k = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = Array.from({ length: k }, () => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    for (let j = 0; j < k && merge; j++) {
      if (outStrides[j]![last] !== strides[j]![d]! * n) merge = false;
    }
    if (merge) {
      outShape[last] = outShape[last]! * n;
      for (let j = 0; j < k; j++) outStrides[j]![last] = strides[j]![d]!;
    } else {
      outShape.push(n);
      for (let j = 0; j < k; j++) outStrides[j]!.push(strides[j]![d]!);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (let j = 0; j < k; j++) outStrides[j]!.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * The element count of `shape` if `strides` walk it C-contiguously (size-1 axes may have any stride), else -1.
 * The common case of an elementwise op — fresh, same-shape operands — then runs as one row with no coalescing
 * (whose arrays cost a few µs per op, a fifth of a small op's overhead).
 */
export function contiguousSize(shape: readonly number[], strides: readonly number[]): number {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    if (n !== 1 && strides[d] !== expected) return -1;
    expected *= n;
  }
  return expected;
}

/** Row kernel over one destination and one source: dst[d + i·ds] = f(src[s + i·ss]) for i < n. */
export type RowKernel1 = (
  dst: FloatArray, d: number, ds: number,
  src: FloatArray, s: number, ss: number,
  n: number, p1: number, p2: number,
) => void;

/** Row kernel over one destination and two sources. */
export type RowKernel2 = (
  dst: FloatArray, d: number, ds: number,
  a: FloatArray, ia: number, sa: number,
  b: FloatArray, ib: number, sb: number,
  n: number,
) => void;

/** Row kernel over one destination and three sources (`where`). */
export type RowKernel3 = (
  dst: FloatArray, d: number, ds: number,
  a: FloatArray, ia: number, sa: number,
  b: FloatArray, ib: number, sb: number,
  c: FloatArray, ic: number, sc: number,
  n: number,
) => void;

/** Walks `shape` with a destination and one source, each with its own strides and offset, one row at a time. */
export function map1(
  shape: readonly number[],
  dst: FloatArray, dOff: number, dStr: readonly number[],
  src: FloatArray, sOff: number, sStr: readonly number[],
  kernel: RowKernel1, p1 = 0, p2 = 0,
): void {
  for (let i = 0; i < shape.length; i++) if (shape[i] === 0) return;
  const size = contiguousSize(shape, dStr);
  if (size > 0 && contiguousSize(shape, sStr) === size) {
    kernel(dst, dOff, 1, src, sOff, 1, size, p1, p2);
    return;
  }
  const c = coalesce(shape, [dStr, sStr]);
  const sh = c.shape, ds = c.strides[0]!, ss = c.strides[1]!;
  const nd = sh.length, inner = nd - 1;
  const n = sh[inner]!, dsi = ds[inner]!, ssi = ss[inner]!;
  if (nd === 1) {
    kernel(dst, dOff, dsi, src, sOff, ssi, n, p1, p2);
    return;
  }
  const idx = new Int32Array(inner);
  let d = dOff, s = sOff;
  for (;;) {
    kernel(dst, d, dsi, src, s, ssi, n, p1, p2);
    let ax = inner - 1;
    for (; ax >= 0; ax--) {
      d += ds[ax]!;
      s += ss[ax]!;
      if (++idx[ax]! < sh[ax]!) break;
      d -= ds[ax]! * sh[ax]!;
      s -= ss[ax]! * sh[ax]!;
      idx[ax] = 0;
    }
    if (ax < 0) return;
  }
}

/** Walks `shape` with a destination and two sources, one row at a time (binary ops with broadcasting). */
export function map2(
  shape: readonly number[],
  dst: FloatArray, dOff: number, dStr: readonly number[],
  a: FloatArray, aOff: number, aStr: readonly number[],
  b: FloatArray, bOff: number, bStr: readonly number[],
  kernel: RowKernel2,
): void {
  for (let i = 0; i < shape.length; i++) if (shape[i] === 0) return;
  const size = contiguousSize(shape, dStr);
  if (size > 0 && contiguousSize(shape, aStr) === size && contiguousSize(shape, bStr) === size) {
    kernel(dst, dOff, 1, a, aOff, 1, b, bOff, 1, size);
    return;
  }
  const c = coalesce(shape, [dStr, aStr, bStr]);
  const sh = c.shape, ds = c.strides[0]!, as = c.strides[1]!, bs = c.strides[2]!;
  const nd = sh.length, inner = nd - 1;
  const n = sh[inner]!, dsi = ds[inner]!, asi = as[inner]!, bsi = bs[inner]!;
  if (nd === 1) {
    kernel(dst, dOff, dsi, a, aOff, asi, b, bOff, bsi, n);
    return;
  }
  const idx = new Int32Array(inner);
  let d = dOff, ia = aOff, ib = bOff;
  for (;;) {
    kernel(dst, d, dsi, a, ia, asi, b, ib, bsi, n);
    let ax = inner - 1;
    for (; ax >= 0; ax--) {
      d += ds[ax]!;
      ia += as[ax]!;
      ib += bs[ax]!;
      if (++idx[ax]! < sh[ax]!) break;
      d -= ds[ax]! * sh[ax]!;
      ia -= as[ax]! * sh[ax]!;
      ib -= bs[ax]! * sh[ax]!;
      idx[ax] = 0;
    }
    if (ax < 0) return;
  }
}

/** Walks `shape` with a destination and three sources, one row at a time. */
export function map3(
  shape: readonly number[],
  dst: FloatArray, dOff: number, dStr: readonly number[],
  a: FloatArray, aOff: number, aStr: readonly number[],
  b: FloatArray, bOff: number, bStr: readonly number[],
  c3: FloatArray, cOff: number, cStr: readonly number[],
  kernel: RowKernel3,
): void {
  for (let i = 0; i < shape.length; i++) if (shape[i] === 0) return;
  const c = coalesce(shape, [dStr, aStr, bStr, cStr]);
  const sh = c.shape, ds = c.strides[0]!, as = c.strides[1]!, bs = c.strides[2]!, cs = c.strides[3]!;
  const nd = sh.length, inner = nd - 1;
  const n = sh[inner]!;
  const idx = new Int32Array(Math.max(inner, 0));
  let d = dOff, ia = aOff, ib = bOff, ic = cOff;
  for (;;) {
    kernel(dst, d, ds[inner]!, a, ia, as[inner]!, b, ib, bs[inner]!, c3, ic, cs[inner]!, n);
    let ax = inner - 1;
    for (; ax >= 0; ax--) {
      d += ds[ax]!;
      ia += as[ax]!;
      ib += bs[ax]!;
      ic += cs[ax]!;
      if (++idx[ax]! < sh[ax]!) break;
      d -= ds[ax]! * sh[ax]!;
      ia -= as[ax]! * sh[ax]!;
      ib -= bs[ax]! * sh[ax]!;
      ic -= cs[ax]! * sh[ax]!;
      idx[ax] = 0;
    }
    if (ax < 0) return;
  }
}

/** Row kernel: plain strided copy. */
export function copyRow(dst: FloatArray, d: number, ds: number, src: FloatArray, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) dst[d] = src[s]!;
}
