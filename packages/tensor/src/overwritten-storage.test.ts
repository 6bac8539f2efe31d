/**
 * `allocOverwritten` hands out storage that is not zeroed (Node, large sizes), so every op that takes it must
 * write each element before returning. Here that storage is poisoned: every such array starts as NaN at every
 * size, and the whole spec table runs against its references (testing/op-spec.ts), so an element an op forgot
 * to write shows up as a NaN where the reference has a number. The backward kernels outside the table (conv2d's
 * input gradient, the pooling VJPs) are checked through their adjoint identities and for finite results.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { OPS } from '../../../testing/op-spec.js';
import { describeOps } from '../../../testing/spec-driver.js';
import { seededRandom } from '../../../testing/random.js';

vi.mock('./dtype.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('./dtype.js')>();
  return { ...m, allocOverwritten: (dtype: 'float32' | 'float64', n: number) => m.alloc(dtype, n).fill(Number.NaN) };
});

const T = await import('./index.js');
const { allocOverwritten } = await import('./dtype.js');

describe('the poisoned storage', () => {
  it('is in effect (else these tests would prove nothing)', () => {
    expect(Number.isNaN(allocOverwritten('float32', 4)[3]!)).toBe(true);
  });
});

describeOps(OPS);

type Tensor = InstanceType<typeof T.Tensor>;

/** Σ a·b over all elements, in float64. */
function dot(a: Tensor, b: Tensor): number {
  const x = a.toTypedArray(), y = b.toTypedArray();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** True when every element is a number (no poisoned NaN left behind). */
function allFinite(t: Tensor): boolean {
  return t.toTypedArray().every((v) => Number.isFinite(v));
}

/** Adjoint identities hold to the dtype's precision (float32 sums of a few hundred terms: 1e-4 relative). */
function expectSameDot(a: number, b: number, dtype: string): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual((dtype === 'float32' ? 1e-4 : 1e-10) * (1 + Math.abs(b)));
}

function rand(shape: number[], seed: number, dtype: 'float32' | 'float64'): Tensor {
  const r = seededRandom(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  const data = Float64Array.from({ length: n }, () => r() * 2 - 1);
  return new T.Tensor(dtype === 'float32' ? Float32Array.from(data) : data, shape);
}

describe('backward kernels write every element', () => {
  const geom = fc.record({
    n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 3, max: 12 }), w: fc.integer({ min: 3, max: 12 }), k: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 0, max: 1 }), seed: fc.nat(),
  }).filter((r) => 2 * r.p <= r.k);

  it.each(['float32', 'float64'] as const)('%s conv2dBackwardInput: ⟨conv2d(x, w), gy⟩ = ⟨x, conv2dBackwardInput(gy, w)⟩, all finite', (dtype) => {
    fc.assert(fc.property(geom, (r) => {
      const x = rand([r.n, r.c, r.h, r.w], r.seed, dtype), w = rand([r.o, r.c, r.k, r.k], r.seed + 1, dtype);
      const opts = { stride: r.s, padding: r.p };
      const y = T.conv2d(x, w, opts), gy = rand(y.shape.slice(), r.seed + 2, dtype);
      const gx = T.conv2dBackwardInput(gy, w, x.shape, opts);
      expect(allFinite(gx)).toBe(true);
      expectSameDot(dot(x, gx), dot(y, gy), dtype);
    }), { numRuns: 60 });
  });

  it.each(['float32', 'float64'] as const)('%s avgPool2dBackward and maxPool2dBackward: the adjoint identities, all finite', (dtype) => {
    fc.assert(fc.property(geom, (r) => {
      const x = rand([r.n, r.c, r.h, r.w], r.seed, dtype), opts = { kernelSize: r.k, stride: r.s, padding: r.p };
      const y = T.avgPool2d(x, opts), gy = rand(y.shape.slice(), r.seed + 1, dtype);
      const gx = T.avgPool2dBackward(gy, x.shape, opts);
      expect(allFinite(gx)).toBe(true);
      expectSameDot(dot(x, gx), dot(y, gy), dtype);
      const { output, argmax } = T.maxPool2dWithArgmax(x, opts);
      const gm = T.maxPool2dBackward(gy, argmax, x.shape, opts);
      expect(allFinite(gm)).toBe(true);
      // Max pooling is linear in x once its winners are fixed: ⟨x, gm⟩ = ⟨max pool of x, gy⟩.
      expectSameDot(dot(x, gm), dot(output, gy), dtype);
    }), { numRuns: 60 });
  });
});
