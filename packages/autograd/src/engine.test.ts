/**
 * The engine on cases with known numbers: closed-form derivatives, accumulation, graph shapes (shared inputs,
 * diamonds), retainGraph and the freed-graph error, seeds, noGrad / detach / retainGrad, requiresGrad
 * propagation, numerical stability at ±1000, the conventions at 0 (sqrt, norm, distances), a 100 000-op chain,
 * and the engine's own shape and dtype checks on the VJPs.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@tsgrad/tensor';
import { ShapeError, Tensor } from '@tsgrad/tensor';
import * as A from './index.js';
import { AutogradError, Node, Variable, rules, variable, type Primitive, type Rule, type VjpContext } from './index.js';
import { expectError } from '../../../testing/errors.js';

const f64 = { dtype: 'float64' } as const;
const leaf = (data: T.NestedArray, name?: string): Variable => variable(data, { requiresGrad: true, dtype: 'float64', ...(name ? { name } : {}) });
/** Plain numbers of a Tensor (or of a Variable's .grad), for toEqual. */
const arr = (t: Tensor | null): number[] => Array.from(t!.toTypedArray());

/** y with its node re-recorded under a stand-in VJP (the rule table is frozen): to test the checks on VJP results. */
function withVjp(y: Variable, vjp: (g: Variable, c: VjpContext<Primitive>) => (Variable | null)[]): Variable {
  const n = y.node;
  if (n !== null) y.node = new Node(n.prim, { ...n.rule, vjp } as Rule<Primitive>, n.inputs!, n.params, y);
  return y;
}

describe('closed-form derivatives', () => {
  it('d/dx x³ at 2 is 12, through pow and through x·x·x', () => {
    const x = leaf(2);
    A.pow(x, 3).backward();
    expect(x.grad!.item()).toBe(12);
    const z = leaf(2);
    z.mul(z).mul(z).backward();
    expect(z.grad!.item()).toBe(12);
  });

  it("d²/dx² tanh at 0.5 is −2·tanh(0.5)·(1 − tanh²(0.5)), with backward({ createGraph })", () => {
    const x = leaf(0.5);
    A.tanh(x).backward(undefined, { createGraph: true });
    const t = Math.tanh(0.5);
    expect(x.grad!.item()).toBeCloseTo(1 - t * t, 15);
    const g = x.gradVariable!;
    expect(g.requiresGrad).toBe(true);
    x.zeroGrad();
    g.backward();
    expect(x.grad!.item()).toBeCloseTo(-2 * t * (1 - t * t), 15);
  });

  it("sigmoid'' = σ(1 − σ)(1 − 2σ) and exp'' = exp, exactly", () => {
    for (const v of [-1.5, 0, 0.7]) {
      const x = leaf(v);
      A.sigmoid(x).backward(undefined, { createGraph: true });
      const g = x.gradVariable!;
      x.zeroGrad();
      g.backward();
      const s = T.sigmoid(T.tensor(v, f64)).item();
      expect(x.grad!.item()).toBe(s * (1 - s) * (1 - 2 * s));

      const y = leaf(v);
      A.exp(y).backward(undefined, { createGraph: true });
      const h = y.gradVariable!;
      y.zeroGrad();
      h.backward();
      expect(y.grad!.item()).toBe(Math.exp(v));
    }
  });

  it('the gradient of sum(A @ B) for 2×3 and 3×2 matrices of ones is all 2s', () => {
    const a = variable(T.ones([2, 3], f64), { requiresGrad: true });
    const b = variable(T.ones([3, 2], f64), { requiresGrad: true });
    A.sum(A.matmul(a, b)).backward();
    expect(a.grad!.toArray()).toEqual([[2, 2, 2], [2, 2, 2]]);
    expect(b.grad!.toArray()).toEqual([[2, 2], [2, 2], [2, 2]]);
  });

  it('a vector dot product (1-D @ 1-D) is a scalar, as in NumPy, with gradients b and a', () => {
    const a = leaf([1, 2, 3]), b = leaf([4, -5, 6]);
    const y = A.matmul(a, b);
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(12);
    y.backward();
    expect(arr(a.grad)).toEqual([4, -5, 6]);
    expect(arr(b.grad)).toEqual([1, 2, 3]);
  });

  it('where with a float64 condition and float32 values: float32 gradients to the chosen side', () => {
    const cond = T.tensor([1, 0, -2.5], f64);
    const a = variable([1, 2, 3], { requiresGrad: true }), b = variable([4, 5, 6], { requiresGrad: true });
    A.sum(A.where(cond, a, b)).backward();
    expect(a.grad!.dtype).toBe('float32');
    expect(arr(a.grad)).toEqual([1, 0, 1]);
    expect(arr(b.grad)).toEqual([0, 1, 0]);
  });

  it('prod with a zero factor takes the exact product of the others', () => {
    const x = leaf([2, 0, 3]);
    A.prod(x).backward();
    expect(arr(x.grad)).toEqual([0, 6, 0]);
  });
});

describe('accumulation and graph shapes', () => {
  it('an input used twice gets both contributions: x·x gives 2x, x + x gives 2', () => {
    const x = leaf([1.5, -2, 3]);
    A.sum(A.mul(x, x)).backward();
    expect(arr(x.grad)).toEqual([3, -4, 6]);
    const z = leaf([1.5, -2, 3]);
    A.sum(A.add(z, z)).backward();
    expect(arr(z.grad)).toEqual([2, 2, 2]);
  });

  it('a diamond (x → a, x → b, a·b) sums both paths: d(2x·3x)/dx = 12x', () => {
    const x = leaf([1, -0.5]);
    const a = A.mul(x, 2), b = A.mul(x, 3);
    A.sum(A.mul(a, b)).backward();
    expect(arr(x.grad)).toEqual([12, -6]);
  });

  it('a diamond through a shared intermediate: y = h² + h with h = eˣ gives (2h + 1)·h', () => {
    const x = leaf(0.3);
    const h = A.exp(x);
    A.add(A.mul(h, h), h).backward();
    const e = Math.exp(0.3);
    expect(x.grad!.item()).toBeCloseTo((2 * e + 1) * e, 14);
  });

  it('plain and createGraph backwards accumulate into one gradient, in either order', () => {
    const x = leaf([1, 2]);
    A.sum(A.mul(x, 3)).backward();
    A.sum(A.mul(x, x)).backward(undefined, { createGraph: true });
    expect(arr(x.grad)).toEqual([5, 7]);
    expect(arr(x.gradVariable!.value)).toEqual([5, 7]);
    // The differentiable part is the x·x term: d/dx Σ(3 + 2x) = 2.
    const gv = x.gradVariable!;
    x.zeroGrad();
    A.sum(gv).backward();
    expect(arr(x.grad)).toEqual([2, 2]);

    const z = leaf([1, 2]);
    A.sum(A.mul(z, z)).backward(undefined, { createGraph: true });
    A.sum(A.mul(z, 3)).backward();
    expect(arr(z.grad)).toEqual([5, 7]);
    expect(arr(z.gradVariable!.value)).toEqual([5, 7]);
  });

  it('backward adds into .grad; zeroGrad clears it', () => {
    const x = leaf([1, 2]);
    A.sum(A.mul(x, 3)).backward();
    A.sum(A.mul(x, 3)).backward();
    expect(arr(x.grad)).toEqual([6, 6]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });
});

describe('the biased convolutions', () => {
  /** Whether two tensors hold the same bits. */
  const same = (a: Tensor | null, b: Tensor | null): boolean =>
    a !== null && b !== null && a.shape.join() === b.shape.join() && a.toTypedArray().every((v, i) => Object.is(v, b.toTypedArray()[i]));
  const gen = new T.Generator(8);
  const xv = T.randn([6, 1, 16, 16], { generator: gen }), wv = T.randn([5, 1, 5, 5], { generator: gen }), bv = T.randn([5], { generator: gen });
  const seed = T.randn([6, 5, 12, 12], { generator: gen });

  it.each([undefined, 'relu'] as const)(
    'activation %s: a plain backward (one-pass parameter gradients) gives the bits of the recorded VJPs (createGraph), with and without the input\'s',
    (activation) => {
      for (const inputNeeds of [false, true]) {
        const run = (createGraph: boolean): (Tensor | null)[] => {
          const x = variable(xv, { requiresGrad: inputNeeds }), w = variable(wv, { requiresGrad: true }), b = variable(bv, { requiresGrad: true });
          const y = A.conv2d(x, w, { bias: b, ...(activation ? { activation } : {}) });
          expect(y.node!.prim).toBe(activation ? 'conv2dBiasRelu' : 'conv2dBias');
          A.mul(y, seed).sum().backward(undefined, { createGraph });
          return [inputNeeds ? x.grad : null, w.grad, b.grad];
        };
        const [gx0, gw0, gb0] = run(false), [gx1, gw1, gb1] = run(true);
        expect(same(gw0!, gw1!) && same(gb0!, gb1!)).toBe(true);
        if (inputNeeds) expect(same(gx0!, gx1!)).toBe(true);
        // And the relu's mask: the gradient is that of relu(conv2d(x, w) + b) recorded as two primitives.
        const x = variable(xv, { requiresGrad: inputNeeds }), w = variable(wv, { requiresGrad: true }), b = variable(bv, { requiresGrad: true });
        const z = A.conv2d(x, w, { bias: b });
        A.mul(activation ? A.relu(z) : z, seed).sum().backward();
        expect(same(w.grad, gw0) && same(b.grad, gb0)).toBe(true);
        if (inputNeeds) expect(same(x.grad, gx0)).toBe(true);
      }
    },
  );

  it('conv2dReluAvgPool: a plain backward gives the bits of the recorded VJPs (createGraph) and of conv2d, relu and avgPool2d recorded one by one', () => {
    // Direct-kernel sizes (1 input channel, OW >= 4), so the float32 wasm path runs where it is the backend.
    const pool = { kernelSize: 2, stride: 2, padding: 1, countIncludePad: false };
    const seedP = T.randn([6, 5, 7, 7], { generator: gen });
    for (const inputNeeds of [false, true]) {
      const run = (createGraph: boolean): (Tensor | null)[] => {
        const x = variable(xv, { requiresGrad: inputNeeds }), w = variable(wv, { requiresGrad: true }), b = variable(bv, { requiresGrad: true });
        const y = A.conv2dReluAvgPool(x, w, { bias: b, pool });
        expect(y.node!.prim).toBe('conv2dBiasReluAvgPool');
        A.mul(y, seedP).sum().backward(undefined, { createGraph });
        return [inputNeeds ? x.grad : null, w.grad, b.grad];
      };
      const [gx0, gw0, gb0] = run(false), [gx1, gw1, gb1] = run(true);
      expect(same(gw0!, gw1!) && same(gb0!, gb1!)).toBe(true);
      if (inputNeeds) expect(same(gx0!, gx1!)).toBe(true);
      const x = variable(xv, { requiresGrad: inputNeeds }), w = variable(wv, { requiresGrad: true }), b = variable(bv, { requiresGrad: true });
      const z = A.avgPool2d(A.relu(A.conv2d(x, w, { bias: b })), pool);
      expect(same(z.value, A.conv2dReluAvgPool(xv, wv, { bias: bv, pool }).value)).toBe(true);
      A.mul(z, seedP).sum().backward();
      expect(same(w.grad, gw0) && same(b.grad, gb0)).toBe(true);
      if (inputNeeds) expect(same(x.grad, gx0)).toBe(true);
    }
    // Without a bias: a relu'd conv2d, then avgPool2d.
    const y = A.conv2dReluAvgPool(variable(xv, { requiresGrad: true }), wv, { pool });
    expect([y.node!.prim, y.node!.inputs![0]!.node!.prim]).toEqual(['avgPool2d', 'relu']);
  });

  it('conv2d without a bias records a relu after it; an unknown activation is a ValueError', () => {
    const y = A.conv2d(variable(xv, { requiresGrad: true }), wv, { activation: 'relu' });
    expect(y.node!.prim).toBe('relu');
    expect(y.node!.inputs![0]!.node!.prim).toBe('conv2d');
    expect(() => A.conv2d(xv, wv, { activation: 'gelu' as 'relu' })).toThrow(`[conv2d] unknown activation "gelu": expected 'relu' or none`);
  });
});

describe('kinks and ties (document-by-test)', () => {
  it('max/min reductions share the gradient evenly among tied extrema; maximum/minimum split ties in half', () => {
    const x = leaf([1, 3, 3]);
    A.max(x).backward();
    expect(arr(x.grad)).toEqual([0, 0.5, 0.5]);
    const a = leaf([1, 3]), b = leaf([2, 3]);
    A.sum(A.maximum(a, b)).backward();
    expect(arr(a.grad)).toEqual([0, 0.5]);
    expect(arr(b.grad)).toEqual([1, 0.5]);
  });

  it('relu and abs have gradient 0 at 0; clamp passes the gradient at its bounds', () => {
    const x = leaf([0, 0]);
    A.sum(A.add(A.abs(x), A.relu(x))).backward();
    expect(arr(x.grad)).toEqual([0, 0]);
    const z = leaf([-1, 0, 1, 2]);
    A.sum(A.clamp(z, 0, 1)).backward();
    expect(arr(z.grad)).toEqual([0, 1, 1, 0]);
  });
});

describe('retainGraph and freed graphs', () => {
  it('retainGraph allows a second backward, which accumulates', () => {
    const x = leaf([1, 2]);
    const y = A.sum(A.mul(x, x));
    y.backward(undefined, { retainGraph: true });
    expect(arr(x.grad)).toEqual([2, 4]);
    y.backward();
    expect(arr(x.grad)).toEqual([4, 8]);
  });

  it('a second backward through a freed graph is an AutogradError naming the op', () => {
    const x = leaf([1, 2]);
    const y = A.sum(A.mul(x, x));
    y.backward();
    expect(y.node!.freed).toBe(true);
    expectError(() => y.backward(), AutogradError,
      "[backward] the graph through 'sum' was freed by an earlier backward(); pass { retainGraph: true } to the first backward() to run backward through it again");
  });

  it('reaching a freed node deeper in the graph is the same error, naming that node', () => {
    const x = leaf([1, 2]);
    const h = A.exp(x);
    A.sum(h).backward();
    const y = A.sum(A.mul(h, 2)); // a fresh graph on top of h, whose own node was freed
    expectError(() => y.backward(), AutogradError,
      "[backward] the graph through 'exp' was freed by an earlier backward(); pass { retainGraph: true } to the first backward() to run backward through it again");
  });
});

describe('seeds', () => {
  it('a non-scalar output needs a seed', () => {
    const x = leaf([[1, 2, 3], [4, 5, 6]]);
    expectError(() => A.mul(x, 2).backward(), AutogradError,
      '[backward] a seed is needed for an output of shape [2,3]: only a one-element output has the implicit seed 1');
  });

  it('a seed weights the output: backward(c) gives Jᵀc', () => {
    const x = leaf([1, 2]);
    A.mul(x, x).backward(T.tensor([10, -1], f64));
    expect(arr(x.grad)).toEqual([20, -4]);
  });

  it('a seed of the wrong shape is a ShapeError with both shapes; of the wrong dtype, an AutogradError', () => {
    const x = leaf([1, 2]);
    expectError(() => A.mul(x, 2).backward(T.tensor([1, 2, 3], f64)), ShapeError, '[backward] seed has shape [3], but the output has shape [2]');
    expectError(() => A.mul(x, 2).backward(variable([1, 2, 3], f64)), ShapeError, '[backward] seed has shape [3], but the output has shape [2]');
    expectError(() => A.mul(x, 2).backward(T.tensor([1, 2])), AutogradError, '[backward] seed is float32, but the output is float64');
    expectError(() => A.mul(x, 2).backward(variable([1, 2])), AutogradError, '[backward] seed is float32, but the output is float64');
  });

  it('backward of an output that needs no gradient is an AutogradError', () => {
    const c = variable([1, 2], f64);
    expectError(() => A.sum(c).backward(), AutogradError,
      '[backward] the output does not require a gradient: no input of the ops that made it has requiresGrad, or it was computed under noGrad');
  });
});

describe('what gets recorded', () => {
  it('noGrad records nothing: results have requiresGrad false and node null; recording resumes afterwards', () => {
    const x = leaf([1, 2]);
    const y = A.noGrad(() => {
      expect(A.isGradEnabled()).toBe(false);
      return A.sum(A.exp(A.mul(x, x)));
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(A.isGradEnabled()).toBe(true);
    expect(A.sum(A.mul(x, x)).node).not.toBeNull();
  });

  it('noGrad restores recording when fn throws, and enableGrad re-enables it inside', () => {
    expect(() => A.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(A.isGradEnabled()).toBe(true);
    const x = leaf(1);
    const y = A.noGrad(() => A.enableGrad(() => A.mul(x, 2)));
    expect(y.node?.prim).toBe('mul');
  });

  it('detach shares the value, has no history, and stops gradients', () => {
    const x = leaf([1.5, -2]);
    const d = x.detach();
    expect(d.value).toBe(x.value);
    expect(d.requiresGrad).toBe(false);
    expect(d.node).toBeNull();
    A.sum(A.mul(x, d)).backward();
    expect(arr(x.grad)).toEqual([1.5, -2]); // x, not 2x
    expect(d.grad).toBeNull();
  });

  it('retainGrad keeps a non-leaf gradient; other non-leaves keep none', () => {
    const x = leaf([1, -3]);
    const h = A.mul(x, 2).retainGrad();
    const k = A.mul(h, h);
    A.sum(k).backward();
    expect(arr(h.grad)).toEqual([4, -12]); // 2h
    expect(arr(x.grad)).toEqual([8, -24]);
    expect(k.grad).toBeNull();
  });

  it('ops on inputs that need no gradient record nothing (node === null); one input that needs it is enough', () => {
    const c = variable([1, 2], f64);
    const x = leaf([3, 4]);
    const y = A.exp(A.mul(c, c));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    const z = A.add(A.mul(c, 2), x);
    expect(z.requiresGrad).toBe(true);
    expect(z.node?.prim).toBe('add');
    A.sum(A.mul(z, c)).backward();
    expect(arr(x.grad)).toEqual([1, 2]);
    expect(c.grad).toBeNull();
    // Comparisons and other non-differentiable ops return constants.
    expect(A.greater(x, 3.5).node).toBeNull();
    expect(A.argmax(x).requiresGrad).toBe(false);
  });

  it('gradients() of an input the output does not use is an error unless allowUnused', () => {
    const x = leaf([1, 2]), w = leaf([3, 4]);
    const y = A.sum(A.mul(x, x));
    expectError(() => A.gradients(y, [x, w], undefined, { retainGraph: true }), AutogradError,
      '[gradients] input 1 (shape [2]) is not used to compute the output; pass { allowUnused: true } to get null for it');
    const [gx, gw] = A.gradients(y, [x, w], undefined, { allowUnused: true });
    expect(arr(gx!.value)).toEqual([2, 4]);
    expect(gw).toBeNull();
    expect(x.grad).toBeNull(); // gradients() returns, it does not accumulate
  });
});

describe('numerical stability at ±1000', () => {
  // Inputs near ±1000 in float32, and the same (float32-rounded) values in float64 as the reference.
  const big = [[1000, 999.3, 1000.1, -999.7], [-1000, -1000.4, -999.2, 0.5], ...[1, 2, 3, 4, 5].map((k) => [1000 - 0.37 * k, 1000 + 0.21 * k, 999 + 0.13 * k, 1000.5])];
  const x32 = (): Variable => variable(big, { requiresGrad: true });
  const ref64 = (): Variable => variable(T.tensor(big).astype('float64'), { requiresGrad: true });

  it('float32 logSoftmax and logSumExp at |x| = 1000 match float64 to float32 precision, values and gradients', () => {
    for (const f of [(v: Variable) => A.logSoftmax(v, -1), (v: Variable) => A.logSumExp(v, { axis: -1 }), (v: Variable) => A.logSoftmax(v, 0)]) {
      const a = x32(), b = ref64();
      const ya = f(a), yb = f(b);
      expect(ya.dtype).toBe('float32');
      expect(ya.value).toBeAllclose(yb.value, { rtol: 1e-5, atol: 1e-6 });
      const seed = T.linspace(-1, 1, ya.size).reshape(ya.shape.slice());
      ya.backward(seed);
      yb.backward(seed.astype('float64'));
      expect(a.grad).toBeAllclose(b.grad!, { rtol: 1e-5, atol: 1e-6 });
    }
    // The test can fail: x − logSumExp(x), which rounds m + log Σ at 1000's scale first, is off by more.
    const naive = A.sub(x32(), A.logSumExp(x32(), { axis: -1, keepDims: true }));
    expect(T.allclose(naive.value, A.logSoftmax(ref64(), -1).value, { rtol: 1e-5, atol: 1e-6 })).toBe(false);
  });

  it('logSoftmax and logSumExp with infinite entries agree with the tensor ops (the shift of an infinite max is 0)', () => {
    const x = T.tensor([[-Infinity, 0, 1], [Infinity, 0, 1], [-Infinity, -Infinity, -Infinity]], f64);
    const same = (a: Tensor, b: Tensor): boolean => Array.from(a.toTypedArray()).every((v, i) => Object.is(v, b.toTypedArray()[i]));
    expect(same(A.logSoftmax(variable(x)).value, T.logSoftmax(x))).toBe(true);
    expect(same(A.logSumExp(variable(x), { axis: -1 }).value, T.logSumExp(x, { axis: -1 }))).toBe(true);
  });

  it('logSumExp: finite value and softmax gradient', () => {
    const x = leaf([1000, -1000, 0]);
    const y = A.logSumExp(x);
    expect(y.item()).toBe(1000);
    y.backward();
    expect(arr(x.grad)).toEqual([1, 0, 0]);
    const z = leaf([1000, 1000]);
    A.logSumExp(z).backward();
    expect(arr(z.grad)).toEqual([0.5, 0.5]);
  });

  it('softplus: value and gradient σ(x) at ±1000', () => {
    const x = leaf([1000, -1000]);
    const y = A.softplus(x);
    expect(arr(y.value)).toEqual([1000, 0]);
    A.sum(y).backward();
    expect(arr(x.grad)).toEqual([1, 0]);
  });

  it('sigmoid: gradient σ(1 − σ) is 0, not NaN, at ±1000', () => {
    const x = leaf([1000, -1000]);
    A.sum(A.sigmoid(x)).backward();
    expect(arr(x.grad)).toEqual([0, 0]);
  });

  it('logSoftmax: finite values, gradient c − softmax(x)·Σc', () => {
    const x = leaf([1000, -1000, 0]);
    const y = A.logSoftmax(x);
    expect(arr(y.value)).toEqual([0, -2000, -1000]);
    y.backward(T.tensor([0, 1, 0], f64));
    expect(arr(x.grad)).toEqual([-1, 1, 0]);
  });
});

describe('conventions at 0 (document-by-test)', () => {
  it('sqrt at exactly 0 has gradient 0 (not Infinity or NaN)', () => {
    const x = leaf([0, 4]);
    A.sum(A.sqrt(x)).backward();
    expect(arr(x.grad)).toEqual([0, 0.25]);
  });

  it('the 2-norm at exactly 0 has gradient 0, elsewhere x/‖x‖', () => {
    const x = leaf([[0, 0, 0], [3, 0, -4]]);
    A.sum(A.norm(x, { axis: 1 })).backward();
    expect(arr(x.grad).slice(0, 3).every((v) => v === 0)).toBe(true);
    expect(x.grad).toBeAllclose([[0, 0, 0], [0.6, 0, -0.8]], { rtol: 1e-15, atol: 0 });
  });

  it.each(['direct', 'matmul'] as const)('cdist (mode %s) at identical points: finite, zero gradient', (mode) => {
    const pts = [[0.3, -1.2, 2], [1, 1, 1]];
    const a = leaf(pts), b = leaf(pts);
    const d = A.cdist(a, b, { mode });
    expect(d.value.toTypedArray()[0]).toBe(0);
    d.backward(T.eye(2, undefined, f64)); // only the distances between identical points
    for (const g of [a.grad!, b.grad!]) {
      expect(arr(g).every(Number.isFinite)).toBe(true);
      expect(arr(g).every((v) => v === 0)).toBe(true);
    }
  });

  it('a Euclidean distance ‖a − b‖ at a = b: finite, zero gradient', () => {
    const a = leaf([[1, 2], [-3, 0.5]]), b = leaf([[1, 2], [-3, 0.5]]);
    A.sum(A.norm(A.sub(a, b), { axis: -1 })).backward();
    for (const g of [a.grad!, b.grad!]) {
      expect(g.shape).toEqual([2, 2]);
      expect(arr(g).every((v) => v === 0)).toBe(true); // ±0
    }
  });
});

describe('deep graphs', () => {
  it('a chain of 100 000 ops backpropagates without overflowing the stack', () => {
    // y ← s·y + c, 50 000 times (a mul and an add each): y = sⁿx + c(sⁿ − 1)/(s − 1), dy/dx = sⁿ.
    const n = 50_000, s = 1.00001, c = 0.5;
    const x = leaf([0.5, -1]);
    const sv = variable(T.full([2], s, f64)), cv = variable(T.full([2], c, f64));
    let y: Variable = x;
    for (let i = 0; i < n; i++) y = A.add(A.mul(y, sv), cv);
    const sn = s ** n;
    expect(y.value).toBeAllclose([0.5, -1].map((x0) => sn * x0 + (c * (sn - 1)) / (s - 1)), { rtol: 1e-9, atol: 0 });
    A.sum(y).backward();
    expect(x.grad).toBeAllclose([sn, sn], { rtol: 1e-9, atol: 0 });
  });
});

describe("the engine's checks on VJP results", () => {
  it("a VJP returning the wrong shape is a ShapeError naming the op and the input", () => {
    {
      const x = leaf([[1, 2], [3, 4]]);
      const y = A.sum(withVjp(A.neg(x), (g) => [A.reshape(g, [-1])]));
      expectError(() => y.backward(), ShapeError, "[backward] the VJP of 'neg' returned a gradient of shape [4] for input 0 of shape [2,2]");
    }
    const x = leaf([1, 2]);
    A.sum(A.neg(x)).backward();
    expect(arr(x.grad)).toEqual([-1, -1]);
  });

  it('a VJP returning the wrong dtype is an AutogradError naming the op and the input', () => {
    const x = leaf([1, 2]);
    const y = A.sum(withVjp(A.sin(x), (g) => [A.constant(g.value.astype('float32'))]));
    expectError(() => y.backward(), AutogradError, "[backward] the VJP of 'sin' returned a float32 gradient for input 0, which is float64");
  });

  it('the rule table is frozen: a rule can be read and called, not replaced', () => {
    expect(Object.isFrozen(rules)).toBe(true);
    expect(Object.isFrozen(rules.neg)).toBe(true);
    expect(() => { (rules as unknown as Record<string, unknown>).neg = null; }).toThrow(TypeError);
    expect(() => { (rules.neg as unknown as Record<string, unknown>).vjp = null; }).toThrow(TypeError);
  });
});
