/**
 * 2-D convolution kernels (cross-correlation, as in PyTorch's `conv2d`) on raw contiguous NCHW storage.
 *
 * Layouts: input x is [N, C, H, W]; weight w is OIHW [O, C, KH, KW]; output y is [N, O, OH, OW], with
 *
 *   OH = floor((H + 2·ph − dh·(KH−1) − 1) / sh) + 1,   OW likewise with (W, pw, dw, KW, sw).
 *
 * Forward:
 *
 *   y[n,o,i,j] = Σ_{c,p,q} x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw] · w[o,c,p,q]
 *
 * where an x index outside [0,H)×[0,W) reads as 0 (zero padding).
 *
 * Vector–Jacobian products for an upstream gradient gy = ∂L/∂y (same shape as y):
 *
 *   gx[n,c,u,v] = Σ_{o,p,q,i,j : i·sh − ph + p·dh = u, j·sw − pw + q·dw = v} gy[n,o,i,j] · w[o,c,p,q]
 *               (the transposed convolution of gy with w: every gy[n,o,i,j]·w[o,c,p,q] is scattered
 *                back to the x position it was read from; positions in the padding are dropped)
 *
 *   gw[o,c,p,q] = Σ_{n,i,j} gy[n,o,i,j] · x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw]
 *               (summed over the batch; padded positions contribute 0)
 *
 * Implementation (im2col + gemm). For a chunk of nb images, with K = C·KH·KW, L = nb·OH·OW, row index
 * k = (c·KH + p)·KW + q and column index l = b·OH·OW + i·OW + j, the column matrix is
 *
 *   cols(k, l) = x[n0+b, c, i·sh − ph + p·dh, j·sw − pw + q·dw]   (0 if padded),
 *
 * stored either as [K, L] (row k contiguous: copy runs of OW along j) or, when KW > OW, transposed as
 * [L, K] (copy runs of KW along q; for the 1×1-output layer this is a plain copy of each image instead of
 * one loop setup per element). With W2 = w viewed as the row-major [O, K] matrix and G = gy of the chunk
 * viewed as [O, L]:
 *
 *   forward:          Y  = W2 · cols                      ([O, L], copied back to [nb, O, OH·OW])
 *   backward input:   cols' = W2ᵀ · G (or its transpose Gᵀ·W2 in the [L, K] layout), then col2im:
 *                     the scatter-add of cols' into gx, the adjoint of im2col
 *   backward weight:  gw += G · colsᵀ                     (gemm's accumulate flag across chunks)
 *
 * Transposes are expressed as gemm strides, never copied. Without padding every tap is inside the image, so
 * cols(k, l) = x[n0·C·H·W + taps[k] + pixels[l]] for two small offset tables, and the forward pass and the
 * weight gradient build no cols at all: gemmGather packs straight from x (one copy of each element into
 * gemm's panels instead of im2col's copy plus gemm's; measured 15–30% faster on the DrLIM layers). Padded
 * convolutions and the input gradient (whose col2im is a scatter) use the cols buffer. When most of gy is
 * zero (ReLU then max pooling), the backward kernels skip the zeros instead of running the gemm (see the
 * tuning notes). Images are grouped into chunks of nb images so
 * the gemm's L dimension is at least {@link TARGET_COLS} even for tiny outputs (OH·OW = 1 in the second
 * DrLIM layer). With nb = 1 gemm reads/writes the image's slice of y / gy in place; with nb > 1 the
 * [O, L] block is copied to/from NCHW order (O·L moves against 2·O·K·L flops). A 1×1, stride-1, unpadded
 * convolution on a wide image skips im2col altogether (cols is the image itself).
 *
 * Tuning notes (float32, 2-core VM shared with other jobs, so CPU time and best of many interleaved runs):
 * - Chunking: batching images helps only when OH·OW is small. OH·OW = 1 (64×15×9×9 ∗ 30×15×9×9) runs at
 *   0.3 GF/s one image at a time and 1.2–1.9 GF/s with chunks of ≥ 32 images; for OH·OW = 64 (12×12 ∗ 5×5)
 *   chunks of 64–256 columns are within noise of per-image calls (1024+ slightly worse), and for
 *   OH·OW = 729 (32×32 ∗ 6×6) per-image calls beat 1024- and 4096-column chunks by 5–10% (no NCHW copy).
 *   Hence TARGET_COLS = 128.
 * - Layout: for 64×15×9×9 ∗ 30×15×9×9 the [L, K] im2col takes 0.32 ms against 0.93 ms for [K, L] and
 *   col2im 0.39 against 1.15 ms (the gemm itself, ~1.6 ms, is the same either way: B is packed from
 *   strides); for 32×32 ∗ 6×6 (OW = 27 > KW = 6) [K, L] is ~20% faster (0.069 vs 0.085 ms per image), for
 *   12×12 ∗ 5×5 they tie. Hence [L, K] exactly when KW > OW.
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
 * - A direct (no im2col) forward kernel was measured for the C = 1 first layer (64×1×32×32 ∗ 15×1×6×6)
 *   in both axpy and dot-product loop orders: 0.6 GF/s against 2.1 GF/s for im2col + gemm, so there is
 *   no direct path.
 *
 * Scratch buffers (cols and the [O, L] block) are module-level, one set per dtype, grown when needed, so
 * steady-state calls allocate nothing. All arrays of one call must have the same dtype (Float32Array or
 * Float64Array). Arguments are not validated here; the caller checks shapes and lengths.
 */
import { gemm, gemmGather, type FloatArray } from './gemm.js';
import { wasmActive } from './backend.js';
import { convDirectBackwardWeightWasm, convDirectForwardWasm, directForwardApplies, directWeightApplies } from './wasm/conv.js';

/** Every size of one 2-D convolution: batch n, channels c → o, input h×w, kernel kh×kw, output oh×ow,
 *  stride (sh, sw), zero padding (ph, pw), dilation (dh, dw). */
export interface Conv2dGeometry {
  n: number; c: number; h: number; w: number;
  o: number; kh: number; kw: number;
  oh: number; ow: number;
  sh: number; sw: number;
  ph: number; pw: number;
  dh: number; dw: number;
}

/**
 * Geometry of `conv2d(x, w)` for x of shape [N, C, H, W] and w of shape [O, C, KH, KW]:
 * OH = floor((H + 2·ph − dh·(KH−1) − 1)/sh) + 1, OW likewise. Arithmetic only — the caller validates
 * ranks, channel agreement, positivity and OH, OW ≥ 1.
 */
export function conv2dGeometry(
  xShape: readonly number[], wShape: readonly number[],
  stride: [number, number], padding: [number, number], dilation: [number, number],
): Conv2dGeometry {
  const [n, c, h, w] = xShape as [number, number, number, number];
  const [o, , kh, kw] = wShape as [number, number, number, number];
  const [sh, sw] = stride;
  const [ph, pw] = padding;
  const [dh, dw] = dilation;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  return { n, c, h, w, o, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw };
}

/** Minimum gemm width N = nb·OH·OW a chunk of images aims for (measured: see the tuning notes above). */
const TARGET_COLS = 128;
/**
 * TARGET_COLS on the wasm backend: wider chunks, so that each gemm is large enough to split between threads and
 * the per-call copies into wasm memory are amortised.
 */
const WASM_TARGET_COLS = 8192;
/** Upper bound on the cols scratch (elements), so huge batches are processed in chunks. */
const MAX_COLS_ELEMS = 1 << 22;

let cols32 = new Float32Array(0);
let cols64 = new Float64Array(0);
let blk32 = new Float32Array(0);
let blk64 = new Float64Array(0);

function grow(size: number): number {
  let s = 1024;
  while (s < size) s *= 2;
  return s;
}

/** The module's cols scratch in `like`'s dtype, at least `size` elements. */
function colsScratch(like: FloatArray, size: number): FloatArray {
  if (like instanceof Float32Array) {
    if (cols32.length < size) cols32 = new Float32Array(grow(size));
    return cols32;
  }
  if (cols64.length < size) cols64 = new Float64Array(grow(size));
  return cols64;
}

/** The module's [O, L] block scratch in `like`'s dtype, at least `size` elements. */
function blockScratch(like: FloatArray, size: number): FloatArray {
  if (like instanceof Float32Array) {
    if (blk32.length < size) blk32 = new Float32Array(grow(size));
    return blk32;
  }
  if (blk64.length < size) blk64 = new Float64Array(grow(size));
  return blk64;
}

/** Smallest t ≥ 0 with t·s + off ≥ 0 (first output index whose tap at offset `off` lands inside). */
function validLo(off: number, s: number): number {
  return off >= 0 ? 0 : Math.floor((s - 1 - off) / s);
}

/** One past the largest t < outLen with t·s + off < inLen, and never below `lo`. */
function validHi(off: number, s: number, inLen: number, outLen: number, lo: number): number {
  const last = inLen - 1 - off;
  const hi = last < 0 ? 0 : Math.min(outLen, Math.floor(last / s) + 1);
  return hi < lo ? lo : hi;
}

/** Images per chunk: enough that nb·OH·OW ≥ TARGET_COLS, within the batch and the scratch cap. */
function chunkSize(g: Conv2dGeometry, like: FloatArray): number {
  const ohw = g.oh * g.ow;
  const k = g.c * g.kh * g.kw;
  const target = like instanceof Float32Array && wasmActive() ? WASM_TARGET_COLS : TARGET_COLS;
  let nb = Math.max(1, Math.ceil(target / ohw));
  const cap = Math.max(1, Math.floor(MAX_COLS_ELEMS / Math.max(1, k * ohw)));
  if (nb > cap) nb = cap;
  if (nb > g.n) nb = g.n;
  return Math.max(1, nb);
}

/** True when cols of one image is the image itself (1×1 kernel, stride 1, no padding) and wide enough. */
function isPointwise(g: Conv2dGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0 &&
    g.oh * g.ow >= TARGET_COLS;
}

/**
 * Row offsets of the im2col matrix of an unpadded convolution, relative to the image:
 * taps[(c·KH + p)·KW + q] = c·H·W + p·dh·W + q·dw. With {@link pixelOffsets}, cols(k, l) is
 * x[n0·C·H·W + taps[k] + pixels[l]], which gemmGather packs straight from x.
 */
function tapOffsets(g: Conv2dGeometry): Int32Array {
  const taps = new Int32Array(g.c * g.kh * g.kw);
  let t = 0;
  for (let ci = 0; ci < g.c; ci++) {
    for (let p = 0; p < g.kh; p++) {
      for (let q = 0; q < g.kw; q++) taps[t++] = ci * g.h * g.w + p * g.dh * g.w + q * g.dw;
    }
  }
  return taps;
}

/** Column offsets of the im2col matrix of nb images: pixels[b·OH·OW + i·OW + j] = b·C·H·W + i·sh·W + j·sw. */
function pixelOffsets(g: Conv2dGeometry, nb: number): Int32Array {
  const pixels = new Int32Array(nb * g.oh * g.ow);
  let t = 0;
  for (let b = 0; b < nb; b++) {
    for (let i = 0; i < g.oh; i++) {
      for (let j = 0; j < g.ow; j++) pixels[t++] = b * g.c * g.h * g.w + i * g.sh * g.w + j * g.sw;
    }
  }
  return pixels;
}

/**
 * cols[(c·KH + p)·KW + q, b·OH·OW + i·OW + j] = x[n0+b, c, i·sh − ph + p·dh, j·sw − pw + q·dw] (0 when
 * padded), for b in [0, nb). Written sequentially; the valid i and j ranges of each tap are computed once.
 */
function im2col(x: FloatArray, n0: number, nb: number, g: Conv2dGeometry, cols: FloatArray): void {
  const C = g.c, H = g.h, W = g.w, KH = g.kh, KW = g.kw, OH = g.oh, OW = g.ow;
  const sh = g.sh, sw = g.sw, dh = g.dh, dw = g.dw, ph = g.ph, pw = g.pw;
  const HW = H * W, CHW = C * HW;
  let d = 0;
  for (let ci = 0; ci < C; ci++) {
    for (let p = 0; p < KH; p++) {
      const rOff = p * dh - ph;
      const i0 = Math.min(validLo(rOff, sh), OH);
      const i1 = validHi(rOff, sh, H, OH, i0);
      for (let q = 0; q < KW; q++) {
        const cOff = q * dw - pw;
        const j0 = Math.min(validLo(cOff, sw), OW);
        const j1 = validHi(cOff, sw, W, OW, j0);
        for (let b = 0; b < nb; b++) {
          const plane = (n0 + b) * CHW + ci * HW;
          for (let e = d + i0 * OW; d < e; d++) cols[d] = 0;
          for (let i = i0; i < i1; i++) {
            let s = plane + (i * sh + rOff) * W + j0 * sw + cOff;
            for (let e = d + j0; d < e; d++) cols[d] = 0;
            if (sw === 1) {
              for (let e = d + (j1 - j0); d < e; d++) cols[d] = x[s++]!;
            } else {
              for (let e = d + (j1 - j0); d < e; d++) { cols[d] = x[s]!; s += sw; }
            }
            for (let e = d + (OW - j1); d < e; d++) cols[d] = 0;
          }
          for (let e = d + (OH - i1) * OW; d < e; d++) cols[d] = 0;
        }
      }
    }
  }
}

/**
 * Inverse of {@link im2col} as a scatter-add: overwrites the nb images of gx starting at n0 with
 * gx[n0+b, c, i·sh − ph + p·dh, j·sw − pw + q·dw] += cols[(c·KH + p)·KW + q, b·OH·OW + i·OW + j]
 * over all in-bounds positions.
 */
function col2im(cols: FloatArray, n0: number, nb: number, g: Conv2dGeometry, gx: FloatArray): void {
  const C = g.c, H = g.h, W = g.w, KH = g.kh, KW = g.kw, OH = g.oh, OW = g.ow;
  const sh = g.sh, sw = g.sw, dh = g.dh, dw = g.dw, ph = g.ph, pw = g.pw;
  const HW = H * W, CHW = C * HW, OHW = OH * OW, L = nb * OHW;
  gx.fill(0, n0 * CHW, (n0 + nb) * CHW);
  for (let b = 0; b < nb; b++) {
    for (let ci = 0; ci < C; ci++) {
      const plane = (n0 + b) * CHW + ci * HW;
      for (let p = 0; p < KH; p++) {
        const rOff = p * dh - ph;
        const i0 = Math.min(validLo(rOff, sh), OH);
        const i1 = validHi(rOff, sh, H, OH, i0);
        for (let q = 0; q < KW; q++) {
          const cOff = q * dw - pw;
          const j0 = Math.min(validLo(cOff, sw), OW);
          const j1 = validHi(cOff, sw, W, OW, j0);
          const rowBase = ((ci * KH + p) * KW + q) * L + b * OHW;
          for (let i = i0; i < i1; i++) {
            let t = plane + (i * sh + rOff) * W + j0 * sw + cOff;
            let s = rowBase + i * OW + j0;
            const e = s + (j1 - j0);
            if (sw === 1) {
              for (; s < e; s++) gx[t++] += cols[s]!;
            } else {
              for (; s < e; s++) { gx[t] += cols[s]!; t += sw; }
            }
          }
        }
      }
    }
  }
}

/**
 * The [L, K] layout of {@link im2col}: colsT[b·OH·OW + i·OW + j, (c·KH + p)·KW + q] =
 * x[n0+b, c, i·sh − ph + p·dh, j·sw − pw + q·dw] (0 when padded). Written sequentially; the valid p and q
 * ranges are computed once per output pixel.
 */
function im2colT(x: FloatArray, n0: number, nb: number, g: Conv2dGeometry, cols: FloatArray): void {
  const C = g.c, H = g.h, W = g.w, KH = g.kh, KW = g.kw, OH = g.oh, OW = g.ow;
  const sh = g.sh, sw = g.sw, dh = g.dh, dw = g.dw, ph = g.ph, pw = g.pw;
  const HW = H * W, CHW = C * HW, dhW = dh * W;
  let d = 0;
  for (let b = 0; b < nb; b++) {
    const img = (n0 + b) * CHW;
    for (let i = 0; i < OH; i++) {
      const u0 = i * sh - ph;
      const p0 = Math.min(validLo(u0, dh), KH);
      const p1 = validHi(u0, dh, H, KH, p0);
      for (let j = 0; j < OW; j++) {
        const v0 = j * sw - pw;
        const q0 = Math.min(validLo(v0, dw), KW);
        const q1 = validHi(v0, dw, W, KW, q0);
        for (let ci = 0; ci < C; ci++) {
          const base = img + ci * HW + u0 * W + v0 + q0 * dw;
          for (let e = d + p0 * KW; d < e; d++) cols[d] = 0;
          for (let p = p0; p < p1; p++) {
            let s = base + p * dhW;
            for (let e = d + q0; d < e; d++) cols[d] = 0;
            if (dw === 1) {
              for (let e = d + (q1 - q0); d < e; d++) cols[d] = x[s++]!;
            } else {
              for (let e = d + (q1 - q0); d < e; d++) { cols[d] = x[s]!; s += dw; }
            }
            for (let e = d + (KW - q1); d < e; d++) cols[d] = 0;
          }
          for (let e = d + (KH - p1) * KW; d < e; d++) cols[d] = 0;
        }
      }
    }
  }
}

/** Adjoint of {@link im2colT}: overwrites the nb images of gx starting at n0 with the scatter-add of colsT. */
function col2imT(cols: FloatArray, n0: number, nb: number, g: Conv2dGeometry, gx: FloatArray): void {
  const C = g.c, H = g.h, W = g.w, KH = g.kh, KW = g.kw, OH = g.oh, OW = g.ow;
  const sh = g.sh, sw = g.sw, dh = g.dh, dw = g.dw, ph = g.ph, pw = g.pw;
  const HW = H * W, CHW = C * HW, KK = KH * KW, dhW = dh * W;
  gx.fill(0, n0 * CHW, (n0 + nb) * CHW);
  let d = 0;
  for (let b = 0; b < nb; b++) {
    const img = (n0 + b) * CHW;
    for (let i = 0; i < OH; i++) {
      const u0 = i * sh - ph;
      const p0 = Math.min(validLo(u0, dh), KH);
      const p1 = validHi(u0, dh, H, KH, p0);
      for (let j = 0; j < OW; j++) {
        const v0 = j * sw - pw;
        const q0 = Math.min(validLo(v0, dw), KW);
        const q1 = validHi(v0, dw, W, KW, q0);
        for (let ci = 0; ci < C; ci++, d += KK) {
          const base = img + ci * HW + u0 * W + v0 + q0 * dw;
          for (let p = p0; p < p1; p++) {
            let t = base + p * dhW;
            let s = d + p * KW + q0;
            const e = s + (q1 - q0);
            if (dw === 1) {
              for (; s < e; s++) gx[t++] += cols[s]!;
            } else {
              for (; s < e; s++) { gx[t] += cols[s]!; t += dw; }
            }
          }
        }
      }
    }
  }
}

/** Shortest run gatherBlock/scatterBlock copy with TypedArray.set rather than an element loop. */
const COPY_MIN = 32;

/** blk[o, b·OHW + r] = src[(n0+b)·O·OHW + o·OHW + r]: the chunk's NCHW gradient as an [O, L] matrix. */
function gatherBlock(src: FloatArray, n0: number, nb: number, O: number, OHW: number, blk: FloatArray): void {
  const L = nb * OHW;
  for (let b = 0; b < nb; b++) {
    let s = (n0 + b) * O * OHW;
    for (let o = 0; o < O; o++) {
      let d = o * L + b * OHW;
      // A typed-array copy (memmove) beats the element loop ~10× from a few dozen elements on.
      if (OHW >= COPY_MIN) {
        blk.set(src.subarray(s, s + OHW), d);
        s += OHW;
      } else {
        for (let e = d + OHW; d < e; d++) blk[d] = src[s++]!;
      }
    }
  }
}

/** dst[(n0+b)·O·OHW + o·OHW + r] = blk[o, b·OHW + r]: the inverse of {@link gatherBlock}. */
function scatterBlock(blk: FloatArray, n0: number, nb: number, O: number, OHW: number, dst: FloatArray): void {
  const L = nb * OHW;
  for (let b = 0; b < nb; b++) {
    let d = (n0 + b) * O * OHW;
    for (let o = 0; o < O; o++) {
      let s = o * L + b * OHW;
      if (OHW >= COPY_MIN) {
        dst.set(blk.subarray(s, s + OHW), d);
        d += OHW;
      } else {
        for (let e = s + OHW; s < e; s++) dst[d++] = blk[s]!;
      }
    }
  }
}

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
const SPARSE_MIN_TAPS = 32;
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
function sparseEnough(gy: FloatArray, ny: number, other: FloatArray, nOther: number): boolean {
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
function backWeightSparse(x: FloatArray, gy: FloatArray, gw: FloatArray, g: Conv2dGeometry): void {
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
function backInputSparse(gy: FloatArray, w: FloatArray, gx: FloatArray, g: Conv2dGeometry): void {
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

/**
 * Forward convolution: out[n,o,i,j] = Σ_{c,p,q} x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw] · w[o,c,p,q]
 * (zero padding). `out` ([N, O, OH, OW]) is fully overwritten.
 */
export function conv2dForward(x: FloatArray, w: FloatArray, out: FloatArray, g: Conv2dGeometry): void {
  const N = g.n, O = g.o, OHW = g.oh * g.ow, K = g.c * g.kh * g.kw;
  if (N === 0 || O === 0 || OHW === 0) return;
  if (isPointwise(g)) {
    for (let n = 0; n < N; n++) {
      gemm(O, OHW, K, w, 0, K, 1, x, n * K * OHW, OHW, 1, out, n * O * OHW, OHW, false);
    }
    return;
  }
  if (x instanceof Float32Array && directForwardApplies(g) && wasmActive()) {
    convDirectForwardWasm(x, w as Float32Array, out as Float32Array, g);
    return;
  }
  const chunk = chunkSize(g, w);
  if (g.ph === 0 && g.pw === 0) {
    // Unpadded: every tap is inside the image, so gemm gathers cols straight from x.
    const taps = tapOffsets(g), pixels = pixelOffsets(g, chunk), CHW = g.c * g.h * g.w;
    for (let n0 = 0; n0 < N; n0 += chunk) {
      const nb = Math.min(chunk, N - n0);
      const L = nb * OHW;
      if (nb === 1) {
        gemmGather(O, OHW, K, w, 0, K, 1, x, n0 * CHW, taps, pixels, out, n0 * O * OHW, OHW, false);
      } else {
        const blk = blockScratch(x, O * L);
        gemmGather(O, L, K, w, 0, K, 1, x, n0 * CHW, taps, pixels, blk, 0, L, false);
        scatterBlock(blk, n0, nb, O, OHW, out);
      }
    }
    return;
  }
  const cols = colsScratch(x, K * chunk * OHW);
  const lk = g.kw > g.ow;
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nb = Math.min(chunk, N - n0);
    const L = nb * OHW;
    // B = cols as a K×L matrix: [K, L] row-major, or the transpose of the [L, K] layout.
    const bRs = lk ? 1 : L, bCs = lk ? K : 1;
    if (lk) im2colT(x, n0, nb, g, cols);
    else im2col(x, n0, nb, g, cols);
    if (nb === 1) {
      gemm(O, OHW, K, w, 0, K, 1, cols, 0, bRs, bCs, out, n0 * O * OHW, OHW, false);
    } else {
      const blk = blockScratch(x, O * L);
      gemm(O, L, K, w, 0, K, 1, cols, 0, bRs, bCs, blk, 0, L, false);
      scatterBlock(blk, n0, nb, O, OHW, out);
    }
  }
}

/**
 * Gradient with respect to the input (the transposed convolution of gy with w):
 * gx[n,c,u,v] = Σ gy[n,o,i,j] · w[o,c,p,q] over all (o,p,q,i,j) with i·sh − ph + p·dh = u and
 * j·sw − pw + q·dw = v. `gx` ([N, C, H, W]) is fully overwritten.
 */
export function conv2dBackwardInput(gy: FloatArray, w: FloatArray, gx: FloatArray, g: Conv2dGeometry): void {
  const N = g.n, O = g.o, OHW = g.oh * g.ow, K = g.c * g.kh * g.kw;
  if (N === 0) return;
  if (O === 0 || OHW === 0) {
    gx.fill(0, 0, N * g.c * g.h * g.w);
    return;
  }
  if (isPointwise(g)) {
    for (let n = 0; n < N; n++) {
      // gx[n] ([C, HW]) = W2ᵀ · gy[n]: A(c, o) = w[o·C + c].
      gemm(K, OHW, O, w, 0, 1, K, gy, n * O * OHW, OHW, 1, gx, n * K * OHW, OHW, false);
    }
    return;
  }
  if (sparseEnough(gy, N * O * OHW, w, O * K)) {
    backInputSparse(gy, w, gx, g);
    return;
  }
  const chunk = chunkSize(g, w);
  const cols = colsScratch(gy, K * chunk * OHW);
  const lk = g.kw > g.ow;
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nb = Math.min(chunk, N - n0);
    const L = nb * OHW;
    // G ([O, L]): the image's gy slice in place when nb = 1, else gathered into blk.
    let G: FloatArray = gy, gOff = n0 * O * OHW;
    if (nb > 1) {
      G = blockScratch(gy, O * L);
      gOff = 0;
      gatherBlock(gy, n0, nb, O, OHW, G);
    }
    if (lk) {
      // colsT' ([L, K]) = Gᵀ · W2: A(l, o) = G[o·L + l], B = w as [O, K].
      gemm(L, K, O, G, gOff, 1, L, w, 0, K, 1, cols, 0, K, false);
      col2imT(cols, n0, nb, g, gx);
    } else {
      // cols' ([K, L]) = W2ᵀ · G: A(k, o) = w[o·K + k].
      gemm(K, L, O, w, 0, 1, K, G, gOff, L, 1, cols, 0, L, false);
      col2im(cols, n0, nb, g, gx);
    }
  }
}

/**
 * Gradient with respect to the weight, summed over the batch:
 * gw[o,c,p,q] = Σ_{n,i,j} gy[n,o,i,j] · x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw] (padded reads are 0).
 * `gw` ([O, C, KH, KW]) is fully overwritten.
 */
export function conv2dBackwardWeight(x: FloatArray, gy: FloatArray, gw: FloatArray, g: Conv2dGeometry): void {
  const N = g.n, O = g.o, OHW = g.oh * g.ow, K = g.c * g.kh * g.kw;
  if (N === 0 || OHW === 0) {
    gw.fill(0, 0, O * K);
    return;
  }
  if (O === 0) return;
  if (isPointwise(g)) {
    for (let n = 0; n < N; n++) {
      // gw ([O, C]) += gy[n] · x[n]ᵀ: B(r, c) = x[n·C·HW + c·HW + r].
      gemm(O, K, OHW, gy, n * O * OHW, OHW, 1, x, n * K * OHW, 1, OHW, gw, 0, K, n > 0);
    }
    return;
  }
  if (x instanceof Float32Array && directWeightApplies(g) && wasmActive()) {
    convDirectBackwardWeightWasm(x, gy as Float32Array, gw as Float32Array, g);
    return;
  }
  if (K >= SPARSE_MIN_TAPS && sparseEnough(gy, N * O * OHW, x, N * g.c * g.h * g.w)) {
    backWeightSparse(x, gy, gw, g);
    return;
  }
  const chunk = chunkSize(g, x);
  if (g.ph === 0 && g.pw === 0) {
    // Unpadded: B = colsᵀ gathered straight from x (rows: output pixels, columns: taps).
    const taps = tapOffsets(g), pixels = pixelOffsets(g, chunk), CHW = g.c * g.h * g.w;
    for (let n0 = 0; n0 < N; n0 += chunk) {
      const nb = Math.min(chunk, N - n0);
      const L = nb * OHW;
      if (nb === 1) {
        gemmGather(O, K, OHW, gy, n0 * O * OHW, OHW, 1, x, n0 * CHW, pixels, taps, gw, 0, K, n0 > 0);
      } else {
        const blk = blockScratch(gy, O * L);
        gatherBlock(gy, n0, nb, O, OHW, blk);
        gemmGather(O, K, L, blk, 0, L, 1, x, n0 * CHW, pixels, taps, gw, 0, K, n0 > 0);
      }
    }
    return;
  }
  const cols = colsScratch(x, K * chunk * OHW);
  const lk = g.kw > g.ow;
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nb = Math.min(chunk, N - n0);
    const L = nb * OHW;
    // B = colsᵀ as an L×K matrix.
    const bRs = lk ? K : 1, bCs = lk ? 1 : L;
    if (lk) im2colT(x, n0, nb, g, cols);
    else im2col(x, n0, nb, g, cols);
    if (nb === 1) {
      gemm(O, K, OHW, gy, n0 * O * OHW, OHW, 1, cols, 0, bRs, bCs, gw, 0, K, n0 > 0);
    } else {
      const blk = blockScratch(gy, O * L);
      gatherBlock(gy, n0, nb, O, OHW, blk);
      gemm(O, K, L, blk, 0, L, 1, cols, 0, bRs, bCs, gw, 0, K, n0 > 0);
    }
  }
}
