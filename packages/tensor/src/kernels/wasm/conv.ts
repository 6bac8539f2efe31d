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
 * Threads. On one thread the kernels run on the row runtime's unshared memory. With more threads (setNumThreads,
 * a large enough call, a pool that can run), they run on the shared memory, a block of images at a time in two
 * sets of buffers: the block's chunks are claimed by the calling thread and the workers (pool.ts startConv,
 * finishJob) while the caller copies the last block's outputs out (forward) or stages the next (weight). The
 * weight gradient sums each chunk of images into its own part, and the parts are added in chunk order, on one
 * thread as on many (the chunk size does not depend on the thread count): the result is the same bits for
 * every thread count.
 */
import type { Conv2dGeometry } from '../conv-im2col.js';
import type { Pool2dGeometry } from '../pool.js';
import { ConvJob, convThreads, finishJob, startConv } from './pool.js';
import { ensureBytes, ensureRowBytes, getRowRuntime, getRuntime, type Runtime } from './runtime.js';

/**
 * When the direct kernels beat im2col + gemm on the wasm backend, measured (one process, interleaved, medians of
 * three, 2-core VM under load; docs/tensor.md §6 has the table): the forward pass only for single-channel inputs
 * with at most 32 output channels (DrLIM's 64×1×32×32 ∗ 15×1×6×6: 4.2 against 7.0 ms; with 3 input channels gemm's
 * wider tiles win by 20–35%; up to 16 output channels until the kernels walked pointers and took groups of at most
 * seven, after which 64×1×28×28 ∗ 32×1×5×5 took 2.46 against 2.76–2.88 ms and ∗ 24×1×3×3 1.51 against 1.81–2.40),
 * the weight gradient up to 4 input channels and 100 taps (DrLIM's: 3.7 against 8.4 ms; 3×3×3: 4.8 against 11.4;
 * 8 channels of 3×3: 3.0 against 2.0, so gemm there).
 */
export const DIRECT_FORWARD_MAX_O = 32;
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

/** Most output channels for which the input gradient takes the direct kernel (each output sums O·KH·KW taps). */
export const DIRECT_INPUT_MAX_O = 64;
/** Float32 elements of {@link convDirectBackwardInputWasm}'s scratch: one image's O planes of gy, padded. */
const inputScratch = (g: Conv2dGeometry): number => g.o * (g.oh + 2 * (g.kh - 1)) * (g.ow + 2 * (g.kw - 1)) + 8;

/**
 * True when the input gradient takes the direct kernel: a single-channel input (a network's first layer), stride
 * 1, no dilation, at most {@link DIRECT_INPUT_MAX_O} output channels, and padded planes that fit the kernel's
 * per-thread scratch (on threads, the thread's gemm workspace).
 */
export function directInputApplies(g: Conv2dGeometry): boolean {
  const rt = getRuntime();
  return rt !== null && directFits(g) && g.c === 1 && g.o <= DIRECT_INPUT_MAX_O &&
    inputScratch(g) * 4 <= rt.exports.workspaceBytes();
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

/** The average pooling of a fused convolution, relu and pooling (its forward and its gradient alike). */
export interface ReluPooling {
  /** The pooling over the convolution's output (n = N, c = O, h = OH, w = OW). */
  pool: Pool2dGeometry;
  /** Whether padded positions count in the pooling's divisor. */
  countIncludePad: boolean;
}

/**
 * Where the fused convolution, relu and average pooling (tensor's conv2dReluAvgPool) puts its results: the pooled
 * output, and one bit per float of the rectified output, 1 where it is > 0 (see {@link reluMaskBytes}). The
 * rectified output itself stays in wasm memory.
 */
export interface ReluPoolOutputs extends ReluPooling {
  /** The pooled output, N·O·POH·POW floats (overwritten). */
  out: Float32Array;
  /** N·reluMaskBytes(O·OH·OW) bytes (overwritten): bit k of image n is 1 where relu(conv2d(x, w) + b) > 0. */
  mask: Uint8Array;
}

/**
 * Bytes of one image's relu mask of `per` = O·OH·OW outputs: one bit each, rounded up to whole bytes (so that
 * images never share a byte). Output k of image n is bit k & 7 of byte n·reluMaskBytes(per) + (k >> 3).
 */
export const reluMaskBytes = (per: number): number => (per + 7) >> 3;

/** Writes the pooling geometry as the nine int32s the fused kernels read (assembly/conv.ts) at element `at`. */
function writeGeometry(i32: Int32Array, at: number, p: Pool2dGeometry, countIncludePad: boolean): void {
  i32.set([p.oh, p.ow, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, countIncludePad ? 1 : 0], at);
}

/**
 * Output-channel ranges of a threaded weight-gradient chunk, each a task (assembly/conv.ts takes [o0, o1)): the
 * chunk's size fixes the bits, so finer work has to come from the channels. DrLIM's first layer at two threads,
 * blocks of two 21-image chunks: the caller's wait for the last task ~0.3 ms per step as two tasks (and as six:
 * the wait is about half a task), ~0.1 as ten tasks of three channels, ~0.1 as thirty of one.
 */
const WEIGHT_GROUPS = 5;

/** Int32 elements reserved for the pooling geometry (nine, rounded up to whole v128s). */
const GEO_ELEMS = 12;

/**
 * Float32 elements a mask of n bytes takes: at least four spare bytes (the backward reads a mask's bits with 16-
 * and 32-bit loads, maskLanes and poolMaskRows3 in assembly/conv.ts, which may reach three bytes past the last
 * image's), rounded up to whole v128s.
 */
const maskElems = (n: number): number => (((n + 7) >> 2) + 3) & ~3;

/** True when {@link convReluPoolForwardWasm} and its gradient can run this convolution and pooling. */
export function directReluPoolApplies(g: Conv2dGeometry, p: Pool2dGeometry): boolean {
  const extra = p.oh * p.ow * g.o + maskElems(reluMaskBytes(g.o * g.oh * g.ow)) + 8;
  return directForwardApplies(g) && directWeightApplies(g) && perImage(g) + extra <= IMAGE_MAX_ELEMS;
}

/** Where one set of the forward's block buffers sits (float32 element indices): images, output, pooled, mask. */
interface ForwardBuffers { x: number; y: number; p: number; m: number; end: number }

function forwardLayout(at: number, images: number, imgIn: number, imgOut: number, imgPool: number, pooled: boolean): ForwardBuffers {
  const x = at, y = (x + images * imgIn + 4 + 3) & ~3;
  const p = y + images * imgOut;
  if (!pooled) return { x, y, p, m: p, end: p };
  const m = (p + images * imgPool + 3) & ~3;
  return { x, y, p, m, end: m + maskElems(images * reluMaskBytes(imgOut)) };
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
  directForward(x, w, g, bias, relu, out, null);
}

/**
 * The pooled output and mask of avgPool2d(relu(conv2d(x, w) + bias)) into `to` (see {@link ReluPoolOutputs}),
 * where {@link directReluPoolApplies}: each chunk of images is convolved, rectified, pooled and masked in wasm
 * memory (assembly/conv.ts convReluPoolForward), the same bits as the three ops one after the other.
 */
export function convReluPoolForwardWasm(
  x: Float32Array, w: Float32Array, bias: Float32Array | null, g: Conv2dGeometry, to: ReluPoolOutputs,
): void {
  directForward(x, w, g, bias, true, null, to);
}

function directForward(
  x: Float32Array, w: Float32Array, g: Conv2dGeometry, bias: Float32Array | null, relu: boolean,
  out: Float32Array | null, to: ReluPoolOutputs | null,
): void {
  const main = getRuntime();
  const parts = convThreads(main, workOf(g));
  const taps = g.c * g.kh * g.kw, Hp = g.h + 2 * g.ph, Wp = g.w + 2 * g.pw, OHW = g.oh * g.ow;
  const imgIn = g.c * Hp * Wp, imgOut = g.o * OHW, imgPool = to === null ? 0 : g.o * to.pool.oh * to.pool.ow;
  // Images per chunk: as many as keep a chunk's operands (with the pooled output and the mask) within CHUNK_ELEMS.
  const mb = reluMaskBytes(imgOut);
  const per = imgIn + imgOut + (to === null ? 0 : imgPool + mb / 4) + 8;
  const chunk = Math.max(1, Math.min(g.n, Math.floor(CHUNK_ELEMS / per)));
  // The weights, then (when there is a bias) the bias, each rounded up to whole v128s.
  const wLen = ((g.o * taps + 3) & ~3) + (bias === null ? 0 : (g.o + 3) & ~3);
  // splatWeights: ⌈O / 7⌉ groups (assembly/conv.ts GROUP_MAX) of eight v128 slots per tap.
  const wsLen = Math.ceil(g.o / 7) * taps * 32;
  const copyOut = (f: Float32Array, b: ForwardBuffers, n0: number, nb: number): void => {
    if (to === null) {
      out!.set(f.subarray(b.y, b.y + nb * imgOut), n0 * imgOut);
      return;
    }
    to.out.set(f.subarray(b.p, b.p + nb * imgPool), n0 * imgPool);
    to.mask.set(new Uint8Array(f.buffer, b.m * 4, nb * mb), n0 * mb);
  };
  if (parts > 1) {
    const rt = main!;
    const base = rt.arenaBase / 4;
    const wAt = base, wsAt = wAt + wLen, geoAt = wsAt + wsLen;
    // Two sets of block buffers: while the threads compute block k in one, the caller copies block k − 1's
    // outputs out of the other. The forward's bits do not depend on the chunks, so a block is at most four
    // quarter-size chunks per thread (the copies overlap the work: DrLIM's first layer at 2 threads 3.8–3.9 ms,
    // against 4.4–4.8 for one block of whole chunks), split evenly (evenBlocks: the caller's wait for the last
    // chunk 0.27 -> ~0.07 ms per step).
    const most = Math.min(4 * parts * Math.max(1, Math.ceil(chunk / 4)), blockImages(rt, g, 1, wLen + wsLen + GEO_ELEMS, 2 * per, 16));
    const { block, fch } = evenBlocks(g.n, most, parts);
    const bufs: ForwardBuffers[] = [];
    let at = geoAt + GEO_ELEMS;
    for (let b = 0; b < 2; b++) {
      bufs.push(forwardLayout(at, block, imgIn, imgOut, imgPool, to !== null));
      at = bufs[b]!.end;
    }
    ensureBytes(rt, at * 4);
    const bAt = stageWeights(rt.f32, w, bias, g.o * taps, wAt);
    rt.exports.splatWeights(wAt * 4, wsAt * 4, g.o, taps);
    if (to !== null) writeGeometry(rt.i32, geoAt, to.pool, to.countIncludePad);
    let prev0 = 0, prevNb = 0;
    for (let n0 = 0, k = 0; n0 < g.n; n0 += block, k++) {
      const nb = Math.min(block, g.n - n0), buf = bufs[k & 1]!;
      stageImages(rt.f32, x, n0, nb, g, buf.x);
      const args = [buf.x * 4, wsAt * 4, buf.y * 4, g.c, Hp, Wp, g.o, g.kh, g.kw, imgIn * 4, imgOut * 4, bAt * 4, relu ? 1 : 0];
      if (to === null) startConv(rt, ConvJob.Forward, nb, fch, parts, args);
      else startConv(rt, ConvJob.ReluPoolForward, nb, fch, parts, args, [buf.p * 4, buf.m * 4, geoAt * 4, imgPool * 4]);
      if (k > 0) copyOut(rt.f32, bufs[(k + 1) & 1]!, prev0, prevNb);
      finishJob(rt);
      prev0 = n0;
      prevNb = nb;
    }
    copyOut(rt.f32, bufs[(Math.ceil(g.n / block) - 1) & 1]!, prev0, prevNb);
    return;
  }
  const rt = getRowRuntime()!;
  const base = rt.base / 4;
  const wAt = base, wsAt = wAt + wLen, geoAt = wsAt + wsLen;
  const buf = forwardLayout(geoAt + GEO_ELEMS, chunk, imgIn, imgOut, imgPool, to !== null);
  ensureRowBytes(rt, buf.end * 4);
  const bAt = stageWeights(rt.f32, w, bias, g.o * taps, wAt);
  rt.exports.splatWeights(wAt * 4, wsAt * 4, g.o, taps);
  if (to !== null) writeGeometry(rt.i32, geoAt, to.pool, to.countIncludePad);
  for (let n0 = 0; n0 < g.n; n0 += chunk) {
    const nb = Math.min(chunk, g.n - n0);
    stageImages(rt.f32, x, n0, nb, g, buf.x);
    if (to === null) {
      rt.exports.convDirectForward(buf.x * 4, wsAt * 4, buf.y * 4, nb, g.c, Hp, Wp, g.o, g.kh, g.kw, bAt * 4, relu ? 1 : 0);
    } else {
      rt.exports.convReluPoolForward(buf.x * 4, wsAt * 4, buf.y * 4, buf.p * 4, buf.m * 4, nb, g.c, Hp, Wp, g.o, g.kh, g.kw,
        bAt * 4, geoAt * 4);
    }
    copyOut(rt.f32, buf, n0, nb);
  }
}

/**
 * The pooled cotangent of {@link convReluPoolForwardWasm} and its mask, from which its weight and bias gradients
 * are taken (convReluPoolBackwardParamsWasm).
 */
export interface ReluPoolCotangent extends ReluPooling {
  /** The cotangent of the pooled output, N·O·POH·POW floats. */
  gp: Float32Array;
  /** The forward's mask, N·reluMaskBytes(O·OH·OW) bytes. */
  mask: Uint8Array;
}

/**
 * gw (O·C·KH·KW, overwritten) = the weight gradient for output gradient gy, where {@link directWeightApplies}.
 *
 * With `y` (the output of a conv2d with `activation: 'relu'`), the gradient is that of gm = gy ⊙ [y > 0]: the
 * mask is applied to each staged chunk in wasm memory (the reluBackward row), so gm is never written to a
 * tensor. With `gb` (O float64 sums, zeroed by the caller), gb[o] += Σ_{i,j} gm[n, o, i, j] for every image n in
 * order, each plane summed as `sum` sums a row (assembly/conv.ts planeSum): the bias gradient from the same
 * staged rows, in the bits `sum(gm, { axis: [0, 2, 3] })` gives when O > 1. Both run inside each chunk's job
 * (convDirectBackwardParams), on whichever thread takes the chunk.
 */
export function convDirectBackwardWeightWasm(
  x: Float32Array, gy: Float32Array, gw: Float32Array, g: Conv2dGeometry,
  y: Float32Array | null = null, gb: Float64Array | null = null,
): void {
  directWeight(x, gy, gw, g, y, gb, null);
}

/**
 * gw and gb (as {@link convDirectBackwardWeightWasm}) of the fused convolution, relu and average pooling, from
 * the pooled cotangent and the mask (`from`), where {@link directReluPoolApplies}: each chunk's gm =
 * avgPool2dBackward(gp) ⊙ mask is built in wasm memory (assembly/conv.ts convReluPoolBackwardParams) and never
 * leaves it. The same bits as avgPool2dBackward, reluBackward and conv2dBackwardParams one after the other.
 */
export function convReluPoolBackwardParamsWasm(
  x: Float32Array, gw: Float32Array, gb: Float64Array | null, g: Conv2dGeometry, from: ReluPoolCotangent,
): void {
  directWeight(x, null, gw, g, null, gb, from);
}

function directWeight(
  x: Float32Array, gy: Float32Array | null, gw: Float32Array, g: Conv2dGeometry,
  y: Float32Array | null, gb: Float64Array | null, from: ReluPoolCotangent | null,
): void {
  const main = getRuntime();
  const parts = convThreads(main, workOf(g));
  const taps = g.c * g.kh * g.kw, Hp = g.h + 2 * g.ph, Wp = g.w + 2 * g.pw, OHW = g.oh * g.ow;
  // The chunk size fixes the order of the float32 sums, so it is the plain path's whatever else is staged.
  const chunk = chunkOf(g);
  const K = g.o * taps, part = (K + 3) & ~3;
  const imgIn = g.c * Hp * Wp, imgOut = g.o * OHW, imgPool = from === null ? 0 : g.o * from.pool.oh * from.pool.ow;
  // Per image: its padded input, gy, y when masking, (as float64) its O plane sums when summing, and for the
  // fused pooling its pooled cotangent and mask.
  const yImg = y === null ? 0 : imgOut, sImg = gb === null ? 0 : 2 * g.o;
  const mb = reluMaskBytes(imgOut);
  const pImg = from === null ? 0 : imgPool + mb / 4 + 8;
  const args = (b: Buffers): number[] => [b.x * 4, b.gy * 4, b.p * 4, g.c, Hp, Wp, g.o, g.kh, g.kw, imgIn * 4, imgOut * 4, part * 4];
  const stage = (f: Float32Array, buf: Buffers, n0: number, nb: number): void => {
    stageImages(f, x, n0, nb, g, buf.x);
    if (from === null) {
      stageGradient(f, gy!, y, n0, nb, imgOut, buf.gy, buf.y);
      return;
    }
    f.set(from.gp.subarray(n0 * imgPool, (n0 + nb) * imgPool), buf.gp);
    new Uint8Array(f.buffer, buf.m * 4, nb * mb).set(from.mask.subarray(n0 * mb, (n0 + nb) * mb));
  };
  // gw = Σ over chunks, in chunk order, of each chunk's own sum (float32 adds: the same on every path).
  const total = new Float32Array(K);
  if (parts > 1) {
    const rt = main!;
    // Two sets of block buffers (blocks of one chunk per thread): while the threads compute block k in one, the
    // caller stages block k + 1 into the other.
    const per = imgIn + imgOut + yImg + sImg + pImg, perChunk = part + 24;
    const block = Math.min(parts * chunk, blockImages(rt, g, chunk, GEO_ELEMS, 2 * per, 2 * perChunk));
    // Each chunk's output channels in WEIGHT_GROUPS ranges, a task each: a block's parts chunks of a fixed size
    // (the bits) split into finer tasks, so that no thread waits long for the last.
    const groups = Math.min(g.o, WEIGHT_GROUPS);
    const chunks = Math.ceil(block / chunk);
    const geoAt = rt.arenaBase / 4;
    const bufs: Buffers[] = [];
    let at = geoAt + GEO_ELEMS;
    for (let b = 0; b < 2; b++) {
      const buf = layout(at, block, chunks, part, imgIn, imgOut, yImg, sImg, imgPool);
      bufs.push(buf);
      at = buf.end;
    }
    ensureBytes(rt, at * 4);
    const f = rt.f32, f64 = new Float64Array(f.buffer);
    if (from !== null) writeGeometry(rt.i32, geoAt, from.pool, from.countIncludePad);
    stage(f, bufs[0]!, 0, Math.min(block, g.n));
    for (let n0 = 0, k = 0; n0 < g.n; n0 += block, k++) {
      const nb = Math.min(block, g.n - n0), nc = Math.ceil(nb / chunk), buf = bufs[k & 1]!;
      f.fill(0, buf.p, buf.p + nc * part);
      const sums = gb === null ? 0 : buf.s * 4;
      if (from === null) startConv(rt, ConvJob.Weight, nb, chunk, parts, args(buf), [y === null ? 0 : buf.y * 4, sums], groups);
      else startConv(rt, ConvJob.ReluPoolWeight, nb, chunk, parts, args(buf), [buf.gp * 4, sums, buf.m * 4, geoAt * 4, imgPool * 4], groups);
      if (n0 + block < g.n) stage(f, bufs[(k + 1) & 1]!, n0 + block, Math.min(block, g.n - n0 - block));
      finishJob(rt);
      for (let c = 0; c < nc; c++) addPart(total, f, buf.p + c * part, K);
      if (gb !== null) addSums(gb, f64, buf.s / 2, nb, g.o);
    }
    gw.set(total);
    return;
  }
  const rt = getRowRuntime()!;
  const geoAt = rt.base / 4;
  const buf = layout(geoAt + GEO_ELEMS, chunk, 1, part, imgIn, imgOut, yImg, sImg, imgPool);
  ensureRowBytes(rt, buf.end * 4);
  const f = rt.f32, f64 = new Float64Array(f.buffer);
  if (from !== null) writeGeometry(rt.i32, geoAt, from.pool, from.countIncludePad);
  for (let n0 = 0; n0 < g.n; n0 += chunk) {
    const nb = Math.min(chunk, g.n - n0);
    f.fill(0, buf.p, buf.p + K);
    stage(f, buf, n0, nb);
    const sums = gb === null ? 0 : buf.s * 4;
    if (from === null) {
      rt.exports.convDirectBackwardParams(buf.x * 4, buf.gy * 4, y === null ? 0 : buf.y * 4, sums, buf.p * 4,
        nb, g.c, Hp, Wp, g.o, g.kh, g.kw, 0, g.o);
    } else {
      rt.exports.convReluPoolBackwardParams(buf.x * 4, buf.gp * 4, buf.m * 4, buf.gy * 4, sums, buf.p * 4,
        nb, g.c, Hp, Wp, g.o, g.kh, g.kw, geoAt * 4, 0, g.o);
    }
    addPart(total, f, buf.p, K);
    if (gb !== null) addSums(gb, f64, buf.s / 2, nb, g.o);
  }
  gw.set(total);
}

/**
 * A threaded forward-like job's blocks and chunks: blocks of at most `most` images, of even size (128 images in
 * blocks of at most 40: four of 32, not 40, 40, 40, 8), each eight chunks per thread, so that the caller waits
 * about half a chunk for the last one and no block ends on a lone chunk. Their bits do not depend on either.
 */
function evenBlocks(n: number, most: number, parts: number): { block: number; fch: number } {
  const block = Math.ceil(n / Math.ceil(n / most));
  return { block, fch: Math.max(1, Math.ceil(block / (8 * parts))) };
}

/** Where a block's operands of the weight gradient sit (float32 element indices; s is 8-byte aligned). */
interface Buffers { p: number; x: number; gy: number; y: number; s: number; gp: number; m: number; end: number }

/**
 * Lays out, from element `at`: `chunks` parts of the gradient, then the padded images, gy, y (yImg floats per
 * image, 0 without it), the plane sums (sImg floats per image), and with a pooled cotangent (imgPool floats per
 * image, 0 without it) that cotangent and the mask (reluMaskBytes(imgOut) bytes per image), each followed by 4
 * spare floats and aligned.
 */
function layout(
  at: number, images: number, chunks: number, part: number, imgIn: number, imgOut: number, yImg: number, sImg: number,
  imgPool: number,
): Buffers {
  const p = at, x = p + chunks * part, gy = (x + images * imgIn + 4 + 3) & ~3;
  const y = (gy + images * imgOut + 4 + 3) & ~3, s = (y + images * yImg + 4 + 3) & ~3;
  const gp = (s + images * sImg + 4 + 3) & ~3;
  if (imgPool === 0) return { p, x, gy, y, s, gp, m: gp, end: gp };
  const m = (gp + images * imgPool + 4 + 3) & ~3;
  return { p, x, gy, y, s, gp, m, end: m + maskElems(images * reluMaskBytes(imgOut)) };
}
/** Copies images n0 … n0+nb−1 of gy (imgOut floats each) to element gyAt, plus 4 zero floats; and y's to yAt. */
function stageGradient(
  f: Float32Array, gy: Float32Array, y: Float32Array | null, n0: number, nb: number, imgOut: number, gyAt: number, yAt: number,
): void {
  const len = nb * imgOut;
  f.set(gy.subarray(n0 * imgOut, n0 * imgOut + len), gyAt);
  f.fill(0, gyAt + len, gyAt + len + 4);
  if (y !== null) f.set(y.subarray(n0 * imgOut, n0 * imgOut + len), yAt);
}

/** gb[o] += sums[at + n·O + o] for the nb images in order (float64 adds: `sum`'s accumulation, image by image). */
function addSums(gb: Float64Array, f64: Float64Array, at: number, nb: number, O: number): void {
  for (let n = 0, q = at; n < nb; n++) for (let o = 0; o < O; o++, q++) gb[o] = gb[o]! + f64[q]!;
}

/** total[k] += f[at + k] for k < K, in float32 (the fixed order that makes every thread count agree). */
function addPart(total: Float32Array, f: Float32Array, at: number, K: number): void {
  for (let k = 0; k < K; k++) total[k] = total[k]! + f[at + k]!;
}

/**
 * gx (N·H·W floats, one channel) = the input gradient of a single-channel convolution, where
 * {@link directInputApplies}: per chunk of images, gy is copied in, assembly/conv.ts convDirectBackwardInput
 * computes the padded input's gradient (the transposed convolution, as a correlation of the padded gy with the
 * flipped kernel), and its interior is copied out. Each element sums its O·KH·KW products in one order (o, then
 * the flipped taps), so the bits do not depend on the chunks or the threads; on threads the chunks of a block are
 * claimed as the forward's are, each thread padding into its own workspace.
 */
export function convDirectBackwardInputWasm(gy: Float32Array, w: Float32Array, gx: Float32Array, g: Conv2dGeometry): void {
  const main = getRuntime();
  const parts = convThreads(main, workOf(g));
  const Hp = g.h + 2 * g.ph, Wp = g.w + 2 * g.pw, OHW = g.oh * g.ow, KK = g.kh * g.kw;
  const imgIn = g.o * OHW, imgOut = Hp * Wp, wLen = g.o * KK * 4;
  const per = imgIn + imgOut + 8;
  const chunk = Math.max(1, Math.min(g.n, Math.floor(CHUNK_ELEMS / per)));
  // The weights flipped and splatted: v128 (o, p, q) holds w[o, KH − 1 − p, KW − 1 − q] in its four lanes.
  const stageFlipped = (f: Float32Array, at: number): void => {
    for (let o = 0; o < g.o; o++) {
      for (let t = 0; t < KK; t++) {
        const v = w[o * KK + KK - 1 - t]!, d = at + (o * KK + t) * 4;
        f[d] = v; f[d + 1] = v; f[d + 2] = v; f[d + 3] = v;
      }
    }
  };
  const copyOut = (f: Float32Array, at: number, n0: number, nb: number): void => {
    if (g.ph === 0 && g.pw === 0) {
      gx.set(f.subarray(at, at + nb * imgOut), n0 * imgOut);
      return;
    }
    for (let n = 0; n < nb; n++) {
      for (let i = 0; i < g.h; i++) {
        const s = at + (n * Hp + i + g.ph) * Wp + g.pw;
        gx.set(f.subarray(s, s + g.w), ((n0 + n) * g.h + i) * g.w);
      }
    }
  };
  const args = (gyAt: number, wAt: number, gxAt: number): number[] =>
    [gyAt * 4, wAt * 4, gxAt * 4, 0, g.oh, g.ow, g.o, g.kh, g.kw, imgIn * 4, imgOut * 4, 0, 0];
  if (parts > 1) {
    const rt = main!;
    const wAt = rt.arenaBase / 4;
    // Blocks as large as the arena holds, split evenly (evenBlocks).
    const { block, fch } = evenBlocks(g.n, blockImages(rt, g, 1, wLen + 16, per, 8), parts);
    const gyAt = wAt + wLen, gxAt = (gyAt + block * imgIn + 4 + 3) & ~3;
    ensureBytes(rt, (gxAt + block * imgOut + 8) * 4);
    stageFlipped(rt.f32, wAt);
    for (let n0 = 0; n0 < g.n; n0 += block) {
      const nb = Math.min(block, g.n - n0);
      rt.f32.set(gy.subarray(n0 * imgIn, (n0 + nb) * imgIn), gyAt);
      startConv(rt, ConvJob.Input, nb, fch, parts, args(gyAt, wAt, gxAt));
      finishJob(rt);
      copyOut(rt.f32, gxAt, n0, nb);
    }
    return;
  }
  const rt = getRowRuntime()!;
  const wAt = rt.base / 4, gyAt = wAt + wLen, gxAt = (gyAt + chunk * imgIn + 4 + 3) & ~3;
  const scAt = (gxAt + chunk * imgOut + 4 + 3) & ~3;
  ensureRowBytes(rt, (scAt + inputScratch(g)) * 4);
  stageFlipped(rt.f32, wAt);
  for (let n0 = 0; n0 < g.n; n0 += chunk) {
    const nb = Math.min(chunk, g.n - n0);
    rt.f32.set(gy.subarray(n0 * imgIn, (n0 + nb) * imgIn), gyAt);
    rt.exports.convDirectBackwardInput(gyAt * 4, wAt * 4, gxAt * 4, nb, g.o, g.oh, g.ow, g.kh, g.kw, scAt * 4);
    copyOut(rt.f32, gxAt, n0, nb);
  }
}
