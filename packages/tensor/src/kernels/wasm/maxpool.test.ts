import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRandom } from '../../../../../testing/random.js';
import { getBackend, setBackend } from '../backend.js';
import { maxPool2dBackward, maxPool2dForward, pool2dGeometry } from '../pool.js';
import { getRuntime } from './runtime.js';

/*
 * The wasm max pooling follows the TypeScript kernel's scan rule (first maximum on ties, the last NaN wins) and its
 * scatter order, so on every geometry the two backends must agree bit for bit, argmax included; values drawn from
 * a few levels make ties common, and some inputs hold NaN. kernels/pool.test.ts checks the values themselves
 * against a reference on whichever backend is active.
 */

const initial = getBackend();
afterAll(() => setBackend(initial));

describe.runIf(getRuntime() !== null)('wasm max pooling', () => {
  it('is bit-identical to the TypeScript kernel (values, argmax, gradient; padding, ties, NaN)', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }),
      h: fc.integer({ min: 1, max: 30 }), w: fc.integer({ min: 1, max: 30 }),
      k: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 0, max: 2 }),
      levels: fc.constantFrom(3, 1000), nan: fc.boolean(), seed: fc.nat(),
    }).filter((r) => r.p * 2 <= r.k && r.h + 2 * r.p >= r.k && r.w + 2 * r.p >= r.k && r.n * r.c * r.h * r.w >= 1024);
    fc.assert(fc.property(arb, (r) => {
      const g = pool2dGeometry([r.n, r.c, r.h, r.w], [r.k, r.k], [r.s, r.s], [r.p, r.p]);
      const rand = seededRandom(r.seed);
      const x = Float32Array.from({ length: r.n * r.c * r.h * r.w }, () => Math.floor(rand() * r.levels) - r.levels / 2);
      if (r.nan) for (let i = 0; i < x.length; i += 37) x[i] = Number.NaN;
      const gy = Float32Array.from({ length: r.n * r.c * g.oh * g.ow }, () => rand() * 2 - 1);
      const run = (backend: 'js' | 'wasm'): [Float32Array, Int32Array, Float32Array] => {
        setBackend(backend);
        const y = new Float32Array(gy.length).fill(7), am = new Int32Array(gy.length).fill(-7);
        const gx = new Float32Array(x.length).fill(Number.NaN);
        maxPool2dForward(x, y, am, g);
        maxPool2dBackward(gy, am, gx, g);
        return [y, am, gx];
      };
      const [yJs, amJs, gxJs] = run('js');
      const [yWasm, amWasm, gxWasm] = run('wasm');
      expect(Buffer.from(yWasm.buffer).equals(Buffer.from(yJs.buffer))).toBe(true);
      expect(Array.from(amWasm)).toEqual(Array.from(amJs));
      expect(Buffer.from(gxWasm.buffer).equals(Buffer.from(gxJs.buffer))).toBe(true);
    }), { numRuns: 100 });
  });
});
