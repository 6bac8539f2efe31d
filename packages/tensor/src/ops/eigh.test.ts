/**
 * eigh: the defining properties on random symmetric matrices (A·Q = Q·diag(w), QᵀQ = I, w ascending, the sign
 * convention), against the naive Jacobi reference in testing/, against values from PyTorch's
 * torch.linalg.eigh, the subset path against the full one, float32, views, scaling extremes and the errors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../index.js';
import { expectError } from '../../../../testing/errors.js';
import { jacobiEigh } from '../../../../testing/eigh-reference.js';

/** max |A·Q − Q·diag(w)|, max |QᵀQ − I| over the returned m columns, and whether w ascends. */
function check(A: Float64Array, n: number, w: ArrayLike<number>, Q: ArrayLike<number>, m: number) {
  let residual = 0, ortho = 0;
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k]! * Q[k * m + c]!;
      residual = Math.max(residual, Math.abs(s - w[c]! * Q[i * m + c]!));
    }
    for (let c2 = 0; c2 < m; c2++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[k * m + c]! * Q[k * m + c2]!;
      ortho = Math.max(ortho, Math.abs(s - (c === c2 ? 1 : 0)));
    }
  }
  const ascending = Array.from(w).every((v, i) => i === 0 || v >= w[i - 1]!);
  return { residual, ortho, ascending };
}

/** The sign convention: in each column the first component of largest magnitude (up to 1e-8) is positive. */
function signed(Q: ArrayLike<number>, n: number, m: number): boolean {
  for (let c = 0; c < m; c++) {
    let big = 0;
    for (let r = 0; r < n; r++) big = Math.max(big, Math.abs(Q[r * m + c]!));
    let r = 0;
    while (r < n - 1 && Math.abs(Q[r * m + c]!) < big * (1 - 1e-8)) r++;
    if (!(Q[r * m + c]! > 0)) return false;
  }
  return true;
}

/** Symmetric n×n matrices: random doubles, or small integers (repeated eigenvalues, zero rows, diagonal ones). */
const symmetric = fc.integer({ min: 1, max: 16 }).chain((n) =>
  fc
    .oneof(
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n * n, maxLength: n * n }),
      fc.array(fc.integer({ min: -1, max: 1 }), { minLength: n * n, maxLength: n * n }),
      fc.array(fc.constantFrom(0, 0, 0, 2), { minLength: n * n, maxLength: n * n }),
    )
    .map((raw) => {
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = raw[i * n + j]!;
      return { A, n };
    }),
);

const normOf = (A: Float64Array): number => Math.max(1, Math.sqrt(A.reduce((s, v) => s + v * v, 0)));
const f64 = (A: Float64Array, n: number): T.Tensor => new T.Tensor(A.slice(), [n, n]);

/** The smallest gap between the eigenvalues at positions [lo, hi] and their neighbours (Infinity if none). */
function gapAround(w: ArrayLike<number>, lo: number, hi: number): number {
  let gap = Infinity;
  for (let i = Math.max(lo, 1); i <= Math.min(hi + 1, w.length - 1); i++) gap = Math.min(gap, w[i]! - w[i - 1]!);
  return gap;
}

describe('eigh', () => {
  it('A·Q = Q·diag(w), QᵀQ = I, w ascending, signs fixed, trace = Σw; input untouched (fast-check, n ≤ 16)', () => {
    fc.assert(
      fc.property(symmetric, ({ A, n }) => {
        const a = f64(A, n);
        const { eigenvalues, eigenvectors } = T.eigh(a);
        expect(a.data).toEqual(A);
        expect(eigenvalues.shape).toEqual([n]);
        expect(eigenvectors.shape).toEqual([n, n]);
        expect(eigenvalues.dtype).toBe('float64');
        const c = check(A, n, eigenvalues.data, eigenvectors.data, n);
        expect(c.ascending).toBe(true);
        expect(c.residual).toBeLessThan(1e-12 * normOf(A) * n);
        expect(c.ortho).toBeLessThan(1e-12 * n);
        expect(signed(eigenvectors.data, n, n)).toBe(true);
        let tr = 0;
        for (let i = 0; i < n; i++) tr += A[i * n + i]!;
        expect(Array.from(eigenvalues.data).reduce((s, v) => s + v, 0)).toBeCloseTo(tr, 9);
      }),
      { numRuns: 200 },
    );
  });

  it('matches the Jacobi reference: eigenvalues always, eigenvectors where the eigenvalues are separated', () => {
    fc.assert(
      fc.property(symmetric, ({ A, n }) => {
        const { eigenvalues, eigenvectors } = T.eigh(f64(A, n));
        const ref = jacobiEigh(A, n);
        const scale = normOf(A);
        expect(eigenvalues.data).toBeAllclose(ref.values, { atol: 1e-11 * scale, rtol: 0 });
        for (let c = 0; c < n; c++) {
          const gap = gapAround(ref.values, c, c);
          if (gap < 1e-3 * scale) continue; // a (near-)repeated eigenvalue has no unique eigenvector
          // Up to sign: where two components tie in magnitude, rounding picks which one the sign convention
          // reads (the convention itself is checked by the property test above).
          let dot = 0;
          for (let r = 0; r < n; r++) dot += eigenvectors.data[r * n + c]! * ref.vectors[r * n + c]!;
          const sign = dot < 0 ? -1 : 1;
          for (let r = 0; r < n; r++) {
            expect(Math.abs(eigenvectors.data[r * n + c]! - sign * ref.vectors[r * n + c]!)).toBeLessThan(1e-8 * scale / Math.min(gap, scale));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with PyTorch (torch.linalg.eigh, float64, columns signed as eigh signs them)', () => {
    const a = T.tensor([[4, 1, -2, 0.5], [1, 3, 0, -1], [-2, 0, 5, 2], [0.5, -1, 2, -1]], { dtype: 'float64' });
    // torch 1.13: w, Q = torch.linalg.eigh(a); each column of Q multiplied by the sign of its largest |entry|.
    const w = [-2.064829656354515, 2.6149536984062784, 3.5222134156377662, 6.927662542310468];
    const Q = [
      [-0.21410176399909597, -0.629022986420871, 0.4874142135744154, -0.5664961620454979],
      [0.21961433263637475, 0.6450217775180207, 0.7064649102817352, -0.1913734097746933],
      [-0.314886342347049, -0.20826702585586, 0.49929463121452017, 0.7798565948844753],
      [0.8982074208981203, -0.38065973654015023, 0.1184887597479616, 0.18515401112079916],
    ];
    const r = T.eigh(a);
    expect(r.eigenvalues).toBeAllclose(w, { atol: 1e-13, rtol: 0 });
    expect(r.eigenvectors).toBeAllclose(Q, { atol: 1e-13, rtol: 0 });
    // The reference agrees with PyTorch too, so the property test above compares against a checked oracle.
    const j = jacobiEigh(a.data, 4);
    expect(j.values).toBeAllclose(w, { atol: 1e-13, rtol: 0 });
    expect(j.vectors).toBeAllclose(Q.flat(), { atol: 1e-12, rtol: 0 });
  });

  it('subsetByIndex gives those eigenvalues, and those columns of the full result where they are separated', () => {
    fc.assert(
      fc.property(symmetric, fc.nat(), fc.nat(), ({ A, n }, x, y) => {
        const lo = Math.min(x % n, y % n), hi = Math.max(x % n, y % n), m = hi - lo + 1;
        const full = T.eigh(f64(A, n));
        const part = T.eigh(f64(A, n), { subsetByIndex: [lo, hi] });
        expect(part.eigenvalues.shape).toEqual([m]);
        expect(part.eigenvectors.shape).toEqual([n, m]);
        expect(Array.from(part.eigenvalues.data)).toEqual(Array.from(full.eigenvalues.data).slice(lo, hi + 1));
        const c = check(A, n, part.eigenvalues.data, part.eigenvectors.data, m);
        expect(c.residual).toBeLessThan(1e-12 * normOf(A) * n);
        expect(c.ortho).toBeLessThan(1e-12 * n);
        expect(signed(part.eigenvectors.data, n, m)).toBe(true);
        if (gapAround(full.eigenvalues.data, lo, hi) > 1e-6 * normOf(A)) {
          expect(part.eigenvectors).toBeAllclose(full.eigenvectors.slice([[0, n], [lo, hi + 1]]), { atol: 1e-9, rtol: 0 });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('float32 in, float32 out: the float64 result rounded', () => {
    fc.assert(
      fc.property(symmetric, ({ A, n }) => {
        const a32 = new T.Tensor(Float32Array.from(A), [n, n]);
        const r32 = T.eigh(a32), r64 = T.eigh(a32.astype('float64'));
        expect(r32.eigenvalues.dtype).toBe('float32');
        expect(r32.eigenvectors.dtype).toBe('float32');
        expect(Array.from(r32.eigenvalues.data)).toEqual(Array.from(Float32Array.from(r64.eigenvalues.data)));
        expect(Array.from(r32.eigenvectors.data)).toEqual(Array.from(Float32Array.from(r64.eigenvectors.data)));
      }),
      { numRuns: 50 },
    );
  });

  it('by hand: [[2,1],[1,2]], a diagonal, the zero matrix, n = 0, n = 1, a transposed view', () => {
    const r = T.eigh(T.tensor([[2, 1], [1, 2]], { dtype: 'float64' }));
    expect(r.eigenvalues).toBeAllclose([1, 3], { atol: 1e-15, rtol: 0 });
    // Signs: the largest |component| is positive, the first one on a tie. Columns are the eigenvectors.
    expect(r.eigenvectors).toBeAllclose([[Math.SQRT1_2, Math.SQRT1_2], [-Math.SQRT1_2, Math.SQRT1_2]], { atol: 1e-15, rtol: 0 });
    const diag = T.eigh(T.tensor([[1, 0, 0], [0, -3, 0], [0, 0, 2]], { dtype: 'float64' }));
    expect(diag.eigenvalues.toArray()).toEqual([-3, 1, 2]);
    expect(diag.eigenvectors.toArray()).toEqual([[0, 1, 0], [1, 0, 0], [0, 0, 1]]);
    expect(T.eigh(T.zeros([2, 2])).eigenvalues.toArray()).toEqual([0, 0]);
    const empty = T.eigh(T.zeros([0, 0], { dtype: 'float64' }));
    expect(empty.eigenvalues.shape).toEqual([0]);
    expect(empty.eigenvectors.shape).toEqual([0, 0]);
    const one = T.eigh(T.tensor([[-4]]));
    expect(one.eigenvalues.toArray()).toEqual([-4]);
    expect(one.eigenvectors.toArray()).toEqual([[1]]);
    // A strided view reads like its contiguous copy.
    const base = T.tensor([[4, 1, -2], [9, 9, 9], [1, 3, 0], [9, 9, 9], [-2, 0, 5]], { dtype: 'float64' });
    const view = base.slice([[0, 5, 2]]).transpose();
    expect(view.isContiguous()).toBe(false);
    const v = T.eigh(view), c = T.eigh(view.contiguous());
    expect(Array.from(v.eigenvalues.data)).toEqual(Array.from(c.eigenvalues.data));
    expect(Array.from(v.eigenvectors.data)).toEqual(Array.from(c.eigenvectors.data));
  });

  it('subnormal and huge entries: the matrix is rescaled by a power of two, not left to lose precision or overflow', () => {
    const tiny = T.eigh(new T.Tensor(Float64Array.of(0, -5e-324, -5e-324, 0), [2, 2]));
    expect(Array.from(tiny.eigenvalues.data)).toEqual([-5e-324, 5e-324]);
    expect(tiny.eigenvectors).toBeAllclose([[Math.SQRT1_2, Math.SQRT1_2], [Math.SQRT1_2, -Math.SQRT1_2]], { atol: 1e-15, rtol: 0 });
    const huge = T.eigh(new T.Tensor(Float64Array.of(1e300, 1e300, 1e300, 1e300), [2, 2]));
    expect(huge.eigenvalues.data[1]! / 2e300).toBeCloseTo(1, 14);
    expect(Math.abs(huge.eigenvalues.data[0]!)).toBeLessThan(1e286);
  });

  it('averages the triangles of a matrix symmetric up to rounding', () => {
    const a = T.tensor([[2, 1 + 1e-12], [1 - 1e-12, 2]], { dtype: 'float64' });
    expect(T.eigh(a).eigenvalues).toBeAllclose([1, 3], { atol: 1e-15, rtol: 0 });
    const b = T.tensor([[2, 1 + 1e-6], [1, 2]]); // float32: within 1e-5 of max |a|
    expect(T.eigh(b).eigenvalues.dtype).toBe('float32');
  });

  it('errors: not a tensor, not 2-D, not square, not symmetric, not finite, a bad subset', () => {
    expectError(() => T.eigh([[1]] as unknown as T.Tensor), T.ValueError, '[eigh] input must be a Tensor');
    expectError(() => T.eigh(T.zeros([3])), T.ShapeError, '[eigh] input must be a 2-D square matrix [n, n]: got shape [3]');
    expectError(() => T.eigh(T.zeros([2, 3, 3])), T.ShapeError, '[eigh] input must be a 2-D square matrix [n, n]: got shape [2,3,3]');
    expectError(() => T.eigh(T.zeros([2, 3])), T.ShapeError, '[eigh] input must be square: got shape [2,3]: axis 0 has size 2 and axis 1 size 3');
    expectError(() => T.eigh(T.tensor([[1, 2], [3, 4]], { dtype: 'float64' })), T.ValueError,
      '[eigh] input is not symmetric: element [0,1] is 2 but [1,0] is 3 (shape [2,2])');
    expectError(() => T.eigh(T.tensor([[1, NaN], [NaN, 4]], { dtype: 'float64' })), T.ValueError,
      '[eigh] input must be finite: element [0,1] of [2,2] is NaN');
    expectError(() => T.eigh(T.tensor([[1, Infinity], [Infinity, 4]])), T.ValueError,
      '[eigh] input must be finite: element [0,1] of [2,2] is Infinity');
    const a = T.eye(3);
    expectError(() => T.eigh(a, { subsetByIndex: [1, 3] }), T.ValueError,
      '[eigh] subsetByIndex must be [lo, hi] with integers 0 <= lo <= hi < n = 3: got [1, 3]');
    expectError(() => T.eigh(a, { subsetByIndex: [2, 1] }), T.ValueError,
      '[eigh] subsetByIndex must be [lo, hi] with integers 0 <= lo <= hi < n = 3: got [2, 1]');
    expectError(() => T.eigh(a, { subsetByIndex: [0.5, 1] }), T.ValueError,
      '[eigh] subsetByIndex must be [lo, hi] with integers 0 <= lo <= hi < n = 3: got [0.5, 1]');
    expectError(() => T.eigh(a, { subsetByIndex: 1 as unknown as [number, number] }), T.ValueError,
      '[eigh] subsetByIndex must be [lo, hi] with integers 0 <= lo <= hi < n = 3: got 1');
  });
});
