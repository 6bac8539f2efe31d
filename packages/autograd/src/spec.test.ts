/**
 * The gradient table's driver: every row of testing/autograd-spec.ts (one per differentiable op and mode,
 * derived from the op table testing/op-spec.ts) is checked over random tiny float64 cases and random cotangents:
 * - the forward value against the tensor op;
 * - the VJP against float64 central differences: ⟨Jᵀc, t⟩ vs ⟨c, J·t⟩ for random c and t, and gradcheck (full
 *   Jacobians for tiny cases, its fast mode otherwise);
 * - a zero cotangent gives zero gradients; every gradient has its input's shape and dtype (float64 and float32);
 * - every node of the forward graph and of the createGraph backward graph has the shape and dtype its rule's
 *   shape rule gives, and together the rows reach every primitive of the rule table.
 * Second derivatives (gradgradcheck) over the same table are in spec-second-order.test.ts (a second file, so
 * that vitest runs the two halves in parallel).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIFFERENTIABLE_OPS, GRAD_SPECS, WITHOUT_GRAD_DRAWS } from '../../../testing/autograd-spec.js';
import {
  checkForward, checkJacobian, checkShapeRules, checkShapesAndDtypes, checkVjpAgainstJvp, checkZeroCotangent,
} from '../../../testing/autograd-checks.js';
import { rules, type Primitive } from './index.js';

// Small by default so the suite stays fast; TSGRAD_GRAD_RUNS=200 searches harder.
const FIRST_ORDER_RUNS = Number(process.env.TSGRAD_GRAD_RUNS ?? 20);

describe('the gradient table', () => {
  it('covers every differentiable op', () => {
    expect(WITHOUT_GRAD_DRAWS, 'differentiable ops whose row in testing/op-spec.ts has no gradient draws: give the row a `grad`, or a `gradDomain` where its forward domain has ties or huge values').toEqual([]);
    const covered = new Set(GRAD_SPECS.map((s) => s.op));
    expect(DIFFERENTIABLE_OPS.filter((op) => !covered.has(op))).toEqual([]);
    expect(GRAD_SPECS.filter((s) => !DIFFERENTIABLE_OPS.includes(s.op)).map((s) => s.op)).toEqual([]);
  });
});

/** The primitives the table's graphs (forward and createGraph backward) reached, checked against the rules below. */
const reached = new Set<Primitive>();

describe.each(GRAD_SPECS.map((s) => [s.name, s] as const))('%s', (_, spec) => {
  it('forward, VJP vs central differences (⟨c, J·t⟩ and gradcheck), zero cotangent, shapes and dtypes', () => {
    let full = 0;
    fc.assert(
      fc.property(spec.cases, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (c, seed) => {
        checkForward(c);
        checkVjpAgainstJvp(c, seed);
        if (checkJacobian(c, seed) === 'full') full++;
        checkZeroCotangent(c);
        checkShapesAndDtypes(c, seed);
        for (const p of checkShapeRules(c, seed)) reached.add(p);
      }),
      { numRuns: FIRST_ORDER_RUNS },
    );
    // Not vacuous: most draws are small enough for whole Jacobians.
    expect(full).toBeGreaterThan(0);
  });
});

describe('the rule table', () => {
  it('every primitive is reached by the gradient table, with its shape rule checked (a new primitive needs a spec row)', () => {
    expect(Object.keys(rules).filter((p) => !reached.has(p as Primitive))).toEqual([]);
  });
});
