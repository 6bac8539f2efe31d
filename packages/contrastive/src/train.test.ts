/**
 * fit and embed: exact determinism of the loss history for a seed, embed under noGrad (same values as a forward
 * pass, no graph, mode restored), errors, and an end-to-end run that separates two Gaussian blobs in 8-D well
 * enough for held-out k-NN accuracy ≥ 0.95.
 */
import { describe, expect, it } from 'vitest';
import * as A from '@tsgrad/autograd';
import { Linear, Module, Sequential, Tanh, optim } from '@tsgrad/nn';
import { Generator, Tensor, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../testing/errors.js';
import { forward64 } from '../../../testing/tolerances.js';
import { knnAccuracy } from './eval/index.js';
import { pairsFromLabels, pairsFromNeighbors } from './pairs.js';
import { PairSampler } from './sampler.js';
import { Siamese } from './siamese.js';
import { embed, fit, trainStep, type Progress } from './train.js';
import { contrastiveLoss } from './loss.js';

/**
 * Two classes in 8-D that differ only along axis 0 (means ±2, std 0.4) under noise of std 1.5 on the other
 * seven axes, so a random 8 → 2 projection mixes them and the map has to learn to keep axis 0.
 */
function blobs(n: number, g: Generator): { X: Tensor; labels: number[] } {
  const rows: number[][] = [], labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    rows.push(Array.from({ length: 8 }, (_, k) => (k === 0 ? (c ? 2 : -2) + 0.4 * g.nextNormal() : 1.5 * g.nextNormal())));
    labels.push(c);
  }
  return { X: tensor(rows), labels };
}

function run(seed: number): { history: ReturnType<typeof fit>; net: Siamese } {
  const g = new Generator(seed);
  const { X, labels } = blobs(24, g);
  const net = new Siamese(new Sequential(new Linear(8, 4, { generator: g }), new Tanh(), new Linear(4, 2, { generator: g })));
  const sampler = new PairSampler(X, pairsFromLabels(labels), { batchSize: 32, generator: g.spawn() });
  const history = fit(net, sampler, { epochs: 3, optimizer: new optim.Adam(net.parameters(), { lr: 0.02 }) });
  return { history, net };
}

describe('fit', () => {
  it('the same seed gives an identical loss history (exact equality) and identical weights', () => {
    const a = run(7), b = run(7);
    expect(a.history.batchLoss.length).toBeGreaterThan(3);
    expect(a.history.batchLoss).toEqual(b.history.batchLoss);
    expect(a.history.epochLoss).toEqual(b.history.epochLoss);
    a.net.parameters().forEach((p, i) => expect(p.value).toBeAllclose(b.net.parameters()[i]!.value, { rtol: 0, atol: 0 }));
    expect(run(8).history.batchLoss).not.toEqual(a.history.batchLoss);
  });

  it('epoch losses are the means of their batch losses; callbacks see every batch and epoch', () => {
    const g = new Generator(1);
    const { X, labels } = blobs(16, g);
    const net = new Siamese(new Linear(8, 2, { generator: g }));
    const sampler = new PairSampler(X, pairsFromLabels(labels), { batchSize: 20, generator: g.spawn() });
    const progress: Progress[] = [], epochs: [number, number][] = [];
    const h = fit(net, sampler, {
      epochs: 2, optimizer: new optim.SGD(net.parameters(), { lr: 0.01 }),
      onProgress: (p) => progress.push(p), onEpoch: (e, l) => epochs.push([e, l]),
    });
    const per = sampler.batchesPerEpoch;
    expect(h.batchLoss.length).toBe(2 * per);
    expect(progress.map((p) => [p.epoch, p.batch])).toEqual([0, 1].flatMap((e) => Array.from({ length: per }, (_, b) => [e, b])));
    expect(progress.map((p) => p.loss)).toEqual(h.batchLoss);
    expect(progress.at(-1)!.remaining).toBe(0);
    for (let e = 0; e < 2; e++) {
      const mean = h.batchLoss.slice(e * per, (e + 1) * per).reduce((s, v) => s + v, 0) / per;
      expect(h.epochLoss[e]).toBeCloseTo(mean, 12);
    }
    expect(epochs).toEqual(h.epochLoss.map((l, e) => [e, l]));
  });

  it('is trainStep per batch: stepping batch by batch by hand gives the same losses and weights', () => {
    const make = () => {
      const g = new Generator(3);
      const { X, labels } = blobs(16, g);
      const net = new Siamese(new Linear(8, 2, { generator: g }));
      const sampler = new PairSampler(X, pairsFromLabels(labels), { batchSize: 20, generator: g.spawn() });
      return { net, sampler, optimizer: new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 }) };
    };
    const a = make(), b = make();
    const h = fit(a.net, a.sampler, { epochs: 2, optimizer: a.optimizer, margin: 1.5 });
    const losses: number[] = [];
    for (let e = 0; e < 2; e++) {
      for (const batch of b.sampler.epoch()) {
        losses.push(trainStep(b.net, b.sampler.inputs(batch), batch, b.optimizer, (d, y) => contrastiveLoss(d, y, { margin: 1.5 })));
      }
    }
    expect(losses).toEqual(h.batchLoss);
    a.net.parameters().forEach((p, i) => expect(p.value).toBeAllclose(b.net.parameters()[i]!.value, { rtol: 0, atol: 0 }));
  });

  it('trainStep returns the batch loss before the step and moves the weights by -lr times its gradient', () => {
    const net = new Siamese(new Linear(3, 2, { generator: new Generator(4) }));
    const twin = new Siamese(new Linear(3, 2, { generator: new Generator(4) }));
    const rows = [[1, 0, 2], [0, 1, -1], [2, 2, 0]];
    const x = tensor(rows);
    const batch = { left: Int32Array.from([0, 0]), right: Int32Array.from([1, 2]), y: Float32Array.from([0, 1]) };
    const lossOf = (d: A.Variable, y: Tensor | Float32Array) => contrastiveLoss(d, y, { margin: 3 });
    // The loss by hand: z = W·x + b, pair (0,1) similar, pair (0,2) dissimilar with m = 3, mean of the two.
    const W = Array.from(net.embeddingNet.parameters()[0]!.value.data), b = Array.from(net.embeddingNet.parameters()[1]!.value.data);
    const z = rows.map((r) => [0, 1].map((o) => W[3 * o]! * r[0]! + W[3 * o + 1]! * r[1]! + W[3 * o + 2]! * r[2]! + b[o]!));
    const dist = (i: number, j: number) => Math.hypot(z[i]![0]! - z[j]![0]!, z[i]![1]! - z[j]![1]!);
    const expected = (0.5 * dist(0, 1) ** 2 + 0.5 * Math.max(0, 3 - dist(0, 2)) ** 2) / 2;
    expect(expected).toBeGreaterThan(0);
    const lr = 0.1;
    const l = trainStep(net, x, batch, new optim.SGD(net.parameters(), { lr }), lossOf);
    expect(l).toBeCloseTo(expected, 5);
    // The step: the twin's gradient from the same loss by backward, then W − lr·∂L/∂W.
    const zt = twin.embed(x);
    lossOf(A.norm(A.sub(A.gather(zt, batch.left), A.gather(zt, batch.right)), { axis: 1 }), batch.y).backward();
    // The bias cancels in z_i − z_j, so only W has a gradient.
    expect(twin.parameters()[0]!.grad!.data.some((v) => v !== 0)).toBe(true);
    twin.parameters().forEach((p, i) => {
      expect(net.parameters()[i]!.value).toBeAllclose(p.value.sub(p.grad!.mul(lr)), { rtol: 1e-6, atol: 1e-7 });
    });
  });

  it('rejects a non-Siamese model and a bad epoch count', () => {
    const g = new Generator(2);
    const { X, labels } = blobs(6, g);
    const lin = new Linear(8, 2, { generator: g });
    const sampler = new PairSampler(X, pairsFromLabels(labels));
    const optimizer = new optim.SGD(lin.parameters(), { lr: 0.1 });
    expectError(() => fit(lin as unknown as Siamese, sampler, { epochs: 1, optimizer }), ValueError, '[fit] expected a Siamese model');
    expectError(() => fit(new Siamese(lin), sampler, { epochs: 0, optimizer }), ValueError, '[fit] epochs must be a positive integer: got 0');
    expectError(() => fit(new Siamese(lin), sampler, { epochs: 1.5, optimizer }), ValueError, '[fit] epochs must be a positive integer: got 1.5');
  });

  it('rejects margin and loss together, naming both, instead of letting one win', () => {
    const g = new Generator(2);
    const { X, labels } = blobs(6, g);
    const net = new Siamese(new Linear(8, 2, { generator: g }));
    const sampler = new PairSampler(X, pairsFromLabels(labels));
    const optimizer = new optim.SGD(net.parameters(), { lr: 0.1 });
    expectError(
      () => fit(net, sampler, { epochs: 1, optimizer, margin: 2, loss: (d, y) => contrastiveLoss(d, y, { margin: 3 }) }), ValueError,
      '[fit] margin and loss are both given: margin (2) only configures the default contrastiveLoss, so it would be ignored; pass the margin to your loss instead',
    );
    // Either one alone is fine, and the margin reaches the default loss: same seed, same losses.
    const fresh = (): { net: Siamese; sampler: PairSampler; optimizer: optim.SGD } => {
      const h = new Generator(3);
      const data = blobs(6, h);
      const m = new Siamese(new Linear(8, 2, { generator: h }));
      return { net: m, sampler: new PairSampler(data.X, pairsFromLabels(data.labels), { generator: h.spawn() }), optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }) };
    };
    const a = fresh(), b = fresh(), c = fresh();
    const withMargin = fit(a.net, a.sampler, { epochs: 2, optimizer: a.optimizer, margin: 2 });
    const withLoss = fit(b.net, b.sampler, { epochs: 2, optimizer: b.optimizer, loss: (d, y) => contrastiveLoss(d, y, { margin: 2 }) });
    expect(fit(c.net, c.sampler, { epochs: 2, optimizer: c.optimizer }).batchLoss).not.toEqual(withMargin.batchLoss);
    expect(withLoss.batchLoss).toEqual(withMargin.batchLoss);
  });

  it('the loss receives the labels as a tensor in the model dtype (float64 model: float64 labels)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const g = new Generator(5);
      const net = new Siamese(new Linear(3, 2, { generator: g, dtype }));
      const x = g.normal([4, 3], { dtype });
      const batch = { left: Int32Array.from([0, 1, 2]), right: Int32Array.from([1, 2, 3]), y: Float32Array.from([0, 1, 0]) };
      const seen: Tensor[] = [];
      trainStep(net, x, batch, new optim.SGD(net.parameters(), { lr: 0.1 }), (d, y) => {
        seen.push(y);
        expect(d.dtype).toBe(dtype);
        return contrastiveLoss(d, y);
      });
      expect(seen.length).toBe(1);
      expect(seen[0]!).toBeInstanceOf(Tensor);
      expect(seen[0]!.dtype).toBe(dtype);
      expect(seen[0]!.shape).toEqual([3]);
      expect(Array.from(seen[0]!.data)).toEqual([0, 1, 0]);
    }
  });

  it('trainStep takes its distances from Siamese.pairDistances, the one DrLIM path', () => {
    const calls: number[] = [];
    class Recording extends Siamese {
      override pairDistances(inputs: A.VariableLike, left: Int32Array, right: Int32Array): A.Variable {
        calls.push(left.length);
        return super.pairDistances(inputs, left, right);
      }
    }
    const g = new Generator(6);
    const { X, labels } = blobs(8, g);
    const net = new Recording(new Linear(8, 2, { generator: g }));
    const sampler = new PairSampler(X, pairsFromLabels(labels), { batchSize: 10, generator: g.spawn() });
    const h = fit(net, sampler, { epochs: 1, optimizer: new optim.SGD(net.parameters(), { lr: 0.01 }) });
    expect(calls.length).toBe(h.batchLoss.length);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(sampler.epoch().reduce((a, b) => a + b.y.length, 0));
  });
});

/** Wraps a module and records every output Variable its forward produces. */
class Spy extends Module {
  outputs: A.Variable[] = [];
  modes: boolean[] = [];
  constructor(readonly inner: Module) {
    super();
  }
  forward(x: A.Variable): A.Variable {
    const y = this.inner.forward(x);
    this.outputs.push(y);
    this.modes.push(this.training);
    return y;
  }
}

describe('embed', () => {
  const g = new Generator(3);
  const X = g.normal([7, 3], { dtype: 'float64' });

  it('equals a forward pass, in batches, records no graph, runs in eval mode and restores the mode', () => {
    const spy = new Spy(new Sequential(new Linear(3, 4, { generator: g, dtype: 'float64' }), new Tanh(), new Linear(4, 2, { generator: g, dtype: 'float64' })));
    const net = new Siamese(spy);
    const want = net.embed(X).value; // with a graph
    spy.outputs = [];
    spy.modes = [];
    for (const model of [net, spy] as Module[]) {
      const got = embed(model, X, { batchSize: 3 });
      expect(got.shape).toEqual([7, 2]);
      expect(got).toBeAllclose(want, forward64);
    }
    expect(spy.outputs.length).toBe(6); // ceil(7/3) batches, twice
    for (const y of spy.outputs) {
      expect(y.requiresGrad).toBe(false);
      expect(y.node).toBeNull();
    }
    expect(spy.modes.every((m) => m === false)).toBe(true);
    expect(net.training).toBe(true);
    net.eval();
    embed(net, X);
    expect(net.training).toBe(false);
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    expect(A.isGradEnabled()).toBe(true);
  });

  it('rejects a non-tensor and an empty batch', () => {
    const lin = new Linear(3, 2, { generator: g, dtype: 'float64' });
    expectError(() => embed(lin, [[1, 2, 3]] as unknown as Tensor), ValueError, '[embed] X must be a tensor with samples along axis 0');
    expectError(() => embed(lin, tensor(new Float64Array(0), { shape: [0, 3], dtype: 'float64' })), ValueError, '[embed] X has no samples');
  });
});

describe('end to end', () => {
  it.each(['labels', 'neighbours'] as const)('separates two Gaussian blobs in 8-D (pairs from %s): held-out kNN accuracy ≥ 0.95', (source) => {
    const g = new Generator(2024);
    const train = blobs(60, g), test = blobs(100, g);
    const net = new Siamese(new Linear(8, 2, { generator: g }));
    const before = knnAccuracy(embed(net, train.X), train.labels, embed(net, test.X), test.labels, { k: 5 });
    expect(before).toBeLessThan(0.9); // the random initial map mixes the classes (0.78 for this seed)
    // 'neighbours': the kNN graph of the informative coordinate, i.e. unsupervised pairs from prior knowledge of which axis matters.
    const pairs = source === 'labels' ? pairsFromLabels(train.labels) : pairsFromNeighbors(train.X.slice([[0, 60], [0, 1]]), { k: 4 });
    const sampler = new PairSampler(train.X, pairs, { batchSize: 64, generator: g.spawn() });
    const h = fit(net, sampler, { epochs: 8, margin: 2, optimizer: new optim.Adam(net.parameters(), { lr: 0.05 }) });
    expect(h.epochLoss.at(-1)!).toBeLessThan(h.epochLoss[0]!);
    const acc = knnAccuracy(embed(net, train.X), train.labels, embed(net, test.X), test.labels, { k: 5 });
    expect(acc).toBeGreaterThanOrEqual(0.95);
  });
});
