/**
 * The primitives: for each one, everything autograd knows about it, in one entry of `rules`:
 * - `doc`: one line each for the forward and its VJP (docs/autograd.md's table is checked against them);
 * - `shape`: the output's shape and dtype from the inputs' (the ops validate their arguments through it, and
 *   throw its typed errors);
 * - `forward`: the tensor op that computes it;
 * - `vjp`: given g = ∂L/∂y, the cotangent of each input, (∂y/∂xᵢ)ᵀ·g, shaped like that input (null where
 *   `c.needs[i]` is false).
 *
 * Inputs are typed tuples of the primitive's arity (`[x]`, `[a, b]`, `[cond, a, b]`; concat takes a list), so no
 * rule indexes an array and asserts. `rules` is typed `{ [P in Primitive]: Rule<P> }`: a primitive added to
 * `PrimitiveParams` and `PrimitiveArity` without its rule does not compile.
 *
 * VJPs are written with the differentiable ops `V` they are handed (the engine passes ./ops.ts), never with raw
 * tensors, so running them with graph recording on (`createGraph`) gives gradients of gradients. Taking the ops
 * as an argument keeps the imports one way: ops apply rules, rules never import ops. One exception, for speed:
 * when no graph is being recorded (a plain `backward`), the biased convolutions take their weight and bias
 * cotangents from one tensor op (`conv2dBackwardParams`), which gives the same bits as the recorded ops.
 *
 * Inputs of broadcasting primitives already have the output's shape: the ops expand them first with the
 * `expand` primitive, whose VJP `sumTo` is the one place where broadcasting is undone. Everything else (mean,
 * variance, softmax, the losses, ...) is composed from these in ./ops.ts and needs no rule.
 */
import * as T from '@tsgrad/tensor';
import {
  ShapeError, ValueError, fmtShape,
  type AvgPool2dOptions, type Conv2dOptions, type DType, type Pool2dOptions, type SliceSpec, type Tensor,
} from '@tsgrad/tensor';
import { apply, constant, isGradEnabled, type Variable } from './graph.js';
import type * as Ops from './ops.js';

type None = null;
type Reduce = { axes: number[]; keepDims: boolean };

/** Each primitive's parameters (fixed at record time). */
export interface PrimitiveParams {
  neg: None; exp: None; log: None; log1p: None; expm1: None; sin: None; cos: None; tanh: None;
  sigmoid: None; relu: None; reluBackward: None; abs: None; sqrt: None; softplus: None; erf: None;
  clamp: { min: number; max: number };
  add: None; sub: None; mul: None; div: None; pow: None; maximum: None; minimum: None;
  where: None;
  sum: Reduce; max: Reduce; min: Reduce; prod: Reduce;
  reshape: { shape: number[] };
  permute: { axes: number[] };
  expand: { shape: number[] };
  slice: { ranges: SliceSpec[] };
  sliceScatter: { shape: number[]; ranges: SliceSpec[] };
  pad: { pairs: [number, number][]; value: number };
  concat: { axis: number };
  gather: { indices: Int32Array; indexShape: number[]; axis: number };
  scatterAdd: { indices: Int32Array; indexShape: number[]; axis: number; shape: number[] };
  matmul: None;
  conv2d: Conv2dOptions;
  conv2dBias: Conv2dOptions;
  conv2dBiasRelu: Conv2dOptions;
  conv2dBiasReluAvgPool: Conv2dOptions & { pool: AvgPool2dOptions; mask: Uint8Array };
  conv2dBackwardInput: Conv2dOptions & { inputShape: number[] };
  conv2dBackwardWeight: Conv2dOptions & { weightShape: number[] };
  maxPoolGather: Pool2dOptions & { argmax: Int32Array; inputShape: number[] };
  maxPoolScatter: Pool2dOptions & { argmax: Int32Array; inputShape: number[] };
  avgPool2d: AvgPool2dOptions;
  avgPool2dBackward: AvgPool2dOptions & { inputShape: number[] };
  cdist2: None;
}

/** The name of a primitive: one of the keys of {@link PrimitiveParams}, each with one rule in {@link rules}. */
export type Primitive = keyof PrimitiveParams;

/** Each primitive's number of tensor inputs ('n' for concat, which takes a list). */
export type PrimitiveArity = { [P in Primitive]: P extends 'concat' ? 'n' : P extends Binary ? 2 : P extends 'where' | 'conv2dBias' | 'conv2dBiasRelu' | 'conv2dBiasReluAvgPool' ? 3 : 1 };
type Binary = 'reluBackward' | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'matmul' | 'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardWeight' | 'cdist2';

/** A primitive's inputs as a tuple of its arity, of tensors, Variables or shapes. */
export type Inputs<P extends Primitive, X> = PrimitiveArity[P] extends 1 ? [X] : PrimitiveArity[P] extends 2 ? [X, X] : PrimitiveArity[P] extends 3 ? [X, X, X] : X[];
/** One cotangent (or null) per input. */
export type Cotangents<P extends Primitive> = Inputs<P, Variable | null>;

/** What a shape rule sees of a value: its shape and dtype (a Tensor and a Variable both are one). */
export interface Meta {
  /** The shape. */
  readonly shape: readonly number[];
  /** The dtype. */
  readonly dtype: DType;
}

/** What a VJP sees: the cotangent's context. */
export interface VjpContext<P extends Primitive> {
  /** The primitive's inputs, as Variables (their graphs are live when creating a graph). */
  inputs: Inputs<P, Variable>;
  /** The primitive's output (reused by exp, tanh, sqrt, ...). */
  output: Variable;
  /** The parameters the primitive ran with (axes, shapes, ...). */
  params: PrimitiveParams[P];
  /** needs[i]: whether input i wants a gradient; rules may skip work for the others. */
  needs: boolean[];
}

/** The differentiable ops a VJP is written with (./ops.ts, passed in by the engine). */
export type DifferentiableOps = typeof Ops;

/** Everything autograd knows about one primitive. */
export interface Rule<P extends Primitive> {
  /** One line each: the forward y = f(x; p), and its VJP in terms of the cotangent g (docs/autograd.md's table). */
  readonly doc: readonly [forward: string, vjp: string];
  /** The output's shape and dtype, or the op's typed error when the inputs and parameters do not fit. */
  shape(x: Inputs<P, Meta>, p: PrimitiveParams[P]): Meta;
  /** y = f(x₁, …, xₙ; p) on plain tensors (no recording). */
  forward(x: Inputs<P, Tensor>, p: PrimitiveParams[P]): Tensor;
  /**
   * The vector-Jacobian product: given g = ∂L/∂y, returns ∂L/∂xᵢ = (∂y/∂xᵢ)ᵀ·g for each input, shaped like that
   * input (null where `c.needs[i]` is false), written with the differentiable ops `V`.
   */
  vjp(g: Variable, c: VjpContext<P>, V: DifferentiableOps): Cotangents<P>;
}

// ---- shape rules shared by several primitives ----------------------------------------------------

const meta = (shape: readonly number[], dtype: DType): Meta => ({ shape, dtype });
const same = ([x]: [Meta]): Meta => x;

/** A dtype mismatch between two operands, worded once for tensor and autograd (tensor's checkSameDType). */
export const sameDType: (op: string, a: Meta, b: Meta) => void = T.checkSameDType;
/** Elementwise binary: one dtype, NumPy-broadcast shapes (the ops expand both operands to this shape first). */
const broadcast = (op: string) => ([a, b]: [Meta, Meta]): Meta => {
  sameDType(op, a, b);
  return meta(T.broadcastShapes(op, a.shape, b.shape), a.dtype);
};
const reduced = ([x]: [Meta], p: Reduce): Meta => meta(T.reducedShape(x.shape, p.axes, p.keepDims), x.dtype);
const pair2 = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
/** [N, C, OH, OW] of a pooling of x (the window count along each axis, floor mode, as the kernels). */
function pooled(x: Meta, p: Pool2dOptions): Meta {
  const k = pair2(p.kernelSize), s = pair2(p.stride ?? p.kernelSize), pad = pair2(p.padding ?? 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return meta([n, c, Math.floor((h + 2 * pad[0] - k[0]) / s[0]) + 1, Math.floor((w + 2 * pad[1] - k[1]) / s[1]) + 1], x.dtype);
}
/** [N, O, OH, OW] of conv2d(x, w), or conv2d's typed error. */
function convolved(x: Meta, w: Meta, p: Conv2dOptions): Meta {
  sameDType('conv2d', x, w);
  const c = T.convGeometry('conv2d', x.shape, w.shape, p);
  return meta([c.n, c.o, c.oh, c.ow], x.dtype);
}
/** [N, O, OH, OW] of conv2d(x, w) + b, or the typed error of conv2d or of its bias. */
function biasConvolved([x, w, b]: [Meta, Meta, Meta], p: Conv2dOptions): Meta {
  const y = convolved(x, w, p);
  T.checkConv2dBias(b, w.shape);
  sameDType('conv2d', x, b);
  return y;
}
/** conv2d's cotangents of x and w for g (conv2d and conv2dBias share them). */
function convCotangents(g: Variable, x: Variable, w: Variable, p: Conv2dOptions, needs: boolean[]): [Variable | null, Variable | null] {
  return [
    needs[0] ? prim('conv2dBackwardInput', [g, w], { ...p, inputShape: x.shape.slice() }) : null,
    needs[1] ? prim('conv2dBackwardWeight', [x, g], { ...p, weightShape: w.shape.slice() }) : null,
  ];
}
/**
 * The cotangents of x, w and b of y = conv2d(x, w) + b, or of y = relu(conv2d(x, w) + b) when `y` (the output)
 * is given, for g: those of conv2dBias for gm = g, or gm = reluBackward(g, y). When no graph is recorded and
 * both parameters need theirs, gw and gb come from one pass (`conv2dBackwardParams`, which masks and sums gm
 * while it stages it for the weight kernel, the same bits); gm itself is then made only when x needs it.
 */
function biasConvCotangents(
  g: Variable, y: Tensor | null, x: Variable, w: Variable, p: Conv2dOptions, needs: boolean[], V: typeof Ops,
): [Variable | null, Variable | null, Variable | null] {
  if (!isGradEnabled() && needs[1] && needs[2]) {
    const gm = y !== null && needs[0] ? T.reluBackward(g.value, y) : g.value;
    const opts = y !== null && !needs[0] ? { ...p, reluOutput: y } : p;
    const [gw, gb] = T.conv2dBackwardParams(x.value, gm, w.shape, opts);
    const gx = needs[0] ? convCotangents(constant(gm), x, w, p, [true, false])[0] : null;
    return [gx, constant(gw), constant(gb)];
  }
  const gm = y === null ? g : prim('reluBackward', [g, constant(y)], null);
  return [...convCotangents(gm, x, w, p, needs), needs[2] ? V.sum(gm, { axis: [0, 2, 3] }) : null];
}
/**
 * The cotangents of x, w and b of y = avgPool2d(relu(conv2d(x, w) + b)) for g, from the forward's mask of
 * where the rectified output is > 0: those of conv2dBias for gm = avgPool2dBackward(g) ⊙ mask (recorded as
 * avgPool2dBackward, then reluBackward against the mask as 0/1 values). When no graph is recorded and both
 * parameters need theirs, gw and gb come from one pass (`conv2dReluAvgPoolBackwardParams`, which builds gm in
 * wasm memory where it can, the same bits); gm itself is then made only when x needs it.
 */
function reluPoolCotangents(
  g: Variable, x: Variable, w: Variable, p: PrimitiveParams['conv2dBiasReluAvgPool'], needs: boolean[], V: typeof Ops,
): [Variable | null, Variable | null, Variable | null] {
  const conv = convOpts(p);
  const c = T.convGeometry('conv2d', x.shape, w.shape, conv);
  const convShape = [c.n, c.o, c.oh, c.ow];
  if (!isGradEnabled() && needs[1] && needs[2]) {
    const [gw, gb] = T.conv2dReluAvgPoolBackwardParams(x.value, g.value, p.mask, w.shape, { ...conv, pool: p.pool });
    const gx = needs[0]
      ? convCotangents(constant(T.conv2dReluAvgPoolBackward(g.value, p.mask, convShape, p.pool)), x, w, conv, [true, false])[0]
      : null;
    return [gx, constant(gw), constant(gb)];
  }
  const gr = prim('avgPool2dBackward', [g], { ...poolOpts(p.pool), inputShape: convShape });
  const gm = prim('reluBackward', [gr, constant(T.conv2dReluMaskValues(p.mask, convShape, x.dtype))], null);
  return [...convCotangents(gm, x, w, conv, needs), needs[2] ? V.sum(gm, { axis: [0, 2, 3] }) : null];
}
/** The shape a view op gives x, from the tensor op itself on a one-element stand-in broadcast to x's shape (no copy). */
const viewShape = (x: Meta, view: (t: Tensor) => Tensor): number[] =>
  view(T.broadcastTo(T.zeros([], { dtype: x.dtype }), x.shape)).shape.slice();

/** The input's shape with the reduced axes kept as size 1: where a reduction's cotangent is reshaped to. */
const keptShape = (p: { axes: number[] }, shape: readonly number[]): number[] => shape.map((d, i) => (p.axes.includes(i) ? 1 : d));

/**
 * Every primitive, one entry each: the whole of what autograd knows about derivatives. g is the output's
 * cotangent, y the output, ⊙ elementwise; masks are constants (their derivative is 0 almost everywhere).
 * Frozen: the table can be read (and a rule called by hand) but not changed.
 */
export const rules: { readonly [P in Primitive]: Readonly<Rule<P>> } = frozen<{ [P in Primitive]: Rule<P> }>({
  // Elementwise, one input.
  neg: { doc: ['−x', '−g'], shape: same, forward: ([x]) => T.neg(x), vjp: (g, _c, V) => [V.neg(g)] },
  exp: { doc: ['eˣ', 'g ⊙ y'], shape: same, forward: ([x]) => T.exp(x), vjp: (g, c, V) => [V.mul(g, c.output)] },
  log: { doc: ['ln x', 'g / x'], shape: same, forward: ([x]) => T.log(x), vjp: (g, { inputs: [x] }, V) => [V.div(g, x)] },
  log1p: { doc: ['ln(1 + x)', 'g / (1 + x)'], shape: same, forward: ([x]) => T.log1p(x), vjp: (g, { inputs: [x] }, V) => [V.div(g, V.add(x, 1))] },
  expm1: { doc: ['eˣ − 1', 'g ⊙ (y + 1)'], shape: same, forward: ([x]) => T.expm1(x), vjp: (g, c, V) => [V.mul(g, V.add(c.output, 1))] },
  sin: { doc: ['sin x', 'g ⊙ cos x'], shape: same, forward: ([x]) => T.sin(x), vjp: (g, { inputs: [x] }, V) => [V.mul(g, V.cos(x))] },
  cos: { doc: ['cos x', '−g ⊙ sin x'], shape: same, forward: ([x]) => T.cos(x), vjp: (g, { inputs: [x] }, V) => [V.neg(V.mul(g, V.sin(x)))] },
  tanh: { doc: ['tanh x', 'g ⊙ (1 − y²)'], shape: same, forward: ([x]) => T.tanh(x), vjp: (g, { output: y }, V) => [V.mul(g, V.sub(1, V.mul(y, y)))] },
  sigmoid: {
    doc: ['1/(1 + e⁻ˣ)', 'g ⊙ y ⊙ (1 − y)'], shape: same, forward: ([x]) => T.sigmoid(x),
    vjp: (g, { output: y }, V) => [V.mul(g, V.mul(y, V.sub(1, y)))],
  },
  relu: {
    doc: ['max(x, 0)', 'g ⊙ [x > 0], as `reluBackward(g, x)`'], shape: same, forward: ([x]) => T.relu(x),
    vjp: (g, { inputs: [x] }) => [prim('reluBackward', [g, constant(x.value)], null)],
  },
  // One pass where g ⊙ [x > 0] would take two (the mask, then the product) over a network's largest tensors.
  // x enters as a constant: the mask's derivative is 0 almost everywhere.
  reluBackward: {
    doc: ['g where x > 0, else 0', 'reluBackward(h, x) to g, none to x'],
    shape: broadcast('reluBackward'),
    forward: ([g, x]) => T.reluBackward(g, x),
    vjp: (h, { inputs: [, x], needs }) => [needs[0] ? prim('reluBackward', [h, x], null) : null, null],
  },
  abs: { doc: ['|x|', 'g ⊙ sign x'], shape: same, forward: ([x]) => T.abs(x), vjp: (g, { inputs: [x] }, V) => [V.mul(g, constant(T.sign(x.value)))] },
  // d√x/dx = 1/(2√x); at x = 0 we return 0 rather than Infinity·0 = NaN (the subgradient convention that
  // keeps ‖x‖ at x = 0 finite).
  sqrt: {
    doc: ['√x', 'g / (2y), 0 where y = 0'], shape: same, forward: ([x]) => T.sqrt(x),
    vjp: (g, { output: y }, V) => {
      const zero = T.equal(y.value, 0);
      return [V.where(zero, 0, V.div(g, V.mul(V.where(zero, 1, y), 2)))];
    },
  },
  softplus: { doc: ['ln(1 + eˣ)', 'g ⊙ σ(x)'], shape: same, forward: ([x]) => T.softplus(x), vjp: (g, { inputs: [x] }, V) => [V.mul(g, V.sigmoid(x))] },
  // d erf(x)/dx = 2/√π · e^(−x²), written with exp and mul so that erf'' = −2x·erf' follows.
  erf: {
    doc: ['erf x = 2/√π ∫₀ˣ e^(−t²) dt', 'g ⊙ 2/√π · e^(−x²)'], shape: same, forward: ([x]) => T.erf(x),
    vjp: (g, { inputs: [x] }, V) => [V.mul(g, V.mul(V.exp(V.neg(V.mul(x, x))), 2 / Math.sqrt(Math.PI)))],
  },
  clamp: {
    doc: ['min(max(x, lo), hi)', 'g ⊙ [lo ≤ x ≤ hi]'],
    shape: ([x], { min, max }) => {
      if (typeof min !== 'number' || typeof max !== 'number' || Number.isNaN(min) || Number.isNaN(max)) {
        throw new ValueError(`[clamp] bounds must be numbers: got min ${String(min)}, max ${String(max)}`);
      }
      if (min > max) throw new ValueError(`[clamp] min must not exceed max: got min ${min}, max ${max}`);
      return x;
    },
    forward: ([x], p) => T.clamp(x, p.min, p.max),
    vjp: (g, { inputs: [x], params: p }, V) => [V.mul(g, constant(T.mul(T.greaterEqual(x.value, p.min), T.lessEqual(x.value, p.max))))],
  },

  // Elementwise, two inputs of the output's shape.
  add: { doc: ['a + b', 'g, g'], shape: broadcast('add'), forward: ([a, b]) => T.add(a, b), vjp: (g) => [g, g] },
  sub: { doc: ['a − b', 'g, −g'], shape: broadcast('sub'), forward: ([a, b]) => T.sub(a, b), vjp: (g, _c, V) => [g, V.neg(g)] },
  mul: { doc: ['a ⊙ b', 'g ⊙ b, g ⊙ a'], shape: broadcast('mul'), forward: ([a, b]) => T.mul(a, b), vjp: (g, { inputs: [a, b] }, V) => [V.mul(g, b), V.mul(g, a)] },
  div: {
    doc: ['a / b', 'g / b, −(g / b) ⊙ y'], shape: broadcast('div'), forward: ([a, b]) => T.div(a, b),
    vjp: (g, { inputs: [, b], output: y, needs }, V) => {
      const gb = V.div(g, b);
      return [gb, needs[1] ? V.neg(V.mul(gb, y)) : null];
    },
  },
  // ∂a^b/∂a = b·a^(b−1); ∂a^b/∂b = a^b·ln a, taken as 0 where a = 0 (the limit for b > 0).
  pow: {
    doc: ['aᵇ', 'g ⊙ b ⊙ aᵇ⁻¹, g ⊙ y ⊙ ln a (0 where a = 0)'], shape: broadcast('pow'), forward: ([a, b]) => T.pow(a, b),
    vjp: (g, { inputs: [a, b], output: y, needs }, V) => {
      const ga = needs[0] ? V.mul(g, V.mul(b, V.pow(a, V.sub(b, 1)))) : null;
      if (!needs[1]) return [ga, null];
      const zero = T.equal(a.value, 0);
      return [ga, V.where(zero, 0, V.mul(g, V.mul(y, V.log(V.where(zero, 1, a)))))];
    },
  },
  // Ties split the gradient evenly between the two inputs, as PyTorch does.
  maximum: {
    doc: ['max(a, b)', 'g ⊙ w, g ⊙ (1 − w); w = 1 where a > b, ½ on a tie'], shape: broadcast('maximum'), forward: ([a, b]) => T.maximum(a, b),
    vjp: (g, { inputs: [a, b] }, V) => tieVjp(g, tieWeights(a.value, b.value, T.greater), V),
  },
  minimum: {
    doc: ['min(a, b)', 'g ⊙ w, g ⊙ (1 − w); w = 1 where a < b, ½ on a tie'], shape: broadcast('minimum'), forward: ([a, b]) => T.minimum(a, b),
    vjp: (g, { inputs: [a, b] }, V) => tieVjp(g, tieWeights(a.value, b.value, T.less), V),
  },
  // inputs: [cond (a constant), a, b], all of the output's shape.
  where: {
    doc: ['c ? a : b', '—, g ⊙ [c], g ⊙ [¬c]'],
    shape: ([c, a, b]) => {
      sameDType('where', a, b);
      return meta(T.broadcastShapes('where', T.broadcastShapes('where', c.shape, a.shape), b.shape), a.dtype);
    },
    forward: ([c, a, b]) => T.where(c, a, b),
    vjp: (g, { inputs: [c] }, V) => {
      // The condition may have another dtype than a and b: the masks take the cotangent's.
      const ne = T.notEqual(c.value, 0);
      const cond = ne.dtype === g.dtype ? ne : ne.astype(g.dtype);
      return [null, V.mul(g, constant(cond)), V.mul(g, constant(T.sub(1, cond)))];
    },
  },

  // Reductions: the cotangent has the reduced shape; reshape it to keep the axes, then expand back.
  sum: {
    doc: ['Σ over axes', 'g reshaped with kept axes, expanded to x\'s shape'], shape: reduced,
    forward: ([x], p) => T.sum(x, { axis: p.axes, keepDims: p.keepDims }),
    vjp: (g, { inputs: [x], params }, V) => [V.broadcastTo(V.reshape(g, keptShape(params, x.shape)), x.shape)],
  },
  // The gradient goes to the positions that attain the max, split evenly among ties (as PyTorch's amax).
  max: {
    doc: ['max over axes', 'expanded g ⊙ [x = y] / (number of ties)'], shape: reduced,
    forward: ([x], p) => T.max(x, { axis: p.axes, keepDims: p.keepDims }), vjp: (g, c, V) => [extremumVjp(g, c, V)],
  },
  min: {
    doc: ['min over axes', 'expanded g ⊙ [x = y] / (number of ties)'], shape: reduced,
    forward: ([x], p) => T.min(x, { axis: p.axes, keepDims: p.keepDims }), vjp: (g, c, V) => [extremumVjp(g, c, V)],
  },
  // ∂Πx/∂x_i = Π_{j≠i} x_j, computed as Πx / x_i when no x_i is 0 (twice differentiable), and from exact
  // exclusive products otherwise (correct first derivative; treated as constant for higher orders).
  prod: {
    doc: ['Π over axes', 'expanded g ⊙ Π_{j≠i} x_j'], shape: reduced,
    forward: ([x], p) => T.prod(x, { axis: p.axes, keepDims: p.keepDims }),
    vjp: (g, { inputs: [x], output: y, params }, V) => {
      const keep = keptShape(params, x.shape);
      const gk = V.broadcastTo(V.reshape(g, keep), x.shape);
      if (T.equal(x.value, 0).sum().item() === 0) return [V.mul(gk, V.div(V.broadcastTo(V.reshape(y, keep), x.shape), x))];
      return [V.mul(gk, constant(exclusiveProducts(x.value, params.axes)))];
    },
  },

  // Views and copies.
  reshape: {
    doc: ['same elements, new shape', 'g reshaped to x\'s shape'], shape: ([x], p) => meta(viewShape(x, (t) => T.reshape(t, p.shape)), x.dtype),
    forward: ([x], p) => T.reshape(x, p.shape), vjp: (g, { inputs: [x] }, V) => [V.reshape(g, x.shape)],
  },
  permute: {
    doc: ['axes reordered by p', 'g permuted by p⁻¹'], shape: ([x], p) => meta(viewShape(x, (t) => T.permute(t, p.axes)), x.dtype),
    forward: ([x], p) => T.permute(x, p.axes), vjp: (g, { params: { axes } }, V) => [V.permute(g, axes.map((_, i) => axes.indexOf(i)))],
  },
  // The one place broadcasting is undone: sum over the axes that expand added or stretched.
  expand: {
    doc: ['broadcast to a shape', '`sumTo(g, x.shape)`'], shape: ([x], p) => meta(viewShape(x, (t) => T.broadcastTo(t, p.shape)), x.dtype),
    forward: ([x], p) => T.broadcastTo(x, p.shape), vjp: (g, { inputs: [x] }, V) => [V.sumTo(g, x.shape)],
  },
  slice: {
    doc: ['strided view', '`sliceScatter(g)`: zeros with g written into the slice'], shape: ([x], p) => meta(viewShape(x, (t) => T.slice(t, p.ranges)), x.dtype),
    forward: ([x], p) => T.slice(x, p.ranges),
    vjp: (g, { inputs: [x], params }) => [prim('sliceScatter', [g], { shape: x.shape.slice(), ranges: params.ranges })],
  },
  // Zeros of `shape` with g written into the slice: the adjoint of slice.
  sliceScatter: {
    doc: ['zeros with x in the slice', 'slice(g)'], shape: ([x], p) => meta(p.shape, x.dtype),
    forward: ([g], p) => T.sliceScatter(g, p.shape, p.ranges), vjp: (g, { params }, V) => [V.slice(g, params.ranges)],
  },
  pad: {
    doc: ['x surrounded by a constant', 'slice of g at x\'s position'], shape: ([x], p) => meta(x.shape.map((d, i) => d + p.pairs[i]![0] + p.pairs[i]![1]), x.dtype),
    forward: ([x], p) => T.pad(x, p.pairs, p.value),
    vjp: (g, { inputs: [x], params }, V) => [V.slice(g, params.pairs.map(([b], i) => [b, b + x.shape[i]!] as const))],
  },
  concat: {
    doc: ['join on an axis', 'split of g'],
    shape: (xs, p) => {
      xs.slice(1).forEach((x) => sameDType('concat', xs[0]!, x));
      const shape = xs[0]!.shape.slice();
      shape[p.axis] = xs.reduce((k, x) => k + x.shape[p.axis]!, 0);
      return meta(shape, xs[0]!.dtype);
    },
    forward: (xs, p) => T.concat(xs, p.axis),
    vjp: (g, { inputs, params }, V) => V.split(g, inputs.map((x) => x.shape[params.axis]!), params.axis),
  },
  gather: {
    doc: ['x at indices along an axis', '`scatterAdd(g)`: zeros with g added at the indices'], shape: ([x], p) => meta(gatherShape(x.shape, p), x.dtype),
    forward: ([x], p) => T.gather(x, p.indices, p.axis).reshape(gatherShape(x.shape, p)),
    vjp: (g, { inputs: [x], params: p }) => [
      prim('scatterAdd', [g], { indices: p.indices, indexShape: p.indexShape, axis: p.axis, shape: x.shape.slice() }),
    ],
  },
  // Zeros of `shape` with each row of g added at its index: the adjoint of gather.
  scatterAdd: {
    doc: ['zeros with x added at indices', 'gather(g)'], shape: ([x], p) => meta(p.shape, x.dtype),
    forward: ([g], p) => T.scatterAdd(T.reshape(g, gatherShape(p.shape, { indexShape: [p.indices.length], axis: p.axis })), p.indices, p.axis, p.shape),
    vjp: (g, { params: p }) => [prim('gather', [g], { indices: p.indices, indexShape: p.indexShape, axis: p.axis })],
  },

  // Products and networks. matmul's inputs have rank ≥ 2 and equal batch axes (ops.matmul expands them).
  matmul: {
    doc: ['A·B (equal batch axes)', 'G·Bᵀ, Aᵀ·G'],
    // NumPy's rule (1-D operands, broadcast batch axes), which ops.matmul validates its operands with; the
    // primitive itself only ever sees rank ≥ 2 and equal batch axes.
    shape: ([a, b]) => {
      sameDType('matmul', a, b);
      if (a.shape.length === 0 || b.shape.length === 0) {
        throw new ShapeError(`[matmul] operands must have rank >= 1: got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
      }
      const x = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape, y = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
      const K = x[x.length - 1]!, K2 = y[y.length - 2]!;
      if (K !== K2) {
        throw new ShapeError(
          `[matmul] inner sizes differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}: axis ${a.shape.length - 1} of the first has size ${K}, axis ${Math.max(b.shape.length - 2, 0)} of the second has size ${K2}`,
        );
      }
      const shape = [...T.broadcastShapes('matmul', x.slice(0, -2), y.slice(0, -2))];
      if (a.shape.length > 1) shape.push(x[x.length - 2]!);
      if (b.shape.length > 1) shape.push(y[y.length - 1]!);
      return meta(shape, a.dtype);
    },
    forward: ([a, b]) => T.matmul(a, b),
    vjp: (g, { inputs: [a, b], needs }, V) => [needs[0] ? V.matmul(g, V.mT(b)) : null, needs[1] ? V.matmul(V.mT(a), g) : null],
  },
  conv2d: {
    doc: ['y = x ⋆ w (NCHW, OIHW)', '`conv2dBackwardInput(g, w)`, `conv2dBackwardWeight(x, g)`'],
    shape: ([x, w], p) => convolved(x, w, p),
    forward: ([x, w], p) => T.conv2d(x, w, p),
    vjp: (g, { inputs: [x, w], params, needs }) => convCotangents(g, x, w, params, needs),
  },
  // The convolution and its bias as one primitive, because the tensor op adds the bias as it stores each sum
  // (a separate add would be one more pass over the output, the largest tensor of a network's first layer).
  conv2dBias: {
    doc: ['y = x ⋆ w + b[o] (b: [O])', '`conv2dBackwardInput(g, w)`, `conv2dBackwardWeight(x, g)`, Σ_{n,i,j} g'],
    shape: biasConvolved,
    forward: ([x, w, b], p) => T.conv2d(x, w, { ...p, bias: b }),
    vjp: (g, { inputs: [x, w], params, needs }, V) => biasConvCotangents(g, null, x, w, params, needs, V),
  },
  // The convolution, its bias and a relu as one primitive: the tensor op rectifies as it stores each sum, and
  // the VJP's mask needs only the output (y > 0 exactly where the pre-activation is), so the pre-activation,
  // a network's largest tensor, is never kept.
  conv2dBiasRelu: {
    doc: [
      'y = relu(x ⋆ w + b[o])',
      'with gm = `reluBackward(g, y)`: `conv2dBackwardInput(gm, w)`, `conv2dBackwardWeight(x, gm)`, Σ_{n,i,j} gm',
    ],
    shape: biasConvolved,
    forward: ([x, w, b], p) => T.conv2d(x, w, { ...p, bias: b, activation: 'relu' }),
    vjp: (g, { inputs: [x, w], output: y, params, needs }, V) => biasConvCotangents(g, y.value, x, w, params, needs, V),
  },
  // The convolution, its bias, a relu and average pooling as one primitive (a network's first layer, nn's
  // Sequential for Conv2d, ReLU, AvgPool2d): the rectified output, the network's largest tensor, never leaves the
  // tensor op, and the VJP needs only its mask (one bit per element, from the forward, in the parameters).
  conv2dBiasReluAvgPool: {
    doc: [
      'y = avgPool2d(relu(x ⋆ w + b[o]))',
      'with gm = `conv2dReluAvgPoolBackward(g, mask)` = avgPool2dBackward(g) ⊙ [relu > 0]: `conv2dBackwardInput(gm, w)`, `conv2dBackwardWeight(x, gm)`, Σ_{n,i,j} gm',
    ],
    shape: (xs, p) => pooled(biasConvolved(xs, p), p.pool),
    forward: ([x, w, b], p) => T.conv2dReluAvgPool(x, w, { ...convOpts(p), bias: b, pool: p.pool }),
    vjp: (g, { inputs: [x, w], params, needs }, V) => reluPoolCotangents(g, x, w, params, needs, V),
  },
  // bi(gy, w) is bilinear: ⟨h, bi(gy, w)⟩ = ⟨conv(h, w), gy⟩ = ⟨bw(h, gy), w⟩.
  conv2dBackwardInput: {
    doc: ['transposed convolution of gy with w', 'conv2d(h, w), conv2dBackwardWeight(h, gy)'], shape: ([gy], p) => meta(p.inputShape, gy.dtype),
    forward: ([gy, w], p) => T.conv2dBackwardInput(gy, w, p.inputShape, p),
    vjp: (h, { inputs: [gy, w], params, needs }) => [
      needs[0] ? prim('conv2d', [h, w], convOpts(params)) : null,
      needs[1] ? prim('conv2dBackwardWeight', [h, gy], { ...convOpts(params), weightShape: w.shape.slice() }) : null,
    ],
  },
  // bw(x, gy) is bilinear: ⟨k, bw(x, gy)⟩ = ⟨conv(x, k), gy⟩ = ⟨x, bi(gy, k)⟩.
  conv2dBackwardWeight: {
    doc: ['Σₙ gy ⋆ x', 'conv2dBackwardInput(gy, k), conv2d(x, k)'], shape: ([x], p) => meta(p.weightShape, x.dtype),
    forward: ([x, gy], p) => T.conv2dBackwardWeight(x, gy, p.weightShape, p),
    vjp: (k, { inputs: [x, gy], params, needs }) => [
      needs[0] ? prim('conv2dBackwardInput', [gy, k], { ...convOpts(params), inputShape: x.shape.slice() }) : null,
      needs[1] ? prim('conv2d', [x, k], convOpts(params)) : null,
    ],
  },
  // Max pooling as a gather at the window winners (found by the forward pass); its adjoint scatters back.
  maxPoolGather: {
    doc: ['x at each window\'s argmax (max pooling)', '`maxPoolScatter(g)`'], shape: ([x], p) => pooled(x, p),
    forward: ([x], p) => T.maxPoolGather(x, p.argmax, p), vjp: (g, { params }) => [prim('maxPoolScatter', [g], params)],
  },
  maxPoolScatter: {
    doc: ['zeros with g added at the argmaxes', 'maxPoolGather(h)'], shape: ([g], p) => meta(p.inputShape, g.dtype),
    forward: ([g], p) => T.maxPool2dBackward(g, p.argmax, p.inputShape, p), vjp: (h, { params }) => [prim('maxPoolGather', [h], params)],
  },
  avgPool2d: {
    doc: ['window means', '`avgPool2dBackward(g)`'], shape: ([x], p) => pooled(x, p),
    forward: ([x], p) => T.avgPool2d(x, p),
    vjp: (g, { inputs: [x], params }) => [prim('avgPool2dBackward', [g], { ...params, inputShape: x.shape.slice() })],
  },
  avgPool2dBackward: {
    doc: ['each input gets g / window size from every window holding it', 'avgPool2d(h)'], shape: ([g], p) => meta(p.inputShape, g.dtype),
    forward: ([g], p) => T.avgPool2dBackward(g, p.inputShape, p), vjp: (h, { params }) => [prim('avgPool2d', [h], poolOpts(params))],
  },
  // D_ij = ‖a_i − b_j‖: ∂/∂a_i = Σ_j W_ij (a_i − b_j) with W = G/D (0 where D = 0), so
  // ga = a·rowsum(W) − W·b and gb = b·colsum(W) − Wᵀ·a, all in differentiable ops. A primitive for its
  // gradient at D = 0 (the composed form would divide by zero there) and its speed.
  cdist2: {
    doc: ['Dᵢⱼ = ‖aᵢ − bⱼ‖₂', 'with W = g / D (0 where D = 0): a ⊙ rowsum W − W·b, b ⊙ colsum W − Wᵀ·a'],
    shape: ([a, b]) => {
      sameDType('cdist', a, b);
      return meta([...a.shape.slice(0, -1), b.shape[b.shape.length - 2]!], a.dtype);
    },
    forward: ([a, b]) => T.cdist(a, b, { p: 2 }),
    vjp: (g, { inputs: [a, b], output: y, needs }, V) => {
      const zero = T.equal(y.value, 0);
      const w = V.where(zero, 0, V.div(g, V.where(zero, 1, y)));
      return [
        needs[0] ? V.sub(V.mul(a, V.sum(w, { axis: -1, keepDims: true })), V.matmul(w, b)) : null,
        needs[1] ? V.sub(V.mul(b, V.mT(V.sum(w, { axis: -2, keepDims: true }))), V.matmul(V.mT(w), a)) : null,
      ];
    },
  },
});

/** The table, with each rule, frozen. */
function frozen<R extends Record<string, object>>(table: R): R {
  for (const rule of Object.values(table)) Object.freeze(rule);
  return Object.freeze(table);
}

/** Applies primitive p inside a VJP (the adjoint primitives: sliceScatter, scatterAdd, the convolution and pooling backwards). */
function prim<P extends Primitive>(p: P, inputs: Inputs<P, Variable>, params: PrimitiveParams[P]): Variable {
  return apply(p, rules[p], inputs, params);
}

/** Weight of the first input in the VJP of maximum/minimum: 1 where it wins, ½ on ties, 0 where it loses. */
function tieWeights(a: Tensor, b: Tensor, wins: (a: Tensor, b: Tensor) => Tensor): Tensor {
  return T.add(wins(a, b), T.mul(T.equal(a, b), 0.5));
}

function tieVjp(g: Variable, w: Tensor, V: DifferentiableOps): [Variable, Variable] {
  return [V.mul(g, constant(w)), V.mul(g, constant(T.sub(1, w)))];
}

function extremumVjp(g: Variable, { inputs: [x], output: y, params }: VjpContext<'max' | 'min'>, V: DifferentiableOps): Variable {
  const keep = keptShape(params, x.shape);
  const hit = T.equal(x.value, T.reshape(y.value, keep));
  const share = T.div(hit, T.sum(hit, { axis: params.axes, keepDims: true }));
  return V.mul(V.broadcastTo(V.reshape(g, keep), x.shape), constant(share));
}

/** Π_{j≠i} x_j along `axes`, exactly (no division), via prefix and suffix products. */
function exclusiveProducts(x: Tensor, axes: number[]): Tensor {
  const others = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...others, ...axes];
  const moved = T.contiguous(T.permute(x, perm));
  const n = axes.reduce((k, a) => k * x.shape[a]!, 1);
  const rows = n === 0 ? 0 : moved.size / n;
  const out = T.zeros(moved.shape, { dtype: x.dtype });
  const src = moved.data, dst = out.data;
  for (let r = 0; r < rows; r++) {
    const base = moved.offset + r * n, ob = r * n;
    let acc = 1;
    for (let i = 0; i < n; i++) {
      dst[ob + i] = acc;
      acc *= src[base + i]!;
    }
    acc = 1;
    for (let i = n - 1; i >= 0; i--) {
      dst[ob + i] = dst[ob + i]! * acc;
      acc *= src[base + i]!;
    }
  }
  return T.contiguous(T.permute(out, perm.map((_, i) => perm.indexOf(i))));
}

function gatherShape(xShape: readonly number[], p: { indexShape: number[]; axis: number }): number[] {
  return [...xShape.slice(0, p.axis), ...p.indexShape, ...xShape.slice(p.axis + 1)];
}

function convOpts(p: Conv2dOptions): Conv2dOptions {
  return { stride: p.stride, padding: p.padding, dilation: p.dilation };
}

function poolOpts(p: AvgPool2dOptions): AvgPool2dOptions {
  return { kernelSize: p.kernelSize, stride: p.stride, padding: p.padding, countIncludePad: p.countIncludePad };
}
