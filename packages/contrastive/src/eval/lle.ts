/**
 * Locally linear embedding (Roweis & Saul, Science 2000), the baseline DrLIM's paper sets its maps against: each
 * point is written as an affine combination of its k nearest neighbours, and the low-dimensional coordinates are
 * the ones that those same combinations reconstruct best.
 */
import { Tensor, ValueError, eigh, fmtShape } from '@tsgrad/tensor';
import { kNearestNeighbors } from './knn.js';
import { checkK, toMatrix, type Matrix } from './validate.js';

/** Options of {@link lle}. */
export interface LleOptions {
  /** Neighbours per point (default 10). */
  k?: number;
  /** Output dimensions d (default 2). */
  components?: number;
  /**
   * Regulariser of the local Gram matrices, relative to their trace (default 1e-3, scikit-learn's): needed when
   * k exceeds the input dimension, where the Gram matrix is singular and the weights not unique.
   */
  reg?: number;
}

/** A fitted LLE: the embedding of the training points, and the out-of-sample extension. */
export interface LleResult {
  /** [n, d] float64 coordinates, centred, with (1/n)·YᵀY = I (Roweis & Saul's normalisation). */
  embedding: Tensor;
  /** The eigenvalues of M = (I − W)ᵀ(I − W) belonging to the embedding's columns, increasing. */
  eigenvalues: Float64Array;
  /** `neighbors[i·k + t]`: the t-th nearest neighbour of point i (itself excluded). */
  neighbors: Int32Array;
  /** `weights[i·k + t]`: its reconstruction weight; each point's k weights sum to 1. */
  weights: Float64Array;
  /** Neighbours per point. */
  k: number;
  /**
   * Embeds new points [m, D] the standard way (Saul & Roweis 2003, §5): each is reconstructed from its k nearest
   * TRAINING points with the same regularised weights, and placed at the same combination of their coordinates,
   * y = Σ_j w_j·y_j. It needs the new points' pixel distances to the training points: LLE has no mapping of its own.
   */
  transform: (X: Tensor) => Tensor;
}

/**
 * Reconstruction weights of `query` row q from reference rows `nb[0..k)`: with Z = [x_{nb_t} − x_q]_t (k × D) and
 * the local Gram matrix C = Z·Zᵀ, solve (C + r·I)·w = 1 with r = reg·trace(C) (or reg when the trace is 0, a
 * point repeated k times), then w ← w / Σw. This minimises ‖x_q − Σ_t w_t·x_{nb_t}‖² + r‖w‖² subject to Σw = 1.
 * C is symmetric positive semi-definite, so C + r·I is positive definite for r > 0 and Cholesky solves it.
 */
function localWeights(
  op: string, query: Matrix, q: number, ref: Matrix, nb: Int32Array, o: number, k: number, reg: number,
  C: Float64Array, w: Float64Array, out: Float64Array,
): void {
  const D = query.cols, x = query.data, r = ref.data, qo = q * D;
  for (let s = 0; s < k; s++) {
    const so = nb[o + s]! * D;
    for (let t = s; t < k; t++) {
      const to = nb[o + t]! * D;
      let g = 0;
      for (let c = 0; c < D; c++) g += (r[so + c]! - x[qo + c]!) * (r[to + c]! - x[qo + c]!);
      C[s * k + t] = g;
      C[t * k + s] = g;
    }
  }
  let trace = 0;
  for (let s = 0; s < k; s++) trace += C[s * k + s]!;
  const ridge = trace > 0 ? reg * trace : reg;
  for (let s = 0; s < k; s++) C[s * k + s] = C[s * k + s]! + ridge;
  // Cholesky C = L·Lᵀ in place (lower triangle), then L·Lᵀ·w = 1 by two triangular solves. A pivot below
  // 1e-13 of the mean diagonal is rounding noise of an exactly singular matrix (reg = 0 only).
  const tiny = 1e-13 * (trace / k + ridge);
  for (let s = 0; s < k; s++) {
    for (let t = 0; t <= s; t++) {
      let v = C[s * k + t]!;
      for (let u = 0; u < t; u++) v -= C[s * k + u]! * C[t * k + u]!;
      if (s === t) {
        if (!(v > tiny)) {
          throw new ValueError(`[${op}] the local Gram matrix of point ${q} is singular (its ${k} neighbours are affinely dependent): use reg > 0`);
        }
        C[s * k + s] = Math.sqrt(v);
      } else {
        C[s * k + t] = v / C[t * k + t]!;
      }
    }
  }
  for (let s = 0; s < k; s++) {
    let v = 1;
    for (let u = 0; u < s; u++) v -= C[s * k + u]! * w[u]!;
    w[s] = v / C[s * k + s]!;
  }
  for (let s = k - 1; s >= 0; s--) {
    let v = w[s]!;
    for (let u = s + 1; u < k; u++) v -= C[u * k + s]! * w[u]!;
    w[s] = v / C[s * k + s]!;
  }
  let sum = 0;
  for (let s = 0; s < k; s++) sum += w[s]!;
  for (let s = 0; s < k; s++) out[o + s] = w[s]! / sum;
}

function checkReg(op: string, reg: unknown): number {
  if (typeof reg !== 'number' || !Number.isFinite(reg) || reg < 0) throw new ValueError(`[${op}] reg must be a finite number ≥ 0: got ${String(reg)}`);
  return reg;
}

/**
 * Locally linear embedding of the rows of `X` [n, D] into d = `components` dimensions.
 *
 * 1. Neighbours: each point's k nearest other points (Euclidean, {@link kNearestNeighbors}).
 * 2. Weights W (n × n, k nonzeros a row): each point's regularised affine reconstruction from its neighbours
 *    (see `reg`; rows sum to 1).
 * 3. Coordinates: Y minimising Σ_i ‖y_i − Σ_j W_ij·y_j‖² = tr(Yᵀ·M·Y), M = (I − W)ᵀ(I − W), subject to
 *    Σ_i y_i = 0 and (1/n)·YᵀY = I: the eigenvectors of M for its d smallest eigenvalues after the constant
 *    vector 1 (M·1 = 0 because rows of W sum to 1), scaled by √n.
 *
 * The eigenvectors come from the tensor package's symmetric eigensolver `eigh`, asked for the LARGEST d
 * eigenpairs (its subset path, cheap for few vectors), so it is given B = c·I − M − (c/n)·1·1ᵀ with c ≥ λ_max(M) (Gershgorin's row-sum bound):
 * B's eigenvalues are c − λ for M's eigenvectors orthogonal to 1, and 0 for 1 itself, so B's d largest are M's d
 * smallest with the constant vector removed exactly rather than skipped by position (which would go wrong
 * where another eigenvalue of M is as small as rounding). M is dense, n × n: O(n²) memory and O(n³) time, a
 * second or two for n ≈ 1000.
 */
export function lle(X: Tensor, opts: LleOptions = {}): LleResult {
  const op = 'lle';
  const data = toMatrix(op, 'X', X);
  const n = data.rows;
  const k = checkK(op, opts.k ?? 10, 1, n - 2, `at most n − 2 = ${n - 2} for ${n} points`);
  const d = checkK(op, opts.components ?? 2, 1, n - 2, `at most n − 2 = ${n - 2} for ${n} points`, 'components');
  const reg = checkReg(op, opts.reg ?? 1e-3);

  const { indices: neighbors } = kNearestNeighbors(X, { k });
  const weights = new Float64Array(n * k);
  const C = new Float64Array(k * k), w = new Float64Array(k);
  for (let i = 0; i < n; i++) localWeights(op, data, i, data, neighbors, i * k, k, reg, C, w, weights);

  // M = (I − W)ᵀ(I − W) = I − W − Wᵀ + WᵀW, from W's rows: row i adds −w_ij at (i, j) and (j, i), and w_ij·w_il
  // at (j, l) for every pair of its neighbours.
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    M[i * n + i] = M[i * n + i]! + 1;
    const o = i * k;
    for (let s = 0; s < k; s++) {
      const j = neighbors[o + s]!, wj = weights[o + s]!;
      M[i * n + j] = M[i * n + j]! - wj;
      M[j * n + i] = M[j * n + i]! - wj;
      for (let t = 0; t < k; t++) {
        const l = neighbors[o + t]!;
        M[j * n + l] = M[j * n + l]! + wj * weights[o + t]!;
      }
    }
  }
  let c = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (M[i * n + j]! + M[j * n + i]!) / 2; // exactly symmetric, whatever the order of the sums
      M[i * n + j] = v;
      M[j * n + i] = v;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(M[i * n + j]!);
    c = Math.max(c, s);
  }
  const B = new Float64Array(n * n);
  for (let p = 0; p < n * n; p++) B[p] = -M[p]! - c / n;
  for (let i = 0; i < n; i++) B[i * n + i] = B[i * n + i]! + c;
  // B's d largest eigenpairs, largest first (eigh returns them ascending, as columns).
  const top = eigh(new Tensor(B, [n, n]), { subsetByIndex: [n - d, n - 1] });
  const values = top.eigenvalues.data.slice().reverse();
  const vectors = new Float64Array(d * n);
  for (let r = 0; r < d; r++) for (let i = 0; i < n; i++) vectors[r * n + i] = top.eigenvectors.data[i * d + d - 1 - r]!;

  const scale = Math.sqrt(n);
  const Y = new Float64Array(n * d);
  const eigenvalues = new Float64Array(d);
  for (let r = 0; r < d; r++) {
    eigenvalues[r] = Math.max(0, c - values[r]!);
    for (let i = 0; i < n; i++) Y[i * d + r] = scale * vectors[r * n + i]!;
  }
  const embedding = new Tensor(Y, [n, d]);

  const transform = (Xnew: Tensor): Tensor => {
    const top = 'lle.transform';
    const q = toMatrix(top, 'X', Xnew);
    if (q.cols !== data.cols) {
      throw new ValueError(`[${top}] X has ${q.cols} features but the embedding was fitted on ${data.cols}: got shape ${fmtShape(Xnew.shape)}`);
    }
    const { indices } = kNearestNeighbors(X, { k, queries: Xnew });
    const wq = new Float64Array(q.rows * k);
    for (let i = 0; i < q.rows; i++) localWeights(top, q, i, data, indices, i * k, k, reg, C, w, wq);
    const out = new Float64Array(q.rows * d);
    for (let i = 0; i < q.rows; i++) {
      for (let s = 0; s < k; s++) {
        const j = indices[i * k + s]!, ws = wq[i * k + s]!;
        for (let r = 0; r < d; r++) out[i * d + r] = out[i * d + r]! + ws * Y[j * d + r]!;
      }
    }
    return new Tensor(out, [q.rows, d]);
  };
  return { embedding, eigenvalues, neighbors, weights, k, transform };
}
