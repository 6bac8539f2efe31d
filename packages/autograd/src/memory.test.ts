/**
 * Memory is the garbage collector's: a graph that is built, differentiated and dropped leaves nothing behind
 * (no global registry of nodes, no tape that grows). Needs `--expose-gc`, which vitest.config.ts passes to the
 * test workers (`test.execArgv`); without it this test fails rather than skipping.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@tsgrad/tensor';
import * as A from './index.js';
import type { Variable } from './index.js';

const MB = 1024 * 1024;

function heapAfterGc(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

describe('memory', () => {
  it('10 000 graphs built, differentiated and dropped leave the heap flat', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(typeof gc, 'global.gc is missing: run the tests with --expose-gc (test.execArgv in vitest.config.ts)').toBe('function');
    const w = A.variable(T.full([8, 4], 0.1, { dtype: 'float64' }), { requiresGrad: true });
    const x = T.linspace(-1, 1, 16 * 8, { dtype: 'float64' }).reshape([16, 8]);
    const step = (): Variable => {
      // A few nodes holding ~2 KB of tensors: 10 000 retained graphs would be about 20 MB.
      const loss = A.sum(A.square(A.tanh(A.matmul(x, w))));
      loss.backward();
      return loss;
    };
    for (let i = 0; i < 500; i++) step(); // warm up: JIT code, inline caches
    w.zeroGrad();
    const before = heapAfterGc(gc!);
    for (let i = 0; i < 10_000; i++) {
      step();
      w.zeroGrad(); // .grad is replaced, not grown, but keep the leaf as it started
    }
    const after = heapAfterGc(gc!);
    expect((after - before) / MB).toBeLessThan(5);
  });
});
