/**
 * Principal component analysis, exact: the eigendecomposition of the sample covariance, in float64, by the tensor
 * package's symmetric eigensolver `eigh`, asked for the wanted components only (it then skips forming all of Q:
 * d = 784 takes well under a second of CPU).
 */
import { Tensor, ShapeError, ValueError, eigh, fmtShape, matmul } from '@tsgrad/tensor';
import { checkK, toMatrix } from './validate.js';

/** Column blocks of the covariance product; only blocks on or above the diagonal are multiplied. */
const COV_BLOCK = 128;

/**
 * (1/(n − 1))·XcᵀXc for centred Xc [n, d] (row-major), exactly symmetric. The products go through the tensor
 * package's blocked matmul on strided views (no copies), one COV_BLOCK-wide column block pair at a time, and
 * only for pairs on or above the diagonal: about 55% of the full product for d = 784.
 */
function covariance(xc: Float64Array, n: number, d: number): Float64Array {
  const cov = new Float64Array(d * d);
  for (let i0 = 0; i0 < d; i0 += COV_BLOCK) {
    const bi = Math.min(COV_BLOCK, d - i0);
    const left = new Tensor(xc, [bi, n], [1, d], i0); // Xc[:, i0:i0+bi]ᵀ
    for (let j0 = i0; j0 < d; j0 += COV_BLOCK) {
      const bj = Math.min(COV_BLOCK, d - j0);
      const blk = matmul(left, new Tensor(xc, [n, bj], [d, 1], j0)).data;
      for (let a = 0; a < bi; a++) {
        for (let b = 0; b < bj; b++) {
          const v = blk[a * bj + b]! / (n - 1);
          cov[(i0 + a) * d + j0 + b] = v;
          cov[(j0 + b) * d + i0 + a] = v;
        }
      }
    }
  }
  return cov;
}

/** Options of `pca`. */
export interface PcaOptions {
  /** Principal components to keep (default 2). */
  components?: number;
}

/** A fitted PCA: the mean, the principal axes and their variances, and a projection. */
export interface PcaResult {
  /** Column means of X, float64 [d]. */
  mean: Float64Array;
  /** The principal axes as rows, float64 [components, d], orthonormal, by decreasing variance. */
  components: Tensor;
  /** Variance along each component (the covariance's eigenvalues, rounding negatives clamped to 0). */
  explainedVariance: Float64Array;
  /** explainedVariance over the total variance (the covariance's trace); zeros when the data is constant. */
  explainedVarianceRatio: Float64Array;
  /** Projects rows of Y [m, d] onto the components: (Y − mean)·componentsᵀ, [m, components], in Y's dtype. */
  transform(Y: Tensor): Tensor;
}

/**
 * PCA of X [n, d] (n ≥ 2): the eigenvectors of the covariance (1/(n − 1))·(X − μ)ᵀ(X − μ), computed in
 * float64 with the tensor package's `eigh`, largest eigenvalues first, each signed so its largest-|component|
 * is positive. `fit.transform(X)` gives the familiar projection.
 */
export function pca(X: Tensor, opts: PcaOptions = {}): PcaResult {
  const op = 'pca';
  const x = toMatrix(op, 'X', X);
  const { rows: n, cols: d } = x;
  if (n < 2) throw new ValueError(`[${op}] X needs at least 2 rows for a sample covariance: got shape ${fmtShape([n, d])}`);
  const p = checkK(op, opts.components ?? 2, 1, d, `at most the ${d} features`, 'components');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x.data[i * d + j] = x.data[i * d + j]! - mean[j]!;
  const cov = covariance(x.data, n, d);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += cov[i * d + i]!;
  // The p largest eigenpairs: eigh's last p, ascending, as columns; the components are them as rows, largest first.
  const { eigenvalues, eigenvectors } = eigh(new Tensor(cov, [d, d]), { subsetByIndex: [d - p, d - 1] });
  const w = eigenvalues.data, q = eigenvectors.data;
  const comps = new Float64Array(p * d);
  for (let r = 0; r < p; r++) for (let j = 0; j < d; j++) comps[r * d + j] = q[j * p + p - 1 - r]!;
  const explainedVariance = Float64Array.from({ length: p }, (_, r) => Math.max(w[p - 1 - r]!, 0));
  const explainedVarianceRatio = explainedVariance.map((v) => (trace > 0 ? v / trace : 0));
  const components = new Tensor(comps.slice(), [p, d]);
  const transform = (Y: Tensor): Tensor => {
    const y = toMatrix('pca.transform', 'Y', Y);
    if (y.cols !== d) {
      throw new ShapeError(`[pca.transform] Y must have ${d} features, as the data PCA was fitted on: got shape ${fmtShape([y.rows, y.cols])}`);
    }
    const out = Y.dtype === 'float64' ? new Float64Array(y.rows * p) : new Float32Array(y.rows * p);
    for (let i = 0; i < y.rows; i++) {
      for (let c = 0; c < p; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (y.data[i * d + j]! - mean[j]!) * comps[c * d + j]!;
        out[i * p + c] = s;
      }
    }
    return new Tensor(out, [y.rows, p]);
  };
  return { mean, components, explainedVariance, explainedVarianceRatio, transform };
}
