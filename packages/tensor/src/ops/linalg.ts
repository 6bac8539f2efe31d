/** Matrix products, pairwise distances and top-k. */
import { IndexError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { gemm } from '../kernels/gemm.js';
import { checkSameDType, type FloatArray } from '../dtype.js';
import { broadcastShapes, broadcastStrides, normAxis, sizeOf } from '../shape.js';
import { Tensor, alloc, allocOverwritten } from '../tensor.js';
import { contiguous, expandDims, permute, squeeze } from './views.js';

function checkPair(op: string, a: Tensor, b: Tensor): void {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new ValueError(`[${op}] both operands must be Tensors`);
  checkSameDType(op, a, b);
}

/**
 * Calls `body(aOff, bOff, outIndex)` for every index of the broadcast batch shape, with each operand's
 * storage offset for that batch entry. The batch loop runs once per matrix, so the index decomposition here
 * is not in any hot loop.
 */
function forEachBatch(
  batch: readonly number[],
  a: Tensor, aBatchStrides: readonly number[],
  b: Tensor, bBatchStrides: readonly number[],
  body: (aOff: number, bOff: number, i: number) => void,
): void {
  const count = sizeOf(batch);
  for (let i = 0; i < count; i++) {
    let rem = i, ao = a.offset, bo = b.offset;
    for (let ax = batch.length - 1; ax >= 0; ax--) {
      const n = batch[ax]!, k = rem % n;
      rem = (rem - k) / n;
      ao += k * aBatchStrides[ax]!;
      bo += k * bBatchStrides[ax]!;
    }
    body(ao, bo, i);
  }
}

/** Broadcast batch shape of two stacks of matrices and the batch strides of each. */
function batchLayout(op: string, a: Tensor, b: Tensor): { batch: number[]; as: number[]; bs: number[] } {
  const ab = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes(op, ab, bb);
  } catch {
    throw new ShapeError(`[${op}] batch axes do not broadcast: ${fmtShape(a.shape)} and ${fmtShape(b.shape)} have batch shapes ${fmtShape(ab)} and ${fmtShape(bb)}`);
  }
  return {
    batch,
    as: broadcastStrides(ab, a.strides.slice(0, -2), batch),
    bs: broadcastStrides(bb, b.strides.slice(0, -2), batch),
  };
}

/**
 * Matrix product with NumPy's rules: 2-D @ 2-D is [M,K]·[K,N] → [M,N]; a 1-D first operand is a row vector and a
 * 1-D second operand a column vector (their axis is dropped from the result); higher ranks are stacks of
 * matrices whose batch axes broadcast. Transposed and sliced views multiply without a copy.
 * C_ij = Σ_p A_ip·B_pj. VJP: ∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G (summed over broadcast batch axes).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkPair('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`[matmul] operands must have rank >= 1: got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const x = a.ndim === 1 ? expandDims(a, 0) : a;
  const y = b.ndim === 1 ? expandDims(b, -1) : b;
  const M = x.shape[x.ndim - 2]!, K = x.shape[x.ndim - 1]!, K2 = y.shape[y.ndim - 2]!, N = y.shape[y.ndim - 1]!;
  if (K !== K2) {
    throw new ShapeError(
      `[matmul] inner sizes differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}: axis ${a.ndim - 1} of the first has size ${K}, axis ${Math.max(b.ndim - 2, 0)} of the second has size ${K2}`,
    );
  }
  const { batch, as, bs } = batchLayout('matmul', x, y);
  const out = allocOverwritten(a.dtype, sizeOf(batch) * M * N);
  const aRs = x.strides[x.ndim - 2]!, aCs = x.strides[x.ndim - 1]!, bRs = y.strides[y.ndim - 2]!, bCs = y.strides[y.ndim - 1]!;
  forEachBatch(batch, x, as, y, bs, (ao, bo, i) => {
    gemm(M, N, K, x.data, ao, aRs, aCs, y.data, bo, bRs, bCs, out, i * M * N, N, false);
  });
  let result = new Tensor(out, [...batch, M, N]);
  if (b.ndim === 1) result = squeeze(result, -1);
  if (a.ndim === 1) result = squeeze(result, -2 + (b.ndim === 1 ? 1 : 0));
  return result;
}

/** Options of `cdist`. */
export interface CdistOptions {
  /** The p of the p-norm distance (default 2); Infinity gives the Chebyshev distance. */
  p?: number;
  /**
   * How p = 2 is computed. 'matmul' uses ‖a‖² + ‖b‖² − 2·a·bᵀ (fast, but loses relative precision for points
   * much closer than their norms), 'direct' sums (a − b)² (exact); 'auto' (default) uses 'matmul' when either
   * side has more than 25 rows, as PyTorch does.
   */
  mode?: 'auto' | 'matmul' | 'direct';
}

function cdistDirect(
  out: FloatArray, o: number, a: FloatArray, ao: number, aRs: number, aCs: number,
  b: FloatArray, bo: number, bRs: number, bCs: number, n: number, m: number, d: number, p: number,
): void {
  for (let i = 0; i < n; i++) {
    const ai = ao + i * aRs;
    for (let j = 0; j < m; j++) {
      const bj = bo + j * bRs;
      let s = 0;
      if (p === 2) {
        for (let k = 0; k < d; k++) {
          const t = a[ai + k * aCs]! - b[bj + k * bCs]!;
          s += t * t;
        }
        s = Math.sqrt(s);
      } else if (p === 1) {
        for (let k = 0; k < d; k++) s += Math.abs(a[ai + k * aCs]! - b[bj + k * bCs]!);
      } else if (p === Infinity) {
        for (let k = 0; k < d; k++) {
          const t = Math.abs(a[ai + k * aCs]! - b[bj + k * bCs]!);
          if (t > s || t !== t) s = t;
        }
      } else if (p === 0) {
        for (let k = 0; k < d; k++) if (a[ai + k * aCs] !== b[bj + k * bCs]) s += 1;
      } else {
        for (let k = 0; k < d; k++) s += Math.pow(Math.abs(a[ai + k * aCs]! - b[bj + k * bCs]!), p);
        s = Math.pow(s, 1 / p);
      }
      out[o + i * m + j] = s;
    }
  }
}

function rowSquares(a: FloatArray, ao: number, aRs: number, aCs: number, n: number, d: number): Float64Array {
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0, q = ao + i * aRs; k < d; k++, q += aCs) s += a[q]! * a[q]!;
    sq[i] = s;
  }
  return sq;
}

function cdistFinish(out: FloatArray, o: number, sa: Float64Array, sb: Float64Array, n: number, m: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const v = sa[i]! + sb[j]! - 2 * out[o + i * m + j]!;
      out[o + i * m + j] = v > 0 ? Math.sqrt(v) : 0;
    }
  }
}

/**
 * Pairwise distances between the rows of a [..., n, d] and b [..., m, d]: out[..., i, j] = ‖a_i − b_j‖_p,
 * batch axes broadcast. ∂‖a_i − b_j‖₂/∂a_i = (a_i − b_j)/‖a_i − b_j‖ (0 at distance 0 by convention).
 */
export function cdist(a: Tensor, b: Tensor, opts: CdistOptions = {}): Tensor {
  checkPair('cdist', a, b);
  const { p = 2, mode = 'auto' } = opts;
  if (typeof p !== 'number' || Number.isNaN(p) || p < 0) throw new ValueError(`[cdist] p must be a non-negative number: got ${String(p)}`);
  if (mode !== 'auto' && mode !== 'matmul' && mode !== 'direct') throw new ValueError(`[cdist] mode must be 'auto', 'matmul' or 'direct': got ${JSON.stringify(mode)}`);
  if (a.ndim < 2 || b.ndim < 2) throw new ShapeError(`[cdist] operands must have rank >= 2: got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const n = a.shape[a.ndim - 2]!, d = a.shape[a.ndim - 1]!, m = b.shape[b.ndim - 2]!, d2 = b.shape[b.ndim - 1]!;
  if (d !== d2) {
    throw new ShapeError(`[cdist] feature sizes differ: ${fmtShape(a.shape)} and ${fmtShape(b.shape)}: axis ${a.ndim - 1} has sizes ${d} and ${d2}`);
  }
  const { batch, as, bs } = batchLayout('cdist', a, b);
  const out = alloc(a.dtype, sizeOf(batch) * n * m);
  const aRs = a.strides[a.ndim - 2]!, aCs = a.strides[a.ndim - 1]!, bRs = b.strides[b.ndim - 2]!, bCs = b.strides[b.ndim - 1]!;
  const useMm = p === 2 && (mode === 'matmul' || (mode === 'auto' && (n > 25 || m > 25)));
  forEachBatch(batch, a, as, b, bs, (ao, bo, i) => {
    if (useMm) {
      // a·bᵀ through the blocked gemm: b's transpose is just its strides swapped.
      gemm(n, m, d, a.data, ao, aRs, aCs, b.data, bo, bCs, bRs, out, i * n * m, m, false);
      cdistFinish(out, i * n * m, rowSquares(a.data, ao, aRs, aCs, n, d), rowSquares(b.data, bo, bRs, bCs, m, d), n, m);
    } else {
      cdistDirect(out, i * n * m, a.data, ao, aRs, aCs, b.data, bo, bRs, bCs, n, m, d, p);
    }
  });
  return new Tensor(out, [...batch, n, m]);
}

/** Options of `topk`. */
export interface TopkOptions {
  /** Axis to select along (default −1). */
  axis?: number;
  /** Largest (default) or smallest k. */
  largest?: boolean;
}

/**
 * The k largest (or smallest) entries along `axis`, sorted, with their indices; ties keep the lower index first,
 * NaN counts as larger than every number (as PyTorch). Indices are stored in x's dtype.
 */
export function topk(x: Tensor, k: number, opts: TopkOptions = {}): { values: Tensor; indices: Tensor } {
  if (!(x instanceof Tensor)) throw new ValueError(`[topk] input must be a Tensor`);
  const { axis = -1, largest = true } = opts;
  if (x.ndim === 0) throw new ShapeError(`[topk] input must have rank >= 1: got shape []`);
  const ax = normAxis('topk', axis, x.ndim, x.shape);
  const n = x.shape[ax]!;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > n) {
    throw new IndexError(`[topk] k = ${String(k)} is out of range for axis ${ax} of size ${n} (shape ${fmtShape(x.shape)})`);
  }
  const perm = x.shape.map((_, i) => i).filter((i) => i !== ax);
  perm.push(ax);
  const moved = contiguous(permute(x, perm));
  const rows = n === 0 ? sizeOf(moved.shape.slice(0, -1)) : moved.size / n;
  const vals = alloc(x.dtype, rows * k), idxs = alloc(x.dtype, rows * k);
  const order = new Int32Array(n);
  const data = moved.data;
  for (let r = 0; r < rows; r++) {
    const base = moved.offset + r * n;
    for (let i = 0; i < n; i++) order[i] = i;
    // A NaN sorts as the largest value; equal values keep index order (the sort is stable).
    const key = (i: number): number => {
      const v = data[base + i]!;
      return v !== v ? Infinity : v;
    };
    const isNan = (i: number): number => (data[base + i]! !== data[base + i]! ? 1 : 0);
    order.sort((i, j) => {
      const d = largest ? key(j) - key(i) || isNan(j) - isNan(i) : key(i) - key(j) || isNan(i) - isNan(j);
      return d || i - j;
    });
    for (let t = 0; t < k; t++) {
      vals[r * k + t] = data[base + order[t]!]!;
      idxs[r * k + t] = order[t]!;
    }
  }
  const movedShape = [...moved.shape.slice(0, -1), k];
  const inv = perm.map((_, i) => perm.indexOf(i));
  return {
    values: contiguous(permute(new Tensor(vals, movedShape), inv)),
    indices: contiguous(permute(new Tensor(idxs, movedShape), inv)),
  };
}
