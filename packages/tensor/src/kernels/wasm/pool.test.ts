import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  avgPool2d, avgPool2dBackward, concat, conv2d, conv2dBackwardInput, conv2dBackwardParams, conv2dBackwardWeight,
  conv2dReluAvgPoolBackwardParams, conv2dReluAvgPoolWithMask, getBackend, getNumThreads, matmul, randn, relu, reluBackward,
  setBackend, setNumThreads, sum, tensor, transpose, Generator, ValueError, type Tensor,
} from '@tsgrad/tensor';
import { getRuntime } from './runtime.js';
import { nd, reluMaskRef } from '../../../../../testing/reference.js';
import { poolReady, splitCount, workerChunks } from './pool.js';

/*
 * Results must not depend on the thread count: every product and convolution here is computed at 1 and at 2
 * threads and compared bit for bit, after checking that the 2-thread calls really were split (splitCount).
 */

const rt = getRuntime()!;
const initialBackend = getBackend();
const initialThreads = getNumThreads();

beforeAll(async () => {
  setBackend('wasm');
  setNumThreads(2);
  expect(await poolReady(rt)).toBe(1);
});
afterAll(() => {
  setBackend(initialBackend);
  setNumThreads(initialThreads);
});

/** The typed array of `f()` at 1 thread and at 2 threads, and whether the 2-thread run split a product. */
function atBothCounts(f: () => Tensor): { one: Float32Array; two: Float32Array; split: boolean } {
  setNumThreads(1);
  const one = f().toTypedArray() as Float32Array;
  setNumThreads(2);
  const before = splitCount();
  const two = f().toTypedArray() as Float32Array;
  return { one, two, split: splitCount() > before };
}

describe('worker pool', () => {
  it('gives bit-identical products at 1 and 2 threads (row and column splits, odd sizes, transposes)', () => {
    const g = new Generator(3);
    for (const [m, k, n] of [[512, 300, 257], [33, 700, 901], [1000, 129, 17], [17, 129, 1000], [301, 301, 301]] as const) {
      const a = randn([m, k], { generator: g }), b = randn([k, n], { generator: g });
      for (const f of [() => matmul(a, b), () => matmul(transpose(b, [1, 0]), transpose(a, [1, 0]))]) {
        const { one, two, split } = atBothCounts(f);
        expect(split).toBe(true);
        expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      }
    }
  });

  it('gives bit-identical conv2d forward (with its bias) and gradients at 1 and 2 threads (the DrLIM layers)', () => {
    const g = new Generator(4);
    // The first layer's forward pass and weight gradient run on the direct kernels (kernels/wasm/conv.ts), split
    // by chunks of images; everything else goes through the gemm.
    const layers = [
      { x: [128, 1, 32, 32], w: [15, 1, 6, 6], pad: 0, splits: [true, true, true] },
      { x: [128, 15, 9, 9], w: [30, 15, 9, 9], pad: 0, splits: [true, true, true] },
      { x: [128, 15, 12, 12], w: [30, 15, 5, 5], pad: 2, splits: [true, true, true] },
      // Direct kernels with padding, an output-channel count that is not a multiple of 8 and chunks of images
      // that do not divide the batch.
      { x: [77, 1, 30, 29], w: [9, 1, 3, 5], pad: 1, splits: [true, true, true] },
    ];
    for (const { x: xs, w: wsh, pad, splits } of layers) {
      const x = randn(xs, { generator: g }), w = randn(wsh, { generator: g });
      const y = conv2d(x, w, { padding: pad });
      const gy = randn(y.shape, { generator: g });
      const bias = randn([wsh[0]!], { generator: g });
      const ops = [
        () => conv2d(x, w, { padding: pad, bias }),
        () => conv2dBackwardInput(gy, w, xs, { padding: pad }),
        () => conv2dBackwardWeight(x, gy, wsh, { padding: pad }),
      ];
      ops.forEach((f, i) => {
        const { one, two, split } = atBothCounts(f);
        expect(split).toBe(splits[i]);
        expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      });
    }
  });

  it('gives the fused relu convolution and its parameter gradients bit for bit at 1 and 2 threads, as the separate ops', () => {
    const g = new Generator(6);
    for (const { x: xs, w: wsh, pad } of [{ x: [128, 1, 32, 32], w: [15, 1, 6, 6], pad: 0 }, { x: [77, 2, 30, 29], w: [9, 2, 3, 5], pad: 1 }]) {
      const x = randn(xs, { generator: g }), w = randn(wsh, { generator: g }), bias = randn([wsh[0]!], { generator: g });
      const y = conv2d(x, w, { padding: pad, bias, activation: 'relu' });
      const gy = randn(y.shape, { generator: g });
      const params = (): Tensor => {
        const [gw, gb] = conv2dBackwardParams(x, gy, wsh, { padding: pad, reluOutput: y });
        return concat([gw.reshape([-1]), gb]);
      };
      for (const f of [() => conv2d(x, w, { padding: pad, bias, activation: 'relu' }), params]) {
        const { one, two, split } = atBothCounts(f);
        expect(split).toBe(true);
        expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      }
      expect(Buffer.from((y.toTypedArray() as Float32Array).buffer)
        .equals(Buffer.from((relu(conv2d(x, w, { padding: pad, bias })).toTypedArray() as Float32Array).buffer))).toBe(true);
      const gm = reluBackward(gy, y);
      const separate = concat([conv2dBackwardWeight(x, gm, wsh, { padding: pad }).reshape([-1]), sum(gm, { axis: [0, 2, 3] })]);
      expect(Buffer.from((params().toTypedArray() as Float32Array).buffer)
        .equals(Buffer.from((separate.toTypedArray() as Float32Array).buffer))).toBe(true);
    }
  });

  it('gives the fused convolution, relu and average pooling, its mask and its parameter gradients bit for bit at 1 and 2 threads, as the separate ops', () => {
    const g = new Generator(13);
    const cases = [
      { x: [128, 1, 32, 32], w: [15, 1, 6, 6], pad: 0, pool: { kernelSize: 3 } },
      { x: [77, 1, 30, 29], w: [9, 1, 3, 5], pad: 1, pool: { kernelSize: [3, 2] as [number, number], stride: 2, padding: 1, countIncludePad: false } },
    ];
    for (const { x: xs, w: wsh, pad, pool } of cases) {
      const x = randn(xs, { generator: g }), w = randn(wsh, { generator: g }), bias = randn([wsh[0]!], { generator: g });
      const opts = { padding: pad, bias, pool };
      const { output, mask } = conv2dReluAvgPoolWithMask(x, w, opts);
      const gp = randn(output.shape, { generator: g });
      const forward = (): Tensor => {
        const r = conv2dReluAvgPoolWithMask(x, w, opts);
        return concat([r.output.reshape([-1]), tensor(Float32Array.from(r.mask))]);
      };
      const params = (): Tensor => {
        const [gw, gb] = conv2dReluAvgPoolBackwardParams(x, gp, mask, wsh, { padding: pad, pool });
        return concat([gw.reshape([-1]), gb]);
      };
      for (const f of [forward, params]) {
        const { one, two, split } = atBothCounts(f);
        expect(split).toBe(true);
        expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      }
      const r = conv2d(x, w, { padding: pad, bias, activation: 'relu' });
      const separate = concat([avgPool2d(r, pool).reshape([-1]), tensor(Float32Array.from(reluMaskRef(nd(r))))]);
      expect(Buffer.from((forward().toTypedArray() as Float32Array).buffer).equals(Buffer.from((separate.toTypedArray() as Float32Array).buffer))).toBe(true);
      const gm = reluBackward(avgPool2dBackward(gp, r.shape, pool), r);
      const [gw0, gb0] = conv2dBackwardParams(x, gm, wsh, { padding: pad });
      const separateParams = concat([gw0.reshape([-1]), gb0]);
      expect(Buffer.from((params().toTypedArray() as Float32Array).buffer).equals(Buffer.from((separateParams.toTypedArray() as Float32Array).buffer))).toBe(true);
    }
  });

  it('hands chunks to the worker (not only to the calling thread)', () => {
    const before = workerChunks(rt);
    const a = randn([600, 600]);
    setNumThreads(2);
    for (let i = 0; i < 20 && workerChunks(rt) === before; i++) matmul(a, a);
    expect(workerChunks(rt)).toBeGreaterThan(before);
  });

  it('setNumThreads takes positive integers, clamped to 8', () => {
    setNumThreads(3);
    expect(getNumThreads()).toBe(3);
    setNumThreads(64);
    expect(getNumThreads()).toBe(8);
    expect(() => setNumThreads(0)).toThrow(ValueError);
    expect(() => setNumThreads(0)).toThrow('[setNumThreads] expected a positive integer: got 0');
    expect(() => setNumThreads(1.5)).toThrow('[setNumThreads] expected a positive integer: got 1.5');
    setNumThreads(2);
  });

  it('never keeps a Node process alive: a script that multiplies on 2 threads exits by itself', () => {
    const dist = fileURLToPath(new URL('../../../dist/index.js', import.meta.url));
    // Multiplies until a product has been split (the pool starts asynchronously), then returns.
    const script = `
      const T = await import(${JSON.stringify(dist)});
      const { splitCount } = await import(${JSON.stringify(dist.replace(/index\.js$/, 'kernels/wasm/pool.js'))});
      T.setNumThreads(2);
      const a = T.randn([400, 400]);
      for (let i = 0; i < 1000 && splitCount() < 3; i++) { T.matmul(a, a); await new Promise((r) => setTimeout(r, 5)); }
      console.log('split', splitCount());
    `;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    // The workers did start and take work, and the process still ended on its own.
    expect(Number(/split (\d+)/.exec(r.stdout)?.[1])).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
