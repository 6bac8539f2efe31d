/**
 * `expect(actual).toBeAllclose(expected, { rtol, atol })`: elementwise |actual − expected| ≤ atol + rtol·|expected|
 * (NumPy's rule), after checking that the shapes agree. Accepts Tensors (anything with `shape` and
 * `toTypedArray()`), `{ shape, data }` references, typed arrays, nested arrays and numbers. NaN matches NaN
 * and an infinity matches the same infinity unless `equalNan: false`.
 *
 * A failure names the worst element by multi-index, both values, the difference and the tolerance there.
 */
import type { Tolerance } from './tolerances.js';

export interface AllcloseOptions extends Partial<Tolerance> {
  /** Whether NaN equals NaN (default true). */
  equalNan?: boolean;
}

/** What `toBeAllclose` compares: a tensor, a `{ shape, data }` reference, a typed array, nested arrays or a number. */
export type Allcloseable =
  | number
  | readonly unknown[]
  | Float32Array
  | Float64Array
  | { shape: readonly number[]; toTypedArray(): ArrayLike<number> }
  | { shape: readonly number[]; data: ArrayLike<number> };

export const DEFAULT_ALLCLOSE: Tolerance = { rtol: 1e-5, atol: 1e-8 };

/** Normalises any accepted value to a shape and row-major float64 values; throws on ragged nesting. */
export function toShapeAndValues(v: unknown, what: string): { shape: number[]; values: Float64Array } {
  if (typeof v === 'number') return { shape: [], values: Float64Array.of(v) };
  if (v instanceof Float32Array || v instanceof Float64Array) return { shape: [v.length], values: Float64Array.from(v) };
  if (Array.isArray(v)) {
    const shape: number[] = [];
    let d: unknown = v;
    while (Array.isArray(d)) {
      shape.push(d.length);
      d = d[0];
    }
    const out: number[] = [];
    const walk = (e: unknown, axis: number, path: number[]): void => {
      if (axis === shape.length) {
        if (typeof e !== 'number') throw new Error(`toBeAllclose: ${what} has a non-number at ${JSON.stringify(path)}`);
        out.push(e);
        return;
      }
      if (!Array.isArray(e) || e.length !== shape[axis]) {
        throw new Error(`toBeAllclose: ${what} is a ragged nested array at ${JSON.stringify(path)}`);
      }
      e.forEach((x, i) => walk(x, axis + 1, [...path, i]));
    };
    walk(v, 0, []);
    return { shape, values: Float64Array.from(out) };
  }
  if (typeof v === 'object' && v !== null && 'shape' in v) {
    const o = v as { shape: readonly number[]; toTypedArray?: () => ArrayLike<number>; data?: ArrayLike<number> };
    if (typeof o.toTypedArray === 'function') return { shape: o.shape.slice(), values: Float64Array.from(o.toTypedArray()) };
    if (o.data !== undefined) return { shape: o.shape.slice(), values: Float64Array.from(o.data) };
  }
  throw new Error(`toBeAllclose: cannot compare ${what} (${v === null ? 'null' : typeof v})`);
}

const fmtShape = (s: readonly number[]): string => `[${s.join(',')}]`;

function multiIndex(shape: readonly number[], flat: number): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = flat % shape[k]!;
    flat = Math.floor(flat / shape[k]!);
  }
  return idx;
}

export interface AllcloseReport {
  pass: boolean;
  message: string;
}

/** The comparison behind the matcher, usable on its own. */
export function allcloseReport(actual: unknown, expected: unknown, opts: AllcloseOptions = {}): AllcloseReport {
  const rtol = opts.rtol ?? DEFAULT_ALLCLOSE.rtol, atol = opts.atol ?? DEFAULT_ALLCLOSE.atol, equalNan = opts.equalNan ?? true;
  const tolText = `rtol=${rtol}, atol=${atol}`;
  const a = toShapeAndValues(actual, 'actual'), e = toShapeAndValues(expected, 'expected');
  if (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape[i])) {
    return { pass: false, message: `expected shape ${fmtShape(e.shape)}, got shape ${fmtShape(a.shape)}` };
  }
  let bad = 0, worst = -1, worstExcess = -Infinity;
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i]!, y = e.values[i]!;
    let excess: number;
    if (x === y || (equalNan && Number.isNaN(x) && Number.isNaN(y))) excess = -Infinity;
    else if (!Number.isFinite(x) || !Number.isFinite(y)) excess = Infinity;
    else excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (excess > 0) bad++;
    if (excess > worstExcess || worst < 0) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (bad === 0) {
    return { pass: true, message: `expected arrays of shape ${fmtShape(a.shape)} not to be allclose (${tolText}), but they are` };
  }
  const x = a.values[worst]!, y = e.values[worst]!;
  const tol = atol + rtol * Math.abs(y);
  const why = Number.isFinite(x) && Number.isFinite(y)
    ? `|diff| ${Math.abs(x - y)} > tolerance ${tol}`
    : 'NaN or infinity that the other side does not match';
  return {
    pass: false,
    message:
      `expected allclose (${tolText}), shape ${fmtShape(a.shape)}: ${bad} of ${a.values.length} elements differ; ` +
      `worst at index ${fmtShape(multiIndex(a.shape, worst))}: actual ${x}, expected ${y}, ${why}`,
  };
}

/** The matcher object for `expect.extend`. */
export const matchers = {
  toBeAllclose(received: unknown, expected: unknown, opts?: AllcloseOptions) {
    const r = allcloseReport(received, expected, opts);
    return { pass: r.pass, message: () => r.message };
  },
};
