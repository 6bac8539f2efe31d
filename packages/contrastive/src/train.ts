/** Training a Siamese network on pairs, and embedding new samples with the learned map. */
import * as A from '@tsgrad/autograd';
import { Module, optim } from '@tsgrad/nn';
import { Tensor, ValueError, concat, slice, tensor } from '@tsgrad/tensor';
import { contrastiveLoss } from './loss.js';
import type { PairBatch, PairSampler } from './sampler.js';
import { Siamese } from './siamese.js';

/** What onProgress receives after each batch. */
export interface Progress {
  /** The current epoch, from 0. */
  epoch: number;
  /** Epochs in the run. */
  epochs: number;
  /** The batch just trained, from 0 within its epoch. */
  batch: number;
  /** Batches in this epoch. */
  batches: number;
  /** This batch's mean loss. */
  loss: number;
  /** Pairs trained per second so far. */
  pairsPerSecond: number;
  /** Seconds since fit started, and the estimate of those left. */
  elapsed: number;
  /** Estimated seconds left, from the mean time per batch so far. */
  remaining: number;
}

/** Options of `fit`. */
export interface FitOptions {
  /** Passes over the sampler's pairs (a positive integer). */
  epochs: number;
  /** Steps the Siamese network's parameters after each batch. */
  optimizer: optim.Optimizer<{ lr: number }>;
  /** Stepped once per epoch. */
  schedule?: optim.LRScheduler;
  /** DrLIM's margin m of the default loss, contrastiveLoss (default 1). Not with `loss`: give that one its own margin. */
  margin?: number;
  /** The pair loss from distances and labels (default: contrastiveLoss with `margin`). Not with `margin`. */
  loss?: PairLoss;
  /** Called after each batch. */
  onProgress?: (p: Progress) => void;
  /** Called after each epoch with its mean loss. */
  onEpoch?: (epoch: number, meanLoss: number) => void;
}

/**
 * A loss over a batch of pairs: `distance` holds D_W per pair, [P], and `y` the pairs' labels (0 similar,
 * 1 dissimilar, as in the paper), a [P] tensor in the same dtype as `distance` (the model's: float64 labels for
 * a float64 model). Returns a scalar to minimise.
 */
export type PairLoss = (distance: A.Variable, y: Tensor) => A.Variable;

/** What `fit` returns: the loss curve and the throughput. */
export interface History {
  /** Mean loss of each epoch. */
  epochLoss: number[];
  /** Loss of every batch, in order. */
  batchLoss: number[];
  /** Pairs trained per second over the whole run. */
  pairsPerSecond: number;
  /** Wall time of the run. */
  seconds: number;
}

/**
 * One optimiser step on one batch of pairs: D = `siamese.pairDistances(inputs, batch.left, batch.right)` (the
 * batch's distinct samples `inputs`, in the order of `batch.samples`, embedded once; D = ‖G_W(x_left) −
 * G_W(x_right)‖ per pair), and a step of `optimizer` on `loss(D, y)` with the labels `batch.y` as a tensor of D's
 * dtype (default loss: the DrLIM contrastive loss with margin 1). ∂L/∂W reaches the shared weights through
 * both branches, so it is the sum of their contributions. Returns the batch's loss. `fit` is this, per batch,
 * per epoch; use it directly to train a batch at a time (e.g. in a worker that must yield between batches).
 */
export function trainStep(
  siamese: Siamese, inputs: Tensor, batch: Pick<PairBatch, 'left' | 'right' | 'y'>, optimizer: optim.Optimizer<{ lr: number }>,
  loss: PairLoss = (d, y) => contrastiveLoss(d, y),
): number {
  siamese.train();
  const distance = siamese.pairDistances(inputs, batch.left, batch.right);
  const value = loss(distance, tensor(batch.y, { dtype: distance.dtype }));
  optimizer.zeroGrad();
  value.backward();
  optimizer.step();
  return value.item();
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Trains `siamese` on the sampler's pairs: per batch, embed the batch's distinct samples once, take
 * D = ‖G_W(x_i) − G_W(x_j)‖ for each pair, and step the optimiser on the mean contrastive loss. Deterministic
 * for a seeded sampler and model.
 */
export function fit(siamese: Siamese, sampler: PairSampler, opts: FitOptions): History {
  if (!(siamese instanceof Siamese)) throw new ValueError(`[fit] expected a Siamese model`);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new ValueError(`[fit] epochs must be a positive integer: got ${String(opts.epochs)}`);
  if (opts.margin !== undefined && opts.loss !== undefined) {
    throw new ValueError(`[fit] margin and loss are both given: margin (${String(opts.margin)}) only configures the default contrastiveLoss, so it would be ignored; pass the margin to your loss instead`);
  }
  const margin = opts.margin ?? 1;
  const lossOf: PairLoss = opts.loss ?? ((d, y) => contrastiveLoss(d, y, { margin }));
  const history: History = { epochLoss: [], batchLoss: [], pairsPerSecond: 0, seconds: 0 };
  const t0 = now();
  let pairsDone = 0;
  const totalBatches = opts.epochs * sampler.batchesPerEpoch;
  let batchesDone = 0;
  for (let e = 0; e < opts.epochs; e++) {
    const batches = sampler.epoch();
    let sum = 0;
    batches.forEach((b, bi) => {
      const l = trainStep(siamese, sampler.inputs(b), b, opts.optimizer, lossOf);
      sum += l;
      history.batchLoss.push(l);
      pairsDone += b.y.length;
      batchesDone++;
      if (opts.onProgress) {
        const elapsed = (now() - t0) / 1000;
        opts.onProgress({
          epoch: e, epochs: opts.epochs, batch: bi, batches: batches.length, loss: l,
          pairsPerSecond: pairsDone / Math.max(elapsed, 1e-9), elapsed,
          remaining: (elapsed / batchesDone) * (totalBatches - batchesDone),
        });
      }
    });
    const mean = sum / Math.max(batches.length, 1);
    history.epochLoss.push(mean);
    opts.onEpoch?.(e, mean);
    opts.schedule?.step();
  }
  history.seconds = (now() - t0) / 1000;
  history.pairsPerSecond = pairsDone / Math.max(history.seconds, 1e-9);
  return history;
}

/**
 * G_W(X) for new samples, in batches under noGrad (no graph is recorded), in evaluation mode. `net` is a
 * Siamese model or its embedding network.
 */
export function embed(net: Module, X: Tensor, opts: { batchSize?: number } = {}): Tensor {
  const bs = opts.batchSize ?? 256;
  if (!(X instanceof Tensor) || X.ndim < 1) throw new ValueError(`[embed] X must be a tensor with samples along axis 0`);
  const wasTraining = net.training;
  net.eval();
  try {
    return A.noGrad(() => {
      const parts: Tensor[] = [];
      const n = X.shape[0]!;
      for (let s = 0; s < n; s += bs) {
        const xb = slice(X, [[s, Math.min(n, s + bs)]]);
        parts.push((net instanceof Siamese ? net.embed(xb) : net.forward(A.asVariable(xb))).value);
      }
      if (parts.length === 0) throw new ValueError(`[embed] X has no samples`);
      return concat(parts, 0);
    });
  } finally {
    net.train(wasTraining);
  }
}
