/**
 * `eigh`: the eigendecomposition of a real symmetric matrix, A = Q·diag(w)·Qᵀ, computed in float64.
 *
 * The solver is the classic pair (Wilkinson & Reinsch's Handbook, EISPACK tred2/tql2, as in JAMA): Householder
 * reduction to tridiagonal form, then the implicit QL iteration with Wilkinson shifts. Both are written over one
 * row-major Float64Array holding Qᵀ, so every inner loop (Householder updates, Givens rotations) walks contiguous
 * memory. When only a few eigenvectors are wanted (`subsetByIndex`, as PCA and LLE ask), forming Q and carrying
 * it through the QL sweeps is skipped: the sweeps' rotations are logged and replayed on just the wanted vectors,
 * which leaves the O(n³) of the reduction itself (n = 784: well under a second of CPU).
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { Tensor, alloc } from '../tensor.js';

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
function tred2(u: Float64Array, n: number, d: Float64Array, e: Float64Array, reflectors?: Float64Array): void {
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
class RotationLog {
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
function tql2(u: Float64Array | null, n: number, d: Float64Array, e: Float64Array, log?: RotationLog): void {
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
          throw new ValueError(`[eigh] QL iteration did not converge for eigenvalue ${l} after ${MAX_QL_ITERATIONS} iterations`);
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
function replayRotations(
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

/** Options of {@link eigh}. */
export interface EighOptions {
  /**
   * Only the eigenpairs with these positions [lo, hi] (inclusive, 0-based) in the ascending order, as SciPy's
   * `eigh(subset_by_index=...)`: eigenvalues has hi − lo + 1 entries and eigenvectors as many columns. Fewer
   * vectors skip forming Q and carrying it through the QL sweeps (about three quarters of the work for large
   * n); each vector then costs O(n²). Default: all n.
   */
  subsetByIndex?: readonly [number, number];
}

/** Relative asymmetry |A[i,j] − A[j,i]| / max|A| accepted as rounding, per dtype. */
const SYMMETRY_TOL = { float32: 1e-5, float64: 1e-10 } as const;

/**
 * Eigendecomposition of a real symmetric matrix `a` [n, n]: `a = Q·diag(w)·Qᵀ` with Q orthogonal, as
 * `numpy.linalg.eigh` and `torch.linalg.eigh`.
 *
 * - `eigenvalues`: w, [n], in ascending order.
 * - `eigenvectors`: Q, [n, n]; COLUMN r is the unit eigenvector of w[r] (a·Q[:, r] = w[r]·Q[:, r]), the columns
 *   orthonormal. Each column is signed so that its largest-magnitude component (the first such on a tie,
 *   magnitudes within a relative 1e-8 counting as tied) is positive, so the result is deterministic (NumPy and
 *   PyTorch leave the sign to LAPACK). Eigenvectors of a repeated eigenvalue are one orthonormal basis of its
 *   eigenspace; equal eigenvalues keep the order of the solver's diagonal.
 *
 * Both come in a's dtype; the work is done in float64 either way (float32 results are float64 ones rounded).
 * `a` may be any view; it must be finite and symmetric up to rounding (a relative 1e-10 of max|a| in float64,
 * 1e-5 in float32), and its two triangles are averaged. It is first scaled by a power of two (exact) so that
 * tiny or huge entries neither underflow nor overflow. Not differentiable here; for reference, a simple
 * eigenvalue moves as ∂w_r = Q[:, r]ᵀ·∂a·Q[:, r].
 */
export function eigh(a: Tensor, opts: EighOptions = {}): { eigenvalues: Tensor; eigenvectors: Tensor } {
  const op = 'eigh';
  if (!(a instanceof Tensor)) throw new ValueError(`[${op}] input must be a Tensor`);
  if (a.ndim !== 2) throw new ShapeError(`[${op}] input must be a 2-D square matrix [n, n]: got shape ${fmtShape(a.shape)}`);
  const n = a.shape[0]!;
  if (a.shape[1] !== n) throw new ShapeError(`[${op}] input must be square: got shape ${fmtShape(a.shape)}: axis 0 has size ${n} and axis 1 size ${a.shape[1]}`);
  let lo = 0, hi = n - 1;
  if (opts.subsetByIndex !== undefined) {
    const s = opts.subsetByIndex as unknown;
    const ok = Array.isArray(s) && s.length === 2 && s.every((v) => typeof v === 'number' && Number.isInteger(v)) &&
      0 <= s[0] && s[0] <= s[1] && s[1] < n;
    if (!ok) {
      throw new ValueError(`[${op}] subsetByIndex must be [lo, hi] with integers 0 <= lo <= hi < n = ${n}: got ${Array.isArray(s) ? `[${s.map(String).join(', ')}]` : String(s)}`);
    }
    [lo, hi] = s as [number, number];
  }
  const count = n === 0 ? 0 : hi - lo + 1;

  // A contiguous float64 copy (any strides), checked finite and symmetric, its triangles averaged.
  const u = new Float64Array(n * n);
  const src = a.data, rs = a.strides[0]!, cs = a.strides[1]!;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0, q = a.offset + i * rs; j < n; j++, q += cs) {
      const v = src[q]!;
      if (!Number.isFinite(v)) throw new ValueError(`[${op}] input must be finite: element [${i},${j}] of ${fmtShape(a.shape)} is ${v}`);
      u[i * n + j] = v;
      amax = Math.max(amax, Math.abs(v));
    }
  }
  const tol = SYMMETRY_TOL[a.dtype] * amax;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = u[i * n + j]!, y = u[j * n + i]!;
      if (Math.abs(x - y) > tol) {
        throw new ValueError(`[${op}] input is not symmetric: element [${i},${j}] is ${x} but [${j},${i}] is ${y} (shape ${fmtShape(a.shape)})`);
      }
      if (x !== y) u[i * n + j] = u[j * n + i] = (x + y) / 2;
    }
  }
  // Work on a·2^s with max |entry| near 1: power-of-two scaling is exact, and it keeps tiny (subnormal) or huge
  // matrices out of the range where rotations lose precision or sums overflow. Two factors, as 2^s alone may
  // overflow.
  const s = amax > 0 ? -Math.round(Math.log2(amax)) : 0;
  const s1 = 2 ** Math.trunc(s / 2), s2 = 2 ** (s - Math.trunc(s / 2));
  for (let p = 0; p < u.length; p++) u[p] = u[p]! * s1 * s2;
  const d = new Float64Array(n), e = new Float64Array(n);
  const all = count === n;
  const reflectors = all ? undefined : new Float64Array(n);
  const log = all ? undefined : new RotationLog();
  tred2(u, n, d, e, reflectors);
  tql2(all ? u : null, n, d, e, log);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x]! - d[y]! || x - y);
  const values = alloc(a.dtype, count), vectors = alloc(a.dtype, n * count);
  const v = new Float64Array(n);
  for (let c = 0; c < count; c++) {
    const src2 = order[lo + c]!;
    values[c] = d[src2]! / s1 / s2;
    if (all) v.set(u.subarray(src2 * n, src2 * n + n));
    else replayRotations(src2, n, log!, u, reflectors!, v, 0);
    // Sign: make the largest-magnitude component positive. Components tied up to rounding (e.g. ±1/√3) count
    // as equal and the first one decides, so the choice does not depend on the last bits.
    let big = 0;
    for (let k = 0; k < n; k++) big = Math.max(big, Math.abs(v[k]!));
    let k = 0;
    while (k < n - 1 && Math.abs(v[k]!) < big * (1 - 1e-8)) k++;
    const sign = v[k]! < 0 ? -1 : 1;
    for (let r = 0; r < n; r++) vectors[r * count + c] = sign * v[r]! + 0; // + 0 turns −0 into 0
  }
  return { eigenvalues: new Tensor(values, [count]), eigenvectors: new Tensor(vectors, [n, count]) };
}
