/** PCA on data with known structure (the eigensolver itself, tensor's eigh, is tested in packages/tensor). */
import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, Tensor, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { pca } from './pca.js';

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
