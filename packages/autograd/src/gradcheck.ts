/**
 * Gradient checks for anyone's functions: the analytical Jacobian (from backward passes) against central
 * differences, in float64, with PyTorch's default tolerances (eps 1e-6, atol 1e-5, rtol 1e-3).
 */
import { DTypeError, Generator, Tensor, TsgradError, fmtShape, zerosLike } from '@tsgrad/tensor';
import { gradients } from './engine.js';
import * as ops from './ops.js';
import { Variable, enableGrad, isGradEnabled, noGrad } from './variable.js';

/** A gradient check failed: the message shows the numerical and analytical Jacobians side by side. */
export class GradcheckError extends TsgradError {}

/** Tolerances and mode of `gradcheck` and `gradgradcheck`. */
export interface GradcheckOptions {
  /** Central-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, against the numerical value (default 1e-3). */
  rtol?: number;
  /** Throw a GradcheckError on failure (default); false returns false instead. */
  raiseException?: boolean;
  /**
   * Check ⟨c, J·t⟩ (numerical, along random unit directions t) against ⟨Jᵀ·c, t⟩ (one backward) instead of
   * whole Jacobians: cheap for large inputs (JAX's check_vjp, PyTorch's fast mode). Default false.
   */
  fast?: boolean;
  /** Random directions per input in fast mode (default 3). */
  directions?: number;
  /** Seed of the directions in fast mode (default 0). */
  seed?: number;
}

type Fn = (...args: Variable[]) => Variable;

function evalNoGrad(f: Fn, xs: Tensor[]): Float64Array {
  const y = noGrad(() => f(...xs.map((x) => new Variable(x, false))));
  return Float64Array.from(y.value.toTypedArray());
}

function prepareInputs(op: string, inputs: readonly Tensor[]): Tensor[] {
  return inputs.map((x, i) => {
    if (!(x instanceof Tensor)) throw new TsgradError(`[${op}] input ${i} must be a Tensor`);
    if (x.dtype !== 'float64') {
      throw new DTypeError(`[${op}] input ${i} is ${x.dtype}; gradient checks need float64 inputs (use astype('float64'))`);
    }
    return x.clone(); // contiguous and private, so it can be perturbed in place
  });
}

/** Central differences: column j of input i is (f(x + eps·e_j) − f(x − eps·e_j)) / 2eps. */
function numericalJacobian(f: Fn, xs: Tensor[], i: number, eps: number, outSize: number): Float64Array[] {
  const x = xs[i]!;
  const cols: Float64Array[] = [];
  for (let j = 0; j < x.size; j++) {
    const orig = x.data[j]!;
    x.data[j] = orig + eps;
    const plus = evalNoGrad(f, xs);
    x.data[j] = orig - eps;
    const minus = evalNoGrad(f, xs);
    x.data[j] = orig;
    const col = new Float64Array(outSize);
    for (let k = 0; k < outSize; k++) col[k] = (plus[k]! - minus[k]!) / (2 * eps);
    cols.push(col);
  }
  return cols;
}

function fmtNum(v: number): string {
  return (Number.isFinite(v) ? v.toFixed(6) : String(v)).padStart(12);
}

/** Two Jacobians (rows = outputs, columns = input elements) printed side by side, at most 12 rows. */
function sideBySide(num: Float64Array[], ana: Float64Array[], outSize: number): string {
  const lines = ['numerical'.padEnd(num.length * 12 + 2) + ' | analytical'];
  const rows = Math.min(outSize, 12);
  for (let k = 0; k < rows; k++) {
    const left = num.map((c) => fmtNum(c[k]!)).join('');
    const right = ana.map((c) => fmtNum(c[k]!)).join('');
    lines.push(`[${left} ] | [${right} ]`);
  }
  if (outSize > rows) lines.push(`... (${outSize - rows} more rows)`);
  return lines.join('\n');
}

function describe(f: Fn, y: Variable): string {
  const name = f.name ? `'${f.name}'` : 'the function';
  return `${name} (output${y.node ? ` of '${y.node.prim}'` : ''}, shape ${fmtShape(y.shape)})`;
}

/**
 * Checks f's gradients at `inputs` (float64 Tensors; f returns a Variable of any shape). Compares, for each
 * input, the analytical Jacobian (one backward pass per output element) with central differences, and checks
 * that a zero cotangent gives zero gradients. Returns true, or throws a GradcheckError whose message names the
 * op and the input and prints both Jacobians.
 */
export function gradcheck(f: Fn, inputs: readonly Tensor[], opts: GradcheckOptions = {}): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true } = opts;
  const xs = prepareInputs('gradcheck', inputs);
  const vars = xs.map((x) => new Variable(x, true));
  const y = f(...vars);
  if (!(y instanceof Variable)) throw new TsgradError(`[gradcheck] the function must return a Variable`);
  const fail = (msg: string): boolean => {
    if (raiseException) throw new GradcheckError(msg);
    return false;
  };
  if (!y.requiresGrad) return fail(`[gradcheck] the output of ${describe(f, y)} does not depend on any input`);
  const m = y.size;

  // Zero cotangent → zero gradients (PyTorch's check).
  const zeros = gradients(y, vars, zerosLike(y.value), { retainGraph: true, allowUnused: true });
  for (let i = 0; i < zeros.length; i++) {
    const g = zeros[i];
    if (g && g.value.toTypedArray().some((v) => v !== 0)) {
      return fail(`[gradcheck] a zero cotangent gave a nonzero gradient for input ${i} of ${describe(f, y)}`);
    }
  }

  if (opts.fast) return fastCheck(f, xs, vars, y, { eps, atol, rtol, fail, directions: opts.directions ?? 3, seed: opts.seed ?? 0 });

  // Analytical Jacobians: row k is the VJP of the k-th unit cotangent.
  const ana: Float64Array[][] = xs.map((x) => Array.from({ length: x.size }, () => new Float64Array(m)));
  for (let k = 0; k < m; k++) {
    const seed = zerosLike(y.value);
    seed.data[k] = 1;
    const gs = gradients(y, vars, seed, { retainGraph: true, allowUnused: true });
    gs.forEach((g, i) => {
      if (!g) return;
      const row = g.value.toTypedArray();
      for (let j = 0; j < row.length; j++) ana[i]![j]![k] = row[j]!;
    });
  }
  for (let i = 0; i < xs.length; i++) {
    const num = numericalJacobian(f, xs, i, eps, m);
    let worst = -1, worstExcess = 0;
    num.forEach((col, j) => {
      for (let k = 0; k < m; k++) {
        const n = col[k]!, a = ana[i]![j]![k]!;
        const excess = Math.abs(a - n) - (atol + rtol * Math.abs(n));
        if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
          worst = j * m + k;
          worstExcess = excess;
        }
      }
    });
    if (worst >= 0) {
      const j = Math.floor(worst / m), k = worst % m;
      return fail(
        `[gradcheck] Jacobian mismatch for input ${i} (shape ${fmtShape(xs[i]!.shape)}) of ${describe(f, y)}: ` +
          `worst at output ${k}, input element ${j}: numerical ${num[j]![k]}, analytical ${ana[i]![j]![k]} ` +
          `(atol ${atol}, rtol ${rtol})\n${sideBySide(num, ana[i]!, m)}`,
      );
    }
  }
  return true;
}

interface FastOpts {
  eps: number; atol: number; rtol: number; directions: number; seed: number;
  fail: (msg: string) => boolean;
}

function fastCheck(f: Fn, xs: Tensor[], vars: Variable[], y: Variable, o: FastOpts): boolean {
  const gen = new Generator(o.seed);
  for (let d = 0; d < o.directions; d++) {
    const c = gen.normal(y.shape.slice(), { dtype: 'float64' });
    const gs = gradients(y, vars, c, { retainGraph: true, allowUnused: true });
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const t = gen.normal(x.shape.slice(), { dtype: 'float64' });
      const tn = Math.sqrt(Array.from(t.data).reduce((s, v) => s + v * v, 0)) || 1;
      for (let j = 0; j < t.size; j++) t.data[j] = t.data[j]! / tn;
      const orig = Float64Array.from(x.data);
      for (let j = 0; j < x.size; j++) x.data[j] = orig[j]! + o.eps * t.data[j]!;
      const plus = evalNoGrad(f, xs);
      for (let j = 0; j < x.size; j++) x.data[j] = orig[j]! - o.eps * t.data[j]!;
      const minus = evalNoGrad(f, xs);
      x.data.set(orig);
      let numerical = 0;
      const cf = c.data;
      for (let k = 0; k < plus.length; k++) numerical += (cf[k]! * (plus[k]! - minus[k]!)) / (2 * o.eps);
      const g = gs[i];
      const analytical = g ? ops.sum(ops.mul(g, t)).item() : 0;
      if (!(Math.abs(analytical - numerical) <= o.atol + o.rtol * Math.abs(numerical))) {
        return o.fail(
          `[gradcheck] VJP mismatch for input ${i} (shape ${fmtShape(x.shape)}) of ${describe(f, y)} along random direction ${d}: ` +
            `numerical ⟨c, J·t⟩ = ${numerical}, analytical ⟨Jᵀ·c, t⟩ = ${analytical} (atol ${o.atol}, rtol ${o.rtol})`,
        );
      }
    }
  }
  return true;
}

/**
 * Checks second derivatives: gradcheck of (inputs, u) ↦ uᵀ·∂f/∂inputs, the VJP computed with createGraph,
 * so the VJP rules themselves are differentiated. `gradOutputs` fixes u's initial value (random by default).
 */
export function gradgradcheck(f: Fn, inputs: readonly Tensor[], opts: GradcheckOptions & { gradOutputs?: Tensor } = {}): boolean {
  const xs = prepareInputs('gradgradcheck', inputs);
  const y0 = noGrad(() => f(...xs.map((x) => new Variable(x, false))));
  const u0 = opts.gradOutputs ?? new Generator(opts.seed ?? 1).normal(y0.shape.slice(), { dtype: 'float64' });
  const n = xs.length;
  // Under gradcheck's numerical evaluation grad mode is off: the inner VJP still needs a graph of f, so it
  // runs with recording on over fresh leaves, and keeps its own graph only when the outer check needs it.
  const vjpOf = function vjpOfF(...args: Variable[]): Variable {
    const outer = isGradEnabled();
    return enableGrad(() => {
      const ins = args.slice(0, n).map((v) => (v.requiresGrad ? v : new Variable(v.value, true)));
      const u = args[n]!;
      const y = f(...ins);
      const gs = y.requiresGrad ? gradients(y, ins, u, { createGraph: outer, allowUnused: true }) : ins.map(() => null);
      const flat = gs.map((g, i) => (g ? ops.reshape(g, [-1]) : ops.constant(zerosLike(ins[i]!.value).reshape([-1]))));
      return ops.concat(flat, 0);
    });
  };
  return gradcheck(vjpOf, [...xs, u0], opts);
}
