import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { optim } from '@tsgrad/nn';
import { Generator, getBackend, getNumThreads, rand, setBackend, setNumThreads } from '@tsgrad/tensor';
import { drlimNetwork, Siamese, trainStep } from '@tsgrad/contrastive';
import { getRuntime } from '../../tensor/src/kernels/wasm/runtime.js';
import { poolReady, splitCount } from '../../tensor/src/kernels/wasm/pool.js';

/*
 * Training does not depend on the thread count: the paper's network (drlimNetwork), trained for a few Siamese
 * steps from one seed at 1 and at 2 threads on the wasm backend, ends with bit-identical weights.
 */

const initialBackend = getBackend();
const initialThreads = getNumThreads();
afterAll(() => {
  setBackend(initialBackend);
  setNumThreads(initialThreads);
});

/** Every weight after `steps` SGD steps of DrLIM training at `threads` threads, as one Float32Array. */
function train(threads: number, steps: number): Float32Array {
  setNumThreads(threads);
  const g = new Generator(11);
  const siamese = new Siamese(drlimNetwork({ generator: new Generator(12) }));
  const opt = new optim.SGD(siamese.parameters(), { lr: 0.01, momentum: 0.9 });
  const n = 96;
  const inputs = rand([n, 1, 32, 32], { generator: g });
  for (let s = 0; s < steps; s++) {
    const batch = { left: g.integers(0, n, 64), right: g.integers(0, n, 64), y: Float32Array.from({ length: 64 }, (_, i) => (i + s) % 2) };
    trainStep(siamese, inputs, batch, opt);
  }
  const parts = siamese.parameters().map((p) => p.value.toTypedArray() as Float32Array);
  const all = new Float32Array(parts.reduce((k, p) => k + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return all;
}

describe('DrLIM training on the wasm backend', () => {
  it('gives bit-identical weights at 1 and 2 threads', async () => {
    setBackend('wasm');
    setNumThreads(2);
    expect(await poolReady(getRuntime()!)).toBe(1);
    const one = train(1, 4);
    const before = splitCount();
    const two = train(2, 4);
    expect(splitCount()).toBeGreaterThan(before); // the 2-thread run really split its products
    expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    // ... and the steps did move the weights (identical untrained weights would prove nothing).
    expect(Buffer.from(train(1, 0).buffer).equals(Buffer.from(one.buffer))).toBe(false);
  });

  it('gives a Node script whose training loop never yields its second thread, and lets it exit by itself', () => {
    const dist = (pkg: string): string => JSON.stringify(fileURLToPath(new URL(`../../${pkg}/dist/index.js`, import.meta.url)));
    const pool = JSON.stringify(fileURLToPath(new URL('../../tensor/dist/kernels/wasm/pool.js', import.meta.url)));
    const runtime = JSON.stringify(fileURLToPath(new URL('../../tensor/dist/kernels/wasm/runtime.js', import.meta.url)));
    // Trains, never awaiting, until three calls were split and a worker has computed some of their chunks: the pool
    // must start and report ready through shared memory alone, and the workers must not keep the process alive.
    const script = `
      const T = await import(${dist('tensor')});
      const { optim } = await import(${dist('nn')});
      const C = await import(${dist('contrastive')});
      const { splitCount, workerChunks } = await import(${pool});
      const { getRuntime } = await import(${runtime});
      T.setNumThreads(2);
      const siamese = new C.Siamese(C.drlimNetwork());
      const opt = new optim.SGD(siamese.parameters(), { lr: 0.01 });
      const g = new T.Generator(1);
      const inputs = T.rand([64, 1, 32, 32], { generator: g });
      const batch = { left: g.integers(0, 64, 32), right: g.integers(0, 64, 32), y: new Float32Array(32).fill(1) };
      for (let s = 0; s < 200 && (workerChunks(getRuntime()) < 3 || splitCount() < 3); s++) C.trainStep(siamese, inputs, batch, opt);
      console.log('split', splitCount(), 'worker', workerChunks(getRuntime()));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined(); // a timeout (the process kept alive) is an error here
    expect(r.status, r.stderr).toBe(0);
    expect(Number(/split (\d+)/.exec(r.stdout)?.[1])).toBeGreaterThanOrEqual(3);
    expect(Number(/worker (\d+)/.exec(r.stdout)?.[1])).toBeGreaterThanOrEqual(3);
  });
});
