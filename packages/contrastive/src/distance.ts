/**
 * Row-wise distances between two batches of embeddings, as Variables (differentiable).
 * For a, b of shape [N, d] (or any shapes that broadcast), each returns [N] (the last axis is reduced).
 */
import * as A from '@tsgrad/autograd';
import type { Variable, VariableLike } from '@tsgrad/autograd';

/**
 * D = ‖a − b‖₂ = √Σ(a − b)² over the last axis. ∂D/∂a = (a − b)/D, and 0 where a = b: the sqrt rule's
 * convention, so a similar pair whose embeddings coincide gives a zero gradient, never NaN.
 */
export function euclideanDistance(a: VariableLike, b: VariableLike): Variable {
  const d = A.sub(a, b);
  return A.sqrt(A.sum(A.mul(d, d), { axis: -1 }));
}

/** D² = Σ(a − b)² over the last axis. ∂/∂a = 2(a − b). */
export function squaredEuclideanDistance(a: VariableLike, b: VariableLike): Variable {
  const d = A.sub(a, b);
  return A.sum(A.mul(d, d), { axis: -1 });
}

/**
 * 1 − cos(a, b) = 1 − a·b / max(‖a‖·‖b‖, eps), in [0, 2]. `eps` (default 1e-8) keeps zero vectors finite.
 */
export function cosineDistance(a: VariableLike, b: VariableLike, opts: { eps?: number } = {}): Variable {
  const eps = opts.eps ?? 1e-8;
  const dot = A.sum(A.mul(a, b), { axis: -1 });
  const na = A.norm(a, { axis: -1 }), nb = A.norm(b, { axis: -1 });
  return A.sub(1, A.div(dot, A.maximum(A.mul(na, nb), eps)));
}
