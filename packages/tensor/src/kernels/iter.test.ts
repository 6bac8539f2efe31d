/**
 * The strided walker's two routes agree: operands that are all C-contiguous go straight to one row kernel call
 * (contiguousSize), everything else through coalesce. Checked against a scalar multi-index walk over random
 * shapes (size-1 and zero-length axes, rank 0) and random layouts (contiguous, permuted, stepped, broadcast).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FloatArray } from '../dtype.js';
import { contiguousSize, map1, map2 } from './iter.js';

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });

function cStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

/** A layout of `shape`: C-contiguous, or each axis's stride scaled, or broadcast (stride 0), at an offset. */
const layoutArb = (shape: readonly number[]) =>
  fc.record({
    kind: fc.constantFrom('contiguous', 'contiguous', 'scaled', 'broadcast'),
    scale: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: shape.length, maxLength: shape.length }),
    zero: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
    offset: fc.integer({ min: 0, max: 3 }),
  }).map(({ kind, scale, zero, offset }) => {
    const base = cStrides(shape);
    const strides = base.map((s, d) => (kind === 'scaled' ? s * scale[d]! : kind === 'broadcast' && zero[d] ? 0 : s));
    let span = 1;
    shape.forEach((n, d) => { span += Math.max(0, n - 1) * strides[d]!; });
    return { strides, offset, length: offset + span };
  });

/** Every multi-index of `shape` in row-major order, with the flat position under `strides` and `offset`. */
function positions(shape: readonly number[], strides: readonly number[], offset: number): number[] {
  const out: number[] = [];
  const size = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < size; k++) {
    let rem = k, pos = offset;
    for (let d = shape.length - 1; d >= 0; d--) { pos += (rem % shape[d]!) * strides[d]!; rem = Math.floor(rem / shape[d]!); }
    out.push(pos);
  }
  return out;
}

function addRow(o: FloatArray, d: number, ds: number, a: FloatArray, ia: number, sa: number, b: FloatArray, ib: number, sb: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = a[ia]! + b[ib]!;
}
function negRow(o: FloatArray, d: number, ds: number, a: FloatArray, ia: number, sa: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, ia += sa) o[d] = -a[ia]!;
}

describe('contiguousSize', () => {
  it('is the element count for C-contiguous strides (size-1 axes free) and -1 otherwise', () => {
    expect(contiguousSize([], [])).toBe(1);
    expect(contiguousSize([2, 3], [3, 1])).toBe(6);
    expect(contiguousSize([2, 1, 3], [3, 99, 1])).toBe(6);
    expect(contiguousSize([2, 3], [1, 2])).toBe(-1);
    expect(contiguousSize([2, 3], [0, 1])).toBe(-1);
    expect(contiguousSize([3], [2])).toBe(-1);
  });
});

describe('map1 and map2', () => {
  it('visit every element once, pairing operands by index, on any layout', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), layoutArb(shape), layoutArb(shape), layoutArb(shape))),
        ([shape, lo, la, lb]) => {
          // The destination must not alias itself: C-contiguous strides scaled by one factor (a stepped view).
          const step = lo.strides.length > 0 && lo.strides.every((x) => x > 0) ? 1 + (lo.offset % 2) : 1;
          const dStr = cStrides(shape).map((x) => x * step);
          const ld = { strides: dStr, offset: lo.offset, length: lo.offset + 1 + shape.reduce((acc, n, d) => acc + Math.max(0, n - 1) * dStr[d]!, 0) };
          const a = Float64Array.from({ length: la.length }, (_, i) => i + 0.5);
          const b = Float64Array.from({ length: lb.length }, (_, i) => 1000 * i);
          const out2 = new Float64Array(ld.length).fill(Number.NaN), out1 = new Float64Array(ld.length).fill(Number.NaN);
          map2(shape, out2, ld.offset, ld.strides, a, la.offset, la.strides, b, lb.offset, lb.strides, addRow);
          map1(shape, out1, ld.offset, ld.strides, a, la.offset, la.strides, negRow);
          const pd = positions(shape, ld.strides, ld.offset), pa = positions(shape, la.strides, la.offset), pb = positions(shape, lb.strides, lb.offset);
          const touched = new Set(pd);
          pd.forEach((p, k) => {
            expect(out2[p]).toBe(a[pa[k]!]! + b[pb[k]!]!);
            expect(out1[p]).toBe(-a[pa[k]!]!);
          });
          out2.forEach((v, i) => { if (!touched.has(i)) expect(v).toBeNaN(); });
        },
      ),
      { numRuns: 400 },
    );
  });
});
