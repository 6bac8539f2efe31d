/**
 * The DrLIM contrastive loss (Hadsell, Chopra & LeCun, CVPR 2006) and two losses from later work.
 *
 * Labels follow the paper: **Y = 0 for a similar pair, Y = 1 for a dissimilar pair.**
 */
import * as A from '@tsgrad/autograd';
import { Variable, type VariableLike } from '@tsgrad/autograd';
import { ShapeError, Tensor, ValueError, fmtShape, tensor, type DType } from '@tsgrad/tensor';

/** How per-pair losses are combined: their mean, their sum, or none (one loss per pair). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of `contrastiveLoss`. */
export interface ContrastiveOptions {
  /** The margin m > 0 (default 1): dissimilar pairs farther apart than m contribute nothing. */
  margin?: number;
  /** 'mean' (default) over pairs, 'sum', or 'none' for one loss per pair. */
  reduction?: Reduction;
}

/** Labels as a float tensor of D's dtype, checked to be 0/1 and as many as the distances. */
function checkLabels(op: string, d: Variable, y: Tensor | ArrayLike<number>): Tensor {
  const t = y instanceof Tensor ? y : tensor(Array.from(y as ArrayLike<number>), { dtype: d.dtype });
  const labels = t.dtype === d.dtype ? t : t.astype(d.dtype);
  if (d.ndim !== 1) throw new ShapeError(`[${op}] distance must have shape [N]: got ${fmtShape(d.shape)}`);
  if (labels.size !== d.shape[0]) {
    throw new ShapeError(`[${op}] distance has shape ${fmtShape(d.shape)} but labels have ${labels.size} entries`);
  }
  const v = labels.toTypedArray();
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== 0 && v[i] !== 1) throw new ValueError(`[${op}] labels must be 0 (similar) or 1 (dissimilar): got ${v[i]} at index ${i}`);
  }
  return labels.reshape([labels.size]);
}

function checkMargin(op: string, m: number): number {
  if (typeof m !== 'number' || !Number.isFinite(m) || m <= 0) throw new ValueError(`[${op}] margin must be a positive number: got ${String(m)}`);
  return m;
}

function reduce(op: string, l: Variable, r: Reduction): Variable {
  if (r === 'mean') return A.mean(l);
  if (r === 'sum') return A.sum(l);
  if (r === 'none') return l;
  throw new ValueError(`[${op}] reduction must be 'mean', 'sum' or 'none': got ${String(r)}`);
}

/** The paper's partial loss for similar pairs: L_S(D) = ½·D², with ∂L_S/∂D = D (a spring of rest length 0). */
export const similarLoss = (d: Variable): Variable => A.mul(0.5, A.mul(d, d));

/**
 * The paper's partial loss for dissimilar pairs: L_D(D) = ½·max(0, m − D)², with ∂L_D/∂D = −max(0, m − D):
 * a spring that only pushes, and only while D < m.
 */
export const dissimilarLoss = (d: Variable, margin: number): Variable => {
  const h = A.relu(A.sub(margin, d));
  return A.mul(0.5, A.mul(h, h));
};

/**
 * DrLIM's contrastive loss for pairs at distance D with labels Y (0 similar, 1 dissimilar):
 *
 *   L = (1 − Y)·½·D² + Y·½·max(0, m − D)²
 *
 * with derivative ∂L/∂D = D for a similar pair, −(m − D) for a dissimilar pair inside the margin (D < m), and 0
 * for a dissimilar pair beyond it: similar pairs are pulled together, dissimilar ones pushed apart only while
 * closer than m. Labels other than 0/1, a non-positive margin or mismatched lengths throw.
 */
export function contrastiveLoss(distance: VariableLike, y: Tensor | ArrayLike<number>, opts: ContrastiveOptions = {}): Variable {
  return generalContrastiveLoss(distance, y, { margin: opts.margin, reduction: opts.reduction });
}

/** Options of `generalContrastiveLoss`: the margin, the reduction, and the two partial losses. */
export interface GeneralContrastiveOptions extends ContrastiveOptions {
  /** L_S(D), the loss of a similar pair (default ½D²). */
  similar?: (d: Variable) => Variable;
  /** L_D(D), the loss of a dissimilar pair (default ½·max(0, m − D)²); receives the margin. */
  dissimilar?: (d: Variable, margin: number) => Variable;
}

/**
 * The paper's general form: L = (1 − Y)·L_S(D) + Y·L_D(D), with DrLIM's partial losses as the defaults.
 * Any differentiable L_S (increasing) and L_D (decreasing) built from Variable ops may be passed.
 */
export function generalContrastiveLoss(distance: VariableLike, y: Tensor | ArrayLike<number>, opts: GeneralContrastiveOptions = {}): Variable {
  const op = opts.similar || opts.dissimilar ? 'generalContrastiveLoss' : 'contrastiveLoss';
  const d = A.asVariable(distance);
  const m = checkMargin(op, opts.margin ?? 1);
  const labels = checkLabels(op, d, y);
  const ls = (opts.similar ?? similarLoss)(d);
  const ld = (opts.dissimilar ?? dissimilarLoss)(d, m);
  const l = A.add(A.mul(A.sub(1, labels), ls), A.mul(labels, ld));
  return reduce(op, l, opts.reduction ?? 'mean');
}

/** Options of `tripletLoss`. */
export interface TripletOptions {
  /** Margin (default 1). */
  margin?: number;
  /** The p of the p-norm distance (default 2). */
  p?: number;
  /** 'mean' (default) over triplets, 'sum', or 'none'. */
  reduction?: Reduction;
}

/**
 * Triplet margin loss (Schroff et al., 2015): L = max(0, ‖a − p‖ − ‖a − n‖ + margin) per triplet, pulling the
 * positive closer to the anchor than the negative by at least the margin.
 */
export function tripletLoss(anchor: VariableLike, positive: VariableLike, negative: VariableLike, opts: TripletOptions = {}): Variable {
  const m = checkMargin('tripletLoss', opts.margin ?? 1);
  const p = opts.p ?? 2;
  const a = A.asVariable(anchor), pos = A.asVariable(positive), neg = A.asVariable(negative);
  if (a.ndim !== 2 || pos.ndim !== 2 || neg.ndim !== 2 || a.shape.some((s, i) => s !== pos.shape[i] || s !== neg.shape[i])) {
    throw new ShapeError(`[tripletLoss] anchor, positive and negative must share one shape [N, d]: got ${fmtShape(a.shape)}, ${fmtShape(pos.shape)}, ${fmtShape(neg.shape)}`);
  }
  const dp = A.norm(A.sub(a, pos), { ord: p, axis: -1 });
  const dn = A.norm(A.sub(a, neg), { ord: p, axis: -1 });
  return reduce('tripletLoss', A.relu(A.add(A.sub(dp, dn), m)), opts.reduction ?? 'mean');
}

/**
 * NT-Xent, SimCLR's loss (Chen et al., 2020), for two views z1, z2 of N samples ([N, d] each): with the 2N
 * embeddings L2-normalised and s_ij = z_i·z_j / τ, the loss of i is −log( exp(s_{i,i⁺}) / Σ_{k≠i} exp(s_ik) ),
 * where i⁺ is the other view of the same sample; the result is the mean over all 2N.
 */
export function ntXentLoss(z1: VariableLike, z2: VariableLike, opts: { temperature?: number } = {}): Variable {
  const tau = opts.temperature ?? 0.5;
  if (typeof tau !== 'number' || !Number.isFinite(tau) || tau <= 0) throw new ValueError(`[ntXentLoss] temperature must be a positive number: got ${String(tau)}`);
  const a = A.asVariable(z1), b = A.asVariable(z2);
  if (a.ndim !== 2 || b.ndim !== 2 || a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new ShapeError(`[ntXentLoss] z1 and z2 must share one shape [N, d]: got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const n = a.shape[0]!;
  const z = A.concat([a, b], 0);
  const zn = A.div(z, A.maximum(A.norm(z, { axis: -1, keepDims: true }), 1e-12));
  const sim = A.div(A.matmul(zn, A.transpose(zn)), tau); // [2N, 2N]
  const dtype: DType = a.dtype;
  const self = new Float64Array(4 * n * n);
  for (let i = 0; i < 2 * n; i++) self[i * 2 * n + i] = 1;
  // Excluding k = i from the denominator: a −∞ logit contributes e^−∞ = 0.
  const logits = A.where(tensor(self, { shape: [2 * n, 2 * n], dtype }), -Infinity, sim);
  const logp = A.logSoftmax(logits, -1);
  const pos = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) pos[i] = i * 2 * n + (i < n ? i + n : i - n);
  return A.neg(A.mean(A.gather(A.reshape(logp, [4 * n * n]), pos)));
}
