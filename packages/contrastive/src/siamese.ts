import * as A from '@tsgrad/autograd';
import type { Variable, VariableLike } from '@tsgrad/autograd';
import { Module } from '@tsgrad/nn';
import { ShapeError, fmtShape, type IndexLike } from '@tsgrad/tensor';
import { euclideanDistance } from './distance.js';

/** 0, 1, …, n − 1 from `start`, or n copies of `start` when `repeat` (a batch of one broadcast to n pairs). */
function positions(start: number, n: number, repeat: boolean): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = repeat ? start : start + i;
  return out;
}

/**
 * A Siamese architecture: one embedding network G_W applied to both members of a pair, with shared weights.
 * Both branches run in one batched forward pass, so the weights' gradient is the sum of both branches'
 * contributions by construction.
 *
 * {@link Siamese.pairDistances} is the one place where DrLIM's pair distances D_W are computed: `trainStep`
 * (and so `fit`), `forward`, the benchmark and the browser demo all go through it.
 */
export class Siamese extends Module {
  /** Shares one `embeddingNet` (G_W) between both branches: there is one set of weights W. */
  constructor(readonly embeddingNet: Module) {
    super();
  }

  /** G_W(x) for a batch. */
  embed(x: VariableLike): Variable {
    return this.embeddingNet.forward(A.asVariable(x));
  }

  /** [G_W(x1), G_W(x2)], computed as one forward pass over the concatenated batch. */
  embedPair(x1: VariableLike, x2: VariableLike): [Variable, Variable] {
    const a = A.asVariable(x1), b = A.asVariable(x2);
    const z = this.embed(A.concat([a, b], 0));
    const [z1, z2] = A.split(z, [a.shape[0]!, b.shape[0]!], 0);
    return [z1!, z2!];
  }

  /**
   * DrLIM's pair distances over one batch of distinct samples: G_W embeds each row of `inputs` once, and
   * D_W[p] = ‖G_W(inputs[left[p]]) − G_W(inputs[right[p]])‖₂ for each pair p (a PairBatch's `left`/`right`
   * index its `samples`, the rows of `sampler.inputs(batch)`). A sample in several pairs is embedded once, and
   * ∂D/∂W sums over every pair it is in, through both branches. Returns [P], in the model's dtype.
   */
  pairDistances(inputs: VariableLike, left: IndexLike, right: IndexLike): Variable {
    const z = this.embed(inputs);
    return euclideanDistance(A.gather(z, left), A.gather(z, right));
  }

  /**
   * D_W(x1, x2) = ‖G_W(x1) − G_W(x2)‖₂ per pair (row i of x1 with row i of x2; a batch of one pairs with every
   * row of the other), as {@link Siamese.pairDistances} over the concatenated batch.
   */
  forward(x1: Variable, x2: Variable): Variable {
    const a = A.asVariable(x1), b = A.asVariable(x2);
    const n1 = a.shape[0], n2 = b.shape[0];
    if (a.ndim < 1 || b.ndim < 1 || (n1 !== n2 && n1 !== 1 && n2 !== 1)) {
      throw new ShapeError(`[Siamese.forward] x1 and x2 must hold as many samples (or one of them one): got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
    }
    const n = Math.max(n1!, n2!);
    return this.pairDistances(A.concat([a, b], 0), positions(0, n, n1 === 1), positions(n1!, n, n2 === 1));
  }
}
