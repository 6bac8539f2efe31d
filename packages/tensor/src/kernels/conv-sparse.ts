/**
 * The convolution's backward kernels for sparse cotangents (ReLU then max pooling), which skip the zeros of gy
 * instead of running the dense gemm; kernels/conv.ts decides when they run (sparseEnough) and holds the notation.
 *
 * Tuning notes (float32, 2-core VM shared with other jobs, so CPU time and best of many interleaved runs):
 * - Sparse cotangents: after ReLU and 2×2 max pooling about 1 gy entry in 6 is nonzero (15–17% in both
 *   DrLIM layers). When at most SPARSE_MAX_DENSITY of gy is nonzero (and w, resp. x, is finite, so that
 *   skipping 0·v changes nothing), the backward kernels skip the zeros: the input gradient computes each
 *   pixel's cols row from the rows of w its nonzero cotangents pick, eight taps at a time in registers,
 *   and scatters it into gx while it is in L1 (no cols buffer; 15% faster than filling [L, K] cols
 *   and running col2imT over it), the weight
 *   gradient compacts each output channel's nonzeros into a list and takes eight taps at a time as dot
 *   products over it, gathered straight from x when unpadded. On 128×15×12×12 ∗ 30×15×5×5 with 16% random
 *   nonzeros: input gradient 28 ms against 46 ms dense, weight gradient 18 against 37; at 29% both are
 *   within ~10% of dense, hence SPARSE_MAX_DENSITY = 0.25. On the first layer (128×1×28×28 ∗ 15×1×5×5)
 *   the sparse weight gradient only ties with the dense one (~14 ms: scanning the 1.1M cotangents costs as
 *   much as the 25-deep gemm saves), hence SPARSE_MIN_TAPS.
 * - On the wasm backend (float32) the dense paths run on the SIMD gemm and beat the sparse kernels: the Siamese
 *   LeNet step (128×1×28×28, relu + 2×2 max pooling, ~16% nonzero cotangents) took 100 ms of CPU per step with
 *   the dense backward against 142 ms with the sparse one (same process, interleaved, medians of 7 rounds), so
 *   the sparse paths serve the 'js' backend and float64 only.
 */
import type { FloatArray } from '../dtype.js';
import { wasmActive } from './backend.js';
import {
  chunkSize, colsScratch, grow, im2colT, pixelOffsets, tapOffsets, validHi, validLo, type Conv2dGeometry,
} from './conv-im2col.js';

/**
 * Largest fraction of nonzero entries of gy for which the backward kernels take their sparse paths. ReLU
 * followed by max pooling leaves about 1 in 6 cotangents nonzero (15–17% in the DrLIM layers); see the
 * tuning notes in the module comment.
 */
const SPARSE_MAX_DENSITY = 0.25;
/**
 * Fewest taps K = C·KH·KW for which the weight gradient takes its sparse path: with few taps the dense gemm
 * costs little per cotangent and scanning gy for nonzeros eats the gain (measured on 15×1×5×5, K = 25: a tie).
 */
export const SPARSE_MIN_TAPS = 32;
/** Bytes of x a chunk of the sparse weight gradient spans (it gathers from x, which should stay in L2). */
const SPARSE_CHUNK_BYTES = 1 << 18;

/** Number of nonzero entries of a[0, n), without a data-dependent branch. */
function countNonzero(a: FloatArray, n: number): number {
  let nz = 0;
  for (let i = 0; i < n; i++) nz += (a[i] !== 0) as unknown as number | 0;
  return nz;
}

/** True when a[0, n) holds no NaN or infinity (v·0 is NaN exactly for those), without a branch per element. */
function allFinite(a: FloatArray, n: number): boolean {
  let s0 = 0, s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i]! * 0;
    s1 += a[i + 1]! * 0;
  }
  if (i < n) s0 += a[i]! * 0;
  return s0 + s1 === 0;
}

/**
 * Whether the backward kernels may skip the zeros of gy: few enough of them are nonzero, and `other` (w or x,
 * whatever gy multiplies) is finite, so that every skipped product 0·v is exactly 0 (a NaN or infinity must
 * still reach the result as NaN, as the dense path's products do).
 */
export function sparseEnough(gy: FloatArray, ny: number, other: FloatArray, nOther: number): boolean {
  // On the wasm backend the dense float32 gemm beats the TypeScript sparse kernels (see the tuning notes).
  if (gy instanceof Float32Array && wasmActive()) return false;
  return countNonzero(gy, ny) <= ny * SPARSE_MAX_DENSITY && allFinite(other, nOther);
}

let nzOffs = new Int32Array(0);
let nzVals = new Float64Array(0);
let gwAcc = new Float64Array(0);

/** The nonzero-list scratch (offsets and values), at least `size` entries each. */
function nzScratch(size: number): void {
  if (nzOffs.length < size) {
    nzOffs = new Int32Array(grow(size));
    nzVals = new Float64Array(nzOffs.length);
  }
}

/**
 * Compacts the nonzeros of src[s + i·ss], i < n, into offs/vals from index e: offs gets base + offsets[i]
 * (or base + i·step when offsets is null), vals the value. Returns the new end. Branch-free: every entry is
 * written, and the end advances only past nonzeros.
 */
function compact(
  src: FloatArray, s: number, ss: number, n: number,
  base: number, offsets: Int32Array | null, step: number,
  offs: Int32Array, vals: Float64Array, e: number,
): number {
  if (offsets !== null) {
    for (let i = 0; i < n; i++, s += ss) {
      const v = src[s]!;
      offs[e] = base + offsets[i]!;
      vals[e] = v;
      e += (v !== 0) as unknown as number | 0;
    }
  } else {
    for (let i = 0; i < n; i++, s += ss) {
      const v = src[s]!;
      offs[e] = base + i * step;
      vals[e] = v;
      e += (v !== 0) as unknown as number | 0;
    }
  }
  return e;
}

/**
 * acc[a + t] += Σ_{e < ne} vals[e] · X[offs[e] + taps[k0 + t]] for t < 8: eight taps of one row of the
 * weight gradient, accumulated in registers over a nonzero list (8 sums and 8 products fit the 16 XMM
 * registers; measured ~20% faster per product than 4 taps, which reload the list twice as often).
 */
function sparseDot8(X: FloatArray, offs: Int32Array, vals: Float64Array, ne: number, taps: Int32Array, k0: number, acc: Float64Array, a: number): void {
  const t0 = taps[k0]!, t1 = taps[k0 + 1]!, t2 = taps[k0 + 2]!, t3 = taps[k0 + 3]!;
  const t4 = taps[k0 + 4]!, t5 = taps[k0 + 5]!, t6 = taps[k0 + 6]!, t7 = taps[k0 + 7]!;
  let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0;
  for (let e = 0; e < ne; e = (e + 1) | 0) {
    const v = vals[e]!, o = offs[e]!;
    s0 += v * X[(o + t0) | 0]!;
    s1 += v * X[(o + t1) | 0]!;
    s2 += v * X[(o + t2) | 0]!;
    s3 += v * X[(o + t3) | 0]!;
    s4 += v * X[(o + t4) | 0]!;
    s5 += v * X[(o + t5) | 0]!;
    s6 += v * X[(o + t6) | 0]!;
    s7 += v * X[(o + t7) | 0]!;
  }
  acc[a] += s0;
  acc[a + 1] += s1;
  acc[a + 2] += s2;
  acc[a + 3] += s3;
  acc[a + 4] += s4;
  acc[a + 5] += s5;
  acc[a + 6] += s6;
  acc[a + 7] += s7;
}

/**
 * The taps of a weight-gradient row padded to a multiple of 8 entries (by repeating the last), so that
 * {@link sparseDot8} covers the row in whole groups; the padding's sums land in accumulator columns that
 * are dropped. `taps` null means the row is contiguous: taps 0..K−1.
 */
function padTaps(taps: Int32Array | null, K: number): Int32Array {
  const t = new Int32Array(Math.ceil(K / 8) * 8);
  for (let i = 0; i < t.length; i++) {
    const k = i < K ? i : K - 1;
    t[i] = taps === null ? k : taps[k]!;
  }
  return t;
}

/**
 * Sparse weight gradient: gw[o, k] = Σ G(o, l) · cols(k, l) over the nonzero G(o, l) only. Per chunk of
 * images and per output channel, the nonzeros are compacted into a list of (offset, value); then each group
 * of eight taps is a set of dot products over that list, in registers. Unpadded, cols(k, l) is read straight
 * from x (offset = the pixel's, taps from {@link tapOffsets}); padded, from the chunk's {@link im2colT}
 * (offset = l·K, taps 0..K−1). Sums are kept in float64 and rounded to gw's dtype once.
 */
export function backWeightSparse(x: FloatArray, gy: FloatArray, gw: FloatArray, g: Conv2dGeometry): void {
  const N = g.n, O = g.o, OHW = g.oh * g.ow, K = g.c * g.kh * g.kw, CHW = g.c * g.h * g.w;
  const unpadded = g.ph === 0 && g.pw === 0;
  const taps = padTaps(unpadded ? tapOffsets(g) : null, K);
  const KP = taps.length;
  if (gwAcc.length < O * KP) gwAcc = new Float64Array(grow(O * KP));
  const acc = gwAcc;
  acc.fill(0, 0, O * KP);
  const bytes = x instanceof Float32Array ? 4 : 8;
  const chunk = unpadded ? Math.max(1, Math.min(N, Math.floor(SPARSE_CHUNK_BYTES / (bytes * Math.max(1, CHW))))) : chunkSize(g, x);
  const pixels = unpadded ? pixelOffsets(g, 1) : null;
  const cols = unpadded ? x : colsScratch(x, K * chunk * OHW);
  nzScratch(chunk * OHW);
  const offs = nzOffs, vals = nzVals;
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nb = Math.min(chunk, N - n0);
    if (!unpadded) im2colT(x, n0, nb, g, cols);
    for (let o = 0; o < O; o++) {
      let ne = 0;
      for (let b = 0; b < nb; b++) {
        const row = (n0 + b) * O * OHW + o * OHW;
        ne = unpadded
          ? compact(gy, row, 1, OHW, (n0 + b) * CHW, pixels, 0, offs, vals, ne)
          : compact(gy, row, 1, OHW, b * OHW * K, null, K, offs, vals, ne);
      }
      if (ne === 0) continue;
      for (let k = 0; k < KP; k += 8) sparseDot8(cols, offs, vals, ne, taps, k, acc, o * KP + k);
    }
  }
  for (let o = 0; o < O; o++) {
    for (let k = 0; k < K; k++) gw[o * K + k] = acc[o * KP + k]!;
  }
}

let wPad64 = new Float64Array(0);
let rowScratch = new Float64Array(0);

/**
 * Sparse input gradient, one output pixel (n, i, j) at a time: the pixel's nonzero cotangents G(o) are
 * compacted into a list, its cols row r[k] = Σ_o G(o) · w[o, k] is computed eight taps at a time in
 * registers over that list (w copied once into float64 rows padded to a multiple of 8 taps), and the row is
 * scattered into gx at once while it is in L1 (the adjoint of im2colT for that pixel). gx is overwritten.
 */
export function backInputSparse(gy: FloatArray, w: FloatArray, gx: FloatArray, g: Conv2dGeometry): void {
  const N = g.n, O = g.o, C = g.c, H = g.h, W = g.w, KH = g.kh, KW = g.kw, OH = g.oh, OW = g.ow;
  const sh = g.sh, sw = g.sw, dh = g.dh, dw = g.dw, ph = g.ph, pw = g.pw;
  const OHW = OH * OW, K = C * KH * KW, KP = Math.ceil(K / 8) * 8, HW = H * W, CHW = C * HW, KK = KH * KW, dhW = dh * W;
  if (wPad64.length < O * KP) wPad64 = new Float64Array(grow(O * KP));
  if (rowScratch.length < KP) rowScratch = new Float64Array(grow(KP));
  const wp = wPad64, row = rowScratch;
  for (let o = 0; o < O; o++) {
    for (let k = 0; k < K; k++) wp[o * KP + k] = w[o * K + k]!;
    wp.fill(0, o * KP + K, (o + 1) * KP);
  }
  nzScratch(O);
  const offs = nzOffs, vals = nzVals;
  gx.fill(0, 0, N * CHW);
  for (let n = 0; n < N; n++) {
    const img = n * CHW;
    for (let i = 0; i < OH; i++) {
      const u0 = i * sh - ph;
      const p0 = Math.min(validLo(u0, dh), KH);
      const p1 = validHi(u0, dh, H, KH, p0);
      for (let j = 0; j < OW; j++) {
        const ne = compact(gy, n * O * OHW + i * OW + j, OHW, O, 0, null, KP, offs, vals, 0);
        if (ne === 0) continue;
        sparseRow(wp, offs, vals, ne, KP, row);
        const v0 = j * sw - pw;
        const q0 = Math.min(validLo(v0, dw), KW);
        const q1 = validHi(v0, dw, W, KW, q0);
        for (let ci = 0; ci < C; ci++) {
          const base = img + ci * HW + u0 * W + v0 + q0 * dw;
          for (let p = p0; p < p1; p++) {
            let t = base + p * dhW;
            let s = ci * KK + p * KW + q0;
            const e = s + (q1 - q0);
            if (dw === 1) {
              for (; s < e; s++) gx[t++] += row[s]!;
            } else {
              for (; s < e; s++) { gx[t] += row[s]!; t += dw; }
            }
          }
        }
      }
    }
  }
}

/** row[k] = Σ_{e < ne} vals[e] · wp[offs[e] + k] for k < KP (a multiple of 8), eight sums in registers. */
function sparseRow(wp: Float64Array, offs: Int32Array, vals: Float64Array, ne: number, KP: number, row: Float64Array): void {
  for (let k = 0; k < KP; k += 8) {
    let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0;
    for (let e = 0; e < ne; e++) {
      const v = vals[e]!, b = (offs[e]! + k) | 0;
      s0 += v * wp[b]!;
      s1 += v * wp[(b + 1) | 0]!;
      s2 += v * wp[(b + 2) | 0]!;
      s3 += v * wp[(b + 3) | 0]!;
      s4 += v * wp[(b + 4) | 0]!;
      s5 += v * wp[(b + 5) | 0]!;
      s6 += v * wp[(b + 6) | 0]!;
      s7 += v * wp[(b + 7) | 0]!;
    }
    row[k] = s0;
    row[k + 1] = s1;
    row[k + 2] = s2;
    row[k + 3] = s3;
    row[k + 4] = s4;
    row[k + 5] = s5;
    row[k + 6] = s6;
    row[k + 7] = s7;
  }
}

