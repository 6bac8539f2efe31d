import { describe, expect, it } from 'vitest';
import { Generator } from '../../random.js';
import { randn } from '../../creation.js';
import { add, exp, mul, relu } from '../../ops/elementwise.js';
import { sum } from '../../ops/reduce.js';
import { avgPool2d, conv2d, conv2dBackwardWeight, maxPool2d } from '../../ops/nn.js';
import { getBackend, setBackend } from '../backend.js';
import { getRowRuntime, rowMemoryBytes } from './runtime.js';

/*
 * The row runtime (elementwise rows, pooling, direct convolution) stages operands in fixed-size blocks or chunks,
 * so its memory is bounded by the largest block, never by the size of a tensor: ops on tens of megabytes leave it
 * at a few megabytes, and repeating them leaves it where it was.
 */
describe.runIf(getRowRuntime() !== null)('the row runtime memory', () => {
  it('stays bounded by its blocks over large elementwise ops, pooling and direct convolutions, and does not grow on repeats', () => {
    const before = getBackend();
    setBackend('wasm');
    try {
      const gen = new Generator(3);
      const big = randn([4_000_000], { generator: gen }); // 16 MB of operands
      const images = randn([600, 1, 32, 32], { generator: gen }); // direct forward: C = 1, O ≤ 16
      const planes = randn([4, 15, 200, 200], { generator: gen });
      const w = randn([15, 1, 6, 6], { generator: gen });
      const round = (): number => {
        const y = relu(add(mul(big, 2), exp(big)));
        const conv = conv2d(images, w);
        const gw = conv2dBackwardWeight(images, conv, w.shape);
        const pooled = [maxPool2d(planes, { kernelSize: 3 }), avgPool2d(planes, { kernelSize: 3 })];
        // Read a result of each so a lazy or skipped computation would show.
        return sum(y).item() + sum(conv).item() + sum(gw).item() + pooled.reduce((s, p) => s + sum(p).item(), 0);
      };
      const first = round();
      const after1 = rowMemoryBytes();
      expect(Number.isFinite(first)).toBe(true);
      expect(after1).toBeGreaterThan(0);
      // A few megabytes: the operands were 16 MB and more, the blocks are far smaller.
      expect(after1).toBeLessThan(24 * 2 ** 20);
      for (let i = 0; i < 3; i++) expect(round()).toBe(first);
      expect(rowMemoryBytes()).toBe(after1);
    } finally {
      setBackend(before);
    }
  });
});
