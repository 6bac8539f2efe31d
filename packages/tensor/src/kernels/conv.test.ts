import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { getBackend, setBackend, type Backend } from './backend.js';
import fc from 'fast-check';
import type { FloatArray } from '../dtype.js';
import {
  conv2dBackwardInput, conv2dBackwardWeight, conv2dForward, conv2dGeometry, type Conv2dGeometry,
} from './conv.js';
import { DIRECT_FORWARD_MAX_O, DIRECT_INPUT_MAX_O, DIRECT_MAX_TAPS, directForwardApplies, directInputApplies, directWeightApplies } from './wasm/conv.js';
import { seededRandom } from '../../../../testing/random.js';

type DType = 'float32' | 'float64';

function alloc(dtype: DType, n: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/** Uniform(-1, 1) data in the given dtype (so float64 references see exactly the stored values). */
function randArray(dtype: DType, n: number, rnd: () => number): FloatArray {
  const a = alloc(dtype, n);
  for (let i = 0; i < n; i++) a[i] = rnd() * 2 - 1;
  return a;
}

/** An output array pre-filled with garbage, to check that kernels overwrite every element. */
function garbage(dtype: DType, n: number): FloatArray {
  return alloc(dtype, n).fill(Number.NaN);
}

function abs64(a: FloatArray): Float64Array {
  return Float64Array.from(a, Math.abs);
}

function sizes(g: Conv2dGeometry): { x: number; w: number; y: number } {
  return { x: g.n * g.c * g.h * g.w, w: g.o * g.c * g.kh * g.kw, y: g.n * g.o * g.oh * g.ow };
}

/*
 * Every suite below runs on both backends: on 'wasm' the float32 cases take the SIMD gemm (and the dense
 * backward paths, which beat the sparse ones there), on 'js' the TypeScript kernels; float64 is on the
 * TypeScript kernels either way. The float32 tolerances hold for the wasm kernel's float32 sums unchanged.
 */
const backends: Backend[] = ['js', 'wasm'];
const initialBackend = getBackend();
afterAll(() => setBackend(initialBackend));

// ---- naive float64 references -------------------------------------------------------------------

/** Seven-loop forward: y[n,o,i,j] = Σ_{c,p,q} x[n,c,i·sh−ph+p·dh, j·sw−pw+q·dw]·w[o,c,p,q]. */
function convRef(x: ArrayLike<number>, w: ArrayLike<number>, g: Conv2dGeometry): Float64Array {
  const y = new Float64Array(sizes(g).y);
  for (let n = 0; n < g.n; n++)
    for (let o = 0; o < g.o; o++)
      for (let i = 0; i < g.oh; i++)
        for (let j = 0; j < g.ow; j++) {
          let s = 0;
          for (let c = 0; c < g.c; c++)
            for (let p = 0; p < g.kh; p++)
              for (let q = 0; q < g.kw; q++) {
                const u = i * g.sh - g.ph + p * g.dh;
                const v = j * g.sw - g.pw + q * g.dw;
                if (u < 0 || u >= g.h || v < 0 || v >= g.w) continue;
                s += x[((n * g.c + c) * g.h + u) * g.w + v]! * w[((o * g.c + c) * g.kh + p) * g.kw + q]!;
              }
          y[((n * g.o + o) * g.oh + i) * g.ow + j] = s;
        }
  return y;
}

/** Adjoint of convRef in x, scatter form: each gy[n,o,i,j]·w[o,c,p,q] goes back to the x it read. */
function backInputRef(gy: ArrayLike<number>, w: ArrayLike<number>, g: Conv2dGeometry): Float64Array {
  const gx = new Float64Array(sizes(g).x);
  for (let n = 0; n < g.n; n++)
    for (let o = 0; o < g.o; o++)
      for (let i = 0; i < g.oh; i++)
        for (let j = 0; j < g.ow; j++) {
          const gv = gy[((n * g.o + o) * g.oh + i) * g.ow + j]!;
          for (let c = 0; c < g.c; c++)
            for (let p = 0; p < g.kh; p++)
              for (let q = 0; q < g.kw; q++) {
                const u = i * g.sh - g.ph + p * g.dh;
                const v = j * g.sw - g.pw + q * g.dw;
                if (u < 0 || u >= g.h || v < 0 || v >= g.w) continue;
                gx[((n * g.c + c) * g.h + u) * g.w + v] += gv * w[((o * g.c + c) * g.kh + p) * g.kw + q]!;
              }
        }
  return gx;
}

/** Adjoint of convRef in w, scatter form: each gy[n,o,i,j]·x[n,c,u,v] goes to the tap w[o,c,p,q]. */
function backWeightRef(x: ArrayLike<number>, gy: ArrayLike<number>, g: Conv2dGeometry): Float64Array {
  const gw = new Float64Array(sizes(g).w);
  for (let n = 0; n < g.n; n++)
    for (let o = 0; o < g.o; o++)
      for (let i = 0; i < g.oh; i++)
        for (let j = 0; j < g.ow; j++) {
          const gv = gy[((n * g.o + o) * g.oh + i) * g.ow + j]!;
          for (let c = 0; c < g.c; c++)
            for (let p = 0; p < g.kh; p++)
              for (let q = 0; q < g.kw; q++) {
                const u = i * g.sh - g.ph + p * g.dh;
                const v = j * g.sw - g.pw + q * g.dw;
                if (u < 0 || u >= g.h || v < 0 || v >= g.w) continue;
                gw[((o * g.c + c) * g.kh + p) * g.kw + q] += gv * x[((n * g.c + c) * g.h + u) * g.w + v]!;
              }
        }
  return gw;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * |got − ref| ≤ tol·scale elementwise, where scale = the reference recomputed on |operands| (the sum of
 * |terms|, which bounds the rounding error of any summation order) plus a tiny floor.
 */
function expectClose(got: FloatArray, ref: Float64Array, scale: Float64Array, dtype: DType, what: string): void {
  expect(got.length).toBe(ref.length);
  const tol = dtype === 'float32' ? 1e-5 : 1e-12;
  for (let k = 0; k < ref.length; k++) {
    const err = Math.abs(got[k]! - ref[k]!);
    if (!(err <= tol * (scale[k]! + 1e-30))) {
      throw new Error(`${what}[${k}]: got ${got[k]}, want ${ref[k]} (|err| ${err}, scale ${scale[k]})`);
    }
  }
}

interface Case { g: Conv2dGeometry; dtype: DType; seed: number }

/** Runs the three kernels on random data for g and checks them against the references. */
function checkAll({ g, dtype, seed }: Case): void {
  const rnd = seededRandom(seed);
  const sz = sizes(g);
  const x = randArray(dtype, sz.x, rnd);
  const w = randArray(dtype, sz.w, rnd);
  const gy = randArray(dtype, sz.y, rnd);

  const y = garbage(dtype, sz.y);
  conv2dForward(x, w, y, g);
  expectClose(y, convRef(x, w, g), convRef(abs64(x), abs64(w), g), dtype, 'forward');

  const gx = garbage(dtype, sz.x);
  conv2dBackwardInput(gy, w, gx, g);
  expectClose(gx, backInputRef(gy, w, g), backInputRef(abs64(gy), abs64(w), g), dtype, 'backwardInput');

  const gw = garbage(dtype, sz.w);
  conv2dBackwardWeight(x, gy, gw, g);
  expectClose(gw, backWeightRef(x, gy, g), backWeightRef(abs64(x), abs64(gy), g), dtype, 'backwardWeight');

  // With a bias, every path (the direct kernel adds it as it stores, the others in a pass after) gives the sums
  // above plus bias[o], rounded once: bit for bit what adding the bias afterwards gives.
  const bias = randArray(dtype, g.o, rnd);
  const yb = garbage(dtype, sz.y);
  conv2dForward(x, w, yb, g, bias);
  const want = y.slice();
  const OHW = g.oh * g.ow;
  for (let i = 0; i < want.length; i++) want[i] = want[i]! + bias[Math.floor(i / OHW) % g.o]!;
  expect(Buffer.from(yb.buffer).equals(Buffer.from(want.buffer)), 'forward with bias').toBe(true);

  // With relu too (conv2d's activation), every path stores max(sum + bias, 0): +0 for negatives and −0.
  const relu = (a: FloatArray): FloatArray => a.map((v) => (v > 0 || v !== v ? v : 0));
  const yr = garbage(dtype, sz.y);
  conv2dForward(x, w, yr, g, bias, true);
  expect(Buffer.from(yr.buffer).equals(Buffer.from(relu(want).buffer)), 'forward with bias and relu').toBe(true);
  const yr0 = garbage(dtype, sz.y);
  conv2dForward(x, w, yr0, g, null, true);
  expect(Buffer.from(yr0.buffer).equals(Buffer.from(relu(y).buffer)), 'forward with relu').toBe(true);
}

function geometry(
  n: number, c: number, h: number, w: number, o: number, kh: number, kw: number,
  s: [number, number], p: [number, number], d: [number, number],
): Conv2dGeometry {
  return conv2dGeometry([n, c, h, w], [o, c, kh, kw], s, p, d);
}

const geometryArb = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 3 }),
    o: fc.integer({ min: 1, max: 4 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    ph: fc.integer({ min: 0, max: 2 }),
    pw: fc.integer({ min: 0, max: 2 }),
    dh: fc.integer({ min: 1, max: 2 }),
    dw: fc.integer({ min: 1, max: 2 }),
  })
  .map((r) => geometry(r.n, r.c, r.h, r.w, r.o, r.kh, r.kw, [r.sh, r.sw], [r.ph, r.pw], [r.dh, r.dw]))
  .filter((g) => g.oh >= 1 && g.ow >= 1);

const caseArb = fc.record({
  g: geometryArb,
  dtype: fc.constantFrom<DType>('float32', 'float64'),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

describe('conv2dGeometry', () => {
  it('uses the PyTorch output-size formula', () => {
    const g = conv2dGeometry([2, 3, 10, 7], [5, 3, 3, 2], [2, 1], [1, 0], [2, 3]);
    expect(g).toEqual({
      n: 2, c: 3, h: 10, w: 7, o: 5, kh: 3, kw: 2,
      oh: Math.floor((10 + 2 - 2 * 2 - 1) / 2) + 1, ow: Math.floor((7 - 3 * 1 - 1) / 1) + 1,
      sh: 2, sw: 1, ph: 1, pw: 0, dh: 2, dw: 3,
    });
    expect(conv2dGeometry([64, 1, 32, 32], [15, 1, 6, 6], [1, 1], [0, 0], [1, 1])).toMatchObject({ oh: 27, ow: 27 });
    expect(conv2dGeometry([64, 15, 9, 9], [30, 15, 9, 9], [1, 1], [0, 0], [1, 1])).toMatchObject({ oh: 1, ow: 1 });
  });
});

describe.each(backends)('conv2d kernels vs naive float64 references on the %s backend', (backend) => {
  beforeEach(() => setBackend(backend));

  it('match on random geometries (float32 and float64)', () => {
    fc.assert(fc.property(caseArb, (c) => checkAll(c)), { numRuns: 300 });
  });

  it('satisfy the adjoint identity <conv(x,w),gy> = <x,backInput(gy,w)> = <w,backWeight(x,gy)> in float64', () => {
    fc.assert(
      fc.property(geometryArb, fc.integer({ min: 0, max: 0x7fffffff }), (g, seed) => {
        const rnd = seededRandom(seed);
        const sz = sizes(g);
        const x = randArray('float64', sz.x, rnd);
        const w = randArray('float64', sz.w, rnd);
        const gy = randArray('float64', sz.y, rnd);
        const y = garbage('float64', sz.y);
        const gx = garbage('float64', sz.x);
        const gw = garbage('float64', sz.w);
        conv2dForward(x, w, y, g);
        conv2dBackwardInput(gy, w, gx, g);
        conv2dBackwardWeight(x, gy, gw, g);
        const a = dot(y, gy);
        const b = dot(x, gx);
        const c = dot(w, gw);
        // Scale: Σ |x|·|w|·|gy| over all terms, i.e. <conv(|x|,|w|), |gy|>.
        const scale = dot(convRef(abs64(x), abs64(w), g), abs64(gy)) + 1e-300;
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-13 * scale);
        expect(Math.abs(a - c)).toBeLessThanOrEqual(1e-13 * scale);
      }),
      { numRuns: 200 },
    );
  });

  it('handle batches split into several chunks (with a remainder)', () => {
    // OH·OW = 49 → chunks of ceil(128/49) = 3 images: 3 + 3 + 3 + 1; OH·OW = 36 → 4 + 4 + 2.
    for (const dtype of ['float32', 'float64'] as const) {
      checkAll({ g: geometry(10, 2, 9, 9, 3, 3, 3, [1, 1], [0, 0], [1, 1]), dtype, seed: 7 });
      checkAll({ g: geometry(10, 2, 8, 9, 3, 3, 2, [1, 2], [1, 2], [2, 1]), dtype, seed: 8 });
      // OH·OW = 1: the whole batch in one chunk.
      checkAll({ g: geometry(37, 3, 4, 5, 2, 4, 5, [1, 1], [0, 0], [1, 1]), dtype, seed: 9 });
      // KW > OW ([L, K] cols layout), OH·OW = 3 → chunks of 43: 43 + 43 + 14; and strided/padded/dilated.
      checkAll({ g: geometry(100, 2, 5, 4, 3, 3, 4, [1, 1], [0, 0], [1, 1]), dtype, seed: 10 });
      checkAll({ g: geometry(50, 2, 7, 5, 3, 3, 4, [2, 3], [1, 2], [2, 2]), dtype, seed: 15 });
    }
  });

  it('unpadded convolutions (im2col gathered by gemm from x) on random geometries and gemm block edges', () => {
    // Unpadded layers skip the cols buffer: gemmGather reads cols(k, l) = x[taps[k] + pixels[l]].
    // K = C·KH·KW and the gemm widths straddle gemm's KC = 256 and MC = 96 blocks.
    const unpadded = fc
      .record({
        n: fc.integer({ min: 1, max: 4 }), c: fc.integer({ min: 1, max: 4 }), o: fc.integer({ min: 1, max: 7 }),
        h: fc.integer({ min: 1, max: 14 }), w: fc.integer({ min: 1, max: 14 }),
        kh: fc.integer({ min: 1, max: 5 }), kw: fc.integer({ min: 1, max: 5 }),
        sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
        dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
      })
      .map((r) => geometry(r.n, r.c, r.h, r.w, r.o, r.kh, r.kw, [r.sh, r.sw], [0, 0], [r.dh, r.dw]))
      .filter((g) => g.oh >= 1 && g.ow >= 1);
    const edges = fc.constantFrom(
      geometry(2, 1, 20, 20, 3, 15, 17, [1, 1], [0, 0], [1, 1]), // K = 255
      geometry(2, 1, 20, 20, 4, 16, 16, [1, 1], [0, 0], [1, 1]), // K = 256
      geometry(3, 257, 3, 3, 2, 1, 1, [1, 1], [0, 0], [1, 1]), //  K = 257, 1×1 on a small image
      geometry(2, 3, 12, 12, 97, 3, 3, [1, 1], [0, 0], [1, 1]), // O = 97 rows
      geometry(3, 2, 10, 13, 95, 2, 3, [1, 2], [0, 0], [2, 1]), // O = 95, strided and dilated
      geometry(70, 4, 4, 4, 5, 4, 4, [1, 1], [0, 0], [1, 1]), //  OH·OW = 1: chunks of 70 images
    );
    const arb = fc.record({
      g: fc.oneof({ weight: 3, arbitrary: unpadded }, { weight: 1, arbitrary: edges }),
      dtype: fc.constantFrom<DType>('float32', 'float64'),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
    });
    fc.assert(fc.property(arb, (c) => checkAll(c)), { numRuns: 120 });
  });

  it('handle one image per chunk (wide outputs), the pointwise 1×1 path and the whole-image window', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      // OH·OW = 34·34 ≥ 128: one image per chunk, gemm reads and writes NCHW directly.
      checkAll({ g: geometry(3, 2, 34, 34, 3, 3, 3, [1, 1], [1, 1], [1, 1]), dtype, seed: 11 });
      // 1×1, stride 1, unpadded, 32·32 pixels: no im2col at all.
      checkAll({ g: geometry(3, 4, 32, 32, 5, 1, 1, [1, 1], [0, 0], [1, 1]), dtype, seed: 12 });
      // 1×1 but strided or padded, or on a small image: the general path.
      checkAll({ g: geometry(2, 3, 7, 6, 2, 1, 1, [2, 1], [0, 1], [1, 1]), dtype, seed: 13 });
      checkAll({ g: geometry(5, 3, 5, 5, 2, 1, 1, [1, 1], [0, 0], [1, 1]), dtype, seed: 14 });
      // The kernel covers the whole image once (OH = OW = 1): the input gradient is one product, no col2im.
      checkAll({ g: geometry(7, 3, 4, 7, 5, 4, 7, [1, 1], [0, 0], [1, 1]), dtype, seed: 15 });
      checkAll({ g: geometry(2, 1, 3, 3, 1, 3, 3, [2, 2], [0, 0], [1, 1]), dtype, seed: 16 });
    }
  });

  it('give identical results when the dtypes of consecutive calls alternate (per-dtype scratch)', () => {
    const g = geometry(4, 3, 9, 9, 5, 3, 3, [1, 1], [1, 1], [1, 1]);
    for (let k = 0; k < 4; k++) checkAll({ g, dtype: k % 2 === 0 ? 'float32' : 'float64', seed: 100 + k });
  });
});

describe.each(backends)('backward kernels on sparse cotangents (the zero-skipping paths) on the %s backend', (backend) => {
  beforeEach(() => setBackend(backend));

  /** Random gy with only a fraction `density` of nonzero entries (below the kernels' sparse threshold). */
  function sparseArray(dtype: DType, n: number, rnd: () => number, density: number): FloatArray {
    const a = alloc(dtype, n);
    for (let i = 0; i < n; i++) {
      const v = rnd() * 2 - 1;
      if (rnd() < density) a[i] = v;
    }
    return a;
  }

  function checkSparse(g: Conv2dGeometry, dtype: DType, seed: number, density: number): void {
    const rnd = seededRandom(seed);
    const sz = sizes(g);
    const x = randArray(dtype, sz.x, rnd);
    const w = randArray(dtype, sz.w, rnd);
    const gy = sparseArray(dtype, sz.y, rnd, density);
    const gx = garbage(dtype, sz.x);
    conv2dBackwardInput(gy, w, gx, g);
    expectClose(gx, backInputRef(gy, w, g), backInputRef(abs64(gy), abs64(w), g), dtype, 'backwardInput');
    const gw = garbage(dtype, sz.w);
    conv2dBackwardWeight(x, gy, gw, g);
    expectClose(gw, backWeightRef(x, gy, g), backWeightRef(abs64(x), abs64(gy), g), dtype, 'backwardWeight');
  }

  it('match the references on random geometries (stride, padding, dilation, size-1 axes, all-zero gy)', () => {
    // Up to 6 channels so that K = C·KH·KW often reaches the weight gradient's sparse threshold of 32 taps.
    const wide = fc
      .record({
        n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 6 }), o: fc.integer({ min: 1, max: 4 }),
        h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }),
        kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
        sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
        ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
        dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
      })
      .map((r) => geometry(r.n, r.c, r.h, r.w, r.o, r.kh, r.kw, [r.sh, r.sw], [r.ph, r.pw], [r.dh, r.dw]))
      .filter((g) => g.oh >= 1 && g.ow >= 1);
    const arb = fc.record({
      g: wide,
      dtype: fc.constantFrom<DType>('float32', 'float64'),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
      density: fc.constantFrom(0, 0.05, 0.15, 0.25),
    });
    fc.assert(fc.property(arb, ({ g, dtype, seed, density }) => checkSparse(g, dtype, seed, density)), { numRuns: 300 });
  });

  it('handle tap counts around multiples of 4, chunked batches and DrLIM-like layers', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      // K = 1, 5, 9 taps (dense weight gradient, sparse input gradient), and K = 32..40 (the sparse weight
      // gradient, from 32 taps, works in groups of 8).
      const shapes = [
        [1, 1, 1], [1, 1, 5], [1, 3, 3], [32, 1, 1], [33, 1, 1], [34, 1, 1], [35, 1, 1], [2, 4, 4], [1, 5, 7], [4, 3, 3],
        [37, 1, 1], [38, 1, 1], [39, 1, 1], [40, 1, 1],
      ] as const;
      for (const [c, kh, kw] of shapes) {
        checkSparse(geometry(3, c, 7, 8, 3, kh, kw, [1, 1], [0, 0], [1, 1]), dtype, 20 + kh * 7 + kw, 0.2);
      }
      // x of 7 images × 4×40×40 spans more than the unpadded weight gradient's chunk of x: several chunks.
      checkSparse(geometry(7, 4, 40, 40, 3, 3, 3, [1, 1], [0, 0], [1, 1]), dtype, 31, 0.1);
      // Padded (cols from im2colT, several chunks), strided and dilated.
      checkSparse(geometry(10, 4, 9, 9, 3, 3, 3, [2, 1], [1, 2], [1, 2]), dtype, 32, 0.2);
      // The DrLIM second layer's shape, batch cut to 6.
      checkSparse(geometry(6, 15, 12, 12, 30, 5, 5, [1, 1], [0, 0], [1, 1]), dtype, 33, 0.16);
    }
  });

  it('propagate NaN and infinity from w and x as the dense products do (0·NaN = NaN)', () => {
    const g = geometry(2, 4, 6, 6, 3, 3, 3, [1, 1], [0, 0], [1, 1]); // K = 36: both kernels have a sparse path
    const sz = sizes(g);
    const gy = new Float64Array(sz.y);
    gy[0] = 1; // one nonzero: the sparse threshold is met
    const w = new Float64Array(sz.w).fill(0.5);
    w[sz.w - 1] = Infinity; // only reached through zero cotangents
    const gx = garbage('float64', sz.x);
    conv2dBackwardInput(gy, w, gx, g);
    expect(gx.some((v) => Number.isNaN(v))).toBe(true);
    expectNaNWhere(gx, backInputRef(gy, w, g));
    const x = new Float64Array(sz.x).fill(0.25);
    x[sz.x - 1] = Number.NaN;
    const gw = garbage('float64', sz.w);
    conv2dBackwardWeight(x, gy, gw, g);
    expectNaNWhere(gw, backWeightRef(x, gy, g));
  });

  function expectNaNWhere(got: FloatArray, ref: Float64Array): void {
    for (let i = 0; i < ref.length; i++) {
      if (Number.isNaN(ref[i]!)) expect(got[i]).toBeNaN();
      else expect(got[i]).toBe(ref[i]);
    }
  }
});

describe.each(backends)('DrLIM-sized convolutions (spot checks) on the %s backend', (backend) => {
  beforeEach(() => setBackend(backend));

  /** Reference value of one forward output. */
  function yAt(x: FloatArray, w: FloatArray, g: Conv2dGeometry, n: number, o: number, i: number, j: number): [number, number] {
    let s = 0, a = 0;
    for (let c = 0; c < g.c; c++)
      for (let p = 0; p < g.kh; p++)
        for (let q = 0; q < g.kw; q++) {
          const u = i * g.sh - g.ph + p * g.dh, v = j * g.sw - g.pw + q * g.dw;
          if (u < 0 || u >= g.h || v < 0 || v >= g.w) continue;
          const t = x[((n * g.c + c) * g.h + u) * g.w + v]! * w[((o * g.c + c) * g.kh + p) * g.kw + q]!;
          s += t;
          a += Math.abs(t);
        }
    return [s, a];
  }

  /** Reference value of one input gradient: gx[n,c,u,v] = Σ_{o,p,q} gy[n,o,(u+ph−p·dh)/sh,(v+pw−q·dw)/sw]·w[o,c,p,q]. */
  function gxAt(gy: FloatArray, w: FloatArray, g: Conv2dGeometry, n: number, c: number, u: number, v: number): [number, number] {
    let s = 0, a = 0;
    for (let o = 0; o < g.o; o++)
      for (let p = 0; p < g.kh; p++)
        for (let q = 0; q < g.kw; q++) {
          const ii = u + g.ph - p * g.dh, jj = v + g.pw - q * g.dw;
          if (ii < 0 || jj < 0 || ii % g.sh !== 0 || jj % g.sw !== 0) continue;
          const i = ii / g.sh, j = jj / g.sw;
          if (i >= g.oh || j >= g.ow) continue;
          const t = gy[((n * g.o + o) * g.oh + i) * g.ow + j]! * w[((o * g.c + c) * g.kh + p) * g.kw + q]!;
          s += t;
          a += Math.abs(t);
        }
    return [s, a];
  }

  /** Reference value of one weight gradient, summed over the batch. */
  function gwAt(x: FloatArray, gy: FloatArray, g: Conv2dGeometry, o: number, c: number, p: number, q: number): [number, number] {
    let s = 0, a = 0;
    for (let n = 0; n < g.n; n++)
      for (let i = 0; i < g.oh; i++)
        for (let j = 0; j < g.ow; j++) {
          const u = i * g.sh - g.ph + p * g.dh, v = j * g.sw - g.pw + q * g.dw;
          if (u < 0 || u >= g.h || v < 0 || v >= g.w) continue;
          const t = gy[((n * g.o + o) * g.oh + i) * g.ow + j]! * x[((n * g.c + c) * g.h + u) * g.w + v]!;
          s += t;
          a += Math.abs(t);
        }
    return [s, a];
  }

  const cases: Array<[string, Conv2dGeometry]> = [
    ['x 64×1×32×32, w 15×1×6×6', geometry(64, 1, 32, 32, 15, 6, 6, [1, 1], [0, 0], [1, 1])],
    ['x 64×15×9×9, w 30×15×9×9', geometry(64, 15, 9, 9, 30, 9, 9, [1, 1], [0, 0], [1, 1])],
    ['x 64×15×12×12, w 30×15×5×5, padding 2', geometry(64, 15, 12, 12, 30, 5, 5, [1, 1], [2, 2], [1, 1])],
  ];
  for (const [name, g] of cases) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name} (${dtype})`, () => {
        const rnd = seededRandom(12345);
        const sz = sizes(g);
        const x = randArray(dtype, sz.x, rnd);
        const w = randArray(dtype, sz.w, rnd);
        const gy = randArray(dtype, sz.y, rnd);
        const y = garbage(dtype, sz.y);
        const gx = garbage(dtype, sz.x);
        const gw = garbage(dtype, sz.w);
        conv2dForward(x, w, y, g);
        conv2dBackwardInput(gy, w, gx, g);
        conv2dBackwardWeight(x, gy, gw, g);
        const tol = dtype === 'float32' ? 1e-5 : 1e-12;
        const pick = (m: number): number => Math.floor(rnd() * m);
        for (let t = 0; t < 40; t++) {
          const n = pick(g.n), o = pick(g.o), c = pick(g.c);
          const i = pick(g.oh), j = pick(g.ow), u = pick(g.h), v = pick(g.w), p = pick(g.kh), q = pick(g.kw);
          const [ys, ya] = yAt(x, w, g, n, o, i, j);
          expect(Math.abs(y[((n * g.o + o) * g.oh + i) * g.ow + j]! - ys)).toBeLessThanOrEqual(tol * ya);
          const [xs, xa] = gxAt(gy, w, g, n, c, u, v);
          expect(Math.abs(gx[((n * g.c + c) * g.h + u) * g.w + v]! - xs)).toBeLessThanOrEqual(tol * xa);
          const [ws, wa] = gwAt(x, gy, g, o, c, p, q);
          expect(Math.abs(gw[((o * g.c + c) * g.kh + p) * g.kw + q]! - ws)).toBeLessThanOrEqual(tol * wa);
        }
        for (const a of [y, gx, gw]) expect(a.every((e) => Number.isFinite(e))).toBe(true);
      });
    }
  }
});

/*
 * The direct wasm kernels (kernels/wasm/conv.ts) take float32 stride-1, undilated convolutions with at most
 * DIRECT_MAX_TAPS taps and outputs at least DIRECT_MIN_OW wide. The suites above reach them through their random
 * geometries; these cases aim at their own edges: output channels around the forward's groups (at most 7 channels,
 * split evenly: 8 = 4 + 4, 15 = 5 + 5 + 5, 16 = 6 + 5 + 5), kernel widths around
 * the q-blocks of 8, every width remainder mod 4 (the masked last columns), padding, batches spanning several
 * arena chunks, and non-finite inputs next to the masked lanes.
 */
describe.runIf(initialBackend === 'wasm')('direct convolution kernels (wasm)', () => {
  beforeEach(() => setBackend('wasm'));
  const directArb = fc.record({
    n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }), o: fc.constantFrom(1, 2, 6, 7, 8, 9, 13, 14, 15, 16, 17, 31, 32, 33),
    kh: fc.integer({ min: 1, max: 4 }), kw: fc.constantFrom(1, 2, 3, 7, 8, 9, 10),
    ow: fc.integer({ min: 4, max: 24 }), oh: fc.integer({ min: 1, max: 5 }),
    ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }), seed: fc.nat(),
  }).filter((r) => r.c * r.kh * r.kw <= DIRECT_MAX_TAPS && r.oh + r.kh - 1 - 2 * r.ph >= 1 && r.ow + r.kw - 1 - 2 * r.pw >= 1);

  it('is what runs for the first DrLIM layer, and not for strided, dilated or many-tap layers', () => {
    const both = (g: Conv2dGeometry): boolean[] => [directForwardApplies(g), directWeightApplies(g)];
    expect(both(geometry(64, 1, 32, 32, 15, 6, 6, [1, 1], [0, 0], [1, 1]))).toEqual([true, true]);
    expect(both(geometry(64, 15, 9, 9, 30, 9, 9, [1, 1], [0, 0], [1, 1]))).toEqual([false, false]); // 1 215 taps
    expect(both(geometry(2, 1, 32, 32, 15, 6, 6, [2, 1], [0, 0], [1, 1]))).toEqual([false, false]);
    expect(both(geometry(2, 1, 32, 32, 15, 6, 6, [1, 1], [0, 0], [1, 2]))).toEqual([false, false]);
    expect(both(geometry(2, 1, 8, 3, 15, 3, 1, [1, 1], [0, 0], [1, 1]))).toEqual([false, false]); // OW = 3
    expect(both(geometry(2, 3, 32, 32, 16, 3, 3, [1, 1], [0, 0], [1, 1]))).toEqual([false, true]);
    expect(both(geometry(2, 1, 28, 28, 32, 5, 5, [1, 1], [0, 0], [1, 1]))).toEqual([true, true]);
    expect(both(geometry(2, 1, 28, 28, 33, 5, 5, [1, 1], [0, 0], [1, 1]))).toEqual([false, true]);
    // The input gradient: single-channel inputs only, up to DIRECT_INPUT_MAX_O output channels.
    expect(directInputApplies(geometry(64, 1, 32, 32, 15, 6, 6, [1, 1], [0, 0], [1, 1]))).toBe(true);
    expect(directInputApplies(geometry(2, 3, 32, 32, 16, 3, 3, [1, 1], [0, 0], [1, 1]))).toBe(false);
    expect(directInputApplies(geometry(2, 1, 32, 32, 15, 6, 6, [2, 1], [0, 0], [1, 1]))).toBe(false);
    expect(directInputApplies(geometry(2, 1, 28, 28, DIRECT_INPUT_MAX_O + 1, 3, 3, [1, 1], [0, 0], [1, 1]))).toBe(false);
  });

  it('match the float64 references on random geometries at their edges', () => {
    fc.assert(fc.property(directArb, (r) => {
      const g = geometry(r.n, r.c, r.oh + r.kh - 1 - 2 * r.ph, r.ow + r.kw - 1 - 2 * r.pw, r.o, r.kh, r.kw, [1, 1], [r.ph, r.pw], [1, 1]);
      expect(directWeightApplies(g)).toBe(true);
      expect(directForwardApplies(g)).toBe(r.c === 1 && r.o <= DIRECT_FORWARD_MAX_O);
      expect(directInputApplies(g)).toBe(r.c === 1 && r.o <= DIRECT_INPUT_MAX_O);
      checkAll({ g, dtype: 'float32', seed: r.seed });
    }), { numRuns: 150 });
  });

  it('handle batches spanning several arena chunks (DrLIM first layer, 45 images)', () => {
    checkAll({ g: geometry(45, 1, 32, 32, 15, 6, 6, [1, 1], [0, 0], [1, 1]), dtype: 'float32', seed: 11 });
    checkAll({ g: geometry(23, 1, 30, 29, 9, 3, 5, [1, 1], [1, 2], [1, 1]), dtype: 'float32', seed: 12 });
  });

  it('keep a non-finite input out of the masked columns of the weight gradient', () => {
    // W = 7, KW = 3: OW = 5, so the last group of four output columns has one live lane, and its dead lanes read
    // x up to three columns past the window: into the next row. An Inf at row 1, column 0 is read legitimately
    // only through q = 0 (j = 0); read through a dead lane (q = 1, 2), Inf·0 would put NaN into gw[·, ·, ·, q].
    const g = geometry(2, 1, 6, 7, 3, 2, 3, [1, 1], [0, 0], [1, 1]);
    const rnd = seededRandom(5);
    const x = randArray('float32', sizes(g).x, rnd);
    const gy = randArray('float32', sizes(g).y, rnd);
    x[g.w] = Infinity;
    const gw = garbage('float32', sizes(g).w);
    conv2dBackwardWeight(x, gy, gw, g);
    const ref = backWeightRef(x, gy, g);
    let finite = 0;
    for (let k = 0; k < gw.length; k++) {
      if (Number.isFinite(ref[k]!)) {
        finite++;
        expect(Math.abs(gw[k]! - ref[k]!)).toBeLessThan(1e-4);
      } else {
        expect(gw[k]).toBe(ref[k]);
      }
    }
    expect(finite).toBeGreaterThan(gw.length / 2); // the Inf reaches only the q = 0 taps
  });
});
