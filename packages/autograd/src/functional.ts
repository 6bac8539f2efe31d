/**
 * JAX-style function transforms over Variable functions. `grad(f)` returns a function computing ∇f; nesting
 * works (`grad(grad(f))`) because an argument that is already a Variable under differentiation is
 * differentiated with `createGraph`, so the inner gradient stays connected to the outer graph.
 */
import { Tensor, fmtShape, tensor, zerosLike } from '@tsgrad/tensor';
import { gradients } from './engine.js';
import * as ops from './ops.js';
import { AutogradError, Variable, isGradEnabled, type VariableLike } from './variable.js';

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions {
  /** Which arguments to differentiate with respect to: an index (default 0) or a list of them. */
  argnums?: number | readonly number[];
}

type Arg = VariableLike;
type Out<T> = T extends Variable ? Variable : Tensor;

interface Prepared {
  vars: Variable[];
  wrt: number[];
  /** True when some argument is already part of an enclosing graph: gradients must stay differentiable. */
  nested: boolean;
}

function prepare(op: string, args: readonly Arg[], argnums: number | readonly number[]): Prepared {
  const list = typeof argnums === 'number' ? [argnums] : argnums.slice();
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= args.length) {
      throw new AutogradError(`[${op}] argnums ${JSON.stringify(argnums)} is out of range for ${args.length} argument(s)`);
    }
  }
  const nested = isGradEnabled() && args.some((a) => a instanceof Variable && a.requiresGrad);
  const vars = args.map((a, i) => {
    if (!list.includes(i)) return a instanceof Variable ? a : ops.constant(toTensor(op, a));
    // A Variable already being differentiated is used as is (its gradient graph links to the outer one);
    // anything else becomes a fresh leaf.
    if (a instanceof Variable && a.requiresGrad) return a;
    return new Variable(a instanceof Variable ? a.value : toTensor(op, a), true);
  });
  return { vars, wrt: list, nested };
}

function toTensor(op: string, a: Arg): Tensor {
  if (a instanceof Tensor) return a;
  if (typeof a === 'number') return tensor(a, { dtype: 'float64' });
  throw new AutogradError(`[${op}] arguments must be Tensors, Variables or numbers: got ${a === null ? 'null' : typeof a}`);
}

function scalarOutput(op: string, y: unknown): Variable {
  if (!(y instanceof Variable)) throw new AutogradError(`[${op}] the function must return a Variable: got ${y === null ? 'null' : typeof y}`);
  if (y.size !== 1) throw new AutogradError(`[${op}] the function must return a one-element Variable: got shape ${fmtShape(y.shape)}`);
  return y;
}

/** A Variable result where the caller passed a Variable (nested use), a Tensor otherwise. */
function present(g: Variable | null, like: Variable, arg: Arg): Variable | Tensor {
  const v = g ?? new Variable(zerosLike(like.value), false);
  return arg instanceof Variable ? v : v.value;
}

function differentiate(op: string, f: (...args: Variable[]) => Variable, args: readonly Arg[], argnums: number | readonly number[]) {
  const { vars, wrt, nested } = prepare(op, args, argnums);
  const y = scalarOutput(op, f(...vars));
  const targets = wrt.map((i) => vars[i]!);
  const gs = y.requiresGrad ? gradients(y, targets, undefined, { createGraph: nested, allowUnused: true }) : targets.map(() => null);
  const grads = wrt.map((i, k) => present(gs[k]!, vars[i]!, args[i]!));
  return { value: nested ? y : y.value, grad: typeof argnums === 'number' ? grads[0]! : grads };
}

/**
 * ∇f with respect to argument `argnums` (default 0), for f returning a one-element Variable.
 * `grad(f)(x)` takes Tensors (or Variables, when nested inside another transform) and returns the gradient
 * with the argument's shape; a list of argnums returns a list of gradients.
 */
export function grad<A extends Arg = Tensor>(f: (...args: Variable[]) => Variable, opts?: { argnums?: number }): (...args: A[]) => Out<A>;
export function grad<A extends Arg = Tensor>(f: (...args: Variable[]) => Variable, opts: { argnums: readonly number[] }): (...args: A[]) => Out<A>[];
export function grad<A extends Arg>(f: (...args: Variable[]) => Variable, opts: GradOptions = {}): (...args: A[]) => Out<A> | Out<A>[] {
  const argnums = opts.argnums ?? 0;
  return (...args: A[]) => differentiate('grad', f, args, argnums).grad as Out<A> | Out<A>[];
}

/** Both f(x) and ∇f(x), from one forward and one backward pass. */
export function valueAndGrad<A extends Arg = Tensor>(
  f: (...args: Variable[]) => Variable,
  opts?: { argnums?: number },
): (...args: A[]) => { value: Out<A>; grad: Out<A> };
export function valueAndGrad<A extends Arg = Tensor>(
  f: (...args: Variable[]) => Variable,
  opts: { argnums: readonly number[] },
): (...args: A[]) => { value: Out<A>; grad: Out<A>[] };
export function valueAndGrad<A extends Arg>(
  f: (...args: Variable[]) => Variable,
  opts: GradOptions = {},
): (...args: A[]) => { value: Out<A>; grad: Out<A> | Out<A>[] } {
  const argnums = opts.argnums ?? 0;
  return (...args: A[]) => differentiate('valueAndGrad', f, args, argnums) as { value: Out<A>; grad: Out<A> | Out<A>[] };
}

/**
 * Evaluates f at the primals and returns its value with a function that maps a cotangent u (shaped like the
 * output) to the vector-Jacobian products uᵀ·∂f/∂primal_i, one per primal. The graph is kept, so the returned
 * function may be called many times.
 */
export function vjp(f: (...args: Variable[]) => Variable, ...primals: Tensor[]): { value: Tensor; vjp: (cotangent: Tensor) => Tensor[] } {
  const vars = primals.map((p) => new Variable(toTensor('vjp', p), true));
  const y = f(...vars);
  if (!(y instanceof Variable)) throw new AutogradError(`[vjp] the function must return a Variable`);
  return {
    value: y.value,
    vjp: (u: Tensor) => {
      if (!y.requiresGrad) return vars.map((v) => zerosLike(v.value));
      const gs = gradients(y, vars, u, { retainGraph: true, allowUnused: true });
      return gs.map((g, i) => (g ? g.value : zerosLike(vars[i]!.value)));
    },
  };
}

/**
 * Forward-mode product J·t (the directional derivative of f at the primals along the tangents), computed as
 * the VJP of the VJP: with u a dummy cotangent, J·t = ∂⟨uᵀJ, t⟩/∂u. Costs two backward passes.
 */
export function jvp(f: (...args: Variable[]) => Variable, primals: readonly Tensor[], tangents: readonly Tensor[]): { value: Tensor; jvp: Tensor } {
  if (primals.length !== tangents.length) throw new AutogradError(`[jvp] got ${primals.length} primals but ${tangents.length} tangents`);
  const vars = primals.map((p) => new Variable(toTensor('jvp', p), true));
  const y = f(...vars);
  if (!(y instanceof Variable)) throw new AutogradError(`[jvp] the function must return a Variable`);
  if (!y.requiresGrad) return { value: y.value, jvp: zerosLike(y.value) };
  const u = new Variable(zerosLike(y.value), true);
  const gs = gradients(y, vars, u, { createGraph: true, allowUnused: true });
  let inner: Variable | null = null;
  gs.forEach((g, i) => {
    if (g === null) return;
    const term = ops.sum(ops.mul(g, tangents[i]!));
    inner = inner === null ? term : ops.add(inner, term);
  });
  if (inner === null || !(inner as Variable).requiresGrad) return { value: y.value, jvp: zerosLike(y.value) };
  const [ju] = gradients(inner, [u], undefined, { allowUnused: true });
  return { value: y.value, jvp: ju ? ju.value : zerosLike(y.value) };
}

/**
 * H·v for a scalar f at x: the gradient of ⟨∇f(x), v⟩, i.e. reverse-over-reverse, without forming H.
 */
export function hessianVectorProduct(f: (x: Variable) => Variable, x: Tensor, v: Tensor): Tensor {
  const xv = new Variable(toTensor('hessianVectorProduct', x), true);
  const y = scalarOutput('hessianVectorProduct', f(xv));
  if (!y.requiresGrad) return zerosLike(x);
  const [g] = gradients(y, [xv], undefined, { createGraph: true, allowUnused: true });
  if (!g || !g.requiresGrad) return zerosLike(x);
  const [hv] = gradients(ops.sum(ops.mul(g, v)), [xv], undefined, { allowUnused: true });
  return hv ? hv.value : zerosLike(x);
}
