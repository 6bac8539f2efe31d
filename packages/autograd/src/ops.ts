/**
 * Every differentiable tensor op on Variables, with the tensor op's name and signature. A primitive's op
 * validates its arguments through the primitive's shape rule and records it with `run` (forward now, VJP at
 * backward); everything else is composed from primitives here and needs no rule of its own. Non-differentiable
 * ops (comparisons, sign, argmax) return constants.
 */
import * as T from '@tsgrad/tensor';
import {
  ShapeError, Tensor, ValueError, fmtShape,
  type AvgPool2dOptions, type CdistOptions, type Conv2dOptions, type IndexLike, type PadWidths, type Pool2dOptions,
  type ReduceOptions, type SliceSpec, type TopkOptions,
} from '@tsgrad/tensor';
import { AutogradError, Variable, apply, asVariable, constant, type VariableLike } from './graph.js';
import { rules, sameDType, type Inputs, type Primitive, type PrimitiveParams } from './rules.js';

export type { AvgPool2dOptions, CdistOptions, Conv2dOptions, IndexLike, PadWidths, Pool2dOptions, ReduceOptions, SliceSpec, TopkOptions };
export type { ArgOptions, NormOptions, VarianceOptions } from '@tsgrad/tensor';

export { constant };

/** Records primitive p on the inputs with its rule (see `apply`). */
function run<P extends Primitive>(p: P, inputs: Inputs<P, Variable>, params: PrimitiveParams[P], out?: Tensor): Variable {
  return apply(p, rules[p], inputs, params, out);
}

/** Makes operands Variables of one dtype; numbers take the other operand's dtype. */
function pairOf(op: string, a: VariableLike, b: VariableLike): [Variable, Variable] {
  const da = a instanceof Variable ? a.dtype : a instanceof Tensor ? a.dtype : undefined;
  const db = b instanceof Variable ? b.dtype : b instanceof Tensor ? b.dtype : undefined;
  const x = asVariable(a, db ?? 'float32'), y = asVariable(b, da ?? 'float32');
  sameDType(op, x, y);
  return [x, y];
}

/** Expands a Variable to `shape` through the `expand` primitive (identity when it already has it). */
function expandTo(x: Variable, shape: readonly number[]): Variable {
  if (x.ndim === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  return run('expand', [x], { shape: shape.slice() });
}

function binaryPrim(prim: Primitive & ('add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'), a: VariableLike, b: VariableLike): Variable {
  const [x, y] = pairOf(prim, a, b);
  const { shape } = rules[prim].shape([x, y], null);
  return run(prim, [expandTo(x, shape), expandTo(y, shape)], null);
}

/** a + b (broadcast). VJP: g to a and to b, each summed back to its own shape (`sumTo`). */
export const add = (a: VariableLike, b: VariableLike): Variable => binaryPrim('add', a, b);
/** a − b (broadcast). VJP: g to a, −g to b (summed back to their shapes). */
export const sub = (a: VariableLike, b: VariableLike): Variable => binaryPrim('sub', a, b);
/** a ⊙ b (broadcast). VJP: g ⊙ b to a, g ⊙ a to b. */
export const mul = (a: VariableLike, b: VariableLike): Variable => binaryPrim('mul', a, b);
/** a / b (broadcast). VJP: g / b to a, −(g / b) ⊙ (a / b) to b. */
export const div = (a: VariableLike, b: VariableLike): Variable => binaryPrim('div', a, b);
/** aᵇ (broadcast). VJP: g ⊙ b ⊙ aᵇ⁻¹ to a, g ⊙ aᵇ ⊙ ln a to b (taken as 0 where a = 0). */
export const pow = (a: VariableLike, b: VariableLike): Variable => binaryPrim('pow', a, b);
/** max(a, b) elementwise. VJP: g to the larger side; on ties each side gets g/2. */
export const maximum = (a: VariableLike, b: VariableLike): Variable => binaryPrim('maximum', a, b);
/** min(a, b) elementwise. VJP: g to the smaller side; on ties each side gets g/2. */
export const minimum = (a: VariableLike, b: VariableLike): Variable => binaryPrim('minimum', a, b);

function compare(op: (a: Tensor, b: Tensor) => Tensor, name: string, a: VariableLike, b: VariableLike): Variable {
  const [x, y] = pairOf(name, a, b);
  return constant(op(x.value, y.value));
}
/** 1 where a = b, else 0; no gradient. */
export const equal = (a: VariableLike, b: VariableLike): Variable => compare(T.equal, 'equal', a, b);
/** 1 where a ≠ b, else 0; no gradient. */
export const notEqual = (a: VariableLike, b: VariableLike): Variable => compare(T.notEqual, 'notEqual', a, b);
/** 1 where a > b, else 0; no gradient. */
export const greater = (a: VariableLike, b: VariableLike): Variable => compare(T.greater, 'greater', a, b);
/** 1 where a ≥ b, else 0; no gradient. */
export const greaterEqual = (a: VariableLike, b: VariableLike): Variable => compare(T.greaterEqual, 'greaterEqual', a, b);
/** 1 where a < b, else 0; no gradient. */
export const less = (a: VariableLike, b: VariableLike): Variable => compare(T.less, 'less', a, b);
/** 1 where a ≤ b, else 0; no gradient. */
export const lessEqual = (a: VariableLike, b: VariableLike): Variable => compare(T.lessEqual, 'lessEqual', a, b);

type UnaryPrim = 'neg' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'abs' | 'sqrt' | 'softplus' | 'erf';
const unaryPrim = (prim: UnaryPrim, x: VariableLike): Variable => run(prim, [asVariable(x)], null);

/** −x. VJP: −g. */
export const neg = (x: VariableLike): Variable => unaryPrim('neg', x);
/** eˣ. VJP: g ⊙ eˣ (the saved output). */
export const exp = (x: VariableLike): Variable => unaryPrim('exp', x);
/** ln x. VJP: g / x. */
export const log = (x: VariableLike): Variable => unaryPrim('log', x);
/** ln(1 + x). VJP: g / (1 + x). */
export const log1p = (x: VariableLike): Variable => unaryPrim('log1p', x);
/** eˣ − 1. VJP: g ⊙ (y + 1) = g ⊙ eˣ. */
export const expm1 = (x: VariableLike): Variable => unaryPrim('expm1', x);
/** sin x. VJP: g ⊙ cos x. */
export const sin = (x: VariableLike): Variable => unaryPrim('sin', x);
/** cos x. VJP: −g ⊙ sin x. */
export const cos = (x: VariableLike): Variable => unaryPrim('cos', x);
/** tanh x. VJP: g ⊙ (1 − y²) with y = tanh x. */
export const tanh = (x: VariableLike): Variable => unaryPrim('tanh', x);
/** σ(x) = 1/(1 + e⁻ˣ). VJP: g ⊙ σ(x)(1 − σ(x)). */
export const sigmoid = (x: VariableLike): Variable => unaryPrim('sigmoid', x);
/** max(x, 0). VJP: g ⊙ [x > 0] (0 at the kink). */
export const relu = (x: VariableLike): Variable => unaryPrim('relu', x);
/** |x|. VJP: g ⊙ sign x (0 at 0). */
export const abs = (x: VariableLike): Variable => unaryPrim('abs', x);
/** √x. VJP: g / (2√x), and 0 at x = 0 by convention (so norms at 0 have a finite gradient). */
export const sqrt = (x: VariableLike): Variable => unaryPrim('sqrt', x);
/** log(1 + eˣ). VJP: g ⊙ σ(x). */
export const softplus = (x: VariableLike): Variable => unaryPrim('softplus', x);
/** erf x = 2/√π ∫₀ˣ e^(−t²) dt. VJP: g ⊙ 2/√π · e^(−x²). */
export const erf = (x: VariableLike): Variable => unaryPrim('erf', x);
/**
 * GELU in its exact form (PyTorch's default), composed: x·Φ(x) = ½·x·(1 + erf(x/√2)).
 * Derivative: Φ(x) + x·φ(x), with φ(x) = e^(−x²/2)/√(2π).
 */
export function gelu(x: VariableLike): Variable {
  const v = asVariable(x);
  return mul(mul(v, 0.5), add(erf(mul(v, Math.SQRT1_2)), 1));
}
/** x², recorded as x·x. Derivative 2x. */
export const square = (x: VariableLike): Variable => {
  const v = asVariable(x);
  return mul(v, v);
};
/** 1/x, recorded as 1 / x. Derivative −1/x². */
export const reciprocal = (x: VariableLike): Variable => div(1, asVariable(x));
/** 1/√x, recorded as 1 / √x. Derivative −½·x^(−3/2). */
export const rsqrt = (x: VariableLike): Variable => reciprocal(sqrt(x));
/** sign x ∈ {−1, 0, 1}; no gradient. */
export const sign = (x: VariableLike): Variable => constant(T.sign(asVariable(x).value));

/** Clips to [min, max]. VJP: g where min ≤ x ≤ max (bounds included), 0 outside. */
export function clamp(x: VariableLike, min?: number, max?: number): Variable {
  const v = asVariable(x);
  const params = { min: min ?? -Infinity, max: max ?? Infinity };
  rules.clamp.shape([v], params);
  return run('clamp', [v], params);
}

/** a where cond ≠ 0, else b; all three broadcast. VJP: g ⊙ [cond ≠ 0] to a, g ⊙ [cond = 0] to b, none to cond. */
export function where(cond: VariableLike, a: VariableLike, b: VariableLike): Variable {
  const c = asVariable(cond);
  const [x, y] = pairOf('where', a, b);
  const { shape } = rules.where.shape([c, x, y], null);
  return run('where', [constant(T.broadcastTo(c.value, shape)), expandTo(x, shape), expandTo(y, shape)], null);
}

function reducePrim(prim: 'sum' | 'max' | 'min' | 'prod', x: VariableLike, opts: ReduceOptions = {}): Variable {
  const v = asVariable(x);
  return run(prim, [v], { axes: T.normAxes(prim, opts.axis, v.shape), keepDims: opts.keepDims ?? false });
}
/** Σx over `axis`. VJP: g, with the reduced axes restored as size 1, expanded back to x's shape. */
export const sum = (x: VariableLike, opts?: ReduceOptions): Variable => reducePrim('sum', x, opts);
/** max x over `axis`. VJP: g to the maximal entries, shared evenly among ties. */
export const max = (x: VariableLike, opts?: ReduceOptions): Variable => reducePrim('max', x, opts);
/** min x over `axis`. VJP: g to the minimal entries, shared evenly among ties. */
export const min = (x: VariableLike, opts?: ReduceOptions): Variable => reducePrim('min', x, opts);
/** Πx over `axis`. VJP: g ⊙ Π_{j≠i} x_j (exact with zeros, from prefix and suffix products). */
export const prod = (x: VariableLike, opts?: ReduceOptions): Variable => reducePrim('prod', x, opts);

/** Σx / n over `axis`, composed as sum then divide. Derivative: 1/n to every element. */
export function mean(x: VariableLike, opts: ReduceOptions = {}): Variable {
  const v = asVariable(x);
  const n = T.normAxes('mean', opts.axis, v.shape).reduce((k, a) => k * v.shape[a]!, 1);
  return div(sum(v, opts), n);
}

/** Σ(x − mean)² / (n − correction) over `axis` (correction 0 by default). Derivative: 2(x − mean) / (n − correction). */
export function variance(x: VariableLike, opts: T.VarianceOptions = {}): Variable {
  const v = asVariable(x);
  const { correction = 0 } = opts;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new ValueError(`[variance] correction must be a non-negative number: got ${String(correction)}`);
  }
  const n = T.normAxes('variance', opts.axis, v.shape).reduce((k, a) => k * v.shape[a]!, 1);
  const dev = sub(v, mean(v, { axis: opts.axis, keepDims: true }));
  return div(sum(mul(dev, dev), { axis: opts.axis, keepDims: opts.keepDims }), Math.max(n - correction, 0));
}

/**
 * The shift of the stable log-sum-exp forms, held constant: tensor's lseShift (m = max x over `axis`, an infinite
 * max replaced by 0), the one place it is written.
 */
function lseShift(v: Variable, axis: number | readonly number[] | undefined): Variable {
  return constant(T.lseShift(v.value, axis));
}

/**
 * log Σ exp x over `axis` = m + log Σ exp(x − m), m = max x held constant: exact, since the result does not
 * depend on m, and stable for |x| ≈ 1000. Gradient: softmax(x).
 */
export function logSumExp(x: VariableLike, opts: ReduceOptions = {}): Variable {
  const v = asVariable(x);
  const m = lseShift(v, opts.axis);
  const s = add(log(sum(exp(sub(v, m)), { axis: opts.axis, keepDims: true })), m);
  return opts.keepDims ? s : reshape(s, T.reducedShape(v.shape, T.normAxes('logSumExp', opts.axis, v.shape), false));
}

/**
 * Vector p-norm over `axis` (ord 2 by default). ord 2 is √Σx², whose gradient x/‖x‖ is taken as 0 at x = 0
 * (through the sqrt convention); ord 1, ±Infinity and other p > 0 are composed likewise.
 */
export function norm(x: VariableLike, opts: T.NormOptions = {}): Variable {
  const v = asVariable(x);
  const { ord = 2 } = opts;
  const r = { axis: opts.axis, keepDims: opts.keepDims };
  if (typeof ord !== 'number' || Number.isNaN(ord) || ord < 0) {
    throw new ValueError(`[norm] ord must be 0, a positive number or ±Infinity: got ${String(ord)}`);
  }
  if (ord === 2) return sqrt(sum(mul(v, v), r));
  if (ord === 1) return sum(abs(v), r);
  if (ord === Infinity) return max(abs(v), r);
  if (ord === -Infinity) return min(abs(v), r);
  if (ord === 0) return constant(T.norm(v.value, { ...r, ord: 0 }));
  return pow(sum(pow(abs(v), ord), r), 1 / ord);
}

/** Index of the largest entry along `axis`; no gradient. */
export const argmax = (x: VariableLike, opts?: T.ArgOptions): Variable => constant(T.argmax(asVariable(x).value, opts));
/** Index of the smallest entry along `axis`; no gradient. */
export const argmin = (x: VariableLike, opts?: T.ArgOptions): Variable => constant(T.argmin(asVariable(x).value, opts));

/** New shape, same elements (−1 inferred). VJP: g reshaped back to x's shape. */
export function reshape(x: VariableLike, shape: readonly number[]): Variable {
  const v = asVariable(x);
  const out = T.reshape(v.value, shape);
  return run('reshape', [v], { shape: out.shape.slice() }, out);
}
/** Merges axes startAxis..endAxis (a reshape). VJP: g reshaped back. */
export function flatten(x: VariableLike, startAxis?: number, endAxis?: number): Variable {
  const v = asVariable(x);
  return reshape(v, T.flatten(v.value, startAxis, endAxis).shape);
}
/** Reorders axes: output axis i is input axis axes[i]. VJP: g permuted by the inverse permutation. */
export function permute(x: VariableLike, axes: readonly number[]): Variable {
  const v = asVariable(x);
  const out = T.permute(v.value, axes);
  return run('permute', [v], { axes: axes.map((a) => (a < 0 ? a + v.ndim : a)) }, out);
}
/** Reverses the axes, or permutes them as given. VJP: the inverse permutation of g. */
export function transpose(x: VariableLike, axes?: readonly number[]): Variable {
  const v = asVariable(x);
  return permute(v, axes ?? v.shape.map((_, i) => v.ndim - 1 - i));
}
/** Swaps the last two axes (the matrix transpose of a stack of matrices). VJP: g with its last two axes swapped. */
export function mT(x: Variable): Variable {
  const axes = x.shape.map((_, i) => i);
  axes[x.ndim - 1] = x.ndim - 2;
  axes[x.ndim - 2] = x.ndim - 1;
  return permute(x, axes);
}
/** Inserts a size-1 axis (a reshape). VJP: g reshaped back. */
export function expandDims(x: VariableLike, axis: number): Variable {
  const v = asVariable(x);
  return reshape(v, T.expandDims(v.value, axis).shape);
}
/** Removes size-1 axes (a reshape). VJP: g reshaped back. */
export function squeeze(x: VariableLike, axis?: number | readonly number[]): Variable {
  const v = asVariable(x);
  return reshape(v, T.squeeze(v.value, axis).shape);
}
/** Broadcasts to a larger shape (NumPy rules), recorded as the `expand` primitive. VJP: `sumTo(g, x.shape)`. */
export function broadcastTo(x: VariableLike, shape: readonly number[]): Variable {
  const v = asVariable(x);
  rules.expand.shape([v], { shape: shape.slice() });
  return expandTo(v, shape);
}
/** The same op as {@link broadcastTo} (PyTorch's name): VJP `sumTo(g, x.shape)`. */
export const expand = broadcastTo;

/**
 * Sums g down to `shape`: over the leading axes g has beyond shape, and over axes where shape has size 1.
 * The one place where broadcasting is undone (the VJP of expand).
 */
export function sumTo(g: Variable, shape: readonly number[]): Variable {
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new AutogradError(`[sumTo] cannot sum ${fmtShape(g.shape)} down to the larger rank of ${fmtShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  if (axes.length === 0) return g.ndim === shape.length ? g : reshape(g, shape);
  return reshape(sum(g, { axis: axes, keepDims: true }), shape);
}

/** A strided slice (see the tensor op). VJP: `sliceScatter(g)`, zeros of x's shape with g written into the slice. */
export function slice(x: VariableLike, ranges: readonly SliceSpec[]): Variable {
  const v = asVariable(x);
  const out = T.slice(v.value, ranges);
  return run('slice', [v], { ranges: ranges.slice() }, out);
}
/** Splits along `axis` into pieces, each recorded as a slice. VJP: each piece's g written back into its slice of zeros. */
export function split(x: VariableLike, sizes: number | readonly number[], axis = 0): Variable[] {
  const v = asVariable(x);
  const parts = T.split(v.value, sizes, axis);
  const ax = T.normAxis('split', axis, v.ndim, v.shape);
  let start = 0;
  return parts.map((p) => {
    const n = p.shape[ax]!;
    const ranges: SliceSpec[] = v.shape.map(() => null);
    ranges[ax] = [start, start + n];
    start += n;
    return run('slice', [v], { ranges }, p);
  });
}
/** Surrounds x with `value`. VJP: the slice of g where x sits. */
export function pad(x: VariableLike, widths: PadWidths, value = 0): Variable {
  const v = asVariable(x);
  return run('pad', [v], { pairs: T.padPairs(v.value, widths), value });
}
/** Joins along an existing axis. VJP: g split back into the inputs' sizes. */
export function concat(xs: readonly VariableLike[], axis = 0): Variable {
  if (!Array.isArray(xs) || xs.length === 0) throw new ValueError(`[concat] expected a non-empty array of tensors`);
  const vs = xs.map((x) => asVariable(x));
  const out = T.concat(vs.map((v) => v.value), axis);
  return run('concat', vs, { axis: T.normAxis('concat', axis, vs[0]!.ndim, vs[0]!.shape) }, out);
}
/** Joins along a new axis (expandDims each, then concat). VJP: the slices of g along that axis. */
export function stack(xs: readonly VariableLike[], axis = 0): Variable {
  if (!Array.isArray(xs) || xs.length === 0) throw new ValueError(`[stack] expected a non-empty array of tensors`);
  const vs = xs.map((x) => asVariable(x));
  const shape0 = vs[0]!.shape;
  vs.forEach((v, i) => {
    if (v.ndim !== shape0.length || v.shape.some((d, j) => d !== shape0[j])) {
      throw new ShapeError(`[stack] tensors[${i}] has shape ${fmtShape(v.shape)}, expected ${fmtShape(shape0)}`);
    }
  });
  const ax = T.normAxis('stack', axis, shape0.length + 1, shape0);
  return concat(vs.map((v) => expandDims(v, ax)), ax);
}
/** Picks entries along `axis`; the VJP adds the cotangent back at the picked indices. */
export function gather(x: VariableLike, indices: IndexLike, axis = 0): Variable {
  const v = asVariable(x);
  if (v.ndim === 0) throw new ShapeError(`[gather] cannot gather from a rank-0 tensor`);
  const ax = T.normAxis('gather', axis, v.ndim, v.shape);
  const { idx, shape } = T.toIndices('gather', indices, v.shape[ax]!, ax, v.shape);
  return run('gather', [v], { indices: idx, indexShape: shape, axis: ax });
}
/** A contiguous copy. VJP: g (the identity). */
export function contiguous(x: VariableLike): Variable {
  const v = asVariable(x);
  return v.value.isContiguous() ? v : reshape(v, v.shape);
}

/**
 * Matrix product with NumPy's rules (1-D operands are vectors; batch axes broadcast). Reduced to the
 * primitive on equal-rank, equal-batch operands, so the batch broadcast is undone by expand's VJP.
 * C = A·B, C_ij = Σ_p A_ip·B_pj. VJP: G·Bᵀ to A, Aᵀ·G to B.
 */
export function matmul(a: VariableLike, b: VariableLike): Variable {
  const [x0, y0] = pairOf('matmul', a, b);
  const { shape } = rules.matmul.shape([x0, y0], null);
  const x = x0.ndim === 1 ? reshape(x0, [1, x0.shape[0]!]) : x0;
  const y = y0.ndim === 1 ? reshape(y0, [y0.shape[0]!, 1]) : y0;
  const batch = T.broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  const xe = expandTo(x, [...batch, ...x.shape.slice(-2)]);
  const ye = expandTo(y, [...batch, ...y.shape.slice(-2)]);
  const out = run('matmul', [xe, ye], null);
  // A 1-D operand's axis, added by its reshape, is dropped again (both, for a vector dot product: a scalar).
  return x0.ndim > 1 && y0.ndim > 1 ? out : reshape(out, shape);
}

/**
 * Pairwise distances D_ij = ‖a_i − b_j‖_p. p = 2 is a primitive whose gradient is 0 at distance 0; other p are
 * composed from broadcasting differences. For p = 2, with W = g / D (0 where D = 0), the VJP is
 * a ⊙ rowsum(W) − W·b to a and b ⊙ colsum(W) − Wᵀ·a to b.
 */
export function cdist(a: VariableLike, b: VariableLike, opts: CdistOptions = {}): Variable {
  const [x, y] = pairOf('cdist', a, b);
  const out = T.cdist(x.value, y.value, opts); // validates, and is the p = 2 forward
  const p = opts.p ?? 2;
  if (p === 2) {
    const batch = out.shape.slice(0, -2);
    const xe = expandTo(x, [...batch, ...x.shape.slice(-2)]), ye = expandTo(y, [...batch, ...y.shape.slice(-2)]);
    return run('cdist2', [xe, ye], null, out);
  }
  const diff = sub(expandDims(x, -2), expandDims(y, -3)); // [..., n, m, d]
  return norm(diff, { ord: p, axis: -1 });
}

/**
 * The k largest (or smallest) entries along `axis`, as `{ values, indices }`; values carry the gradient (a
 * gather: VJP scatter-adds g back to the picked positions), indices are constants.
 */
export function topk(x: VariableLike, k: number, opts: TopkOptions = {}): { values: Variable; indices: Variable } {
  const v = asVariable(x);
  const { values, indices } = T.topk(v.value, k, opts);
  const ax = T.normAxis('topk', opts.axis ?? -1, v.ndim, v.shape);
  // Flat positions of the picked entries in x's row-major order, then one gather from the flattened x.
  const strides = T.contiguousStrides(v.shape);
  const flatIdx = new Int32Array(indices.size);
  const idx = indices.toTypedArray();
  const outStrides = T.contiguousStrides(indices.shape);
  for (let i = 0; i < flatIdx.length; i++) {
    let rem = i, off = 0;
    for (let d = 0; d < indices.ndim; d++) {
      const q = Math.floor(rem / outStrides[d]!);
      rem -= q * outStrides[d]!;
      off += (d === ax ? idx[i]! : q) * strides[d]!;
    }
    flatIdx[i] = off;
  }
  const picked = run('gather', [reshape(v, [v.size])], { indices: flatIdx, indexShape: indices.shape.slice(), axis: 0 }, values);
  return { values: picked, indices: constant(indices) };
}

function convOptsOf(opts: Conv2dOptions): Conv2dOptions {
  return { stride: opts.stride, padding: opts.padding, dilation: opts.dilation };
}

/** Options of `conv2d`: the geometry, a bias, and a fused activation (as the tensor op's). */
export interface Conv2dForwardOptions extends Conv2dOptions {
  /** b, shape [O], added to every position of output channel o. */
  bias?: VariableLike;
  /** 'relu' gives relu(conv2d(x, w) + b) as one op (see the tensor op's `activation`). */
  activation?: 'relu';
}

/**
 * 2-D convolution (NCHW, OIHW), with an optional bias [O] added per output channel and an optional relu:
 * y[n,o,i,j] = Σ_{c,p,q} x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw] · w[o,c,p,q] + b[o], then max(y, 0).
 * VJPs: `conv2dBackwardInput(g, w)` (the transposed convolution) to x, `conv2dBackwardWeight(x, g)` to w,
 * Σ_{n,i,j} g[n,o,i,j] to b; through the relu, of gm = `reluBackward(g, y)` instead of g. With a bias the relu
 * is part of one primitive (conv2dBiasRelu: one pass forward, and the pre-activation is never kept); without
 * one it is a relu recorded after the conv2d.
 */
export function conv2d(x: VariableLike, weight: VariableLike, opts: Conv2dForwardOptions = {}): Variable {
  const [xv, wv] = pairOf('conv2d', x, weight);
  T.checkConv2dActivation(opts.activation);
  const relu = opts.activation === 'relu';
  if (opts.bias === undefined) {
    const y = run('conv2d', [xv, wv], convOptsOf(opts));
    return relu ? run('relu', [y], null) : y;
  }
  return run(relu ? 'conv2dBiasRelu' : 'conv2dBias', [xv, wv, asVariable(opts.bias)], convOptsOf(opts));
}

/** Options of `conv2dReluAvgPool`: the convolution's geometry and bias, and the average pooling after the relu. */
export interface Conv2dReluAvgPoolOptions extends Conv2dOptions {
  /** b, shape [O], added to every position of output channel o. */
  bias?: VariableLike;
  /** The average pooling of the rectified output (as `avgPool2d`'s options). */
  pool: AvgPool2dOptions;
}

/**
 * avgPool2d(relu(conv2d(x, w) + b), pool) as one op (the tensor op's `conv2dReluAvgPool`: the rectified output,
 * a network's largest tensor, is never kept; its VJP needs only a bit mask of where it is > 0).
 * VJPs: with gm = avgPool2dBackward(g) ⊙ [relu(conv2d(x, w) + b) > 0], `conv2dBackwardInput(gm, w)` to x,
 * `conv2dBackwardWeight(x, gm)` to w, Σ_{n,i,j} gm[n,o,i,j] to b. With a bias it is one primitive
 * (conv2dBiasReluAvgPool); without one, a relu'd conv2d then avgPool2d.
 */
export function conv2dReluAvgPool(x: VariableLike, weight: VariableLike, opts: Conv2dReluAvgPoolOptions): Variable {
  const [xv, wv] = pairOf('conv2dReluAvgPool', x, weight);
  const conv = convOptsOf(opts);
  if (opts.bias === undefined) return avgPool2d(conv2d(xv, wv, { ...conv, activation: 'relu' }), opts.pool);
  const bv = asVariable(opts.bias);
  // The tensor op validates everything (the pooling too) before the options are copied.
  const { output, mask } = T.conv2dReluAvgPoolWithMask(xv.value, wv.value, { ...conv, bias: bv.value, pool: opts.pool });
  const { kernelSize, stride, padding, countIncludePad } = opts.pool;
  return run('conv2dBiasReluAvgPool', [xv, wv, bv], { ...conv, pool: { kernelSize, stride, padding, countIncludePad }, mask }, output);
}

/** Max pooling: y = max over each window. VJP: each window's g goes to its winner (summed where windows overlap). */
export function maxPool2d(x: VariableLike, opts: Pool2dOptions): Variable {
  const v = asVariable(x);
  const { output, argmax } = T.maxPool2dWithArgmax(v.value, opts);
  return run('maxPoolGather', [v], { kernelSize: opts.kernelSize, stride: opts.stride, padding: opts.padding, argmax, inputShape: v.shape.slice() }, output);
}

/** Average pooling: y = mean over each window. VJP: every input gets g/|window| from each window holding it. */
export function avgPool2d(x: VariableLike, opts: AvgPool2dOptions): Variable {
  const v = asVariable(x);
  return run('avgPool2d', [v], { kernelSize: opts.kernelSize, stride: opts.stride, padding: opts.padding, countIncludePad: opts.countIncludePad });
}

/**
 * log softmax along `axis` = x − logSumExp(x), composed as (x − m) − log Σ exp(x − m) with m = max x held
 * constant, as the tensor op computes it: subtracting the shift first keeps float32 accurate at large |x|
 * (x − (m + log Σ) would round m + log Σ at |x|'s scale first). Derivative: g − softmax(x)·Σg.
 */
export function logSoftmax(x: VariableLike, axis = -1): Variable {
  const v = asVariable(x);
  T.normAxis('logSoftmax', axis, v.ndim, v.shape);
  const shifted = sub(v, lseShift(v, axis));
  return sub(shifted, log(sum(exp(shifted), { axis, keepDims: true })));
}

/** softmax along `axis` = exp(x − m) / Σ exp(x − m), m = max x held constant; composed. Derivative: s ⊙ (g − Σ g⊙s). */
export function softmax(x: VariableLike, axis = -1): Variable {
  const v = asVariable(x);
  T.normAxis('softmax', axis, v.ndim, v.shape);
  const e = exp(sub(v, constant(T.max(v.value, { axis, keepDims: true }))));
  return div(e, sum(e, { axis, keepDims: true }));
}
