/**
 * The checks the gradient table's driver runs on every case (see ./autograd-spec.ts). Each throws (through
 * vitest's expect, or a GradcheckError) with the case's label, so fast-check reports a readable counterexample.
 *
 * - `checkForward`: the Variable op's value equals the tensor op's (composites such as variance, logSumExp and
 *   norm are rebuilt from primitives in autograd, so this is not a tautology).
 * - `checkVjpAgainstJvp`: for a random cotangent c and a random unit tangent t per input, the analytical
 *   ⟨Jᵀc, t⟩ (one backward pass) against the numerical ⟨c, J·t⟩ (central differences along t).
 * - `checkJacobian`: `gradcheck`, with full Jacobians for tiny cases and its fast mode otherwise.
 * - `checkZeroCotangent`: a zero cotangent gives exactly zero gradients (and every input gets one).
 * - `checkShapesAndDtypes`: after backward, every leaf's gradient has its shape and dtype, in float64 and float32.
 * - `checkSecondOrder`: `gradgradcheck` with a random cotangent.
 */
import { expect } from 'vitest';
import * as T from '@tsgrad/tensor';
import { Generator, Tensor } from '@tsgrad/tensor';
import * as A from '@tsgrad/autograd';
import { Variable } from '@tsgrad/autograd';
import type { GradCase } from './autograd-spec.js';
import { gradcheck64, type GradcheckTolerance } from './tolerances.js';

const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;
const where = (c: GradCase): string => `${c.label} (inputs ${c.inputs.map((x) => fmt(x.shape)).join(', ')})`;

/**
 * Forward value through Variables (no graph) against the tensor-op reference. Slightly looser than
 * `forward64` in rtol: composites (variance, norm ord 3, logSumExp, softmax) are rebuilt from primitives in a
 * different order than the tensor kernels, a few ulps apart.
 */
export function checkForward(c: GradCase, tol = { rtol: 1e-10, atol: 1e-12 }): void {
  const y = A.noGrad(() => c.f(...c.inputs.map((x) => A.variable(x))));
  const ref = c.ref(...c.inputs);
  expect(y.dtype, where(c)).toBe('float64');
  expect(y.value, where(c)).toBeAllclose(ref, tol);
}

/** Central differences of ⟨c, f⟩ along t for input i (all other inputs fixed). */
function numericalDirectional(c: GradCase, i: number, cot: Tensor, t: Tensor, eps: number): number {
  const at = (s: number): Tensor =>
    A.noGrad(() => c.f(...c.inputs.map((x, k) => A.variable(k === i ? T.add(x, T.mul(t, s * eps)) : x)))).value;
  const diff = T.sub(at(1), at(-1));
  return T.sum(T.mul(cot, diff)).item() / (2 * eps);
}

/** ⟨Jᵀc, t⟩ (analytical, one backward) against ⟨c, J·t⟩ (numerical), per input, for a random c and unit t. */
export function checkVjpAgainstJvp(c: GradCase, seed: number, tol: GradcheckTolerance = gradcheck64): void {
  const gen = new Generator(seed);
  const vars = c.inputs.map((x) => A.variable(x, { requiresGrad: true }));
  const y = c.f(...vars);
  expect(y.requiresGrad, `${where(c)}: the output does not require a gradient`).toBe(true);
  const cot = gen.normal(y.shape, { dtype: 'float64' });
  const gs = A.gradients(y, vars, cot);
  c.inputs.forEach((x, i) => {
    const raw = gen.normal(x.shape, { dtype: 'float64' });
    const t = x.size === 0 ? raw : T.div(raw, Math.sqrt(T.sum(T.mul(raw, raw)).item()) || 1);
    const analytical = T.sum(T.mul(gs[i]!.value, t)).item();
    const numerical = numericalDirectional(c, i, cot, t, tol.eps);
    const ok = Math.abs(analytical - numerical) <= tol.atol + tol.rtol * Math.abs(numerical);
    expect(ok, `${where(c)}: input ${i}: analytical ⟨Jᵀc, t⟩ = ${analytical}, numerical ⟨c, J·t⟩ = ${numerical}`).toBe(true);
  });
}

/** gradcheck: full Jacobians when the case is tiny (outputs × inputs ≤ maxEntries), fast mode otherwise. */
export function checkJacobian(c: GradCase, seed: number, maxEntries = 400, tol: GradcheckTolerance = gradcheck64): 'full' | 'fast' {
  const m = A.noGrad(() => c.f(...c.inputs.map((x) => A.variable(x)))).size;
  const n = c.inputs.reduce((k, x) => k + x.size, 0);
  const fast = m * n > maxEntries;
  const named = Object.defineProperty((...vs: Variable[]) => c.f(...vs), 'name', { value: c.label });
  expect(A.gradcheck(named, c.inputs, { ...tol, fast, seed, directions: 2 })).toBe(true);
  return fast ? 'fast' : 'full';
}

/** A zero cotangent gives exactly zero gradients, for every input (none unused). */
export function checkZeroCotangent(c: GradCase): void {
  const vars = c.inputs.map((x) => A.variable(x, { requiresGrad: true }));
  const y = c.f(...vars);
  const gs = A.gradients(y, vars, T.zeros(y.shape, { dtype: y.dtype }));
  gs.forEach((g, i) => {
    expect(g, `${where(c)}: input ${i} got no gradient`).not.toBeNull();
    const bad = Array.from(g!.value.toTypedArray()).findIndex((v) => v !== 0);
    expect(bad, `${where(c)}: input ${i}: a zero cotangent gave a nonzero gradient at ${bad}`).toBe(-1);
  });
}

/** backward with a random seed fills every leaf's .grad with a tensor of its shape and dtype (float64 and float32). */
export function checkShapesAndDtypes(c: GradCase, seed: number): void {
  const gen = new Generator(seed);
  for (const dtype of ['float64', 'float32'] as const) {
    const vars = c.inputs.map((x) => A.variable(x.astype(dtype), { requiresGrad: true }));
    const y = c.f(...vars);
    expect(y.dtype, `${where(c)}: output dtype`).toBe(dtype);
    y.backward(gen.normal(y.shape, { dtype }));
    vars.forEach((v, i) => {
      expect(v.grad, `${where(c)}: ${dtype} input ${i} has no .grad`).not.toBeNull();
      expect(v.grad!.shape, `${where(c)}: ${dtype} input ${i} gradient shape`).toEqual(v.shape);
      expect(v.grad!.dtype, `${where(c)}: ${dtype} input ${i} gradient dtype`).toBe(dtype);
    });
  }
}

/** gradgradcheck with a random cotangent: second derivatives through the VJP rules. */
export function checkSecondOrder(c: GradCase, seed: number, maxEntries = 300, tol: GradcheckTolerance = gradcheck64): 'full' | 'fast' {
  const y = A.noGrad(() => c.f(...c.inputs.map((x) => A.variable(x))));
  const n = c.inputs.reduce((k, x) => k + x.size, 0);
  // gradgradcheck differentiates (inputs, u) ↦ uᵀJ: n outputs, n + m inputs.
  const fast = n * (n + y.size) > maxEntries;
  const gradOutputs = new Generator(seed).normal(y.shape, { dtype: 'float64' });
  const named = Object.defineProperty((...vs: Variable[]) => c.f(...vs), 'name', { value: c.label });
  expect(A.gradgradcheck(named, c.inputs, { ...tol, fast, seed, directions: 2, gradOutputs })).toBe(true);
  return fast ? 'fast' : 'full';
}

/**
 * Every node of the case's graph, and of its gradient's graph (built with createGraph, so the adjoint primitives
 * appear too), has the shape and dtype its rule's shape rule gives. Returns the primitives seen, so a driver can
 * check that the table reaches every rule.
 */
export function checkShapeRules(c: GradCase, seed: number): Set<A.Primitive> {
  const vars = c.inputs.map((x) => A.variable(x, { requiresGrad: true }));
  const y = c.f(...vars);
  // A cotangent that requires a gradient, so that the VJPs record the adjoint primitives applied to it.
  const cot = A.variable(new Generator(seed).normal(y.shape, { dtype: 'float64' }), { requiresGrad: true });
  const gs = A.gradients(y, vars, cot, { createGraph: true, allowUnused: true });
  const seen = new Set<A.Primitive>();
  const visited = new Set<A.Node>();
  const stack: Variable[] = [y, ...gs.filter((g): g is Variable => g !== null)];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const node = v.node;
    if (node === null || visited.has(node)) continue;
    visited.add(node);
    seen.add(node.prim);
    const rule = A.rules[node.prim] as unknown as A.Rule<A.Primitive>;
    const inputs = node.inputs!;
    const out = rule.shape(inputs as never, node.params);
    expect([...out.shape], `${where(c)}: shape rule of '${node.prim}'`).toEqual([...v.shape]);
    expect(out.dtype, `${where(c)}: dtype rule of '${node.prim}'`).toBe(v.dtype);
    stack.push(...inputs);
  }
  return seen;
}
