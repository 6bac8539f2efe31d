/**
 * conv2d and pooling at op level (the kernels have their own tests): hand-checked cases, fixed geometries against
 * the seven-loop reference (stride, padding, dilation, bias, views as inputs), padding semantics; softmax.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../index.js';
import { conv2dRef, nd, pool2dRef, reluMaskRef } from '../../../../testing/reference.js';
import { DTYPES } from '../../../../testing/arbitraries.js';
import { forwardTol } from '../../../../testing/tolerances.js';

/** Deterministic values in (−1, 1) without a generator: a sine walk. */
const wave = (shape: number[], dtype: T.DType, phase = 0): T.Tensor =>
  T.arange(shape.reduce((a, b) => a * b, 1), undefined, 1, { dtype }).mul(0.7).add(phase).sin().reshape(shape);

describe('conv2d', () => {
  it('by hand: 3×3 input, 2×2 kernel, with bias', () => {
    const x = T.arange(9).reshape([1, 1, 3, 3]);
    const w = T.tensor([[[[1, 0], [0, -1]]], [[[1, 1], [1, 1]]]]);
    const y = T.conv2d(x, w, { bias: T.tensor([0.5, -8]) });
    expect(y.shape).toEqual([1, 2, 2, 2]);
    expect(y.toArray()).toEqual([[[[-3.5, -3.5], [-3.5, -3.5]], [[0, 4], [12, 16]]]]);
  });

  // [name, x shape, w shape, options]
  const geometries: [string, number[], number[], { stride?: [number, number]; padding?: [number, number]; dilation?: [number, number] }][] = [
    ['DrLIM layer 1: 1→15 channels, 6×6 kernel', [2, 1, 14, 14], [15, 1, 6, 6], {}],
    ['DrLIM layer 2: 15→30, 9×9 kernel over 3×3 (padding 3)', [2, 15, 3, 3], [30, 15, 9, 9], { padding: [3, 3] }],
    ['stride 2, padding 1', [1, 3, 7, 6], [4, 3, 3, 3], { stride: [2, 2], padding: [1, 1] }],
    ['asymmetric stride, padding and dilation', [2, 2, 8, 9], [3, 2, 3, 2], { stride: [1, 3], padding: [2, 0], dilation: [2, 3] }],
    ['1×1 kernel', [3, 4, 5, 5], [2, 4, 1, 1], {}],
  ];

  describe.each(DTYPES)('%s', (dtype) => {
    it.each(geometries)('%s matches the seven-loop reference, with and without bias', (_name, xs, ws, opts) => {
      const x = wave(xs, dtype), w = wave(ws, dtype, 1.3), b = wave([ws[0]!], dtype, 2.1);
      const g = { stride: opts.stride ?? [1, 1], padding: opts.padding ?? [0, 0], dilation: opts.dilation ?? [1, 1] } as const;
      const ref = conv2dRef(nd(x), nd(w), { stride: [...g.stride], padding: [...g.padding], dilation: [...g.dilation] });
      const y = T.conv2d(x, w, opts);
      expect(y.dtype).toBe(dtype);
      expect(y).toBeAllclose(ref, forwardTol(dtype, 'sum'));
      const refB = conv2dRef(nd(x), nd(w), { stride: [...g.stride], padding: [...g.padding], dilation: [...g.dilation] }, nd(b));
      expect(x.conv2d(w, { ...opts, bias: b })).toBeAllclose(refB, forwardTol(dtype, 'sum'));
    });
  });

  it('non-contiguous input and weight views give the same result as their copies', () => {
    const x = wave([3, 2, 6, 5], 'float64').permute([1, 0, 3, 2]); // [2,3,5,6], non-contiguous
    const w = wave([3, 4, 3, 3], 'float64').slice([null, [null, null, -1]]).slice([null, [0, 3]]); // [3,3,3,3]
    expect(x.isContiguous() || w.isContiguous()).toBe(false);
    expect(T.conv2d(x, w, { padding: 1 })).toBeAllclose(T.conv2d(x.contiguous(), w.contiguous(), { padding: 1 }), { rtol: 0, atol: 0 });
  });
});

/** Whether two tensors hold the same bits (shape, and every element by Object.is: signed zeros, NaNs). */
function sameBits(a: T.Tensor, b: T.Tensor): boolean {
  const x = a.toTypedArray(), y = b.toTypedArray();
  return a.shape.join() === b.shape.join() && x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
}

describe.each(['wasm', 'js'] as const)("conv2d's fused relu and conv2dBackwardParams on the %s backend", (backend) => {
  const initial = T.getBackend();
  beforeAll(() => T.setBackend(backend));
  afterAll(() => T.setBackend(initial));

  // Geometries that take the direct wasm kernels (1-4 input channels, stride 1, few taps, OW >= 4), some
  // with padding, one with O = 1 (its bias sum is one row: the separate ops), and gemm paths.
  const geometryArb = fc.record({
    n: fc.integer({ min: 1, max: 9 }), c: fc.integer({ min: 1, max: 5 }), o: fc.integer({ min: 1, max: 17 }),
    h: fc.integer({ min: 3, max: 20 }), w: fc.integer({ min: 3, max: 40 }), k: fc.integer({ min: 1, max: 6 }),
    pad: fc.integer({ min: 0, max: 2 }), stride: fc.constantFrom(1, 1, 1, 2), seed: fc.integer({ min: 0, max: 1 << 30 }),
    dtype: fc.constantFrom<T.DType>('float32', 'float32', 'float64'),
  }).filter((g) => g.h + 2 * g.pad >= g.k && g.w + 2 * g.pad >= g.k);

  it('give the bits of relu(conv2d + bias) and of reluBackward, conv2dBackwardWeight and sum, with and without the relu', () => {
    fc.assert(fc.property(geometryArb, ({ n, c, o, h, w: wd, k, pad, stride, seed, dtype }) => {
      const gen = new T.Generator(seed);
      const x = T.randn([n, c, h, wd], { generator: gen, dtype }), w = T.randn([o, c, k, k], { generator: gen, dtype });
      const b = T.randn([o], { generator: gen, dtype });
      const opts = { padding: pad, stride };
      const y = T.conv2d(x, w, { ...opts, bias: b, activation: 'relu' });
      expect(sameBits(y, T.relu(T.conv2d(x, w, { ...opts, bias: b })))).toBe(true);
      expect(sameBits(T.conv2d(x, w, { ...opts, activation: 'relu' }), T.relu(T.conv2d(x, w, opts)))).toBe(true);
      const gy = T.randn(y.shape, { generator: gen, dtype });
      const gm = T.reluBackward(gy, y);
      const [gw, gb] = T.conv2dBackwardParams(x, gy, w.shape, { ...opts, reluOutput: y });
      expect(sameBits(gw, T.conv2dBackwardWeight(x, gm, w.shape, opts))).toBe(true);
      expect(sameBits(gb, T.sum(gm, { axis: [0, 2, 3] }))).toBe(true);
      const [gw1, gb1] = T.conv2dBackwardParams(x, gy, w.shape, opts);
      expect(sameBits(gw1, T.conv2dBackwardWeight(x, gy, w.shape, opts))).toBe(true);
      expect(sameBits(gb1, T.sum(gy, { axis: [0, 2, 3] }))).toBe(true);
    }), { numRuns: 60 });
  });

  it('give the bias sum of planes longer than a row block (8192 floats) in the bits of sum', () => {
    const gen = new T.Generator(9);
    const x = T.randn([2, 1, 96, 96], { generator: gen }), w = T.randn([3, 1, 3, 3], { generator: gen }), b = T.randn([3], { generator: gen });
    const y = T.conv2d(x, w, { bias: b, activation: 'relu' }); // planes of 94 × 94 = 8836 floats
    const gy = T.randn(y.shape, { generator: gen });
    const gm = T.reluBackward(gy, y);
    const [gw, gb] = T.conv2dBackwardParams(x, gy, w.shape, { reluOutput: y });
    expect(sameBits(gb, T.sum(gm, { axis: [0, 2, 3] }))).toBe(true);
    expect(sameBits(gw, T.conv2dBackwardWeight(x, gm, w.shape))).toBe(true);
  });

  it("match the float64 references at DrLIM's first layer, in chunks of images (its relu zeroes about half of gm)", () => {
    const gen = new T.Generator(5);
    const x = T.randn([19, 1, 32, 32], { generator: gen }), w = T.randn([15, 1, 6, 6], { generator: gen });
    const b = T.randn([15], { generator: gen });
    const y = T.conv2d(x, w, { bias: b, activation: 'relu' });
    const pre = conv2dRef(nd(x), nd(w), { stride: [1, 1], padding: [0, 0], dilation: [1, 1] }, nd(b));
    expect(y).toBeAllclose({ shape: pre.shape, data: pre.data.map((v) => Math.max(v, 0)) }, forwardTol('float32', 'sum'));
    const gy = T.randn(y.shape, { generator: gen });
    const [gw, gb] = T.conv2dBackwardParams(x, gy, w.shape, { reluOutput: y });
    // gm in float64: gy where y > 0; gw[o, 0, p, q] = Σ gm[n, o, i, j] · x[n, 0, i + p, j + q].
    const X = x.toTypedArray(), G = gy.toTypedArray(), Y = y.toTypedArray();
    const wantW = new Float64Array(15 * 36), wantB = new Float64Array(15);
    for (let m = 0; m < 19; m++) for (let o = 0; o < 15; o++) for (let i = 0; i < 27; i++) for (let j = 0; j < 27; j++) {
      const at = ((m * 15 + o) * 27 + i) * 27 + j;
      if (!(Y[at]! > 0)) continue;
      wantB[o] += G[at]!;
      for (let p = 0; p < 6; p++) for (let q = 0; q < 6; q++) wantW[o * 36 + p * 6 + q] += G[at]! * X[(m * 32 + i + p) * 32 + j + q]!;
    }
    expect(gw).toBeAllclose({ shape: [15, 1, 6, 6], data: wantW }, { rtol: 1e-4, atol: 1e-3 });
    expect(gb).toBeAllclose({ shape: [15], data: wantB }, { rtol: 1e-4, atol: 1e-3 });
  });
});

describe.each(['wasm', 'js'] as const)('conv2dReluAvgPool on the %s backend', (backend) => {
  const initial = T.getBackend();
  beforeAll(() => T.setBackend(backend));
  afterAll(() => T.setBackend(initial));

  // Mostly geometries of the fused wasm kernels (one input channel, 2-16 outputs, stride 1, OW >= 4), with
  // random poolings of the convolution's output (windows, strides, padding, countIncludePad); some not (more
  // channels, stride 2, float64, O = 1), which run the separate ops.
  const caseArb = fc.record({
    n: fc.integer({ min: 1, max: 9 }), c: fc.constantFrom(1, 1, 1, 2), o: fc.integer({ min: 1, max: 17 }),
    h: fc.integer({ min: 4, max: 20 }), w: fc.integer({ min: 4, max: 40 }), k: fc.integer({ min: 1, max: 6 }),
    pad: fc.constantFrom(0, 0, 1), stride: fc.constantFrom(1, 1, 1, 2),
    pk: fc.integer({ min: 1, max: 4 }), ps: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    pp: fc.constantFrom(0, 0, 1), cip: fc.option(fc.boolean(), { nil: undefined }),
    seed: fc.integer({ min: 0, max: 1 << 30 }), dtype: fc.constantFrom<T.DType>('float32', 'float32', 'float32', 'float64'),
  }).filter((g) => {
    const oh = Math.floor((g.h + 2 * g.pad - g.k) / g.stride) + 1, ow = Math.floor((g.w + 2 * g.pad - g.k) / g.stride) + 1;
    return g.h + 2 * g.pad >= g.k && g.w + 2 * g.pad >= g.k && 2 * g.pp <= g.pk && oh + 2 * g.pp >= g.pk && ow + 2 * g.pp >= g.pk;
  });

  it('gives the bits of avgPool2d(relu(conv2d + bias)) and its mask; its VJPs those of avgPool2dBackward, reluBackward and conv2dBackwardParams', () => {
    fc.assert(fc.property(caseArb, ({ n, c, o, h, w: wd, k, pad, stride, pk, ps, pp, cip, seed, dtype }) => {
      const gen = new T.Generator(seed);
      const x = T.randn([n, c, h, wd], { generator: gen, dtype }), w = T.randn([o, c, k, k], { generator: gen, dtype });
      const b = T.randn([o], { generator: gen, dtype });
      const conv = { padding: pad, stride };
      const pool = { kernelSize: pk, padding: pp, ...(ps === undefined ? {} : { stride: ps }), ...(cip === undefined ? {} : { countIncludePad: cip }) };
      const r = T.conv2d(x, w, { ...conv, bias: b, activation: 'relu' });
      const { output, mask } = T.conv2dReluAvgPoolWithMask(x, w, { ...conv, bias: b, pool });
      expect(sameBits(output, T.avgPool2d(r, pool))).toBe(true);
      expect(sameBits(T.conv2dReluAvgPool(x, w, { ...conv, bias: b, pool }), output)).toBe(true);
      expect(Array.from(mask)).toEqual(Array.from(reluMaskRef(nd(r))));
      // Without a bias: the relu'd convolution, pooled.
      expect(sameBits(T.conv2dReluAvgPool(x, w, { ...conv, pool }), T.avgPool2d(T.relu(T.conv2d(x, w, conv)), pool))).toBe(true);
      const gp = T.randn(output.shape, { generator: gen, dtype });
      const gm = T.reluBackward(T.avgPool2dBackward(gp, r.shape, pool), r);
      expect(sameBits(T.conv2dReluAvgPoolBackward(gp, mask, r.shape, pool), gm)).toBe(true);
      const [gw, gb] = T.conv2dReluAvgPoolBackwardParams(x, gp, mask, w.shape, { ...conv, pool });
      const [gw0, gb0] = T.conv2dBackwardParams(x, gm, w.shape, conv);
      expect(sameBits(gw, gw0)).toBe(true);
      expect(sameBits(gb, gb0)).toBe(true);
    }), { numRuns: 60 });
  });

  it('gives the same gradient bits for windows three wide at stride three (the wasm kernel\'s in-register path), any width and window height', () => {
    // Output widths 4-64 (windows tiling the row, or leaving one or two columns no window covers), window heights
    // 1-4 at row strides of the height or one more (rows no window covers), batches that split into chunks.
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 6, max: 20 }), fc.integer({ min: 6, max: 67 }),
      fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 << 30 }),
      (n, o, h, wd, kh, extra, seed) => {
        const gen = new T.Generator(seed);
        const x = T.randn([n, 1, h, wd], { generator: gen }), w = T.randn([o, 1, 3, 3], { generator: gen });
        const pool = { kernelSize: [kh, 3] as const, stride: [kh + extra, 3] as const };
        const r = T.conv2d(x, w, { activation: 'relu' });
        const { output, mask } = T.conv2dReluAvgPoolWithMask(x, w, { pool });
        const gp = T.randn(output.shape, { generator: gen });
        const gm = T.reluBackward(T.avgPool2dBackward(gp, r.shape, pool), r);
        const [gw, gb] = T.conv2dReluAvgPoolBackwardParams(x, gp, mask, w.shape, { pool });
        const [gw0, gb0] = T.conv2dBackwardParams(x, gm, w.shape);
        expect(sameBits(gw, gw0)).toBe(true);
        expect(sameBits(gb, gb0)).toBe(true);
      },
    ), { numRuns: 40 });
  });

  it("matches the float64 references at DrLIM's first layer (conv 6×6, relu, 3×3 average pooling)", () => {
    const gen = new T.Generator(12);
    const x = T.randn([19, 1, 32, 32], { generator: gen }), w = T.randn([15, 1, 6, 6], { generator: gen });
    const b = T.randn([15], { generator: gen });
    const pool = { kernelSize: 3 };
    const { output, mask } = T.conv2dReluAvgPoolWithMask(x, w, { bias: b, pool });
    const pre = conv2dRef(nd(x), nd(w), { stride: [1, 1], padding: [0, 0], dilation: [1, 1] }, nd(b));
    const r = { shape: pre.shape, data: pre.data.map((v) => Math.max(v, 0)) };
    expect(output).toBeAllclose(pool2dRef(r, [3, 3], [3, 3], [0, 0], 'avg'), forwardTol('float32', 'sum'));
    expect(Array.from(mask)).toEqual(Array.from(reluMaskRef(r)));
    const gp = T.randn(output.shape, { generator: gen });
    const [gw, gb] = T.conv2dReluAvgPoolBackwardParams(x, gp, mask, w.shape, { pool });
    // In float64: gm[n, o, i, j] = gp[n, o, ⌊i/3⌋, ⌊j/3⌋] / 9 where the rectified output is > 0.
    const X = x.toTypedArray(), G = gp.toTypedArray();
    const wantW = new Float64Array(15 * 36), wantB = new Float64Array(15);
    for (let m = 0; m < 19; m++) for (let o = 0; o < 15; o++) for (let i = 0; i < 27; i++) for (let j = 0; j < 27; j++) {
      const at = ((m * 15 + o) * 27 + i) * 27 + j;
      if (!(r.data[at]! > 0)) continue;
      const g = G[((m * 15 + o) * 9 + Math.floor(i / 3)) * 9 + Math.floor(j / 3)]! / 9;
      wantB[o] += g;
      for (let p = 0; p < 6; p++) for (let q = 0; q < 6; q++) wantW[o * 36 + p * 6 + q] += g * X[(m * 32 + i + p) * 32 + j + q]!;
    }
    expect(gw).toBeAllclose({ shape: [15, 1, 6, 6], data: wantW }, { rtol: 1e-4, atol: 1e-3 });
    expect(gb).toBeAllclose({ shape: [15], data: wantB }, { rtol: 1e-4, atol: 1e-3 });
  });
});

describe('conv2dReluMaskValues', () => {
  it("gives the mask's bits as the 0/1 values of the rectified output's shape (images not a multiple of 8 floats)", () => {
    const gen = new T.Generator(21);
    const x = T.randn([3, 1, 7, 9], { generator: gen }), w = T.randn([5, 1, 3, 3], { generator: gen });
    const { mask } = T.conv2dReluAvgPoolWithMask(x, w, { pool: { kernelSize: 2 } });
    const r = T.relu(T.conv2d(x, w)); // 3 images of 5·5·7 = 175 floats
    const v = T.conv2dReluMaskValues(mask, r.shape, 'float64');
    expect(v.dtype).toBe('float64');
    expect(Array.from(v.toTypedArray())).toEqual(Array.from(r.toTypedArray(), (y) => (y > 0 ? 1 : 0)));
    expect(() => T.conv2dReluMaskValues(mask, [3, 5, 5, 6])).toThrow(
      new T.ValueError("[conv2dReluMaskValues] mask must be a Uint8Array of 57 bytes (one bit per element of the convolution's output, each image's rounded up to whole bytes)"),
    );
  });
});

describe('conv2dReluAvgPool errors', () => {
  const x = T.zeros([1, 1, 6, 6]), w = T.zeros([2, 1, 3, 3]), pool = { kernelSize: 2 };
  it('check the pooling, the mask and the gradient', () => {
    expect(() => T.conv2dReluAvgPool(x, w, {} as T.Conv2dReluAvgPoolOptions)).toThrow(new T.ValueError('[conv2dReluAvgPool] kernelSize is required'));
    expect(() => T.conv2dReluAvgPool(x, w, { pool: { kernelSize: 5 } })).toThrow(
      new T.ShapeError('[conv2dReluAvgPool] window 5x5 does not fit the padded input 4x4 of input [1,2,4,4]'),
    );
    expect(() => T.conv2dReluAvgPool(x, w, { bias: T.zeros([3]), pool })).toThrow(
      new T.ShapeError('[conv2d] bias must have shape [2] for weight [2,1,3,3]: got [3]'),
    );
    const gp = T.zeros([1, 2, 2, 2]);
    expect(() => T.conv2dReluAvgPoolBackwardParams(x, gp, new Uint8Array(32), w.shape, { pool })).toThrow(
      new T.ValueError("[conv2dReluAvgPoolBackwardParams] mask must be a Uint8Array of 4 bytes (one bit per element of the convolution's output, each image's rounded up to whole bytes)"),
    );
    expect(() => T.conv2dReluAvgPoolBackwardParams(x, T.zeros([1, 2, 2, 3]), new Uint8Array(4), w.shape, { pool })).toThrow(
      new T.ShapeError('[conv2dReluAvgPoolBackwardParams] gradient has shape [1,2,2,3], but the forward output has shape [1,2,2,2]'),
    );
    expect(() => T.conv2dReluAvgPoolBackward(gp, new Uint8Array(4), [1, 2, 4], pool)).toThrow(
      new T.ShapeError('[conv2dReluAvgPoolBackward] convShape must have rank 4: got [1,2,4]'),
    );
    expect(() => T.conv2dReluAvgPoolBackward(gp, [1, 0, 0, 0] as unknown as Uint8Array, [1, 2, 4, 4], pool)).toThrow(
      new T.ValueError("[conv2dReluAvgPoolBackward] mask must be a Uint8Array of 4 bytes (one bit per element of the convolution's output, each image's rounded up to whole bytes)"),
    );
  });
});

describe('conv2d activation and conv2dBackwardParams errors', () => {
  const x = T.zeros([1, 1, 4, 4]), w = T.zeros([2, 1, 2, 2]);
  it('name the unknown activation', () => {
    expect(() => T.conv2d(x, w, { activation: 'tanh' as 'relu' })).toThrow(
      new T.ValueError(`[conv2d] unknown activation "tanh": expected 'relu' or none`),
    );
  });
  it("check reluOutput against the gradient's shape and dtype", () => {
    const gy = T.zeros([1, 2, 3, 3]);
    expect(() => T.conv2dBackwardParams(x, gy, w.shape, { reluOutput: T.zeros([1, 2, 3, 2]) })).toThrow(
      new T.ShapeError('[conv2dBackwardParams] reluOutput must have the gradient\'s shape [1,2,3,3]: got [1,2,3,2]'),
    );
    expect(() => T.conv2dBackwardParams(x, gy, w.shape, { reluOutput: T.zeros([1, 2, 3, 3], { dtype: 'float64' }) })).toThrow(
      new T.DTypeError('[conv2dBackwardParams] dtypes differ: float32 [1,2,3,3] and float64 [1,2,3,3]; convert one with astype()'),
    );
    expect(() => T.conv2dBackwardParams(x, T.zeros([1, 2, 2, 3]), w.shape)).toThrow(
      new T.ShapeError('[conv2dBackwardParams] gradient has shape [1,2,2,3], but the forward output has shape [1,2,3,3]'),
    );
  });
});

describe('pooling', () => {
  it('maxPool2d by hand, with its default stride (the window)', () => {
    const x = T.arange(16).reshape([1, 1, 4, 4]);
    expect(T.maxPool2d(x, { kernelSize: 2 }).toArray()).toEqual([[[[5, 7], [13, 15]]]]);
    expect(x.maxPool2d({ kernelSize: [1, 4] }).toArray()).toEqual([[[[3], [7], [11], [15]]]]);
  });

  it('maxPool2d padding acts as −∞: an all-negative input never yields 0', () => {
    const x = T.full([1, 1, 3, 3], -5);
    const y = T.maxPool2d(x, { kernelSize: 2, stride: 2, padding: 1 });
    expect(y.toArray()).toEqual([[[[-5, -5], [-5, -5]]]]);
  });

  it('avgPool2d counts padding in the divisor by default (as PyTorch), and not with countIncludePad: false', () => {
    const x = T.ones([1, 1, 2, 2]);
    expect(T.avgPool2d(x, { kernelSize: 2, stride: 1, padding: 1 }).toArray()).toEqual([[[[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]]]]);
    expect(x.avgPool2d({ kernelSize: 2, stride: 1, padding: 1, countIncludePad: false }).toArray()).toEqual([[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]);
  });

  it.each(DTYPES)('%s: fixed geometries against the reference, on a transposed view', (dtype) => {
    const x = wave([2, 3, 7, 6], dtype).transpose([0, 1, 3, 2]); // [2,3,6,7]
    for (const [k, s, p] of [[[2, 2], [2, 2], [0, 0]], [[3, 2], [1, 2], [1, 1]], [[3, 3], [2, 1], [1, 0]]] as [number, number][][]) {
      expect(T.maxPool2d(x, { kernelSize: k!, stride: s!, padding: p! })).toBeAllclose(pool2dRef(nd(x), k!, s!, p!, 'max'), forwardTol(dtype));
      for (const cip of [true, false]) {
        expect(T.avgPool2d(x, { kernelSize: k!, stride: s!, padding: p!, countIncludePad: cip })).toBeAllclose(
          pool2dRef(nd(x), k!, s!, p!, 'avg', cip),
          forwardTol(dtype, 'sum'),
        );
      }
    }
  });

  it('maxPool2dWithArgmax records the winner of each window', () => {
    const x = T.tensor([[[[1, 9], [3, 4]]]]);
    const { output, argmax } = T.maxPool2dWithArgmax(x, { kernelSize: 2 });
    expect(output.toArray()).toEqual([[[[9]]]]);
    expect(Array.from(argmax)).toEqual([1]);
  });
});

describe('softmax', () => {
  it('by hand, along the default last axis and along axis 0', () => {
    const x = T.tensor([[0, Math.log(3)], [0, 0]], { dtype: 'float64' });
    expect(T.softmax(x)).toBeAllclose([[0.25, 0.75], [0.5, 0.5]], { rtol: 1e-14, atol: 1e-15 });
    expect(x.softmax(0)).toBeAllclose([[0.5, 0.75], [0.5, 0.25]], { rtol: 1e-14, atol: 1e-15 });
    expect(x.logSoftmax()).toBeAllclose([[Math.log(0.25), Math.log(0.75)], [-Math.LN2, -Math.LN2]], { rtol: 1e-14, atol: 1e-15 });
  });

  it('over an empty axis the result is empty; other empty axes are fine', () => {
    expect(T.softmax(T.zeros([2, 0])).shape).toEqual([2, 0]);
    expect(T.logSoftmax(T.zeros([0, 3]), 1).shape).toEqual([0, 3]);
  });

  it('−∞ entries get probability 0', () => {
    const p = T.softmax(T.tensor([-Infinity, 0, 0]));
    expect(p.toArray()).toEqual([0, 0.5, 0.5]);
    expect(T.logSoftmax(T.tensor([-Infinity, 0])).toArray()).toEqual([-Infinity, 0]);
  });
});
