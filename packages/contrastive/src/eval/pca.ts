/**
 * Principal component analysis, exact: the eigen-decomposition of the sample covariance, in float64.
 *
 * The symmetric eigensolver is the classic pair (Wilkinson & Reinsch's Handbook, EISPACK tred2/tql2, as in
 * JAMA): Householder reduction to tridiagonal form, then the implicit QL iteration with Wilkinson shifts.
 * Both are written over one row-major Float64Array holding Vᵀ, so every inner loop (Householder updates,
 * Givens rotations) walks contiguous memory. PCA needs only a few eigenvectors, so it skips forming Q and
 * carrying it through the QL sweeps: the sweeps' rotations are logged and replayed on just the wanted
 * vectors, which leaves the O(n³) of the reduction itself (d = 784: well under a second of CPU).
 */
import { Tensor, ShapeError, ValueError, fmtShape, matmul } from '@tsgrad/tensor';
import { checkK, describeValue, toMatrix } from './validate.js';

const EPS = 2 ** -52;
/** QL iterations allowed per eigenvalue; two or three is typical, so hitting this means bad input. */
const MAX_QL_ITERATIONS = 60;

/**
 * Householder tridiagonalisation. On entry `u` holds the symmetric matrix (row-major n×n). On exit `u` holds
 * Qᵀ (row r = column r of the orthogonal Q), `d` the diagonal and `e[1..n)` the sub-diagonal of T = QᵀAQ
 * (e[0] = 0). Step i (from the last row up) reflects row i's leading part x = A[i, 0..i) onto a multiple
 * of e_{i−1} with P = I − u·uᵀ/h, u = x ∓ ‖x‖·e_{i−1} (sign chosen against cancellation), scaled by
 * Σ|x| first to avoid under/overflow; A ← P·A·P is applied as A − u·qᵀ − q·uᵀ with q = p − (uᵀp/2h)·u,
 * p = A·u/h. The reflectors are then multiplied together, last first, into Q.
 *
 * With `reflectors` given, Q is not formed: row t of `u` keeps the reflector u_t (entries [0, t)) and
 * reflectors[t] its h_t (0: no reflection), for {@link replayRotations}; `d` and `e` are as above.
 *
 * Indexing note: the textbook works on V[k][j] with k ≥ j; here that element is u[j·n + k], so the hot
 * loops over k are unit-stride.
 */
export function tred2(u: Float64Array, n: number, d: Float64Array, e: Float64Array, reflectors?: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = u[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      // Row already reduced: nothing to reflect.
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = u[j * n + i - 1]!;
        u[j * n + i] = 0;
        u[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // p = A·u (stored in e), using the lower triangle only.
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j]!;
        u[i * n + j] = f; // V[j][i]: keeps the reflector for the accumulation below
        g = e[j]! + u[row + j]! * f;
        for (let k = j + 1; k < i; k++) {
          const a = u[row + k]!;
          g += a * d[k]!;
          e[k] = e[k]! + a * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      // A ← A − u·qᵀ − q·uᵀ on the lower triangle.
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k < i; k++) u[row + k] = u[row + k]! - (f * e[k]! + g * d[k]!);
        d[j] = u[row + i - 1]!;
        u[row + i] = 0;
      }
    }
    d[i] = h;
  }
  if (reflectors !== undefined) {
    // Leave the reflectors in place: row t of u holds u_t (entries [0, t)), reflectors[t] its h_t.
    for (let i = 0; i < n; i++) {
      reflectors[i] = i > 0 ? d[i]! : 0;
      d[i] = u[i * n + i]!;
    }
    if (n > 0) e[0] = 0;
    return;
  }
  // Accumulate the reflectors into Q.
  for (let i = 0; i < n - 1; i++) {
    u[i * n + n - 1] = u[i * n + i]!;
    u[i * n + i] = 1;
    const h = d[i + 1]!;
    const ri = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = u[ri + k]! / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += u[ri + k]! * u[row + k]!;
        for (let k = 0; k <= i; k++) u[row + k] = u[row + k]! - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) u[ri + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = u[j * n + n - 1]!;
    u[j * n + n - 1] = 0;
  }
  if (n > 0) u[(n - 1) * n + n - 1] = 1;
  if (n > 0) e[0] = 0;
}

/** Givens rotations recorded by {@link tql2} when eigenvectors are computed later, for a few of them only. */
export class RotationLog {
  index = new Int32Array(1024);
  c = new Float64Array(1024);
  s = new Float64Array(1024);
  count = 0;

  push(i: number, c: number, s: number): void {
    if (this.count === this.index.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.index = grow(this.index, (n) => new Int32Array(n));
      this.c = grow(this.c, (n) => new Float64Array(n));
      this.s = grow(this.s, (n) => new Float64Array(n));
    }
    this.index[this.count] = i;
    this.c[this.count] = c;
    this.s[this.count] = s;
    this.count++;
  }
}

/**
 * Implicit QL with Wilkinson shifts on the tridiagonal (d, e) from {@link tred2}. Eigenvalues are left in `d`,
 * unsorted. For each l: find the first negligible e[m] (|e[m]| ≤ ε·max_i |d_i| + |e_i|); if m > l, shift by
 * the eigenvalue of the leading 2×2 block nearer d[l], sweep Givens rotations G from m−1 down to l (chasing
 * the bulge), and repeat until e[l] is negligible.
 *
 * Each G mixes rows i and i + 1: row i+1 ← s·row i + c·row i+1, row i ← c·row i − s·row i+1. With `u` (Qᵀ
 * from tred2) the rotations are applied to its rows, so on exit row r of `u` is the eigenvector of d[r]. With
 * `log` instead they are only recorded (O(1) each), for {@link replayRotations}.
 */
export function tql2(u: Float64Array | null, n: number, d: Float64Array, e: Float64Array, log?: RotationLog): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  // Deflation threshold ε·max_i(|d_i| + |e_i|) over the whole matrix. (EISPACK/JAMA take the running maximum
  // over the rows done so far, which lets a tiny e next to zero diagonals through and overflows the shift.)
  let f = 0, tst1 = 0;
  for (let i = 0; i < n; i++) tst1 = Math.max(tst1, Math.abs(d[i]!) + Math.abs(e[i]!));
  for (let l = 0; l < n; l++) {
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > EPS * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_QL_ITERATIONS) {
          throw new ValueError(`[symmetricEigen] QL iteration did not converge for eigenvalue ${l} after ${MAX_QL_ITERATIONS} iterations`);
        }
        // Shift.
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        // Implicit QL sweep.
        p = d[m]!;
        let c = 1, c2 = c, c3 = c, s = 0, s2 = 0;
        const el1 = e[l + 1]!;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (u !== null) {
            const ri = i * n, rj = ri + n;
            for (let k = 0; k < n; k++) {
              const a = u[rj + k]!, b = u[ri + k]!;
              u[rj + k] = s * b + c * a;
              u[ri + k] = c * b - s * a;
            }
          } else if (log !== undefined) {
            log.push(i, c, s);
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > EPS * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/**
 * Eigenvector r of A from a rotation log and tred2's reflectors, in O(n²) instead of the O(n³) of carrying
 * all of Q through the QL sweeps. If the sweeps are U ← G_K⋯G_1·Qᵀ, then row r of the result is (Q·w)ᵀ with
 * w = G_1ᵀ⋯G_Kᵀ·e_r: replay the transposed rotations backwards on e_r (w is T's eigenvector), then apply
 * Q = P_{n−1}⋯P_1, P_t = I − u_t·u_tᵀ/h_t, from P_1 up.
 */
export function replayRotations(
  r: number, n: number, log: RotationLog, u: Float64Array, reflectors: Float64Array, out: Float64Array, o: number,
): void {
  const w = new Float64Array(n);
  w[r] = 1;
  const { index, c, s } = log;
  for (let t = log.count - 1; t >= 0; t--) {
    const i = index[t]!, ct = c[t]!, st = s[t]!;
    const a = w[i]!, b = w[i + 1]!;
    w[i] = ct * a + st * b;
    w[i + 1] = ct * b - st * a;
  }
  for (let t = 1; t < n; t++) {
    const h = reflectors[t]!;
    if (h === 0) continue;
    const row = t * n;
    let g = 0;
    for (let k = 0; k < t; k++) g += u[row + k]! * w[k]!;
    g /= h;
    for (let k = 0; k < t; k++) w[k] = w[k]! - g * u[row + k]!;
  }
  out.set(w, o);
}

export interface SymmetricEigenOptions {
  /**
   * How many eigenvectors to compute, for the largest eigenvalues (default n: all). Fewer skips forming Q
   * and carrying it through the QL sweeps (about three quarters of the work for large n); each vector then
   * costs O(n²). `vectors` has this many rows.
   */
  vectors?: number;
}

/**
 * Eigen-decomposition of a real symmetric n×n matrix `A` (row-major; checked symmetric to a relative 1e-10;
 * not modified): A = Σ_r values[r]·v_r·v_rᵀ.
 *
 * - `values`: all n eigenvalues, in decreasing order.
 * - `vectors`: row-major, ROW r is the unit eigenvector v_r of values[r] (NumPy's `eigh` returns columns), the
 *   rows orthonormal; n rows, or `opts.vectors`. Each is signed so that its largest-magnitude component (the
 *   first such on a tie, magnitudes within a relative 1e-8 counting as tied) is positive, so the result is
 *   deterministic. Eigenvectors of a repeated eigenvalue are one orthonormal basis of its eigenspace.
 */
export function symmetricEigen(
  A: Float64Array, n: number, opts: SymmetricEigenOptions = {},
): { values: Float64Array; vectors: Float64Array } {
  const op = 'symmetricEigen';
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ValueError(`[${op}] n must be a non-negative integer: got ${String(n)}`);
  if (!(A instanceof Float64Array)) throw new ValueError(`[${op}] A must be a Float64Array: got ${describeValue(A)}`);
  if (A.length !== n * n) throw new ValueError(`[${op}] A has ${A.length} elements but an n×n matrix with n = ${n} needs ${n * n}`);
  const count = opts.vectors ?? n;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > n) {
    throw new ValueError(`[${op}] vectors must be an integer in [0, ${n}]: got ${String(count)}`);
  }
  let amax = 0;
  for (let i = 0; i < A.length; i++) {
    const v = A[i]!;
    if (!Number.isFinite(v)) throw new ValueError(`[${op}] A must be finite: element [${Math.floor(i / n)},${i % n}] is ${v}`);
    amax = Math.max(amax, Math.abs(v));
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (Math.abs(A[i * n + j]! - A[j * n + i]!) > 1e-10 * amax) {
        throw new ValueError(`[${op}] A is not symmetric: A[${i},${j}] = ${A[i * n + j]} but A[${j},${i}] = ${A[j * n + i]}`);
      }
    }
  }
  // Work on A·2^s with max |entry| near 1: power-of-two scaling is exact, and it keeps tiny (subnormal) or huge
  // matrices out of the range where rotations lose precision or sums overflow. Two factors, as 2^s alone may
  // overflow.
  const s = amax > 0 ? -Math.round(Math.log2(amax)) : 0;
  const s1 = 2 ** Math.trunc(s / 2), s2 = 2 ** (s - Math.trunc(s / 2));
  const u = A.map((v) => v * s1 * s2);
  const d = new Float64Array(n), e = new Float64Array(n);
  const all = count === n;
  const reflectors = all ? undefined : new Float64Array(n);
  const log = all ? undefined : new RotationLog();
  tred2(u, n, d, e, reflectors);
  tql2(all ? u : null, n, d, e, log);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b]! - d[a]! || a - b);
  const values = new Float64Array(n), vectors = new Float64Array(count * n);
  order.forEach((src, r) => {
    values[r] = d[src]! / s1 / s2;
    if (r >= count) return;
    if (all) vectors.set(u.subarray(src * n, src * n + n), r * n);
    else replayRotations(src, n, log!, u, reflectors!, vectors, r * n);
    // Sign: make the largest-magnitude component positive. Components tied up to rounding (e.g. ±1/√3) count
    // as equal and the first one decides, so the choice does not depend on the last bits.
    let big = 0;
    for (let k = r * n; k < r * n + n; k++) big = Math.max(big, Math.abs(vectors[k]!));
    let k = r * n;
    while (k < r * n + n - 1 && Math.abs(vectors[k]!) < big * (1 - 1e-8)) k++;
    const sign = vectors[k]! < 0 ? -1 : 1;
    for (let q = r * n; q < r * n + n; q++) vectors[q] = sign * vectors[q]! + 0; // + 0 turns −0 into 0
  });
  return { values, vectors };
}

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
 * float64 with {@link symmetricEigen}, largest eigenvalues first, each signed so its largest-|component|
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
  const { values, vectors: comps } = symmetricEigen(cov, d, { vectors: p });
  const explainedVariance = values.slice(0, p).map((v) => Math.max(v, 0));
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
