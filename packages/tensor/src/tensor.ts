import { DTypeError, ValueError, fmtShape } from './errors.js';
import type { FloatArray } from './kernels/gemm.js';
import { copyRow, map1 } from './kernels/iter.js';
import { contiguousStrides, isContiguous, sizeOf } from './shape.js';
import { formatTensor, type FormatOptions } from './format.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as vw from './ops/views.js';
import * as la from './ops/linalg.js';
import * as nn from './ops/nn.js';

export type { FloatArray };

/**
 * Element type of a tensor's storage. `float32` is the default; `float64` exists for gradient checks and
 * for numerics that need it. Labels and indices (argmax, topk, gather) are stored as floats too: exact for
 * integers below 2^24 in float32 and 2^53 in float64.
 */
export type DType = 'float32' | 'float64';

/** Anything a binary op accepts as an operand: a tensor, or a number broadcast as a scalar. */
export type TensorLike = Tensor | number;

/** A nested array of numbers, as `tensor()` takes and `toArray()` returns. */
export type NestedArray = number | NestedArray[];

/** Options of every reduction: which axes (default all; negatives count from the end) and whether to keep them. */
export interface ReduceOptions {
  axis?: number | readonly number[];
  keepDims?: boolean;
}

/** Allocates zeroed storage of a dtype. */
export function alloc(dtype: DType, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** The dtype of a storage array. */
export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

/** Throws a DTypeError unless `d` is a supported dtype. */
export function checkDType(op: string, d: unknown): DType {
  if (d !== 'float32' && d !== 'float64') {
    throw new DTypeError(`[${op}] unsupported dtype ${JSON.stringify(d)}: expected 'float32' or 'float64'`);
  }
  return d;
}

/**
 * An n-dimensional array: storage (a Float32Array or Float64Array) read through shape, strides and offset.
 * Element (i0, i1, ...) lives at `data[offset + Σ i_k·strides[k]]`, so transpose, slice, broadcast and
 * reshape of a contiguous tensor are views that share storage. Ops never mutate their inputs.
 */
export class Tensor {
  readonly data: FloatArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;

  /** Low-level constructor: no copy, no validation. Use `tensor()`, `zeros()`, ... to make tensors. */
  constructor(data: FloatArray, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this.data = data;
    this.shape = shape;
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }
  get size(): number {
    return sizeOf(this.shape);
  }
  get ndim(): number {
    return this.shape.length;
  }

  /** True when the elements sit in row-major order from `offset` without gaps. */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** The elements in row-major order as a fresh typed array of the tensor's dtype. */
  toTypedArray(): FloatArray {
    const out = alloc(this.dtype, this.size);
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
    const out = alloc(dtype, this.size);
    map1(this.shape, out, 0, contiguousStrides(this.shape), this.data, this.offset, this.strides, copyRow);
    return new Tensor(out, this.shape.slice());
  }

  /** A contiguous copy that shares nothing with this tensor. */
  clone(): Tensor {
    return new Tensor(this.toTypedArray(), this.shape.slice());
  }

  // Elementwise, binary (NumPy broadcasting; numbers are scalars).
  add(b: TensorLike): Tensor { return ew.add(this, b); }
  sub(b: TensorLike): Tensor { return ew.sub(this, b); }
  mul(b: TensorLike): Tensor { return ew.mul(this, b); }
  div(b: TensorLike): Tensor { return ew.div(this, b); }
  pow(b: TensorLike): Tensor { return ew.pow(this, b); }
  maximum(b: TensorLike): Tensor { return ew.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return ew.minimum(this, b); }
  equal(b: TensorLike): Tensor { return ew.equal(this, b); }
  notEqual(b: TensorLike): Tensor { return ew.notEqual(this, b); }
  greater(b: TensorLike): Tensor { return ew.greater(this, b); }
  greaterEqual(b: TensorLike): Tensor { return ew.greaterEqual(this, b); }
  less(b: TensorLike): Tensor { return ew.less(this, b); }
  lessEqual(b: TensorLike): Tensor { return ew.lessEqual(this, b); }
  // Elementwise, unary.
  neg(): Tensor { return ew.neg(this); }
  abs(): Tensor { return ew.abs(this); }
  sign(): Tensor { return ew.sign(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  log1p(): Tensor { return ew.log1p(this); }
  expm1(): Tensor { return ew.expm1(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  square(): Tensor { return ew.square(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  softplus(): Tensor { return ew.softplus(this); }
  clamp(min?: number, max?: number): Tensor { return ew.clamp(this, min, max); }
  where(a: TensorLike, b: TensorLike): Tensor { return ew.where(this, a, b); }
  // Reductions.
  sum(opts?: ReduceOptions): Tensor { return red.sum(this, opts); }
  mean(opts?: ReduceOptions): Tensor { return red.mean(this, opts); }
  max(opts?: ReduceOptions): Tensor { return red.max(this, opts); }
  min(opts?: ReduceOptions): Tensor { return red.min(this, opts); }
  prod(opts?: ReduceOptions): Tensor { return red.prod(this, opts); }
  variance(opts?: red.VarianceOptions): Tensor { return red.variance(this, opts); }
  logSumExp(opts?: ReduceOptions): Tensor { return red.logSumExp(this, opts); }
  norm(opts?: red.NormOptions): Tensor { return red.norm(this, opts); }
  argmax(opts?: red.ArgOptions): Tensor { return red.argmax(this, opts); }
  argmin(opts?: red.ArgOptions): Tensor { return red.argmin(this, opts); }
  // Shape and views.
  reshape(shape: readonly number[]): Tensor { return vw.reshape(this, shape); }
  flatten(startAxis?: number, endAxis?: number): Tensor { return vw.flatten(this, startAxis, endAxis); }
  transpose(axes?: readonly number[]): Tensor { return vw.transpose(this, axes); }
  permute(axes: readonly number[]): Tensor { return vw.permute(this, axes); }
  expandDims(axis: number): Tensor { return vw.expandDims(this, axis); }
  squeeze(axis?: number | readonly number[]): Tensor { return vw.squeeze(this, axis); }
  broadcastTo(shape: readonly number[]): Tensor { return vw.broadcastTo(this, shape); }
  expand(shape: readonly number[]): Tensor { return vw.broadcastTo(this, shape); }
  slice(ranges: readonly vw.SliceSpec[]): Tensor { return vw.slice(this, ranges); }
  split(sizes: number | readonly number[], axis?: number): Tensor[] { return vw.split(this, sizes, axis); }
  pad(widths: vw.PadWidths, value?: number): Tensor { return vw.pad(this, widths, value); }
  gather(indices: vw.IndexLike, axis?: number): Tensor { return vw.gather(this, indices, axis); }
  contiguous(): Tensor { return vw.contiguous(this); }
  // Linear algebra and networks.
  matmul(b: Tensor): Tensor { return la.matmul(this, b); }
  cdist(b: Tensor, opts?: la.CdistOptions): Tensor { return la.cdist(this, b, opts); }
  topk(k: number, opts?: la.TopkOptions): { values: Tensor; indices: Tensor } { return la.topk(this, k, opts); }
  conv2d(weight: Tensor, opts?: nn.Conv2dOptions & { bias?: Tensor }): Tensor { return nn.conv2d(this, weight, opts); }
  maxPool2d(opts: nn.Pool2dOptions): Tensor { return nn.maxPool2d(this, opts); }
  avgPool2d(opts: nn.AvgPool2dOptions): Tensor { return nn.avgPool2d(this, opts); }
  softmax(axis?: number): Tensor { return nn.softmax(this, axis); }
  logSoftmax(axis?: number): Tensor { return nn.logSoftmax(this, axis); }
  allclose(b: TensorLike, opts?: ew.AllcloseOptions): boolean { return ew.allclose(this, b, opts); }
}
