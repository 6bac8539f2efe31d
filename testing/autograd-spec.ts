/**
 * THE gradient table: one row per differentiable op (several for ops whose modes differ, such as norm's ord or
 * cdist's p), each drawing random float64 cases with fast-check. A case is a function of Variables, the same
 * computation on Tensors (the forward reference), and the float64 inputs to differentiate, with values kept away
 * from the op's kinks: relu/abs away from 0, no ties in max/min/maximum/topk/max pooling, pow's base > 0, log
 * and sqrt inside their domains, clamp away from its bounds.
 *
 * The driver (packages/autograd/src/spec.test.ts) runs every row through the forward check, the VJP against
 * central differences (full Jacobians for tiny cases, ⟨c, J·t⟩ vs ⟨Jᵀc, t⟩ otherwise), the zero-cotangent
 * and shape/dtype invariants and the rules' shape rules; spec-second-order.test.ts runs gradgradcheck.
 *
 * It is driven by the op table (./op-spec.ts, the forward property tests): which ops need a row is derived from
 * it (`DIFFERENTIABLE_OPS`), and the rows of its elementwise ops and plain reductions are made from its rows
 * (`fromOpTable`: the op table's function form as the forward reference, its input domain as the values, narrowed
 * by `GRAD_DOMAIN` only where ties would break a finite difference). Views, linear algebra, the network ops and
 * the ops with modes (clamp, where, variance, norm, cdist, topk, pooling) keep rows of their own here, over tiny
 * shapes and the kink-free value sets of ./grad-arbitraries.ts.
 *
 * Shapes are tiny (rank 0–3, axis sizes 1–3; size-1 axes and rank 0 well represented) so the whole table runs
 * in seconds.
 */
import fc from 'fast-check';
import * as T from '@tsgrad/tensor';
import { Tensor, type TensorLike } from '@tsgrad/tensor';
import * as A from '@tsgrad/autograd';
import { OPS, type AnyOpSpec, type OpGroup } from './op-spec.js';
import type { Variable, VariableLike } from '@tsgrad/autograd';
import { broadcastShapesArb, contiguousTensor, oneAxisArb, reshapeTargetArb, shapeArb, type ShapeOptions } from './arbitraries.js';
import {
  gradBinaryArgs, gradReduceOptsArb, gradTensorArb, sizeOf, tinyShape, TINY, valuesArb, type ValueDomain,
} from './grad-arbitraries.js';

/** One draw of a row: what to differentiate, where. */
export interface GradCase {
  /** Shapes and options, printed when a property fails. */
  label: string;
  /** The float64 inputs the function is differentiated with respect to (possibly strided views). */
  inputs: Tensor[];
  /** The op under test, on Variables (one per input, in order). */
  f: (...xs: Variable[]) => Variable;
  /** The same computation with tensor ops: the forward reference. */
  ref: (...xs: Tensor[]) => Tensor;
}

export type GradGroup = 'unary' | 'binary' | 'reduce' | 'view' | 'linalg' | 'nn';

export interface GradSpec {
  /** The row's name: the op, plus its mode where one op has several rows (`norm ord=3`). */
  name: string;
  /** The op (a name of the issue's list); several rows may share it. */
  op: string;
  group: GradGroup;
  cases: fc.Arbitrary<GradCase>;
  /** Whether the row also runs gradgradcheck (second derivatives through the VJP rules). */
  secondOrder: boolean;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;
const json = (v: unknown): string => JSON.stringify(v, (_, x) => (x === Infinity ? 'Infinity' : x instanceof Tensor ? `Tensor${fmt(x.shape)}` : x));

/** Makes a case whose counterexample prints as its label. */
function gradCase(label: string, inputs: Tensor[], f: GradCase['f'], ref: GradCase['ref']): GradCase {
  return { label, inputs, f, ref, [fc.toStringMethod]: () => `${label} with inputs ${inputs.map((x) => fmt(x.shape)).join(', ')}` } as GradCase;
}

const row = (name: string, op: string, group: GradGroup, cases: fc.Arbitrary<GradCase>, secondOrder = true): GradSpec => ({
  name, op, group, cases, secondOrder,
});

// ---- elementwise ---------------------------------------------------------------------------------

function unary(op: string, vf: (x: Variable) => Variable, tf: (x: Tensor) => Tensor, domain: ValueDomain = 'real'): GradSpec {
  return row(op, op, 'unary', tinyShape().chain((s) => gradTensorArb(s, domain)).map((x) => gradCase(op, [x], vf, tf)));
}

/** Binds the tensor operands to Variables, keeping numbers as constants. */
function bind(operands: readonly (Tensor | number)[]): {
  inputs: Tensor[];
  vars: (vs: Variable[]) => VariableLike[];
  tens: (ts: Tensor[]) => TensorLike[];
  label: string;
} {
  const inputs = operands.filter((o): o is Tensor => o instanceof Tensor);
  const pick = <X>(xs: X[]): (X | number)[] => {
    let k = 0;
    return operands.map((o) => (o instanceof Tensor ? xs[k++]! : o));
  };
  return {
    inputs,
    vars: (vs) => pick(vs),
    tens: (ts) => pick(ts),
    label: operands.map((o) => (o instanceof Tensor ? fmt(o.shape) : `number ${o}`)).join(' with '),
  };
}

function binary(
  op: string, vf: (a: VariableLike, b: VariableLike) => Variable, tf: (a: TensorLike, b: TensorLike) => Tensor,
  da: ValueDomain = 'real', db: ValueDomain = da,
): GradSpec {
  return row(op, op, 'binary', gradBinaryArgs(da, db).map((ops) => {
    const b = bind(ops);
    return gradCase(`${op} ${b.label}`, b.inputs, (...vs) => vf(...(b.vars(vs) as [VariableLike, VariableLike])), (...ts) => tf(...(b.tens(ts) as [TensorLike, TensorLike])));
  }));
}

/** Ops of the op table that autograd has but does not differentiate: they return constants (checked in variable.test.ts). */
export const NON_DIFFERENTIABLE: readonly string[] = ['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual', 'sign', 'argmax', 'argmin'];

/**
 * The ops this table must cover, derived rather than listed: every row of the op table (./op-spec.ts) that
 * autograd has an op of the same name for, less the non-differentiable ones. A new op with a spec row and an
 * autograd op but no gradient row fails the coverage test.
 */
export const DIFFERENTIABLE_OPS: readonly string[] = OPS.map((o) => o.name)
  .filter((name) => typeof (A as Record<string, unknown>)[name] === 'function' && !NON_DIFFERENTIABLE.includes(name));

/**
 * Where a gradient check needs other values than the op table's forward domain: no ties (the forward tests
 * want them; central differences across a tie of three or more do not match the VJP's even split).
 */
const GRAD_DOMAIN: Readonly<Record<string, readonly ValueDomain[]>> = {
  maximum: ['odd', 'even'], minimum: ['even', 'odd'], max: ['distinct'], min: ['distinct'],
};

/** Ops whose gradient rows are written out below (their arguments are more than tensors and plain options). */
const CUSTOM_ROWS = ['clamp', 'variance', 'norm'];

/**
 * The gradient rows of an op-table group, one per differentiable op: the op table's function form is the
 * forward reference and its input domain the values (unless GRAD_DOMAIN narrows it), so a plain elementwise op
 * or reduction added to the op table gets its gradient check without a row here.
 */
function fromOpTable(group: OpGroup, make: (r: AnyOpSpec, domains: ValueDomain[]) => GradSpec): GradSpec[] {
  return OPS.filter((r) => r.group === group && DIFFERENTIABLE_OPS.includes(r.name) && !CUSTOM_ROWS.includes(r.name))
    .map((r) => make(r, [...(GRAD_DOMAIN[r.name] ?? (r.domain as ValueDomain[]))]));
}

/** The autograd op of a name, typed as the caller's form of it. */
const autogradOp = <F>(name: string): F => (A as unknown as Record<string, F>)[name]!;

const elementwise: GradSpec[] = [
  ...fromOpTable('binary', (r, [da, db]) => binary(r.name, autogradOp(r.name), r.fn as (a: TensorLike, b: TensorLike) => Tensor, da, db)),
  ...fromOpTable('unary', (r, [d]) => unary(r.name, autogradOp(r.name), r.fn as (x: Tensor) => Tensor, d)),
  row('clamp', 'clamp', 'unary',
    fc.tuple(
      tinyShape().chain((s) => gradTensorArb(s, 'offQuarter')),
      fc.option(fc.integer({ min: -8, max: 8 }).map((v) => v / 4), { nil: undefined }),
      fc.option(fc.integer({ min: -8, max: 8 }).map((v) => v / 4), { nil: undefined }),
    ).map(([x, lo0, hi0]) => {
      const [lo, hi] = lo0 !== undefined && hi0 !== undefined && lo0 > hi0 ? [hi0, lo0] : [lo0, hi0];
      return gradCase(`clamp(${lo}, ${hi})`, [x], (v) => A.clamp(v, lo, hi), (t) => T.clamp(t, lo, hi));
    })),
  // The condition is a constant; a and b are differentiated (b may be a number).
  row('where', 'where', 'binary',
    broadcastShapesArb(3, TINY).chain(([sc, sa, sb]) =>
      fc.tuple(
        valuesArb('condition', sizeOf(sc!)).map((v) => contiguousTensor(sc!, v, 'float64')),
        gradTensorArb(sa!),
        fc.oneof({ arbitrary: gradTensorArb(sb!) as fc.Arbitrary<Tensor | number>, weight: 3 }, { arbitrary: valuesArb('real', 1).map((v) => v[0]!), weight: 1 }),
      ),
    ).map(([cond, a, b0]) => {
      const b = bind([a, b0]);
      return gradCase(`where cond ${fmt(cond.shape)}, ${b.label}`, b.inputs,
        (...vs) => A.where(cond, ...(b.vars(vs) as [VariableLike, VariableLike])),
        (...ts) => T.where(cond, ...(b.tens(ts) as [TensorLike, TensorLike])));
    })),
];

// ---- reductions ----------------------------------------------------------------------------------

type ReduceOpts = { axis?: number | number[]; keepDims?: boolean };

function reduction(
  op: string, vf: (x: Variable, o?: ReduceOpts) => Variable, tf: (x: Tensor, o?: ReduceOpts) => Tensor,
  domain: ValueDomain = 'real', shape: ShapeOptions = {},
): GradSpec {
  return row(op, op, 'reduce',
    tinyShape(shape).chain((s) => fc.tuple(gradTensorArb(s, domain), gradReduceOptsArb(s.length))).map(([x, o]) =>
      gradCase(`${op} ${json(o ?? null)}`, [x], (v) => (o === undefined ? vf(v) : vf(v, o)), (t) => (o === undefined ? tf(t) : tf(t, o))),
    ));
}

const reducedCount = (x: Tensor, axis: number | readonly number[] | undefined): number =>
  T.normAxes('test', axis, x.shape).reduce((k, a) => k * x.shape[a]!, 1);

function normRow(ord: number, domain: ValueDomain): GradSpec {
  return row(`norm ord=${ord}`, 'norm', 'reduce',
    tinyShape().chain((s) => fc.tuple(gradTensorArb(s, domain), gradReduceOptsArb(s.length))).map(([x, o]) => {
      const opts = { ...o, ord };
      return gradCase(`norm ${json(opts)}`, [x], (v) => A.norm(v, opts), (t) => T.norm(t, opts));
    }));
}

const reductions: GradSpec[] = [
  ...fromOpTable('reduce', (r, [d]) => reduction(r.name, autogradOp(r.name), r.fn as (x: Tensor, o?: ReduceOpts) => Tensor, d)),
  row('variance', 'variance', 'reduce',
    tinyShape()
      .chain((s) => fc.tuple(gradTensorArb(s), gradReduceOptsArb(s.length), fc.constantFrom(0, 1)))
      .filter(([x, o, corr]) => reducedCount(x, o?.axis) > corr)
      .map(([x, o, correction]) => {
        const opts = { ...o, correction };
        return gradCase(`variance ${json(opts)}`, [x], (v) => A.variance(v, opts), (t) => T.variance(t, opts));
      })),
  normRow(1, 'nonzero'),
  normRow(2, 'nonzero'),
  normRow(Infinity, 'distinct'),
  normRow(3, 'nonzero'),
];

// ---- shapes and views ----------------------------------------------------------------------------


type Spec1 = number | null | [(number | null)?, (number | null)?, (number | null)?];

/** One axis' slice: all (null), an integer index (drops the axis), or [start, stop, step] with negative steps. */
function sliceSpecArb(n: number): fc.Arbitrary<Spec1> {
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

function view<X>(op: string, make: fc.Arbitrary<X>, build: (x: X) => GradCase): GradSpec {
  return row(op, op, 'view', make.map(build));
}

const views: GradSpec[] = [
  view('reshape', tinyShape().chain((s) => fc.tuple(gradTensorArb(s), reshapeTargetArb(s))), ([x, s]) =>
    gradCase(`reshape to ${fmt(s)}`, [x], (v) => A.reshape(v, s), (t) => T.reshape(t, s))),
  view('flatten',
    tinyShape().chain((s) => {
      const ax = s.length > 0 ? fc.option(oneAxisArb(s.length), { nil: undefined }) : fc.constant(undefined);
      return fc.tuple(gradTensorArb(s), ax, ax).filter(([x, a, b]) => {
        const n = x.ndim, s0 = a === undefined ? 0 : a < 0 ? a + n : a, e0 = b === undefined ? n - 1 : b < 0 ? b + n : b;
        return n === 0 || s0 <= e0;
      });
    }),
    ([x, a, b]) => gradCase(`flatten(${a}, ${b})`, [x], (v) => A.flatten(v, a, b), (t) => T.flatten(t, a, b))),
  view('transpose',
    tinyShape().chain((s) => fc.tuple(gradTensorArb(s), fc.option(fc.shuffledSubarray(range(s.length), { minLength: s.length, maxLength: s.length }), { nil: undefined }))),
    ([x, p]) => gradCase(`transpose(${json(p ?? null)})`, [x], (v) => A.transpose(v, p), (t) => T.transpose(t, p))),
  view('permute',
    tinyShape().chain((s) =>
      fc.tuple(
        gradTensorArb(s),
        fc.tuple(fc.shuffledSubarray(range(s.length), { minLength: s.length, maxLength: s.length }), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }))
          .map(([p, neg]) => p.map((a, i) => (neg[i] ? a - s.length : a))),
      )),
    ([x, p]) => gradCase(`permute(${json(p)})`, [x], (v) => A.permute(v, p), (t) => T.permute(t, p))),
  view('expandDims', tinyShape().chain((s) => fc.tuple(gradTensorArb(s), fc.integer({ min: -s.length - 1, max: s.length }))),
    ([x, a]) => gradCase(`expandDims(${a})`, [x], (v) => A.expandDims(v, a), (t) => T.expandDims(t, a))),
  view('squeeze',
    tinyShape().chain((s) => {
      const ones = range(s.length).filter((i) => s[i] === 1);
      const axis: fc.Arbitrary<number | number[] | undefined> = ones.length > 0
        ? fc.oneof(fc.constant(undefined), fc.constantFrom(...ones).map((a) => a - s.length), fc.shuffledSubarray(ones, { minLength: 1 }))
        : fc.constant(undefined);
      return fc.tuple(gradTensorArb(s), axis);
    }),
    ([x, a]) => gradCase(`squeeze(${json(a ?? null)})`, [x], (v) => A.squeeze(v, a), (t) => T.squeeze(t, a))),
  view('broadcastTo',
    tinyShape().chain((s) =>
      fc.tuple(
        gradTensorArb(s),
        fc.tuple(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: s.length, maxLength: s.length }))
          .map(([lead, stretch]) => [...lead, ...s.map((d, i) => (d === 1 ? stretch[i]! : d))]),
      )),
    ([x, s]) => gradCase(`broadcastTo ${fmt(s)}`, [x], (v) => A.broadcastTo(v, s), (t) => T.broadcastTo(t, s))),
  view('expand', tinyShape().chain((s) => fc.tuple(gradTensorArb(s), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }).map((lead) => [...lead, ...s]))),
    ([x, s]) => gradCase(`expand ${fmt(s)}`, [x], (v) => A.expand(v, s), (t) => T.broadcastTo(t, s))),
  view('slice',
    tinyShape({ minRank: 1 }).chain((s) => fc.tuple(gradTensorArb(s), fc.integer({ min: 1, max: s.length }).chain((k) => fc.tuple(...s.slice(0, k).map(sliceSpecArb)))))
      .filter(([x, r]) => T.slice(x, r).size > 0),
    ([x, r]) => gradCase(`slice ${json(r)}`, [x], (v) => A.slice(v, r), (t) => T.slice(t, r))),
  view('concat',
    tinyShape({ minRank: 1 }).chain((s) =>
      oneAxisArb(s.length).chain((axis) =>
        fc.tuple(
          fc.array(fc.integer({ min: 1, max: 3 }).chain((k) => {
            const sh = s.slice();
            sh[axis < 0 ? axis + s.length : axis] = k;
            return gradTensorArb(sh);
          }), { minLength: 1, maxLength: 3 }),
          fc.constant(axis),
        ))),
    ([xs, axis]) => gradCase(`concat axis ${axis}`, xs, (...vs) => A.concat(vs, axis), (...ts) => T.concat(ts, axis))),
  view('stack',
    tinyShape().chain((s) => fc.tuple(fc.array(gradTensorArb(s), { minLength: 1, maxLength: 3 }), fc.integer({ min: -s.length - 1, max: s.length }))),
    ([xs, axis]) => gradCase(`stack axis ${axis}`, xs, (...vs) => A.stack(vs, axis), (...ts) => T.stack(ts, axis))),
  // split's pieces are joined back (flattened, each scaled by its position) into one output.
  view('split',
    tinyShape({ minRank: 1 }).chain((s) =>
      oneAxisArb(s.length).chain((axis) => {
        const n = s[axis < 0 ? axis + s.length : axis]!;
        const divisors = range(n).map((i) => i + 1).filter((k) => n % k === 0);
        const parts = fc.array(fc.integer({ min: 0, max: n }), { maxLength: 2 }).map((cuts) => {
          const c = [0, ...cuts.sort((a, b) => a - b), n];
          return c.slice(1).map((v, i) => v - c[i]!);
        });
        return fc.tuple(gradTensorArb(s), fc.oneof(fc.constantFrom(...divisors), parts), fc.constant(axis));
      })),
    ([x, sizes, axis]) => {
      const join = <X extends Variable | Tensor>(ps: X[], rs: (p: X, s: number[]) => X, sc: (p: X, k: number) => X, cat: (xs: X[]) => X): X =>
        cat(ps.map((p, i) => rs(sc(p, i + 1), [p.size])));
      return gradCase(`split ${json(sizes)} axis ${axis}`, [x],
        (v) => join(A.split(v, sizes, axis), A.reshape, A.mul, (xs) => A.concat(xs)),
        (t) => join(T.split(t, sizes, axis), T.reshape, T.mul, (xs) => T.concat(xs)));
    }),
  view('pad',
    tinyShape().chain((s) => {
      const w = fc.integer({ min: 0, max: 2 });
      const widths: fc.Arbitrary<number | [number, number] | [number, number][]> = fc.oneof(w, fc.tuple(w, w), fc.array(fc.tuple(w, w), { minLength: s.length, maxLength: s.length }));
      return fc.tuple(gradTensorArb(s), widths, fc.constantFrom(0, -1.5, 2));
    }),
    ([x, w, value]) => gradCase(`pad ${json(w)} value ${value}`, [x], (v) => A.pad(v, w, value), (t) => T.pad(t, w, value))),
  // Indices repeat (the VJP must add, not overwrite), wrap when negative, and come as a list or a tensor.
  view('gather',
    tinyShape({ minRank: 1 }).chain((s) =>
      fc.option(oneAxisArb(s.length), { nil: undefined }).chain((axis) => {
        const n = s[axis === undefined ? 0 : axis < 0 ? axis + s.length : axis]!;
        const idx = fc.integer({ min: -n, max: n - 1 });
        const list = fc.array(idx, { minLength: 1, maxLength: 4 });
        const asTensor = shapeArb({ maxRank: 2, minSize: 1, maxSize: 3 }).chain((ish) =>
          fc.array(idx, { minLength: sizeOf(ish), maxLength: sizeOf(ish) }).map((v) => T.tensor(v, { shape: ish, dtype: 'float64' })));
        const index: fc.Arbitrary<number[] | Int32Array | Tensor> = fc.oneof(list, list.map((l) => Int32Array.from(l)), asTensor);
        return fc.tuple(gradTensorArb(s), index, fc.constant(axis));
      })),
    ([x, i, axis]) => gradCase(`gather ${i instanceof Tensor ? `Tensor${fmt(i.shape)} ${json(Array.from(i.toTypedArray()))}` : json(Array.from(i))} axis ${axis}`, [x],
      (v) => A.gather(v, i, axis), (t) => T.gather(t, i, axis))),
  // On a permuted view, so that contiguous() really copies.
  view('contiguous', tinyShape().chain((s) => gradTensorArb(s)), (x) =>
    gradCase('contiguous of transpose', [x], (v) => A.contiguous(A.transpose(v)), (t) => T.contiguous(T.transpose(t)))),
];

// ---- linear algebra ------------------------------------------------------------------------------

const dim = fc.integer({ min: 1, max: 3 });

const linalg: GradSpec[] = [
  // 1-D and stacks of matrices with broadcast batch axes (size-1 batch axes included).
  row('matmul', 'matmul', 'linalg',
    fc.record({
      m: dim, k: dim, n: dim,
      batch: broadcastShapesArb(2, { maxRank: 2, minSize: 1, maxSize: 2 }),
      aVec: fc.boolean(), bVec: fc.boolean(),
    }).chain(({ m, k, n, batch, aVec, bVec }) =>
      fc.tuple(gradTensorArb(aVec ? [k] : [...batch[0]!, m, k]), gradTensorArb(bVec ? [k] : [...batch[1]!, k, n])),
    ).map(([a, b]) => gradCase(`matmul ${fmt(a.shape)} @ ${fmt(b.shape)}`, [a, b], A.matmul, T.matmul))),
  ...([
    { p: 2, mode: 'direct' }, { p: 2, mode: 'matmul' }, { p: 2 }, { p: 1 }, { p: 3 },
  ] as const).map((opts) =>
    row(`cdist ${json(opts)}`, 'cdist', 'linalg',
      fc.record({ n: dim, m: dim, d: dim, batch: broadcastShapesArb(2, { maxRank: 1, minSize: 1, maxSize: 2 }) })
        .chain(({ n, m, d, batch }) => fc.tuple(gradTensorArb([...batch[0]!, n, d], 'odd'), gradTensorArb([...batch[1]!, m, d], 'even')))
        .map(([a, b]) => gradCase(`cdist ${fmt(a.shape)}, ${fmt(b.shape)} ${json(opts)}`, [a, b], (x, y) => A.cdist(x!, y!, opts), (x, y) => T.cdist(x!, y!, opts))))),
  row('topk', 'topk', 'linalg',
    tinyShape({ minRank: 1 }).chain((s) =>
      fc.option(oneAxisArb(s.length), { nil: undefined }).chain((axis) => {
        const n = s[axis === undefined ? s.length - 1 : axis < 0 ? axis + s.length : axis]!;
        return fc.tuple(gradTensorArb(s, 'distinct'), fc.integer({ min: 1, max: n }), fc.constant(axis), fc.option(fc.boolean(), { nil: undefined }));
      }),
    ).map(([x, k, axis, largest]) => {
      const opts = { ...(axis === undefined ? {} : { axis }), ...(largest === undefined ? {} : { largest }) };
      return gradCase(`topk k=${k} ${json(opts)}`, [x], (v) => A.topk(v, k, opts).values, (t) => T.topk(t, k, opts).values);
    })),
];

// ---- networks ------------------------------------------------------------------------------------

function softmaxRow(op: 'softmax' | 'logSoftmax'): GradSpec {
  return row(op, op, 'nn',
    tinyShape({ minRank: 1 }).chain((s) => fc.tuple(gradTensorArb(s), fc.option(oneAxisArb(s.length), { nil: undefined }))).map(([x, axis]) =>
      gradCase(`${op} axis ${axis}`, [x], (v) => (op === 'softmax' ? A.softmax(v, axis) : A.logSoftmax(v, axis)), (t) => (op === 'softmax' ? T.softmax(t, axis) : T.logSoftmax(t, axis)))));
}

type Pair = [number, number];
const pairArb = (lo: number, hi: number): fc.Arbitrary<Pair> => fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }));

const convRow = row('conv2d', 'conv2d', 'nn',
  fc.record({
    n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 4 }), w: fc.integer({ min: 1, max: 4 }),
    o: fc.integer({ min: 1, max: 2 }), k: pairArb(1, 2), stride: pairArb(1, 2), padding: pairArb(0, 1), dilation: pairArb(1, 2), bias: fc.boolean(),
  })
    .filter((g) => [0, 1].every((i) => (i === 0 ? g.h : g.w) + 2 * g.padding[i]! >= g.dilation[i]! * (g.k[i]! - 1) + 1))
    .chain((g) => fc.tuple(
      fc.constant(g),
      gradTensorArb([g.n, g.c, g.h, g.w]),
      gradTensorArb([g.o, g.c, g.k[0], g.k[1]]),
      g.bias ? gradTensorArb([g.o]).map((b): Tensor[] => [b]) : fc.constant<Tensor[]>([]),
    ))
    .map(([g, x, w, bias]) => {
      const opts = { stride: g.stride, padding: g.padding, dilation: g.dilation };
      return gradCase(`conv2d ${json(opts)} bias ${g.bias}`, [x, w, ...bias],
        (xv, wv, bv) => A.conv2d(xv!, wv!, bv ? { ...opts, bias: bv } : opts),
        (xt, wt, bt) => T.conv2d(xt!, wt!, bt ? { ...opts, bias: bt } : opts));
    }));

interface PoolCase { n: number; c: number; h: number; w: number; k: Pair; stride: Pair | undefined; padding: Pair }
const poolCaseArb: fc.Arbitrary<PoolCase> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 4 }), w: fc.integer({ min: 1, max: 4 }),
    k: pairArb(1, 3), stride: fc.option(pairArb(1, 2), { nil: undefined }), padding: pairArb(0, 1),
  })
  .filter((g) => [0, 1].every((i) => 2 * g.padding[i]! <= g.k[i]! && (i === 0 ? g.h : g.w) + 2 * g.padding[i]! >= g.k[i]!));

const poolOpts = (g: PoolCase): { kernelSize: Pair; stride?: Pair; padding: Pair } =>
  g.stride === undefined ? { kernelSize: g.k, padding: g.padding } : { kernelSize: g.k, stride: g.stride, padding: g.padding };

const nnOps: GradSpec[] = [
  softmaxRow('softmax'),
  softmaxRow('logSoftmax'),
  convRow,
  row('maxPool2d', 'maxPool2d', 'nn',
    poolCaseArb.chain((g) => fc.tuple(fc.constant(poolOpts(g)), gradTensorArb([g.n, g.c, g.h, g.w], 'distinct'))).map(([o, x]) =>
      gradCase(`maxPool2d ${json(o)}`, [x], (v) => A.maxPool2d(v, o), (t) => T.maxPool2d(t, o)))),
  ...[true, false].map((countIncludePad) =>
    row(`avgPool2d countIncludePad=${countIncludePad}`, 'avgPool2d', 'nn',
      poolCaseArb.chain((g) => fc.tuple(fc.constant({ ...poolOpts(g), countIncludePad }), gradTensorArb([g.n, g.c, g.h, g.w]))).map(([o, x]) =>
        gradCase(`avgPool2d ${json(o)}`, [x], (v) => A.avgPool2d(v, o), (t) => T.avgPool2d(t, o))))),
];

/** Every differentiable op, in one table. */
export const GRAD_SPECS: readonly GradSpec[] = [...elementwise, ...reductions, ...views, ...linalg, ...nnOps];
