import { Tensor, TsgradError, fmtShape, tensor, type DType, type NestedArray } from '@tsgrad/tensor';
import type { Primitive, PrimitiveParams } from './registry.js';
import { backward as runBackward, type BackwardOptions } from './engine.js';
import * as ops from './ops.js';

/** An autograd misuse: backward through a freed graph, a non-scalar without a seed, a wrong gradient shape. */
export class AutogradError extends TsgradError {}

let gradEnabled = true;

/** Whether ops currently record the graph (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn with graph recording off: its results carry no history and need no gradient. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs fn with graph recording on (inside a `noGrad`, for example). */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

let nextId = 0;

/**
 * How a Variable was made: the primitive, its inputs and its parameters. The inputs (and the output, which
 * some VJPs reuse: exp, tanh, sqrt, ...) are the "saved tensors"; backward drops them unless asked to retain
 * the graph, and a later backward that reaches a freed node is an error.
 */
export class Node {
  readonly id = nextId++;
  inputs: Variable[] | null;
  output: Variable | null;
  constructor(
    readonly prim: Primitive,
    inputs: Variable[],
    readonly params: PrimitiveParams[Primitive],
    output: Variable,
  ) {
    this.inputs = inputs;
    this.output = output;
  }
  /** Drops the saved inputs and output. */
  free(): void {
    this.inputs = null;
    this.output = null;
  }
  get freed(): boolean {
    return this.inputs === null;
  }
}

export interface VariableOptions {
  /** Whether gradients flow to this leaf (default false). */
  requiresGrad?: boolean;
  /** dtype when data is not already a Tensor. */
  dtype?: DType;
  /** A label shown by toDot. */
  name?: string;
}

/** What Variable ops accept: a Variable, or a Tensor / number treated as a constant. */
export type VariableLike = Variable | Tensor | number;

/**
 * A tensor value plus the record of how it was made. Leaves are made by `variable()`; every op on a Variable
 * that needs a gradient records a Node. After `backward()`, a leaf with `requiresGrad` holds its gradient in
 * `.grad` (summed over every use), as a Tensor of its shape.
 */
export class Variable {
  readonly value: Tensor;
  /** The accumulated gradient of a leaf (or of a non-leaf that called retainGrad()), or null. */
  grad: Tensor | null = null;
  /**
   * With `backward({ createGraph: true })`, the gradient as a Variable that is itself differentiable
   * (its `.value` equals `.grad`); null otherwise.
   */
  gradVariable: Variable | null = null;
  readonly requiresGrad: boolean;
  /** The node that made this Variable, or null for a leaf or a constant. */
  node: Node | null = null;
  name: string | undefined;
  /** Set by retainGrad(): keep this non-leaf's gradient in `.grad`. */
  retainsGrad = false;

  constructor(value: Tensor, requiresGrad = false, name?: string) {
    if (!(value instanceof Tensor)) throw new AutogradError(`[Variable] value must be a Tensor`);
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.name = name;
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }
  get dtype(): DType {
    return this.value.dtype;
  }
  get size(): number {
    return this.value.size;
  }
  get ndim(): number {
    return this.value.ndim;
  }
  /** True for a Variable made by `variable()` (no recorded history). */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /**
   * Reverse-mode differentiation from this Variable: adds ∂(seed·this)/∂leaf to every leaf's `.grad`.
   * A scalar needs no seed (it is 1); any other shape needs one of its own shape.
   */
  backward(seed?: Tensor | Variable | number, opts: BackwardOptions = {}): void {
    runBackward(this, seed, opts);
  }

  /** Keep this non-leaf's gradient in `.grad` during backward. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** The same value with no history: gradients stop here. */
  detach(): Variable {
    return new Variable(this.value, false, this.name);
  }

  /** Clears `.grad` (and `.gradVariable`). */
  zeroGrad(): void {
    this.grad = null;
    this.gradVariable = null;
  }

  item(): number {
    return this.value.item();
  }
  toArray(): NestedArray {
    return this.value.toArray();
  }
  toString(): string {
    const how = this.node ? `, op=${this.node.prim}` : this.requiresGrad ? ', requiresGrad=true' : '';
    return `Variable(${this.value.toString()}${how})`;
  }

  // Every differentiable tensor op, with the tensor method's name and signature.
  add(b: VariableLike): Variable { return ops.add(this, b); }
  sub(b: VariableLike): Variable { return ops.sub(this, b); }
  mul(b: VariableLike): Variable { return ops.mul(this, b); }
  div(b: VariableLike): Variable { return ops.div(this, b); }
  pow(b: VariableLike): Variable { return ops.pow(this, b); }
  maximum(b: VariableLike): Variable { return ops.maximum(this, b); }
  minimum(b: VariableLike): Variable { return ops.minimum(this, b); }
  equal(b: VariableLike): Variable { return ops.equal(this, b); }
  notEqual(b: VariableLike): Variable { return ops.notEqual(this, b); }
  greater(b: VariableLike): Variable { return ops.greater(this, b); }
  greaterEqual(b: VariableLike): Variable { return ops.greaterEqual(this, b); }
  less(b: VariableLike): Variable { return ops.less(this, b); }
  lessEqual(b: VariableLike): Variable { return ops.lessEqual(this, b); }
  neg(): Variable { return ops.neg(this); }
  abs(): Variable { return ops.abs(this); }
  sign(): Variable { return ops.sign(this); }
  exp(): Variable { return ops.exp(this); }
  log(): Variable { return ops.log(this); }
  log1p(): Variable { return ops.log1p(this); }
  expm1(): Variable { return ops.expm1(this); }
  sqrt(): Variable { return ops.sqrt(this); }
  rsqrt(): Variable { return ops.rsqrt(this); }
  square(): Variable { return ops.square(this); }
  reciprocal(): Variable { return ops.reciprocal(this); }
  sin(): Variable { return ops.sin(this); }
  cos(): Variable { return ops.cos(this); }
  tanh(): Variable { return ops.tanh(this); }
  sigmoid(): Variable { return ops.sigmoid(this); }
  relu(): Variable { return ops.relu(this); }
  softplus(): Variable { return ops.softplus(this); }
  clamp(min?: number, max?: number): Variable { return ops.clamp(this, min, max); }
  where(a: VariableLike, b: VariableLike): Variable { return ops.where(this, a, b); }
  sum(opts?: ops.ReduceOptions): Variable { return ops.sum(this, opts); }
  mean(opts?: ops.ReduceOptions): Variable { return ops.mean(this, opts); }
  max(opts?: ops.ReduceOptions): Variable { return ops.max(this, opts); }
  min(opts?: ops.ReduceOptions): Variable { return ops.min(this, opts); }
  prod(opts?: ops.ReduceOptions): Variable { return ops.prod(this, opts); }
  variance(opts?: ops.VarianceOptions): Variable { return ops.variance(this, opts); }
  logSumExp(opts?: ops.ReduceOptions): Variable { return ops.logSumExp(this, opts); }
  norm(opts?: ops.NormOptions): Variable { return ops.norm(this, opts); }
  argmax(opts?: ops.ArgOptions): Variable { return ops.argmax(this, opts); }
  argmin(opts?: ops.ArgOptions): Variable { return ops.argmin(this, opts); }
  reshape(shape: readonly number[]): Variable { return ops.reshape(this, shape); }
  flatten(startAxis?: number, endAxis?: number): Variable { return ops.flatten(this, startAxis, endAxis); }
  transpose(axes?: readonly number[]): Variable { return ops.transpose(this, axes); }
  permute(axes: readonly number[]): Variable { return ops.permute(this, axes); }
  expandDims(axis: number): Variable { return ops.expandDims(this, axis); }
  squeeze(axis?: number | readonly number[]): Variable { return ops.squeeze(this, axis); }
  broadcastTo(shape: readonly number[]): Variable { return ops.broadcastTo(this, shape); }
  expand(shape: readonly number[]): Variable { return ops.broadcastTo(this, shape); }
  slice(ranges: readonly ops.SliceSpec[]): Variable { return ops.slice(this, ranges); }
  split(sizes: number | readonly number[], axis?: number): Variable[] { return ops.split(this, sizes, axis); }
  pad(widths: ops.PadWidths, value?: number): Variable { return ops.pad(this, widths, value); }
  gather(indices: ops.IndexLike, axis?: number): Variable { return ops.gather(this, indices, axis); }
  contiguous(): Variable { return ops.contiguous(this); }
  matmul(b: VariableLike): Variable { return ops.matmul(this, b); }
  cdist(b: VariableLike, opts?: ops.CdistOptions): Variable { return ops.cdist(this, b, opts); }
  topk(k: number, opts?: ops.TopkOptions): { values: Variable; indices: Variable } { return ops.topk(this, k, opts); }
  conv2d(weight: VariableLike, opts?: ops.Conv2dOptions & { bias?: VariableLike }): Variable { return ops.conv2d(this, weight, opts); }
  maxPool2d(opts: ops.Pool2dOptions): Variable { return ops.maxPool2d(this, opts); }
  avgPool2d(opts: ops.AvgPool2dOptions): Variable { return ops.avgPool2d(this, opts); }
  softmax(axis?: number): Variable { return ops.softmax(this, axis); }
  logSoftmax(axis?: number): Variable { return ops.logSoftmax(this, axis); }
}

/**
 * A leaf Variable from a Tensor (shared, not copied) or from data as `tensor()` takes it.
 * `requiresGrad: true` makes backward fill its `.grad`.
 */
export function variable(data: Tensor | NestedArray | Float32Array | Float64Array, opts: VariableOptions = {}): Variable {
  const value = data instanceof Tensor ? (opts.dtype && opts.dtype !== data.dtype ? data.astype(opts.dtype) : data) : tensor(data, { dtype: opts.dtype });
  return new Variable(value, opts.requiresGrad ?? false, opts.name);
}

/** Wraps a Tensor or number as a constant Variable (no gradient); a Variable passes through. */
export function asVariable(x: VariableLike, dtype?: DType): Variable {
  if (x instanceof Variable) return x;
  if (x instanceof Tensor) return new Variable(x, false);
  if (typeof x === 'number') return new Variable(tensor(x, { dtype: dtype ?? 'float32' }), false);
  throw new AutogradError(`[Variable] expected a Variable, a Tensor or a number: got ${x === null ? 'null' : typeof x}`);
}

/** Formats a Variable's shape for messages. */
export function shapeOf(v: Variable): string {
  return fmtShape(v.shape);
}
