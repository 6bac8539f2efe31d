import * as A from '@tsgrad/autograd';
import type { Variable, VariableLike } from '@tsgrad/autograd';
import { Module } from '@tsgrad/nn';
import { euclideanDistance } from './distance.js';

/**
 * A Siamese architecture: one embedding network G_W applied to both members of a pair, with shared weights.
 * Both branches run in one batched forward pass (concatenate, embed, split), so the weights' gradient is the
 * sum of both branches' contributions by construction.
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

  /** D_W(x1, x2) = ‖G_W(x1) − G_W(x2)‖₂ per pair. */
  forward(x1: Variable, x2: Variable): Variable {
    const [z1, z2] = this.embedPair(x1, x2);
    return euclideanDistance(z1, z2);
  }
}
