/** Numerical stability: activations and log-sum-exp style ops stay finite and correct at ±1000 and beyond. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../index.js';
import { DTYPES, domains, shapeArb, tensorArb } from '../../../../testing/arbitraries.js';
import * as R from '../../../../testing/reference.js';
import { forwardTol } from '../../../../testing/tolerances.js';

const LN2 = Math.log(2);
const allFinite = (t: T.Tensor): boolean => t.toTypedArray().every(Number.isFinite);

describe.each(DTYPES)('%s', (dtype) => {
  const t = (v: T.NestedArray): T.Tensor => T.tensor(v, { dtype });

  it('sigmoid(±1000) is 1 and 0, finite, and never NaN', () => {
    const y = T.sigmoid(t([-1000, -100, 0, 100, 1000]));
    expect(allFinite(y)).toBe(true);
    // e^−100 ≈ 3.7e-44 is subnormal in float32: compare it absolutely there.
    expect(y).toBeAllclose([0, Math.exp(-100), 0.5, 1, 1], { rtol: 1e-6, atol: dtype === 'float32' ? 1e-44 : 0 });
    expect(t([-1000, 1000]).sigmoid().toArray()).toEqual([0, 1]);
  });

  it('softplus(x) ≈ x for x = 1000 and ≈ e^x for x = −1000', () => {
    const y = T.softplus(t([-1000, -50, 0, 50, 1000]));
    expect(allFinite(y)).toBe(true);
    expect(y).toBeAllclose([0, Math.exp(-50), LN2, 50, 1000], { rtol: 1e-6, atol: 0 });
  });

  it('logSumExp at ±1000: no overflow, no −∞ from underflow', () => {
    expect(T.logSumExp(t([1000, 1000])).item()).toBeCloseTo(1000 + LN2, dtype === 'float64' ? 10 : 3);
    expect(T.logSumExp(t([-1000, -1000])).item()).toBeCloseTo(-1000 + LN2, dtype === 'float64' ? 10 : 3);
    expect(T.logSumExp(t([1000, -1000])).item()).toBe(1000);
    const rows = T.logSumExp(t([[1000, 999, 998], [-1000, -1001, -1002]]), { axis: 1 });
    const tail = Math.log(1 + Math.exp(-1) + Math.exp(-2));
    expect(allFinite(rows)).toBe(true);
    expect(rows).toBeAllclose([1000 + tail, -1000 + tail], { rtol: 1e-6, atol: 0 });
  });

  it('logSumExp handles infinities: all −∞ gives −∞, any +∞ gives +∞, an empty axis gives −∞', () => {
    expect(T.logSumExp(t([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(T.logSumExp(t([Infinity, 0])).item()).toBe(Infinity);
    expect(T.logSumExp(t([-Infinity, 0])).item()).toBe(0);
    expect(T.logSumExp(T.zeros([2, 0], { dtype }), { axis: 1 }).toArray()).toEqual([-Infinity, -Infinity]);
  });

  it('logSoftmax and softmax at ±1000', () => {
    const ls = T.logSoftmax(t([1000, 0, -1000]));
    expect(allFinite(ls)).toBe(true);
    expect(ls).toBeAllclose([0, -1000, -2000], { rtol: 1e-6, atol: 1e-6 });
    const s = T.softmax(t([[1000, 1000], [-1000, 1000]]));
    expect(s).toBeAllclose([[0.5, 0.5], [0, 1]], { rtol: 1e-6, atol: 0 });
    expect(T.logSoftmax(t([[-1000, -1000]]), 1)).toBeAllclose([[-LN2, -LN2]], { rtol: 1e-6, atol: 0 });
  });

  it('over the wide domain [−1000, 1000] every result is finite and matches the float64 reference', () => {
    let nonEmpty = 0;
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, minSize: 1, maxRank: 3 }).chain((s) => tensorArb(s, { dtype, domain: domains.wide })),
        (x) => {
          const r = R.nd(x);
          const tol = forwardTol(dtype, 'sum');
          for (const y of [T.sigmoid(x), T.softplus(x), T.logSumExp(x, { axis: -1 }), T.logSoftmax(x), T.softmax(x)]) {
            expect(allFinite(y)).toBe(true);
          }
          expect(T.sigmoid(x)).toBeAllclose(R.map(r, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)))), tol);
          expect(T.softplus(x)).toBeAllclose(R.map(r, (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))), tol);
          expect(T.logSumExp(x, { axis: -1 })).toBeAllclose(R.reduce(r, -1, false, R.logSumExpOf), tol);
          expect(T.logSoftmax(x)).toBeAllclose(R.logSoftmaxRef(r, x.ndim - 1), tol);
          nonEmpty++;
        },
      ),
      { numRuns: 60 },
    );
    expect(nonEmpty).toBe(60);
  });
});
