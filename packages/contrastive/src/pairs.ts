/**
 * Where "similar" comes from. DrLIM needs no labels: similar pairs can come from a neighbourhood graph in
 * input space, from prior knowledge (all transformations of one sample), or from labels when available.
 * Every pair not in the similar set is dissimilar; a PairSampler draws those afresh each epoch.
 */
import { Tensor, ValueError, ShapeError, fmtShape } from '@tsgrad/tensor';
import { nearestNeighbors } from './eval/knn.js';

/**
 * A set of unordered similar pairs {i, j} (i ≠ j) over n samples, stored with i < j, without duplicates,
 * sorted by (i, j).
 */
export class Pairs {
  /** First members, a[k] < b[k]. */
  readonly a: Int32Array;
  /** Second members. */
  readonly b: Int32Array;
  private keys: Set<number> | null = null;

  /**
   * The pairs {a[k], b[k]} over samples 0..n−1: out-of-range indices throw, self-pairs are dropped and
   * duplicates (in either order) kept once.
   */
  constructor(readonly n: number, a: ArrayLike<number>, b: ArrayLike<number>) {
    if (!Number.isInteger(n) || n < 0) throw new ValueError(`[Pairs] n must be a non-negative integer: got ${String(n)}`);
    if (a.length !== b.length) throw new ValueError(`[Pairs] got ${a.length} first and ${b.length} second indices`);
    const keys = new Set<number>();
    for (let k = 0; k < a.length; k++) {
      const i = a[k]!, j = b[k]!;
      if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= n || j >= n) {
        throw new ValueError(`[Pairs] pair ${k} = (${i}, ${j}) is out of range for ${n} samples`);
      }
      if (i === j) continue; // a sample is trivially similar to itself; such pairs carry no signal
      keys.add(i < j ? i * n + j : j * n + i);
    }
    const sorted = Float64Array.from(keys).sort();
    this.a = new Int32Array(sorted.length);
    this.b = new Int32Array(sorted.length);
    sorted.forEach((key, k) => {
      this.a[k] = Math.floor(key / n);
      this.b[k] = key - this.a[k]! * n;
    });
  }

  /** The number of pairs. */
  get size(): number {
    return this.a.length;
  }

  /** Whether {i, j} is in the set. */
  has(i: number, j: number): boolean {
    if (this.keys === null) {
      this.keys = new Set();
      for (let k = 0; k < this.a.length; k++) this.keys.add(this.a[k]! * this.n + this.b[k]!);
    }
    return this.keys.has(i < j ? i * this.n + j : j * this.n + i);
  }

  /** The union with another set over the same samples. */
  union(other: Pairs): Pairs {
    if (other.n !== this.n) throw new ValueError(`[Pairs.union] sets are over ${this.n} and ${other.n} samples`);
    const a = new Int32Array(this.size + other.size), b = new Int32Array(this.size + other.size);
    a.set(this.a);
    a.set(other.a, this.size);
    b.set(this.b);
    b.set(other.b, this.size);
    return new Pairs(this.n, a, b);
  }
}

function groupsToPairs(op: string, ids: ArrayLike<number>): Pairs {
  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < ids.length; i++) {
    const g = ids[i]!;
    if (typeof g !== 'number' || Number.isNaN(g)) throw new ValueError(`[${op}] entry ${i} is not a number: ${String(g)}`);
    let list = byGroup.get(g);
    if (!list) byGroup.set(g, (list = []));
    list.push(i);
  }
  const a: number[] = [], b: number[] = [];
  for (const list of byGroup.values()) {
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        a.push(list[x]!);
        b.push(list[y]!);
      }
    }
  }
  return new Pairs(ids.length, a, b);
}

/** Every pair of samples with the same label is similar (the supervised setting). */
export function pairsFromLabels(labels: ArrayLike<number>): Pairs {
  return groupsToPairs('pairsFromLabels', labels);
}

/**
 * Prior knowledge: every pair of samples sharing a group id is similar — e.g. all translations of one digit
 * get its id, which teaches the map to be invariant to translation.
 */
export function pairsFromGroups(groupIds: ArrayLike<number>): Pairs {
  return groupsToPairs('pairsFromGroups', groupIds);
}

/**
 * The paper's neighbourhood graph: each sample is similar to its k nearest neighbours in input space
 * (Euclidean; the relation is symmetrised, so the set holds every {i, j} with j among i's k nearest or i among
 * j's), every other pair dissimilar. Samples of any shape [n, ...] are flattened. The neighbours are
 * `kNearestNeighbors`'s (its errors name pairsFromNeighbors): exact, ties broken by index, found `blockSize` rows at a time (default 512).
 */
export function pairsFromNeighbors(X: Tensor, opts: { k?: number; blockSize?: number } = {}): Pairs {
  const op = 'pairsFromNeighbors';
  if (!(X instanceof Tensor) || X.ndim < 2) throw new ShapeError(`[${op}] X must be a tensor of rank >= 2 (samples first): got ${X instanceof Tensor ? fmtShape(X.shape) : typeof X}`);
  const n = X.shape[0]!;
  const k = opts.k ?? 5;
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new ValueError(`[${op}] k must be an integer in [1, ${n - 1}] for ${n} samples: got ${String(k)}`);
  const { indices } = nearestNeighbors(op, X.reshape([n, -1]), { k, blockSize: opts.blockSize ?? 512 });
  const a = new Int32Array(n * k);
  for (let r = 0; r < n; r++) a.fill(r, r * k, r * k + k);
  return new Pairs(n, a, indices);
}
