/**
 * The gradient table, derived entirely from the op table (./op-spec.ts): one row per gradient check of every
 * op autograd differentiates (`DIFFERENTIABLE_OPS`), several for an op whose row draws several modes (norm's
 * ord, cdist's p, avgPool2d's countIncludePad: `norm ord=3`). Nothing here is written per op.
 *
 * A row's cases come from its op-table row: each drawn argument list (the row's `grad`, float64 over tiny
 * shapes and away from the op's kinks) becomes a case whose function calls the autograd op of the row's name,
 * the drawn tensors bound to Variables (numbers, options and the row's `constant` arguments stay constants),
 * and whose forward reference is the row's own `fn` on the same list. An op with several outputs reduces them
 * to one through the row's `out`. Elementwise ops and plain reductions without `grad` get default draws here,
 * from the row's `gradDomain`, or its forward `domain`; any other differentiable op without `grad` is listed in
 * `WITHOUT_GRAD_DRAWS`, which the coverage test wants empty.
 *
 * The driver (packages/autograd/src/spec.test.ts) runs every row through the forward check, the VJP against
 * central differences (full Jacobians for tiny cases, ⟨c, J·t⟩ vs ⟨Jᵀc, t⟩ otherwise), the zero-cotangent
 * and shape/dtype invariants and the rules' shape rules; spec-second-order.test.ts runs gradgradcheck.
 */
import fc from 'fast-check';
import * as T from '@tsgrad/tensor';
import { Tensor } from '@tsgrad/tensor';
import * as A from '@tsgrad/autograd';
import type { Variable } from '@tsgrad/autograd';
import { OPS, type AnyOpSpec, type GradDraws, type JoinOps, type OpGroup, type OutputOf } from './op-spec.js';
import { gradBinaryArgs, gradReduceArgs, tinyTensorArb, type ValueDomain } from './grad-arbitraries.js';

/** One draw of a row: what to differentiate, where. */
export interface GradCase {
  /** The op and its arguments, printed when a property fails. */
  label: string;
  /** The float64 inputs the function is differentiated with respect to (possibly strided views). */
  inputs: Tensor[];
  /** The op under test, on Variables (one per input, in order). */
  f: (...xs: Variable[]) => Variable;
  /** The same computation with tensor ops: the forward reference. */
  ref: (...xs: Tensor[]) => Tensor;
}

export interface GradSpec {
  /** The row's name: the op, plus its mode where one op has several rows (`norm ord=3`). */
  name: string;
  /** The op (a row of the op table); several rows may share it. */
  op: string;
  group: OpGroup;
  cases: fc.Arbitrary<GradCase>;
  /** Whether the row also runs gradgradcheck (second derivatives through the VJP rules). */
  secondOrder: boolean;
}

/** Ops of the op table that autograd has but does not differentiate: they return constants (checked in spec-tables.test.ts). */
export const NON_DIFFERENTIABLE: readonly string[] = ['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual', 'sign', 'argmax', 'argmin'];

/**
 * The ops this table must cover, derived rather than listed: every row of the op table that autograd has an op
 * of the same name for, less the non-differentiable ones.
 */
export const DIFFERENTIABLE_OPS: readonly string[] = OPS.map((o) => o.name)
  .filter((name) => typeof (A as Record<string, unknown>)[name] === 'function' && !NON_DIFFERENTIABLE.includes(name));

// ---- cases ---------------------------------------------------------------------------------------

const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** v with every tensor in it replaced by f(tensor), depth first: in arrays (concat's list) and option objects (conv2d's bias). */
function mapTensors(v: unknown, f: (t: Tensor) => unknown): unknown {
  if (v instanceof Tensor) return f(v);
  if (Array.isArray(v)) return v.map((e) => mapTensors(e, f));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, mapTensors(e, f)]));
  return v;
}

/**
 * The tensors of an argument list to differentiate (all but those at the constant positions), and the list
 * with them replaced, in the same order, by Variables or by Tensors.
 */
function bind(args: readonly unknown[], constant: readonly number[]): { inputs: Tensor[]; substitute: (xs: readonly unknown[]) => unknown[] } {
  const inputs: Tensor[] = [];
  args.forEach((a, i) => {
    if (!constant.includes(i)) mapTensors(a, (t) => inputs.push(t));
  });
  const substitute = (xs: readonly unknown[]): unknown[] => {
    let k = 0;
    return args.map((a, i) => (constant.includes(i) ? a : mapTensors(a, () => xs[k++])));
  };
  return { inputs, substitute };
}

/** An argument as a failure prints it: differentiated tensors by shape, constant tensors and index arrays by value too. */
function show(v: unknown, constant: boolean): string {
  if (v instanceof Tensor) return constant ? `Tensor${fmt(v.shape)} ${JSON.stringify(Array.from(v.toTypedArray()))}` : fmt(v.shape);
  if (v instanceof Int32Array) return `Int32Array ${JSON.stringify(Array.from(v))}`;
  if (v === undefined) return 'undefined';
  return JSON.stringify(v, (_, x: unknown) =>
    x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x instanceof Tensor ? `Tensor${fmt(x.shape)}` : x);
}

/** Makes a case whose counterexample prints as its label. */
function gradCase(label: string, inputs: Tensor[], f: GradCase['f'], ref: GradCase['ref']): GradCase {
  return { label, inputs, f, ref, [fc.toStringMethod]: () => `${label} with inputs ${inputs.map((x) => fmt(x.shape)).join(', ')}` } as GradCase;
}

type AnyDraws = GradDraws<unknown[]>;

/** The case of one drawn argument list: the autograd op of the row's name, against the row's `fn`. */
function caseOf(row: AnyOpSpec, draws: AnyDraws, args: unknown[]): GradCase {
  const op = (A as unknown as Record<string, ((...a: unknown[]) => unknown) | undefined>)[row.name];
  if (op === undefined) throw new Error(`autograd has no op named ${row.name}, but its row has gradient draws`);
  const constant = draws.constant ?? [];
  const { inputs, substitute } = bind(args, constant);
  const one = <X extends { size: number }>(y: unknown, ops: JoinOps<X>): X => {
    if (draws.out !== undefined) return draws.out(y as OutputOf<X>, ops);
    if (!(y instanceof Tensor || y instanceof A.Variable)) throw new Error(`${row.name} returns several outputs: its gradient draws need an \`out\``);
    return y as unknown as X;
  };
  const label = `${row.name}(${args.map((a, i) => show(a, constant.includes(i))).join(', ')})`;
  return gradCase(label, inputs, (...vs) => one<Variable>(op(...substitute(vs)), A), (...ts) => one<Tensor>(row.fn(...substitute(ts)), T));
}

// ---- rows ----------------------------------------------------------------------------------------

/**
 * Default draws for the groups whose arguments are one tensor, or two operands, and plain options: a row there
 * needs only value domains.
 */
const DEFAULT_DRAWS: Partial<Record<OpGroup, (d: ValueDomain[]) => fc.Arbitrary<unknown[]>>> = {
  unary: ([d]) => tinyTensorArb(d).map((x) => [x]),
  binary: ([da, db]) => gradBinaryArgs(da!, db!),
  reduce: ([d]) => gradReduceArgs(d),
};

/** A row's gradient draws: its own, or the defaults of a differentiable elementwise op or reduction; undefined if neither. */
function drawsOf(row: AnyOpSpec): readonly AnyDraws[] | undefined {
  if (row.grad !== undefined) return Array.isArray(row.grad) ? (row.grad as readonly AnyDraws[]) : [row.grad as AnyDraws];
  const make = DEFAULT_DRAWS[row.group];
  if (make === undefined || !DIFFERENTIABLE_OPS.includes(row.name)) return undefined;
  // A forward domain doubles as the gradient's only where it names a value set of ./grad-arbitraries.ts; one
  // with ties (smallInt) or huge values (wide) needs the row's gradDomain, or the row counts as without draws.
  const domain = row.gradDomain ?? (row.domain.every(isGradDomain) ? (row.domain as ValueDomain[]) : undefined);
  return domain === undefined ? undefined : [{ args: make(domain) }];
}

/** The forward domains that are also gradient value sets (smooth, no ties, moderate magnitudes). */
const GRAD_SAFE_DOMAINS: readonly string[] = ['real', 'nonzero', 'positive', 'aboveMinusOne', 'nearOne', 'exponent'];
const isGradDomain = (d: string): boolean => GRAD_SAFE_DOMAINS.includes(d);

/** Differentiable ops whose row has no gradient draws (a group without defaults and no `grad`): the coverage test wants none. */
export const WITHOUT_GRAD_DRAWS: readonly string[] = OPS.filter((r) => DIFFERENTIABLE_OPS.includes(r.name) && drawsOf(r) === undefined).map((r) => r.name);

/** Every gradient check of the op table, in its order. */
export const GRAD_SPECS: readonly GradSpec[] = OPS.flatMap((row) =>
  (drawsOf(row) ?? []).map((draws) => ({
    name: draws.mode === undefined ? row.name : `${row.name} ${draws.mode}`,
    op: row.name,
    group: row.group,
    cases: draws.args.map((args) => caseOf(row, draws, args)),
    secondOrder: draws.secondOrder ?? true,
  })),
);
