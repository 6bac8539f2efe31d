import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tanhWasm } from './elementwise.js';
import { getRuntime } from './runtime.js';

/*
 * The wasm tanh row against Math.tanh (rounded to float32): within 8 ulp of the float32 result (the kernel is a
 * rational approximation measured at ≤ 6 ulp), exact at the special values, for every length (vector body and
 * scalar tail) and offset.
 */

/** One ulp of float32 at |v| (the smallest subnormal at 0). */
function ulp32(v: number): number {
  const a = new Float32Array([Math.abs(v)]);
  const i = new Int32Array(a.buffer);
  i[0]! += 1;
  return a[0]! - Math.fround(Math.abs(v)) || 2 ** -149;
}

describe.runIf(getRuntime() !== null)('wasm tanh row', () => {
  it('is within 8 ulp of Math.tanh for random lengths, offsets and magnitudes', () => {
    const value = fc.oneof(
      fc.float({ min: Math.fround(-1e-3), max: Math.fround(1e-3), noNaN: true }),
      fc.float({ min: -3, max: 3, noNaN: true }),
      fc.float({ min: -20, max: 20, noNaN: true }),
    );
    fc.assert(fc.property(fc.array(value, { maxLength: 70 }), fc.nat(5), fc.nat(5), (xs, s, d) => {
      const src = new Float32Array(s + xs.length);
      src.set(xs, s);
      const dst = new Float32Array(d + xs.length + 2).fill(Number.NaN);
      tanhWasm(src, s, dst, d, xs.length);
      for (let i = 0; i < xs.length; i++) {
        const want = Math.fround(Math.tanh(src[s + i]!));
        const err = Math.abs(dst[d + i]! - want);
        if (!(err <= 8 * ulp32(want))) expect.fail(`tanh(${src[s + i]}) = ${dst[d + i]}, expected ${want}`);
      }
      expect(Number.isNaN(dst[d + xs.length]!)).toBe(true); // nothing written past the row
    }), { numRuns: 300 });
  });

  it('gives the exact values at the special points, and handles rows longer than one block', () => {
    const specials = [0, -0, Number.NaN, Infinity, -Infinity, 1e-30, -1e-30, 8, -8, 100, -100];
    const src = new Float32Array(specials);
    const dst = new Float32Array(specials.length);
    tanhWasm(src, 0, dst, 0, specials.length);
    expect(Array.from(dst)).toEqual([0, -0, Number.NaN, 1, -1, 1e-30, -1e-30, 1, -1, 1, -1].map(Math.fround));
    const n = (1 << 20) + 37; // the wrapper copies blocks of 2^20
    const big = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 4);
    const out = new Float32Array(n);
    tanhWasm(big, 0, out, 0, n);
    for (const i of [0, 1, (1 << 20) - 1, 1 << 20, n - 1]) {
      expect(Math.abs(out[i]! - Math.tanh(big[i]!))).toBeLessThan(1e-6);
    }
  });
});
