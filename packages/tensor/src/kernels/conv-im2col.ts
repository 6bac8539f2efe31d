/**
 * The im2col machinery the convolution kernels share (kernels/conv.ts for the dense paths, kernels/conv-sparse.ts
 * for the zero-skipping backward paths): the geometry, the chunking of a batch into images per gemm, the offset
 * tables of gathered products, im2col / col2im in both layouts, the [O, L] block copies, and the module-level
 * scratch buffers (one set per dtype, grown when needed, so steady-state calls allocate nothing). The layouts and
 * the tuning behind every constant are described in kernels/conv.ts.
 */
import type { FloatArray } from '../dtype.js';
import { wasmActive } from './backend.js';

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

export function grow(size: number): number {
  let s = 1024;
  while (s < size) s *= 2;
  return s;
}

/** The module's cols scratch in `like`'s dtype, at least `size` elements. */
export function colsScratch(like: FloatArray, size: number): FloatArray {
  if (like instanceof Float32Array) {
    if (cols32.length < size) cols32 = new Float32Array(grow(size));
    return cols32;
  }
  if (cols64.length < size) cols64 = new Float64Array(grow(size));
  return cols64;
}

/** The module's [O, L] block scratch in `like`'s dtype, at least `size` elements. */
export function blockScratch(like: FloatArray, size: number): FloatArray {
  if (like instanceof Float32Array) {
    if (blk32.length < size) blk32 = new Float32Array(grow(size));
    return blk32;
  }
  if (blk64.length < size) blk64 = new Float64Array(grow(size));
  return blk64;
}

/** Smallest t ≥ 0 with t·s + off ≥ 0 (first output index whose tap at offset `off` lands inside). */
export function validLo(off: number, s: number): number {
  return off >= 0 ? 0 : Math.floor((s - 1 - off) / s);
}

/** One past the largest t < outLen with t·s + off < inLen, and never below `lo`. */
export function validHi(off: number, s: number, inLen: number, outLen: number, lo: number): number {
  const last = inLen - 1 - off;
  const hi = last < 0 ? 0 : Math.min(outLen, Math.floor(last / s) + 1);
  return hi < lo ? lo : hi;
}

/** Images per chunk: enough that nb·OH·OW ≥ TARGET_COLS, within the batch and the scratch cap. */
export function chunkSize(g: Conv2dGeometry, like: FloatArray): number {
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
export function isPointwise(g: Conv2dGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0 &&
    g.oh * g.ow >= TARGET_COLS;
}

/**
 * True when the kernel covers the whole unpadded image, once (OH = OW = 1, as DrLIM's 9×9 kernel on 9×9 maps):
 * an image's im2col column is the image itself, in (c, p, q) = (c, h, w) order, so the convolution is the
 * product of the [N, C·H·W] images with the [O, C·H·W] weights, and its input gradient is gy · W2 with no col2im.
 */
export function isWholeWindow(g: Conv2dGeometry): boolean {
  return g.kh === g.h && g.kw === g.w && g.ph === 0 && g.pw === 0 && g.dh === 1 && g.dw === 1 && g.oh === 1 && g.ow === 1;
}

/**
 * Row offsets of the im2col matrix of an unpadded convolution, relative to the image:
 * taps[(c·KH + p)·KW + q] = c·H·W + p·dh·W + q·dw. With {@link pixelOffsets}, cols(k, l) is
 * x[n0·C·H·W + taps[k] + pixels[l]], which gemmGather packs straight from x.
 */
export function tapOffsets(g: Conv2dGeometry): Int32Array {
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
export function pixelOffsets(g: Conv2dGeometry, nb: number): Int32Array {
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
export function im2col(x: FloatArray, n0: number, nb: number, g: Conv2dGeometry, cols: FloatArray): void {
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
export function col2im(cols: FloatArray, n0: number, nb: number, g: Conv2dGeometry, gx: FloatArray): void {
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
export function im2colT(x: FloatArray, n0: number, nb: number, g: Conv2dGeometry, cols: FloatArray): void {
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
export function col2imT(cols: FloatArray, n0: number, nb: number, g: Conv2dGeometry, gx: FloatArray): void {
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
export function gatherBlock(src: FloatArray, n0: number, nb: number, O: number, OHW: number, blk: FloatArray): void {
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
export function scatterBlock(blk: FloatArray, n0: number, nb: number, O: number, OHW: number, dst: FloatArray): void {
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

