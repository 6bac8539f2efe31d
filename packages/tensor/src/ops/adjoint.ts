/**
 * Ops that are the adjoints of others: what a reverse-mode engine needs to send a cotangent back through
 * slice, gather and max pooling. Each is linear in its tensor argument, and the op it is the adjoint of is in
 * turn its adjoint, which is what makes gradients of gradients work through them.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { FloatArray } from '../dtype.js';
import { copyRow, map1 } from '../kernels/iter.js';
import { pool2dGeometry } from '../kernels/pool.js';
import { checkShape, normAxis, pair, sizeOf } from '../shape.js';
import { Tensor, alloc } from '../tensor.js';
import type { Pool2dOptions } from './nn.js';
import { contiguous, slice, toIndices, type IndexLike, type SliceSpec } from './views.js';

/**
 * Zeros of `shape` with `src` written where `slice(zeros, ranges)` would read: the adjoint of slice
 * (PyTorch's slice_scatter onto zeros). ⟨sliceScatter(g), h⟩ = ⟨g, slice(h)⟩.
 */
export function sliceScatter(src: Tensor, shape: readonly number[], ranges: readonly SliceSpec[]): Tensor {
  const s = checkShape('sliceScatter', shape);
  const out = new Tensor(alloc(src.dtype, sizeOf(s)), s);
  const view = slice(out, ranges);
  if (view.ndim !== src.ndim || view.shape.some((d, i) => d !== src.shape[i])) {
    throw new ShapeError(`[sliceScatter] source has shape ${fmtShape(src.shape)}, but the slice of ${fmtShape(s)} has shape ${fmtShape(view.shape)}`);
  }
  map1(view.shape, out.data, view.offset, view.strides, src.data, src.offset, src.strides, copyRow);
  return out;
}

function scatterAddKernel(out: FloatArray, g: FloatArray, gOff: number, idx: Int32Array, outer: number, n: number, inner: number): void {
  const k = idx.length;
  let s = gOff;
  for (let a = 0; a < outer; a++) {
    const base = a * n * inner;
    for (let j = 0; j < k; j++) {
      const dst = base + idx[j]! * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = out[dst + i]! + g[s++]!;
    }
  }
}

/**
 * Zeros of `shape` with each slab of `src` added at its index along `axis` (repeated indices add up): the
 * adjoint of gather. src has shape shape[:axis] + indices.shape + shape[axis+1:].
 */
export function scatterAdd(src: Tensor, indices: IndexLike, axis: number, shape: readonly number[]): Tensor {
  const s = checkShape('scatterAdd', shape);
  if (s.length === 0) throw new ShapeError(`[scatterAdd] target shape must have rank >= 1`);
  const ax = normAxis('scatterAdd', axis, s.length, s);
  const n = s[ax]!;
  const { idx, shape: ishape } = toIndices('scatterAdd', indices, n, ax, s);
  const expected = [...s.slice(0, ax), ...ishape, ...s.slice(ax + 1)];
  if (expected.length !== src.ndim || expected.some((d, i) => d !== src.shape[i])) {
    throw new ShapeError(`[scatterAdd] source has shape ${fmtShape(src.shape)}, expected ${fmtShape(expected)} for target ${fmtShape(s)} and indices ${fmtShape(ishape)} on axis ${ax}`);
  }
  const out = alloc(src.dtype, sizeOf(s));
  const g = contiguous(src);
  scatterAddKernel(out, g.data, g.offset, idx, sizeOf(s.slice(0, ax)), n, sizeOf(s.slice(ax + 1)));
  return new Tensor(out, s);
}

function poolGatherKernel(out: FloatArray, x: FloatArray, xOff: number, argmax: Int32Array, planes: number, inPlane: number, outPlane: number): void {
  for (let p = 0; p < planes; p++) {
    const xb = xOff + p * inPlane, ob = p * outPlane;
    for (let i = 0; i < outPlane; i++) {
      const a = argmax[ob + i]!;
      out[ob + i] = a >= 0 ? x[xb + a]! : 0; // −1 marks a window with no input element
    }
  }
}

/**
 * Reads x at the window winners recorded by maxPool2dWithArgmax: out[n,c,i,j] = x[n,c].flat[argmax[n,c,i,j]].
 * With the x that produced argmax this is max pooling itself; for any other x it is the adjoint of
 * maxPool2dBackward, which the second derivative through max pooling needs.
 */
export function maxPoolGather(x: Tensor, argmax: Int32Array, opts: Pool2dOptions): Tensor {
  if (x.ndim !== 4) throw new ShapeError(`[maxPoolGather] input must have rank 4 (NCHW): got shape ${fmtShape(x.shape)}`);
  const kernel = pair('maxPoolGather', 'kernelSize', opts.kernelSize, 1);
  const g = pool2dGeometry(x.shape, kernel, pair('maxPoolGather', 'stride', opts.stride ?? kernel, 1), pair('maxPoolGather', 'padding', opts.padding ?? 0, 0));
  const outShape = [g.n, g.c, g.oh, g.ow];
  if (!(argmax instanceof Int32Array) || argmax.length !== sizeOf(outShape)) {
    throw new ValueError(`[maxPoolGather] argmax must be an Int32Array of ${sizeOf(outShape)} entries for output ${fmtShape(outShape)}`);
  }
  const out = alloc(x.dtype, argmax.length);
  const xc = contiguous(x);
  poolGatherKernel(out, xc.data, xc.offset, argmax, g.n * g.c, g.h * g.w, g.oh * g.ow);
  return new Tensor(out, outShape);
}
