/**
 * The direct float32 convolution kernels (assembly/conv.ts) for stride-1, undilated convolutions with few taps
 * per output (the first layers of a network): the forward pass and the weight gradient, on the row runtime's
 * unshared memory, a chunk of images at a time.
 *
 * A call: splat the weights (forward); then per chunk of images, copy the images in with their zero padding
 * applied, copy gy in (backward), run the kernel, copy the outputs out (forward: the chunk's NCHW outputs are one
 * contiguous run). Four spare zero floats follow each operand, so the kernels' 4-lane loads that start inside a
 * row never leave the arena.
 *
 * Threads. On one thread the kernels run on the row runtime's unshared memory (faster copies). With more threads
 * (setNumThreads, a large enough call, a pool that can run), they run on the shared memory: a block of images
 * is staged at once and its chunks are claimed by the calling thread and the workers (pool.ts runConv). The
 * weight gradient sums each chunk of images into its own part, and the parts are added in chunk order, on one
 * thread as on many (the chunk size does not depend on the thread count): the result is the same bits for
 * every thread count.
 */
import type { Conv2dGeometry } from '../conv-im2col.js';
import { convThreads, runConv } from './pool.js';
import { ROW_BLOCK, WASM_ROW_MIN } from './elementwise.js';
import { ensureBytes, ensureRowBytes, getRowRuntime, getRuntime, type KernelExports, type Runtime } from './runtime.js';

/** What staging needs of a runtime: the memory as float32 and the kernels (the row runtime or the shared one). */
type Staging = { f32: Float32Array; exports: KernelExports };

/**
 * When the direct kernels beat im2col + gemm on the wasm backend, measured (one process, interleaved, medians of
 * three, 2-core VM under load; docs/tensor.md §6 has the table): the forward pass only for single-channel inputs
 * with at most 16 output channels (DrLIM's 64×1×32×32 ∗ 15×1×6×6: 4.2 against 7.0 ms; with 3 input channels or
 * 32 output channels gemm's wider tiles win by 20–35%), the weight gradient up to 4 input channels and 100 taps
 * (DrLIM's: 3.7 against 8.4 ms; 3×3×3: 4.8 against 11.4; 8 channels of 3×3: 3.0 against 2.0, so gemm there).
 */
export const DIRECT_FORWARD_MAX_O = 16;
/** Most input channels for which the weight gradient takes the direct kernel. */
export const DIRECT_WEIGHT_MAX_C = 4;
/** Most taps C·KH·KW per output for which the direct kernels are used. */
export const DIRECT_MAX_TAPS = 100;
/** Fewest output columns: the kernels compute four at a time, so narrower outputs waste most lanes. */
export const DIRECT_MIN_OW = 4;
/** Float32 elements a chunk's operands aim to take in the arena (1 MiB: they stay in L2 across the kernel). */
const CHUNK_ELEMS = 1 << 18;
/**
 * Most float32 elements one image's padded input and output may take (16 MiB, within the 24 MiB memory with the
 * weights); larger images take the im2col + gemm path, which splits them.
 */
const IMAGE_MAX_ELEMS = 1 << 22;

/** Float32 elements one image's padded input and output take in the arena. */
function perImage(g: Conv2dGeometry): number {
  return g.c * (g.h + 2 * g.ph) * (g.w + 2 * g.pw) + g.o * g.oh * g.ow + 8;
}

/** True when a direct kernel can compute this convolution at all (stride 1, no dilation, few taps, wide enough). */
function directFits(g: Conv2dGeometry): boolean {
  return g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.c * g.kh * g.kw <= DIRECT_MAX_TAPS &&
    g.ow >= DIRECT_MIN_OW && g.n > 0 && g.o > 0 && perImage(g) <= IMAGE_MAX_ELEMS;
}

/** True when the forward pass takes the direct kernel (see {@link DIRECT_FORWARD_MAX_O}). */
export function directForwardApplies(g: Conv2dGeometry): boolean {
  return directFits(g) && g.c === 1 && g.o <= DIRECT_FORWARD_MAX_O;
}

/** True when the weight gradient takes the direct kernel. */
export function directWeightApplies(g: Conv2dGeometry): boolean {
  return directFits(g) && g.c <= DIRECT_WEIGHT_MAX_C;
}

/** Images per chunk: as many as keep one chunk's padded inputs and outputs within CHUNK_ELEMS (at least one). */
function chunkOf(g: Conv2dGeometry): number {
  return Math.max(1, Math.min(g.n, Math.floor(CHUNK_ELEMS / perImage(g))));
}

/** Copies images n0 … n0+nb−1 of x into f at element `at`, zero-padded to Hp×Wp, plus 4 zero floats. */
function stageImages(f: Float32Array, x: Float32Array, n0: number, nb: number, g: Conv2dGeometry, at: number): void {
  const C = g.c, H = g.h, W = g.w, Hp = H + 2 * g.ph, Wp = W + 2 * g.pw;
  const len = nb * C * Hp * Wp;
  if (g.ph === 0 && g.pw === 0) {
    f.set(x.subarray(n0 * C * H * W, (n0 + nb) * C * H * W), at);
  } else {
    f.fill(0, at, at + len);
    for (let pl = 0; pl < nb * C; pl++) {
      const src = (n0 * C + pl) * H * W, dst = at + pl * Hp * Wp + g.ph * Wp + g.pw;
      for (let u = 0; u < H; u++) f.set(x.subarray(src + u * W, src + u * W + W), dst + u * Wp);
    }
  }
  f.fill(0, at + len, at + len + 4);
}

/**
 * Copies the K weights to f at element `at` and, when there is a bias, the bias after them (at the next v128);
 * returns the bias's element index, or 0 (the kernels' "no bias") when there is none.
 */
function stageWeights(f: Float32Array, w: Float32Array, bias: Float32Array | null, K: number, at: number): number {
  f.set(w.subarray(0, K), at);
  if (bias === null) return 0;
  const bAt = at + ((K + 3) & ~3);
  f.set(bias, bAt);
  return bAt;
}

/** Multiply-adds of one convolution (the pool's threshold is in these). */
function workOf(g: Conv2dGeometry): number {
  return g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw;
}

/**
 * Images per block of the threaded path: whole chunks of `chunk` images, as many as the main arena holds after
 * `fixed` elements, each image taking `per` elements and each chunk `perChunk` more.
 */
function blockImages(rt: Runtime, g: Conv2dGeometry, chunk: number, fixed: number, per: number, perChunk: number): number {
  const cap = (rt.arenaEnd - rt.arenaBase) / 4 - fixed - 64;
  const chunks = Math.max(1, Math.floor(cap / (chunk * per + perChunk)));
  return Math.min(g.n, chunks * chunk);
}

/**
 * out (N·O·OH·OW) = conv2d(x, w) (+ bias[o], O floats, when given; then max(·, 0) when `relu`) for a geometry
 * that {@link directForwardApplies} accepts (float32, contiguous). The bias and relu are applied in the kernel,
 * to each finished sum: the same float32 values as separate passes, without the passes.
 */
export function convDirectForwardWasm(
  x: Float32Array, w: Float32Array, out: Float32Array, g: Conv2dGeometry, bias: Float32Array | null = null,
  relu = false,
): void {
  const main = getRuntime();
  const parts = convThreads(main, workOf(g));
  const taps = g.c * g.kh * g.kw, Hp = g.h + 2 * g.ph, Wp = g.w + 2 * g.pw, OHW = g.oh * g.ow;
  const chunk = chunkOf(g);
  // The weights, then (when there is a bias) the bias, each rounded up to whole v128s.
  const wLen = ((g.o * taps + 3) & ~3) + (bias === null ? 0 : (g.o + 3) & ~3);
  const wsLen = Math.ceil(g.o / 8) * taps * 32;
  const imgIn = g.c * Hp * Wp, imgOut = g.o * OHW;
  if (parts > 1) {
    const rt = main!;
    const base = rt.arenaBase / 4;
    const wAt = base, wsAt = wAt + wLen;
    const block = blockImages(rt, g, chunk, wLen + wsLen, imgIn + imgOut, 8);
    const xAt = wsAt + wsLen, oAt = (xAt + block * imgIn + 4 + 3) & ~3;
    ensureBytes(rt, (oAt + block * imgOut) * 4);
    const bAt = stageWeights(rt.f32, w, bias, g.o * taps, wAt);
    rt.exports.splatWeights(wAt * 4, wsAt * 4, g.o, taps);
    for (let n0 = 0; n0 < g.n; n0 += block) {
      const nb = Math.min(block, g.n - n0);
      stageImages(rt.f32, x, n0, nb, g, xAt);
      runConv(rt, false, nb, chunk, parts, [xAt * 4, wsAt * 4, oAt * 4, g.c, Hp, Wp, g.o, g.kh, g.kw, imgIn * 4, imgOut * 4, bAt * 4, relu ? 1 : 0]);
      out.set(rt.f32.subarray(oAt, oAt + nb * imgOut), n0 * imgOut);
    }
    return;
  }
  const rt = getRowRuntime()!;
  const base = rt.base / 4;
  const wAt = base, wsAt = wAt + wLen;
  const xAt = wsAt + wsLen, oAt = (xAt + chunk * imgIn + 4 + 3) & ~3;
  ensureRowBytes(rt, (oAt + chunk * imgOut) * 4);
  const bAt = stageWeights(rt.f32, w, bias, g.o * taps, wAt);
  rt.exports.splatWeights(wAt * 4, wsAt * 4, g.o, taps);
  for (let n0 = 0; n0 < g.n; n0 += chunk) {
    const nb = Math.min(chunk, g.n - n0);
    stageImages(rt.f32, x, n0, nb, g, xAt);
    rt.exports.convDirectForward(xAt * 4, wsAt * 4, oAt * 4, nb, g.c, Hp, Wp, g.o, g.kh, g.kw, bAt * 4, relu ? 1 : 0);
    out.set(rt.f32.subarray(oAt, oAt + nb * imgOut), n0 * imgOut);
  }
}

/**
 * gw (O·C·KH·KW, overwritten) = the weight gradient for output gradient gy, where {@link directWeightApplies}.
 *
 * With `y` (the output of a conv2d with `activation: 'relu'`), the gradient is that of gm = gy ⊙ [y > 0]: the
 * mask is applied to each staged block in the arena (the reluBackward row), so gm is never written to a
 * tensor. With `gb` (O float64 sums, zeroed by the caller), gb[o] += Σ_{i,j} gm[n, o, i, j] for every image n in
 * order, each plane summed as `sum` sums a row (see {@link planeSums}): the bias gradient from the same staged
 * rows, in the bits `sum(gm, { axis: [0, 2, 3] })` gives when O > 1.
 */
export function convDirectBackwardWeightWasm(
  x: Float32Array, gy: Float32Array, gw: Float32Array, g: Conv2dGeometry,
  y: Float32Array | null = null, gb: Float64Array | null = null,
): void {
  const main = getRuntime();
  const parts = convThreads(main, workOf(g));
  const taps = g.c * g.kh * g.kw, Hp = g.h + 2 * g.ph, Wp = g.w + 2 * g.pw, OHW = g.oh * g.ow;
  const chunk = chunkOf(g);
  const K = g.o * taps, part = (K + 3) & ~3;
  const imgIn = g.c * Hp * Wp, imgOut = g.o * OHW;
  // Room for the staged y of a block, after gy's (and its 4 spare floats).
  const yImg = y === null ? 0 : imgOut;
  // gw = Σ over chunks, in chunk order, of each chunk's own sum (float32 adds: the same on every path).
  const total = new Float32Array(K);
  if (parts > 1) {
    const rt = main!;
    const base = rt.arenaBase / 4;
    const block = blockImages(rt, g, chunk, 0, imgIn + imgOut + yImg, part + 8);
    const chunks = Math.ceil(block / chunk);
    const pAt = base, xAt = pAt + chunks * part, gyAt = (xAt + block * imgIn + 4 + 3) & ~3;
    const yAt = (gyAt + block * imgOut + 4 + 3) & ~3;
    ensureBytes(rt, (yAt + block * yImg + 4) * 4);
    for (let n0 = 0; n0 < g.n; n0 += block) {
      const nb = Math.min(block, g.n - n0), nc = Math.ceil(nb / chunk);
      const f = rt.f32;
      f.fill(0, pAt, pAt + nc * part);
      stageImages(f, x, n0, nb, g, xAt);
      stageGradient(rt, gy, y, n0, nb, imgOut, gyAt, yAt);
      if (gb !== null) planeSums(rt, gyAt, nb, g.o, OHW, gb);
      runConv(rt, true, nb, chunk, parts, [xAt * 4, gyAt * 4, pAt * 4, g.c, Hp, Wp, g.o, g.kh, g.kw, imgIn * 4, imgOut * 4, part * 4]);
      for (let c = 0; c < nc; c++) addPart(total, rt.f32, pAt + c * part, K);
    }
    gw.set(total);
    return;
  }
  const rt = getRowRuntime()!;
  const base = rt.base / 4;
  const pAt = base, xAt = pAt + part, gyAt = (xAt + chunk * imgIn + 4 + 3) & ~3;
  const yAt = (gyAt + chunk * imgOut + 4 + 3) & ~3;
  ensureRowBytes(rt, (yAt + chunk * yImg + 4) * 4);
  for (let n0 = 0; n0 < g.n; n0 += chunk) {
    const nb = Math.min(chunk, g.n - n0);
    const f = rt.f32;
    f.fill(0, pAt, pAt + K);
    stageImages(f, x, n0, nb, g, xAt);
    stageGradient(rt, gy, y, n0, nb, imgOut, gyAt, yAt);
    if (gb !== null) planeSums(rt, gyAt, nb, g.o, OHW, gb);
    rt.exports.convDirectBackwardWeight(xAt * 4, gyAt * 4, pAt * 4, nb, g.c, Hp, Wp, g.o, g.kh, g.kw);
    addPart(total, f, pAt, K);
  }
  gw.set(total);
}

/**
 * Copies images n0 … n0+nb−1 of gy (imgOut floats each) to element gyAt, plus 4 zero floats; with y, copies
 * y's to yAt and masks the staged gy in place: gy where y > 0, else +0 (the reluBackward row, so the same bits).
 */
function stageGradient(
  rt: Staging,
  gy: Float32Array, y: Float32Array | null, n0: number, nb: number, imgOut: number, gyAt: number, yAt: number,
): void {
  const f = rt.f32, len = nb * imgOut;
  f.set(gy.subarray(n0 * imgOut, n0 * imgOut + len), gyAt);
  f.fill(0, gyAt + len, gyAt + len + 4);
  if (y === null) return;
  f.set(y.subarray(n0 * imgOut, n0 * imgOut + len), yAt);
  rt.exports.reluBackwardRow(gyAt * 4, 1, yAt * 4, 1, gyAt * 4, len);
}

/**
 * gb[o] += Σ of plane (n, o) for the nb staged images at element `at` (O planes of P floats each), image by
 * image: the order and rounding of `sum` over axes [0, 2, 3] of a contiguous float32 tensor with O > 1, which
 * reduces each plane as one row (reduce.ts sumRow): rows of at least WASM_ROW_MIN floats in float64 by the
 * sumRowF64 kernel, a ROW_BLOCK at a time, shorter ones by a float64 loop.
 */
function planeSums(
  rt: Staging,
  at: number, nb: number, O: number, P: number, gb: Float64Array,
): void {
  const f = rt.f32;
  for (let n = 0, q = at; n < nb; n++) {
    for (let o = 0; o < O; o++, q += P) {
      let t = 0;
      if (P >= WASM_ROW_MIN) {
        for (let i = 0; i < P; i += ROW_BLOCK) t += rt.exports.sumRowF64((q + i) * 4, Math.min(ROW_BLOCK, P - i));
      } else {
        for (let i = 0; i < P; i++) t += f[q + i]!;
      }
      gb[o] = gb[o]! + t;
    }
  }
}

/** total[k] += f[at + k] for k < K, in float32 (the fixed order that makes every thread count agree). */
function addPart(total: Float32Array, f: Float32Array, at: number, K: number): void {
  for (let k = 0; k < K; k++) total[k] = total[k]! + f[at + k]!;
}
