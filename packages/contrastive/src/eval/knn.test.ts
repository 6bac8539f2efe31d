/** k-NN search and classification against a brute-force reference (sort everything, count votes), plus errors. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, ShapeError, Tensor, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { kNearestNeighbors, knnAccuracy, knnPredict, leaveOneOutKnnAccuracy } from './knn.js';

type Rows = number[][];

/** Every reference index sorted by (exact squared distance, index). */
function sortedNeighbours(q: number[], ref: Rows, skip = -1): number[] {
  const d = ref.map((r) => r.reduce((s, v, c) => s + (v - q[c]!) ** 2, 0));
  return ref.map((_, j) => j).filter((j) => j !== skip).sort((a, b) => d[a]! - d[b]! || a - b);
}

/** Majority vote; a tie goes to the tied class that appears first in the (nearest-first) list. */
function refVote(nb: number[], labels: number[]): number {
  const counts = new Map<number, number>();
  for (const j of nb) counts.set(labels[j]!, (counts.get(labels[j]!) ?? 0) + 1);
  const top = Math.max(...counts.values());
  return labels[nb.find((j) => counts.get(labels[j]!) === top)!]!;
}

const refPredict = (train: Rows, labels: number[], test: Rows, k: number): number[] =>
  test.map((q) => refVote(sortedNeighbours(q, train).slice(0, k), labels));

const rowsOf = (t: Tensor): Rows => t.toArray() as Rows;

/** Small-integer points (many exact ties) with labels 0..3; d = 12 takes the matmul distance path. */
const problem = fc
  .record({
    d: fc.constantFrom(1, 2, 3, 12),
    nTrain: fc.integer({ min: 1, max: 25 }),
    nTest: fc.integer({ min: 1, max: 8 }),
    seed: fc.nat(),
  })
  .chain(({ d, nTrain, nTest }) =>
    fc.record({
      train: fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: d, maxLength: d }), { minLength: nTrain, maxLength: nTrain }),
      labels: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: nTrain, maxLength: nTrain }),
      test: fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: d, maxLength: d }), { minLength: nTest, maxLength: nTest }),
      testLabels: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: nTest, maxLength: nTest }),
      k: fc.integer({ min: 1, max: nTrain }),
    }),
  );

describe('knnPredict / knnAccuracy', () => {
  it('match a brute-force sort-and-vote reference, ties included (fast-check)', () => {
    fc.assert(
      fc.property(problem, ({ train, labels, test, testLabels, k }) => {
        const expected = refPredict(train, labels, test, k);
        const got = knnPredict(tensor(train), labels, tensor(test), { k });
        expect(Array.from(got)).toEqual(expected);
        const acc = knnAccuracy(tensor(train, { dtype: 'float64' }), labels, tensor(test), testLabels, { k });
        expect(acc).toBe(expected.filter((p, i) => p === testLabels[i]).length / test.length);
      }),
      { numRuns: 200 },
    );
  });

  it('tie rules by hand: equal distances keep the lower index, a split vote follows the nearest point', () => {
    // 1-D training points 1, 2, 3, 4 with labels 7, 8, 8, 7; query 0 with k = 4 is a 2–2 split: the nearest (1) wins.
    const train = tensor([[1], [2], [3], [4]]);
    expect(Array.from(knnPredict(train, [7, 8, 8, 7], tensor([[0]]), { k: 4 }))).toEqual([7]);
    // k = 3: two 8s beat one 7.
    expect(Array.from(knnPredict(train, [7, 8, 8, 7], tensor([[0]]), { k: 3 }))).toEqual([8]);
    // Query 0 is as far from -1 (index 1) as from +1 (index 0): k = 1 takes index 0.
    expect(Array.from(knnPredict(tensor([[1], [-1]]), [5, 6], tensor([[0]]), { k: 1 }))).toEqual([5]);
  });

  it('a separable toy (two far blobs) is classified perfectly, across several distance blocks', () => {
    const g = new Generator(1);
    const blob = (n: number, cx: number): number[][] => rowsOf(g.normal([n, 10], { dtype: 'float64' })).map((r) => r.map((v) => v + cx));
    const train = [...blob(40, 0), ...blob(40, 20)];
    const trainLabels = [...Array(40).fill(0), ...Array(40).fill(1)] as number[];
    const test = [...blob(300, 0), ...blob(300, 20)]; // 600 rows: three blocks of 256
    const testLabels = [...Array(300).fill(0), ...Array(300).fill(1)] as number[];
    expect(knnAccuracy(tensor(train), trainLabels, tensor(test), testLabels, { k: 5 })).toBe(1);
    expect(leaveOneOutKnnAccuracy(tensor(train), trainLabels, { k: 7 })).toBe(1);
  });

  it('many query rows (> one block) agree with the reference, in 2-D and in 20-D', () => {
    const g = new Generator(2);
    for (const d of [2, 20]) {
      const train = rowsOf(g.normal([60, d], { dtype: 'float64' }));
      const labels = Array.from(g.integers(0, 4, 60));
      const test = rowsOf(g.normal([600, d], { dtype: 'float64' }));
      expect(Array.from(knnPredict(tensor(train, { dtype: 'float64' }), labels, tensor(test, { dtype: 'float64' }), { k: 5 })))
        .toEqual(refPredict(train, labels, test, 5));
    }
  });

  it('reads strided views (a transposed tensor) and float32', () => {
    const train = tensor([[0, 10, 0.5], [0, 10, 9]]).transpose(); // rows (0,0) (10,10) (0.5,9)
    expect(train.isContiguous()).toBe(false);
    expect(Array.from(knnPredict(train, [1, 2, 3], tensor([[1, 1], [9, 9], [0, 8]]), { k: 1 }))).toEqual([1, 2, 3]);
  });

  it('errors name the op, the argument and the sizes', () => {
    const x = tensor([[0, 0], [1, 1], [2, 2]]);
    expectError(() => knnAccuracy(x, [0, 1, 0], x, [0, 1, 0], { k: 0 }), ValueError,
      '[knnAccuracy] k must be an integer in [1, 3] (at most the 3 training points): got k = 0');
    expectError(() => knnPredict(x, [0, 1, 0], x, { k: 4 }), ValueError,
      '[knnPredict] k must be an integer in [1, 3] (at most the 3 training points): got k = 4');
    expectError(() => knnPredict(x, [0, 1, 0], x, { k: 1.5 }), ValueError,
      '[knnPredict] k must be an integer in [1, 3] (at most the 3 training points): got k = 1.5');
    expectError(() => knnAccuracy(x, [0, 1], x, [0, 1, 0]), ValueError,
      '[knnAccuracy] trainLabels has 2 entries but trainPoints [3,2] has 3 rows');
    expectError(() => knnAccuracy(x, [0, 1, 0], x, [0, 1], { k: 1 }), ValueError,
      '[knnAccuracy] testLabels has 2 entries but testPoints has 3 rows');
    expectError(() => knnAccuracy(x, [0, 1, 0], tensor([[0, 0, 0]]), [0], { k: 1 }), ShapeError,
      '[knnAccuracy] feature sizes differ: trainPoints [3,2] and testPoints [1,3]: axis 1 has sizes 2 and 3');
    expectError(() => knnAccuracy(tensor([1, 2, 3]), [0, 1, 0], x, [0, 1, 0]), ShapeError,
      '[knnAccuracy] trainPoints must be 2-D [n, d]: got shape [3]');
    expectError(() => knnPredict(x, [0, 0.5, 0], x, { k: 1 }), ValueError,
      '[knnPredict] trainLabels[1] must be an int32 integer: got 0.5');
    expectError(() => knnPredict(tensor([[0, NaN]]), [0], x, { k: 1 }), ValueError,
      '[knnPredict] trainPoints must be finite: element [0,1] of [1,2] is NaN');
    expectError(() => knnAccuracy(x, [0, 1, 0], tensor([], { shape: [0, 2] }), [], { k: 1 }), ValueError,
      '[knnAccuracy] no points to classify: accuracy is undefined for 0 points');
    expectError(() => knnAccuracy([[0, 0]] as unknown as Tensor, [0], x, [0, 1, 0]), ValueError,
      '[knnAccuracy] trainPoints must be a Tensor: got an array');
  });
});

describe('leaveOneOutKnnAccuracy / kNearestNeighbors', () => {
  it('match the reference with each point left out of its own vote (fast-check)', () => {
    fc.assert(
      fc.property(problem, ({ train, labels, k }) => {
        fc.pre(train.length >= 2);
        const kk = Math.min(k, train.length - 1);
        const pred = train.map((q, i) => refVote(sortedNeighbours(q, train, i).slice(0, kk), labels));
        const expected = pred.filter((p, i) => p === labels[i]).length / train.length;
        expect(leaveOneOutKnnAccuracy(tensor(train), labels, { k: kk })).toBe(expected);
        const { indices, distances } = kNearestNeighbors(tensor(train), { k: kk });
        train.forEach((q, i) => {
          const nb = sortedNeighbours(q, train, i).slice(0, kk);
          expect(Array.from(indices.subarray(i * kk, i * kk + kk))).toEqual(nb);
          nb.forEach((j, t) => expect(distances[i * kk + t]).toBeCloseTo(Math.hypot(...q.map((v, c) => v - train[j]![c]!)), 12));
        });
      }),
      { numRuns: 150 },
    );
  });

  it('duplicates of a point are still its neighbours (only the point itself is left out)', () => {
    const x = tensor([[0, 0], [0, 0], [5, 5]]);
    expect(Array.from(kNearestNeighbors(x, { k: 1 }).indices)).toEqual([1, 0, 0]);
    expect(leaveOneOutKnnAccuracy(x, [3, 3, 4], { k: 1 })).toBeCloseTo(2 / 3, 15);
  });

  it('kNearestNeighbors with separate queries', () => {
    const r = kNearestNeighbors(tensor([[0], [3], [1]]), { k: 2, queries: tensor([[2.9], [0]]) });
    expect(Array.from(r.indices)).toEqual([1, 2, 0, 2]);
    expect(Array.from(r.distances).map((v) => Number(v.toFixed(6)))).toEqual([0.1, 1.9, 0, 1]);
  });

  it('exact for wide float32 points far from the origin, with near-ties, at any block size (fast-check)', () => {
    // 12 features: the matmul candidate path in float32. Points sit near 1000 (cancellation) and some are exact or
    // 1e-4 duplicates of others (closer than float32's product resolves); the reference sorts exact float64
    // distances of the stored values.
    const wide = fc.integer({ min: 2, max: 30 }).chain((n) =>
      fc.record({
        rows: fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 12, maxLength: 12 }), { minLength: n, maxLength: n }),
        dup: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.constantFrom(0, 1e-4)), { maxLength: 6 }),
        queries: fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 12, maxLength: 12 }), { minLength: 0, maxLength: 5 }),
        k: fc.integer({ min: 1, max: n - 1 }),
        blockSize: fc.constantFrom(undefined, 1, 4),
      }),
    );
    fc.assert(
      fc.property(wide, ({ rows, dup, queries, k, blockSize }) => {
        const pts = rows.map((r) => r.map((v) => 1000 + v));
        for (const [from, to, eps] of dup) pts[to] = pts[from]!.map((v, c) => (c === 0 ? v + eps : v));
        const X = tensor(pts, { dtype: 'float32' });
        const stored = rowsOf(X);
        const self = kNearestNeighbors(X, { k, blockSize });
        stored.forEach((q, i) => expect(Array.from(self.indices.subarray(i * k, i * k + k))).toEqual(sortedNeighbours(q, stored, i).slice(0, k)));
        if (queries.length > 0) {
          const Q = tensor(queries.map((r) => r.map((v) => 1000 + v / 2)), { dtype: 'float32' });
          const r = kNearestNeighbors(X, { k, queries: Q, blockSize });
          rowsOf(Q).forEach((q, i) => {
            const want = sortedNeighbours(q, stored).slice(0, k);
            expect(Array.from(r.indices.subarray(i * k, i * k + k))).toEqual(want);
            want.forEach((j, t) => expect(r.distances[i * k + t]).toBe(Math.sqrt(stored[j]!.reduce((s, v, c) => s + (v - q[c]!) ** 2, 0))));
          });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('errors', () => {
    const x = tensor([[0], [1], [2]]);
    expectError(() => kNearestNeighbors(x, { k: 1, blockSize: 0 }), ValueError, '[kNearestNeighbors] blockSize must be a positive integer: got 0');
    expectError(() => kNearestNeighbors(x, { k: 1, blockSize: 2.5 }), ValueError, '[kNearestNeighbors] blockSize must be a positive integer: got 2.5');
    expectError(() => leaveOneOutKnnAccuracy(x, [0, 1, 0], { k: 3 }), ValueError,
      '[leaveOneOutKnnAccuracy] k must be an integer in [1, 2] (at most n − 1 = 2 other points): got k = 3');
    expectError(() => leaveOneOutKnnAccuracy(tensor([[0]]), [0], { k: 1 }), ValueError,
      '[leaveOneOutKnnAccuracy] no valid k (at most n − 1 = 0 other points): got k = 1');
    expectError(() => kNearestNeighbors(x, { queries: tensor([[0, 1]]), k: 1 }), ShapeError,
      '[kNearestNeighbors] feature sizes differ: points [3,1] and queries [1,2]: axis 1 has sizes 1 and 2');
  });
});
