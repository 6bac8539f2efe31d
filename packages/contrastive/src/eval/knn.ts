/**
 * k-nearest-neighbour search and classification, the usual way to ask how well an embedding clusters by class.
 *
 * One search, {@link nearestIndices}, exact: distances are Euclidean in float64, ranked nearer first with equal
 * distances putting the lower reference index first. Low-dimensional points (d ≤ DIRECT_MAX_DIM, the 2-D
 * embeddings) sum (a − b)² directly, a block of query rows at a time, each query keeping its k nearest in a
 * bounded max-heap (O(m log k), no full sort). Wider ones (images) take candidates from ‖a‖² + ‖b‖² − 2·a·b with
 * a·b from the tensor package's blocked matmul, bounded by its rounding, and re-rank those exactly.
 */
import { Tensor, ValueError, alloc, fmtShape, matmul, type DType, type FloatArray } from '@tsgrad/tensor';
import { checkK, checkSameCols, toLabels, toMatrix, type Matrix } from './validate.js';

/** Query rows per distance block: BLOCK × m float64 distances live at once (12 MB for m = 6000). */
const BLOCK = 256;
/** Up to this many features the direct Σ(a − b)² loop is used; above it, the matmul form. */
const DIRECT_MAX_DIM = 8;

function rowSquares(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  const { data, cols } = m;
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = i * cols, e = j + cols; j < e; j++) s += data[j]! * data[j]!;
    out[i] = s;
  }
  return out;
}

/**
 * Calls `body(q0, b, dist)` for consecutive blocks of query rows [q0, q0 + b), where `dist[t·m + j]` is the
 * SQUARED Euclidean distance from query row q0 + t to reference row j (m = ref.rows). `dist` is reused between
 * calls.
 */
export function forEachDistanceBlock(
  query: Matrix, ref: Matrix,
  body: (q0: number, b: number, dist: Float64Array) => void,
): void {
  const m = ref.rows, d = query.cols;
  if (query.rows === 0) return;
  const direct = d <= DIRECT_MAX_DIM;
  const qsq = direct ? null : rowSquares(query), rsq = direct ? null : rowSquares(ref);
  // refᵀ as a [d, m] view of ref's storage: gemm reads transposed strides without a copy.
  const refT = new Tensor(ref.data, [d, m], [1, d], 0);
  let buf: Float64Array = new Float64Array(0);
  for (let q0 = 0; q0 < query.rows; q0 += BLOCK) {
    const b = Math.min(BLOCK, query.rows - q0);
    if (direct) {
      if (buf.length < b * m) buf = new Float64Array(BLOCK * m);
      directBlock(query.data, q0, b, ref.data, m, d, buf);
    } else {
      buf = matmul(new Tensor(query.data, [b, d], [d, 1], q0 * d), refT).data as Float64Array;
      for (let t = 0; t < b; t++) {
        const qs = qsq![q0 + t]!;
        for (let j = 0, o = t * m; j < m; j++, o++) {
          const v = qs + rsq![j]! - 2 * buf[o]!;
          buf[o] = v > 0 ? v : 0;
        }
      }
    }
    body(q0, b, buf);
  }
}

function directBlock(q: Float64Array, q0: number, b: number, r: Float64Array, m: number, d: number, out: Float64Array): void {
  if (d === 2) {
    for (let t = 0; t < b; t++) {
      const x = q[(q0 + t) * 2]!, y = q[(q0 + t) * 2 + 1]!;
      for (let j = 0, o = t * m; j < m; j++, o++) {
        const dx = x - r[2 * j]!, dy = y - r[2 * j + 1]!;
        out[o] = dx * dx + dy * dy;
      }
    }
    return;
  }
  for (let t = 0; t < b; t++) {
    const qi = (q0 + t) * d;
    for (let j = 0, o = t * m; j < m; j++, o++) {
      let s = 0;
      for (let c = 0, rj = j * d; c < d; c++) {
        const diff = q[qi + c]! - r[rj + c]!;
        s += diff * diff;
      }
      out[o] = s;
    }
  }
}

/** (dist, index) pairs ordered lexicographically: true when a comes after b. */
const after = (da: number, ia: number, db: number, ib: number): boolean => da > db || (da === db && ia > ib);

/**
 * The k smallest of `dist[o .. o + m)` (skipping index `skip`), as (index, squared distance) written to
 * `outIdx[w ..]`/`outDist[w ..]` nearest first. A max-heap of size k holds the best so far; its root is the
 * worst kept, so most candidates are rejected with one comparison. `hd`/`hi` are scratch of length ≥ k.
 */
function selectK(
  dist: Float64Array, o: number, m: number, k: number, skip: number,
  hd: Float64Array, hi: Int32Array, outIdx: Int32Array, outDist: Float64Array, w: number,
): void {
  let size = 0;
  for (let j = 0; j < m; j++) {
    if (j === skip) continue;
    const v = dist[o + j]!;
    if (size < k) {
      // Sift up.
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!after(v, j, hd[p]!, hi[p]!)) break;
        hd[c] = hd[p]!;
        hi[c] = hi[p]!;
        c = p;
      }
      hd[c] = v;
      hi[c] = j;
    } else if (v < hd[0]!) {
      // j is larger than every kept index, so only a strictly smaller distance beats the root. Sift down.
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= k) break;
        const r = l + 1;
        const big = r < k && after(hd[r]!, hi[r]!, hd[l]!, hi[l]!) ? r : l;
        if (!after(hd[big]!, hi[big]!, v, j)) break;
        hd[c] = hd[big]!;
        hi[c] = hi[big]!;
        c = big;
      }
      hd[c] = v;
      hi[c] = j;
    }
  }
  // Pop the heap from the back: the root is the farthest of those left.
  for (let t = size - 1; t >= 0; t--) {
    outIdx[w + t] = hi[0]!;
    outDist[w + t] = hd[0]!;
    const vd = hd[t]!, vi = hi[t]!;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= t) break;
      const r = l + 1;
      const big = r < t && after(hd[r]!, hi[r]!, hd[l]!, hi[l]!) ? r : l;
      if (!after(hd[big]!, hi[big]!, vd, vi)) break;
      hd[c] = hd[big]!;
      hi[c] = hi[big]!;
      c = big;
    }
    hd[c] = vd;
    hi[c] = vi;
  }
}

/** Options of {@link nearestIndices}. */
export interface NearestOptions {
  /**
   * The dtype of the candidate product x_i·x_j (default float64). float32 halves the matmul's cost and memory
   * traffic; the candidate slack widens to match, and the final ranking is exact either way.
   */
  product?: DType;
  /** Query rows per distance block (default BLOCK): blockSize × (reference rows) products live at once. */
  blockSize?: number;
}

/**
 * The k nearest reference rows of every query row: `indices[i·k + t]` is the t-th nearest (t = 0 nearest) and
 * `sqDistances` holds the squared distances. With `excludeSelf` (query and reference are the same points),
 * row i never lists itself (duplicates of it still count, at distance 0). This is the one k-NN search of the
 * package: kNearestNeighbors, the k-NN classifiers, trustworthiness, LLE and pairsFromNeighbors all use it.
 *
 * The result is exact: the k smallest float64 squared distances Σ(a − b)², ties by lower index. Up to
 * DIRECT_MAX_DIM features those are computed directly; above, {@link boundedNearest} finds candidates with the
 * blocked matmul and re-ranks them exactly.
 */
export function nearestIndices(
  query: Matrix, ref: Matrix, k: number, excludeSelf: boolean, opts: NearestOptions = {},
): { indices: Int32Array; sqDistances: Float64Array } {
  const indices = new Int32Array(query.rows * k), sqDistances = new Float64Array(query.rows * k);
  if (query.rows === 0 || k === 0) return { indices, sqDistances };
  if (query.cols > DIRECT_MAX_DIM) {
    boundedNearest(query, ref, k, excludeSelf, opts.product ?? 'float64', opts.blockSize ?? BLOCK, indices, sqDistances);
    return { indices, sqDistances };
  }
  const hd = new Float64Array(k), hi = new Int32Array(k);
  const m = ref.rows;
  forEachDistanceBlock(query, ref, (q0, b, dist) => {
    for (let t = 0; t < b; t++) {
      const i = q0 + t;
      selectK(dist, t * m, m, k, excludeSelf ? i : -1, hd, hi, indices, sqDistances, i * k);
    }
  });
  return { indices, sqDistances };
}

/** The candidate product's dtype for two (validated) point sets: float32 when both are, else float64. */
const productOf = (a: Tensor, b: Tensor): DType => (a.dtype === 'float32' && b.dtype === 'float32' ? 'float32' : 'float64');

/** A copy of the rows of `m` minus `shift` (per column), in `dtype`. */
function shifted(m: Matrix, shift: Float64Array, dtype: DType): FloatArray {
  const { rows, cols, data } = m;
  const out = alloc(dtype, rows * cols);
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) out[i * cols + c] = data[i * cols + c]! - shift[c]!;
  return out;
}

/** Σ x² of each row of a row-major [rows, cols] array, accumulated in float64. */
function squaresOf(x: FloatArray, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let k = 0, p = i * cols; k < cols; k++, p++) s += x[p]! * x[p]!;
    out[i] = s;
  }
  return out;
}

/** Σ(a − b)² of query row i and reference row j, in float64, in column order. */
function exactDist2(q: Float64Array, i: number, r: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let k = 0, p = i * d, o = j * d; k < d; k++, p++, o++) {
    const t = q[p]! - r[o]!;
    s += t * t;
  }
  return s;
}

/**
 * Exact k nearest neighbours for wide points. Squared distances ‖x_i‖² + ‖x_j‖² − 2·x_i·x_j come from the blocked
 * matmul in `product`'s dtype, a block of query rows at a time; every reference row whose distance could be among
 * the k smallest within the matmul's rounding is kept as a candidate, and those are re-ranked with exact float64
 * distances (ties by index).
 *
 * The candidate distances cancel catastrophically when the data sit far from the origin (a constant offset of
 * 1000 in float32 buries distances of 1e-5), so they are computed on copies shifted by each reference column's
 * mean rounded to an integer: the shift leaves distances unchanged and keeps integer data exact.
 */
function boundedNearest(
  query: Matrix, ref: Matrix, k: number, excludeSelf: boolean, product: DType, block: number,
  outIdx: Int32Array, outDist: Float64Array,
): void {
  const n = ref.rows, d = ref.cols;
  const shift = new Float64Array(d);
  for (let j = 0; j < n; j++) for (let c = 0; c < d; c++) shift[c] = shift[c]! + ref.data[j * d + c]!;
  for (let c = 0; c < d; c++) shift[c] = Math.round(shift[c]! / Math.max(n, 1));
  const cr = shifted(ref, shift, product);
  const cq = query === ref ? cr : shifted(query, shift, product);
  const sqr = squaresOf(cr, n, d), sqq = query === ref ? sqr : squaresOf(cq, query.rows, d);
  // What rounding can do to an approximate distance: float32 products summed in float32 (the wasm gemm) err by
  // at most a few d·2⁻²⁴·(‖x_i‖² + ‖x_j‖²) in the worst case; slack·(‖x_i‖² + ‖x_j‖²) covers that with room.
  // Every j whose distance could be among the k smallest once rounding is undone is a candidate, so near-ties
  // (duplicates, points closer than float32 resolves) are never dropped before the exact re-ranking.
  const slack = product === 'float64' ? 1e-12 : Math.max(1e-5, d * 2 ** -22);
  const refT = new Tensor(cr, [d, n], [1, d], 0); // crᵀ as a view: gemm reads transposed strides without a copy
  const kth = new Float64Array(k);
  const cands: number[] = [];
  for (let q0 = 0; q0 < query.rows; q0 += block) {
    const q1 = Math.min(query.rows, q0 + block);
    const G = matmul(new Tensor(cq, [q1 - q0, d], [d, 1], q0 * d), refT).data; // [q1 − q0, n] inner products
    for (let r = q0; r < q1; r++) {
      const row = (r - q0) * n, skip = excludeSelf ? r : -1, sq = sqq[r]!;
      // Pass 1: the k smallest upper bounds (approximate distance + its rounding slack), by insertion.
      let count = 0;
      for (let j = 0; j < n; j++) {
        if (j === skip) continue;
        const hi = sq + sqr[j]! - 2 * G[row + j]! + slack * (sq + sqr[j]!);
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
        if (j === skip) continue;
        const lo = sq + sqr[j]! - 2 * G[row + j]! - slack * (sq + sqr[j]!);
        if (lo <= bound) cands.push(j);
      }
      // Exact re-ranking of the candidates, ties by index.
      const ranked = cands.map((j) => [exactDist2(query.data, r, ref.data, j, d), j] as const);
      ranked.sort((u, v) => u[0] - v[0] || u[1] - v[1]);
      for (let t = 0; t < k; t++) {
        outIdx[r * k + t] = ranked[t]![1];
        outDist[r * k + t] = ranked[t]![0];
      }
    }
  }
}

/**
 * The majority label among `k` neighbours listed nearest first; a tie goes to the tied class whose nearest
 * member comes first (so k = 1 is plain nearest-neighbour and a 2–2 split follows the nearest point).
 */
function vote(labels: Int32Array, nb: Int32Array, o: number, k: number): number {
  let best = labels[nb[o]!]!, bestCount = 0;
  for (let t = 0; t < k; t++) {
    const lab = labels[nb[o + t]!]!;
    let count = 0;
    for (let u = 0; u < k; u++) if (labels[nb[o + u]!] === lab) count++;
    if (count > bestCount) {
      best = lab;
      bestCount = count;
    }
  }
  return best;
}

export interface KnnOptions {
  /** Neighbours that vote (default 5). */
  k?: number;
}

function predictImpl(
  op: string, trainPoints: unknown, trainLabels: unknown, testPoints: unknown, k: unknown,
): Int32Array {
  const train = toMatrix(op, 'trainPoints', trainPoints);
  const labels = toLabels(op, 'trainLabels', trainLabels, train.rows, `trainPoints ${fmtShape([train.rows, train.cols])}`);
  const test = toMatrix(op, 'testPoints', testPoints);
  checkSameCols(op, 'trainPoints', train, 'testPoints', test);
  const kk = checkK(op, k, 1, train.rows, `at most the ${train.rows} training points`);
  const { indices } = nearestIndices(test, train, kk, false, { product: productOf(trainPoints as Tensor, testPoints as Tensor) });
  const out = new Int32Array(test.rows);
  for (let i = 0; i < test.rows; i++) out[i] = vote(labels, indices, i * kk, kk);
  return out;
}

function accuracy(op: string, predicted: Int32Array, truth: Int32Array): number {
  if (truth.length === 0) throw new ValueError(`[${op}] no points to classify: accuracy is undefined for 0 points`);
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) correct++;
  return correct / truth.length;
}

/**
 * Labels of `testPoints` [m, d] predicted by a majority vote of their k nearest `trainPoints` [n, d]
 * (Euclidean; ties in the vote go to the tied class with the nearest member). Labels are int32 integers.
 */
export function knnPredict(
  trainPoints: Tensor, trainLabels: ArrayLike<number>, testPoints: Tensor, opts: KnnOptions = {},
): Int32Array {
  return predictImpl('knnPredict', trainPoints, trainLabels, testPoints, opts.k ?? 5);
}

/** The fraction of `testPoints` whose k-nearest-neighbour vote among `trainPoints` matches `testLabels`. */
export function knnAccuracy(
  trainPoints: Tensor, trainLabels: ArrayLike<number>, testPoints: Tensor, testLabels: ArrayLike<number>,
  opts: KnnOptions = {},
): number {
  const op = 'knnAccuracy';
  const predicted = predictImpl(op, trainPoints, trainLabels, testPoints, opts.k ?? 5);
  return accuracy(op, predicted, toLabels(op, 'testLabels', testLabels, predicted.length, 'testPoints'));
}

/**
 * Leave-one-out k-NN accuracy: each point is classified by its k nearest OTHER points. One number for "how
 * well does the map cluster by digit" (or by any other grouping), with no train/test split.
 */
export function leaveOneOutKnnAccuracy(points: Tensor, labels: ArrayLike<number>, opts: KnnOptions = {}): number {
  const op = 'leaveOneOutKnnAccuracy';
  const x = toMatrix(op, 'points', points);
  const lab = toLabels(op, 'labels', labels, x.rows, `points ${fmtShape([x.rows, x.cols])}`);
  const k = checkK(op, opts.k ?? 5, 1, x.rows - 1, `at most n − 1 = ${x.rows - 1} other points`);
  const { indices } = nearestIndices(x, x, k, true, { product: productOf(points, points) });
  const predicted = new Int32Array(x.rows);
  for (let i = 0; i < x.rows; i++) predicted[i] = vote(lab, indices, i * k, k);
  return accuracy(op, predicted, lab);
}

export interface KNearestOptions {
  /** Neighbours per point (default 5). */
  k?: number;
  /**
   * Points to find neighbours for, [m, d]. When omitted the queries are the reference points themselves and
   * a point is never its own neighbour.
   */
  queries?: Tensor;
  /** Query rows per distance block (default 256): memory is blockSize × n distances, whatever the query count. */
  blockSize?: number;
}

/**
 * The k nearest rows of `points` [n, d] for every query (default: every point, itself excluded), nearest first,
 * equal distances by lower index: `indices[i·k + t]` and `distances[i·k + t]` (Euclidean, not squared) for the
 * t-th neighbour of query i. Exact: the ranking is by float64 distances of the points as stored. For float32
 * points (and queries) the candidate search runs its matmul in float32, twice as fast. The k-nearest-neighbour
 * graph of DrLIM's pair construction (pairsFromNeighbors) is this with no queries.
 */
export function kNearestNeighbors(points: Tensor, opts: KNearestOptions = {}): { indices: Int32Array; distances: Float64Array; k: number } {
  return nearestNeighbors('kNearestNeighbors', points, opts);
}

/** {@link kNearestNeighbors}, its errors naming `op` (the public function that called it, as pairsFromNeighbors). */
export function nearestNeighbors(op: string, points: Tensor, opts: KNearestOptions = {}): { indices: Int32Array; distances: Float64Array; k: number } {
  const ref = toMatrix(op, 'points', points);
  const self = opts.queries === undefined;
  const query = self ? ref : toMatrix(op, 'queries', opts.queries);
  checkSameCols(op, 'points', ref, 'queries', query);
  const max = self ? ref.rows - 1 : ref.rows;
  const k = checkK(op, opts.k ?? 5, 1, max, self ? `at most n − 1 = ${max} other points` : `at most the ${max} points`);
  const blockSize = opts.blockSize ?? BLOCK;
  if (typeof blockSize !== 'number' || !Number.isInteger(blockSize) || blockSize < 1) {
    throw new ValueError(`[${op}] blockSize must be a positive integer: got ${String(blockSize)}`);
  }
  const product = productOf(points, opts.queries ?? points);
  const { indices, sqDistances } = nearestIndices(query, ref, k, self, { product, blockSize });
  const distances = sqDistances.map(Math.sqrt);
  return { indices, distances, k };
}
