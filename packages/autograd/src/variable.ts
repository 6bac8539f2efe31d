/**
 * The Variable's methods: every tensor method whose op autograd differentiates, with the tensor method's name
 * and signature, plus `backward`. The list is not kept here: the methods installed are the Tensor methods that
 * ./ops.ts has an op of the same name for (so a new tensor op with its autograd op gets its Variable method),
 * and the declarations below are checked against that same set at compile time.
 */
import { Tensor } from '@tsgrad/tensor';
import { backward as runBackward, type BackwardOptions } from './engine.js';
import { Variable } from './graph.js';
import * as ops from './ops.js';
import type * as O from './ops.js';

export { AutogradError, Node, Variable, asVariable, enableGrad, isGradEnabled, noGrad, variable } from './graph.js';
export type { VariableLike, VariableOptions } from './graph.js';

declare module './graph.js' {
  interface Variable {
    /**
     * Reverse-mode differentiation from this Variable: adds ∂(seed·this)/∂leaf to every leaf's `.grad`.
     * A scalar needs no seed (it is 1); any other shape needs one of its own shape.
     */
    backward(seed?: Tensor | Variable | number, opts?: BackwardOptions): void;
    /** {@inheritDoc "@tsgrad/autograd"!add} */
    add(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!sub} */
    sub(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!mul} */
    mul(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!div} */
    div(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!pow} */
    pow(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!maximum} */
    maximum(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!minimum} */
    minimum(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!equal} */
    equal(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!notEqual} */
    notEqual(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!greater} */
    greater(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!greaterEqual} */
    greaterEqual(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!less} */
    less(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!lessEqual} */
    lessEqual(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!neg} */
    neg(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!abs} */
    abs(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!sign} */
    sign(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!exp} */
    exp(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!log} */
    log(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!log1p} */
    log1p(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!expm1} */
    expm1(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!sqrt} */
    sqrt(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!rsqrt} */
    rsqrt(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!square} */
    square(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!reciprocal} */
    reciprocal(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!sin} */
    sin(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!cos} */
    cos(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!tanh} */
    tanh(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!sigmoid} */
    sigmoid(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!relu} */
    relu(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!softplus} */
    softplus(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!erf} */
    erf(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!clamp} */
    clamp(min?: number, max?: number): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!where} */
    where(a: VariableLike, b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!sum} */
    sum(opts?: O.ReduceOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!mean} */
    mean(opts?: O.ReduceOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!max} */
    max(opts?: O.ReduceOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!min} */
    min(opts?: O.ReduceOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!prod} */
    prod(opts?: O.ReduceOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!variance} */
    variance(opts?: O.VarianceOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!logSumExp} */
    logSumExp(opts?: O.ReduceOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!norm} */
    norm(opts?: O.NormOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!argmax} */
    argmax(opts?: O.ArgOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!argmin} */
    argmin(opts?: O.ArgOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!reshape} */
    reshape(shape: readonly number[]): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!flatten} */
    flatten(startAxis?: number, endAxis?: number): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!transpose} */
    transpose(axes?: readonly number[]): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!permute} */
    permute(axes: readonly number[]): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!expandDims} */
    expandDims(axis: number): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!squeeze} */
    squeeze(axis?: number | readonly number[]): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!broadcastTo} */
    broadcastTo(shape: readonly number[]): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!broadcastTo} */
    expand(shape: readonly number[]): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!slice} */
    slice(ranges: readonly O.SliceSpec[]): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!split} */
    split(sizes: number | readonly number[], axis?: number): Variable[];
    /** {@inheritDoc "@tsgrad/autograd"!pad} */
    pad(widths: O.PadWidths, value?: number): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!gather} */
    gather(indices: O.IndexLike, axis?: number): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!contiguous} */
    contiguous(): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!matmul} */
    matmul(b: VariableLike): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!cdist} */
    cdist(b: VariableLike, opts?: O.CdistOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!topk} */
    topk(k: number, opts?: O.TopkOptions): { values: Variable; indices: Variable };
    /** {@inheritDoc "@tsgrad/autograd"!conv2d} */
    conv2d(weight: VariableLike, opts?: O.Conv2dForwardOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!conv2dReluAvgPool} */
    conv2dReluAvgPool(weight: VariableLike, opts: O.Conv2dReluAvgPoolOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!maxPool2d} */
    maxPool2d(opts: O.Pool2dOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!avgPool2d} */
    avgPool2d(opts: O.AvgPool2dOptions): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!softmax} */
    softmax(axis?: number): Variable;
    /** {@inheritDoc "@tsgrad/autograd"!logSoftmax} */
    logSoftmax(axis?: number): Variable;
  }
}

/** The op methods: the names that are both Tensor methods and autograd ops. */
type MethodName = Extract<keyof Tensor, keyof typeof ops>;
// Compile-time check of the declarations above against that set, both ways.
type Missing = Exclude<MethodName, keyof Variable>;
type Extra = Exclude<Exclude<keyof Variable, keyof VariableCore>, MethodName | 'backward'>;
type VariableCore = Pick<Variable, 'value' | 'grad' | 'gradVariable' | 'requiresGrad' | 'node' | 'name' | 'retainsGrad' | 'shape' | 'dtype' | 'size' | 'ndim' | 'isLeaf' | 'retainGrad' | 'detach' | 'zeroGrad' | 'item' | 'toArray' | 'toString'>;
const methodsMatch: [Missing, Extra] extends [never, never] ? true : { missing: Missing; extra: Extra } = true;
void methodsMatch;

/** The names of the op methods, in Tensor's order. */
export const VARIABLE_METHODS: readonly string[] = Object.getOwnPropertyNames(Tensor.prototype).filter(
  (name) => name !== 'constructor' && typeof (ops as Record<string, unknown>)[name] === 'function',
);

const proto = Variable.prototype as unknown as Record<string, unknown>;
for (const name of VARIABLE_METHODS) {
  const op = (ops as unknown as Record<string, (self: Variable, ...args: unknown[]) => unknown>)[name]!;
  proto[name] = function method(this: Variable, ...args: unknown[]): unknown {
    return op(this, ...args);
  };
}
Variable.prototype.backward = function backward(this: Variable, seed?: Tensor | Variable | number, opts: BackwardOptions = {}): void {
  runBackward(this, seed, opts);
};
