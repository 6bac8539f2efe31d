/**
 * The primitives: for each one, its forward (a tensor op) and its vector-Jacobian product, side by side.
 *
 * `rules` is typed `{ [P in Primitive]: Rule<P> }`, so adding a primitive to `PrimitiveParams` without a rule
 * does not compile. A VJP receives the cotangent `g` of the output and returns one cotangent per input (null
 * where the input needs none). VJPs are written with differentiable Variable ops, never with raw tensors, so
 * running them with graph recording on (`createGraph`) gives gradients of gradients.
 *
 * Inputs of broadcasting primitives already have the output's shape: the Variable-level ops expand them first
 * with the `expand` primitive, whose VJP `sumTo` is the one place where broadcasting is undone.
 * Everything else (mean, variance, softmax, the losses, ...) is composed from these in `ops.ts`.
 */
import * as T from '@tsgrad/tensor';
import type { Conv2dOptions, AvgPool2dOptions, Pool2dOptions, SliceSpec, Tensor } from '@tsgrad/tensor';
import type { Variable } from './variable.js';
import * as V from './ops.js';

type None = null;

/** Each primitive's parameters (fixed at record time). */
export interface PrimitiveParams {
  neg: None; exp: None; log: None; log1p: None; expm1: None; sin: None; cos: None; tanh: None;
  sigmoid: None; relu: None; abs: None; sqrt: None; softplus: None;
  clamp: { min: number; max: number };
  add: None; sub: None; mul: None; div: None; pow: None; maximum: None; minimum: None;
  where: None;
  sum: { axes: number[]; keepDims: boolean };
  max: { axes: number[]; keepDims: boolean };
  min: { axes: number[]; keepDims: boolean };
  prod: { axes: number[]; keepDims: boolean };
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

/** What a VJP sees: the cotangent's context. */
export interface VjpContext<P extends Primitive> {
  /** The primitive's inputs, as Variables (their graphs are live when creating a graph). */
  inputs: Variable[];
  /** The primitive's output (reused by exp, tanh, sqrt, ...). */
  output: Variable;
  /** The parameters the primitive ran with (axes, shapes, ...). */
  params: PrimitiveParams[P];
  /** needs[i]: whether input i wants a gradient; rules may skip work for the others. */
  needs: boolean[];
}

/** A primitive's two halves: how to compute it on tensors, and how to pull a cotangent back through it. */
export interface Rule<P extends Primitive> {
  /** y = f(x₁, …, xₙ; p) on plain tensors (no recording). */
  forward(x: Tensor[], p: PrimitiveParams[P]): Tensor;
  /**
   * The vector-Jacobian product: given g = ∂L/∂y, returns ∂L/∂xᵢ = (∂y/∂xᵢ)ᵀ·g for each input, shaped like that
   * input (null where `c.needs[i]` is false). Written with Variable ops so that it can itself be differentiated.
   */
  vjp(g: Variable, c: VjpContext<P>): (Variable | null)[];
}

/** A mask (1 where pred holds, else 0) as a constant: masks carry no gradient. */
const mask = (t: Tensor): Variable => V.constant(t);

/** The input's shape with the reduced axes kept as size 1: where a reduction's cotangent is reshaped to. */
const keptShape = (p: { axes: number[] }, shape: readonly number[]): number[] => shape.map((d, i) => (p.axes.includes(i) ? 1 : d));

/**
 * Every primitive's forward and VJP, one entry each: the whole of what autograd knows about derivatives.
 * The table in docs/autograd.md lists them with their math.
 */
export const rules: { [P in Primitive]: Rule<P> } = {
  // Elementwise, one input: x = inputs[0], y = output.
  neg: { forward: ([x]) => T.neg(x!), vjp: (g) => [V.neg(g)] },
  exp: { forward: ([x]) => T.exp(x!), vjp: (g, c) => [V.mul(g, c.output)] },
  log: { forward: ([x]) => T.log(x!), vjp: (g, c) => [V.div(g, c.inputs[0]!)] },
  log1p: { forward: ([x]) => T.log1p(x!), vjp: (g, c) => [V.div(g, V.add(c.inputs[0]!, 1))] },
  expm1: { forward: ([x]) => T.expm1(x!), vjp: (g, c) => [V.mul(g, V.add(c.output, 1))] },
  sin: { forward: ([x]) => T.sin(x!), vjp: (g, c) => [V.mul(g, V.cos(c.inputs[0]!))] },
  cos: { forward: ([x]) => T.cos(x!), vjp: (g, c) => [V.neg(V.mul(g, V.sin(c.inputs[0]!)))] },
  tanh: { forward: ([x]) => T.tanh(x!), vjp: (g, c) => [V.mul(g, V.sub(1, V.mul(c.output, c.output)))] },
  sigmoid: { forward: ([x]) => T.sigmoid(x!), vjp: (g, c) => [V.mul(g, V.mul(c.output, V.sub(1, c.output)))] },
  relu: { forward: ([x]) => T.relu(x!), vjp: (g, c) => [V.mul(g, mask(T.greater(c.inputs[0]!.value, 0)))] },
  abs: { forward: ([x]) => T.abs(x!), vjp: (g, c) => [V.mul(g, mask(T.sign(c.inputs[0]!.value)))] },
  // d√x/dx = 1/(2√x); at x = 0 we return 0 rather than Infinity·0 = NaN (the subgradient convention that
  // keeps ‖x‖ at x = 0 finite).
  sqrt: {
    forward: ([x]) => T.sqrt(x!),
    vjp: (g, c) => {
      const zero = T.equal(c.output.value, 0);
      return [V.where(zero, 0, V.div(g, V.mul(V.where(zero, 1, c.output), 2)))];
    },
  },
  softplus: { forward: ([x]) => T.softplus(x!), vjp: (g, c) => [V.mul(g, V.sigmoid(c.inputs[0]!))] },
  clamp: {
    forward: ([x], p) => T.clamp(x!, p.min, p.max),
    vjp: (g, c) => {
      const x = c.inputs[0]!.value;
      return [V.mul(g, mask(T.mul(T.greaterEqual(x, c.params.min), T.lessEqual(x, c.params.max))))];
    },
  },

  // Elementwise, two inputs of the output's shape: a = inputs[0], b = inputs[1].
  add: { forward: ([a, b]) => T.add(a!, b!), vjp: (g) => [g, g] },
  sub: { forward: ([a, b]) => T.sub(a!, b!), vjp: (g) => [g, V.neg(g)] },
  mul: { forward: ([a, b]) => T.mul(a!, b!), vjp: (g, c) => [V.mul(g, c.inputs[1]!), V.mul(g, c.inputs[0]!)] },
  div: {
    forward: ([a, b]) => T.div(a!, b!),
    vjp: (g, c) => {
      const gb = V.div(g, c.inputs[1]!);
      return [gb, c.needs[1] ? V.neg(V.mul(gb, c.output)) : null];
    },
  },
  // ∂a^b/∂a = b·a^(b−1); ∂a^b/∂b = a^b·ln a, taken as 0 where a = 0 (the limit for b > 0).
  pow: {
    forward: ([a, b]) => T.pow(a!, b!),
    vjp: (g, c) => {
      const [a, b] = c.inputs as [Variable, Variable];
      const ga = c.needs[0] ? V.mul(g, V.mul(b, V.pow(a, V.sub(b, 1)))) : null;
      if (!c.needs[1]) return [ga, null];
      const zero = T.equal(a.value, 0);
      return [ga, V.where(zero, 0, V.mul(g, V.mul(c.output, V.log(V.where(zero, 1, a)))))];
    },
  },
  // Ties split the gradient evenly between the two inputs, as PyTorch does.
  maximum: {
    forward: ([a, b]) => T.maximum(a!, b!),
    vjp: (g, c) => {
      const w = tieWeights(c.inputs[0]!.value, c.inputs[1]!.value, T.greater);
      return [V.mul(g, mask(w)), V.mul(g, mask(T.sub(1, w)))];
    },
  },
  minimum: {
    forward: ([a, b]) => T.minimum(a!, b!),
    vjp: (g, c) => {
      const w = tieWeights(c.inputs[0]!.value, c.inputs[1]!.value, T.less);
      return [V.mul(g, mask(w)), V.mul(g, mask(T.sub(1, w)))];
    },
  },
  // inputs: [cond (a constant), a, b].
  where: {
    forward: ([c, a, b]) => T.where(c!, a!, b!),
    vjp: (g, c) => {
      // The condition may have another dtype than a and b: the masks take the cotangent's.
      const ne = T.notEqual(c.inputs[0]!.value, 0);
      const cond = ne.dtype === g.dtype ? ne : ne.astype(g.dtype);
      return [null, V.mul(g, mask(cond)), V.mul(g, mask(T.sub(1, cond)))];
    },
  },

  // Reductions: the cotangent has the reduced shape; reshape it to keep the axes, then expand back.
  sum: {
    forward: ([x], p) => T.sum(x!, { axis: p.axes, keepDims: p.keepDims }),
    vjp: (g, c) => [V.broadcastTo(V.reshape(g, keptShape(c.params, c.inputs[0]!.shape)), c.inputs[0]!.shape)],
  },
  // The gradient goes to the positions that attain the max, split evenly among ties (as PyTorch's amax).
  max: { forward: ([x], p) => T.max(x!, { axis: p.axes, keepDims: p.keepDims }), vjp: (g, c) => [extremumVjp(g, c)] },
  min: { forward: ([x], p) => T.min(x!, { axis: p.axes, keepDims: p.keepDims }), vjp: (g, c) => [extremumVjp(g, c)] },
  // ∂Πx/∂x_i = Π_{j≠i} x_j, computed as Πx / x_i when no x_i is 0 (twice differentiable), and from exact
  // exclusive products otherwise (correct first derivative; treated as constant for higher orders).
  prod: {
    forward: ([x], p) => T.prod(x!, { axis: p.axes, keepDims: p.keepDims }),
    vjp: (g, c) => {
      const x = c.inputs[0]!;
      const keep = keptShape(c.params, x.shape);
      const gk = V.broadcastTo(V.reshape(g, keep), x.shape);
      if (T.equal(x.value, 0).sum().item() === 0) {
        return [V.mul(gk, V.div(V.broadcastTo(V.reshape(c.output, keep), x.shape), x))];
      }
      return [V.mul(gk, V.constant(exclusiveProducts(x.value, c.params.axes)))];
    },
  },

  // Views and copies.
  reshape: { forward: ([x], p) => T.reshape(x!, p.shape), vjp: (g, c) => [V.reshape(g, c.inputs[0]!.shape)] },
  permute: {
    forward: ([x], p) => T.permute(x!, p.axes),
    vjp: (g, c) => [V.permute(g, c.params.axes.map((_, i) => c.params.axes.indexOf(i)))],
  },
  // The one place broadcasting is undone: sum over the axes that expand added or stretched.
  expand: { forward: ([x], p) => T.broadcastTo(x!, p.shape), vjp: (g, c) => [V.sumTo(g, c.inputs[0]!.shape)] },
  slice: {
    forward: ([x], p) => T.slice(x!, p.ranges),
    vjp: (g, c) => [V.apply('sliceScatter', [g], { shape: c.inputs[0]!.shape.slice(), ranges: c.params.ranges })],
  },
  // Zeros of `shape` with g written into the slice: the adjoint of slice.
  sliceScatter: {
    forward: ([g], p) => T.sliceScatter(g!, p.shape, p.ranges),
    vjp: (g, c) => [V.slice(g, c.params.ranges)],
  },
  pad: {
    forward: ([x], p) => T.pad(x!, p.pairs, p.value),
    vjp: (g, c) => [V.slice(g, c.params.pairs.map(([b], i) => [b, b + c.inputs[0]!.shape[i]!] as const))],
  },
  concat: {
    forward: (xs, p) => T.concat(xs, p.axis),
    vjp: (g, c) => V.split(g, c.inputs.map((x) => x.shape[c.params.axis]!), c.params.axis),
  },
  gather: {
    forward: ([x], p) => T.gather(x!, p.indices, p.axis).reshape(gatherShape(x!.shape, p)),
    vjp: (g, c) => [
      V.apply('scatterAdd', [g], { indices: c.params.indices, indexShape: c.params.indexShape, axis: c.params.axis, shape: c.inputs[0]!.shape.slice() }),
    ],
  },
  // Zeros of `shape` with each row of g added at its index: the adjoint of gather.
  scatterAdd: {
    forward: ([g], p) => T.scatterAdd(T.reshape(g!, gatherShape(p.shape, { indexShape: [p.indices.length], axis: p.axis })), p.indices, p.axis, p.shape),
    vjp: (g, c) => [V.apply('gather', [g], { indices: c.params.indices, indexShape: c.params.indexShape, axis: c.params.axis })],
  },

  // Products and networks. matmul's inputs have rank ≥ 2 and equal batch axes (ops.matmul expands them).
  matmul: {
    forward: ([a, b]) => T.matmul(a!, b!),
    vjp: (g, c) => {
      const [a, b] = c.inputs as [Variable, Variable];
      return [c.needs[0] ? V.matmul(g, V.mT(b)) : null, c.needs[1] ? V.matmul(V.mT(a), g) : null];
    },
  },
  conv2d: {
    forward: ([x, w], p) => T.conv2d(x!, w!, p),
    vjp: (g, c) => {
      const [x, w] = c.inputs as [Variable, Variable];
      return [
        c.needs[0] ? V.apply('conv2dBackwardInput', [g, w], { ...c.params, inputShape: x.shape.slice() }) : null,
        c.needs[1] ? V.apply('conv2dBackwardWeight', [x, g], { ...c.params, weightShape: w.shape.slice() }) : null,
      ];
    },
  },
  // bi(gy, w) is bilinear: ⟨h, bi(gy, w)⟩ = ⟨conv(h, w), gy⟩ = ⟨bw(h, gy), w⟩.
  conv2dBackwardInput: {
    forward: ([gy, w], p) => T.conv2dBackwardInput(gy!, w!, p.inputShape, p),
    vjp: (h, c) => {
      const [gy, w] = c.inputs as [Variable, Variable];
      return [
        c.needs[0] ? V.apply('conv2d', [h, w], convOpts(c.params)) : null,
        c.needs[1] ? V.apply('conv2dBackwardWeight', [h, gy], { ...convOpts(c.params), weightShape: w.shape.slice() }) : null,
      ];
    },
  },
  // bw(x, gy) is bilinear: ⟨k, bw(x, gy)⟩ = ⟨conv(x, k), gy⟩ = ⟨x, bi(gy, k)⟩.
  conv2dBackwardWeight: {
    forward: ([x, gy], p) => T.conv2dBackwardWeight(x!, gy!, p.weightShape, p),
    vjp: (k, c) => {
      const [x, gy] = c.inputs as [Variable, Variable];
      return [
        c.needs[0] ? V.apply('conv2dBackwardInput', [gy, k], { ...convOpts(c.params), inputShape: x.shape.slice() }) : null,
        c.needs[1] ? V.apply('conv2d', [x, k], convOpts(c.params)) : null,
      ];
    },
  },
  // Max pooling as a gather at the window winners (found by the forward pass); its adjoint scatters back.
  maxPoolGather: {
    forward: ([x], p) => T.maxPoolGather(x!, p.argmax, p),
    vjp: (g, c) => [V.apply('maxPoolScatter', [g], c.params)],
  },
  maxPoolScatter: {
    forward: ([g], p) => T.maxPool2dBackward(g!, p.argmax, p.inputShape, p),
    vjp: (h, c) => [V.apply('maxPoolGather', [h], c.params)],
  },
  avgPool2d: {
    forward: ([x], p) => T.avgPool2d(x!, p),
    vjp: (g, c) => [V.apply('avgPool2dBackward', [g], { ...c.params, inputShape: c.inputs[0]!.shape.slice() })],
  },
  avgPool2dBackward: {
    forward: ([g], p) => T.avgPool2dBackward(g!, p.inputShape, p),
    vjp: (h, c) => [V.apply('avgPool2d', [h], poolOpts(c.params))],
  },
  // D_ij = ‖a_i − b_j‖: ∂/∂a_i = Σ_j W_ij (a_i − b_j) with W = G/D (0 where D = 0), so
  // ga = a·rowsum(W) − W·b and gb = b·colsum(W) − Wᵀ·a, all in differentiable ops.
  cdist2: {
    forward: ([a, b]) => T.cdist(a!, b!, { p: 2 }),
    vjp: (g, c) => {
      const [a, b] = c.inputs as [Variable, Variable];
      const zero = T.equal(c.output.value, 0);
      const w = V.where(zero, 0, V.div(g, V.where(zero, 1, c.output)));
      return [
        c.needs[0] ? V.sub(V.mul(a, V.sum(w, { axis: -1, keepDims: true })), V.matmul(w, b)) : null,
        c.needs[1] ? V.sub(V.mul(b, V.mT(V.sum(w, { axis: -2, keepDims: true }))), V.matmul(V.mT(w), a)) : null,
      ];
    },
  },
};

/** Weight of the first input in the VJP of maximum/minimum: 1 where it wins, ½ on ties, 0 where it loses. */
function tieWeights(a: Tensor, b: Tensor, wins: (a: Tensor, b: Tensor) => Tensor): Tensor {
  return T.add(wins(a, b), T.mul(T.equal(a, b), 0.5));
}

function extremumVjp(g: Variable, c: VjpContext<'max' | 'min'>): Variable {
  const x = c.inputs[0]!;
  const keep = keptShape(c.params, x.shape);
  const hit = T.equal(x.value, T.reshape(c.output.value, keep));
  const share = T.div(hit, T.sum(hit, { axis: c.params.axes, keepDims: true }));
  return V.mul(V.broadcastTo(V.reshape(g, keep), x.shape), mask(share));
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
