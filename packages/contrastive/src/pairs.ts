/**
 * Where "similar" comes from. DrLIM needs no labels: similar pairs can come from a neighbourhood graph in
 * input space, from prior knowledge (all transformations of one sample), or from labels when available.
 * Every pair not in the similar set is dissimilar; a PairSampler draws those afresh each epoch.
 */
import { Tensor, ValueError, ShapeError, fmtShape, matmul, transpose, type FloatArray } from '@tsgrad/tensor';

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

/** Rows of a 2-D (or flattened) tensor as a contiguous [n, d] float tensor. */
function asMatrix(op: string, X: Tensor): Tensor {
  if (!(X instanceof Tensor) || X.ndim < 2) throw new ShapeError(`[${op}] X must be a tensor of rank >= 2 (samples first): got ${X instanceof Tensor ? fmtShape(X.shape) : typeof X}`);
  return X.reshape([X.shape[0]!, -1]).contiguous();
}

function rowSquares(x: FloatArray, off: number, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0, p = off + i * d; k < d; k++, p++) s += x[p]! * x[p]!;
    out[i] = s;
  }
  return out;
}

/** A contiguous copy of the [n, d] matrix M (offset 0) minus each column's mean rounded to an integer. */
function centred(M: Tensor, n: number, d: number): Tensor {
  const src = M.data, off = M.offset;
  const shift = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) shift[c] = shift[c]! + src[off + i * d + c]!;
  for (let c = 0; c < d; c++) shift[c] = Math.round(shift[c]! / Math.max(n, 1));
  const out = M.dtype === 'float64' ? new Float64Array(n * d) : new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) out[i * d + c] = src[off + i * d + c]! - shift[c]!;
  return new Tensor(out, [n, d]);
}

function exactDist2(x: FloatArray, off: number, d: number, i: number, j: number): number {
  let s = 0;
  for (let k = 0, p = off + i * d, q = off + j * d; k < d; k++, p++, q++) {
    const t = x[p]! - x[q]!;
    s += t * t;
  }
  return s;
}

/**
 * The paper's neighbourhood graph: each sample is similar to its k nearest neighbours in input space
 * (Euclidean; the relation is symmetrised, so the set holds every {i, j} with j among i's k nearest or i among
 * j's), every other pair dissimilar. Computed exactly, in blocks of rows: squared distances
 * ‖x_i‖² + ‖x_j‖² − 2·x_i·x_j come from the blocked matmul, every sample whose distance could be among the k
 * smallest within the matmul's rounding is kept as a candidate, and those are re-ranked with exact float64
 * distances (ties broken by index).
 */
export function pairsFromNeighbors(X: Tensor, opts: { k?: number; blockSize?: number } = {}): Pairs {
  const k = opts.k ?? 5;
  const M = asMatrix('pairsFromNeighbors', X);
  const n = M.shape[0]!, d = M.shape[1]!;
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new ValueError(`[pairsFromNeighbors] k must be an integer in [1, ${n - 1}] for ${n} samples: got ${String(k)}`);
  const block = opts.blockSize ?? 512;
  // The candidate distances ‖x_i‖² + ‖x_j‖² − 2·x_i·x_j cancel catastrophically when the data sit far from the
  // origin (a constant offset of 1000 in float32 buries distances of 1e-5), so they are computed on a copy shifted
  // by each column's mean rounded to an integer: the shift leaves distances unchanged and keeps integer data exact.
  const C = centred(M, n, d);
  const sq = rowSquares(C.data, 0, n, d);
  // What rounding can do to an approximate distance: float32 products summed in float32 (the wasm gemm) err by
  // at most a few d·2⁻²⁴·(‖x_i‖² + ‖x_j‖²) in the worst case; DIST_SLACK·(‖x_i‖² + ‖x_j‖²) covers that with room.
  // Every j whose distance could be among the k smallest once rounding is undone is a candidate, so near-ties
  // (duplicates, points closer than float32 resolves) are never dropped before the exact re-ranking.
  const slack = C.dtype === 'float64' ? 1e-12 : Math.max(1e-5, d * 2 ** -22);
  const a = new Int32Array(n * k), b = new Int32Array(n * k);
  const MT = transpose(C);
  const kth = new Float64Array(k);
  const cands: number[] = [];
  for (let r0 = 0; r0 < n; r0 += block) {
    const r1 = Math.min(n, r0 + block);
    const G = matmul(C.slice([[r0, r1]]), MT).data; // [r1 − r0, n] inner products
    for (let r = r0; r < r1; r++) {
      const row = (r - r0) * n;
      // Pass 1: the k smallest upper bounds (approximate distance + its rounding slack), by insertion.
      let count = 0;
      for (let j = 0; j < n; j++) {
        if (j === r) continue;
        const hi = sq[r]! + sq[j]! - 2 * G[row + j]! + slack * (sq[r]! + sq[j]!);
        if (count < k || hi < kth[k - 1]!) {
          let p = count < k ? count++ : k - 1;
          while (p > 0 && kth[p - 1]! > hi) {
            kth[p] = kth[p - 1]!;
            p--;
          }
          kth[p] = hi;
        }
      }
      // Pass 2: every j whose lower bound does not exceed the k-th upper bound might be among the k nearest.
      const bound = kth[k - 1]!;
      cands.length = 0;
      for (let j = 0; j < n; j++) {
        if (j === r) continue;
        const lo = sq[r]! + sq[j]! - 2 * G[row + j]! - slack * (sq[r]! + sq[j]!);
        if (lo <= bound) cands.push(j);
      }
      // Exact re-ranking of the candidates, ties by index.
      const ranked = cands.map((j) => [exactDist2(M.data, M.offset, d, r, j), j] as const);
      ranked.sort((u, v) => u[0] - v[0] || u[1] - v[1]);
      for (let t = 0; t < k; t++) {
        a[r * k + t] = r;
        b[r * k + t] = ranked[t]![1];
      }
    }
  }
  return new Pairs(n, a, b);
}
