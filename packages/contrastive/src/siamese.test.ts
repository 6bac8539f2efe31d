/**
 * The Siamese wrapper: gradcheck with respect to both inputs (float64), the shared weights' gradient as the
 * sum of both branches' contributions (each computed by a separate forward pass through the embedding net,
 * the other branch held constant), and embedPair against two separate embeddings.
 */
import { describe, expect, it } from 'vitest';
import * as A from '@tsgrad/autograd';
import { Linear, Sequential, Tanh } from '@tsgrad/nn';
import { Generator, ShapeError, Tensor, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../testing/errors.js';
import { forward64, gradcheck64 } from '../../../testing/tolerances.js';
import { euclideanDistance } from './distance.js';
import { contrastiveLoss } from './loss.js';
import { Siamese } from './siamese.js';

const Y = [0, 1, 1, 0];

function setup(seed: number): { net: Siamese; x1: Tensor; x2: Tensor } {
  const g = new Generator(seed);
  const net = new Siamese(new Linear(3, 2, { generator: g, dtype: 'float64' }));
  return { net, x1: g.normal([4, 3], { dtype: 'float64' }), x2: g.normal([4, 3], { dtype: 'float64' }) };
}

/** Gradients of the contrastive loss w.r.t. the parameters, with `frozen` branch's embedding a constant. */
function branchGrads(net: Siamese, x1: Tensor, x2: Tensor, frozen: 'none' | 'left' | 'right'): Tensor[] {
  const params = net.parameters();
  let z1 = net.embeddingNet.forward(A.variable(x1));
  let z2 = net.embeddingNet.forward(A.variable(x2));
  if (frozen === 'left') z1 = A.variable(z1.value);
  if (frozen === 'right') z2 = A.variable(z2.value);
  const loss = contrastiveLoss(euclideanDistance(z1, z2), Y, { margin: 2 });
  return A.gradients(loss, params).map((g) => g!.value);
}

describe('Siamese', () => {
  it('passes gradcheck (float64) with respect to both inputs', () => {
    const { net, x1, x2 } = setup(1);
    expect(A.gradcheck((a, b) => net.forward(a, b), [x1, x2], gradcheck64)).toBe(true);
    expect(A.gradcheck((a, b) => contrastiveLoss(net.forward(a, b), Y, { margin: 2 }), [x1, x2], gradcheck64)).toBe(true);
  });

  it('forward is ‖G(x1) − G(x2)‖ and embedPair equals two separate embeddings', () => {
    const { net, x1, x2 } = setup(2);
    const [z1, z2] = net.embedPair(x1, x2);
    const e1 = net.embeddingNet.forward(A.variable(x1)).value, e2 = net.embeddingNet.forward(A.variable(x2)).value;
    expect(z1.value).toBeAllclose(e1, forward64);
    expect(z2.value).toBeAllclose(e2, forward64);
    expect(net.forward(A.variable(x1), A.variable(x2)).value).toBeAllclose(euclideanDistance(e1, e2).value, forward64);
    const [u, v] = net.embedPair(x1, x2.slice([[0, 1]])); // unequal batch sizes split correctly
    expect(u.shape).toEqual([4, 2]);
    expect(v.shape).toEqual([1, 2]);
  });

  it('pairDistances embeds the distinct samples once and takes D per indexed pair; forward is it over both batches', () => {
    const { net, x1, x2 } = setup(5);
    const left = Int32Array.from([0, 0, 3, 2]), right = Int32Array.from([1, 3, 3, 0]);
    const e = net.embeddingNet.forward(A.variable(x1)).value;
    const rows = e.toArray() as number[][];
    const expected = Array.from(left, (i, p) => Math.hypot(...rows[i]!.map((v, c) => v - rows[right[p]!]![c]!)));
    const d = net.pairDistances(x1, left, right);
    expect(d.shape).toEqual([4]);
    expect(d.value).toBeAllclose(tensor(expected, { dtype: 'float64' }), forward64);
    expect(d.value.data[2]).toBe(0); // a pair of one sample with itself
    // A batch of one pairs with every row of the other.
    const one = x2.slice([[1, 2]]);
    const e2 = net.embeddingNet.forward(A.variable(one)).value;
    expect(net.forward(A.variable(x1), A.variable(one)).value).toBeAllclose(euclideanDistance(e, e2).value, forward64);
    expect(net.forward(A.variable(one), A.variable(x1)).value).toBeAllclose(euclideanDistance(e2, e).value, forward64);
    expectError(() => net.forward(A.variable(x1), A.variable(x2.slice([[0, 2]]))), ShapeError,
      '[Siamese.forward] x1 and x2 must hold as many samples (or one of them one): got shapes [4,3] and [2,3]');
  });

  it('the shared weights get the sum of both branches’ contributions', () => {
    const { net, x1, x2 } = setup(3);
    const loss = contrastiveLoss(net.forward(A.variable(x1), A.variable(x2)), Y, { margin: 2 });
    net.zeroGrad();
    loss.backward();
    const viaSiamese = net.parameters().map((p) => p.grad!);
    const left = branchGrads(net, x1, x2, 'right'); // only the first branch varies
    const right = branchGrads(net, x1, x2, 'left');
    const both = branchGrads(net, x1, x2, 'none');
    viaSiamese.forEach((g, i) => {
      expect(g).toBeAllclose(left[i]!.add(right[i]!), forward64);
      expect(g).toBeAllclose(both[i]!, forward64);
      // Each branch contributes something: the sum is not just one of them.
      expect(left[i]!.abs().max().item()).toBeGreaterThan(1e-6);
      expect(right[i]!.abs().max().item()).toBeGreaterThan(1e-6);
    });
  });

  it('works with a deeper embedding net and registers its parameters once', () => {
    const g = new Generator(4);
    const inner = new Sequential(new Linear(3, 5, { generator: g, dtype: 'float64' }), new Tanh(), new Linear(5, 2, { generator: g, dtype: 'float64' }));
    const net = new Siamese(inner);
    const ps = net.parameters();
    expect(ps.length).toBe(4);
    ps.forEach((p, i) => expect(p).toBe(inner.parameters()[i]));
    const x1 = g.normal([3, 3], { dtype: 'float64' }), x2 = g.normal([3, 3], { dtype: 'float64' });
    expect(A.gradcheck((a, b) => net.forward(a, b), [x1, x2], gradcheck64)).toBe(true);
  });
});
