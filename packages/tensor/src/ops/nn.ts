/** Convolution, pooling and softmax: the tensor-level ops over the kernels in `kernels/conv.ts` and `kernels/pool.ts`. */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import {
  conv2dBackwardInput as convBackInputKernel,
  conv2dBackwardWeight as convBackWeightKernel,
  conv2dBackwardWeightBias,
  conv2dForward,
  conv2dGeometry,
  conv2dReluAvgPoolBackwardParams as reluPoolParamsKernel,
  conv2dReluAvgPoolForward as reluPoolKernel,
  reluMaskBytes,
  type Conv2dGeometry,
} from '../kernels/conv.js';
import {
  avgPool2dBackward as avgBackKernel,
  avgPool2dForward,
  maxPool2dBackward as maxBackKernel,
  maxPool2dForward,
  pool2dGeometry,
  type Pool2dGeometry,
} from '../kernels/pool.js';
import { checkShape, normAxis, pair, sizeOf } from '../shape.js';
import { Tensor, alloc, allocOverwritten } from '../tensor.js';
import { checkSameDType, type DType } from '../dtype.js';
import { exp, div, log, reluBackward, sub } from './elementwise.js';
import { lseShift, max, sum } from './reduce.js';
import { contiguous } from './views.js';

/** Geometry of a 2-D convolution: stride, zero padding and dilation, per spatial axis. */
export interface Conv2dOptions {
  /** Step between windows, one number or [sh, sw] (default 1). */
  stride?: number | readonly [number, number];
  /** Zeros added on each side, one number or [ph, pw] (default 0). */
  padding?: number | readonly [number, number];
  /** Spacing between kernel taps, one number or [dh, dw] (default 1). */
  dilation?: number | readonly [number, number];
}

function checkRank4(op: string, t: unknown, what: string, layout: string): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`[${op}] ${what} must be a Tensor`);
  if (t.ndim !== 4) throw new ShapeError(`[${op}] ${what} must have rank 4 (${layout}): got shape ${fmtShape(t.shape)}`);
  return t;
}


/** Validates a convolution's shapes and options and returns its geometry. */
export function convGeometry(op: string, xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions): Conv2dGeometry {
  const stride = pair(op, 'stride', opts.stride ?? 1, 1);
  const padding = pair(op, 'padding', opts.padding ?? 0, 0);
  const dilation = pair(op, 'dilation', opts.dilation ?? 1, 1);
  if (xShape[1] !== wShape[1]) {
    throw new ShapeError(
      `[${op}] input ${fmtShape(xShape)} has ${xShape[1]} channels but weight ${fmtShape(wShape)} expects ${wShape[1]}: axis 1 differs`,
    );
  }
  const g = conv2dGeometry(xShape, wShape, stride, padding, dilation);
  if (g.oh < 1 || g.ow < 1) {
    const ekh = dilation[0] * (g.kh - 1) + 1, ekw = dilation[1] * (g.kw - 1) + 1;
    throw new ShapeError(
      `[${op}] kernel ${g.kh}x${g.kw} (${ekh}x${ekw} with dilation) does not fit the padded input ${g.h + 2 * padding[0]}x${g.w + 2 * padding[1]} of input ${fmtShape(xShape)}`,
    );
  }
  return g;
}

/**
 * Throws unless `bias` fits a conv2d weight of shape [O, C, KH, KW]: a rank-1 tensor (or anything with a shape)
 * of shape [O]. The one wording of the check, for the tensor op and the autograd wrapper.
 */
export function checkConv2dBias(bias: unknown, weightShape: readonly number[]): void {
  const shape = typeof bias === 'object' && bias !== null && Array.isArray((bias as { shape?: unknown }).shape)
    ? (bias as { shape: number[] }).shape : null;
  if (shape === null || shape.length !== 1 || shape[0] !== weightShape[0]) {
    throw new ShapeError(`[conv2d] bias must have shape [${weightShape[0]}] for weight ${fmtShape(weightShape)}: got ${shape ? fmtShape(shape) : typeof bias}`);
  }
}

/** Options of `conv2d`: the geometry, a bias, and an activation fused into the output's store. */
export interface Conv2dForwardOptions extends Conv2dOptions {
  /** b, shape [O], added to every position of output channel o. */
  bias?: Tensor;
  /**
   * 'relu' stores max(y, 0) instead of y: the values `relu(conv2d(x, w, { bias }))` gives, in one pass over the
   * output instead of two or three (tfjs's `fused.conv2d`). Its VJP needs only the output: see
   * `conv2dBackwardParams`.
   */
  activation?: 'relu';
}

/** Throws unless `activation` is undefined or 'relu' (the one wording, for the tensor op and the autograd wrapper). */
export function checkConv2dActivation(activation: unknown): void {
  if (activation !== undefined && activation !== 'relu') {
    throw new ValueError(`[conv2d] unknown activation ${JSON.stringify(activation)}: expected 'relu' or none`);
  }
}

/**
 * 2-D cross-correlation (what deep-learning libraries call convolution), NCHW input and OIHW weight:
 * y[n,o,i,j] = Σ_{c,p,q} x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw] · w[o,c,p,q] (+ bias[o]),
 * zeros outside the input, then max(y, 0) with `activation: 'relu'`. Output size
 * OH = ⌊(H + 2ph − dh(KH−1) − 1)/sh⌋ + 1, likewise OW.
 * VJPs: ∂/∂x is `conv2dBackwardInput` (the transposed convolution), ∂/∂w is `conv2dBackwardWeight`, ∂/∂b is
 * Σ_{n,i,j} gy; through the relu, each of them of gy ⊙ [y > 0] (`conv2dBackwardParams` gives ∂/∂w and ∂/∂b so).
 */
export function conv2d(x: Tensor, weight: Tensor, opts: Conv2dForwardOptions = {}): Tensor {
  checkRank4('conv2d', x, 'input', 'NCHW');
  checkRank4('conv2d', weight, 'weight', 'OIHW');
  checkSameDType('conv2d', x, weight);
  const g = convGeometry('conv2d', x.shape, weight.shape, opts);
  // The bias is checked before any work, and its dtype too (a bias of another dtype is a mismatch of conv2d's).
  const b = opts.bias;
  if (b !== undefined) {
    checkConv2dBias(b, weight.shape);
    checkSameDType('conv2d', x, b);
  }
  checkConv2dActivation(opts.activation);
  const out = allocOverwritten(x.dtype, g.n * g.o * g.oh * g.ow);
  const xc = contiguous(x), wc = contiguous(weight), bc = b === undefined ? null : contiguous(b);
  conv2dForward(
    xc.data.subarray(xc.offset, xc.offset + xc.size), wc.data.subarray(wc.offset, wc.offset + wc.size), out, g,
    bc === null ? null : bc.data.subarray(bc.offset, bc.offset + bc.size), opts.activation === 'relu',
  );
  return new Tensor(out, [g.n, g.o, g.oh, g.ow]);
}

/**
 * Gradient of conv2d with respect to its input: for cotangent gy [N,O,OH,OW],
 * gx[n,c,h,w] = Σ_{o,p,q : h = i·sh − ph + p·dh, w = j·sw − pw + q·dw} gy[n,o,i,j] · w[o,c,p,q]
 * (a transposed convolution). `inputShape` is x's shape.
 */
export function conv2dBackwardInput(gy: Tensor, weight: Tensor, inputShape: readonly number[], opts: Conv2dOptions = {}): Tensor {
  checkRank4('conv2dBackwardInput', gy, 'gradient', 'NCHW');
  checkRank4('conv2dBackwardInput', weight, 'weight', 'OIHW');
  checkSameDType('conv2dBackwardInput', gy, weight);
  const xShape = checkShape('conv2dBackwardInput', inputShape);
  if (xShape.length !== 4) throw new ShapeError(`[conv2dBackwardInput] inputShape must have rank 4: got ${fmtShape(xShape)}`);
  const g = convGeometry('conv2dBackwardInput', xShape, weight.shape, opts);
  checkGradShape('conv2dBackwardInput', gy, [g.n, g.o, g.oh, g.ow]);
  const gx = allocOverwritten(gy.dtype, sizeOf(xShape));
  const gc = contiguous(gy), wc = contiguous(weight);
  convBackInputKernel(gc.data.subarray(gc.offset, gc.offset + gc.size), wc.data.subarray(wc.offset, wc.offset + wc.size), gx, g);
  return new Tensor(gx, xShape);
}

/**
 * The checks every weight gradient makes of its input x, its cotangent (rank 4, x's dtype) and the weight's shape,
 * and the convolution's geometry; the caller checks the cotangent's shape against its own forward output.
 */
function weightGradGeometry(
  op: string, x: Tensor, gy: Tensor, weightShape: readonly number[], opts: Conv2dOptions,
): { wShape: number[]; g: Conv2dGeometry } {
  checkRank4(op, x, 'input', 'NCHW');
  checkRank4(op, gy, 'gradient', 'NCHW');
  checkSameDType(op, x, gy);
  const wShape = checkShape(op, weightShape);
  if (wShape.length !== 4) throw new ShapeError(`[${op}] weightShape must have rank 4: got ${fmtShape(wShape)}`);
  return { wShape, g: convGeometry(op, x.shape, wShape, opts) };
}

/**
 * Gradient of conv2d with respect to its weight, summed over the batch:
 * gw[o,c,p,q] = Σ_{n,i,j} gy[n,o,i,j] · x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw].
 */
export function conv2dBackwardWeight(x: Tensor, gy: Tensor, weightShape: readonly number[], opts: Conv2dOptions = {}): Tensor {
  const { wShape, g } = weightGradGeometry('conv2dBackwardWeight', x, gy, weightShape, opts);
  checkGradShape('conv2dBackwardWeight', gy, [g.n, g.o, g.oh, g.ow]);
  const gw = alloc(x.dtype, sizeOf(wShape));
  const xc = contiguous(x), gc = contiguous(gy);
  convBackWeightKernel(xc.data.subarray(xc.offset, xc.offset + xc.size), gc.data.subarray(gc.offset, gc.offset + gc.size), gw, g);
  return new Tensor(gw, wShape);
}

/**
 * The gradients of conv2d's weight and bias for the output cotangent gy, through a fused relu when its output
 * is given (`reluOutput`: y of `conv2d(x, w, { bias, activation: 'relu' })`):
 *
 *   gm = gy ⊙ [y > 0] (or gy),   gw = conv2dBackwardWeight(x, gm),   gb[o] = Σ_{n,i,j} gm[n,o,i,j].
 *
 * y > 0 exactly where the pre-activation is > 0, so the output is all the mask needs. The same bits as those
 * ops one by one (`reluBackward`, `conv2dBackwardWeight`, `sum` over [0, 2, 3]); where the direct float32
 * kernel applies, in one pass: gm is masked and summed while it is staged for the weight kernel, and never
 * written out. Returns [gw, gb].
 */
export function conv2dBackwardParams(
  x: Tensor, gy: Tensor, weightShape: readonly number[], opts: Conv2dOptions & { reluOutput?: Tensor } = {},
): [Tensor, Tensor] {
  const op = 'conv2dBackwardParams';
  const { wShape, g } = weightGradGeometry(op, x, gy, weightShape, opts);
  checkGradShape(op, gy, [g.n, g.o, g.oh, g.ow]);
  const y = opts.reluOutput;
  if (y !== undefined) {
    if (!(y instanceof Tensor) || y.shape.length !== 4 || y.shape.some((d, i) => d !== gy.shape[i])) {
      throw new ShapeError(`[${op}] reluOutput must have the gradient's shape ${fmtShape(gy.shape)}: got ${y instanceof Tensor ? fmtShape(y.shape) : typeof y}`);
    }
    checkSameDType(op, gy, y);
  }
  const gw = alloc(x.dtype, sizeOf(wShape));
  const acc = new Float64Array(g.o);
  const xc = contiguous(x), gc = contiguous(gy), yc = y === undefined ? null : contiguous(y);
  const fused = conv2dBackwardWeightBias(
    xc.data.subarray(xc.offset, xc.offset + xc.size), gc.data.subarray(gc.offset, gc.offset + gc.size),
    yc === null ? null : yc.data.subarray(yc.offset, yc.offset + yc.size), gw, acc, g,
  );
  if (!fused) {
    const gm = y === undefined ? gy : reluBackward(gy, y);
    return [conv2dBackwardWeight(x, gm, wShape, opts), sum(gm, { axis: [0, 2, 3] })];
  }
  const gb = alloc(x.dtype, g.o);
  gb.set(acc);
  return [new Tensor(gw, wShape), new Tensor(gb, [g.o])];
}

/** Options of `conv2dReluAvgPool`: the convolution's geometry and bias, and the average pooling after the relu. */
export interface Conv2dReluAvgPoolOptions extends Conv2dOptions {
  /** b, shape [O], added to every position of output channel o. */
  bias?: Tensor;
  /** The average pooling of the rectified output (as `avgPool2d`'s options). */
  pool: AvgPool2dOptions;
}

/** The output and mask of `conv2dReluAvgPoolWithMask`. */
export interface Conv2dReluAvgPoolResult {
  /** avgPool2d(relu(conv2d(x, w) + b)), [N, O, POH, POW]. */
  output: Tensor;
  /**
   * One bit per element of the rectified output [N, O, OH, OW], 1 where it is > 0: image n's O·OH·OW elements
   * (row-major) take B = ⌈O·OH·OW / 8⌉ bytes from byte n·B, element k being bit k & 7 of byte n·B + (k >> 3)
   * (each image rounded up to whole bytes).
   */
  mask: Uint8Array;
}

/**
 * A convolution, its bias, relu and average pooling as one op (a network's first layer, as DrLIM's conv 6×6 →
 * relu → 3×3 average pooling):
 *
 *   r = relu(conv2d(x, w, { bias })),   output = avgPool2d(r, pool),   mask = [r > 0],
 *
 * the values the three ops give one after the other. r, the largest tensor of such a network, is never
 * returned: its VJP needs only the mask (r > 0 exactly where the pre-activation is), one bit per element,
 * which `conv2dReluAvgPoolWithMask` returns with the output.
 * Where the direct float32 wasm kernels apply, r never leaves wasm memory: each chunk of images is convolved,
 * rectified, pooled and masked there. VJPs: with gm = `conv2dReluAvgPoolBackward(g, mask)` =
 * avgPool2dBackward(g) ⊙ mask, ∂/∂x = conv2dBackwardInput(gm, w), and ∂/∂w, ∂/∂b =
 * `conv2dReluAvgPoolBackwardParams` (which builds gm the same way, in wasm memory where it can).
 */
export function conv2dReluAvgPool(x: Tensor, weight: Tensor, opts: Conv2dReluAvgPoolOptions): Tensor {
  return reluAvgPool(x, weight, opts).output;
}

/** {@link conv2dReluAvgPool} with the relu's mask, which its VJPs take (as `maxPool2dWithArgmax` gives the argmax). */
export function conv2dReluAvgPoolWithMask(x: Tensor, weight: Tensor, opts: Conv2dReluAvgPoolOptions): Conv2dReluAvgPoolResult {
  return reluAvgPool(x, weight, opts);
}

function reluAvgPool(x: Tensor, weight: Tensor, opts: Conv2dReluAvgPoolOptions): Conv2dReluAvgPoolResult {
  const op = 'conv2dReluAvgPool';
  checkRank4(op, x, 'input', 'NCHW');
  checkRank4(op, weight, 'weight', 'OIHW');
  checkSameDType(op, x, weight);
  const g = convGeometry(op, x.shape, weight.shape, opts);
  const b = opts.bias;
  if (b !== undefined) {
    checkConv2dBias(b, weight.shape);
    checkSameDType(op, x, b);
  }
  const pool = opts.pool;
  const pg = poolGeometry(op, [g.n, g.o, g.oh, g.ow], pool ?? ({} as AvgPool2dOptions));
  const countIncludePad = pool.countIncludePad ?? true;
  const out = allocOverwritten(x.dtype, g.n * g.o * pg.oh * pg.ow);
  const mask = new Uint8Array(g.n * reluMaskBytes(g.o * g.oh * g.ow));
  const xc = contiguous(x), wc = contiguous(weight), bc = b === undefined ? null : contiguous(b);
  const fused = reluPoolKernel(
    xc.data.subarray(xc.offset, xc.offset + xc.size), wc.data.subarray(wc.offset, wc.offset + wc.size),
    bc === null ? null : bc.data.subarray(bc.offset, bc.offset + bc.size), g, { pool: pg, countIncludePad, out: out as Float32Array, mask },
  );
  if (!fused) {
    const r = conv2d(x, weight, { ...convOpts(opts), ...(b === undefined ? {} : { bias: b }), activation: 'relu' });
    avgPool2dForward(r.data, out, pg, countIncludePad);
    positiveMask(r.data, mask, g.o * g.oh * g.ow);
  }
  return { output: new Tensor(out, [g.n, g.o, pg.oh, pg.ow]), mask };
}

/** The bit of element k of image n set where r[n·per + k] > 0 (NaN gives 0), in the layout of the result's mask. */
function positiveMask(r: ArrayLike<number>, mask: Uint8Array, per: number): void {
  const mb = reluMaskBytes(per);
  for (let at = 0, n = 0; at < r.length; at += per, n++) {
    for (let k = 0; k < per; k++) if (r[at + k]! > 0) mask[n * mb + (k >> 3)] |= 1 << (k & 7);
  }
}

function convOpts(opts: Conv2dOptions): Conv2dOptions {
  return { stride: opts.stride, padding: opts.padding, dilation: opts.dilation };
}

/** Throws unless `mask` is the mask of N images of per = O·OH·OW outputs. */
function checkMask(op: string, mask: unknown, n: number, per: number): void {
  const bytes = n * reluMaskBytes(per);
  if (!(mask instanceof Uint8Array) || mask.length !== bytes) {
    throw new ValueError(`[${op}] mask must be a Uint8Array of ${bytes} bytes (one bit per element of the convolution's output, each image's rounded up to whole bytes)`);
  }
}

/**
 * conv2dReluAvgPoolWithMask's mask as the 0/1 values of the convolution's output, of shape `convShape`
 * ([N, O, OH, OW]) and dtype `dtype` (default float32): what the bits stand for, as a tensor (`reluBackward(g,
 * values)` is g where the rectified output was > 0, else +0).
 */
export function conv2dReluMaskValues(mask: Uint8Array, convShape: readonly number[], dtype: DType = 'float32'): Tensor {
  const op = 'conv2dReluMaskValues';
  const shape = checkShape(op, convShape);
  if (shape.length !== 4) throw new ShapeError(`[${op}] convShape must have rank 4: got ${fmtShape(shape)}`);
  const per = shape[1]! * shape[2]! * shape[3]!, mb = reluMaskBytes(per);
  checkMask(op, mask, shape[0]!, per);
  const v = alloc(dtype, shape[0]! * per);
  for (let n = 0, at = 0; n < shape[0]!; n++) {
    for (let k = 0; k < per; k++, at++) v[at] = (mask[n * mb + (k >> 3)]! >> (k & 7)) & 1;
  }
  return new Tensor(v, shape);
}

/**
 * The cotangent of `conv2dReluAvgPool`'s pre-activation, gm = avgPool2dBackward(gp) ⊙ mask (+0 where the mask
 * is 0, as `reluBackward`), of shape `convShape` ([N, O, OH, OW], the convolution's output). Linear in gp.
 */
export function conv2dReluAvgPoolBackward(gp: Tensor, mask: Uint8Array, convShape: readonly number[], pool: AvgPool2dOptions): Tensor {
  const op = 'conv2dReluAvgPoolBackward';
  checkRank4(op, gp, 'gradient', 'NCHW');
  const shape = checkShape(op, convShape);
  if (shape.length !== 4) throw new ShapeError(`[${op}] convShape must have rank 4: got ${fmtShape(shape)}`);
  checkMask(op, mask, shape[0]!, shape[1]! * shape[2]! * shape[3]!);
  return reluBackward(avgPool2dBackward(gp, shape, pool), conv2dReluMaskValues(mask, shape, gp.dtype));
}

/**
 * The weight and bias gradients of `conv2dReluAvgPool` for the cotangent gp of its pooled output, from its mask:
 *
 *   gm = avgPool2dBackward(gp) ⊙ mask,   gw = conv2dBackwardWeight(x, gm),   gb[o] = Σ_{n,i,j} gm[n,o,i,j].
 *
 * The same bits as `conv2dReluAvgPoolBackward` then `conv2dBackwardParams`; where the direct float32 kernels
 * apply, gm is built a chunk at a time in wasm memory and never written to a tensor. Returns [gw, gb].
 */
export function conv2dReluAvgPoolBackwardParams(
  x: Tensor, gp: Tensor, mask: Uint8Array, weightShape: readonly number[], opts: Conv2dOptions & { pool: AvgPool2dOptions },
): [Tensor, Tensor] {
  const op = 'conv2dReluAvgPoolBackwardParams';
  const { wShape, g } = weightGradGeometry(op, x, gp, weightShape, opts);
  const pool = opts.pool;
  const pg = poolGeometry(op, [g.n, g.o, g.oh, g.ow], pool ?? ({} as AvgPool2dOptions));
  checkGradShape(op, gp, [g.n, g.o, pg.oh, pg.ow]);
  checkMask(op, mask, g.n, g.o * g.oh * g.ow);
  const gw = alloc(x.dtype, sizeOf(wShape));
  const acc = new Float64Array(g.o);
  const xc = contiguous(x), gc = contiguous(gp);
  const fused = reluPoolParamsKernel(xc.data.subarray(xc.offset, xc.offset + xc.size), gw, acc, g, {
    pool: pg, countIncludePad: pool.countIncludePad ?? true, gp: gc.data.subarray(gc.offset, gc.offset + gc.size) as Float32Array, mask,
  });
  if (!fused) return conv2dBackwardParams(x, conv2dReluAvgPoolBackward(gp, mask, [g.n, g.o, g.oh, g.ow], pool), wShape, convOpts(opts));
  const gb = alloc(x.dtype, g.o);
  gb.set(acc);
  return [new Tensor(gw, wShape), new Tensor(gb, [g.o])];
}

function checkGradShape(op: string, gy: Tensor, expected: readonly number[]): void {
  if (gy.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`[${op}] gradient has shape ${fmtShape(gy.shape)}, but the forward output has shape ${fmtShape(expected)}`);
  }
}

/** Geometry of a pooling window. */
export interface Pool2dOptions {
  /** Window size, one number or [kh, kw]. */
  kernelSize: number | readonly [number, number];
  /** Step between windows (default: the window size). */
  stride?: number | readonly [number, number];
  /** Implicit padding on each side (default 0); at most half the window. */
  padding?: number | readonly [number, number];
}

/** Options of average pooling. */
export interface AvgPool2dOptions extends Pool2dOptions {
  /** Whether padded zeros count in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

function poolGeometry(op: string, xShape: readonly number[], opts: Pool2dOptions): Pool2dGeometry {
  if (opts === undefined || opts === null || opts.kernelSize === undefined) throw new ValueError(`[${op}] kernelSize is required`);
  const kernel = pair(op, 'kernelSize', opts.kernelSize, 1);
  const stride = pair(op, 'stride', opts.stride ?? kernel, 1);
  const padding = pair(op, 'padding', opts.padding ?? 0, 0);
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1]) {
    throw new ValueError(`[${op}] padding ${fmtShape(padding)} must be at most half the kernel ${fmtShape(kernel)}`);
  }
  const g = pool2dGeometry(xShape, kernel, stride, padding);
  if (g.oh < 1 || g.ow < 1) {
    throw new ShapeError(`[${op}] window ${kernel[0]}x${kernel[1]} does not fit the padded input ${g.h + 2 * padding[0]}x${g.w + 2 * padding[1]} of input ${fmtShape(xShape)}`);
  }
  return g;
}

/**
 * Max pooling with its argmax: out[n,c,i,j] = max over the window at (i·sh − ph, j·sw − pw); padding acts as
 * −∞. `argmax` holds, per output, the flat index (h·W + w) of the winner within its (n, c) plane, which is what
 * the VJP needs: ∂/∂x scatters each cotangent to its winner.
 */
export function maxPool2dWithArgmax(x: Tensor, opts: Pool2dOptions): { output: Tensor; argmax: Int32Array } {
  checkRank4('maxPool2d', x, 'input', 'NCHW');
  const g = poolGeometry('maxPool2d', x.shape, opts);
  const out = allocOverwritten(x.dtype, g.n * g.c * g.oh * g.ow);
  const argmax = new Int32Array(out.length);
  const xc = contiguous(x);
  maxPool2dForward(xc.data.subarray(xc.offset, xc.offset + xc.size), out, argmax, g);
  return { output: new Tensor(out, [g.n, g.c, g.oh, g.ow]), argmax };
}

/** Max pooling over 2-D windows of an NCHW tensor (see maxPool2dWithArgmax). */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  return maxPool2dWithArgmax(x, opts).output;
}

/** VJP of max pooling: gx is zero except at each window's winner, which receives the window's cotangent (summed where windows overlap). */
export function maxPool2dBackward(gy: Tensor, argmax: Int32Array, inputShape: readonly number[], opts: Pool2dOptions): Tensor {
  checkRank4('maxPool2dBackward', gy, 'gradient', 'NCHW');
  const xShape = checkShape('maxPool2dBackward', inputShape);
  if (xShape.length !== 4) throw new ShapeError(`[maxPool2dBackward] inputShape must have rank 4: got ${fmtShape(xShape)}`);
  const g = poolGeometry('maxPool2dBackward', xShape, opts);
  checkGradShape('maxPool2dBackward', gy, [g.n, g.c, g.oh, g.ow]);
  if (!(argmax instanceof Int32Array) || argmax.length !== gy.size) {
    throw new ValueError(`[maxPool2dBackward] argmax must be an Int32Array of ${gy.size} entries (one per output)`);
  }
  const gx = allocOverwritten(gy.dtype, sizeOf(xShape));
  const gc = contiguous(gy);
  maxBackKernel(gc.data.subarray(gc.offset, gc.offset + gc.size), argmax, gx, g);
  return new Tensor(gx, xShape);
}

/**
 * Average pooling: out[n,c,i,j] = (1/|window|) Σ over the window; with countIncludePad (default) the divisor
 * counts padded positions, as PyTorch. VJP: each input receives cotangent/|window| from every window holding it.
 */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor {
  checkRank4('avgPool2d', x, 'input', 'NCHW');
  const g = poolGeometry('avgPool2d', x.shape, opts);
  const out = allocOverwritten(x.dtype, g.n * g.c * g.oh * g.ow);
  const xc = contiguous(x);
  avgPool2dForward(xc.data.subarray(xc.offset, xc.offset + xc.size), out, g, opts.countIncludePad ?? true);
  return new Tensor(out, [g.n, g.c, g.oh, g.ow]);
}

/** VJP of average pooling. */
export function avgPool2dBackward(gy: Tensor, inputShape: readonly number[], opts: AvgPool2dOptions): Tensor {
  checkRank4('avgPool2dBackward', gy, 'gradient', 'NCHW');
  const xShape = checkShape('avgPool2dBackward', inputShape);
  if (xShape.length !== 4) throw new ShapeError(`[avgPool2dBackward] inputShape must have rank 4: got ${fmtShape(xShape)}`);
  const g = poolGeometry('avgPool2dBackward', xShape, opts);
  checkGradShape('avgPool2dBackward', gy, [g.n, g.c, g.oh, g.ow]);
  const gx = allocOverwritten(gy.dtype, sizeOf(xShape));
  const gc = contiguous(gy);
  avgBackKernel(gc.data.subarray(gc.offset, gc.offset + gc.size), gx, g, opts.countIncludePad ?? true);
  return new Tensor(gx, xShape);
}

/**
 * softmax(x)_i = e^(x_i − m) / Σ_j e^(x_j − m) along `axis` (default −1), with m = max x so nothing overflows.
 * VJP: s ⊙ (g − Σ g⊙s).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`[softmax] input must be a Tensor`);
  const ax = normAxis('softmax', axis, x.ndim, x.shape);
  if (x.shape[ax] === 0) return new Tensor(alloc(x.dtype, 0), x.shape.slice()); // nothing to normalise
  const e = exp(sub(x, max(x, { axis, keepDims: true })));
  return div(e, sum(e, { axis, keepDims: true }));
}

/**
 * log softmax(x) = x − logSumExp(x) along `axis` (default −1), computed as (x − m) − log Σ e^(x − m) with m = max x:
 * subtracting the shift first keeps float32 accurate for large |x| (x − (m + log Σ) would round m + log Σ at |x|'s
 * scale first, losing ~4 digits at |x| = 1000). VJP: g − softmax(x)·Σg.
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`[logSoftmax] input must be a Tensor`);
  const ax = normAxis('logSoftmax', axis, x.ndim, x.shape);
  if (x.shape[ax] === 0) return new Tensor(alloc(x.dtype, 0), x.shape.slice());
  const shifted = sub(x, lseShift(x, axis));
  return sub(shifted, log(sum(exp(shifted), { axis, keepDims: true })));
}
