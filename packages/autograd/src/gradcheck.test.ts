/**
 * gradcheck and gradgradcheck themselves: they pass correct functions, and they fail wrong ones with messages
 * that name the input and print the numerical and analytical Jacobians side by side.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@tsgrad/tensor';
import { DTypeError, Tensor } from '@tsgrad/tensor';
import * as A from './index.js';
import { GradcheckError, Node, type Primitive, type Rule, type Variable, type VjpContext } from './index.js';
import { expectError } from '../../../testing/errors.js';
import { gradcheck64 } from '../../../testing/tolerances.js';

const f64 = (data: T.NestedArray): Tensor => T.tensor(data, { dtype: 'float64' });
const { eps } = gradcheck64;
/** What gradcheck's central difference computes for x ↦ a·x (or x·x) at x, bit for bit. */
const central = (f: (x: number) => number, x: number): number => (f(x + eps) - f(x - eps)) / (2 * eps);

/** y with its node re-recorded under a stand-in VJP (the rule table is frozen): to test the checks on VJP results. */
function withVjp(y: Variable, vjp: (g: Variable, c: VjpContext<Primitive>) => (Variable | null)[]): Variable {
  const n = y.node;
  if (n !== null) y.node = new Node(n.prim, { ...n.rule, vjp } as Rule<Primitive>, n.inputs!, n.params, y);
  return y;
}

describe('gradcheck passes correct functions', () => {
  it('full Jacobians, several inputs of different shapes, with broadcasting', () => {
    const f = (a: Variable, b: Variable): Variable => A.tanh(A.add(A.matmul(a, b), A.sum(b, { axis: 0 })));
    expect(A.gradcheck(f, [f64([[0.1, -0.4, 0.3], [1.2, 0.5, -0.7]]), f64([[0.2], [0.9], [-1.1]])], gradcheck64)).toBe(true);
  });

  it('fast mode, and gradgradcheck', () => {
    const f = (x: Variable): Variable => A.logSumExp(A.mul(x, x), { axis: -1 });
    const x = f64([[0.3, -1.2, 0.8], [2, 0.1, -0.5]]);
    expect(A.gradcheck(f, [x], { ...gradcheck64, fast: true, directions: 4 })).toBe(true);
    expect(A.gradgradcheck(f, [x], gradcheck64)).toBe(true);
  });
});

describe('gradcheck failures', () => {
  it('an input detached mid-way: the message names input 1 and prints both Jacobians', () => {
    function detachedProduct(a: Variable, b: Variable): Variable {
      return A.mul(a, b.detach());
    }
    const numerical = central((b) => 3 * b, 5);
    expectError(() => A.gradcheck(detachedProduct, [f64([1, 3]), f64([2, 5])], gradcheck64), GradcheckError, [
      `[gradcheck] Jacobian mismatch for input 1 (shape [2]) of 'detachedProduct' (output of 'mul', shape [2]): ` +
        `worst at output 1, input element 1: numerical ${numerical}, analytical 0 (atol 0.00001, rtol 0.001)`,
      'numerical                  | analytical',
      '[    1.000000    0.000000 ] | [    0.000000    0.000000 ]',
      '[    0.000000    3.000000 ] | [    0.000000    0.000000 ]',
    ].join('\n'));
  });

  it('x·detach(x): the analytical Jacobian is half the numerical one, and both are printed', () => {
    function halfSquare(x: Variable): Variable {
      return A.mul(x, x.detach());
    }
    const numerical = central((x) => x * x, 3);
    expect(numerical).not.toBe(6); // the message shows the finite difference itself
    expectError(() => A.gradcheck(halfSquare, [f64([1, 3])], gradcheck64), GradcheckError, [
      `[gradcheck] Jacobian mismatch for input 0 (shape [2]) of 'halfSquare' (output of 'mul', shape [2]): ` +
        `worst at output 1, input element 1: numerical ${numerical}, analytical 3 (atol 0.00001, rtol 0.001)`,
      'numerical                  | analytical',
      '[    2.000000    0.000000 ] | [    1.000000    0.000000 ]',
      '[    0.000000    6.000000 ] | [    0.000000    3.000000 ]',
    ].join('\n'));
    expect(A.gradcheck(halfSquare, [f64([1, 3])], { raiseException: false })).toBe(false);
  });

  it('fast mode reports ⟨c, J·t⟩ against ⟨Jᵀc, t⟩ (here off by a factor 2)', () => {
    function halfSquare(x: Variable): Variable {
      return A.mul(x, x.detach());
    }
    let message = '';
    try {
      A.gradcheck(halfSquare, [f64([1, 3, -2])], { ...gradcheck64, fast: true });
    } catch (e) {
      expect(e).toBeInstanceOf(GradcheckError);
      message = (e as Error).message;
    }
    const m = /^\[gradcheck\] VJP mismatch for input 0 \(shape \[3\]\) of 'halfSquare' \(output of 'mul', shape \[3\]\) along random direction 0: numerical ⟨c, J·t⟩ = (\S+), analytical ⟨Jᵀ·c, t⟩ = (\S+) \(atol 0\.00001, rtol 0\.001\)$/.exec(message);
    expect(m, message).not.toBeNull();
    expect(Number(m![1])).toBeCloseTo(2 * Number(m![2]), 6);
  });

  it('a VJP that is not linear in the cotangent fails the zero-cotangent check', () => {
    expectError(() => A.gradcheck(function negate(x: Variable) { return withVjp(A.neg(x), (g) => [A.sub(A.neg(g), 1)]); }, [f64([1, 2])]), GradcheckError,
      "[gradcheck] a zero cotangent gave a nonzero gradient for input 0 of 'negate' (output of 'neg', shape [2])");
  });

  it('an output that does not depend on any input', () => {
    expectError(() => A.gradcheck(function constantOut(x: Variable) { return x.detach(); }, [f64([1, 2])]), GradcheckError,
      "[gradcheck] the output of 'constantOut' (output, shape [2]) does not depend on any input");
  });

  it('gradgradcheck catches a first derivative that is right but not differentiable (a constant where a Variable belongs)', () => {
    const sin = (v: Variable): Variable => withVjp(A.sin(v), (g, c) => [A.mul(g, A.constant(T.cos(c.inputs[0]!.value)))]);
    {
      const x = f64([0.3, -1.1]);
      expect(A.gradcheck(sin, [x])).toBe(true);
      let message = '';
      try {
        A.gradgradcheck(sin, [x], { gradOutputs: f64([1, 1]) });
      } catch (e) {
        expect(e).toBeInstanceOf(GradcheckError);
        message = (e as Error).message;
      }
      expect(message).toContain('[gradcheck] Jacobian mismatch for input 0 (shape [2])');
      expect(message).toContain('numerical');
      expect(message).toContain('analytical');
      // d/dx (u·cos x) = −u·sin x on the diagonal, against 0 from the constant.
      expect(message).toContain(`${(-Math.sin(-1.1)).toFixed(6)}`);
    }
    expect(A.gradgradcheck(A.sin, [f64([0.3, -1.1])])).toBe(true);
  });
});

describe('gradcheck needs float64', () => {
  it('a float32 input is a DTypeError', () => {
    const x = T.tensor([1, 2]);
    expectError(() => A.gradcheck(A.exp, [x]), DTypeError, "[gradcheck] input 0 is float32; gradient checks need float64 inputs (use astype('float64'))");
    expectError(() => A.gradgradcheck(A.mul, [f64([1, 2]), x]), DTypeError,
      "[gradgradcheck] input 1 is float32; gradient checks need float64 inputs (use astype('float64'))");
  });
});
