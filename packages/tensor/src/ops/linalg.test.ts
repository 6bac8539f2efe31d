/** matmul, cdist and topk on hand-checked cases: NumPy's 1-D rules, batch broadcasting, views, modes, ties and NaN. */
import { describe, expect, it } from 'vitest';
import * as T from '../index.js';
import { forward64 } from '../../../../testing/tolerances.js';

const f64 = (v: T.NestedArray): T.Tensor => T.tensor(v, { dtype: 'float64' });

describe('matmul', () => {
  it('2-D by 2-D, by hand', () => {
    expect(T.matmul(T.tensor([[1, 2], [3, 4]]), T.tensor([[5, 6], [7, 8]])).toArray()).toEqual([[19, 22], [43, 50]]);
  });

  it('1-D operands: vector·vector is rank 0, vector·matrix and matrix·vector drop the vector axis', () => {
    const v = f64([1, 2, 3]), m = f64([[1, 0], [0, 1], [1, 1]]);
    const dot = T.matmul(v, v);
    expect(dot.shape).toEqual([]);
    expect(dot.item()).toBe(14);
    expect(T.matmul(v, m).toArray()).toEqual([4, 5]);
    expect(T.matmul(m.transpose(), v).toArray()).toEqual([4, 5]);
    const batched = T.matmul(T.stack([m, m.mul(2)]).transpose([0, 2, 1]), v);
    expect(batched.shape).toEqual([2, 2]);
    expect(batched.toArray()).toEqual([[4, 5], [8, 10]]);
    expect(T.matmul(v, T.stack([m, m])).shape).toEqual([2, 2]);
  });

  it('batch axes broadcast', () => {
    const a = T.ones([2, 1, 2, 3], { dtype: 'float64' }), b = T.ones([3, 3, 4], { dtype: 'float64' });
    const c = T.matmul(a, b);
    expect(c.shape).toEqual([2, 3, 2, 4]);
    expect(c.toTypedArray().every((x) => x === 3)).toBe(true);
  });

  it('transposed and sliced views multiply like their contiguous copies', () => {
    const a = T.arange(12, undefined, 1, { dtype: 'float64' }).reshape([3, 4]);
    const b = T.arange(20, undefined, 1, { dtype: 'float64' }).reshape([4, 5]).sub(7);
    const at = a.transpose(), bs = b.slice([[null, null, -1], [1, null, 2]]);
    expect(T.matmul(at.transpose(), b)).toBeAllclose(T.matmul(a, b), forward64);
    expect(T.matmul(a, bs)).toBeAllclose(T.matmul(a, bs.contiguous()), forward64);
    expect(T.matmul(bs.transpose(), at)).toBeAllclose(T.matmul(bs.transpose().contiguous(), at.contiguous()), forward64);
  });

  it('an empty inner axis gives zeros; an empty outer axis gives an empty result', () => {
    expect(T.matmul(T.zeros([2, 0]), T.zeros([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(T.matmul(T.zeros([0, 2]), T.zeros([2, 3])).shape).toEqual([0, 3]);
    expect(T.matmul(T.zeros([0]), T.zeros([0])).toArray()).toBe(0);
  });
});

describe('cdist', () => {
  const a = f64([[0, 0], [3, 4]]), b = f64([[0, 0], [1, 1], [3, 0]]);

  it('p = 2, 1, Infinity and 0 by hand', () => {
    expect(T.cdist(a, b)).toBeAllclose([[0, Math.SQRT2, 3], [5, Math.sqrt(13), 4]], forward64);
    expect(T.cdist(a, b, { p: 1 }).toArray()).toEqual([[0, 2, 3], [7, 5, 4]]);
    expect(a.cdist(b, { p: Infinity }).toArray()).toEqual([[0, 1, 3], [4, 3, 4]]);
    expect(T.cdist(a, b, { p: 0 }).toArray()).toEqual([[0, 2, 1], [2, 2, 1]]);
  });

  it("'matmul' and 'direct' agree, and 'auto' switches to 'matmul' above 25 rows", () => {
    const x = T.arange(30 * 3, undefined, 1, { dtype: 'float64' }).reshape([30, 3]).div(17).sin();
    const y = x.slice([[0, 4]]).add(0.5);
    const direct = T.cdist(x, y, { mode: 'direct' });
    expect(T.cdist(x, y, { mode: 'matmul' })).toBeAllclose(direct, { rtol: 1e-9, atol: 1e-7 });
    expect(T.cdist(x, y)).toBeAllclose(T.cdist(x, y, { mode: 'matmul' }), { rtol: 0, atol: 0 });
    // Distance 0 stays exactly 0 in 'matmul' mode (the negative rounding residue is clamped).
    expect(T.cdist(x, x, { mode: 'matmul' }).toTypedArray().every((d) => d >= 0)).toBe(true);
  });

  it('batched with broadcast batch axes, and zero features', () => {
    const d = T.cdist(T.zeros([2, 1, 3, 2]), T.ones([4, 5, 2]));
    expect(d.shape).toEqual([2, 4, 3, 5]);
    expect(d).toBeAllclose(T.full([2, 4, 3, 5], Math.SQRT2), { rtol: 1e-6, atol: 0 });
    expect(T.cdist(T.zeros([2, 0]), T.zeros([3, 0])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });
});

describe('topk', () => {
  it('sorted values with indices; ties keep the lower index first', () => {
    const { values, indices } = T.topk(f64([1, 3, 2, 3, 0]), 3);
    expect(values.toArray()).toEqual([3, 3, 2]);
    expect(indices.toArray()).toEqual([1, 3, 2]);
    expect(indices.dtype).toBe('float64');
  });

  it('smallest, along another axis, k = 0 and k = n', () => {
    const x = f64([[4, 1], [2, 3], [0, 5]]);
    const s = x.topk(2, { axis: 0, largest: false });
    expect(s.values.toArray()).toEqual([[0, 1], [2, 3]]);
    expect(s.indices.toArray()).toEqual([[2, 0], [1, 1]]);
    expect(T.topk(x, 0).values.shape).toEqual([3, 0]);
    expect(T.topk(x, 2).values.toArray()).toEqual([[4, 1], [3, 2], [5, 0]]);
  });

  it('NaN counts as larger than every number', () => {
    const x = f64([1, Number.NaN, 3]);
    const big = T.topk(x, 2);
    expect(big.values.toTypedArray()[0]).toBeNaN();
    expect(big.indices.toArray()).toEqual([1, 2]);
    expect(T.topk(x, 2, { largest: false }).values.toArray()).toEqual([1, 3]);
  });
});
