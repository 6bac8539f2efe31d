import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRandom } from '../../../../../testing/random.js';
import { getBackend, setBackend } from '../backend.js';
import { avgPool2dBackward, avgPool2dForward, pool2dGeometry } from '../pool.js';
import { getRuntime } from './runtime.js';

/*
 * The wasm average pooling does the TypeScript kernel's arithmetic (float64 sums, one rounding per stored
 * value), so on every geometry the two backends must agree bit for bit; kernels/pool.test.ts checks the values
 * themselves against a reference on whichever backend is active.
 */

const initial = getBackend();
afterAll(() => setBackend(initial));

describe.runIf(getRuntime() !== null)('wasm average pooling', () => {
  // Rectangular windows and strides reach the kernels' four-at-a-time interior windows and their edges on each
  // side, and both backward paths (disjoint windows, s ≥ k, and overlapping ones); zeros of both signs in gy
  // check that the disjoint path stores 0 + value as the accumulating one does (−0 becomes +0).
  it('is bit-identical to the TypeScript kernel (forward and backward, padding, both divisor rules)', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }),
      h: fc.integer({ min: 1, max: 30 }), w: fc.integer({ min: 1, max: 30 }),
      kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
      sh: fc.integer({ min: 1, max: 4 }), sw: fc.integer({ min: 1, max: 4 }),
      ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
      countIncludePad: fc.boolean(), seed: fc.nat(),
    }).filter((r) => r.ph * 2 <= r.kh && r.pw * 2 <= r.kw && r.h + 2 * r.ph >= r.kh && r.w + 2 * r.pw >= r.kw &&
      r.n * r.c * r.h * r.w >= 1024);
    fc.assert(fc.property(arb, (r) => {
      const g = pool2dGeometry([r.n, r.c, r.h, r.w], [r.kh, r.kw], [r.sh, r.sw], [r.ph, r.pw]);
      const rand = seededRandom(r.seed);
      const x = Float32Array.from({ length: r.n * r.c * r.h * r.w }, () => rand() * 2 - 1);
      const signedZero = (v: number): number => (v < -0.9 ? -0 : v > 0.9 ? 0 : v);
      const gy = Float32Array.from({ length: r.n * r.c * g.oh * g.ow }, () => signedZero(rand() * 2 - 1));
      const run = (backend: 'js' | 'wasm'): [Float32Array, Float32Array] => {
        setBackend(backend);
        const y = new Float32Array(gy.length).fill(Number.NaN), gx = new Float32Array(x.length).fill(Number.NaN);
        avgPool2dForward(x, y, g, r.countIncludePad);
        avgPool2dBackward(gy, gx, g, r.countIncludePad);
        return [y, gx];
      };
      const [yJs, gxJs] = run('js');
      const [yWasm, gxWasm] = run('wasm');
      expect(Buffer.from(yWasm.buffer).equals(Buffer.from(yJs.buffer))).toBe(true);
      expect(Buffer.from(gxWasm.buffer).equals(Buffer.from(gxJs.buffer))).toBe(true);
    }), { numRuns: 200 });
  });

  // Windows three wide at stride three take an eight-at-a-time f64x2 path in the interior of wide rows; widths
  // 24-80 reach it once or more per row, with the four-at-a-time and single windows after it and padded edges.
  it('is bit-identical to the TypeScript kernel forward for windows three wide at stride three, wide rows', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 4 }), c: fc.integer({ min: 1, max: 4 }),
      h: fc.integer({ min: 3, max: 16 }), w: fc.integer({ min: 24, max: 80 }),
      kh: fc.integer({ min: 1, max: 4 }), sh: fc.integer({ min: 1, max: 4 }),
      ph: fc.integer({ min: 0, max: 1 }), pw: fc.integer({ min: 0, max: 1 }),
      countIncludePad: fc.boolean(), seed: fc.nat(),
    }).filter((r) => r.ph * 2 <= r.kh && r.h + 2 * r.ph >= r.kh && r.n * r.c * r.h * r.w >= 1024);
    fc.assert(fc.property(arb, (r) => {
      const g = pool2dGeometry([r.n, r.c, r.h, r.w], [r.kh, 3], [r.sh, 3], [r.ph, r.pw]);
      const rand = seededRandom(r.seed);
      const x = Float32Array.from({ length: r.n * r.c * r.h * r.w }, () => rand() * 2 - 1);
      const run = (backend: 'js' | 'wasm'): Float32Array => {
        setBackend(backend);
        const y = new Float32Array(r.n * r.c * g.oh * g.ow).fill(Number.NaN);
        avgPool2dForward(x, y, g, r.countIncludePad);
        return y;
      };
      const yJs = run('js');
      expect(Buffer.from(run('wasm').buffer).equals(Buffer.from(yJs.buffer))).toBe(true);
    }), { numRuns: 100 });
  });
});
