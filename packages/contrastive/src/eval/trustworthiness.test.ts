/** Trustworthiness against a brute-force implementation of the formula, NumPy-computed values and its extremes. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, ShapeError, ValueError, matmul, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { trustworthiness } from './trustworthiness.js';

type Rows = number[][];

/** The formula straight from its definition: full rank tables by sorting (distance, index), O(n² log n). */
function bruteForce(X: Rows, Z: Rows, k: number): number {
  const n = X.length;
  const order = (P: Rows, i: number): number[] => {
    const d = P.map((p) => p.reduce((s, v, c) => s + (v - P[i]![c]!) ** 2, 0));
    return P.map((_, j) => j).filter((j) => j !== i).sort((a, b) => d[a]! - d[b]! || a - b);
  };
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const inputOrder = order(X, i);
    const rank = new Map(inputOrder.map((j, r) => [j, r + 1]));
    const inputNbrs = new Set(inputOrder.slice(0, k));
    for (const j of order(Z, i).slice(0, k)) if (!inputNbrs.has(j)) sum += rank.get(j)! - k;
  }
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * sum;
}

describe('trustworthiness', () => {
  it('matches the brute-force formula on small random sets with ties (fast-check)', () => {
    const arb = fc
      .record({ n: fc.integer({ min: 3, max: 24 }), d: fc.constantFrom(1, 2, 3, 10), p: fc.constantFrom(1, 2) })
      .chain(({ n, d, p }) =>
        fc.record({
          X: fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: d, maxLength: d }), { minLength: n, maxLength: n }),
          Z: fc.array(fc.array(fc.integer({ min: -2, max: 2 }), { minLength: p, maxLength: p }), { minLength: n, maxLength: n }),
          k: fc.integer({ min: 1, max: Math.ceil(n / 2) - 1 }),
        }),
      );
    fc.assert(
      fc.property(arb, ({ X, Z, k }) => {
        expect(trustworthiness(tensor(X), tensor(Z), { k })).toBeCloseTo(bruteForce(X, Z, k), 12);
      }),
      { numRuns: 200 },
    );
  });

  it("matches scikit-learn's algorithm (replicated in NumPy) on a fixed set", () => {
    const X = Array.from({ length: 30 }, (_, i) => [Math.sin(i), Math.cos(2 * i), Math.sin(3 * i + 1)]);
    const Z = Array.from({ length: 30 }, (_, i) => [Math.sin(i) + 0.3 * Math.cos(5 * i), Math.cos(2 * i)]);
    const expected: [number, number][] = [[1, 0.8523809523809524], [3, 0.9048888888888889], [5, 0.9181818181818182], [10, 0.9142528735632184]];
    for (const [k, t] of expected) {
      expect(trustworthiness(tensor(X, { dtype: 'float64' }), tensor(Z, { dtype: 'float64' }), { k })).toBeCloseTo(t, 14);
    }
  });

  it('is 1 for an isometric embedding (a rotation), and much lower for a shuffled one', () => {
    const g = new Generator(8);
    const X = g.normal([300, 3], { dtype: 'float64' }); // 300 rows: two distance blocks
    const [c, s] = [Math.cos(0.7), Math.sin(0.7)];
    const R = tensor([[c, -s, 0], [s, c, 0], [0, 0, 1]], { dtype: 'float64' });
    const rotated = matmul(X, R).add(5);
    expect(trustworthiness(X, rotated, { k: 5 })).toBe(1);
    expect(trustworthiness(X, rotated, { k: 12 })).toBe(1);
    const shuffled = rotated.gather(Array.from(g.permutation(300)), 0);
    const t = trustworthiness(X, shuffled, { k: 5 });
    expect(t).toBeLessThan(0.7);
    expect(t).toBeGreaterThan(0.3);
    // Dropping a dimension keeps most, but not all, neighbourhoods.
    const flat = trustworthiness(X, rotated.slice([[], [0, 2]]), { k: 5 });
    expect(flat).toBeLessThan(1);
    expect(flat).toBeGreaterThan(t);
  });

  it('errors: k out of range, row counts that differ', () => {
    const X = tensor([[0], [1], [2], [3], [4], [5]]);
    expectError(() => trustworthiness(X, X, { k: 3 }), ValueError,
      '[trustworthiness] k must be an integer with 1 <= k < n/2 = 3: got k = 3');
    expectError(() => trustworthiness(X, X, { k: 0 }), ValueError,
      '[trustworthiness] k must be an integer with 1 <= k < n/2 = 3: got k = 0');
    expectError(() => trustworthiness(X, tensor([[0], [1]]), { k: 1 }), ShapeError,
      '[trustworthiness] X and Z must have one row per point: got [6,1] and [2,1]');
  });
});
