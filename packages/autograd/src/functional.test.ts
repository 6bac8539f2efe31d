/**
 * The functional transforms against hand-computed derivatives: grad (argnums as a number and a list),
 * valueAndGrad, vjp (called repeatedly), jvp against a known Jacobian, hessianVectorProduct against a known
 * Hessian, and nested grad(grad(f)) for scalar functions and a small MLP-like function.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@tsgrad/tensor';
import { Tensor } from '@tsgrad/tensor';
import * as A from './index.js';
import { AutogradError, type Variable } from './index.js';
import { expectError } from '../../../testing/errors.js';
import { gradcheck64 } from '../../../testing/tolerances.js';

const f64 = (data: T.NestedArray): Tensor => T.tensor(data, { dtype: 'float64' });
const arr = (t: Tensor): number[] => Array.from(t.toTypedArray());
const tight = { rtol: 1e-13, atol: 1e-14 };
/** Element i of a 1-D Variable as a scalar Variable (an integer slice). */
const at = (x: Variable, i: number): Variable => A.slice(x, [i]);

describe('grad and valueAndGrad', () => {
  const f = (a: Variable, b: Variable): Variable => A.sum(A.mul(a, A.exp(b)));
  const a = f64([1, -2, 0.5]), b = f64([0.1, 0.2, -0.3]);

  it('grad(f) differentiates the first argument by default and returns a Tensor of its shape', () => {
    const g = A.grad(f)(a, b) as Tensor;
    expect(g).toBeInstanceOf(Tensor);
    expect(g).toBeAllclose(T.exp(b), tight);
  });

  it('argnums as a number and as a list', () => {
    expect(A.grad(f, { argnums: 1 })(a, b) as Tensor).toBeAllclose(T.mul(a, T.exp(b)), tight);
    const [ga, gb] = A.grad(f, { argnums: [0, 1] })(a, b) as Tensor[];
    expect(ga).toBeAllclose(T.exp(b), tight);
    expect(gb).toBeAllclose(T.mul(a, T.exp(b)), tight);
  });

  it('an argument the output does not use gets a zero gradient', () => {
    const g = A.grad((x: Variable, _unused: Variable) => A.sum(A.mul(x, x)), { argnums: [0, 1] })(a, b) as Tensor[];
    expect(arr(g[1]!)).toEqual([0, 0, 0]); // +0, not −0
    const h = A.grad((x: Variable, _unused: Variable) => A.sum(x), { argnums: 1 })(a, f64([Infinity, -1, NaN])) as Tensor;
    expect(arr(h)).toEqual([0, 0, 0]); // not NaN
  });

  it('valueAndGrad gives f(x) and ∇f(x) together', () => {
    const { value, grad } = A.valueAndGrad(f)(a, b) as { value: Tensor; grad: Tensor };
    expect(value.item()).toBeCloseTo(Math.exp(0.1) - 2 * Math.exp(0.2) + 0.5 * Math.exp(-0.3), 14);
    expect(grad).toBeAllclose(T.exp(b), tight);
  });

  it('argnums out of range, and a non-scalar output, are errors', () => {
    expectError(() => A.grad(f, { argnums: 2 })(a, b), AutogradError, '[grad] argnums 2 is out of range for 2 argument(s)');
    expectError(() => A.grad((x: Variable) => A.mul(x, 2))(a), AutogradError, '[grad] the function must return a one-element Variable: got shape [3]');
  });
});

describe('vjp and jvp', () => {
  it('vjp returns f(x) and a function that can be called again and again', () => {
    const x = f64([[1, 2], [3, -4]]);
    const { value, vjp } = A.vjp((v) => A.mul(v, v), x);
    expect(arr(value)).toEqual([1, 4, 9, 16]);
    const u1 = f64([[1, 0], [0, 1]]), u2 = f64([[0.5, -1], [2, 3]]);
    const [g1] = vjp(u1);
    const [g2] = vjp(u2);
    const [g1again] = vjp(u1);
    expect(arr(g1!)).toEqual([2, 0, 0, -8]); // 2x·u
    expect(arr(g2!)).toEqual([1, -4, 12, -24]);
    expect(arr(g1again!)).toEqual(arr(g1!));
  });

  it('vjp with several primals', () => {
    const { vjp } = A.vjp((p, q) => A.matmul(p, q), f64([[1, 2]]), f64([[3], [4]]));
    const [gp, gq] = vjp(f64([[2]]));
    expect(gp!.toArray()).toEqual([[6, 8]]);
    expect(gq!.toArray()).toEqual([[2], [4]]);
  });

  it('jvp gives J·t for a known Jacobian', () => {
    // f(x) = [x0·x1, sin x0, x1³]: J = [[x1, x0], [cos x0, 0], [0, 3x1²]].
    const f = (x: Variable): Variable => A.stack([A.mul(at(x, 0), at(x, 1)), A.sin(at(x, 0)), A.pow(at(x, 1), 3)]);
    const [x0, x1] = [0.7, -1.3];
    const [t0, t1] = [0.2, 0.5];
    const { value, jvp } = A.jvp(f, [f64([x0, x1])], [f64([t0, t1])]);
    expect(value).toBeAllclose([x0 * x1, Math.sin(x0), x1 ** 3], tight);
    expect(jvp).toBeAllclose([x1 * t0 + x0 * t1, Math.cos(x0) * t0, 3 * x1 * x1 * t1], tight);
  });

  it('jvp with two primals sums the directional derivatives', () => {
    const f = (a: Variable, b: Variable): Variable => A.mul(A.exp(a), b);
    const a = f64([0.3, -0.2]), b = f64([2, 5]), ta = f64([1, 0.5]), tb = f64([-1, 2]);
    const { jvp } = A.jvp(f, [a, b], [ta, tb]);
    expect(jvp).toBeAllclose(T.add(T.mul(T.mul(T.exp(a), b), ta), T.mul(T.exp(a), tb)), tight);
  });
});

describe('second order', () => {
  it('hessianVectorProduct matches a hand-computed Hessian', () => {
    // f(x) = x0²·x1 + x1³: H = [[2x1, 2x0], [2x0, 6x1]].
    const f = (x: Variable): Variable => A.add(A.mul(A.square(at(x, 0)), at(x, 1)), A.pow(at(x, 1), 3));
    const [x0, x1] = [1.5, -0.5];
    const [v0, v1] = [1, -2];
    const hv = A.hessianVectorProduct(f, f64([x0, x1]), f64([v0, v1]));
    expect(hv).toBeAllclose([2 * x1 * v0 + 2 * x0 * v1, 2 * x0 * v0 + 6 * x1 * v1], tight);
  });

  const scalarCases: [string, (x: Variable) => Variable, (x: number) => number, number[]][] = [
    ['tanh', A.tanh, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2), [0.5, -1.2, 0]],
    ['sigmoid', A.sigmoid, (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s) * (1 - 2 * s); }, [0.5, -2, 3]],
    ['exp', A.exp, Math.exp, [0.5, -1, 2]],
    ['sin', A.sin, (x) => -Math.sin(x), [0.5, 2, -3]],
  ];
  it.each(scalarCases)('grad(grad(%s)) is its second derivative', (_, f, d2, points) => {
    const g2 = A.grad(A.grad(f) as (x: Variable) => Variable);
    for (const p of points) {
      const v = g2(f64(p)) as Tensor;
      expect(v.shape).toEqual([]);
      expect(v.item()).toBeCloseTo(d2(p), 13);
    }
  });

  it('grad(grad(grad(sin))) is −cos', () => {
    const g3 = A.grad(A.grad(A.grad(A.sin) as (x: Variable) => Variable) as (x: Variable) => Variable);
    expect((g3(f64(0.4)) as Tensor).item()).toBeCloseTo(-Math.cos(0.4), 13);
  });

  it('grad(grad) of a small MLP: the Hessian times ones, three ways', () => {
    const X = f64([[0.5, -1, 2], [1.5, 0.3, -0.7]]);
    const Y = f64([[0.2], [-0.4]]);
    const b1 = f64([0.1, -0.2]);
    const W2 = f64([[0.8], [-1.1]]);
    // loss(W1) = mean((tanh(X·W1 + b1)·W2 − Y)²)
    const loss = (w1: Variable): Variable => A.mean(A.square(A.sub(A.matmul(A.tanh(A.add(A.matmul(X, w1), b1)), W2), Y)));
    const W1 = f64([[0.3, -0.5], [0.9, 0.2], [-0.4, 0.6]]);
    const gradLoss = A.grad(loss) as (w: Variable | Tensor) => Variable | Tensor;
    // ∂/∂W1 Σ ∇loss(W1) = H·1
    const hOnes = A.grad((w: Variable) => A.sum(gradLoss(w) as Variable))(W1) as Tensor;
    const ones = T.onesLike(W1);
    expect(hOnes.shape).toEqual([3, 2]);
    expect(hOnes).toBeAllclose(A.hessianVectorProduct(loss, W1, ones), tight);
    const { eps, rtol, atol } = gradcheck64;
    const central = T.div(T.sub(gradLoss(T.add(W1, T.mul(ones, eps))) as Tensor, gradLoss(T.sub(W1, T.mul(ones, eps))) as Tensor), 2 * eps);
    expect(hOnes).toBeAllclose(central, { rtol, atol });
    expect(arr(hOnes).some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });
});
