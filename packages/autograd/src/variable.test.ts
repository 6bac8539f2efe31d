/** The Variable class: construction, every differentiable op as a method, and its errors. */
import { describe, expect, it } from 'vitest';
import * as T from '@tsgrad/tensor';
import * as A from './index.js';
import { AutogradError, Variable, asVariable, variable } from './index.js';
import { DIFFERENTIABLE_OPS } from '../../../testing/autograd-spec.js';
import { expectError } from '../../../testing/errors.js';

describe('Variable', () => {
  it('has every differentiable op as a method (concat and stack take a list, so are functions only)', () => {
    const missing = DIFFERENTIABLE_OPS.filter((op) => !['concat', 'stack'].includes(op))
      .filter((op) => typeof (Variable.prototype as unknown as Record<string, unknown>)[op] !== 'function');
    expect(missing).toEqual([]);
  });

  it('methods record the same op as the functions', () => {
    const x = variable([[0.5, -1], [2, 0.25]], { requiresGrad: true, dtype: 'float64' });
    const pairs: [Variable, Variable][] = [
      [x.mul(3).exp(), A.exp(A.mul(x, 3))],
      [x.sum({ axis: -1, keepDims: true }), A.sum(x, { axis: -1, keepDims: true })],
      [x.matmul(x).softmax(0), A.softmax(A.matmul(x, x), 0)],
      [x.slice([[null, null, -1], 1]), A.slice(x, [[null, null, -1], 1])],
      [x.topk(1, { axis: 0 }).values, A.topk(x, 1, { axis: 0 }).values],
    ];
    for (const [m, f] of pairs) {
      expect(m.node?.prim).toBe(f.node?.prim);
      expect(m.value).toBeAllclose(f.value, { rtol: 0, atol: 0 });
    }
  });

  it('variable() shares a Tensor, converts data and dtype, keeps a name; leaves have no node', () => {
    const t = T.tensor([1, 2], { dtype: 'float64' });
    const v = variable(t, { name: 'w' });
    expect(v.value).toBe(t);
    expect(v.isLeaf).toBe(true);
    expect(v.requiresGrad).toBe(false);
    expect(v.name).toBe('w');
    expect(variable(t, { dtype: 'float32' }).dtype).toBe('float32');
    expect(variable([[1, 2, 3]]).shape).toEqual([1, 3]);
    expect(asVariable(2.5, 'float64').dtype).toBe('float64');
    expect(String(variable(t, { requiresGrad: true }))).toBe(`Variable(${t.toString()}, requiresGrad=true)`);
    expect(String(A.exp(variable(t, { requiresGrad: true })))).toMatch(/, op=exp\)$/);
  });

  it('bad values are AutogradErrors', () => {
    expectError(() => new Variable([1, 2] as unknown as T.Tensor), AutogradError, '[Variable] value must be a Tensor');
    expectError(() => asVariable('x' as unknown as number), AutogradError, '[Variable] expected a Variable, a Tensor or a number: got string');
  });

  it('binary ops on Variables of different dtypes are DTypeErrors naming both', () => {
    const a = variable([1, 2], { dtype: 'float64' }), b = variable([1, 2]);
    expectError(() => A.add(a, b), T.DTypeError, '[add] dtypes differ: float64 [2] and float32 [2]; convert one with astype()');
  });
});
