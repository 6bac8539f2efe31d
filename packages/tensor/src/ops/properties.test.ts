/**
 * Algebraic properties that hold whatever the reference says: involutions, round trips, commutativity, sums
 * by parts, associativity, and which ops are views (sharing storage) versus copies. (That no op mutates its
 * inputs is checked for every op and every draw by spec.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../index.js';
import type { Tensor } from '../tensor.js';
import {
  DTYPES, anyTensorArb, axisArb, broadcastShapesArb, shapeArb, tensorArb, type DomainName, domains,
} from '../../../../testing/arbitraries.js';
import { forwardTol, forward64 } from '../../../../testing/tolerances.js';

const RUNS = 80;
const exact = { rtol: 0, atol: 0 };
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const permArb = (n: number): fc.Arbitrary<number[]> => fc.shuffledSubarray(range(n), { minLength: n, maxLength: n });
const inverse = (p: readonly number[]): number[] => p.map((_, i) => p.indexOf(i));

/** x with a random permutation, for permutation properties. */
const withPerm = (dtype: T.DType): fc.Arbitrary<[Tensor, number[]]> =>
  shapeArb().chain((s) => fc.tuple(tensorArb(s, { dtype }), permArb(s.length)));

describe.each(DTYPES)('%s', (dtype) => {
  it('transpose is an involution, and permute by p then p⁻¹ is the identity; both are views', () => {
    fc.assert(
      fc.property(withPerm(dtype), ([x, p]) => {
        const tt = T.transpose(T.transpose(x));
        expect(tt.shape).toEqual(x.shape);
        expect(tt).toBeAllclose(x, exact);
        expect(tt.data).toBe(x.data);
        const back = x.permute(p).permute(inverse(p));
        expect(back.shape).toEqual(x.shape);
        expect(back.strides).toEqual(x.strides);
        expect(back).toBeAllclose(x, exact);
        expect(x.permute(p).data).toBe(x.data);
      }),
      { numRuns: RUNS },
    );
  });

  it('reshape round-trips, and is a view exactly when its input is contiguous', () => {
    fc.assert(
      fc.property(
        anyTensorArb({ dtype }).chain((x) => fc.tuple(fc.constant(x), fc.shuffledSubarray(x.shape.slice(), { minLength: x.ndim, maxLength: x.ndim }))),
        ([x, s]) => {
          const y = T.reshape(x, s);
          expect(y.shape).toEqual(s);
          expect(Array.from(y.toTypedArray())).toEqual(Array.from(x.toTypedArray()));
          const back = y.reshape(x.shape.slice());
          expect(back).toBeAllclose(x, exact);
          expect(y.data === x.data).toBe(x.isContiguous());
          expect(T.flatten(x).shape).toEqual([x.size]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('broadcasting commutes for add and mul, bit for bit', () => {
    fc.assert(
      fc.property(
        broadcastShapesArb(2).chain(([sa, sb]) => fc.tuple(tensorArb(sa!, { dtype }), tensorArb(sb!, { dtype }))),
        ([a, b]) => {
          const ab = T.add(a, b), ba = T.add(b, a);
          expect(ab.shape).toEqual(ba.shape);
          expect(ab).toBeAllclose(ba, exact);
          expect(a.mul(b)).toBeAllclose(b.mul(a), exact);
          // broadcasting an operand explicitly first changes nothing
          expect(T.add(T.broadcastTo(a, ab.shape), b)).toBeAllclose(ab, exact);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('sum over all axes equals summing each axis in turn (in any order), and over an axis list', () => {
    const tol = forwardTol(dtype, 'sum');
    fc.assert(
      fc.property(withPerm(dtype), ([x, order]) => {
        const all = T.sum(x);
        let y = x;
        // reduce axes in the random order, tracking where each remaining axis went
        const remaining = range(x.ndim);
        for (const ax of order) {
          const pos = remaining.indexOf(ax);
          y = y.sum({ axis: pos });
          remaining.splice(pos, 1);
        }
        expect(y.shape).toEqual([]);
        expect(y).toBeAllclose(all, tol);
        expect(T.sum(x, { axis: order })).toBeAllclose(all, tol);
        expect(T.sum(x, { axis: order, keepDims: true }).shape).toEqual(x.shape.map(() => 1));
      }),
      { numRuns: RUNS },
    );
  });

  it('mean × count = sum, and keepDims only reshapes', () => {
    fc.assert(
      fc.property(
        shapeArb({ minSize: 1 }).chain((s) => fc.tuple(tensorArb(s, { dtype }), axisArb(s.length))),
        ([x, axis]) => {
          const s = T.sum(x, { axis });
          const n = x.size / Math.max(s.size, 1);
          expect(T.mean(x, { axis }).mul(n)).toBeAllclose(s, forwardTol(dtype, 'sum'));
          const k = T.sum(x, { axis, keepDims: true });
          expect(k.reshape(s.shape.slice())).toBeAllclose(s, exact);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('softmax rows sum to 1 and logSoftmax = log(softmax)', () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, minSize: 1 }).chain((s) => fc.tuple(tensorArb(s, { dtype, domain: domains.real }), fc.integer({ min: -s.length, max: s.length - 1 }))),
        ([x, axis]) => {
          const p = T.softmax(x, axis);
          expect(T.sum(p, { axis })).toBeAllclose(T.ones(T.sum(x, { axis }).shape), forwardTol(dtype, 'sum'));
          expect(T.logSoftmax(x, axis)).toBeAllclose(T.log(p), forwardTol(dtype, 'sum'));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('float64', () => {
  it('matmul is associative within tolerance, batched and with views', () => {
    const dim = fc.integer({ min: 1, max: 5 });
    fc.assert(
      fc.property(
        fc.record({ m: dim, k: dim, l: dim, n: dim, batch: broadcastShapesArb(3, { maxRank: 2, maxSize: 3 }) }).chain(({ m, k, l, n, batch }) =>
          fc.tuple(
            tensorArb([...batch[0]!, m, k], { dtype: 'float64' }),
            tensorArb([...batch[1]!, k, l], { dtype: 'float64' }),
            tensorArb([...batch[2]!, l, n], { dtype: 'float64' }),
          ),
        ),
        ([a, b, c]) => {
          const left = T.matmul(T.matmul(a, b), c);
          const right = a.matmul(b.matmul(c));
          expect(left.shape).toEqual(right.shape);
          expect(left).toBeAllclose(right, { rtol: 1e-10, atol: 1e-10 });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('matmul distributes over add', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([m, k, n]) =>
          fc.tuple(tensorArb([m, k], { dtype: 'float64' }), tensorArb([k, n], { dtype: 'float64' }), tensorArb([k, n], { dtype: 'float64' })),
        ),
        ([a, b, c]) => {
          expect(T.matmul(a, T.add(b, c))).toBeAllclose(T.add(T.matmul(a, b), T.matmul(a, c)), { rtol: 1e-12, atol: 1e-12 });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('(AB)ᵀ = BᵀAᵀ with transposed views as operands', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })).chain(([m, k, n]) =>
          fc.tuple(tensorArb([m, k], { dtype: 'float64' }), tensorArb([k, n], { dtype: 'float64' })),
        ),
        ([a, b]) => {
          expect(T.matmul(a, b).transpose()).toBeAllclose(T.matmul(b.transpose(), a.transpose()), forward64);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('views share storage; copies do not', () => {
  const base = (): Tensor => T.arange(24).reshape([2, 3, 4]);

  it('slice, transpose, permute, expandDims, squeeze, broadcastTo, split, reshape and contiguous of a contiguous tensor are views', () => {
    const x = base();
    const views: [string, Tensor][] = [
      ['slice', x.slice([1, [null, null, -1], [1, 3]])],
      ['transpose', x.transpose()],
      ['permute', x.permute([2, 0, 1])],
      ['expandDims', x.expandDims(1)],
      ['squeeze', x.expandDims(0).squeeze()],
      ['broadcastTo', x.slice([[0, 1]]).broadcastTo([5, 3, 4])],
      ['expand', x.expand([2, 2, 3, 4])],
      ['split', x.split(2, 2)[1]!],
      ['reshape', x.reshape([6, 4])],
      ['flatten', x.flatten(1)],
      ['contiguous', x.contiguous()],
    ];
    for (const [name, v] of views) expect(v.data, name).toBe(x.data);
    expect(x.contiguous()).toBe(x);
  });

  it('a view reads the base: a slice with a negative step walks backwards', () => {
    const x = base();
    const v = x.slice([1, [null, null, -1], [1, 3]]);
    expect(v.shape).toEqual([3, 2]);
    expect(v.strides).toEqual([-4, 1]);
    expect(v.toArray()).toEqual([[21, 22], [17, 18], [13, 14]]);
  });

  it('concat, stack, pad, gather, arithmetic and contiguous of a non-contiguous tensor copy', () => {
    const x = base();
    const t = x.transpose();
    const copies: [string, Tensor][] = [
      ['concat', T.concat([x, x])],
      ['stack', T.stack([x])],
      ['pad', x.pad(0)],
      ['gather', x.gather([0, 1])],
      ['add', x.add(0)],
      ['contiguous', t.contiguous()],
      ['reshape of a transposed view', t.reshape([24])],
    ];
    for (const [name, c] of copies) expect(c.data, name).not.toBe(x.data);
    expect(t.contiguous().isContiguous()).toBe(true);
  });

  it('ops on overlapping views of one buffer leave the buffer untouched', () => {
    const x = T.arange(12, undefined, 1, { dtype: 'float64' }).reshape([3, 4]);
    const before = x.data.slice();
    const a = x.slice([[0, 2]]), b = x.slice([[1, 3]]).transpose().transpose();
    const results = [a.add(b), a.mul(b), T.where(a.greater(5), a, b), a.sum({ axis: 0 }), T.matmul(a, b.transpose()), a.softmax(), a.clamp(2, 5)];
    expect(results.every((r) => r.data !== x.data)).toBe(true);
    expect(Array.from(x.data)).toEqual(Array.from(before));
  });
});

describe('domains used by the properties are what they claim', () => {
  it.each(['positive', 'nonzero', 'aboveMinusOne'] as DomainName[])('%s', (name) => {
    fc.assert(
      fc.property(domains[name].values, (v) => {
        if (name === 'positive') expect(v).toBeGreaterThan(0);
        if (name === 'nonzero') expect(Math.abs(v)).toBeGreaterThanOrEqual(0.25);
        if (name === 'aboveMinusOne') expect(v).toBeGreaterThan(-1);
      }),
      { numRuns: 200 },
    );
  });
});
