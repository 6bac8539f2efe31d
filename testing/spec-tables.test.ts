/**
 * The method lists of Tensor and Variable against the op table (./op-spec.ts): every row with a method form is a
 * Tensor method, and every Tensor method is a row or one of the few members that are not ops; Variable has the
 * Tensor methods of the ops autograd differentiates, and only those (plus backward and its own members). And the
 * op table, with what it imports from testing/, stays clear of @tsgrad/autograd: the tensor package's tests
 * import it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor } from '@tsgrad/tensor';
import * as A from '@tsgrad/autograd';
import { Variable } from '@tsgrad/autograd';
import { OPS } from './op-spec.js';
import { DIFFERENTIABLE_OPS, NON_DIFFERENTIABLE } from './autograd-spec.js';

/** Tensor members that are not ops of the table: storage access, conversion and printing. */
const TENSOR_NON_OPS = ['constructor', 'isContiguous', 'toTypedArray', 'toArray', 'item', 'toString', 'astype', 'clone', 'allclose'];
const methodsOf = (proto: object): string[] =>
  Object.getOwnPropertyNames(proto).filter((n) => typeof Object.getOwnPropertyDescriptor(proto, n)!.value === 'function');

describe('method lists', () => {
  it('Tensor has a method for every row with a method form, and no op method without a row', () => {
    const rows = OPS.filter((o) => o.method !== null).map((o) => o.name);
    const methods = methodsOf(Tensor.prototype).filter((n) => !TENSOR_NON_OPS.includes(n));
    expect(rows.filter((n) => !methods.includes(n))).toEqual([]);
    expect(methods.filter((n) => !rows.includes(n))).toEqual([]);
  });

  it('Variable has exactly the Tensor methods that autograd has ops for, and backward', () => {
    const tensorOps = methodsOf(Tensor.prototype).filter((n) => !TENSOR_NON_OPS.includes(n));
    const own = ['constructor', 'retainGrad', 'detach', 'zeroGrad', 'item', 'toArray', 'toString', 'backward'];
    const methods = methodsOf(Variable.prototype).filter((n) => !own.includes(n));
    expect(methods.sort()).toEqual(tensorOps.filter((n) => typeof (A as Record<string, unknown>)[n] === 'function').sort());
    // Every differentiable op is a method, but the two that take a list of tensors.
    expect(DIFFERENTIABLE_OPS.filter((n) => !methods.includes(n))).toEqual(['concat', 'stack']);
  });

  it('the non-differentiable ops return constants, the differentiable ones record a graph', () => {
    const x = A.variable([[0.5, -1], [2, 0.25]], { requiresGrad: true, dtype: 'float64' });
    for (const name of NON_DIFFERENTIABLE) {
      const op = (A as unknown as Record<string, (...a: unknown[]) => A.Variable>)[name]!;
      const y = op.length >= 2 && !['argmax', 'argmin'].includes(name) ? op(x, x) : op(x);
      expect(y.requiresGrad, name).toBe(false);
    }
    expect(DIFFERENTIABLE_OPS.length).toBeGreaterThan(50);
  });
});

describe('the op table', () => {
  it('does not import @tsgrad/autograd, directly or through the testing/ modules it imports', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(join(import.meta.dirname, file), 'utf8');
      expect(/'@tsgrad\/autograd'/.test(src), `${file} imports @tsgrad/autograd`).toBe(false);
      for (const m of src.matchAll(/'\.\/([\w-]+)\.js'/g)) visit(`${m[1]}.ts`);
    };
    visit('op-spec.ts');
    expect(seen.has('grad-arbitraries.ts')).toBe(true);
  });
});
