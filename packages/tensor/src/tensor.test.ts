/** The Tensor class (accessors, conversions, copies) and the creation functions. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Tensor, arange, eye, full, fullLike, linspace, ones, onesLike, tensor, transpose, zeros, zerosLike,
} from './index.js';
import { DTYPES, anyTensorArb } from '../../../testing/arbitraries.js';
import { nd } from '../../../testing/reference.js';
import { allocOverwritten } from './dtype.js';

describe('tensor()', () => {
  it('infers the shape from nested arrays and defaults to float32', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.strides).toEqual([3, 1]);
    expect(t.offset).toBe(0);
    expect(t.dtype).toBe('float32');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.size).toBe(6);
    expect(t.ndim).toBe(2);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('makes a rank-0 tensor from a number', () => {
    const t = tensor(2.5, { dtype: 'float64' });
    expect(t.shape).toEqual([]);
    expect(t.size).toBe(1);
    expect(t.ndim).toBe(0);
    expect(t.item()).toBe(2.5);
    expect(t.toArray()).toBe(2.5);
  });

  it('keeps a Float64Array float64 unless told otherwise, and takes flat data with a shape', () => {
    const t = tensor(Float64Array.of(1, 2, 3, 4, 5, 6), { shape: [3, 2] });
    expect(t.dtype).toBe('float64');
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tensor(Float32Array.of(1, 2)).dtype).toBe('float32');
    expect(tensor(Float32Array.of(0.1), { dtype: 'float64' }).item()).toBe(Math.fround(0.1));
    expect(tensor([1, 2, 3, 4], { shape: [2, 2], dtype: 'float64' }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor([[1, 2], [3, 4]], { shape: [4] }).toArray()).toEqual([1, 2, 3, 4]);
  });

  it('handles empty nesting', () => {
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor([[]]).toArray()).toEqual([[]]);
  });

  it('copies its data: later changes to the source do not leak in', () => {
    const src = Float32Array.of(1, 2, 3);
    const t = tensor(src);
    src[0] = 100;
    expect(t.toArray()).toEqual([1, 2, 3]);
    expect(t.data).not.toBe(src);
  });

  it('rounds to float32 when stored as float32', () => {
    expect(tensor([0.1]).toArray()).toEqual([Math.fround(0.1)]);
    expect(tensor([0.1], { dtype: 'float64' }).toArray()).toEqual([0.1]);
  });
});

describe('filled tensors, ranges, identity', () => {
  it('zeros, ones, full', () => {
    expect(zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(ones([2], { dtype: 'float64' }).dtype).toBe('float64');
    expect(ones([2]).toArray()).toEqual([1, 1]);
    expect(full([2, 1], -1.5).toArray()).toEqual([[-1.5], [-1.5]]);
    expect(full([], 7).toArray()).toBe(7);
    expect(zeros([3, 0]).size).toBe(0);
    expect(full([2], Number.NaN).toTypedArray().every(Number.isNaN)).toBe(true);
  });

  it('zerosLike, onesLike, fullLike take the shape and dtype of x (also of a view), or the given dtype', () => {
    const x = transpose(zeros([2, 3], { dtype: 'float64' }));
    for (const [t, v] of [[zerosLike(x), 0], [onesLike(x), 1], [fullLike(x, 4), 4]] as const) {
      expect(t.shape).toEqual([3, 2]);
      expect(t.dtype).toBe('float64');
      expect(t.isContiguous()).toBe(true);
      expect(Array.from(t.data)).toEqual(new Array(6).fill(v));
    }
    expect(zerosLike(x, { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('arange follows NumPy: [start, stop) with step, empty when the step points away', () => {
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(0, 5, -1).shape).toEqual([0]);
    expect(arange(3, undefined, 1, { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('linspace includes both ends exactly', () => {
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(linspace(2, 3, 0).shape).toEqual([0]);
    const l = linspace(0.1, 0.7, 7, { dtype: 'float64' });
    expect(l.toTypedArray()[6]).toBe(0.7);
    expect(l).toBeAllclose([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], { rtol: 1e-15, atol: 1e-15 });
  });

  it('eye: square and rectangular', () => {
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 2, { dtype: 'float64' }).toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
    expect(eye(0).shape).toEqual([0, 0]);
  });
});

describe('conversions and copies', () => {
  it('toArray nests, also for views (a transposed tensor reads in its own row-major order)', () => {
    const t = arange(6).reshape([2, 3]).transpose();
    expect(t.isContiguous()).toBe(false);
    expect(t.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(Array.from(t.toTypedArray())).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('toTypedArray returns a fresh array even for a contiguous tensor', () => {
    const t = arange(4);
    const a = t.toTypedArray();
    a[0] = 99;
    expect(t.toArray()).toEqual([0, 1, 2, 3]);
    expect(a).toBeInstanceOf(Float32Array);
  });

  it('item reads a one-element view at its offset', () => {
    const t = arange(12).reshape([3, 4]);
    expect(t.slice([2, [1, 2]]).item()).toBe(9);
    expect(t.slice([[1, 2], [3, 4]]).item()).toBe(7);
    expect(tensor([[[5]]]).item()).toBe(5);
  });

  it('astype converts (rounding to float32) and always copies into a contiguous tensor', () => {
    const x = tensor([0.1, 1 / 3], { dtype: 'float64' });
    const y = x.astype('float32');
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    const back = y.astype('float64');
    expect(back.toArray()).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    const same = x.astype('float64');
    expect(same.data).not.toBe(x.data);
    const v = arange(6, undefined, 1, { dtype: 'float64' }).reshape([2, 3]).transpose();
    const c = v.astype('float32');
    expect(c.isContiguous()).toBe(true);
    expect(c.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });

  it.each(DTYPES)('%s: clone, astype and toTypedArray agree with element-wise reads of any view', (dtype) => {
    let nonEmpty = 0;
    fc.assert(
      fc.property(anyTensorArb({ dtype }), (x) => {
        const c = x.clone();
        expect(c.data).not.toBe(x.data);
        expect(c.isContiguous()).toBe(true);
        expect(c.dtype).toBe(dtype);
        expect(c).toBeAllclose(nd(x), { rtol: 0, atol: 0 });
        expect(x.astype(dtype === 'float32' ? 'float64' : 'float32')).toBeAllclose(nd(x), { rtol: 1e-7, atol: 1e-30 });
        expect(Array.from(x.toTypedArray())).toEqual(Array.from(nd(x).data));
        if (x.size > 0) {
          nonEmpty++;
          c.data[0] = 1234;
          expect(nd(x).data[0]).not.toBe(1234);
        }
      }),
      { numRuns: 80 },
    );
    expect(nonEmpty).toBeGreaterThan(30);
  });

  it('the low-level constructor takes storage, shape, strides and offset as given', () => {
    const data = Float64Array.of(9, 1, 2, 3, 4, 5, 6);
    const t = new Tensor(data, [2, 3], [1, 2], 1);
    expect(t.data).toBe(data);
    expect(t.toArray()).toEqual([[1, 3, 5], [2, 4, 6]]);
    expect(t.isContiguous()).toBe(false);
    expect(new Tensor(data, [3]).strides).toEqual([1]);
  });
});

describe('toString through the Tensor method (format has its own tests)', () => {
  it('prints like PyTorch, views included', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(arange(6).reshape([2, 3]).transpose().toString()).toBe('tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]])');
    expect(tensor([[1.5, 2], [3, 4]], { dtype: 'float64' }).toString()).toBe(
      'tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]], dtype=float64)',
    );
    expect(tensor(3.25).toString()).toBe('tensor(3.2500)');
    expect(zeros([0, 3]).toString()).toBe('tensor([], shape=[0,3])');
  });

  it('summarises large tensors and honours options', () => {
    const s = arange(2000).toString();
    expect(s).toContain('...');
    expect(s.length).toBeLessThan(200);
    expect(tensor([1.23456]).toString({ precision: 2 })).toBe('tensor([1.23])');
  });
});

describe('allocOverwritten', () => {
  // What every op that takes it relies on: its own array of exactly n elements (no pooled slab shared with other
  // arrays, whose offset could be unaligned), zeroed below the threshold; overwritten-storage.test.ts checks the ops.
  it.each(DTYPES)('%s: a fresh array of exactly n elements at offset 0, small ones zeroed', (dtype) => {
    for (const n of [0, 1, 7, 65535, 65536, 1 << 20]) {
      const a = allocOverwritten(dtype, n);
      expect(a).toBeInstanceOf(dtype === 'float64' ? Float64Array : Float32Array);
      expect([a.length, a.byteOffset, a.buffer.byteLength]).toEqual([n, 0, n * a.BYTES_PER_ELEMENT]);
      if (n < 65536) expect(a.every((v) => v === 0)).toBe(true);
    }
  });
});
