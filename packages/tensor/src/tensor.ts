import { ValueError, fmtShape } from './errors.js';
import { alloc, allocOverwritten, checkDType, dtypeOf, type DType, type FloatArray } from './dtype.js';
import { copyRow, map1 } from './kernels/iter.js';
import { contiguousStrides, isContiguous, sizeOf } from './shape.js';
import { formatTensor, type FormatOptions } from './format.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as vw from './ops/views.js';
import * as la from './ops/linalg.js';
import * as nn from './ops/nn.js';

export { alloc, allocOverwritten, checkDType, dtypeOf, type DType, type FloatArray };

/** Anything a binary op accepts as an operand: a tensor, or a number broadcast as a scalar. */
export type TensorLike = Tensor | number;

/** A nested array of numbers, as `tensor()` takes and `toArray()` returns. */
export type NestedArray = number | NestedArray[];

/** Options of every reduction: which axes (default all; negatives count from the end) and whether to keep them. */
export interface ReduceOptions {
  /** An axis or a list of axes to reduce (default: all); negatives count from the end. */
  axis?: number | readonly number[];
  /** Keep each reduced axis as size 1, so the result broadcasts against the input (default false). */
  keepDims?: boolean;
}

/**
 * An n-dimensional array: storage (a Float32Array or Float64Array) read through shape, strides and offset.
 * Element (i0, i1, ...) lives at `data[offset + Σ i_k·strides[k]]`, so transpose, slice, broadcast and
 * reshape of a contiguous tensor are views that share storage. Ops never mutate their inputs.
 */
export class Tensor {
  /** The storage, shared by every view of it. Element (i0, i1, ...) is `data[offset + Σ i_k·strides[k]]`. */
  readonly data: FloatArray;
  /** Size of each axis; `[]` for a scalar. */
  readonly shape: readonly number[];
  /**
   * Elements to skip in `data` for a step of 1 along each axis: `[3, 1]` for a contiguous [2, 3] tensor, `[1, 3]`
   * for its transpose, 0 along a broadcast axis.
   */
  readonly strides: readonly number[];
  /** Index in `data` of element (0, 0, ...): nonzero for slices. */
  readonly offset: number;

  /** Low-level constructor: no copy, no validation. Use `tensor()`, `zeros()`, ... to make tensors. */
  constructor(data: FloatArray, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this.data = data;
    this.shape = shape;
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
  }

  /** 'float32' or 'float64', from the storage's type. */
  get dtype(): DType {
    return dtypeOf(this.data);
  }
  /** Number of elements: the product of the shape (1 for a scalar, 0 if any axis is empty). */
  get size(): number {
    return sizeOf(this.shape);
  }
  /** Number of axes (0 for a scalar). */
  get ndim(): number {
    return this.shape.length;
  }

  /** True when the elements sit in row-major order from `offset` without gaps. */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** The elements in row-major order as a fresh typed array of the tensor's dtype. */
  toTypedArray(): FloatArray {
    const out = allocOverwritten(this.dtype, this.size);
    if (this.isContiguous()) {
      out.set(this.data.subarray(this.offset, this.offset + out.length));
    } else {
      map1(this.shape, out, 0, contiguousStrides(this.shape), this.data, this.offset, this.strides, copyRow);
    }
    return out;
  }

  /** The elements as nested arrays (a number for rank 0). */
  toArray(): NestedArray {
    const flat = this.toTypedArray();
    const shape = this.shape;
    if (shape.length === 0) return flat[0]!;
    let pos = 0;
    const build = (axis: number): NestedArray[] => {
      const n = shape[axis]!;
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = axis === shape.length - 1 ? flat[pos++]! : build(axis + 1);
      return out;
    };
    return build(0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new ValueError(`[item] only a one-element tensor converts to a number: shape ${fmtShape(this.shape)}`);
    }
    return this.data[this.offset]!;
  }

  /** NumPy-like text, summarised with `...` when the tensor has more than `threshold` (1000) elements. */
  toString(opts?: FormatOptions): string {
    return formatTensor(this.data, this.shape, this.strides, this.offset, this.dtype, opts);
  }

  /** A copy with the given dtype (a plain copy when it already has it). */
  astype(dtype: DType): Tensor {
    checkDType('astype', dtype);
    const out = allocOverwritten(dtype, this.size);
    map1(this.shape, out, 0, contiguousStrides(this.shape), this.data, this.offset, this.strides, copyRow);
    return new Tensor(out, this.shape.slice());
  }

  /** A contiguous copy that shares nothing with this tensor. */
  clone(): Tensor {
    return new Tensor(this.toTypedArray(), this.shape.slice());
  }

  // Elementwise, binary (NumPy broadcasting; numbers are scalars).
  /** {@inheritDoc "@tsgrad/tensor"!add} */
  add(b: TensorLike): Tensor { return ew.add(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!sub} */
  sub(b: TensorLike): Tensor { return ew.sub(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!mul} */
  mul(b: TensorLike): Tensor { return ew.mul(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!div} */
  div(b: TensorLike): Tensor { return ew.div(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!pow} */
  pow(b: TensorLike): Tensor { return ew.pow(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!maximum} */
  maximum(b: TensorLike): Tensor { return ew.maximum(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!minimum} */
  minimum(b: TensorLike): Tensor { return ew.minimum(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!equal} */
  equal(b: TensorLike): Tensor { return ew.equal(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!notEqual} */
  notEqual(b: TensorLike): Tensor { return ew.notEqual(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!greater} */
  greater(b: TensorLike): Tensor { return ew.greater(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!greaterEqual} */
  greaterEqual(b: TensorLike): Tensor { return ew.greaterEqual(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!less} */
  less(b: TensorLike): Tensor { return ew.less(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!lessEqual} */
  lessEqual(b: TensorLike): Tensor { return ew.lessEqual(this, b); }
  // Elementwise, unary.
  /** {@inheritDoc "@tsgrad/tensor"!neg} */
  neg(): Tensor { return ew.neg(this); }
  /** {@inheritDoc "@tsgrad/tensor"!abs} */
  abs(): Tensor { return ew.abs(this); }
  /** {@inheritDoc "@tsgrad/tensor"!sign} */
  sign(): Tensor { return ew.sign(this); }
  /** {@inheritDoc "@tsgrad/tensor"!exp} */
  exp(): Tensor { return ew.exp(this); }
  /** {@inheritDoc "@tsgrad/tensor"!log} */
  log(): Tensor { return ew.log(this); }
  /** {@inheritDoc "@tsgrad/tensor"!log1p} */
  log1p(): Tensor { return ew.log1p(this); }
  /** {@inheritDoc "@tsgrad/tensor"!expm1} */
  expm1(): Tensor { return ew.expm1(this); }
  /** {@inheritDoc "@tsgrad/tensor"!sqrt} */
  sqrt(): Tensor { return ew.sqrt(this); }
  /** {@inheritDoc "@tsgrad/tensor"!rsqrt} */
  rsqrt(): Tensor { return ew.rsqrt(this); }
  /** {@inheritDoc "@tsgrad/tensor"!square} */
  square(): Tensor { return ew.square(this); }
  /** {@inheritDoc "@tsgrad/tensor"!reciprocal} */
  reciprocal(): Tensor { return ew.reciprocal(this); }
  /** {@inheritDoc "@tsgrad/tensor"!sin} */
  sin(): Tensor { return ew.sin(this); }
  /** {@inheritDoc "@tsgrad/tensor"!cos} */
  cos(): Tensor { return ew.cos(this); }
  /** {@inheritDoc "@tsgrad/tensor"!tanh} */
  tanh(): Tensor { return ew.tanh(this); }
  /** {@inheritDoc "@tsgrad/tensor"!sigmoid} */
  sigmoid(): Tensor { return ew.sigmoid(this); }
  /** {@inheritDoc "@tsgrad/tensor"!relu} */
  relu(): Tensor { return ew.relu(this); }
  /** {@inheritDoc "@tsgrad/tensor"!softplus} */
  softplus(): Tensor { return ew.softplus(this); }
  /** {@inheritDoc "@tsgrad/tensor"!erf} */
  erf(): Tensor { return ew.erf(this); }
  /** {@inheritDoc "@tsgrad/tensor"!clamp} */
  clamp(min?: number, max?: number): Tensor { return ew.clamp(this, min, max); }
  /** {@inheritDoc "@tsgrad/tensor"!where} */
  where(a: TensorLike, b: TensorLike): Tensor { return ew.where(this, a, b); }
  // Reductions.
  /** {@inheritDoc "@tsgrad/tensor"!sum} */
  sum(opts?: ReduceOptions): Tensor { return red.sum(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!mean} */
  mean(opts?: ReduceOptions): Tensor { return red.mean(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!max} */
  max(opts?: ReduceOptions): Tensor { return red.max(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!min} */
  min(opts?: ReduceOptions): Tensor { return red.min(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!prod} */
  prod(opts?: ReduceOptions): Tensor { return red.prod(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!variance} */
  variance(opts?: red.VarianceOptions): Tensor { return red.variance(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!logSumExp} */
  logSumExp(opts?: ReduceOptions): Tensor { return red.logSumExp(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!norm} */
  norm(opts?: red.NormOptions): Tensor { return red.norm(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!argmax} */
  argmax(opts?: red.ArgOptions): Tensor { return red.argmax(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!argmin} */
  argmin(opts?: red.ArgOptions): Tensor { return red.argmin(this, opts); }
  // Shape and views.
  /** {@inheritDoc "@tsgrad/tensor"!reshape} */
  reshape(shape: readonly number[]): Tensor { return vw.reshape(this, shape); }
  /** {@inheritDoc "@tsgrad/tensor"!flatten} */
  flatten(startAxis?: number, endAxis?: number): Tensor { return vw.flatten(this, startAxis, endAxis); }
  /** {@inheritDoc "@tsgrad/tensor"!transpose} */
  transpose(axes?: readonly number[]): Tensor { return vw.transpose(this, axes); }
  /** {@inheritDoc "@tsgrad/tensor"!permute} */
  permute(axes: readonly number[]): Tensor { return vw.permute(this, axes); }
  /** {@inheritDoc "@tsgrad/tensor"!expandDims} */
  expandDims(axis: number): Tensor { return vw.expandDims(this, axis); }
  /** {@inheritDoc "@tsgrad/tensor"!squeeze} */
  squeeze(axis?: number | readonly number[]): Tensor { return vw.squeeze(this, axis); }
  /** {@inheritDoc "@tsgrad/tensor"!broadcastTo} */
  broadcastTo(shape: readonly number[]): Tensor { return vw.broadcastTo(this, shape); }
  /** {@inheritDoc "@tsgrad/tensor"!broadcastTo} */
  expand(shape: readonly number[]): Tensor { return vw.broadcastTo(this, shape); }
  /** {@inheritDoc "@tsgrad/tensor"!slice} */
  slice(ranges: readonly vw.SliceSpec[]): Tensor { return vw.slice(this, ranges); }
  /** {@inheritDoc "@tsgrad/tensor"!split} */
  split(sizes: number | readonly number[], axis?: number): Tensor[] { return vw.split(this, sizes, axis); }
  /** {@inheritDoc "@tsgrad/tensor"!pad} */
  pad(widths: vw.PadWidths, value?: number): Tensor { return vw.pad(this, widths, value); }
  /** {@inheritDoc "@tsgrad/tensor"!gather} */
  gather(indices: vw.IndexLike, axis?: number): Tensor { return vw.gather(this, indices, axis); }
  /** {@inheritDoc "@tsgrad/tensor"!contiguous} */
  contiguous(): Tensor { return vw.contiguous(this); }
  // Linear algebra and networks.
  /** {@inheritDoc "@tsgrad/tensor"!matmul} */
  matmul(b: Tensor): Tensor { return la.matmul(this, b); }
  /** {@inheritDoc "@tsgrad/tensor"!cdist} */
  cdist(b: Tensor, opts?: la.CdistOptions): Tensor { return la.cdist(this, b, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!topk} */
  topk(k: number, opts?: la.TopkOptions): { values: Tensor; indices: Tensor } { return la.topk(this, k, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!conv2d} */
  conv2d(weight: Tensor, opts?: nn.Conv2dForwardOptions): Tensor { return nn.conv2d(this, weight, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!conv2dReluAvgPool} */
  conv2dReluAvgPool(weight: Tensor, opts: nn.Conv2dReluAvgPoolOptions): Tensor { return nn.conv2dReluAvgPool(this, weight, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!maxPool2d} */
  maxPool2d(opts: nn.Pool2dOptions): Tensor { return nn.maxPool2d(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!avgPool2d} */
  avgPool2d(opts: nn.AvgPool2dOptions): Tensor { return nn.avgPool2d(this, opts); }
  /** {@inheritDoc "@tsgrad/tensor"!softmax} */
  softmax(axis?: number): Tensor { return nn.softmax(this, axis); }
  /** {@inheritDoc "@tsgrad/tensor"!logSoftmax} */
  logSoftmax(axis?: number): Tensor { return nn.logSoftmax(this, axis); }
  /** {@inheritDoc "@tsgrad/tensor"!allclose} */
  allclose(b: TensorLike, opts?: ew.AllcloseOptions): boolean { return ew.allclose(this, b, opts); }
}
