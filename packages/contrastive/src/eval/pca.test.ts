/** The symmetric eigensolver (residuals, orthonormality, partial vs full) and PCA on data with known structure. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, ShapeError, Tensor, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { pca, symmetricEigen } from './pca.js';

/** max_r ‖A v_r − λ_r v_r‖, max |V·Vᵀ − I| and whether the values decrease. */
function check(A: Float64Array, n: number, values: Float64Array, vectors: Float64Array, rows: number) {
  let residual = 0, ortho = 0;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k]! * vectors[r * n + k]!;
      residual = Math.max(residual, Math.abs(s - values[r]! * vectors[r * n + i]!));
    }
    for (let q = 0; q < rows; q++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[r * n + k]! * vectors[q * n + k]!;
      ortho = Math.max(ortho, Math.abs(s - (r === q ? 1 : 0)));
    }
  }
  const sorted = values.every((v, i) => i === 0 || v <= values[i - 1]!);
  return { residual, ortho, sorted };
}

/** Symmetric n×n matrices: random doubles, or small integers (repeated eigenvalues, zero rows, diagonal ones). */
const symmetric = fc.integer({ min: 1, max: 20 }).chain((n) =>
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

const norm = (A: Float64Array): number => Math.max(1, Math.sqrt(A.reduce((s, v) => s + v * v, 0)));

describe('symmetricEigen', () => {
  it('A v = λ v with orthonormal vectors and decreasing values (fast-check, n ≤ 20)', () => {
    fc.assert(
      fc.property(symmetric, ({ A, n }) => {
        const copy = A.slice();
        const { values, vectors } = symmetricEigen(A, n);
        expect(A).toEqual(copy); // input untouched
        const c = check(A, n, values, vectors, n);
        expect(c.sorted).toBe(true);
        expect(c.residual).toBeLessThan(1e-12 * norm(A) * n);
        expect(c.ortho).toBeLessThan(1e-12 * n);
        // Trace is the sum of the eigenvalues.
        let tr = 0;
        for (let i = 0; i < n; i++) tr += A[i * n + i]!;
        expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(tr, 9);
      }),
      { numRuns: 200 },
    );
  });

  it('the few-vectors path gives the same values and valid vectors (equal to the full ones when the values are distinct)', () => {
    fc.assert(
      fc.property(symmetric, fc.integer({ min: 0, max: 5 }), ({ A, n }, want) => {
        const p = Math.min(want, n);
        const full = symmetricEigen(A, n);
        const part = symmetricEigen(A, n, { vectors: p });
        expect(part.values).toEqual(full.values);
        expect(part.vectors.length).toBe(p * n);
        const c = check(A, n, part.values, part.vectors, p);
        expect(c.residual).toBeLessThan(1e-12 * norm(A) * n);
        expect(c.ortho).toBeLessThan(1e-12 * n);
        const gap = Math.min(...Array.from(full.values).slice(0, p + 1).map((v, i, a) => (i === 0 ? Infinity : a[i - 1]! - v)));
        if (gap > 1e-6 * norm(A)) expect(part.vectors).toBeAllclose(full.vectors.subarray(0, p * n), { atol: 1e-9, rtol: 0 });
      }),
      { numRuns: 150 },
    );
  });

  it('by hand: [[2,1],[1,2]], a diagonal, the zero matrix, n = 0 and n = 1', () => {
    const r = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(r.values).toBeAllclose([3, 1], { atol: 1e-15, rtol: 0 });
    // Signs: the largest |component| is positive, the first one on a tie.
    expect(r.vectors).toBeAllclose([Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2, -Math.SQRT1_2], { atol: 1e-15, rtol: 0 });
    const diag = symmetricEigen(Float64Array.of(1, 0, 0, 0, -3, 0, 0, 0, 2), 3);
    expect(Array.from(diag.values)).toEqual([2, 1, -3]);
    expect(Array.from(diag.vectors)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(symmetricEigen(new Float64Array(4), 2).values)).toEqual([0, 0]);
    expect(symmetricEigen(new Float64Array(0), 0)).toEqual({ values: new Float64Array(0), vectors: new Float64Array(0) });
    expect(symmetricEigen(Float64Array.of(-4), 1)).toEqual({ values: Float64Array.of(-4), vectors: Float64Array.of(1) });
  });

  it('subnormal and huge entries: the matrix is rescaled by a power of two, not left to lose precision or overflow', () => {
    const tiny = symmetricEigen(Float64Array.of(0, -5e-324, -5e-324, 0), 2);
    expect(Array.from(tiny.values)).toEqual([5e-324, -5e-324]);
    expect(tiny.vectors).toBeAllclose([Math.SQRT1_2, -Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2], { atol: 1e-15, rtol: 0 });
    const huge = symmetricEigen(Float64Array.of(1e300, 1e300, 1e300, 1e300), 2);
    expect(huge.values[0]! / 2e300).toBeCloseTo(1, 14);
    expect(Math.abs(huge.values[1]!)).toBeLessThan(1e286);
    expect(huge.vectors).toBeAllclose([Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2, -Math.SQRT1_2], { atol: 1e-15, rtol: 0 });
  });

  it('errors', () => {
    expectError(() => symmetricEigen(Float64Array.of(1, 2, 3), 2), ValueError,
      '[symmetricEigen] A has 3 elements but an n×n matrix with n = 2 needs 4');
    expectError(() => symmetricEigen(Float64Array.of(1, 2, 3, 4), 2), ValueError,
      '[symmetricEigen] A is not symmetric: A[0,1] = 2 but A[1,0] = 3');
    expectError(() => symmetricEigen(Float64Array.of(1, NaN, NaN, 4), 2), ValueError,
      '[symmetricEigen] A must be finite: element [0,1] is NaN');
    expectError(() => symmetricEigen([1] as unknown as Float64Array, 1), ValueError,
      '[symmetricEigen] A must be a Float64Array: got an array');
    expectError(() => symmetricEigen(Float64Array.of(1), 1, { vectors: 2 }), ValueError,
      '[symmetricEigen] vectors must be an integer in [0, 1]: got 2');
  });
});

/** A Tensor [n, d] float64 from a row function. */
function rows(n: number, d: number, f: (i: number) => number[]): Tensor {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) out.set(f(i), i * d);
  return tensor(out, { shape: [n, d] });
}

describe('pca', () => {
  it('matches NumPy (np.cov + np.linalg.eigh, same sign rule) on a fixed data set', () => {
    const X = rows(12, 4, (i) => [0, 1, 2, 3].map((j) => Math.sin(i * (j + 1) * 0.7) + 0.1 * j * i));
    const fit = pca(X, { components: 2 });
    expect(fit.explainedVariance).toBeAllclose([2.1464649783122747, 0.5751630042351243], { rtol: 1e-12, atol: 0 });
    expect(fit.explainedVarianceRatio).toBeAllclose([0.6009063983444342, 0.1610178283028158], { rtol: 1e-12, atol: 0 });
    expect(fit.components).toBeAllclose(
      [[-0.09142652456701997, 0.31140397214085314, 0.5369074790780923, 0.7787163255322849],
        [0.7577619160295159, 0.6361750839811312, -0.03592175781778179, -0.14066900316757275]],
      { rtol: 0, atol: 1e-12 },
    );
  });

  it('recovers a line: one component along it carrying all the variance', () => {
    const dir = [3, -4, 0, 12].map((v) => v / 13); // unit
    const g = new Generator(4);
    const t = Array.from(g.normal([50], { dtype: 'float64' }).data, (v) => 5 * v);
    const X = rows(50, 4, (i) => dir.map((u, j) => 1 + j + t[i]! * u));
    const fit = pca(X, { components: 2 });
    const tm = t.reduce((s, v) => s + v, 0) / t.length;
    expect(fit.mean).toBeAllclose(dir.map((u, j) => 1 + j + tm * u), { rtol: 0, atol: 1e-12 });
    expect(fit.components.shape).toEqual([2, 4]);
    expect(fit.components.slice([[0, 1]]).reshape([4])).toBeAllclose(dir, { rtol: 0, atol: 1e-12 }); // 12/13 > 0: sign kept
    const varT = t.reduce((s, v) => s + (v - tm) ** 2, 0) / (t.length - 1);
    expect(fit.explainedVariance[0]).toBeCloseTo(varT, 10);
    expect(fit.explainedVariance[1]).toBeLessThan(1e-12);
    expect(fit.explainedVarianceRatio[0]).toBeCloseTo(1, 12);
    // Projection onto the line is t − mean(t).
    const z = fit.transform(X);
    expect(z.shape).toEqual([50, 2]);
    expect(z.dtype).toBe('float64');
    expect(z.slice([[], [0, 1]]).reshape([50])).toBeAllclose(t.map((v) => v - tm), { rtol: 0, atol: 1e-10 });
  });

  it('recovers a plane in 5-D: two components spanning it, the third with no variance', () => {
    const u = [1, 1, 0, 0, 1], v = [0, 1, -1, 2, 0];
    const g = new Generator(5);
    const ab = g.normal([40, 2], { dtype: 'float64' }).data;
    const X = rows(40, 5, (i) => u.map((uj, j) => 3 * ab[2 * i]! * uj + ab[2 * i + 1]! * v[j]! - 7));
    const fit = pca(X, { components: 3 });
    const C = fit.components.toArray() as number[][];
    // Each of the first two components lies in span{u, v}: its residual after projecting onto the span is 0.
    const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const uu = dot(u, u), uv = dot(u, v), vv = dot(v, v), det = uu * vv - uv * uv;
    for (const c of C.slice(0, 2)) {
      const cu = dot(c, u), cv = dot(c, v);
      const a = (cu * vv - cv * uv) / det, b = (cv * uu - cu * uv) / det;
      expect(c.map((x, j) => x - a * u[j]! - b * v[j]!)).toBeAllclose([0, 0, 0, 0, 0], { rtol: 0, atol: 1e-12 });
    }
    expect(fit.explainedVariance[2]).toBeLessThan(1e-12);
    expect(fit.explainedVarianceRatio[0]! + fit.explainedVarianceRatio[1]!).toBeCloseTo(1, 12);
  });

  it('with every component the explained variances sum to the total variance and the ratios to 1', () => {
    const g = new Generator(6);
    const X = g.normal([30, 6]);
    const fit = pca(X, { components: 6 });
    const data = X.toArray() as number[][];
    let total = 0;
    for (let j = 0; j < 6; j++) {
      const m = data.reduce((s, r) => s + r[j]!, 0) / 30;
      total += data.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / 29;
    }
    expect(fit.explainedVariance.reduce((s, v) => s + v, 0)).toBeCloseTo(total, 10);
    expect(fit.explainedVarianceRatio.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    // The full projection is a rotation of the centred data: it keeps pairwise distances.
    const z = fit.transform(X).toArray() as number[][];
    expect(z[0]!.length).toBe(6);
    const dist = (a: number[], b: number[]): number => Math.hypot(...a.map((x, i) => x - b[i]!));
    expect(dist(z[3]!, z[17]!)).toBeCloseTo(dist(data[3]!, data[17]!), 5);
    expect(fit.transform(X).dtype).toBe('float32');
    // Constant data: no variance anywhere, ratios 0 rather than NaN.
    const flat = pca(tensor([[1, 2], [1, 2], [1, 2]]));
    expect(Array.from(flat.explainedVariance)).toEqual([0, 0]);
    expect(Array.from(flat.explainedVarianceRatio)).toEqual([0, 0]);
  });

  it('runs on 784-dimensional data (MNIST-sized rows)', () => {
    const g = new Generator(7);
    const X = g.uniform([120, 784]);
    const fit = pca(X, { components: 2 });
    expect(fit.components.shape).toEqual([2, 784]);
    const c = fit.components.toArray() as number[][];
    const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
    expect(dot(c[0]!, c[0]!)).toBeCloseTo(1, 12);
    expect(dot(c[1]!, c[1]!)).toBeCloseTo(1, 12);
    expect(Math.abs(dot(c[0]!, c[1]!))).toBeLessThan(1e-12);
    expect(fit.explainedVariance[0]).toBeGreaterThanOrEqual(fit.explainedVariance[1]!);
    expect(fit.transform(X).shape).toEqual([120, 2]);
  });

  it('errors', () => {
    const X = tensor([[1, 2], [3, 4], [5, 7]]);
    expectError(() => pca(X, { components: 3 }), ValueError, '[pca] components must be an integer in [1, 2] (at most the 2 features): got components = 3');
    expectError(() => pca(tensor([[1, 2]])), ValueError, '[pca] X needs at least 2 rows for a sample covariance: got shape [1,2]');
    expectError(() => pca(tensor([1, 2, 3])), ShapeError, '[pca] X must be 2-D [n, d]: got shape [3]');
    expectError(() => pca(X).transform(tensor([[1, 2, 3]])), ShapeError,
      '[pca.transform] Y must have 2 features, as the data PCA was fitted on: got shape [1,3]');
  });
});
