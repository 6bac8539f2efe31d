/**
 * Second derivatives over the gradient table (testing/autograd-spec.ts): for every row marked `secondOrder`,
 * gradgradcheck differentiates the VJP (computed with createGraph) against central differences, with a random
 * cotangent. This checks that every VJP rule is itself written in differentiable ops.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GRAD_SPECS } from '../../../testing/autograd-spec.js';
import { checkSecondOrder } from '../../../testing/autograd-checks.js';

// A third of the first-order runs (TSGRAD_GRAD_RUNS, default 20): each draw costs a double backward per output.
const SECOND_ORDER_RUNS = Math.max(1, Math.round(Number(process.env.TSGRAD_GRAD_RUNS ?? 20) / 3));

describe.each(GRAD_SPECS.filter((s) => s.secondOrder).map((s) => [s.name, s] as const))('%s', (_, spec) => {
  it('second order (gradgradcheck)', () => {
    let runs = 0;
    fc.assert(
      fc.property(spec.cases, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (c, seed) => {
        checkSecondOrder(c, seed); // full Jacobians when small, gradcheck's fast mode otherwise
        runs++;
      }),
      { numRuns: SECOND_ORDER_RUNS },
    );
    expect(runs).toBe(SECOND_ORDER_RUNS);
  });
});
