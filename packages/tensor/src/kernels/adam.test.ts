/**
 * Adam's update kernel: the wasm row must give the TypeScript loop's bits for every option and length (the
 * loop itself is checked against PyTorch's trajectories in nn's optimiser tests), and the loop must do the
 * formula's arithmetic on a case worked by hand.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../testing/random.js';
import { ADAM_WASM_MIN, adamUpdate, type AdamUpdateOptions } from './adam.js';
import { getBackend, setBackend } from './backend.js';
import { ROW_BLOCK } from './wasm/elementwise.js';
import { getRuntime } from './wasm/runtime.js';

const initial = getBackend();
afterAll(() => setBackend(initial));

const options = (t: number, o: Partial<AdamUpdateOptions> = {}): AdamUpdateOptions => {
  const lr = o.lr ?? 0.002, beta1 = o.beta1 ?? 0.9, beta2 = o.beta2 ?? 0.999;
  return {
    lr, beta1, beta2, eps: 1e-8, weightDecay: 0, decoupled: false, maximize: false,
    stepSize: lr / (1 - beta1 ** t), sqrtBiasCorrection2: Math.sqrt(1 - beta2 ** t), ...o,
  };
};

describe('adamUpdate', () => {
  it('does the formula on one element at step 1: m = (1 − β1)g, v = (1 − β2)g², θ − γ·m̂ / (√v̂ + ε)', () => {
    setBackend('js');
    const w = Float64Array.of(1), g = Float64Array.of(0.5), m = new Float64Array(1), v = new Float64Array(1);
    adamUpdate(w, g, m, v, null, options(1, { lr: 0.1 }));
    expect(m[0]).toBeCloseTo(0.05, 15);
    expect(v[0]).toBeCloseTo(0.00025, 15);
    // m̂ = 0.5, v̂ = 0.25: the step is γ·0.5 / (0.5 + ε) ≈ γ.
    expect(w[0]).toBeCloseTo(1 - 0.1 * (0.5 / (0.5 + 1e-8)), 12);
  });

  describe.runIf(getRuntime() !== null)('on the wasm backend', () => {
    // Lengths around the wasm threshold, odd tails and more than one block of the row runtime.
    const lengthArb = fc.oneof(
      fc.integer({ min: 0, max: 3 }), fc.integer({ min: ADAM_WASM_MIN - 2, max: ADAM_WASM_MIN + 3 }),
      fc.integer({ min: ADAM_WASM_MIN, max: 2000 }), fc.constantFrom(ROW_BLOCK - 1, ROW_BLOCK, ROW_BLOCK + 1, 2 * ROW_BLOCK + 3),
    );
    it('gives the TypeScript loop\'s bits for float32, with weight decay (L2 or decoupled), maximize and amsgrad', () => {
      fc.assert(fc.property(
        lengthArb, fc.integer({ min: 1, max: 50 }), fc.constantFrom(0, 0.01, 0.3), fc.boolean(), fc.boolean(), fc.boolean(),
        fc.nat(),
        (n, t, weightDecay, decoupled, maximize, amsgrad, seed) => {
          const rand = seededRandom(seed);
          // Gradients with zeros of both signs, moments as after some steps (v ≥ 0), vmax below or above v.
          const grad = Float32Array.from({ length: n }, () => { const r = rand(); return r < 0.05 ? 0 : r < 0.1 ? -0 : (rand() - 0.5) * 0.1; });
          const w0 = Float32Array.from({ length: n }, () => rand() * 2 - 1);
          const m0 = Float32Array.from({ length: n }, () => (rand() - 0.5) * 0.01);
          const v0 = Float32Array.from({ length: n }, () => rand() * 1e-4);
          const x0 = Float32Array.from({ length: n }, () => rand() * 2e-4);
          const h = options(t, { weightDecay, decoupled, maximize });
          const run = (backend: 'js' | 'wasm'): Float32Array[] => {
            setBackend(backend);
            const w = w0.slice(), m = m0.slice(), v = v0.slice(), x = amsgrad ? x0.slice() : null;
            adamUpdate(w, grad, m, v, x, h);
            return x === null ? [w, m, v] : [w, m, v, x];
          };
          const js = run('js'), wasm = run('wasm');
          js.forEach((a, i) => expect(Buffer.from(wasm[i]!.buffer).equals(Buffer.from(a.buffer))).toBe(true));
          if (n > 0) expect(js[0]).not.toEqual(w0);
        },
      ), { numRuns: 150 });
    });
  });
});
