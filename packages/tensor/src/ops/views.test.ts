/** Shape ops: Python slicing semantics on known cases, strides of views, copies, joins, pad, gather. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../index.js';

const r10 = (): T.Tensor => T.arange(10);
const r24 = (): T.Tensor => T.arange(24).reshape([2, 3, 4]);

describe('slice follows Python', () => {
  // Each expectation is list(range(10))[start:stop:step] as CPython prints it.
  it.each([
    [[null, null, -1], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
    [[8, 2, -2], [8, 6, 4]],
    [[-3], [7, 8, 9]],
    [[100], []],
    [[-100, 3], [0, 1, 2]],
    [[5, 100, 3], [5, 8]],
    [[null, -100, -1], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
    [[-100, null, -1], []],
    [[3, 3], []],
    [[7, 3], []],
    [[null, null, 4], [0, 4, 8]],
    [[-1, -4, -1], [9, 8, 7]],
    [[100, null, -3], [9, 6, 3, 0]],
    [[undefined, 5], [0, 1, 2, 3, 4]],
    [[], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ] as [T.SliceSpec, number[]][])('range(10)[%j] is %j', (spec, expected) => {
    expect(r10().slice([spec]).toArray()).toEqual(expected);
  });

  it('numbers pick an index and drop the axis; negatives count from the end; null keeps an axis', () => {
    const x = r24();
    expect(x.slice([1]).shape).toEqual([3, 4]);
    expect(x.slice([-1, -1, -1]).toArray()).toBe(23);
    expect(x.slice([null, 1]).toArray()).toEqual([[4, 5, 6, 7], [16, 17, 18, 19]]);
    expect(x.slice([null, null, [null, null, -2]]).toArray()).toEqual([
      [[3, 1], [7, 5], [11, 9]],
      [[15, 13], [19, 17], [23, 21]],
    ]);
  });

  it('a slice of a slice composes offsets and strides', () => {
    const base = r24();
    const v = base.slice([null, [null, null, -1], [1, null, 2]]).slice([1, [1, 3]]);
    expect(v.toArray()).toEqual([[17, 19], [13, 15]]);
    expect(v.data).toBe(base.data);
  });

  it('an empty slice has length 0 on that axis and is still a valid tensor', () => {
    const v = r24().slice([null, [2, 1]]);
    expect(v.shape).toEqual([2, 0, 4]);
    expect(v.toArray()).toEqual([[], []]);
    expect(T.sum(v).item()).toBe(0);
  });
});

describe('views and copies', () => {
  it('transpose reverses axes by default and reports the strides of the view', () => {
    const t = r24().transpose();
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.strides).toEqual([1, 4, 12]);
    expect(r24().permute([-1, 0, 1]).shape).toEqual([4, 2, 3]);
  });

  it('broadcastTo and expand use stride 0 on repeated axes', () => {
    const b = T.tensor([[1], [2]]).broadcastTo([3, 2, 4]);
    expect(b.strides).toEqual([0, 1, 0]);
    expect(b.toArray()).toEqual([
      [[1, 1, 1, 1], [2, 2, 2, 2]],
      [[1, 1, 1, 1], [2, 2, 2, 2]],
      [[1, 1, 1, 1], [2, 2, 2, 2]],
    ]);
    expect(T.tensor([5]).expand([2, 0]).shape).toEqual([2, 0]);
  });

  it('reshape infers −1, and copies a non-contiguous input', () => {
    const x = r24();
    expect(x.reshape([-1, 6]).shape).toEqual([4, 6]);
    expect(x.reshape([4, -1, 3]).shape).toEqual([4, 2, 3]);
    const t = x.transpose();
    const r = t.reshape([24]);
    expect(r.data).not.toBe(x.data);
    expect(r.toArray()).toEqual(t.contiguous().reshape([24]).toArray());
    expect(r.toTypedArray().slice(0, 4)).toEqual(Float32Array.of(0, 12, 4, 16));
    expect(T.reshape(T.tensor(7), [1, 1]).toArray()).toEqual([[7]]);
    expect(T.reshape(T.zeros([0, 3]), [3, 0, 5]).shape).toEqual([3, 0, 5]);
  });

  it('flatten merges an axis range; a rank-0 tensor flattens to [1]', () => {
    expect(r24().flatten().shape).toEqual([24]);
    expect(r24().flatten(1).shape).toEqual([2, 12]);
    expect(r24().flatten(0, 1).shape).toEqual([6, 4]);
    expect(r24().flatten(-2, -1).shape).toEqual([2, 12]);
    expect(T.flatten(T.tensor(3)).toArray()).toEqual([3]);
  });

  it('expandDims counts in the output’s axes; squeeze removes all or the named size-1 axes', () => {
    const x = T.zeros([2, 3]);
    expect(x.expandDims(0).shape).toEqual([1, 2, 3]);
    expect(x.expandDims(-1).shape).toEqual([2, 3, 1]);
    expect(x.expandDims(-3).shape).toEqual([1, 2, 3]);
    const y = T.zeros([1, 2, 1, 3, 1]);
    expect(y.squeeze().shape).toEqual([2, 3]);
    expect(y.squeeze(-1).shape).toEqual([1, 2, 1, 3]);
    expect(y.squeeze([0, 2]).shape).toEqual([2, 3, 1]);
    expect(T.squeeze(T.zeros([1])).shape).toEqual([]);
  });

  it('split returns views: equal parts, explicit sizes (zeros allowed), on any axis', () => {
    const x = r24();
    const parts = x.split(2, -3);
    expect(parts.map((p) => p.shape)).toEqual([[1, 3, 4], [1, 3, 4]]);
    const [a, b, c] = T.split(x, [1, 0, 3], 2);
    expect([a!.shape, b!.shape, c!.shape]).toEqual([[2, 3, 1], [2, 3, 0], [2, 3, 3]]);
    expect(c!.slice([0, 0]).toArray()).toEqual([1, 2, 3]);
    expect(T.split(T.zeros([0]), 3).map((p) => p.shape)).toEqual([[0], [0], [0]]);
    for (const p of [...parts, a!, b!, c!]) expect(p.data).toBe(x.data);
  });
});

describe('joins, pad, gather', () => {
  it('concat joins along an axis, zero-length pieces included; stack adds an axis', () => {
    const a = T.tensor([[1, 2]]), b = T.tensor([[3, 4], [5, 6]]), e = T.zeros([0, 2]);
    expect(T.concat([a, e, b]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(T.concat([a.transpose(), b.transpose()], -1).toArray()).toEqual([[1, 3, 5], [2, 4, 6]]);
    expect(T.stack([T.tensor([1, 2]), T.tensor([3, 4])], -1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(T.stack([T.tensor(1), T.tensor(2)]).toArray()).toEqual([1, 2]);
  });

  it('pad: one number, one pair for every axis, a pair per axis, a fill value', () => {
    const x = T.tensor([[1, 2]]);
    expect(x.pad(1).toArray()).toEqual([[0, 0, 0, 0], [0, 1, 2, 0], [0, 0, 0, 0]]);
    expect(x.pad([0, 1]).toArray()).toEqual([[1, 2, 0], [0, 0, 0]]);
    expect(x.pad([[1, 0], [0, 2]], -1).toArray()).toEqual([[-1, -1, -1, -1], [1, 2, -1, -1]]);
    expect(T.pad(T.tensor([1, 2]), [2, 1]).toArray()).toEqual([0, 0, 1, 2, 0]);
    expect(T.pad(T.tensor(5), 3).toArray()).toBe(5);
    expect(T.pad(T.zeros([0]), 1, 9).toArray()).toEqual([9, 9]);
  });

  it('gather (NumPy take): index arrays, Int32Array, index tensors of any rank, negative indices', () => {
    const x = T.arange(6).reshape([3, 2]);
    expect(x.gather([2, 0, -1]).toArray()).toEqual([[4, 5], [0, 1], [4, 5]]);
    expect(T.gather(x, Int32Array.of(1), 1).toArray()).toEqual([[1], [3], [5]]);
    expect(T.gather(x, T.tensor([[0, 1], [1, 0]]), 1).shape).toEqual([3, 2, 2]);
    expect(T.gather(x, T.tensor(1)).toArray()).toEqual([2, 3]);
    expect(T.gather(x, []).shape).toEqual([0, 2]);
  });

  it('gather copies long rows whole and short rows element by element, the same values either way', () => {
    // Rows of 1 to 80 elements, either side of the length from which gather copies a row with one set(); the
    // source is a view at an offset into a larger buffer, float32 and float64.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 0, max: 5 }), fc.constantFrom<T.DType>('float32', 'float64'),
        fc.array(fc.integer({ min: 0, max: 1e6 }), { maxLength: 9 }),
        (outer, n, inner, skip, dtype, draws) => {
          const base = T.arange(0, (skip + outer) * n * inner, 1, { dtype }).reshape([skip + outer, n, inner]);
          const x = base.slice([[skip]]);
          const idx = draws.map((d) => (d % (2 * n)) - n);
          const y = T.gather(x, idx, 1);
          expect(y.shape).toEqual([outer, idx.length, inner]);
          const want: number[] = [];
          for (let a = 0; a < outer; a++) {
            for (const i of idx) {
              const row = i < 0 ? i + n : i;
              for (let k = 0; k < inner; k++) want.push(((skip + a) * n + row) * inner + k);
            }
          }
          expect(Array.from(y.toTypedArray())).toEqual(want);
        },
      ),
      { numRuns: 200 },
    );
  });
});
