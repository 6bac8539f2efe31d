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
 * zero (ReLU then max pooling), the backward kernels skip the zeros instead of running the gemm
 * (kernels/conv-sparse.ts, with its tuning notes). Images are grouped into chunks of nb images so
 * the gemm's L dimension is at least TARGET_COLS (kernels/conv-im2col.ts) even for tiny outputs (OH·OW = 1 in the second
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
 * - A direct (no im2col) forward kernel in TypeScript was measured for the C = 1 first layer
 *   (64×1×32×32 ∗ 15×1×6×6) in both axpy and dot-product loop orders: 0.6 GF/s against 2.1 GF/s for
 *   im2col + gemm, so the TypeScript kernels have no direct path. In wasm SIMD the direct kernels win for
 *   that layer (kernels/wasm/conv.ts; the crossover table is in docs/tensor.md §6), and this module hands
 *   float32 work to them where they apply, before the dense and sparse paths.
 *
 * Modules: this one chooses the path and holds the dense one; kernels/conv-im2col.ts the im2col machinery and the
 * scratch buffers (module-level, one set per dtype, grown when needed, so steady-state calls allocate nothing);
 * kernels/conv-sparse.ts the zero-skipping backward kernels. All arrays of one call must have the same dtype
 * (Float32Array or Float64Array). Arguments are not validated here; the caller checks shapes and lengths.
 */
import { gemm, gemmGather } from './gemm.js';
import type { FloatArray } from '../dtype.js';
import { wasmActive } from './backend.js';
import {
  convDirectBackwardInputWasm, convDirectBackwardWeightWasm, convDirectForwardWasm, convReluPoolBackwardParamsWasm, convReluPoolForwardWasm,
  directForwardApplies, directInputApplies, directReluPoolApplies, directWeightApplies, reluMaskBytes, type ReluPoolCotangent, type ReluPoolOutputs,
} from './wasm/conv.js';
import type { Pool2dGeometry } from './pool.js';
import {
  blockScratch, chunkSize, col2im, col2imT, colsScratch, gatherBlock, im2col, im2colT, isPointwise, isWholeWindow, pixelOffsets,
  scatterBlock, tapOffsets, type Conv2dGeometry,
} from './conv-im2col.js';
import { SPARSE_MIN_TAPS, backInputSparse, backWeightSparse, sparseEnough } from './conv-sparse.js';

export { conv2dGeometry, type Conv2dGeometry } from './conv-im2col.js';

/**
 * Forward convolution: out[n,o,i,j] = Σ_{c,p,q} x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw] · w[o,c,p,q]
 * (+ bias[o] when a bias of O elements is given, one add to each finished sum; then max(·, 0) when `relu`),
 * zero padding. `out` ([N, O, OH, OW]) is fully overwritten.
 */
export function conv2dForward(
  x: FloatArray, w: FloatArray, out: FloatArray, g: Conv2dGeometry, bias: FloatArray | null = null, relu = false,
): void {
  const N = g.n, O = g.o, OHW = g.oh * g.ow;
  if (N === 0 || O === 0 || OHW === 0) return;
  if (!isPointwise(g) && x instanceof Float32Array && directForwardApplies(g) && wasmActive()) {
    // The direct kernel adds the bias and rectifies as it stores each sum: no second pass over the output.
    convDirectForwardWasm(x, w as Float32Array, out as Float32Array, g, bias as Float32Array | null, relu);
    return;
  }
  convolve(x, w, out, g);
  if (bias !== null || relu) addBiasRelu(out, bias, relu, N, O, OHW);
}

/**
 * out[n, o, ·] = out[n, o, ·] + bias[o] (when given), then max(·, 0) when `relu`, in place: one rounding per
 * element, the values an `add` of the bias and a `relu` would give (+0 for −0 and for negatives, NaN stays NaN).
 */
function addBiasRelu(out: FloatArray, bias: FloatArray | null, relu: boolean, N: number, O: number, OHW: number): void {
  let d = 0;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const b = bias === null ? 0 : bias[o]!;
      const e = d + OHW;
      if (!relu) for (; d < e; d++) out[d] = out[d]! + b;
      else {
        // Without a bias b is 0, and x + 0 changes only −0 (to +0), which relu maps to +0 anyway.
        for (; d < e; d++) {
          out[d] = out[d]! + b; // rounded to the array's precision before the comparison, as two ops would
          const v = out[d]!;
          out[d] = v > 0 || v !== v ? v : 0;
        }
      }
    }
  }
}

/** conv2dForward without a bias, on the gemm paths (the direct kernel is chosen by conv2dForward). */
function convolve(x: FloatArray, w: FloatArray, out: FloatArray, g: Conv2dGeometry): void {
  const N = g.n, O = g.o, OHW = g.oh * g.ow, K = g.c * g.kh * g.kw;
  if (isPointwise(g)) {
    for (let n = 0; n < N; n++) {
      gemm(O, OHW, K, w, 0, K, 1, x, n * K * OHW, OHW, 1, out, n * O * OHW, OHW, false);
    }
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
  if (isWholeWindow(g)) {
    // gx ([N, K]) = gy ([N, O]) · W2 ([O, K]): the transposed convolution's columns are the images (DrLIM's second
    // layer: 0.8–0.9 ms with the chunked gemm and col2im, where the product alone takes ~0.35).
    gemm(N, K, O, gy, 0, O, 1, w, 0, K, 1, gx, 0, K, false);
    return;
  }
  if (gy instanceof Float32Array && w instanceof Float32Array && gx instanceof Float32Array && directInputApplies(g) && wasmActive()) {
    convDirectBackwardInputWasm(gy, w, gx, g);
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
 * The weight and bias gradients in one pass where the direct wasm weight kernel applies (float32, O > 1):
 * gw as {@link conv2dBackwardWeight} of gm, and gb[o] += Σ_{n,i,j} gm[n,o,i,j] (float64, zeroed by the caller),
 * where gm = gy, or gy ⊙ [y > 0] when the relu output y is given, is only ever staged in the arena. The same
 * bits as reluBackward, conv2dBackwardWeight and a sum over axes [0, 2, 3]. Returns false, touching nothing,
 * where it does not apply (the caller then runs those ops).
 */
export function conv2dBackwardWeightBias(
  x: FloatArray, gy: FloatArray, y: FloatArray | null, gw: FloatArray, gb: Float64Array, g: Conv2dGeometry,
): boolean {
  // With O = 1 the sum over [0, 2, 3] coalesces into one row over every image, an order the staged planes
  // do not follow.
  if (!(x instanceof Float32Array) || g.o < 2 || isPointwise(g) || !directWeightApplies(g) || !wasmActive()) return false;
  convDirectBackwardWeightWasm(x, gy as Float32Array, gw as Float32Array, g, y as Float32Array | null, gb);
  return true;
}

/** True where conv2d + relu + average pooling run as one wasm kernel (float32, the direct kernels, O > 1). */
function reluPoolFuses(x: FloatArray, g: Conv2dGeometry, p: Pool2dGeometry): boolean {
  // O > 1 for the bias sums' order, as in conv2dBackwardWeightBias.
  return x instanceof Float32Array && g.o > 1 && !isPointwise(g) && directReluPoolApplies(g, p) && wasmActive();
}

export { reluMaskBytes, type ReluPoolCotangent, type ReluPoolOutputs };

/**
 * avgPool2d(relu(conv2d(x, w) + bias)) and the relu's mask (one bit per output float, 1 where it is > 0) in
 * one pass where the direct wasm kernels apply: the rectified output is computed, pooled and masked a chunk at
 * a time in wasm memory and never leaves it. The same bits as conv2dForward, avgPool2dForward and the mask one
 * after the other. Returns false, touching nothing, where it does not apply (the caller then runs those).
 */
export function conv2dReluAvgPoolForward(
  x: FloatArray, w: FloatArray, bias: FloatArray | null, g: Conv2dGeometry, to: ReluPoolOutputs,
): boolean {
  if (g.n === 0 || !reluPoolFuses(x, g, to.pool)) return false;
  convReluPoolForwardWasm(x as Float32Array, w as Float32Array, bias as Float32Array | null, g, to);
  return true;
}

/**
 * The weight and bias gradients of {@link conv2dReluAvgPoolForward} from the pooled cotangent and the mask: gw as
 * {@link conv2dBackwardWeight} of gm = avgPool2dBackward(gp) ⊙ mask, gb[o] += Σ_{n,i,j} gm[n,o,i,j] (float64,
 * zeroed by the caller), gm built a chunk at a time in wasm memory. The same bits as avgPool2dBackward, the mask
 * and {@link conv2dBackwardWeightBias}. Returns false, touching nothing, where it does not apply.
 */
export function conv2dReluAvgPoolBackwardParams(
  x: FloatArray, gw: FloatArray, gb: Float64Array, g: Conv2dGeometry, from: ReluPoolCotangent,
): boolean {
  if (g.n === 0 || !reluPoolFuses(x, g, from.pool)) return false;
  convReluPoolBackwardParamsWasm(x as Float32Array, gw as Float32Array, gb, g, from);
  return true;
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
