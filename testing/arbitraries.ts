/**
 * fast-check arbitraries for tensor tests: shapes (rank 0–4, sizes 0–5, size-1 and zero-length axes well
 * represented), broadcast-compatible shape tuples, value domains, tensors laid out as strided views of a
 * larger buffer (permuted, stepped, reversed, broadcast), and reduction axes.
 *
 * A strided tensor's storage outside the view is filled with NaN, so a kernel that reads an element it should
 * not produces NaN and fails its comparison.
 */
import fc from 'fast-check';
import { Tensor, type DType } from '@tsgrad/tensor';

export const DTYPES: readonly DType[] = ['float32', 'float64'];

// ---- value domains -------------------------------------------------------------------------------

/** A set of input values: well-conditioned for the ops that use it and away from their kinks. */
export interface Domain {
  name: string;
  /** Values drawn from the domain (any double; they are rounded to the dtype when stored). */
  values: fc.Arbitrary<number>;
}

const dbl = (min: number, max: number): fc.Arbitrary<number> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const away = (lo: number, hi: number): fc.Arbitrary<number> => fc.oneof(dbl(lo, hi), dbl(-hi, -lo));

export const domains = {
  /** Moderate reals, [-3, 3]. */
  real: { name: 'real', values: dbl(-3, 3) },
  /** Reals with |x| in [0.25, 3]: away from 0 (kinks of abs, relu, sign; poles of 1/x). */
  nonzero: { name: 'nonzero', values: away(0.25, 3) },
  /** Positive reals in [0.25, 4] (log, sqrt, rsqrt, pow's base). */
  positive: { name: 'positive', values: dbl(0.25, 4) },
  /** (-0.75, 3]: log1p's argument well inside its domain. */
  aboveMinusOne: { name: 'aboveMinusOne', values: dbl(-0.75, 3) },
  /** |x| in [0.5, 1.5], either sign: long products stay in range. */
  nearOne: { name: 'nearOne', values: away(0.5, 1.5) },
  /** Exponents for pow: [-2, 2]. */
  exponent: { name: 'exponent', values: dbl(-2, 2) },
  /** Small integers -3..3: ties and equal values for comparisons, where, max/argmax. */
  smallInt: { name: 'smallInt', values: fc.integer({ min: -3, max: 3 }) },
  /** 0 or 1, a where condition (plus an occasional other nonzero). */
  condition: { name: 'condition', values: fc.oneof(fc.constant(0), fc.constant(1), fc.constant(-2.5)) },
  /** Wide reals for activations at large magnitude, [-1000, 1000]. */
  wide: { name: 'wide', values: dbl(-1000, 1000) },
} satisfies Record<string, Domain>;

export type DomainName = keyof typeof domains;

/** A value of the domain rounded to the dtype (so a number operand means what it will store). */
export function scalarArb(domain: Domain, dtype: DType): fc.Arbitrary<number> {
  return dtype === 'float32' ? domain.values.map(Math.fround) : domain.values;
}

// ---- shapes --------------------------------------------------------------------------------------

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  /** Largest axis size (default 5). */
  maxSize?: number;
  /** Smallest axis size (default 0; 1 forbids empty axes). */
  minSize?: number;
}

/** One axis size: 1 and 0 well represented, else 2..maxSize. */
export function dimArb(opts: ShapeOptions = {}): fc.Arbitrary<number> {
  const { maxSize = 5, minSize = 0 } = opts;
  const choices: fc.WeightedArbitrary<number>[] = [];
  if (minSize <= 0) choices.push({ arbitrary: fc.constant(0), weight: 1 });
  if (minSize <= 1 && maxSize >= 1) choices.push({ arbitrary: fc.constant(1), weight: 3 });
  const lo = Math.max(2, minSize);
  if (maxSize >= lo) choices.push({ arbitrary: fc.integer({ min: lo, max: maxSize }), weight: 7 });
  return fc.oneof(...choices);
}

/** A shape of rank minRank..maxRank (default 0..4). */
export function shapeArb(opts: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4 } = opts;
  return fc.array(dimArb(opts), { minLength: minRank, maxLength: maxRank });
}

/** A shape that broadcasts to `out`: a suffix of it, with some axes replaced by 1. */
export function operandShapeArb(out: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.integer({ min: 0, max: out.length }), weight: 1 }),
      fc.array(fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }), {
        minLength: out.length,
        maxLength: out.length,
      }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[drop + i] ? 1 : d)));
}

/** `count` shapes that broadcast together (pairs for binary ops, triples for where). */
export function broadcastShapesArb(count: number, opts: ShapeOptions = {}): fc.Arbitrary<number[][]> {
  return shapeArb(opts).chain((out) => fc.tuple(...Array.from({ length: count }, () => operandShapeArb(out))));
}

// ---- tensors -------------------------------------------------------------------------------------

/** How a tensor sits in its buffer: memory order of the axes, per-axis step, reversal, stride-0 broadcast, padding. */
export interface Layout {
  /** Axes from outermost to innermost in memory. */
  order: number[];
  /** Gap factor per axis (1 = dense). */
  steps: number[];
  /** Axes walked backwards (negative stride). */
  flips: boolean[];
  /** Axes read with stride 0 (a broadcast view: every entry along the axis is the same element). */
  bcast: boolean[];
  /** Unused elements before the view, and after. */
  lead: number;
  tail: number;
}

export interface TensorArbOptions {
  dtype: DType;
  domain?: Domain;
  /** 'any' (default): contiguous or a strided view; 'contiguous': a fresh row-major tensor; 'strided': always a view. */
  layout?: 'any' | 'contiguous' | 'strided';
  /** Whether stride-0 (broadcast) axes may appear (default true). They repeat values, so they make ties. */
  broadcast?: boolean;
}

export function layoutArb(ndim: number, broadcast = true): fc.Arbitrary<Layout> {
  const axes = Array.from({ length: ndim }, (_, i) => i);
  const flags = (w: number): fc.Arbitrary<boolean[]> =>
    fc.array(fc.oneof({ arbitrary: fc.constant(false), weight: w }, { arbitrary: fc.constant(true), weight: 1 }), {
      minLength: ndim,
      maxLength: ndim,
    });
  return fc.record({
    order: fc.shuffledSubarray(axes, { minLength: ndim, maxLength: ndim }),
    steps: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: ndim, maxLength: ndim }),
    flips: flags(2),
    bcast: broadcast ? flags(5) : fc.constant(axes.map(() => false)),
    lead: fc.integer({ min: 0, max: 3 }),
    tail: fc.integer({ min: 0, max: 2 }),
  });
}

const allocOf = (dtype: DType, n: number): Float32Array | Float64Array =>
  dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);

/** Row-major multi-indices of a shape. */
function* multiIndices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = shape.map(() => 0);
  for (let i = 0; i < n; i++) {
    yield idx.slice();
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
}

/** A contiguous tensor holding `values` in row-major order. */
export function contiguousTensor(shape: readonly number[], values: readonly number[], dtype: DType): Tensor {
  const data = allocOf(dtype, values.length);
  data.set(values);
  return new Tensor(data, shape.slice());
}

/** A strided view with the given layout whose elements, in row-major order, are `values` (later writes win on broadcast axes). */
export function stridedTensor(shape: readonly number[], layout: Layout, values: readonly number[], dtype: DType): Tensor {
  const nd = shape.length;
  const strides = new Array<number>(nd).fill(0);
  let span = 1;
  for (let k = nd - 1; k >= 0; k--) {
    const ax = layout.order[k]!;
    if (layout.bcast[ax] && shape[ax]! > 1) continue;
    strides[ax] = span * layout.steps[ax]!;
    span = strides[ax]! * Math.max(shape[ax]!, 1);
  }
  let offset = layout.lead;
  for (let ax = 0; ax < nd; ax++) {
    if (layout.flips[ax] && strides[ax] !== 0) {
      offset += strides[ax]! * (shape[ax]! - 1);
      strides[ax] = -strides[ax]!;
    }
  }
  const data = allocOf(dtype, layout.lead + span + layout.tail).fill(Number.NaN);
  let i = 0;
  for (const idx of multiIndices(shape)) {
    let p = offset;
    for (let k = 0; k < nd; k++) p += idx[k]! * strides[k]!;
    data[p] = values[i++]!;
  }
  return new Tensor(data, shape.slice(), strides, offset);
}

/** A tensor of the given shape with values from the domain, contiguous or a strided view. */
export function tensorArb(shape: readonly number[], opts: TensorArbOptions): fc.Arbitrary<Tensor> {
  const { dtype, domain = domains.real, layout = 'any', broadcast = true } = opts;
  const n = shape.reduce((a, b) => a * b, 1);
  const values = fc.array(domain.values, { minLength: n, maxLength: n });
  const contiguous = values.map((v) => contiguousTensor(shape, v, dtype));
  const strided = fc.tuple(layoutArb(shape.length, broadcast), values).map(([l, v]) => stridedTensor(shape, l, v, dtype));
  if (layout === 'contiguous') return contiguous;
  if (layout === 'strided') return strided;
  return fc.oneof({ arbitrary: contiguous, weight: 1 }, { arbitrary: strided, weight: 2 });
}

/** A tensor of a random shape. */
export function anyTensorArb(opts: TensorArbOptions & ShapeOptions): fc.Arbitrary<Tensor> {
  return shapeArb(opts).chain((s) => tensorArb(s, opts));
}

// ---- axes ----------------------------------------------------------------------------------------

/** One axis in [-ndim, ndim) (ndim ≥ 1). */
export function oneAxisArb(ndim: number): fc.Arbitrary<number> {
  return fc.integer({ min: -ndim, max: ndim - 1 });
}

/** A reduction's axis argument for rank ndim: undefined (all), one axis, or a list of distinct axes, negatives included. */
export function axisArb(ndim: number): fc.Arbitrary<number | number[] | undefined> {
  const axes = Array.from({ length: ndim }, (_, i) => i);
  const list = fc
    .shuffledSubarray(axes)
    .chain((sub) =>
      fc.array(fc.boolean(), { minLength: sub.length, maxLength: sub.length }).map((neg) => sub.map((a, i) => (neg[i] ? a - ndim : a))),
    );
  const choices: fc.Arbitrary<number | number[] | undefined>[] = [fc.constant(undefined), list];
  if (ndim > 0) choices.push(oneAxisArb(ndim));
  return fc.oneof(...choices);
}

/** Normalised (sorted, non-negative) axes of an axis argument. */
export function axesOf(axis: number | readonly number[] | undefined, ndim: number): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  return list.map((a) => (a < 0 ? a + ndim : a)).sort((a, b) => a - b);
}

/** A new shape with the same number of elements: x's sizes shuffled, neighbours merged, 1s inserted, maybe one -1. */
export function reshapeTargetArb(shape: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.shuffledSubarray(shape.slice(), { minLength: shape.length, maxLength: shape.length }),
      fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
      fc.integer({ min: -1, max: 4 }),
    )
    .map(([dims, merge, ones, inferAt]) => {
      const out: number[] = [];
      dims.forEach((d, i) => {
        if (merge[i] && out.length > 0) out[out.length - 1] = out[out.length - 1]! * d;
        else out.push(d);
      });
      for (const at of ones) out.splice(Math.min(at, out.length), 0, 1);
      if (inferAt >= 0 && inferAt < out.length) {
        const rest = out.filter((_, i) => i !== inferAt).reduce((a, b) => a * b, 1);
        if (rest > 0) out[inferAt] = -1;
      }
      return out;
    });
}
