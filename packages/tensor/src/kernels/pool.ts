/**
 * 2-D max and average pooling on raw contiguous NCHW storage (PyTorch semantics, ceil_mode = false).
 *
 * Input x is [N, C, H, W], output y is [N, C, OH, OW] with OH = floor((H + 2·ph − KH)/sh) + 1 (OW likewise).
 * Window (i, j) of plane (n, c) covers rows u ∈ [i·sh − ph, i·sh − ph + KH) and columns
 * v ∈ [j·sw − pw, j·sw − pw + KW); the parts of the window outside [0,H)×[0,W) are padding.
 *
 * Max pooling: y[n,c,i,j] = max over the in-bounds window (padding acts as −∞), and
 *   argmax[n,c,i,j] = u·W + v of the chosen element — a flat index into the (n, c) plane of x (H·W),
 *   as PyTorch's `return_indices`. Rule (PyTorch's CPU kernel): scan the window in row-major order starting
 *   from its first in-bounds element, replace the running max when `v > max || isNaN(v)`; so ties keep the
 *   first maximum and a NaN anywhere in the window wins (the last NaN, like PyTorch). A window with no
 *   in-bounds element (impossible when padding ≤ kernel/2, which the caller enforces) gives −∞ and −1.
 *   VJP: gx[n,c,·] = Σ_{i,j} gy[n,c,i,j] · e_{argmax[n,c,i,j]} (scatter-add; overlapping windows add).
 *
 * Average pooling: y[n,c,i,j] = (Σ_{in-bounds (u,v) in window} x[n,c,u,v]) / d(i,j), where with
 *   hs = i·sh − ph, he = min(hs + KH, H + ph) (columns likewise):
 *   countIncludePad = true  → d = (he − hs)·(we − ws): the window clipped to the padded input (PyTorch's
 *                             default count_include_pad=True; with ceil_mode = false no window reaches past
 *                             the padded input, so this is always KH·KW),
 *   countIncludePad = false → d = number of in-bounds elements of the window.
 *   VJP: gx[n,c,u,v] = Σ_{windows (i,j) containing (u,v)} gy[n,c,i,j] / d(i,j).
 *
 * Arrays of one call share a dtype (Float32Array or Float64Array); arguments are not validated here.
 */
import type { FloatArray } from '../dtype.js';
import { wasmActive } from './backend.js';
import { avgPoolBackwardWasm, avgPoolFits, avgPoolForwardWasm } from './wasm/avgpool.js';
import { maxPoolBackwardWasm, maxPoolFits, maxPoolForwardWasm } from './wasm/maxpool.js';

/**
 * Fewest input elements for which float32 pooling runs on the wasm kernels (backend 'wasm'), with the same
 * arithmetic, so bit-identical; below it the copies and the call cost more than the faster loop saves.
 */
const WASM_POOL_MIN = 1024;

/** Sizes of one 2-D pooling: batch n, channels c, input h×w, window kh×kw, output oh×ow, stride, padding. */
export interface Pool2dGeometry {
  n: number; c: number; h: number; w: number;
  kh: number; kw: number;
  oh: number; ow: number;
  sh: number; sw: number;
  ph: number; pw: number;
}

/**
 * Geometry of pooling x of shape [N, C, H, W]: OH = floor((H + 2·ph − KH)/sh) + 1, OW likewise.
 * Arithmetic only — the caller validates arguments.
 */
export function pool2dGeometry(
  xShape: readonly number[], kernel: [number, number], stride: [number, number], padding: [number, number],
): Pool2dGeometry {
  const [n, c, h, w] = xShape as [number, number, number, number];
  const [kh, kw] = kernel;
  const [sh, sw] = stride;
  const [ph, pw] = padding;
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  return { n, c, h, w, kh, kw, oh, ow, sh, sw, ph, pw };
}

/**
 * Max pooling forward. Overwrites `out` ([N, C, OH, OW]) and `argmax` (same length; flat index u·W + v
 * into the (n, c) plane of x, see the module comment for ties and NaN).
 */
export function maxPool2dForward(x: FloatArray, out: FloatArray, argmax: Int32Array, g: Pool2dGeometry): void {
  if (x instanceof Float32Array && out instanceof Float32Array && g.n * g.c * g.h * g.w >= WASM_POOL_MIN && maxPoolFits(g) && wasmActive()) {
    maxPoolForwardWasm(x, out, argmax, g);
    return;
  }
  const H = g.h, W = g.w, KH = g.kh, KW = g.kw, OH = g.oh, OW = g.ow;
  const sh = g.sh, sw = g.sw, ph = g.ph, pw = g.pw;
  const HW = H * W, planes = g.n * g.c;
  let d = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * HW;
    for (let i = 0; i < OH; i++) {
      let u0 = i * sh - ph;
      const u1 = Math.min(u0 + KH, H);
      if (u0 < 0) u0 = 0;
      for (let j = 0; j < OW; j++, d++) {
        let v0 = j * sw - pw;
        const v1 = Math.min(v0 + KW, W);
        if (v0 < 0) v0 = 0;
        if (u0 >= u1 || v0 >= v1) {
          out[d] = -Infinity;
          argmax[d] = -1;
          continue;
        }
        // The scan rule without a data-dependent branch (the winner changes unpredictably, and a mispredicted
        // branch per element made this loop ~2× slower): am moves to the element when it wins, by arithmetic.
        let am = u0 * W + v0;
        let m = x[base + am]!;
        for (let u = u0; u < u1; u++) {
          const row = u * W;
          for (let v = u === u0 ? v0 + 1 : v0; v < v1; v++) {
            const val = x[base + row + v]!;
            const win = +(val > m) | +(val !== val);
            am += win * (row + v - am);
            m = x[base + am]!;
          }
        }
        out[d] = m;
        argmax[d] = am;
      }
    }
  }
}

/**
 * Max pooling backward: gx ([N, C, H, W]) is zeroed, then gx[n,c plane][argmax[n,c,i,j]] += gy[n,c,i,j]
 * (overlapping windows add; argmax −1 contributes nothing).
 */
export function maxPool2dBackward(gy: FloatArray, argmax: Int32Array, gx: FloatArray, g: Pool2dGeometry): void {
  if (gy instanceof Float32Array && gx instanceof Float32Array && g.n * g.c * g.h * g.w >= WASM_POOL_MIN && maxPoolFits(g) && wasmActive()) {
    maxPoolBackwardWasm(gy, argmax, gx, g);
    return;
  }
  const HW = g.h * g.w, OHW = g.oh * g.ow, planes = g.n * g.c;
  gx.fill(0, 0, planes * HW);
  let s = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * HW;
    for (let e = s + OHW; s < e; s++) {
      const a = argmax[s]!;
      if (a >= 0) gx[base + a] += gy[s]!;
    }
  }
}

/**
 * Average pooling forward: out[n,c,i,j] = (sum of the in-bounds window) / d(i,j), with d as in the module
 * comment (PyTorch's count_include_pad). Overwrites `out`.
 */
export function avgPool2dForward(x: FloatArray, out: FloatArray, g: Pool2dGeometry, countIncludePad: boolean): void {
  if (x instanceof Float32Array && out instanceof Float32Array && g.n * g.c * g.h * g.w >= WASM_POOL_MIN && avgPoolFits(g) && wasmActive()) {
    avgPoolForwardWasm(x, out, g, countIncludePad);
    return;
  }
  const H = g.h, W = g.w, KH = g.kh, KW = g.kw, OH = g.oh, OW = g.ow;
  const sh = g.sh, sw = g.sw, ph = g.ph, pw = g.pw;
  const HW = H * W, planes = g.n * g.c;
  let d = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * HW;
    for (let i = 0; i < OH; i++) {
      const hs = i * sh - ph;
      const hp = Math.min(hs + KH, H + ph) - hs;
      const u0 = hs < 0 ? 0 : hs;
      const u1 = Math.min(hs + KH, H);
      for (let j = 0; j < OW; j++, d++) {
        const ws = j * sw - pw;
        const wp = Math.min(ws + KW, W + pw) - ws;
        const v0 = ws < 0 ? 0 : ws;
        const v1 = Math.min(ws + KW, W);
        let sum = 0;
        for (let u = u0; u < u1; u++) {
          const row = base + u * W;
          for (let v = v0; v < v1; v++) sum += x[row + v]!;
        }
        const div = countIncludePad ? hp * wp : Math.max(0, u1 - u0) * Math.max(0, v1 - v0);
        out[d] = div > 0 ? sum / div : 0;
      }
    }
  }
}

/**
 * Average pooling backward: gx ([N, C, H, W]) is zeroed, then every in-bounds element of window (i, j)
 * receives gy[n,c,i,j] / d(i,j). Overlapping windows add.
 */
export function avgPool2dBackward(gy: FloatArray, gx: FloatArray, g: Pool2dGeometry, countIncludePad: boolean): void {
  if (gy instanceof Float32Array && gx instanceof Float32Array && g.n * g.c * g.h * g.w >= WASM_POOL_MIN && avgPoolFits(g) && wasmActive()) {
    avgPoolBackwardWasm(gy, gx, g, countIncludePad);
    return;
  }
  const H = g.h, W = g.w, KH = g.kh, KW = g.kw, OH = g.oh, OW = g.ow;
  const sh = g.sh, sw = g.sw, ph = g.ph, pw = g.pw;
  const HW = H * W, planes = g.n * g.c;
  gx.fill(0, 0, planes * HW);
  let s = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * HW;
    for (let i = 0; i < OH; i++) {
      const hs = i * sh - ph;
      const hp = Math.min(hs + KH, H + ph) - hs;
      const u0 = hs < 0 ? 0 : hs;
      const u1 = Math.min(hs + KH, H);
      for (let j = 0; j < OW; j++, s++) {
        const ws = j * sw - pw;
        const wp = Math.min(ws + KW, W + pw) - ws;
        const v0 = ws < 0 ? 0 : ws;
        const v1 = Math.min(ws + KW, W);
        const div = countIncludePad ? hp * wp : Math.max(0, u1 - u0) * Math.max(0, v1 - v0);
        if (div <= 0) continue;
        const val = gy[s]! / div;
        for (let u = u0; u < u1; u++) {
          const row = base + u * W;
          for (let v = v0; v < v1; v++) gx[row + v] += val;
        }
      }
    }
  }
}
