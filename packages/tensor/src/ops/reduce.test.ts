/** Reduction edge cases: empty axes, identities, NaN, ties, keepDims shapes, accuracy of float32 sums. */
import { describe, expect, it } from 'vitest';
import * as T from '../index.js';

const f64 = (v: T.NestedArray): T.Tensor => T.tensor(v, { dtype: 'float64' });
const x23 = (): T.Tensor => f64([[1, 5, 3], [4, 2, 6]]);

describe('axis handling', () => {
  it('axis: number, negative, list, undefined; keepDims keeps size-1 axes', () => {
    const x = x23();
    expect(T.sum(x).toArray()).toBe(21);
    expect(T.sum(x, { axis: 0 }).toArray()).toEqual([5, 7, 9]);
    expect(T.sum(x, { axis: -1 }).toArray()).toEqual([9, 12]);
    expect(T.sum(x, { axis: [1, 0] }).toArray()).toBe(21);
    expect(T.sum(x, { axis: 1, keepDims: true }).toArray()).toEqual([[9], [12]]);
    expect(T.sum(x, { keepDims: true }).shape).toEqual([1, 1]);
    expect(x.max({ axis: 0 }).toArray()).toEqual([4, 5, 6]);
    expect(x.min({ axis: 1, keepDims: true }).toArray()).toEqual([[1], [2]]);
  });

  it('an empty axis list reduces nothing; a rank-0 tensor reduces to itself', () => {
    expect(T.sum(x23(), { axis: [] }).toArray()).toEqual([[1, 5, 3], [4, 2, 6]]);
    expect(T.max(f64(3)).toArray()).toBe(3);
    expect(T.prod(f64(3), { keepDims: true }).shape).toEqual([]);
  });
});

describe('empty axes', () => {
  it('sum is 0, prod is 1, mean and variance are NaN, norm is 0', () => {
    const e = T.zeros([2, 0], { dtype: 'float64' });
    expect(T.sum(e, { axis: 1 }).toArray()).toEqual([0, 0]);
    expect(T.prod(e, { axis: 1 }).toArray()).toEqual([1, 1]);
    expect(T.mean(e, { axis: 1 }).toTypedArray().every(Number.isNaN)).toBe(true);
    expect(T.variance(e, { axis: 1 }).toTypedArray().every(Number.isNaN)).toBe(true);
    expect(T.norm(e, { axis: 1 }).toArray()).toEqual([0, 0]);
    expect(T.sum(e, { axis: 0 }).shape).toEqual([0]);
    expect(T.max(e, { axis: 0 }).shape).toEqual([0]);
  });
});

describe('values', () => {
  it('max and min propagate NaN', () => {
    expect(T.max(f64([1, Number.NaN, 3])).item()).toBeNaN();
    expect(T.min(f64([[1, 2], [Number.NaN, 0]]), { axis: 1 }).toTypedArray()[1]).toBeNaN();
  });

  it('argmax and argmin return the first index on ties, NaN first, flat when no axis', () => {
    expect(T.argmax(f64([1, 3, 3, 0])).item()).toBe(1);
    expect(T.argmin(f64([2, 0, 0, 5])).item()).toBe(1);
    expect(T.argmax(f64([1, Number.NaN, 3])).item()).toBe(1);
    expect(T.argmin(f64([1, Number.NaN, -3])).item()).toBe(1);
    expect(T.argmax(x23()).item()).toBe(5);
    expect(T.argmax(x23(), { keepDims: true }).shape).toEqual([1, 1]);
    expect(T.argmax(x23(), { axis: 0 }).toArray()).toEqual([1, 0, 1]);
    expect(x23().argmin({ axis: -1, keepDims: true }).toArray()).toEqual([[0], [1]]);
    expect(T.argmax(x23()).dtype).toBe('float64');
  });

  it('variance: population by default, unbiased with correction 1', () => {
    const x = f64([1, 2, 3, 4]);
    expect(T.variance(x).item()).toBe(1.25);
    expect(T.variance(x, { correction: 1 }).item()).toBeCloseTo(5 / 3, 14);
    expect(T.variance(f64([7]), { correction: 1 }).item()).toBeNaN();
    expect(x23().variance({ axis: 0 }).toArray()).toEqual([2.25, 2.25, 2.25]);
  });

  it('norm: 2 by default (Frobenius over all axes), 1, ±Infinity, 0 and any p > 0', () => {
    const x = f64([[3, -4], [0, 0]]);
    expect(T.norm(x).item()).toBe(5);
    expect(T.norm(x, { ord: 1 }).item()).toBe(7);
    expect(T.norm(x, { ord: Infinity }).item()).toBe(4);
    expect(T.norm(x, { ord: -Infinity }).item()).toBe(0);
    expect(T.norm(x, { ord: 0 }).item()).toBe(2);
    expect(T.norm(x, { ord: 3 }).item()).toBeCloseTo(Math.cbrt(27 + 64), 12);
    expect(x.norm({ axis: 1, keepDims: true }).toArray()).toEqual([[5], [0]]);
  });

  it('mean of a float32 tensor keeps float32', () => {
    const m = T.mean(T.tensor([1, 2]));
    expect(m.dtype).toBe('float32');
    expect(m.item()).toBe(1.5);
  });

  it('float32 sums accumulate in float64: 10⁵ × 0.1 is exact to float32 rounding', () => {
    const n = 100_000;
    const x = T.full([n], 0.1);
    const expected = n * Math.fround(0.1);
    expect(Math.abs(T.sum(x).item() - expected) / expected).toBeLessThan(1e-7);
    expect(Math.abs(x.reshape([100, 1000]).sum({ axis: 0 }).sum().item() - expected) / expected).toBeLessThan(1e-6);
  });
});
