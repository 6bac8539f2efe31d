/**
 * Trustworthiness (Venna & Kaski 2001): how far the embedding's neighbourhoods can be trusted, i.e. how
 * badly it brings in points that were not neighbours in the input space.
 */
import { type Tensor, ShapeError, ValueError, fmtShape } from '@tsgrad/tensor';
import { forEachDistanceBlock, nearestIndices } from './knn.js';
import { toMatrix } from './validate.js';

/** Options of `trustworthiness`. */
export interface TrustworthinessOptions {
  /** Neighbourhood size (default 5); must be below n/2. */
  k?: number;
}

/**
 * T(k) = 1 − 2/(n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ U_k(i)} (r(i, j) − k), where U_k(i) are the points among i's
 * k nearest in the embedding Z [n, p] but not among its k nearest in the input X [n, d], and r(i, j) ≥ 1 is
 * j's rank among i's neighbours in X (i itself excluded). 1 means every embedded neighbourhood was a true
 * one; a random map scores about 0.5. Equal distances rank by lower index, in both spaces. This is
 * scikit-learn's `trustworthiness` (Euclidean metric).
 *
 * Cost: the n × n input distances, a block of rows at a time (never all at once), plus O(n·k) rank counts
 * per row.
 */
export function trustworthiness(X: Tensor, Z: Tensor, opts: TrustworthinessOptions = {}): number {
  const op = 'trustworthiness';
  const x = toMatrix(op, 'X', X), z = toMatrix(op, 'Z', Z);
  const n = x.rows;
  if (z.rows !== n) {
    throw new ShapeError(`[${op}] X and Z must have one row per point: got ${fmtShape([x.rows, x.cols])} and ${fmtShape([z.rows, z.cols])}`);
  }
  const k = opts.k ?? 5;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k >= n / 2) {
    throw new ValueError(`[${op}] k must be an integer with 1 <= k < n/2 = ${n / 2}: got k = ${String(k)}`);
  }
  const embedded = nearestIndices(z, z, k, true).indices;
  let penalty = 0;
  forEachDistanceBlock(x, x, (q0, b, dist) => {
    for (let t = 0; t < b; t++) {
      const i = q0 + t, o = t * n;
      for (let s = 0; s < k; s++) {
        const j = embedded[i * k + s]!;
        const dj = dist[o + j]!;
        // r(i, j) = 1 + #{l ≠ i nearer than j, or as near with a lower index}.
        let rank = 1;
        for (let l = 0; l < n; l++) {
          const dl = dist[o + l]!;
          if (l !== i && (dl < dj || (dl === dj && l < j))) rank++;
        }
        if (rank > k) penalty += rank - k;
      }
    }
  });
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * penalty;
}
