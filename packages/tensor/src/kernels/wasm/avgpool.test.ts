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
  it('is bit-identical to the TypeScript kernel (forward and backward, padding, both divisor rules)', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }),
      h: fc.integer({ min: 1, max: 30 }), w: fc.integer({ min: 1, max: 30 }),
      k: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 0, max: 2 }),
      countIncludePad: fc.boolean(), seed: fc.nat(),
    }).filter((r) => r.p * 2 <= r.k && r.h + 2 * r.p >= r.k && r.w + 2 * r.p >= r.k && r.n * r.c * r.h * r.w >= 1024);
    fc.assert(fc.property(arb, (r) => {
      const g = pool2dGeometry([r.n, r.c, r.h, r.w], [r.k, r.k], [r.s, r.s], [r.p, r.p]);
      const rand = seededRandom(r.seed);
      const x = Float32Array.from({ length: r.n * r.c * r.h * r.w }, () => rand() * 2 - 1);
      const gy = Float32Array.from({ length: r.n * r.c * g.oh * g.ow }, () => rand() * 2 - 1);
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
    }), { numRuns: 100 });
  });
});
