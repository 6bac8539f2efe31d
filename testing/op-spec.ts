/**
 * THE op table: one row per tensor op, the one place an op's tests are specified. A row holds the op's arity,
 * function form, method form, naive float64 reference, input domain, argument generator and forward
 * tolerance, and what its float64 gradient check draws. Two drivers read it:
 * - ./spec-driver.ts (run by packages/tensor/src/ops/spec-*.test.ts) turns every row into float32 and float64
 *   property tests of the function and method forms against the reference;
 * - ./autograd-spec.ts derives the gradient table from it (run by packages/autograd/src/spec.test.ts and
 *   spec-second-order.test.ts): for every row autograd differentiates, the autograd op of the row's name is
 *   checked against central differences on the row's gradient draws, with the row's `fn` as the forward
 *   reference.
 * The Tensor and Variable method lists are checked against the rows too (./spec-tables.test.ts).
 *
 * `args(dtype)` draws the op's whole argument list: tensors (scalars, size-1 and zero-length axes,
 * non-contiguous views), numbers standing for scalars, and options. `ref(...args)` computes the expected
 * output with the scalar loops of ./reference.ts; `method(...args)` calls the Tensor method, or returns
 * undefined when the draw has no method form (a number as the first operand). `grad` draws argument lists of
 * the same form for the gradient check, in float64 over tiny shapes and with values away from the op's kinks
 * (./grad-arbitraries.ts); elementwise ops and plain reductions without one get default draws from their
 * `domain` (or `gradDomain`). This file does not import @tsgrad/autograd, since the tensor package's tests
 * import it.
 */
import fc from 'fast-check';
import * as T from '@tsgrad/tensor';
import { Tensor, type DType, type TensorLike } from '@tsgrad/tensor';
import {
  anyTensorArb, axesOf, axisArb, broadcastShapesArb, contiguousTensor, dimArb, domains, oneAxisArb, reshapeTargetArb, scalarArb, shapeArb, tensorArb,
  type Domain, type DomainName, type ShapeOptions,
} from './arbitraries.js';
import {
  gradReduceArgs, gradReduceOptsArb, gradTensorArb, sizeOf, tinyShape, tinyTensorArb, TINY, valuesArb, type ValueDomain,
} from './grad-arbitraries.js';
import * as R from './reference.js';
import { forwardTol, type ForwardKind, type Tolerance } from './tolerances.js';

export type OpOutput = Tensor | Tensor[] | { values: Tensor; indices: Tensor };
export type RefOutput = R.Nd | R.Nd[] | { values: R.Nd; indices: R.Nd };
export type OpGroup = 'unary' | 'binary' | 'ternary' | 'reduce' | 'view' | 'linalg' | 'nn';

export interface OpSpec<A extends unknown[]> {
  name: string;
  group: OpGroup;
  /** Number of tensor inputs ('list' for concat and stack, which take an array of tensors). */
  arity: number | 'list';
  /** Input domain per tensor input. */
  domain: DomainName[];
  /** Forward tolerance: how much rounding the op accumulates, or a tolerance per dtype and arguments. */
  tol: ForwardKind | ((dtype: DType, ...args: A) => Tolerance);
  args: (dtype: DType) => fc.Arbitrary<A>;
  fn: (...args: A) => OpOutput;
  /** The Tensor method form (undefined for a draw it cannot take, e.g. a number first operand); null when the op has no method. */
  method: ((...args: A) => OpOutput | undefined) | null;
  ref: (...args: A) => RefOutput;
  /**
   * The op's float64 gradient checks, one per mode. Absent for the ops autograd does not differentiate, and for
   * elementwise ops and plain reductions that take the default draws (./autograd-spec.ts); any other
   * differentiable op without it fails the gradient table's coverage test.
   */
  grad?: GradDraws<A> | readonly GradDraws<A>[];
  /**
   * The default gradient draws' value domains, where the forward `domain` has ties (the forward tests want
   * them; central differences across a tie of three or more do not match the VJP's even split).
   */
  gradDomain?: ValueDomain[];
}

/** An op's output over X, a Tensor or a Variable: one, several (split), or values and indices (topk). */
export type OutputOf<X> = X | X[] | { values: X; indices: unknown };

/** The ops an output adapter may call: @tsgrad/tensor's on Tensors, @tsgrad/autograd's on Variables. */
export interface JoinOps<X> {
  reshape(x: X, shape: number[]): X;
  mul(x: X, k: number): X;
  concat(xs: X[]): X;
}

/**
 * What an op's gradient check draws. ./autograd-spec.ts calls the autograd op of the row's name on each drawn
 * argument list, the tensors bound to Variables, and compares it (value, VJP, second derivatives) with the
 * row's `fn` on the same list. Every tensor of the list is differentiated, inside arrays and option objects
 * too (concat's list, conv2d's bias), but those at `constant` positions; numbers and options are constants.
 */
export interface GradDraws<A extends unknown[]> {
  /** Tells apart the checks of an op with several (`ord=3` for norm): the check is named `${name} ${mode}`. */
  mode?: string;
  /** Float64 argument lists of tiny shapes, with values away from the op's kinks. */
  args: fc.Arbitrary<A>;
  /** Argument positions passed as they are, never differentiated (where's condition, gather's index tensor). */
  constant?: readonly number[];
  /**
   * One tensor out of an op that returns several, written once over X so that the same code makes the
   * Tensor reference and the Variable under test.
   */
  out?: <X extends { size: number }>(y: OutputOf<X>, ops: JoinOps<X>) => X;
  /** Whether gradgradcheck runs on the draws too (default true: every VJP rule is written in differentiable ops). */
  secondOrder?: boolean;
}

// The table holds rows of different argument types; the driver only passes each row's own draws back to it.
export type AnyOpSpec = OpSpec<any[]>;
const op = <A extends unknown[]>(s: OpSpec<A>): AnyOpSpec => s as unknown as AnyOpSpec;

/** An operand as an Nd: a tensor read element by element, a number as a scalar. */
export function toNd(x: TensorLike): R.Nd {
  return typeof x === 'number' ? { shape: [], data: Float64Array.of(x) } : R.nd(x);
}

/** Tolerance of a row for a dtype and draw. */
export function tolOf(spec: AnyOpSpec, dtype: DType, args: unknown[]): Tolerance {
  return typeof spec.tol === 'function' ? spec.tol(dtype, ...args) : forwardTol(dtype, spec.tol);
}

// ---- elementwise ---------------------------------------------------------------------------------

function unary(
  name: string, fn: (x: Tensor) => Tensor, method: (x: Tensor) => Tensor, f: (v: number) => number,
  domain: DomainName = 'real',
): AnyOpSpec {
  return op<[Tensor]>({
    name, group: 'unary', arity: 1, domain: [domain], tol: 'elementwise',
    args: (dtype) => anyTensorArb({ dtype, domain: domains[domain] }).map((x) => [x] as [Tensor]),
    fn, method, ref: (x) => R.map(toNd(x), f),
  });
}

/** Two operands that broadcast, or a tensor and a number (either side). */
export function binaryArgs(dtype: DType, da: Domain, db: Domain, opts: ShapeOptions = {}): fc.Arbitrary<[TensorLike, TensorLike]> {
  const both = broadcastShapesArb(2, opts).chain(([sa, sb]) =>
    fc.tuple(tensorArb(sa!, { dtype, domain: da }), tensorArb(sb!, { dtype, domain: db })),
  );
  const tensorNumber = fc.tuple(anyTensorArb({ dtype, domain: da, ...opts }), scalarArb(db, dtype));
  const numberTensor = fc.tuple(scalarArb(da, dtype), anyTensorArb({ dtype, domain: db, ...opts }));
  return fc.oneof(
    { arbitrary: both as fc.Arbitrary<[TensorLike, TensorLike]>, weight: 5 },
    { arbitrary: tensorNumber, weight: 1 },
    { arbitrary: numberTensor, weight: 1 },
  );
}

function binary(
  name: string, fn: (a: TensorLike, b: TensorLike) => Tensor, method: (a: Tensor, b: TensorLike) => Tensor,
  f: (a: number, b: number) => number, da: DomainName = 'real', db: DomainName = da, gradDomain?: ValueDomain[],
): AnyOpSpec {
  return op<[TensorLike, TensorLike]>({
    name, group: 'binary', arity: 2, domain: [da, db], tol: 'elementwise',
    args: (dtype) => binaryArgs(dtype, domains[da], domains[db]),
    fn, method: (a, b) => (a instanceof Tensor ? method(a, b) : undefined),
    ref: (a, b) => R.zipN([toNd(a), toNd(b)], f),
    gradDomain,
  });
}

const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));
const softplusRef = (x: number): number => (x > 30 ? x : Math.log(1 + Math.exp(x)));
const b01 = (c: boolean): number => (c ? 1 : 0);

/** clamp's operand with optional bounds, multiples of 0.25 in [-2, 2] (lower ≤ upper when both are given). */
function clampArgs(x: fc.Arbitrary<Tensor>): fc.Arbitrary<[Tensor, number | undefined, number | undefined]> {
  const bound = fc.option(fc.integer({ min: -8, max: 8 }).map((v) => v / 4), { nil: undefined });
  return fc.tuple(x, bound, bound).map(([t, lo, hi]) => (lo !== undefined && hi !== undefined && lo > hi ? [t, hi, lo] : [t, lo, hi]));
}

const elementwise: AnyOpSpec[] = [
  binary('add', T.add, (a, b) => a.add(b), (a, b) => a + b),
  binary('sub', T.sub, (a, b) => a.sub(b), (a, b) => a - b),
  binary('mul', T.mul, (a, b) => a.mul(b), (a, b) => a * b),
  binary('div', T.div, (a, b) => a.div(b), (a, b) => a / b, 'real', 'nonzero'),
  binary('pow', T.pow, (a, b) => a.pow(b), (a, b) => a ** b, 'positive', 'exponent'),
  // Gradients on odd against even multiples of 0.1: the operands never tie.
  binary('maximum', T.maximum, (a, b) => a.maximum(b), (a, b) => (a >= b ? a : b), 'smallInt', 'smallInt', ['odd', 'even']),
  binary('minimum', T.minimum, (a, b) => a.minimum(b), (a, b) => (a <= b ? a : b), 'smallInt', 'smallInt', ['even', 'odd']),
  binary('equal', T.equal, (a, b) => a.equal(b), (a, b) => b01(a === b), 'smallInt'),
  binary('notEqual', T.notEqual, (a, b) => a.notEqual(b), (a, b) => b01(a !== b), 'smallInt'),
  binary('greater', T.greater, (a, b) => a.greater(b), (a, b) => b01(a > b), 'smallInt'),
  binary('greaterEqual', T.greaterEqual, (a, b) => a.greaterEqual(b), (a, b) => b01(a >= b), 'smallInt'),
  binary('less', T.less, (a, b) => a.less(b), (a, b) => b01(a < b), 'smallInt'),
  binary('lessEqual', T.lessEqual, (a, b) => a.lessEqual(b), (a, b) => b01(a <= b), 'smallInt'),
  unary('neg', T.neg, (x) => x.neg(), (v) => -v),
  unary('abs', T.abs, (x) => x.abs(), (v) => (v < 0 ? -v : v), 'nonzero'),
  unary('sign', T.sign, (x) => x.sign(), (v) => (v > 0 ? 1 : v < 0 ? -1 : 0), 'nonzero'),
  unary('exp', T.exp, (x) => x.exp(), Math.exp),
  unary('log', T.log, (x) => x.log(), Math.log, 'positive'),
  unary('log1p', T.log1p, (x) => x.log1p(), (v) => Math.log(1 + v), 'aboveMinusOne'),
  unary('expm1', T.expm1, (x) => x.expm1(), (v) => Math.exp(v) - 1),
  unary('sqrt', T.sqrt, (x) => x.sqrt(), (v) => v ** 0.5, 'positive'),
  unary('rsqrt', T.rsqrt, (x) => x.rsqrt(), (v) => v ** -0.5, 'positive'),
  unary('square', T.square, (x) => x.square(), (v) => v * v),
  unary('reciprocal', T.reciprocal, (x) => x.reciprocal(), (v) => 1 / v, 'nonzero'),
  unary('sin', T.sin, (x) => x.sin(), Math.sin),
  unary('cos', T.cos, (x) => x.cos(), Math.cos),
  unary('tanh', T.tanh, (x) => x.tanh(), (v) => (Math.exp(2 * v) - 1) / (Math.exp(2 * v) + 1)),
  unary('sigmoid', T.sigmoid, (x) => x.sigmoid(), sigmoidRef),
  unary('relu', T.relu, (x) => x.relu(), (v) => (v > 0 ? v : 0), 'nonzero'),
  unary('softplus', T.softplus, (x) => x.softplus(), softplusRef),
  unary('erf', T.erf, (x) => x.erf(), R.erfRef),
  op<[Tensor, number | undefined, number | undefined]>({
    name: 'clamp', group: 'unary', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) => clampArgs(anyTensorArb({ dtype, domain: domains.real })),
    fn: T.clamp, method: (x, lo, hi) => x.clamp(lo, hi),
    ref: (x, lo, hi) => R.map(toNd(x), (v) => Math.min(Math.max(v, lo ?? -Infinity), hi ?? Infinity)),
    // Bounds are multiples of 0.25, the values at least 0.075 from every one: no element sits on a kink.
    grad: { args: clampArgs(tinyTensorArb('offQuarter')) },
  }),
  op<[Tensor, TensorLike, TensorLike]>({
    name: 'where', group: 'ternary', arity: 3, domain: ['condition', 'real', 'real'], tol: 'elementwise',
    args: (dtype) =>
      broadcastShapesArb(3).chain(([sc, sa, sb]) =>
        fc.tuple(
          tensorArb(sc!, { dtype, domain: domains.condition }),
          fc.oneof({ arbitrary: tensorArb(sa!, { dtype }), weight: 3 }, { arbitrary: scalarArb(domains.real, dtype), weight: 1 }),
          fc.oneof({ arbitrary: tensorArb(sb!, { dtype }), weight: 3 }, { arbitrary: scalarArb(domains.real, dtype), weight: 1 }),
        ),
      ),
    fn: T.where, method: (c, a, b) => c.where(a, b),
    ref: (c, a, b) => R.zipN([toNd(c), toNd(a), toNd(b)], (cv, av, bv) => (cv !== 0 ? av : bv)),
    // The condition is a constant; a and b are differentiated (b may be a number).
    grad: {
      args: broadcastShapesArb(3, TINY).chain(([sc, sa, sb]) =>
        fc.tuple(
          valuesArb('condition', sizeOf(sc!)).map((v) => contiguousTensor(sc!, v, 'float64')),
          gradTensorArb(sa!),
          fc.oneof({ arbitrary: gradTensorArb(sb!) as fc.Arbitrary<TensorLike>, weight: 3 }, { arbitrary: valuesArb('real', 1).map((v) => v[0]!), weight: 1 }),
        ),
      ),
      constant: [0],
    },
  }),
];

// ---- reductions ----------------------------------------------------------------------------------

type ReduceOpts = { axis?: number | number[]; keepDims?: boolean } | undefined;

/** Reduction options for rank ndim: none at all, or { axis?, keepDims? }. */
export function reduceOptsArb(ndim: number): fc.Arbitrary<ReduceOpts> {
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: fc.record({ axis: axisArb(ndim), keepDims: fc.boolean() }, { requiredKeys: [] }), weight: 5 },
  );
}

/** True when the reduction reduces some axis of size 0. */
const reducesEmpty = (x: Tensor, axis: number | readonly number[] | undefined): boolean =>
  axesOf(axis, x.ndim).some((a) => x.shape[a] === 0);

/** How many elements go into each output element of a reduction. */
const reducedCount = (x: Tensor, axis: number | readonly number[] | undefined): number =>
  axesOf(axis, x.ndim).reduce((k, a) => k * x.shape[a]!, 1);

function reduction(
  name: string, fn: (x: Tensor, o?: ReduceOpts) => Tensor, method: (x: Tensor, o?: ReduceOpts) => Tensor,
  f: (vals: number[]) => number,
  { domain = 'real', kind = 'sum', nonEmpty = false, shape = {}, gradDomain }:
    { domain?: DomainName; kind?: ForwardKind; nonEmpty?: boolean; shape?: ShapeOptions; gradDomain?: ValueDomain[] } = {},
): AnyOpSpec {
  return op<[Tensor, ReduceOpts]>({
    name, group: 'reduce', arity: 1, domain: [domain], tol: kind,
    args: (dtype) =>
      shapeArb(shape)
        .chain((s) => fc.tuple(tensorArb(s, { dtype, domain: domains[domain] }), reduceOptsArb(s.length)))
        .filter(([x, o]) => !nonEmpty || !reducesEmpty(x, o?.axis)),
    fn: (x, o) => (o === undefined ? fn(x) : fn(x, o)),
    method: (x, o) => (o === undefined ? method(x) : method(x, o)),
    ref: (x, o) => R.reduce(toNd(x), o?.axis, o?.keepDims ?? false, f),
    gradDomain,
  });
}

type VarOpts = { axis?: number | number[]; keepDims?: boolean; correction?: number };
type NormOpts = { axis?: number | number[]; keepDims?: boolean; ord?: number };
type ArgOpts = { axis?: number; keepDims?: boolean } | undefined;

function argReduction(name: 'argmax' | 'argmin'): AnyOpSpec {
  const isMax = name === 'argmax';
  return op<[Tensor, ArgOpts]>({
    name, group: 'reduce', arity: 1, domain: ['smallInt'], tol: 'elementwise',
    args: (dtype) =>
      shapeArb()
        .chain((s) =>
          fc.tuple(
            tensorArb(s, { dtype, domain: domains.smallInt }),
            fc.option(
              fc.record({ axis: s.length > 0 ? fc.option(oneAxisArb(s.length), { nil: undefined }) : fc.constant(undefined), keepDims: fc.boolean() }, { requiredKeys: [] }),
              { nil: undefined },
            ),
          ),
        )
        .filter(([x, o]) => (o?.axis === undefined ? x.size > 0 : x.shape[axesOf(o.axis, x.ndim)[0]!]! > 0)),
    fn: (x, o) => (isMax ? T.argmax(x, o) : T.argmin(x, o)),
    method: (x, o) => (isMax ? x.argmax(o) : x.argmin(o)),
    ref: (x, o) => {
      const a = toNd(x);
      if (o?.axis === undefined) {
        const v = R.argOf(Array.from(a.data), isMax);
        return { shape: o?.keepDims ? x.shape.map(() => 1) : [], data: Float64Array.of(v) };
      }
      return R.reduce(a, o.axis, o.keepDims ?? false, (vals) => R.argOf(vals, isMax));
    },
  });
}

const reductions: AnyOpSpec[] = [
  reduction('sum', T.sum, (x, o) => x.sum(o), R.sumOf),
  reduction('mean', T.mean, (x, o) => x.mean(o), R.meanOf),
  reduction('max', T.max, (x, o) => x.max(o), R.maxOf, { domain: 'smallInt', kind: 'elementwise', nonEmpty: true, gradDomain: ['distinct'] }),
  reduction('min', T.min, (x, o) => x.min(o), R.minOf, { domain: 'smallInt', kind: 'elementwise', nonEmpty: true, gradDomain: ['distinct'] }),
  // Factors near ±1 and at most 3^4 of them: the product stays far from float32 overflow.
  reduction('prod', T.prod, (x, o) => x.prod(o), R.prodOf, { domain: 'nearOne', shape: { maxSize: 3 } }),
  reduction('logSumExp', T.logSumExp, (x, o) => x.logSumExp(o), R.logSumExpOf),
  op<[Tensor, VarOpts]>({
    name: 'variance', group: 'reduce', arity: 1, domain: ['real'], tol: 'sum',
    args: (dtype) =>
      shapeArb().chain((s) =>
        fc.tuple(
          tensorArb(s, { dtype }),
          fc.record({ axis: axisArb(s.length), keepDims: fc.boolean(), correction: fc.constantFrom(0, 1) }, { requiredKeys: [] }),
        ),
      ),
    fn: T.variance, method: (x, o) => x.variance(o),
    ref: (x, o) => R.reduce(toNd(x), o.axis, o.keepDims ?? false, (v) => R.varianceOf(v, o.correction ?? 0)),
    // More elements than the correction: the variance is finite.
    grad: {
      args: tinyShape()
        .chain((s) => fc.tuple(gradTensorArb(s), gradReduceOptsArb(s.length), fc.constantFrom(0, 1)))
        .filter(([x, o, corr]) => reducedCount(x, o?.axis) > corr)
        .map(([x, o, correction]): [Tensor, VarOpts] => [x, { ...o, correction }]),
    },
  }),
  op<[Tensor, NormOpts]>({
    name: 'norm', group: 'reduce', arity: 1, domain: ['real'], tol: 'sum',
    args: (dtype) =>
      shapeArb()
        .chain((s) =>
          fc.tuple(
            tensorArb(s, { dtype }),
            fc.record(
              { axis: axisArb(s.length), keepDims: fc.boolean(), ord: fc.constantFrom(1, 2, Infinity, 3, -Infinity, 0, 0.5) },
              { requiredKeys: [] },
            ),
          ),
        )
        .filter(([x, o]) => !(Math.abs(o.ord ?? 2) === Infinity && reducesEmpty(x, o.axis))),
    fn: T.norm, method: (x, o) => x.norm(o),
    ref: (x, o) => R.reduce(toNd(x), o.axis, o.keepDims ?? false, (v) => R.normOf(v, o.ord ?? 2)),
    // One check per differentiable ord: nonzero values (|x| and x/‖x‖ are smooth there), no ties for ∞.
    grad: ([[1, 'nonzero'], [2, 'nonzero'], [Infinity, 'distinct'], [3, 'nonzero']] as const).map(([ord, domain]) => ({
      mode: `ord=${ord}`,
      args: gradReduceArgs(domain).map(([x, o]): [Tensor, NormOpts] => [x, { ...o, ord }]),
    })),
  }),
  argReduction('argmax'),
  argReduction('argmin'),
];

// ---- shapes and views ----------------------------------------------------------------------------

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * The tensors of a draw, by shape. An op whose forward and gradient draws differ only in their tensors takes
 * one of these: the forward tests' (a dtype, any layout) or the gradient checks' (`gradTensorArb`: float64,
 * kink-free values), over shapes of the matching kind (`shapeArb` or `tinyShape`).
 */
type TensorsOf = (shape: readonly number[]) => fc.Arbitrary<Tensor>;
const tensorsOf = (dtype: DType, domain?: Domain): TensorsOf => (s) => tensorArb(s, { dtype, domain });

/** A flatten's axes: none, or a start and an end (start ≤ end). */
function flattenArgs(shapes: fc.Arbitrary<number[]>, tensors: TensorsOf): fc.Arbitrary<[Tensor, number | undefined, number | undefined]> {
  return shapes.chain((s) => {
    const ax = s.length > 0 ? fc.option(oneAxisArb(s.length), { nil: undefined }) : fc.constant(undefined);
    return fc.tuple(tensors(s), ax, ax).filter(([x, a, b]) => {
      const n = x.ndim;
      const s0 = a === undefined ? 0 : a < 0 ? a + n : a, e0 = b === undefined ? n - 1 : b < 0 ? b + n : b;
      return n === 0 || s0 <= e0;
    });
  });
}

/** A permutation of the axes, or none (reversed). */
const transposeArgs = (shapes: fc.Arbitrary<number[]>, tensors: TensorsOf): fc.Arbitrary<[Tensor, number[] | undefined]> =>
  shapes.chain((s) =>
    fc.tuple(tensors(s), fc.option(fc.shuffledSubarray(range(s.length), { minLength: s.length, maxLength: s.length }), { nil: undefined })),
  );

/** A permutation of the axes, some written negative. */
const permuteArgs = (shapes: fc.Arbitrary<number[]>, tensors: TensorsOf): fc.Arbitrary<[Tensor, number[]]> =>
  shapes.chain((s) =>
    fc.tuple(
      tensors(s),
      fc.tuple(
        fc.shuffledSubarray(range(s.length), { minLength: s.length, maxLength: s.length }),
        fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
      ).map(([p, neg]) => p.map((a, i) => (neg[i] ? a - s.length : a))),
    ),
  );

/** Where the new axis goes, in [-ndim - 1, ndim]. */
const expandDimsArgs = (shapes: fc.Arbitrary<number[]>, tensors: TensorsOf): fc.Arbitrary<[Tensor, number]> =>
  shapes.chain((s) => fc.tuple(tensors(s), fc.integer({ min: -s.length - 1, max: s.length })));

/** One to three tensors of a shape and the new axis. */
const stackArgs = (shapes: fc.Arbitrary<number[]>, tensors: TensorsOf): fc.Arbitrary<[Tensor[], number]> =>
  shapes.chain((s) => fc.tuple(fc.array(tensors(s), { minLength: 1, maxLength: 3 }), fc.integer({ min: -s.length - 1, max: s.length })));

/** A target shape x broadcasts to: up to two new leading axes, size-1 axes stretched. */
function broadcastTargetArb(shape: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.array(dimArb({ maxSize: 3 }), { maxLength: 2 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: shape.length, maxLength: shape.length }))
    .map(([lead, stretch]) => [...lead, ...shape.map((d, i) => (d === 1 ? stretch[i]! : d))]);
}

type Range3 = [(number | null)?, (number | null)?, (number | null)?];
type Spec1 = number | null | Range3;

function sliceSpecArb(n: number): fc.Arbitrary<Spec1> {
  const bound = fc.option(fc.integer({ min: -n - 2, max: n + 2 }), { nil: undefined });
  const bnull = fc.oneof(bound, fc.constant(null));
  const step = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer({ min: 1, max: 3 }), fc.integer({ min: -3, max: -1 }));
  const choices: fc.Arbitrary<Spec1>[] = [
    fc.constant(null),
    fc.tuple(bnull, bnull, step).map(([a, b, c]) => {
      const r: Range3 = [a, b, c];
      while (r.length > 0 && r[r.length - 1] === undefined) r.pop();
      return r;
    }),
  ];
  if (n > 0) choices.push(fc.integer({ min: -n, max: n - 1 }));
  return fc.oneof(...choices);
}

/** One axis' slice for a gradient check: all (null), an index (drops the axis), or [start, stop, step] with negative steps. */
function gradSliceSpecArb(n: number): fc.Arbitrary<Spec1> {
  const bound = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer({ min: -n - 1, max: n + 1 }));
  const step = fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 2 }), fc.integer({ min: -2, max: -1 }));
  return fc.oneof(
    fc.constant(null),
    fc.integer({ min: -n, max: n - 1 }),
    fc.tuple(bound, bound, step).map(([a, b, c]): Spec1 => {
      const r: (number | null | undefined)[] = [a, b, c];
      while (r.length > 0 && r[r.length - 1] === undefined) r.pop();
      return r.map((v) => (v === undefined ? null : v)) as Spec1;
    }),
  );
}

function sliceRef(x: R.Nd, ranges: readonly Spec1[]): R.Nd {
  const picks: (number[] | number)[] = x.shape.map((n, ax) => {
    const r = ranges[ax];
    if (r === undefined || r === null) return range(n);
    if (typeof r === 'number') return r < 0 ? r + n : r;
    return R.pySliceIndices(n, r[0], r[1], r[2]);
  });
  const shape = picks.flatMap((p) => (typeof p === 'number' ? [] : [p.length]));
  return R.build(shape, (idx) => {
    let k = 0;
    return R.at(x, picks.map((p) => (typeof p === 'number' ? p : p[idx[k++]!]!)));
  });
}

type PadW = number | [number, number] | [number, number][];

function padWidthsArb(ndim: number): fc.Arbitrary<PadW> {
  const w = fc.integer({ min: 0, max: 2 });
  return fc.oneof(w, fc.tuple(w, w), fc.array(fc.tuple(w, w), { minLength: ndim, maxLength: ndim }));
}

function padPairsRef(ndim: number, w: PadW): [number, number][] {
  if (typeof w === 'number') return range(ndim).map(() => [w, w]);
  if (typeof w[0] === 'number') return range(ndim).map(() => w as [number, number]);
  return w as [number, number][];
}

/** Split sizes: a number of equal parts dividing the axis, or a list (of up to maxCuts + 1 sizes) adding up to it. */
function splitSizesArb(n: number, maxCuts = 3): fc.Arbitrary<number | number[]> {
  const divisors = n === 0 ? [1, 2, 3] : range(n).map((i) => i + 1).filter((k) => n % k === 0);
  const parts = fc.array(fc.integer({ min: 0, max: n }), { maxLength: maxCuts }).map((cuts) => {
    const c = [0, ...cuts.sort((a, b) => a - b), n];
    return c.slice(1).map((v, i) => v - c[i]!);
  });
  return fc.oneof(fc.constantFrom(...divisors), parts);
}

type IndexArg = Tensor | number[] | Int32Array;

const views: AnyOpSpec[] = [
  op<[Tensor, number[]]>({
    name: 'reshape', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) => shapeArb().chain((s) => fc.tuple(tensorArb(s, { dtype }), reshapeTargetArb(s))),
    fn: T.reshape, method: (x, s) => x.reshape(s),
    ref: (x, s) => {
      const a = toNd(x);
      const known = s.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      return { shape: s.map((d) => (d === -1 ? a.data.length / known : d)), data: a.data };
    },
    grad: { args: tinyShape().chain((s) => fc.tuple(gradTensorArb(s), reshapeTargetArb(s))) },
  }),
  op<[Tensor, number | undefined, number | undefined]>({
    name: 'flatten', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) => flattenArgs(shapeArb(), tensorsOf(dtype)),
    fn: (x, a, b) => T.flatten(x, a, b), method: (x, a, b) => x.flatten(a, b),
    ref: (x, a, b) => {
      const v = toNd(x), n = x.ndim;
      if (n === 0) return { shape: [1], data: v.data };
      const s0 = a === undefined ? 0 : a < 0 ? a + n : a, e0 = b === undefined ? n - 1 : b < 0 ? b + n : b;
      const mid = x.shape.slice(s0, e0 + 1).reduce((p, d) => p * d, 1);
      return { shape: [...x.shape.slice(0, s0), mid, ...x.shape.slice(e0 + 1)], data: v.data };
    },
    grad: { args: flattenArgs(tinyShape(), gradTensorArb) },
  }),
  op<[Tensor, number[] | undefined]>({
    name: 'transpose', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) => transposeArgs(shapeArb(), tensorsOf(dtype)),
    fn: (x, p) => T.transpose(x, p), method: (x, p) => x.transpose(p),
    ref: (x, p) => R.permuteRef(toNd(x), p ?? range(x.ndim).reverse()),
    grad: { args: transposeArgs(tinyShape(), gradTensorArb) },
  }),
  op<[Tensor, number[]]>({
    name: 'permute', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) => permuteArgs(shapeArb(), tensorsOf(dtype)),
    fn: T.permute, method: (x, p) => x.permute(p),
    ref: (x, p) => R.permuteRef(toNd(x), p.map((a) => (a < 0 ? a + x.ndim : a))),
    grad: { args: permuteArgs(tinyShape(), gradTensorArb) },
  }),
  op<[Tensor, number]>({
    name: 'expandDims', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) => expandDimsArgs(shapeArb(), tensorsOf(dtype)),
    fn: T.expandDims, method: (x, a) => x.expandDims(a),
    ref: (x, a) => {
      const shape = x.shape.slice();
      shape.splice(a < 0 ? a + x.ndim + 1 : a, 0, 1);
      return { shape, data: toNd(x).data };
    },
    grad: { args: expandDimsArgs(tinyShape(), gradTensorArb) },
  }),
  op<[Tensor, number | number[] | undefined]>({
    name: 'squeeze', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) =>
      shapeArb().chain((s) => {
        const ones = range(s.length).filter((i) => s[i] === 1);
        const some = fc.shuffledSubarray(ones).map((l) => l.map((a, i) => (i % 2 === 1 ? a - s.length : a)));
        const axis: fc.Arbitrary<number | number[] | undefined> =
          ones.length > 0 ? fc.oneof(fc.constant(undefined), fc.constantFrom(...ones), some) : fc.oneof(fc.constant(undefined), fc.constant<number[]>([]));
        return fc.tuple(tensorArb(s, { dtype }), axis);
      }),
    fn: (x, a) => T.squeeze(x, a), method: (x, a) => x.squeeze(a),
    ref: (x, a) => {
      const drop = a === undefined ? range(x.ndim).filter((i) => x.shape[i] === 1) : axesOf(a, x.ndim);
      return { shape: x.shape.filter((_, i) => !drop.includes(i)), data: toNd(x).data };
    },
    grad: {
      args: tinyShape().chain((s) => {
        const ones = range(s.length).filter((i) => s[i] === 1);
        const axis: fc.Arbitrary<number | number[] | undefined> = ones.length > 0
          ? fc.oneof(fc.constant(undefined), fc.constantFrom(...ones).map((a) => a - s.length), fc.shuffledSubarray(ones, { minLength: 1 }))
          : fc.constant(undefined);
        return fc.tuple(gradTensorArb(s), axis);
      }),
    },
  }),
  op<[Tensor, number[]]>({
    name: 'broadcastTo', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) => shapeArb({ maxRank: 3 }).chain((s) => fc.tuple(tensorArb(s, { dtype }), broadcastTargetArb(s))),
    fn: T.broadcastTo, method: (x, s) => x.broadcastTo(s),
    ref: (x, s) => {
      const a = toNd(x);
      return R.build(s, (idx) => R.at(a, R.broadcastIndex(idx, x.shape)));
    },
    grad: {
      args: tinyShape().chain((s) =>
        fc.tuple(
          gradTensorArb(s),
          fc.tuple(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: s.length, maxLength: s.length }))
            .map(([lead, stretch]) => [...lead, ...s.map((d, i) => (d === 1 ? stretch[i]! : d))]),
        )),
    },
  }),
  op<[Tensor, number[]]>({
    name: 'expand', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) => shapeArb({ maxRank: 3 }).chain((s) => fc.tuple(tensorArb(s, { dtype }), broadcastTargetArb(s))),
    fn: T.broadcastTo, method: (x, s) => x.expand(s),
    ref: (x, s) => {
      const a = toNd(x);
      return R.build(s, (idx) => R.at(a, R.broadcastIndex(idx, x.shape)));
    },
    grad: { args: tinyShape().chain((s) => fc.tuple(gradTensorArb(s), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }).map((lead) => [...lead, ...s]))) },
  }),
  op<[Tensor, Spec1[]]>({
    name: 'slice', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) =>
      shapeArb().chain((s) =>
        fc.tuple(tensorArb(s, { dtype }), fc.integer({ min: 0, max: s.length }).chain((k) => fc.tuple(...s.slice(0, k).map(sliceSpecArb)))),
      ),
    fn: T.slice, method: (x, r) => x.slice(r),
    ref: (x, r) => sliceRef(toNd(x), r),
    // Only slices that keep an element: an empty output has no derivative to check.
    grad: {
      args: tinyShape({ minRank: 1 })
        .chain((s) => fc.tuple(gradTensorArb(s), fc.integer({ min: 1, max: s.length }).chain((k) => fc.tuple(...s.slice(0, k).map(gradSliceSpecArb)))))
        .filter(([x, r]) => T.slice(x, r).size > 0),
    },
  }),
  op<[Tensor[], number]>({
    name: 'concat', group: 'view', arity: 'list', domain: ['real'], tol: 'elementwise',
    args: (dtype) =>
      shapeArb({ minRank: 1, maxRank: 3 }).chain((s) =>
        oneAxisArb(s.length).chain((axis) =>
          fc.tuple(
            fc.array(
              fc.integer({ min: 0, max: 3 }).chain((k) => {
                const sh = s.slice();
                sh[axis < 0 ? axis + s.length : axis] = k;
                return tensorArb(sh, { dtype });
              }),
              { minLength: 1, maxLength: 3 },
            ),
            fc.constant(axis),
          ),
        ),
      ),
    fn: T.concat, method: null,
    ref: (xs, a) => R.concatRef(xs.map(toNd), a < 0 ? a + xs[0]!.ndim : a),
    grad: {
      args: tinyShape({ minRank: 1 }).chain((s) =>
        oneAxisArb(s.length).chain((axis) =>
          fc.tuple(
            fc.array(fc.integer({ min: 1, max: 3 }).chain((k) => {
              const sh = s.slice();
              sh[axis < 0 ? axis + s.length : axis] = k;
              return gradTensorArb(sh);
            }), { minLength: 1, maxLength: 3 }),
            fc.constant(axis),
          ))),
    },
  }),
  op<[Tensor[], number]>({
    name: 'stack', group: 'view', arity: 'list', domain: ['real'], tol: 'elementwise',
    args: (dtype) => stackArgs(shapeArb({ maxRank: 3 }), tensorsOf(dtype)),
    fn: T.stack, method: null,
    ref: (xs, a) => {
      const nd = xs[0]!.ndim, ax = a < 0 ? a + nd + 1 : a;
      const parts = xs.map((x) => {
        const shape = x.shape.slice();
        shape.splice(ax, 0, 1);
        return { shape, data: toNd(x).data };
      });
      return R.concatRef(parts, ax);
    },
    grad: { args: stackArgs(tinyShape(), gradTensorArb) },
  }),
  op<[Tensor, number | number[], number]>({
    name: 'split', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) =>
      shapeArb({ minRank: 1 }).chain((s) =>
        oneAxisArb(s.length).chain((axis) =>
          fc.tuple(tensorArb(s, { dtype }), splitSizesArb(s[axis < 0 ? axis + s.length : axis]!), fc.constant(axis)),
        ),
      ),
    fn: T.split, method: (x, k, a) => x.split(k, a),
    ref: (x, k, a) => {
      const v = toNd(x), ax = a < 0 ? a + x.ndim : a, n = x.shape[ax]!;
      const sizes = typeof k === 'number' ? range(k).map(() => n / k) : k;
      let start = 0;
      return sizes.map((sz) => {
        const shape = x.shape.slice();
        shape[ax] = sz;
        const s0 = start;
        start += sz;
        return R.build(shape, (idx) => {
          const src = idx.slice();
          src[ax] = idx[ax]! + s0;
          return R.at(v, src);
        });
      });
    },
    // The pieces are joined back (flattened, each scaled by its position) into one output.
    grad: {
      args: tinyShape({ minRank: 1 }).chain((s) =>
        oneAxisArb(s.length).chain((axis) => fc.tuple(gradTensorArb(s), splitSizesArb(s[axis < 0 ? axis + s.length : axis]!, 2), fc.constant(axis)))),
      out: <X extends { size: number }>(ys: OutputOf<X>, ops: JoinOps<X>): X =>
        ops.concat((ys as X[]).map((p, i) => ops.reshape(ops.mul(p, i + 1), [p.size]))),
    },
  }),
  op<[Tensor, PadW, number | undefined]>({
    name: 'pad', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) =>
      shapeArb({ maxRank: 3 }).chain((s) =>
        fc.tuple(tensorArb(s, { dtype }), padWidthsArb(s.length), fc.option(fc.constantFrom(-1.5, 0, 2), { nil: undefined })),
      ),
    fn: (x, w, v) => T.pad(x, w, v), method: (x, w, v) => x.pad(w, v),
    ref: (x, w, v) => R.padRef(toNd(x), padPairsRef(x.ndim, w), v ?? 0),
    grad: { args: tinyShape().chain((s) => fc.tuple(gradTensorArb(s), padWidthsArb(s.length), fc.constantFrom(0, -1.5, 2))) },
  }),
  op<[Tensor, IndexArg, number | undefined]>({
    name: 'gather', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) =>
      shapeArb({ minRank: 1 }).chain((s) =>
        fc.option(oneAxisArb(s.length), { nil: undefined }).chain((axis) => {
          const n = s[axis === undefined ? 0 : axis < 0 ? axis + s.length : axis]!;
          const idx = n > 0 ? fc.integer({ min: -n, max: n - 1 }) : fc.integer({ min: 0, max: 0 });
          const list = fc.array(idx, { maxLength: n > 0 ? 4 : 0 });
          // Index tensors of rank 0-2; an empty axis admits only empty index sets.
          const asTensor = shapeArb({ maxRank: 2, maxSize: 3 })
            .filter((ish) => n > 0 || R.size(ish) === 0)
            .chain((ish) => fc.array(idx, { minLength: R.size(ish), maxLength: R.size(ish) }).map((v) => T.tensor(v, { shape: ish, dtype })));
          const index: fc.Arbitrary<IndexArg> = fc.oneof(list, list.map((l) => Int32Array.from(l)), asTensor);
          return fc.tuple(tensorArb(s, { dtype }), index, fc.constant(axis));
        }),
      ),
    fn: (x, i, a) => T.gather(x, i, a), method: (x, i, a) => x.gather(i, a),
    ref: (x, i, a) => {
      const index: R.Nd = i instanceof Tensor ? toNd(i) : { shape: [i.length], data: Float64Array.from(i) };
      return R.takeRef(toNd(x), index, a === undefined ? 0 : a < 0 ? a + x.ndim : a);
    },
    // Indices repeat (the VJP must add, not overwrite), wrap when negative, and come as a list or a tensor (a
    // constant: indices are not differentiated).
    grad: {
      args: tinyShape({ minRank: 1 }).chain((s) =>
        fc.option(oneAxisArb(s.length), { nil: undefined }).chain((axis) => {
          const n = s[axis === undefined ? 0 : axis < 0 ? axis + s.length : axis]!;
          const idx = fc.integer({ min: -n, max: n - 1 });
          const list = fc.array(idx, { minLength: 1, maxLength: 4 });
          const asTensor = shapeArb({ maxRank: 2, minSize: 1, maxSize: 3 }).chain((ish) =>
            fc.array(idx, { minLength: sizeOf(ish), maxLength: sizeOf(ish) }).map((v) => T.tensor(v, { shape: ish, dtype: 'float64' })));
          const index: fc.Arbitrary<IndexArg> = fc.oneof(list, list.map((l) => Int32Array.from(l)), asTensor);
          return fc.tuple(gradTensorArb(s), index, fc.constant(axis));
        })),
      constant: [1],
    },
  }),
  op<[Tensor]>({
    name: 'contiguous', group: 'view', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) => anyTensorArb({ dtype }).map((x) => [x] as [Tensor]),
    fn: T.contiguous, method: (x) => x.contiguous(), ref: (x) => toNd(x),
    // On a permuted view, so that contiguous() really copies.
    grad: { args: tinyTensorArb().map((x) => [T.transpose(x)] as [Tensor]) },
  }),
];

// ---- linear algebra ------------------------------------------------------------------------------

const innerDim = fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 6 });

/** matmul operands: 1-D or stacks of matrices with broadcast batch axes, any layout. */
function matmulArgs(dtype: DType): fc.Arbitrary<[Tensor, Tensor]> {
  return fc
    .record({
      m: innerDim, k: innerDim, n: innerDim,
      batch: broadcastShapesArb(2, { maxRank: 2, maxSize: 3 }),
      aVec: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
      bVec: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
    })
    .chain(({ m, k, n, batch, aVec, bVec }) =>
      fc.tuple(
        tensorArb(aVec ? [k] : [...batch[0]!, m, k], { dtype }),
        tensorArb(bVec ? [k] : [...batch[1]!, k, n], { dtype }),
      ),
    );
}

type CdistOpts = { p?: number; mode?: 'auto' | 'matmul' | 'direct' };

/** Axis sizes of the gradient checks' matrices. */
const gradDim = fc.integer({ min: 1, max: 3 });

const linalg: AnyOpSpec[] = [
  op<[Tensor, Tensor]>({
    name: 'matmul', group: 'linalg', arity: 2, domain: ['real', 'real'], tol: 'sum',
    args: matmulArgs, fn: T.matmul, method: (a, b) => a.matmul(b),
    ref: (a, b) => R.matmulRef(toNd(a), toNd(b)),
    // 1-D and stacks of matrices with broadcast batch axes (size-1 batch axes included).
    grad: {
      args: fc.record({
        m: gradDim, k: gradDim, n: gradDim,
        batch: broadcastShapesArb(2, { maxRank: 2, minSize: 1, maxSize: 2 }),
        aVec: fc.boolean(), bVec: fc.boolean(),
      }).chain(({ m, k, n, batch, aVec, bVec }) =>
        fc.tuple(gradTensorArb(aVec ? [k] : [...batch[0]!, m, k]), gradTensorArb(bVec ? [k] : [...batch[1]!, k, n]))),
    },
  }),
  op<[Tensor, Tensor, CdistOpts]>({
    name: 'cdist', group: 'linalg', arity: 2, domain: ['real', 'real'],
    // ‖a‖² + ‖b‖² − 2a·b loses absolute precision ~ sqrt(ulp·‖a‖²) near distance 0 (documented for 'matmul').
    tol: (dtype, a, b, o) => {
      const mm = (o.p ?? 2) === 2 && (o.mode === 'matmul' || ((o.mode ?? 'auto') === 'auto' && (a.shape.at(-2)! > 25 || b.shape.at(-2)! > 25)));
      if (!mm) return forwardTol(dtype, 'sum');
      return dtype === 'float64' ? { rtol: 1e-9, atol: 1e-6 } : { rtol: 1e-4, atol: 5e-3 };
    },
    args: (dtype) =>
      fc
        .record({
          n: innerDim, m: fc.oneof(innerDim, fc.constant(27)), d: innerDim,
          batch: broadcastShapesArb(2, { maxRank: 2, maxSize: 3 }),
          opts: fc.record({ p: fc.constantFrom(1, 2, Infinity, 3), mode: fc.constantFrom('auto', 'matmul', 'direct') as fc.Arbitrary<CdistOpts['mode']> }, { requiredKeys: [] }),
        })
        .chain(({ n, m, d, batch, opts }) =>
          fc.tuple(tensorArb([...batch[0]!, n, d], { dtype }), tensorArb([...batch[1]!, m, d], { dtype }), fc.constant(opts)),
        ),
    fn: (a, b, o) => T.cdist(a, b, o), method: (a, b, o) => a.cdist(b, o),
    ref: (a, b, o) => R.cdistRef(toNd(a), toNd(b), o.p ?? 2),
    // One check per norm and algorithm; odd against even multiples of 0.1, so no |a − b| is 0 (a kink for p = 1,
    // a pole of the derivative for p = 2).
    grad: ([{ p: 2, mode: 'direct' }, { p: 2, mode: 'matmul' }, { p: 2 }, { p: 1 }, { p: 3 }] as const).map((opts) => ({
      mode: JSON.stringify(opts),
      args: fc.record({ n: gradDim, m: gradDim, d: gradDim, batch: broadcastShapesArb(2, { maxRank: 1, minSize: 1, maxSize: 2 }) })
        .chain(({ n, m, d, batch }) => fc.tuple(gradTensorArb([...batch[0]!, n, d], 'odd'), gradTensorArb([...batch[1]!, m, d], 'even')))
        .map(([a, b]): [Tensor, Tensor, CdistOpts] => [a, b, opts]),
    })),
  }),
  op<[Tensor, number, { axis?: number; largest?: boolean }]>({
    name: 'topk', group: 'linalg', arity: 1, domain: ['smallInt'], tol: 'elementwise',
    args: (dtype) =>
      shapeArb({ minRank: 1 }).chain((s) =>
        fc.option(oneAxisArb(s.length), { nil: undefined }).chain((axis) => {
          const n = s[axis === undefined ? s.length - 1 : axis < 0 ? axis + s.length : axis]!;
          return fc.tuple(
            tensorArb(s, { dtype, domain: domains.smallInt }),
            fc.integer({ min: 0, max: n }),
            fc.option(fc.boolean(), { nil: undefined }).map((largest) => {
              const o: { axis?: number; largest?: boolean } = {};
              if (axis !== undefined) o.axis = axis;
              if (largest !== undefined) o.largest = largest;
              return o;
            }),
          );
        }),
      ),
    fn: (x, k, o) => T.topk(x, k, o), method: (x, k, o) => x.topk(k, o),
    ref: (x, k, o) => {
      const ax = o.axis === undefined ? x.ndim - 1 : o.axis < 0 ? o.axis + x.ndim : o.axis;
      return R.topkRef(toNd(x), k, ax, o.largest ?? true);
    },
    // Distinct values: no ties at the k-th place. The values are checked (the indices are integers).
    grad: {
      args: tinyShape({ minRank: 1 }).chain((s) =>
        fc.option(oneAxisArb(s.length), { nil: undefined }).chain((axis) => {
          const n = s[axis === undefined ? s.length - 1 : axis < 0 ? axis + s.length : axis]!;
          return fc.tuple(gradTensorArb(s, 'distinct'), fc.integer({ min: 1, max: n }), fc.constant(axis), fc.option(fc.boolean(), { nil: undefined }));
        }))
        .map(([x, k, axis, largest]): [Tensor, number, { axis?: number; largest?: boolean }] =>
          [x, k, { ...(axis === undefined ? {} : { axis }), ...(largest === undefined ? {} : { largest }) }]),
      out: <X>(y: OutputOf<X>): X => (y as { values: X }).values,
    },
  }),
];

// ---- networks ------------------------------------------------------------------------------------

/** A tensor of rank ≥ 1 and an axis, or none (the last). */
const softmaxArgs = (shapes: fc.Arbitrary<number[]>, tensors: TensorsOf): fc.Arbitrary<[Tensor, number | undefined]> =>
  shapes.chain((s) => fc.tuple(tensors(s), fc.option(oneAxisArb(s.length), { nil: undefined })));

function softmaxLike(name: 'softmax' | 'logSoftmax'): AnyOpSpec {
  const isLog = name === 'logSoftmax';
  return op<[Tensor, number | undefined]>({
    name, group: 'nn', arity: 1, domain: ['real'], tol: 'sum',
    args: (dtype) => softmaxArgs(shapeArb({ minRank: 1 }), tensorsOf(dtype, domains.wide)),
    fn: (x, a) => (isLog ? T.logSoftmax(x, a) : T.softmax(x, a)),
    method: (x, a) => (isLog ? x.logSoftmax(a) : x.softmax(a)),
    ref: (x, a) => {
      const ax = a === undefined ? x.ndim - 1 : a < 0 ? a + x.ndim : a;
      return isLog ? R.logSoftmaxRef(toNd(x), ax) : R.softmaxRef(toNd(x), ax);
    },
    grad: { args: softmaxArgs(tinyShape({ minRank: 1 }), gradTensorArb) },
  });
}

type Pair = [number, number];
interface ConvCase { n: number; c: number; h: number; w: number; o: number; k: Pair; stride: Pair; padding: Pair; dilation: Pair; bias: boolean; relu?: boolean }

const small = (lo: number, hi: number): fc.Arbitrary<number> => fc.integer({ min: lo, max: hi });
const pairOf = (lo: number, hi: number): fc.Arbitrary<Pair> => fc.tuple(small(lo, hi), small(lo, hi));

const convCaseArb: fc.Arbitrary<ConvCase> = fc
  .record({
    n: small(1, 2), c: small(1, 3), h: small(1, 6), w: small(1, 6), o: small(1, 3),
    k: pairOf(1, 3), stride: pairOf(1, 2), padding: pairOf(0, 1), dilation: pairOf(1, 2), bias: fc.boolean(), relu: fc.boolean(),
  })
  .filter((g) => [0, 1].every((i) => (i === 0 ? g.h : g.w) + 2 * g.padding[i]! >= g.dilation[i]! * (g.k[i]! - 1) + 1));

type ConvOpts = { stride: Pair; padding: Pair; dilation: Pair; bias?: Tensor; activation?: 'relu' };

/** The gradient draws' conv2d arguments (the bias, when there is one, differentiated too), with `activation`. */
function gradConvArgs(activation: 'relu' | undefined): fc.Arbitrary<[Tensor, Tensor, ConvOpts]> {
  return gradConvCaseArb
    .chain((g) => fc.tuple(
      fc.constant(g),
      gradTensorArb([g.n, g.c, g.h, g.w]),
      gradTensorArb([g.o, g.c, g.k[0], g.k[1]]),
      g.bias ? gradTensorArb([g.o]).map((b): Tensor[] => [b]) : fc.constant<Tensor[]>([]),
    ))
    .map(([g, x, w, [bias]]): [Tensor, Tensor, ConvOpts] => {
      const opts: ConvOpts = { stride: g.stride, padding: g.padding, dilation: g.dilation };
      if (bias) opts.bias = bias;
      if (activation) opts.activation = activation;
      return [x, w, opts];
    })
    // relu's kink: central differences need every pre-activation well away from 0.
    .filter(([x, w, o]) => activation === undefined ||
      T.conv2d(x, w, { ...o, activation: undefined }).toTypedArray().every((v) => Math.abs(v) > 0.05));
}

interface PoolCase { n: number; c: number; h: number; w: number; k: Pair; stride: Pair | undefined; padding: Pair; countIncludePad: boolean | undefined }
const poolCaseArb: fc.Arbitrary<PoolCase> = fc
  .record({
    n: small(1, 2), c: small(1, 3), h: small(1, 6), w: small(1, 6), k: pairOf(1, 3),
    stride: fc.option(pairOf(1, 3), { nil: undefined }), padding: pairOf(0, 1), countIncludePad: fc.option(fc.boolean(), { nil: undefined }),
  })
  .filter((g) => [0, 1].every((i) => 2 * g.padding[i]! <= g.k[i]! && (i === 0 ? g.h : g.w) + 2 * g.padding[i]! >= g.k[i]!));

type PoolOpts = { kernelSize: Pair; stride?: Pair; padding: Pair; countIncludePad?: boolean };
const poolOpts = (g: PoolCase): PoolOpts => {
  const o: PoolOpts = { kernelSize: g.k, padding: g.padding };
  if (g.stride !== undefined) o.stride = g.stride;
  if (g.countIncludePad !== undefined) o.countIncludePad = g.countIncludePad;
  return o;
};

// The gradient checks' convolutions and poolings: fewer and smaller axes, so that whole Jacobians stay small.
const gradConvCaseArb: fc.Arbitrary<ConvCase> = fc
  .record({
    n: small(1, 2), c: small(1, 2), h: small(1, 4), w: small(1, 4), o: small(1, 2),
    k: pairOf(1, 2), stride: pairOf(1, 2), padding: pairOf(0, 1), dilation: pairOf(1, 2), bias: fc.boolean(),
  })
  .filter((g) => [0, 1].every((i) => (i === 0 ? g.h : g.w) + 2 * g.padding[i]! >= g.dilation[i]! * (g.k[i]! - 1) + 1));

type GradPoolCase = Omit<PoolCase, 'countIncludePad'>;
const gradPoolCaseArb: fc.Arbitrary<GradPoolCase> = fc
  .record({
    n: small(1, 2), c: small(1, 2), h: small(1, 4), w: small(1, 4),
    k: pairOf(1, 3), stride: fc.option(pairOf(1, 2), { nil: undefined }), padding: pairOf(0, 1),
  })
  .filter((g) => [0, 1].every((i) => 2 * g.padding[i]! <= g.k[i]! && (i === 0 ? g.h : g.w) + 2 * g.padding[i]! >= g.k[i]!));

const gradPoolOpts = (g: GradPoolCase): PoolOpts =>
  g.stride === undefined ? { kernelSize: g.k, padding: g.padding } : { kernelSize: g.k, stride: g.stride, padding: g.padding };

type ReluPoolOpts = { stride: Pair; padding: Pair; dilation: Pair; bias?: Tensor; pool: PoolOpts };

/** A convolution case with a pooling of its output (window, stride, padding, countIncludePad drawn to fit). */
function reluPoolCaseArb(convs: fc.Arbitrary<ConvCase>): fc.Arbitrary<[ConvCase, PoolOpts]> {
  return convs.chain((g) => {
    const out = [0, 1].map((i) => Math.floor(((i === 0 ? g.h : g.w) + 2 * g.padding[i]! - g.dilation[i]! * (g.k[i]! - 1) - 1) / g.stride[i]!) + 1);
    return fc.tuple(fc.constant(g), fc.record({
      k: fc.tuple(small(1, Math.min(3, out[0]! + 1)), small(1, Math.min(3, out[1]! + 1))),
      stride: fc.option(pairOf(1, 2), { nil: undefined }), padding: pairOf(0, 1), countIncludePad: fc.option(fc.boolean(), { nil: undefined }),
    }).filter((p) => [0, 1].every((i) => 2 * p.padding[i]! <= p.k[i]! && out[i]! + 2 * p.padding[i]! >= p.k[i]!))
      .map((p) => poolOpts({ n: g.n, c: g.o, h: out[0]!, w: out[1]!, ...p })));
  });
}

/** The gradient draws' conv2dReluAvgPool arguments (the bias, when there is one, differentiated too). */
function gradReluPoolArgs(): fc.Arbitrary<[Tensor, Tensor, ReluPoolOpts]> {
  return reluPoolCaseArb(gradConvCaseArb)
    .chain(([g, pool]) => fc.tuple(
      fc.constant(g), fc.constant(pool),
      gradTensorArb([g.n, g.c, g.h, g.w]),
      gradTensorArb([g.o, g.c, g.k[0], g.k[1]]),
      g.bias ? gradTensorArb([g.o]).map((b): Tensor[] => [b]) : fc.constant<Tensor[]>([]),
    ))
    .map(([g, pool, x, w, [bias]]): [Tensor, Tensor, ReluPoolOpts] => {
      const opts: ReluPoolOpts = { stride: g.stride, padding: g.padding, dilation: g.dilation, pool };
      if (bias) opts.bias = bias;
      return [x, w, opts];
    })
    // relu's kink: central differences need every pre-activation well away from 0.
    .filter(([x, w, o]) => T.conv2d(x, w, { stride: o.stride, padding: o.padding, dilation: o.dilation, ...(o.bias ? { bias: o.bias } : {}) })
      .toTypedArray().every((v) => Math.abs(v) > 0.05));
}

const nnOps: AnyOpSpec[] = [
  softmaxLike('softmax'),
  softmaxLike('logSoftmax'),
  op<[Tensor, Tensor, ConvOpts]>({
    name: 'conv2d', group: 'nn', arity: 2, domain: ['real', 'real'], tol: 'sum',
    args: (dtype) =>
      convCaseArb.chain((g) =>
        fc.tuple(
          tensorArb([g.n, g.c, g.h, g.w], { dtype }),
          tensorArb([g.o, g.c, g.k[0], g.k[1]], { dtype }),
          (g.bias ? tensorArb([g.o], { dtype }).map((b): Tensor[] => [b]) : fc.constant<Tensor[]>([])).map(([b]): ConvOpts => ({
            stride: g.stride, padding: g.padding, dilation: g.dilation, ...(b ? { bias: b } : {}),
            ...(g.relu ? { activation: 'relu' as const } : {}),
          })),
        ),
      ),
    fn: T.conv2d, method: (x, w, o) => x.conv2d(w, o),
    ref: (x, w, o) => {
      const y = R.conv2dRef(toNd(x), toNd(w), o, o.bias ? toNd(o.bias) : undefined);
      return o.activation === 'relu' ? R.map(y, (v) => (v > 0 ? v : 0)) : y;
    },
    grad: [{ args: gradConvArgs(undefined) }, { mode: 'relu', args: gradConvArgs('relu') }],
  }),
  op<[Tensor, Tensor, ReluPoolOpts]>({
    name: 'conv2dReluAvgPool', group: 'nn', arity: 2, domain: ['real', 'real'], tol: 'sum',
    args: (dtype) =>
      reluPoolCaseArb(convCaseArb).chain(([g, pool]) =>
        fc.tuple(
          tensorArb([g.n, g.c, g.h, g.w], { dtype }),
          tensorArb([g.o, g.c, g.k[0], g.k[1]], { dtype }),
          (g.bias ? tensorArb([g.o], { dtype }).map((b): Tensor[] => [b]) : fc.constant<Tensor[]>([])).map(([b]): ReluPoolOpts => ({
            stride: g.stride, padding: g.padding, dilation: g.dilation, ...(b ? { bias: b } : {}), pool,
          })),
        ),
      ),
    fn: T.conv2dReluAvgPool, method: (x, w, o) => x.conv2dReluAvgPool(w, o),
    ref: (x, w, o) => {
      const r = R.map(R.conv2dRef(toNd(x), toNd(w), o, o.bias ? toNd(o.bias) : undefined), (v) => (v > 0 ? v : 0));
      const p = o.pool, k = o.pool.kernelSize;
      return R.pool2dRef(r, k, p.stride ?? k, p.padding, 'avg', p.countIncludePad ?? true);
    },
    grad: { args: gradReluPoolArgs() },
  }),
  op<[Tensor, PoolOpts]>({
    name: 'maxPool2d', group: 'nn', arity: 1, domain: ['real'], tol: 'elementwise',
    args: (dtype) => poolCaseArb.chain((g) => fc.tuple(tensorArb([g.n, g.c, g.h, g.w], { dtype }), fc.constant(poolOpts(g)))),
    fn: T.maxPool2d, method: (x, o) => x.maxPool2d(o),
    ref: (x, o) => R.pool2dRef(toNd(x), o.kernelSize, o.stride ?? o.kernelSize, o.padding, 'max'),
    // Distinct values: no ties inside a window.
    grad: {
      args: gradPoolCaseArb
        .chain((g) => fc.tuple(fc.constant(gradPoolOpts(g)), gradTensorArb([g.n, g.c, g.h, g.w], 'distinct')))
        .map(([o, x]): [Tensor, PoolOpts] => [x, o]),
    },
  }),
  op<[Tensor, PoolOpts]>({
    name: 'avgPool2d', group: 'nn', arity: 1, domain: ['real'], tol: 'sum',
    args: (dtype) => poolCaseArb.chain((g) => fc.tuple(tensorArb([g.n, g.c, g.h, g.w], { dtype }), fc.constant(poolOpts(g)))),
    fn: T.avgPool2d, method: (x, o) => x.avgPool2d(o),
    ref: (x, o) => R.pool2dRef(toNd(x), o.kernelSize, o.stride ?? o.kernelSize, o.padding, 'avg', o.countIncludePad ?? true),
    grad: [true, false].map((countIncludePad) => ({
      mode: `countIncludePad=${countIncludePad}`,
      args: gradPoolCaseArb
        .chain((g) => fc.tuple(fc.constant({ ...gradPoolOpts(g), countIncludePad }), gradTensorArb([g.n, g.c, g.h, g.w])))
        .map(([o, x]): [Tensor, PoolOpts] => [x, o]),
    })),
  }),
];

/** Every op, in one table. */
export const OPS: readonly AnyOpSpec[] = [...elementwise, ...reductions, ...views, ...linalg, ...nnOps];

/** The rows by name. */
export const opByName = (name: string): AnyOpSpec => {
  const s = OPS.find((o) => o.name === name);
  if (s === undefined) throw new Error(`no op named ${name} in the spec table`);
  return s;
};
