/**
 * The backward pass. Reverse mode in three steps:
 * 1. order the nodes between the output and the leaves topologically (an iterative depth-first search, so a
 *    chain of 100 000 ops needs no deep recursion);
 * 2. walk them from the output back, calling each node's VJP on the cotangent accumulated for its output and
 *    adding the results into its inputs' cotangents (every use of a Variable contributes);
 * 3. store the totals: into `.grad` of leaves (and of non-leaves that asked with retainGrad), or return them
 *    for the requested inputs (`gradients`).
 * Each gradient's shape and dtype are checked against its input, naming the op. Unless `retainGraph`, every
 * node visited drops its saved inputs and output afterwards.
 */
import { ShapeError, Tensor, fmtShape, onesLike, tensor } from '@tsgrad/tensor';
import { AutogradError, Variable, enableGrad, noGrad, type Node } from './graph.js';
import * as ops from './ops.js';

/** Options of `backward`. */
export interface BackwardOptions {
  /** Keep the graph's saved values so that backward can run through it again (default: createGraph). */
  retainGraph?: boolean;
  /** Record the backward pass itself so its gradients can be differentiated (default false). */
  createGraph?: boolean;
}

/** Options of `gradients`. */
export interface GradientsOptions extends BackwardOptions {
  /** Return null (instead of throwing) for inputs the outputs do not depend on (default false). */
  allowUnused?: boolean;
}

/** Nodes reachable from `roots` through Variables that require a gradient, in topological order (inputs first). */
function topoOrder(roots: readonly Variable[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = [];
  for (const r of roots) {
    if (r.node && !seen.has(r.node)) {
      seen.add(r.node);
      stack.push([r.node, 0]);
    }
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (node.inputs === null) {
        throw new AutogradError(
          `[backward] the graph through '${node.prim}' was freed by an earlier backward(); pass { retainGraph: true } to the first backward() to run backward through it again`,
        );
      }
      if (i < node.inputs.length) {
        top[1] = i + 1;
        const child = node.inputs[i]!.node;
        if (child && node.inputs[i]!.requiresGrad && !seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order;
}

function seedFor(output: Variable, seed: Tensor | Variable | number | undefined): Variable {
  if (seed instanceof Variable) {
    if (seed.ndim !== output.ndim || seed.shape.some((d, i) => d !== output.shape[i])) {
      throw new ShapeError(`[backward] seed has shape ${fmtShape(seed.shape)}, but the output has shape ${fmtShape(output.shape)}`);
    }
    if (seed.dtype !== output.dtype) throw new AutogradError(`[backward] seed is ${seed.dtype}, but the output is ${output.dtype}`);
    return seed;
  }
  if (seed === undefined) {
    if (output.size !== 1) {
      throw new AutogradError(
        `[backward] a seed is needed for an output of shape ${fmtShape(output.shape)}: only a one-element output has the implicit seed 1`,
      );
    }
    return new Variable(onesLike(output.value), false);
  }
  const s = typeof seed === 'number' ? tensor(seed, { dtype: output.dtype }) : seed;
  if (!(s instanceof Tensor)) throw new AutogradError(`[backward] seed must be a Tensor or a number`);
  if (s.ndim !== output.ndim || s.shape.some((d, i) => d !== output.shape[i])) {
    if (s.size === 1 && output.size === 1) return new Variable(s.reshape(output.shape.slice()), false);
    throw new ShapeError(`[backward] seed has shape ${fmtShape(s.shape)}, but the output has shape ${fmtShape(output.shape)}`);
  }
  if (s.dtype !== output.dtype) throw new AutogradError(`[backward] seed is ${s.dtype}, but the output is ${output.dtype}`);
  return new Variable(s, false);
}

/**
 * The core walk: propagates cotangents from `output` and returns the map from Variable to total cotangent
 * for every Variable reached (leaves, and non-leaves whose cotangent `keep` asks to keep).
 */
function propagate(
  output: Variable,
  seed: Variable,
  opts: BackwardOptions,
  keep: (v: Variable) => boolean,
): Map<Variable, Variable> {
  if (!output.requiresGrad) {
    throw new AutogradError(
      `[backward] the output does not require a gradient: no input of the ops that made it has requiresGrad, or it was computed under noGrad`,
    );
  }
  // A gradient graph refers back to the forward graph's nodes, so creating one keeps the graph by default.
  const retain = opts.retainGraph ?? opts.createGraph ?? false;
  const order = topoOrder([output]);
  const grads = new Map<Variable, Variable>();
  grads.set(output, seed);
  const run = (): void => {
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k]!;
      const out = node.output!;
      const g = grads.get(out);
      if (!keep(out)) grads.delete(out); // free intermediate cotangents as soon as they are used
      if (g === undefined) continue;
      const inputs = node.inputs!;
      const needs = inputs.map((v) => v.requiresGrad);
      const inGrads: (Variable | null)[] = node.rule.vjp(g, { inputs, output: out, params: node.params, needs }, ops);
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i]!;
        const gi = inGrads[i];
        if (!x.requiresGrad || gi === null || gi === undefined) continue;
        if (gi.ndim !== x.ndim || gi.shape.some((d, j) => d !== x.shape[j])) {
          throw new ShapeError(
            `[backward] the VJP of '${node.prim}' returned a gradient of shape ${fmtShape(gi.shape)} for input ${i} of shape ${fmtShape(x.shape)}`,
          );
        }
        if (gi.dtype !== x.dtype) {
          throw new AutogradError(`[backward] the VJP of '${node.prim}' returned a ${gi.dtype} gradient for input ${i}, which is ${x.dtype}`);
        }
        const prev = grads.get(x);
        grads.set(x, prev === undefined ? gi : ops.add(prev, gi));
      }
      if (!retain) node.free();
    }
  };
  if (opts.createGraph) enableGrad(run);
  else noGrad(run);
  return grads;
}

/**
 * `output.backward(seed)`: accumulates ∂⟨seed, output⟩/∂v into `v.grad` for every leaf v with requiresGrad
 * (and every non-leaf that called retainGrad()). With createGraph, `v.gradVariable` holds the gradient as a
 * differentiable Variable.
 */
export function backward(output: Variable, seed?: Tensor | Variable | number, opts: BackwardOptions = {}): void {
  const s = seedFor(output, seed);
  const grads = propagate(output, s, opts, (v) => v.node === null || v.retainsGrad);
  for (const [v, g] of grads) {
    if (!(v.node === null || v.retainsGrad) || !v.requiresGrad) continue;
    if (opts.createGraph || v.gradVariable !== null) {
      // Accumulate into the differentiable gradient, starting from a .grad left by an earlier plain backward,
      // so that .grad and .gradVariable agree whichever kind of backward came first.
      const prev = v.gradVariable ?? (v.grad === null ? null : ops.constant(v.grad));
      v.gradVariable = prev === null ? g : ops.add(prev, g);
      v.grad = v.gradVariable.value;
    } else {
      v.grad = v.grad === null ? g.value : v.grad.add(g.value);
    }
  }
}

/**
 * ∂⟨seed, output⟩/∂input for each of `inputs` (leaves or not), returned rather than stored in `.grad`
 * (PyTorch's torch.autograd.grad). With createGraph the results are differentiable Variables, also with
 * respect to the seed when it is a Variable that requires a gradient.
 */
export function gradients(output: Variable, inputs: readonly Variable[], seed?: Tensor | Variable | number, opts: GradientsOptions = {}): (Variable | null)[] {
  const wanted = new Set(inputs);
  const s = seedFor(output, seed);
  const grads = propagate(output, s, opts, (v) => wanted.has(v));
  return inputs.map((x, i) => {
    const g = grads.get(x);
    if (g !== undefined) return g;
    if (opts.allowUnused) return null;
    throw new AutogradError(`[gradients] input ${i} (shape ${fmtShape(x.shape)}) is not used to compute the output; pass { allowUnused: true } to get null for it`);
  });
}
