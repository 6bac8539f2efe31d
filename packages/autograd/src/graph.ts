/**
 * The graph: grad mode, the Variable (a value and the record of how it was made), the Node that records one
 * primitive application, and `apply`, which runs a primitive's forward and records it. This module knows no op
 * and no rule by name: ops pass the rule they apply, and the engine calls the rule the node holds.
 */
import { Tensor, TsgradError, tensor, type DType, type NestedArray } from '@tsgrad/tensor';
import type { Inputs, Primitive, PrimitiveParams, Rule } from './rules.js';

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

/**
 * How a Variable was made: the primitive, its inputs and its parameters. The inputs (and the output, which
 * some VJPs reuse: exp, tanh, sqrt, ...) are the "saved tensors"; backward drops them unless asked to retain
 * the graph, and a later backward that reaches a freed node is an error.
 */
export class Node {
  /** The primitive's inputs, or null once backward has freed the node. */
  inputs: Variable[] | null;
  /** The Variable this node made (some VJPs reuse it), or null once freed. */
  output: Variable | null;
  /** Records one application of `prim`; made by `apply`, not by users. */
  constructor(
    /** Which primitive ran: the key of its rule in `rules`. */
    readonly prim: Primitive,
    /** That primitive's rule, whose VJP backward calls. */
    readonly rule: Rule<Primitive>,
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
 * `.grad` (summed over every use), as a Tensor of its shape. The op methods (`x.add(y)`, `x.sum()`, ...) and
 * `backward` are added by ./variable.ts, one per differentiable tensor method.
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

/** A constant (no gradient) Variable over a Tensor. */
export function constant(t: Tensor): Variable {
  return new Variable(t, false);
}

/**
 * Runs a primitive's forward on the inputs' values (or takes `out` when the caller already computed it) and,
 * when grad mode is on and some input requires a gradient, records a Node for backward. Internal (not exported
 * by the package): the ops call it with the rule of the primitive they apply, after validating their arguments
 * through its shape rule.
 */
export function apply<P extends Primitive>(prim: P, rule: Rule<P>, inputs: Inputs<P, Variable>, params: PrimitiveParams[P], out?: Tensor): Variable {
  const xs = inputs as Variable[];
  const value = out ?? rule.forward(xs.map((v) => v.value) as Inputs<P, Tensor>, params);
  const needsGrad = gradEnabled && xs.some((v) => v.requiresGrad);
  const result = new Variable(value, needsGrad);
  if (needsGrad) result.node = new Node(prim, rule as unknown as Rule<Primitive>, xs, params, result);
  return result;
}
