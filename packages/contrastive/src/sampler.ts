/**
 * Balanced batches of pairs. Each epoch takes every similar pair once, draws as many dissimilar pairs afresh
 * (uniformly among all pairs not in the similar set), shuffles them together and cuts them into batches.
 * A batch lists its distinct samples once, so the network embeds each sample once per batch however many
 * pairs it appears in.
 */
import { Generator, Tensor, ValueError, gather } from '@tsgrad/tensor';
import { Pairs } from './pairs.js';

/** One batch of pairs over a set of distinct samples. */
export interface PairBatch {
  /** Indices (into the data) of the distinct samples in this batch, in first-use order. */
  samples: Int32Array;
  /** For pair p, the position in `samples` of its first member. */
  left: Int32Array;
  /** For pair p, the position in `samples` of its second member. */
  right: Int32Array;
  /** Pair labels: 0 similar, 1 dissimilar. */
  y: Float32Array;
}

/** Options of `PairSampler`. */
export interface PairSamplerOptions {
  /** Pairs per batch (default 64). */
  batchSize?: number;
  /** Dissimilar pairs drawn per similar pair each epoch (default 1). */
  dissimilarPerSimilar?: number;
  /** Source of all randomness (default: a Generator seeded with 0). */
  generator?: Generator;
}

/**
 * Draws each epoch's balanced, shuffled batches of labelled pairs (Y = 0 similar, Y = 1 dissimilar) over a
 * data tensor, from a seeded Generator, so a run is reproducible.
 */
export class PairSampler {
  /** Pairs per batch. */
  readonly batchSize: number;
  /** Dissimilar pairs drawn per similar pair each epoch. */
  readonly dissimilarPerSimilar: number;
  /** The source of every draw; epoch() advances it. */
  readonly generator: Generator;
  /** Number of samples (data.shape[0]). */
  readonly n: number;

  /** `data` holds the samples along axis 0; `pairs` the similar pairs over them. */
  constructor(readonly data: Tensor, readonly pairs: Pairs, opts: PairSamplerOptions = {}) {
    if (!(data instanceof Tensor) || data.ndim < 1) throw new ValueError(`[PairSampler] data must be a tensor with samples along axis 0`);
    if (!(pairs instanceof Pairs)) throw new ValueError(`[PairSampler] pairs must be a Pairs set`);
    this.n = data.shape[0]!;
    if (pairs.n !== this.n) throw new ValueError(`[PairSampler] pairs are over ${pairs.n} samples but data has ${this.n}`);
    if (pairs.size === 0) throw new ValueError(`[PairSampler] the similar set is empty`);
    this.batchSize = opts.batchSize ?? 64;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new ValueError(`[PairSampler] batchSize must be a positive integer: got ${String(opts.batchSize)}`);
    this.dissimilarPerSimilar = opts.dissimilarPerSimilar ?? 1;
    if (!(this.dissimilarPerSimilar >= 0) || !Number.isFinite(this.dissimilarPerSimilar)) {
      throw new ValueError(`[PairSampler] dissimilarPerSimilar must be a non-negative number: got ${String(opts.dissimilarPerSimilar)}`);
    }
    const total = (this.n * (this.n - 1)) / 2;
    if (this.dissimilarPerSimilar > 0 && pairs.size >= total) throw new ValueError(`[PairSampler] every pair is similar: there are no dissimilar pairs to draw`);
    this.generator = opts.generator ?? new Generator(0);
  }

  /** Pairs per epoch: all similar pairs plus the dissimilar ones drawn. */
  get pairsPerEpoch(): number {
    return this.pairs.size + Math.round(this.pairs.size * this.dissimilarPerSimilar);
  }

  /** ⌈pairsPerEpoch / batchSize⌉: the last batch may be smaller. */
  get batchesPerEpoch(): number {
    return Math.ceil(this.pairsPerEpoch / this.batchSize);
  }

  /** The batches of one epoch (drawing advances the generator, so successive epochs differ). */
  epoch(): PairBatch[] {
    const g = this.generator, n = this.n, S = this.pairs;
    const nd = Math.round(S.size * this.dissimilarPerSimilar);
    const total = S.size + nd;
    const ia = new Int32Array(total), ib = new Int32Array(total), y = new Float32Array(total);
    ia.set(S.a);
    ib.set(S.b);
    for (let k = S.size; k < total; k++) {
      let i: number, j: number;
      do {
        i = g.randint(0, n);
        j = g.randint(0, n);
      } while (i === j || S.has(i, j));
      ia[k] = i;
      ib[k] = j;
      y[k] = 1;
    }
    const order = g.permutation(total);
    const batches: PairBatch[] = [];
    const pos = new Int32Array(n).fill(-1);
    for (let start = 0; start < total; start += this.batchSize) {
      const end = Math.min(total, start + this.batchSize);
      const samples: number[] = [];
      const left = new Int32Array(end - start), right = new Int32Array(end - start), yb = new Float32Array(end - start);
      for (let p = start; p < end; p++) {
        const k = order[p]!;
        for (const [idx, side] of [[ia[k]!, left], [ib[k]!, right]] as const) {
          if (pos[idx] === -1) {
            pos[idx] = samples.length;
            samples.push(idx);
          }
          side[p - start] = pos[idx]!;
        }
        yb[p - start] = y[k]!;
      }
      for (const s of samples) pos[s] = -1;
      batches.push({ samples: Int32Array.from(samples), left, right, y: yb });
    }
    return batches;
  }

  /** The data rows of a batch's distinct samples. */
  inputs(batch: PairBatch): Tensor {
    return gather(this.data, batch.samples, 0);
  }
}
