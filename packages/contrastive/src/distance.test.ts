/**
 * Distances between embedding batches: values against hand-computed numbers, gradients finite and zero where
 * the embeddings coincide (also through a Siamese network), and float64 gradchecks away from D = 0.
 */
import { describe, expect, it } from 'vitest';
import * as A from '@tsgrad/autograd';
import { Linear, Sequential, Tanh } from '@tsgrad/nn';
import { Generator, Tensor, tensor } from '@tsgrad/tensor';
import { forward64, gradcheck64 } from '../../../testing/tolerances.js';
import { contrastiveLoss } from './loss.js';
import { cosineDistance, euclideanDistance, squaredEuclideanDistance } from './distance.js';
import { Siamese } from './siamese.js';

const f64 = (x: number[][]): Tensor => tensor(x, { dtype: 'float64' });
const allFinite = (t: Tensor): boolean => Array.from(t.toTypedArray()).every(Number.isFinite);

describe('euclideanDistance', () => {
  it('is ‖a − b‖₂ over the last axis', () => {
    const d = euclideanDistance(f64([[3, 4], [1, 1], [0, 0]]), f64([[0, 0], [1, 1], [-1, 2]]));
    expect(d.shape).toEqual([3]);
    expect(d.value).toBeAllclose([5, 0, Math.sqrt(5)], forward64);
  });

  it('broadcasts a single row against a batch', () => {
    expect(euclideanDistance(f64([[1, 2, 2]]), f64([[1, 2, 2], [0, 0, 0]])).value).toBeAllclose([0, 3], forward64);
  });

  it('has gradient (a − b)/D away from 0 and exactly 0 (never NaN) where a = b', () => {
    const a = A.variable(f64([[3, 4], [1, 1]]), { requiresGrad: true });
    const b = A.variable(f64([[0, 0], [1, 1]]), { requiresGrad: true });
    const [ga, gb] = A.gradients(A.sum(euclideanDistance(a, b)), [a, b]);
    expect(ga!.value).toBeAllclose([[0.6, 0.8], [0, 0]], forward64);
    expect(gb!.value).toBeAllclose([[-0.6, -0.8], [0, 0]], forward64);
    expect(allFinite(ga!.value) && allFinite(gb!.value)).toBe(true);
  });

  it('a similar pair at D = 0 through the contrastive loss gives zero, finite gradients', () => {
    const a = A.variable(f64([[0.5, -1, 2]]), { requiresGrad: true });
    for (const y of [0, 1]) {
      const [g] = A.gradients(contrastiveLoss(euclideanDistance(a, f64([[0.5, -1, 2]])), [y]), [a]);
      expect(g!.value).toBeAllclose([[0, 0, 0]], { rtol: 0, atol: 0 });
    }
  });

  it('a Siamese network with identical inputs gives D = 0 and finite, zero weight gradients', () => {
    const g = new Generator(11);
    const net = new Siamese(new Sequential(new Linear(3, 4, { generator: g, dtype: 'float64' }), new Tanh(), new Linear(4, 2, { generator: g, dtype: 'float64' })));
    const x = g.normal([5, 3], { dtype: 'float64' });
    const d = net.forward(A.variable(x), A.variable(x));
    expect(d.value).toBeAllclose([0, 0, 0, 0, 0], { rtol: 0, atol: 0 });
    contrastiveLoss(d, [0, 1, 0, 1, 0]).backward();
    const params = net.parameters();
    expect(params.length).toBe(4);
    for (const p of params) {
      expect(p.grad).not.toBeNull();
      expect(allFinite(p.grad!)).toBe(true);
      expect(p.grad!).toBeAllclose(zerosOf(p.shape), { rtol: 0, atol: 0 });
    }
  });
});

function zerosOf(shape: readonly number[]): Tensor {
  return tensor(new Float64Array(shape.reduce((a, b) => a * b, 1)), { shape, dtype: 'float64' });
}

describe('squaredEuclideanDistance and cosineDistance', () => {
  it('squared distance is Σ(a − b)², with gradient 2(a − b)', () => {
    const a = A.variable(f64([[3, 4], [1, -2]]), { requiresGrad: true });
    const d = squaredEuclideanDistance(a, f64([[0, 0], [1, 1]]));
    expect(d.value).toBeAllclose([25, 9], forward64);
    const [g] = A.gradients(A.sum(d), [a]);
    expect(g!.value).toBeAllclose([[6, 8], [0, -6]], forward64);
  });

  it('cosine distance is 1 − cos: 0 for parallel, 1 for orthogonal, 2 for opposite, 1 − 1/√2 at 45°', () => {
    const d = cosineDistance(f64([[1, 1], [1, 0], [1, 0], [2, 0]]), f64([[2, 2], [0, 3], [-4, 0], [1, 1]]));
    expect(d.value).toBeAllclose([0, 1, 2, 1 - Math.SQRT1_2], forward64);
  });

  it('cosine distance of a zero vector is 1 (finite, thanks to eps)', () => {
    const a = A.variable(f64([[0, 0, 0]]), { requiresGrad: true });
    const d = cosineDistance(a, f64([[1, 2, 3]]));
    expect(d.value).toBeAllclose([1], forward64);
    const [g] = A.gradients(A.sum(d), [a]);
    expect(allFinite(g!.value)).toBe(true);
  });
});

describe('gradcheck (float64) away from D = 0', () => {
  const g = new Generator(5);
  const a = g.normal([4, 3], { dtype: 'float64' });
  const b = g.normal([4, 3], { dtype: 'float64' });
  it.each([
    ['euclideanDistance', euclideanDistance],
    ['squaredEuclideanDistance', squaredEuclideanDistance],
    ['cosineDistance', (x: A.Variable, y: A.Variable) => cosineDistance(x, y)],
  ] as const)('%s', (_name, f) => {
    expect(A.gradcheck((x, y) => f(x, y), [a, b], gradcheck64)).toBe(true);
  });
});
