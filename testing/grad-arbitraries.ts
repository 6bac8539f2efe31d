/**
 * fast-check arbitraries for the float64 gradient checks: value sets kept away from the ops' kinks, float64
 * tensors of tiny shapes (rank 0–3, axis sizes 1–3; size-1 axes and rank 0 well represented, so a whole
 * Jacobian stays small), and the operands and reduction options those checks draw.
 *
 * The op table (./op-spec.ts) builds its rows' gradient draws from these, and ./autograd-spec.ts the default
 * draws of its elementwise ops and reductions. Nothing here imports @tsgrad/autograd: the tensor package's
 * tests import the op table, and through it this file.
 */
import fc from 'fast-check';
import { Tensor } from '@tsgrad/tensor';
import { broadcastShapesArb, axisArb, contiguousTensor, domains, layoutArb, shapeArb, stridedTensor, type ShapeOptions } from './arbitraries.js';

/** Value sets, each well-conditioned for the ops that use it. */
export type ValueDomain =
  | 'real' | 'nonzero' | 'positive' | 'aboveMinusOne' | 'nearOne' | 'exponent' | 'condition'
  /** Distinct values with distinct magnitudes, ≥ 0.1 apart, nonzero: no ties for max/min/topk/pooling/∞-norm. */
  | 'distinct'
  /** Odd multiples of 0.1 in (−3, 3); never equal to an 'even' value (maximum/minimum, cdist's |a − b|). */
  | 'odd'
  /** Even multiples of 0.1 in [−3, 3]. */
  | 'even'
  /** Values at least 0.075 from every multiple of 0.25: away from clamp's bounds. */
  | 'offQuarter';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** n values of a domain (for 'distinct', n values that are pairwise distinct). */
export function valuesArb(domain: ValueDomain, n: number): fc.Arbitrary<number[]> {
  switch (domain) {
    case 'distinct': {
      const grid = Math.max(2 * n, 20);
      return fc
        .tuple(fc.shuffledSubarray(range(grid), { minLength: n, maxLength: n }), fc.array(fc.boolean(), { minLength: n, maxLength: n }))
        .map(([ks, neg]) => ks.map((k, i) => (neg[i] ? -1 : 1) * (0.3 + 0.1 * k)));
    }
    case 'odd':
      return fc.array(fc.integer({ min: -15, max: 14 }).map((k) => (2 * k + 1) / 10), { minLength: n, maxLength: n });
    case 'even':
      return fc.array(fc.integer({ min: -15, max: 15 }).map((k) => (2 * k) / 10), { minLength: n, maxLength: n });
    case 'offQuarter':
      return fc.array(
        fc.tuple(fc.integer({ min: -10, max: 9 }), fc.double({ min: 0.075, max: 0.175, noNaN: true })).map(([k, d]) => k / 4 + d),
        { minLength: n, maxLength: n },
      );
    case 'real':
      return fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });
    default:
      return fc.array(domains[domain].values, { minLength: n, maxLength: n });
  }
}

/** A float64 tensor of `shape` with values from the domain: contiguous, or a strided view (no stride-0 axes). */
export function gradTensorArb(shape: readonly number[], domain: ValueDomain = 'real'): fc.Arbitrary<Tensor> {
  return fc
    .tuple(valuesArb(domain, sizeOf(shape)), fc.option(layoutArb(shape.length, false), { nil: undefined, freq: 2 }))
    .map(([v, layout]) => (layout ? stridedTensor(shape, layout, v, 'float64') : contiguousTensor(shape, v, 'float64')));
}

/** Shapes of rank 0–3 with axis sizes 1–3. */
export const TINY: ShapeOptions = { minRank: 0, maxRank: 3, minSize: 1, maxSize: 3 };
export const tinyShape = (opts: ShapeOptions = {}): fc.Arbitrary<number[]> => shapeArb({ ...TINY, ...opts });

/** A float64 tensor of a tiny shape. */
export const tinyTensorArb = (domain: ValueDomain = 'real', opts: ShapeOptions = {}): fc.Arbitrary<Tensor> =>
  tinyShape(opts).chain((s) => gradTensorArb(s, domain));

/**
 * Operands of a binary op: two tensors of broadcast-compatible shapes (rank 0 and size-1 axes included), or a
 * tensor and a number (a constant) on either side.
 */
export function gradBinaryArgs(da: ValueDomain, db: ValueDomain): fc.Arbitrary<[Tensor | number, Tensor | number]> {
  const both = broadcastShapesArb(2, TINY).chain(([sa, sb]) => fc.tuple(gradTensorArb(sa!, da), gradTensorArb(sb!, db)));
  const num = (d: ValueDomain): fc.Arbitrary<number> => valuesArb(d, 1).map((v) => v[0]!);
  const tensorNumber = fc.tuple(tinyShape().chain((s) => gradTensorArb(s, da)), num(db));
  const numberTensor = fc.tuple(num(da), tinyShape().chain((s) => gradTensorArb(s, db)));
  return fc.oneof(
    { arbitrary: both as fc.Arbitrary<[Tensor | number, Tensor | number]>, weight: 4 },
    { arbitrary: tensorNumber, weight: 1 },
    { arbitrary: numberTensor, weight: 1 },
  );
}

export type ReduceOpts = { axis?: number | number[]; keepDims?: boolean };

/** undefined, or { axis?, keepDims? } with axis a number, a list (negatives included) or absent. */
export function gradReduceOptsArb(ndim: number): fc.Arbitrary<ReduceOpts | undefined> {
  return fc.option(fc.record({ axis: axisArb(ndim), keepDims: fc.boolean() }, { requiredKeys: [] }), { nil: undefined, freq: 5 }).map((o) => {
    if (o === undefined || o.axis !== undefined) return o;
    const { keepDims } = o;
    return keepDims === undefined ? {} : { keepDims };
  });
}

/** A tensor of a tiny shape and reduction options for it. */
export const gradReduceArgs = (domain: ValueDomain = 'real'): fc.Arbitrary<[Tensor, ReduceOpts | undefined]> =>
  tinyShape().chain((s) => fc.tuple(gradTensorArb(s, domain), gradReduceOptsArb(s.length)));
