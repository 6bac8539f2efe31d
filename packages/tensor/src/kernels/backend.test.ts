import { afterAll, describe, expect, it } from 'vitest';
import { getBackend, matmul, randn, setBackend, tensor, ValueError, type Backend } from '@tsgrad/tensor';
import { getRuntime } from './wasm/runtime.js';

const initial = getBackend();
afterAll(() => setBackend(initial));

describe('setBackend / getBackend', () => {
  it('defaults to wasm where WebAssembly SIMD validates (Node 20 here)', () => {
    expect(getRuntime()).not.toBeNull();
    expect(initial).toBe('wasm');
  });

  it('switches the kernels, and the two agree to float32 rounding', () => {
    const a = randn([40, 70]), b = randn([70, 50]);
    setBackend('js');
    expect(getBackend()).toBe('js');
    const viaJs = matmul(a, b).toTypedArray();
    setBackend('wasm');
    expect(getBackend()).toBe('wasm');
    const viaWasm = matmul(a, b).toTypedArray();
    let worst = 0;
    for (let i = 0; i < viaJs.length; i++) worst = Math.max(worst, Math.abs(viaJs[i]! - viaWasm[i]!));
    // 70-term sums of N(0,1) products (|sum| ~ 8): float32 rounding differences are ~1e-6, a wrong product ~1.
    expect(worst).toBeLessThan(1e-4);
    expect(worst).toBeGreaterThan(0); // float32 vs float64 sums: they differ somewhere, so both really ran
  });

  it('float64 products stay on the TypeScript kernels (bit-identical across backends)', () => {
    const a = randn([30, 20], { dtype: 'float64' }), b = randn([20, 25], { dtype: 'float64' });
    setBackend('js');
    const viaJs = Array.from(matmul(a, b).toTypedArray());
    setBackend('wasm');
    expect(Array.from(matmul(a, b).toTypedArray())).toEqual(viaJs);
    expect(tensor([1]).dtype).toBe('float32');
  });

  it('rejects an unknown backend by name', () => {
    expect(() => setBackend('gpu' as Backend)).toThrow(ValueError);
    expect(() => setBackend('gpu' as Backend)).toThrow(`[setBackend] unknown backend "gpu": expected 'wasm' or 'js'`);
  });
});
