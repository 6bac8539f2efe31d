/** Elementwise edge cases the property table does not reach: scalars, dtypes, NaN, infinities, signed zero, allclose. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../index.js';
import { DTYPES, broadcastShapesArb, domains, tensorArb, type Domain } from '../../../../testing/arbitraries.js';
import * as R from '../../../../testing/reference.js';

const f64 = (v: T.NestedArray): T.Tensor => T.tensor(v, { dtype: 'float64' });

describe('numbers as scalars', () => {
  it('a number on either side broadcasts as a rank-0 tensor of the other operand’s dtype', () => {
    const x = f64([[1, 2], [3, 4]]);
    const r = T.sub(10, x);
    expect(r.dtype).toBe('float64');
    expect(r.toArray()).toEqual([[9, 8], [7, 6]]);
    expect(x.div(2).toArray()).toEqual([[0.5, 1], [1.5, 2]]);
    expect(T.pow(2, f64([0, 3])).toArray()).toEqual([1, 8]);
    expect(T.tensor([1, 2]).add(0.1).toArray()).toEqual([Math.fround(1 + Math.fround(0.1)), Math.fround(2 + Math.fround(0.1))]);
  });

  it('two numbers give a float32 rank-0 tensor', () => {
    const r = T.add(2, 3);
    expect(r.shape).toEqual([]);
    expect(r.dtype).toBe('float32');
    expect(r.item()).toBe(5);
  });

  it('a rank-0 tensor broadcasts against anything, and an empty axis gives an empty result', () => {
    expect(T.mul(f64(3), f64([[1], [2]])).toArray()).toEqual([[3], [6]]);
    const e = T.add(T.zeros([0, 3]), T.ones([1, 3]));
    expect(e.shape).toEqual([0, 3]);
    expect(T.add(T.zeros([2, 1]), T.zeros([1, 0])).shape).toEqual([2, 0]);
  });
});

describe('IEEE behaviour', () => {
  it('division by zero gives ±Infinity and 0/0 gives NaN', () => {
    const r = T.div(f64([1, -1, 0]), 0).toTypedArray();
    expect(r[0]).toBe(Infinity);
    expect(r[1]).toBe(-Infinity);
    expect(r[2]).toBeNaN();
    expect(T.reciprocal(f64([0, -0])).toArray()).toEqual([Infinity, -Infinity]);
  });

  it('maximum and minimum propagate NaN from either side', () => {
    const a = f64([Number.NaN, 1, 2]), b = f64([1, Number.NaN, 1]);
    for (const r of [T.maximum(a, b), T.minimum(a, b), b.maximum(a), b.minimum(a)]) {
      const v = r.toTypedArray();
      expect(Number.isNaN(v[0]!) && Number.isNaN(v[1]!)).toBe(true);
    }
    expect(T.maximum(a, b).toTypedArray()[2]).toBe(2);
    expect(T.minimum(a, b).toTypedArray()[2]).toBe(1);
  });

  it('sign keeps zeros (with their sign) and NaN; relu and abs keep NaN', () => {
    const s = T.sign(f64([-0, 0, Number.NaN, -2, 3])).toTypedArray();
    expect(Object.is(s[0], -0)).toBe(true);
    expect(Object.is(s[1], 0)).toBe(true);
    expect(s[2]).toBeNaN();
    expect([s[3], s[4]]).toEqual([-1, 1]);
    expect(T.relu(f64([Number.NaN])).toTypedArray()[0]).toBeNaN();
    expect(T.relu(f64([-2, 0, 2])).toArray()).toEqual([0, 0, 2]);
    expect(T.abs(f64([-0, -Infinity])).toArray()).toEqual([0, Infinity]);
  });

  it('relu (branch-free for float32, redone per row on a non-finite value) equals max(x, 0) in both dtypes', () => {
    const special = [-Infinity, Infinity, Number.NaN, -0, 0, -3.4e38, 3.4e38, -1e-45, 1e-45, -1.5, 2.25];
    // Rows of the strided iterator: a contiguous run, a transposed view (strided rows), rows with and without
    // a non-finite value next to finite ones.
    const ref = (v: number): number => (Number.isNaN(v) ? Number.NaN : v > 0 ? v : 0);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...special), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<T.DType>('float32', 'float64'),
        (vals, cols, dtype) => {
          const rows = Math.ceil(vals.length / cols);
          const data = Array.from({ length: rows * cols }, (_, i) => vals[i % vals.length]!);
          const x = T.tensor(data, { dtype, shape: [rows, cols] });
          for (const t of [x, T.transpose(x)]) {
            const got = T.relu(t).toTypedArray();
            const want = T.contiguous(t).toTypedArray();
            for (let i = 0; i < got.length; i++) {
              const r = ref(want[i]!);
              if (Number.isNaN(r)) expect(got[i]).toBeNaN();
              else expect(got[i]).toBe(r); // toBe: +0 for −0, as Object.is
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reluBackward is g where x > 0, else +0, over broadcast shapes, strided layouts and both dtypes', () => {
    // The values where a select and a product with the mask part: ±0, negative and non-finite g where x ≤ 0 or NaN.
    const values = fc.oneof(fc.constantFrom(-Infinity, Infinity, Number.NaN, -0, 0, -1.5, 2.25), domains.real.values);
    const domain = { ...domains.real, values };
    const expectRule = (g: T.Tensor, x: T.Tensor, got: T.Tensor): void => {
      const shape = T.broadcastShapes('test', g.shape, x.shape);
      expect([got.shape, got.dtype]).toEqual([shape, g.dtype]);
      const gb = T.broadcastTo(g, shape).toTypedArray(), xb = T.broadcastTo(x, shape).toTypedArray(), out = got.toTypedArray();
      for (let i = 0; i < out.length; i++) {
        const want = xb[i]! > 0 ? gb[i]! : 0;
        const f = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
        if (!Object.is(out[i], want)) expect.fail(`reluBackward(${f(gb[i]!)}, ${f(xb[i]!)}) = ${f(out[i]!)}, expected ${f(want)}`);
      }
    };
    for (const dtype of DTYPES) {
      fc.assert(fc.property(
        broadcastShapesArb(2).chain(([gs, xs]) => fc.tuple(tensorArb(gs!, { dtype, domain }), tensorArb(xs!, { dtype, domain }))),
        ([g, x]) => expectRule(g, x, T.reluBackward(g, x)),
      ), { numRuns: 200 });
    }
    // Rows long enough for the wasm kernel (and the same values on the TypeScript rows).
    const n = 1000, g = T.tensor(Array.from({ length: n }, (_, i) => [Infinity, -2, -0, Number.NaN, 3][i % 5]!));
    const x = T.tensor(Array.from({ length: n }, (_, i) => [1, -1, 0, 2, Number.NaN, -0, 5][i % 7]!));
    const before = T.getBackend();
    try {
      for (const backend of ['wasm', 'js'] as const) {
        T.setBackend(backend);
        expectRule(g, x, T.reluBackward(g, x));
      }
    } finally {
      T.setBackend(before);
    }
  });

  it('comparisons store exactly 1 or 0 (branch-free rows), NaN comparing false except notEqual', () => {
    const vals = [-Infinity, -1, -0, 0, 1, Infinity, Number.NaN];
    const a = f64(vals.flatMap((v) => vals.map(() => v)));
    const b = f64(vals.flatMap(() => vals));
    const ops: [string, (a: T.Tensor, b: T.Tensor) => T.Tensor, (x: number, y: number) => boolean][] = [
      ['equal', T.equal, (x, y) => x === y], ['notEqual', T.notEqual, (x, y) => x !== y],
      ['greater', T.greater, (x, y) => x > y], ['greaterEqual', T.greaterEqual, (x, y) => x >= y],
      ['less', T.less, (x, y) => x < y], ['lessEqual', T.lessEqual, (x, y) => x <= y],
    ];
    for (const dtype of ['float32', 'float64'] as const) {
      const x = a.astype(dtype), y = b.astype(dtype);
      for (const [name, op, want] of ops) {
        const got = Array.from(op(x, y).toTypedArray());
        expect(got, name).toEqual(Array.from(a.toTypedArray(), (v, i) => (want(v, b.toTypedArray()[i]!) ? 1 : 0)));
      }
    }
  });

  it('comparisons with NaN are false, except notEqual', () => {
    const a = f64([Number.NaN]), b = f64([Number.NaN]);
    expect([T.equal(a, b), T.greater(a, b), T.greaterEqual(a, b), T.less(a, b), T.lessEqual(a, b)].map((t) => t.item())).toEqual([0, 0, 0, 0, 0]);
    expect(T.notEqual(a, b).item()).toBe(1);
  });

  it('pow follows Math.pow: negative bases with integer exponents, NaN otherwise', () => {
    const r = T.pow(f64([-2, -2, 0, 4]), f64([3, 0.5, 0, -0.5])).toTypedArray();
    expect(r[0]).toBe(-8);
    expect(r[1]).toBeNaN();
    expect(r[2]).toBe(1);
    expect(r[3]).toBe(0.5);
  });

  it('log, sqrt and rsqrt at the edges of their domains', () => {
    expect(T.log(f64([0, 1])).toArray()).toEqual([-Infinity, 0]);
    expect(T.log(f64([-1])).toTypedArray()[0]).toBeNaN();
    expect(T.sqrt(f64([0, 4])).toArray()).toEqual([0, 2]);
    expect(T.rsqrt(f64([0, 4])).toArray()).toEqual([Infinity, 0.5]);
    expect(T.log1p(f64([1e-20])).item()).toBe(1e-20);
    expect(T.expm1(f64([1e-20])).item()).toBe(1e-20);
  });
});

describe('clamp and where', () => {
  it('clamp with one bound, both, and equal bounds', () => {
    const x = f64([-2, -0.5, 0.5, 2]);
    expect(T.clamp(x, -1).toArray()).toEqual([-1, -0.5, 0.5, 2]);
    expect(T.clamp(x, undefined, 1).toArray()).toEqual([-2, -0.5, 0.5, 1]);
    expect(x.clamp(-1, 1).toArray()).toEqual([-1, -0.5, 0.5, 1]);
    expect(x.clamp(0, 0).toArray()).toEqual([0, 0, 0, 0]);
    expect(T.clamp(x).toArray()).toEqual([-2, -0.5, 0.5, 2]);
  });

  it('where takes any nonzero (and NaN) condition as true; the condition may have the other dtype', () => {
    const cond = T.tensor([1, 0, -3, Number.NaN]);
    const r = T.where(cond, f64([1, 2, 3, 4]), f64([-1, -2, -3, -4]));
    expect(r.dtype).toBe('float64');
    expect(r.toArray()).toEqual([1, -2, 3, 4]);
  });

  it('where with two number branches takes the condition’s dtype', () => {
    expect(T.where(f64([1, 0]), 1, 0).dtype).toBe('float64');
    expect(T.where(T.tensor([1, 0]), 1, 0).dtype).toBe('float32');
    expect(T.where(f64([1, 0]), 5, -5).toArray()).toEqual([5, -5]);
  });

  it('where broadcasts all three operands', () => {
    const r = f64([[1], [0]]).where(f64([10, 20, 30]), -1);
    expect(r.toArray()).toEqual([[10, 20, 30], [-1, -1, -1]]);
  });
});

describe('allclose', () => {
  it('uses |a − b| ≤ atol + rtol·|b| with broadcasting', () => {
    expect(T.allclose(f64([1, 2]), f64([1 + 1e-9, 2]))).toBe(true);
    expect(T.allclose(f64([1, 2]), f64([1.1, 2]))).toBe(false);
    expect(T.allclose(f64([[1, 1], [1, 1]]), 1)).toBe(true);
    expect(f64([100]).allclose(f64([101]), { rtol: 0.01 })).toBe(true);
    expect(f64([100]).allclose(f64([101]), { rtol: 0.001 })).toBe(false);
  });

  it('NaN equals NaN only with equalNan; infinities equal only themselves', () => {
    expect(T.allclose(f64([Number.NaN]), f64([Number.NaN]))).toBe(false);
    expect(T.allclose(f64([Number.NaN]), f64([Number.NaN]), { equalNan: true })).toBe(true);
    expect(T.allclose(f64([Infinity]), f64([Infinity]))).toBe(true);
    expect(T.allclose(f64([Infinity]), f64([-Infinity]))).toBe(false);
    expect(T.allclose(f64([1e308]), f64([Infinity]), { rtol: 1 })).toBe(false);
  });

  it('compares across dtypes', () => {
    expect(T.allclose(T.tensor([0.1]), f64([0.1]))).toBe(true);
    expect(T.allclose(T.tensor([0.1]), f64([0.1]), { rtol: 0, atol: 0 })).toBe(false);
  });
});

describe('allclose against its rule, over broadcast pairs with NaN and infinities', () => {
  const special: Domain = {
    name: 'special',
    values: fc.oneof(
      { arbitrary: fc.integer({ min: -2, max: 2 }), weight: 8 },
      { arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity), weight: 1 },
    ),
  };
  const rule = (x: number, y: number, rtol: number, atol: number, equalNan: boolean): boolean => {
    if (Number.isNaN(x) && Number.isNaN(y)) return equalNan;
    if (x === y) return true;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
    return Math.abs(x - y) <= atol + rtol * Math.abs(y);
  };

  it.each(DTYPES)('%s', (dtype) => {
    const outcomes = [0, 0];
    fc.assert(
      fc.property(
        broadcastShapesArb(2, { maxRank: 2, maxSize: 3 }).chain(([sa, sb]) =>
          fc.tuple(tensorArb(sa!, { dtype, domain: special }), tensorArb(sb!, { dtype, domain: special })),
        ),
        fc.constantFrom(0, 0.5), fc.constantFrom(0, 1), fc.boolean(),
        ([a, b], rtol, atol, equalNan) => {
          const ref = R.zipN([R.nd(a), R.nd(b)], (x, y) => (rule(x, y, rtol, atol, equalNan) ? 1 : 0));
          const expected = ref.data.every((v) => v === 1);
          expect(T.allclose(a, b, { rtol, atol, equalNan })).toBe(expected);
          expect(a.allclose(b, { rtol, atol, equalNan })).toBe(expected);
          outcomes[expected ? 1 : 0]!++;
        },
      ),
      { numRuns: 150 },
    );
    expect(Math.min(...outcomes)).toBeGreaterThan(20);
  });
});
