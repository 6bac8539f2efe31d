/**
 * Tests of the test utilities: the toBeAllclose matcher (including its failure messages), the arbitraries
 * (that they really produce scalars, empty and size-1 axes, and non-contiguous, reversed and broadcast views),
 * and the naive references on hand-checked cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '@tsgrad/tensor';
import { allcloseReport } from './matchers.js';
import {
  anyTensorArb, axesOf, axisArb, broadcastShapesArb, contiguousTensor, domains, shapeArb, stridedTensor, tensorArb,
} from './arbitraries.js';
import * as R from './reference.js';
import { gradcheck64, forwardTol } from './tolerances.js';

describe('toBeAllclose', () => {
  it('accepts tensors, { shape, data }, typed arrays, nested arrays and numbers', () => {
    const t = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    expect(t).toBeAllclose([[1, 2], [3, 4]]);
    expect(t).toBeAllclose({ shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) });
    expect(Float32Array.of(1, 2)).toBeAllclose([1, 2]);
    expect(tensor(3)).toBeAllclose(3);
    expect(2).toBeAllclose(2 + 1e-9, { rtol: 1e-6 });
    expect([[1, 2]]).not.toBeAllclose([[1, 2.1]]);
  });

  it('reports the worst element by multi-index, both values, the difference and the tolerance', () => {
    const r = allcloseReport([[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5.5, 6.01]], { rtol: 0, atol: 1e-3 });
    expect(r.pass).toBe(false);
    expect(r.message).toBe(
      'expected allclose (rtol=0, atol=0.001), shape [2,3]: 2 of 6 elements differ; worst at index [1,1]: ' +
        'actual 5, expected 5.5, |diff| 0.5 > tolerance 0.001',
    );
  });

  it('checks shapes first, so [3] and [1,3] are not close', () => {
    const r = allcloseReport([1, 2, 3], [[1, 2, 3]]);
    expect(r).toEqual({ pass: false, message: 'expected shape [1,3], got shape [3]' });
    expect(() => expect([1, 2, 3]).toBeAllclose([[1, 2, 3]])).toThrow('expected shape [1,3], got shape [3]');
  });

  it('NaN matches NaN (unless equalNan: false); infinities match only themselves', () => {
    expect(allcloseReport([Number.NaN], [Number.NaN]).pass).toBe(true);
    expect(allcloseReport([Number.NaN], [Number.NaN], { equalNan: false }).pass).toBe(false);
    expect(allcloseReport([0, Number.NaN], [0, 1]).message).toBe(
      'expected allclose (rtol=0.00001, atol=1e-8), shape [2]: 1 of 2 elements differ; worst at index [1]: ' +
        'actual NaN, expected 1, NaN or infinity that the other side does not match',
    );
    expect(allcloseReport([Infinity], [Infinity]).pass).toBe(true);
    expect(allcloseReport([Infinity], [-Infinity]).pass).toBe(false);
    expect(allcloseReport([1e308], [Infinity], { rtol: 10 }).pass).toBe(false);
  });

  it('uses |a − b| ≤ atol + rtol·|expected|', () => {
    expect(allcloseReport([101], [100], { rtol: 0.01, atol: 0 }).pass).toBe(true);
    expect(allcloseReport([101], [100], { rtol: 0.0099, atol: 0 }).pass).toBe(false);
    expect(allcloseReport([0.5], [0], { rtol: 1, atol: 0.5 }).pass).toBe(true);
  });

  it('rejects ragged expectations instead of comparing garbage', () => {
    expect(() => allcloseReport([1, 2], [[1], [2, 3]])).toThrow('toBeAllclose: expected is a ragged nested array at [1]');
  });
});

describe('tolerances', () => {
  it('are the documented ones', () => {
    expect(gradcheck64).toEqual({ eps: 1e-6, atol: 1e-5, rtol: 1e-3 });
    expect(forwardTol('float64').rtol).toBeLessThanOrEqual(1e-12);
    expect(forwardTol('float32').rtol).toBe(1e-5);
    expect(forwardTol('float32', 'sum').rtol).toBeGreaterThan(forwardTol('float32').rtol);
  });
});

describe('arbitraries', () => {
  const sample = <T>(arb: fc.Arbitrary<T>, n = 400): T[] => fc.sample(arb, { numRuns: n, seed: 42 });

  it('shapes cover rank 0..4, size-1 and zero-length axes', () => {
    const shapes = sample(shapeArb());
    for (let r = 0; r <= 4; r++) expect(shapes.some((s) => s.length === r), `rank ${r}`).toBe(true);
    expect(shapes.filter((s) => s.includes(0)).length).toBeGreaterThan(20);
    expect(shapes.filter((s) => s.includes(1)).length).toBeGreaterThan(60);
    expect(shapes.every((s) => s.length <= 4 && s.every((d) => d >= 0 && d <= 5))).toBe(true);
  });

  it('broadcast shape tuples broadcast, and often need to', () => {
    const tuples = sample(broadcastShapesArb(3));
    expect(tuples.every((t) => R.broadcastShape(...t) !== null)).toBe(true);
    const interesting = tuples.filter(([a, b]) => a!.length !== b!.length || a!.some((d, i) => d !== b![i]));
    expect(interesting.length).toBeGreaterThan(150);
  });

  it('tensors come contiguous and as non-contiguous, reversed and broadcast views', () => {
    const ts = sample(anyTensorArb({ dtype: 'float64' }), 600);
    const nonEmpty = ts.filter((t) => t.size > 1);
    expect(nonEmpty.filter((t) => !t.isContiguous()).length).toBeGreaterThan(nonEmpty.length / 3);
    expect(ts.some((t) => t.strides.some((s, i) => s < 0 && t.shape[i]! > 1))).toBe(true);
    expect(ts.some((t) => t.strides.some((s, i) => s === 0 && t.shape[i]! > 1))).toBe(true);
    expect(ts.some((t) => t.offset > 0)).toBe(true);
    expect(ts.some((t) => t.ndim === 0)).toBe(true);
    expect(ts.some((t) => t.size === 0)).toBe(true);
  });

  it('a strided view holds the values in row-major order and NaN everywhere outside it', () => {
    fc.assert(
      fc.property(
        shapeArb({ maxRank: 3 }).chain((s) => fc.tuple(fc.constant(s), tensorArb(s, { dtype: 'float64', layout: 'strided', broadcast: false }))),
        ([s, t]) => {
          expect(t.shape).toEqual(s);
          const values = R.nd(t).data;
          expect(Array.from(values).every(Number.isFinite)).toBe(true);
          const inView = new Set(R.indices(s).map((idx) => idx.reduce((p, i, k) => p + i * t.strides[k]!, t.offset)));
          expect(inView.size).toBe(R.size(s));
          t.data.forEach((v, p) => {
            if (!inView.has(p)) expect(v).toBeNaN();
          });
        },
      ),
      { numRuns: 100 },
    );
    const t = stridedTensor([2, 3], { order: [1, 0], steps: [1, 2], flips: [true, false], bcast: [false, false], lead: 1, tail: 1 }, [1, 2, 3, 4, 5, 6], 'float64');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(t.strides).toEqual([-1, 4]);
    expect(t.offset).toBe(2);
    expect(contiguousTensor([2], [7, 8], 'float32').toArray()).toEqual([7, 8]);
  });

  it('axis arguments are valid, distinct and include every form', () => {
    const axes = sample(fc.integer({ min: 0, max: 4 }).chain((n) => fc.tuple(fc.constant(n), axisArb(n))));
    for (const [n, a] of axes) {
      const norm = axesOf(a, n);
      expect(new Set(norm).size).toBe(norm.length);
      expect(norm.every((x) => x >= 0 && x < n)).toBe(true);
    }
    expect(axes.some(([, a]) => a === undefined)).toBe(true);
    expect(axes.some(([, a]) => typeof a === 'number' && a < 0)).toBe(true);
    expect(axes.some(([, a]) => Array.isArray(a) && a.length > 1)).toBe(true);
  });

  it('value domains are rounded to float32 when stored as float32', () => {
    const ts = sample(tensorArb([3], { dtype: 'float32', domain: domains.real }), 50);
    expect(ts.every((t) => t instanceof Tensor && t.dtype === 'float32')).toBe(true);
  });
});

describe('references', () => {
  it('pySliceIndices matches CPython', () => {
    expect(R.pySliceIndices(10, null, null, -1)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(R.pySliceIndices(10, 8, 2, -2)).toEqual([8, 6, 4]);
    expect(R.pySliceIndices(10, -100, 3)).toEqual([0, 1, 2]);
    expect(R.pySliceIndices(10, 100, null, -3)).toEqual([9, 6, 3, 0]);
    expect(R.pySliceIndices(10, -1, -4, -1)).toEqual([9, 8, 7]);
    expect(R.pySliceIndices(0, null, null, -1)).toEqual([]);
  });

  it('matmulRef, broadcasting, reductions by hand', () => {
    const a = R.fromNested([[1, 2], [3, 4]]), b = R.fromNested([[5, 6], [7, 8]]);
    expect(Array.from(R.matmulRef(a, b).data)).toEqual([19, 22, 43, 50]);
    expect(R.matmulRef(R.fromNested([1, 2]), R.fromNested([3, 4])).shape).toEqual([]);
    expect(R.broadcastShape([2, 1], [3])).toEqual([2, 3]);
    expect(R.broadcastShape([2], [3])).toBeNull();
    const s = R.reduce(R.fromNested([[1, 2, 3], [4, 5, 6]]), [-1], true, R.sumOf);
    expect(s.shape).toEqual([2, 1]);
    expect(Array.from(s.data)).toEqual([6, 15]);
    expect(R.argOf([1, 3, 3], true)).toBe(1);
  });
});
