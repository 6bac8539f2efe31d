/**
 * PairSampler: each epoch has every similar pair exactly once (y = 0) and round(|S|·r) dissimilar pairs
 * (y = 1), none similar or a self-pair; a batch's samples are distinct and left/right map back to the pairs;
 * seeded determinism and fresh draws per epoch; errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, Tensor, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../testing/errors.js';
import { Pairs, pairsFromLabels } from './pairs.js';
import { PairSampler, type PairBatch } from './sampler.js';

/** The (i, j) data indices of every pair in the epoch, with its label. */
function decode(batches: PairBatch[]): { i: number; j: number; y: number }[] {
  return batches.flatMap((b) => Array.from(b.y, (y, p) => ({ i: b.samples[b.left[p]!]!, j: b.samples[b.right[p]!]!, y })));
}

const key = (i: number, j: number): string => `${Math.min(i, j)},${Math.max(i, j)}`;

const problemArb = fc
  .record({
    labels: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 30 }),
    batchSize: fc.integer({ min: 1, max: 20 }),
    ratio: fc.constantFrom(0, 0.5, 1, 2, 1.3),
    seed: fc.nat(),
  })
  .filter(({ labels }) => {
    const p = pairsFromLabels(labels);
    return p.size > 0 && p.size < (labels.length * (labels.length - 1)) / 2;
  });

describe('PairSampler', () => {
  it('an epoch holds every similar pair once with y = 0 and the right number of valid dissimilar pairs', () => {
    fc.assert(
      fc.property(problemArb, ({ labels, batchSize, ratio, seed }) => {
        const n = labels.length;
        const S = pairsFromLabels(labels);
        const data = tensor(labels.map((l, i) => [l, i]), { dtype: 'float64' });
        const sampler = new PairSampler(data, S, { batchSize, dissimilarPerSimilar: ratio, generator: new Generator(seed) });
        const batches = sampler.epoch();
        const nd = Math.round(S.size * ratio);
        expect(sampler.pairsPerEpoch).toBe(S.size + nd);
        expect(batches.length).toBe(sampler.batchesPerEpoch);
        expect(batches.length).toBe(Math.ceil((S.size + nd) / batchSize));
        batches.forEach((b, bi) => expect(b.y.length).toBe(bi < batches.length - 1 ? batchSize : S.size + nd - batchSize * (batches.length - 1)));

        const pairs = decode(batches);
        const similar = pairs.filter((p) => p.y === 0), dissimilar = pairs.filter((p) => p.y === 1);
        expect(similar.length + dissimilar.length).toBe(pairs.length); // labels are 0 or 1 only
        expect(similar.map((p) => key(p.i, p.j)).sort()).toEqual(Array.from(S.a, (i, k) => key(i, S.b[k]!)).sort());
        expect(dissimilar.length).toBe(nd);
        for (const { i, j } of dissimilar) {
          expect(i).not.toBe(j);
          expect(i >= 0 && i < n && j >= 0 && j < n).toBe(true);
          expect(S.has(i, j), `dissimilar pair (${i}, ${j}) is in the similar set`).toBe(false);
          expect(labels[i]).not.toBe(labels[j]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a batch lists distinct samples in first-use order and left/right index into them', () => {
    const labels = [0, 0, 0, 1, 1, 2, 2, 2, 2, 3];
    const sampler = new PairSampler(tensor(labels.map((l, i) => [l, i])), pairsFromLabels(labels), { batchSize: 5, generator: new Generator(9) });
    for (const b of sampler.epoch()) {
      expect(new Set(b.samples).size).toBe(b.samples.length);
      const firstUse: number[] = [];
      for (let p = 0; p < b.y.length; p++) {
        for (const pos of [b.left[p]!, b.right[p]!]) {
          expect(pos).toBeGreaterThanOrEqual(0);
          expect(pos).toBeLessThan(b.samples.length);
          if (!firstUse.includes(pos)) firstUse.push(pos);
        }
      }
      expect(firstUse).toEqual(b.samples.length === 0 ? [] : Array.from(b.samples, (_, k) => k)); // every sample used, in order
      // inputs() gathers exactly those rows.
      const x = sampler.inputs(b);
      expect(x.shape).toEqual([b.samples.length, 2]);
      expect((x.toArray() as number[][]).map((r) => r[1])).toEqual(Array.from(b.samples));
    }
  });

  it('is deterministic for a seed, and successive epochs differ', () => {
    const labels = Array.from({ length: 40 }, (_, i) => i % 4);
    const data = tensor(labels.map((l) => [l]));
    const make = (seed: number): PairSampler => new PairSampler(data, pairsFromLabels(labels), { batchSize: 16, generator: new Generator(seed) });
    const s1 = make(5), s2 = make(5), s3 = make(6);
    const e1 = s1.epoch(), e2 = s2.epoch();
    expect(e2).toEqual(e1);
    expect(s1.epoch()).toEqual(s2.epoch());
    expect(decode(s3.epoch())).not.toEqual(decode(e1));
    const next = decode(s1.epoch());
    expect(next).not.toEqual(decode(e1));
    // the dissimilar draws themselves change, not just the order
    const dis = (ps: { i: number; j: number; y: number }[]): string[] => ps.filter((p) => p.y === 1).map((p) => key(p.i, p.j)).sort();
    expect(dis(next)).not.toEqual(dis(decode(e1)));
  });

  it('defaults: batch 64, one dissimilar per similar pair, a generator seeded with 0', () => {
    const labels = Array.from({ length: 30 }, (_, i) => i % 3);
    const data = tensor(labels.map((l) => [l]));
    const s = new PairSampler(data, pairsFromLabels(labels));
    expect(s.batchSize).toBe(64);
    expect(s.dissimilarPerSimilar).toBe(1);
    expect(s.pairsPerEpoch).toBe(2 * pairsFromLabels(labels).size);
    expect(s.epoch()).toEqual(new PairSampler(data, pairsFromLabels(labels), { generator: new Generator(0) }).epoch());
  });

  it('rejects bad data, pairs, sizes and options', () => {
    const data = tensor([[0], [1], [2]]);
    const S = new Pairs(3, [0], [1]);
    expectError(() => new PairSampler(tensor(1), S), ValueError, '[PairSampler] data must be a tensor with samples along axis 0');
    expectError(() => new PairSampler([[0]] as unknown as Tensor, S), ValueError, '[PairSampler] data must be a tensor with samples along axis 0');
    expectError(() => new PairSampler(data, {} as Pairs), ValueError, '[PairSampler] pairs must be a Pairs set');
    expectError(() => new PairSampler(data, new Pairs(4, [0], [1])), ValueError, '[PairSampler] pairs are over 4 samples but data has 3');
    expectError(() => new PairSampler(data, new Pairs(3, [], [])), ValueError, '[PairSampler] the similar set is empty');
    expectError(() => new PairSampler(data, S, { batchSize: 0 }), ValueError, '[PairSampler] batchSize must be a positive integer: got 0');
    expectError(() => new PairSampler(data, S, { batchSize: 2.5 }), ValueError, '[PairSampler] batchSize must be a positive integer: got 2.5');
    expectError(() => new PairSampler(data, S, { dissimilarPerSimilar: -1 }), ValueError, '[PairSampler] dissimilarPerSimilar must be a non-negative number: got -1');
    expectError(() => new PairSampler(data, S, { dissimilarPerSimilar: Number.NaN }), ValueError, '[PairSampler] dissimilarPerSimilar must be a non-negative number: got NaN');
    expectError(() => new PairSampler(data, S, { dissimilarPerSimilar: Infinity }), ValueError, '[PairSampler] dissimilarPerSimilar must be a non-negative number: got Infinity');
    const all = new Pairs(3, [0, 0, 1], [1, 2, 2]);
    expectError(() => new PairSampler(data, all), ValueError, '[PairSampler] every pair is similar: there are no dissimilar pairs to draw');
    expect(new PairSampler(data, all, { dissimilarPerSimilar: 0 }).epoch().flatMap((b) => Array.from(b.y))).toEqual([0, 0, 0]);
  });
});
