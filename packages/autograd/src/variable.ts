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
  /** A number unique to this node, increasing in creation order (for debugging: neither backward nor toDot uses it). */
  readonly id = nextId++;
  /** The primitive's inputs, or null once backward has freed the node. */
  inputs: Variable[] | null;
  /** The Variable this node made (some VJPs reuse it), or null once freed. */
  output: Variable | null;
  /** Records one application of `prim`; made by `apply`, not by users. */
  constructor(
    /** Which primitive ran: the key of its rule in `rules`. */
    readonly prim: Primitive,
    inputs: Variable[],
    /** The primitive's parameters (axes, shapes, strides, ...), fixed when it ran. */
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
  /** True after backward dropped the saved tensors (without `retainGraph`). */
  get freed(): boolean {
    return this.inputs === null;
  }
}

/** Options of `variable()`. */
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
  /** The tensor this Variable holds (the forward value). */
  readonly value: Tensor;
  /** The accumulated gradient of a leaf (or of a non-leaf that called retainGrad()), or null. */
  grad: Tensor | null = null;
  /**
   * With `backward({ createGraph: true })`, the gradient as a Variable that is itself differentiable
   * (its `.value` equals `.grad`); null otherwise.
   */
  gradVariable: Variable | null = null;
  /** Whether backward computes a gradient for this Variable (true for parameters and for results of ops on them). */
  readonly requiresGrad: boolean;
  /** The node that made this Variable, or null for a leaf or a constant. */
  node: Node | null = null;
  /** A label shown by toDot and toString, if given. */
  name: string | undefined;
  /** Set by retainGrad(): keep this non-leaf's gradient in `.grad`. */
  retainsGrad = false;

  /** Wraps a Tensor (shared, not copied). Prefer `variable()` for leaves; ops make the rest. */
  constructor(value: Tensor, requiresGrad = false, name?: string) {
    if (!(value instanceof Tensor)) throw new AutogradError(`[Variable] value must be a Tensor`);
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.name = name;
  }

  /** The value's shape. */
  get shape(): readonly number[] {
    return this.value.shape;
  }
  /** The value's dtype. */
  get dtype(): DType {
    return this.value.dtype;
  }
  /** The value's number of elements. */
  get size(): number {
    return this.value.size;
  }
  /** The value's number of axes. */
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

  /** The value of a one-element Variable, as a number. */
  item(): number {
    return this.value.item();
  }
  /** The value as nested arrays. */
  toArray(): NestedArray {
    return this.value.toArray();
  }
  /** `Variable(tensor(...), op=mul)`: the value, and the op that made it or whether it requires a gradient. */
  toString(): string {
    const how = this.node ? `, op=${this.node.prim}` : this.requiresGrad ? ', requiresGrad=true' : '';
    return `Variable(${this.value.toString()}${how})`;
  }

  // Every differentiable tensor op, with the tensor method's name and signature.
  /** {@inheritDoc "@tsgrad/autograd"!add} */
  add(b: VariableLike): Variable { return ops.add(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!sub} */
  sub(b: VariableLike): Variable { return ops.sub(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!mul} */
  mul(b: VariableLike): Variable { return ops.mul(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!div} */
  div(b: VariableLike): Variable { return ops.div(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!pow} */
  pow(b: VariableLike): Variable { return ops.pow(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!maximum} */
  maximum(b: VariableLike): Variable { return ops.maximum(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!minimum} */
  minimum(b: VariableLike): Variable { return ops.minimum(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!equal} */
  equal(b: VariableLike): Variable { return ops.equal(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!notEqual} */
  notEqual(b: VariableLike): Variable { return ops.notEqual(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!greater} */
  greater(b: VariableLike): Variable { return ops.greater(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!greaterEqual} */
  greaterEqual(b: VariableLike): Variable { return ops.greaterEqual(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!less} */
  less(b: VariableLike): Variable { return ops.less(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!lessEqual} */
  lessEqual(b: VariableLike): Variable { return ops.lessEqual(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!neg} */
  neg(): Variable { return ops.neg(this); }
  /** {@inheritDoc "@tsgrad/autograd"!abs} */
  abs(): Variable { return ops.abs(this); }
  /** {@inheritDoc "@tsgrad/autograd"!sign} */
  sign(): Variable { return ops.sign(this); }
  /** {@inheritDoc "@tsgrad/autograd"!exp} */
  exp(): Variable { return ops.exp(this); }
  /** {@inheritDoc "@tsgrad/autograd"!log} */
  log(): Variable { return ops.log(this); }
  /** {@inheritDoc "@tsgrad/autograd"!log1p} */
  log1p(): Variable { return ops.log1p(this); }
  /** {@inheritDoc "@tsgrad/autograd"!expm1} */
  expm1(): Variable { return ops.expm1(this); }
  /** {@inheritDoc "@tsgrad/autograd"!sqrt} */
  sqrt(): Variable { return ops.sqrt(this); }
  /** {@inheritDoc "@tsgrad/autograd"!rsqrt} */
  rsqrt(): Variable { return ops.rsqrt(this); }
  /** {@inheritDoc "@tsgrad/autograd"!square} */
  square(): Variable { return ops.square(this); }
  /** {@inheritDoc "@tsgrad/autograd"!reciprocal} */
  reciprocal(): Variable { return ops.reciprocal(this); }
  /** {@inheritDoc "@tsgrad/autograd"!sin} */
  sin(): Variable { return ops.sin(this); }
  /** {@inheritDoc "@tsgrad/autograd"!cos} */
  cos(): Variable { return ops.cos(this); }
  /** {@inheritDoc "@tsgrad/autograd"!tanh} */
  tanh(): Variable { return ops.tanh(this); }
  /** {@inheritDoc "@tsgrad/autograd"!sigmoid} */
  sigmoid(): Variable { return ops.sigmoid(this); }
  /** {@inheritDoc "@tsgrad/autograd"!relu} */
  relu(): Variable { return ops.relu(this); }
  /** {@inheritDoc "@tsgrad/autograd"!softplus} */
  softplus(): Variable { return ops.softplus(this); }
  /** {@inheritDoc "@tsgrad/autograd"!clamp} */
  clamp(min?: number, max?: number): Variable { return ops.clamp(this, min, max); }
  /** {@inheritDoc "@tsgrad/autograd"!where} */
  where(a: VariableLike, b: VariableLike): Variable { return ops.where(this, a, b); }
  /** {@inheritDoc "@tsgrad/autograd"!sum} */
  sum(opts?: ops.ReduceOptions): Variable { return ops.sum(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!mean} */
  mean(opts?: ops.ReduceOptions): Variable { return ops.mean(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!max} */
  max(opts?: ops.ReduceOptions): Variable { return ops.max(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!min} */
  min(opts?: ops.ReduceOptions): Variable { return ops.min(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!prod} */
  prod(opts?: ops.ReduceOptions): Variable { return ops.prod(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!variance} */
  variance(opts?: ops.VarianceOptions): Variable { return ops.variance(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!logSumExp} */
  logSumExp(opts?: ops.ReduceOptions): Variable { return ops.logSumExp(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!norm} */
  norm(opts?: ops.NormOptions): Variable { return ops.norm(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!argmax} */
  argmax(opts?: ops.ArgOptions): Variable { return ops.argmax(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!argmin} */
  argmin(opts?: ops.ArgOptions): Variable { return ops.argmin(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!reshape} */
  reshape(shape: readonly number[]): Variable { return ops.reshape(this, shape); }
  /** {@inheritDoc "@tsgrad/autograd"!flatten} */
  flatten(startAxis?: number, endAxis?: number): Variable { return ops.flatten(this, startAxis, endAxis); }
  /** {@inheritDoc "@tsgrad/autograd"!transpose} */
  transpose(axes?: readonly number[]): Variable { return ops.transpose(this, axes); }
  /** {@inheritDoc "@tsgrad/autograd"!permute} */
  permute(axes: readonly number[]): Variable { return ops.permute(this, axes); }
  /** {@inheritDoc "@tsgrad/autograd"!expandDims} */
  expandDims(axis: number): Variable { return ops.expandDims(this, axis); }
  /** {@inheritDoc "@tsgrad/autograd"!squeeze} */
  squeeze(axis?: number | readonly number[]): Variable { return ops.squeeze(this, axis); }
  /** {@inheritDoc "@tsgrad/autograd"!broadcastTo} */
  broadcastTo(shape: readonly number[]): Variable { return ops.broadcastTo(this, shape); }
  /** {@inheritDoc "@tsgrad/autograd"!broadcastTo} */
  expand(shape: readonly number[]): Variable { return ops.broadcastTo(this, shape); }
  /** {@inheritDoc "@tsgrad/autograd"!slice} */
  slice(ranges: readonly ops.SliceSpec[]): Variable { return ops.slice(this, ranges); }
  /** {@inheritDoc "@tsgrad/autograd"!split} */
  split(sizes: number | readonly number[], axis?: number): Variable[] { return ops.split(this, sizes, axis); }
  /** {@inheritDoc "@tsgrad/autograd"!pad} */
  pad(widths: ops.PadWidths, value?: number): Variable { return ops.pad(this, widths, value); }
  /** {@inheritDoc "@tsgrad/autograd"!gather} */
  gather(indices: ops.IndexLike, axis?: number): Variable { return ops.gather(this, indices, axis); }
  /** {@inheritDoc "@tsgrad/autograd"!contiguous} */
  contiguous(): Variable { return ops.contiguous(this); }
  /** {@inheritDoc "@tsgrad/autograd"!matmul} */
  matmul(b: VariableLike): Variable { return ops.matmul(this, b); }
  /** {@inheritDoc "@tsgrad/autograd"!cdist} */
  cdist(b: VariableLike, opts?: ops.CdistOptions): Variable { return ops.cdist(this, b, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!topk} */
  topk(k: number, opts?: ops.TopkOptions): { values: Variable; indices: Variable } { return ops.topk(this, k, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!conv2d} */
  conv2d(weight: VariableLike, opts?: ops.Conv2dOptions & { bias?: VariableLike }): Variable { return ops.conv2d(this, weight, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!maxPool2d} */
  maxPool2d(opts: ops.Pool2dOptions): Variable { return ops.maxPool2d(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!avgPool2d} */
  avgPool2d(opts: ops.AvgPool2dOptions): Variable { return ops.avgPool2d(this, opts); }
  /** {@inheritDoc "@tsgrad/autograd"!softmax} */
  softmax(axis?: number): Variable { return ops.softmax(this, axis); }
  /** {@inheritDoc "@tsgrad/autograd"!logSoftmax} */
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
