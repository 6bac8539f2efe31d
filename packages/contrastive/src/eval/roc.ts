/**
 * ROC analysis for pair verification: higher score = more likely positive (for distances, pass −distance).
 */
import { ValueError } from '@tsgrad/tensor';
import { describeValue } from './validate.js';

function readPairs(op: string, scores: unknown, labels: unknown): { s: Float64Array; y: Uint8Array; pos: number; neg: number } {
  const isList = (v: unknown): v is ArrayLike<unknown> =>
    v !== null && typeof v === 'object' && typeof (v as ArrayLike<unknown>).length === 'number';
  if (!isList(scores)) throw new ValueError(`[${op}] scores must be an array of numbers: got ${describeValue(scores)}`);
  if (!isList(labels)) throw new ValueError(`[${op}] labels must be an array of 0/1: got ${describeValue(labels)}`);
  if (scores.length !== labels.length) {
    throw new ValueError(`[${op}] scores and labels differ in length: ${scores.length} scores and ${labels.length} labels`);
  }
  const n = scores.length;
  const s = new Float64Array(n), y = new Uint8Array(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const v = scores[i], l = labels[i];
    if (typeof v !== 'number' || Number.isNaN(v)) throw new ValueError(`[${op}] scores[${i}] must be a number (not NaN): got ${String(v)}`);
    if (l !== 0 && l !== 1) throw new ValueError(`[${op}] labels must be 0 or 1 (1 = positive): labels[${i}] is ${String(l)}`);
    s[i] = v;
    y[i] = l;
    pos += l;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) {
    throw new ValueError(`[${op}] only one class present in labels (${pos} positives, ${neg} negatives): ROC AUC is undefined`);
  }
  return { s, y, pos, neg };
}

/** Indices ordered by increasing score (stable). */
function ascending(s: Float64Array): Int32Array {
  const order = new Int32Array(s.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => s[a]! - s[b]! || a - b);
}

/**
 * Area under the ROC curve of `scores` against binary `labels` (1 = positive, 0 = negative): the probability
 * that a random positive scores above a random negative, ties counting one half. Computed as the
 * Mann–Whitney U statistic, U = R₊ − n₊(n₊ + 1)/2 with R₊ the sum of the positives' ranks (tied scores share
 * their average rank), AUC = U/(n₊·n₋): O(n log n). ±Infinity scores are allowed; NaN is an error, and so
 * are labels with a single class.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { s, y, pos, neg } = readPairs('rocAuc', scores, labels);
  const order = ascending(s);
  let rankSum = 0;
  for (let a = 0; a < order.length;) {
    let b = a + 1;
    while (b < order.length && s[order[b]!] === s[order[a]!]) b++;
    const avgRank = (a + 1 + b) / 2; // ranks a+1 .. b, 1-based
    for (let t = a; t < b; t++) if (y[order[t]!] === 1) rankSum += avgRank;
    a = b;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * The ROC curve: for each distinct threshold (scores in decreasing order, a point scoring ≥ threshold counts
 * as predicted positive), the false- and true-positive rates, starting at (0, 0) with threshold +Infinity.
 * The trapezoidal area under (fpr, tpr) equals {@link rocAuc}.
 */
export function rocCurve(
  scores: ArrayLike<number>, labels: ArrayLike<number>,
): { fpr: Float64Array; tpr: Float64Array; thresholds: Float64Array } {
  const { s, y, pos, neg } = readPairs('rocCurve', scores, labels);
  const order = ascending(s).reverse();
  const fpr = [0], tpr = [0], thresholds = [Infinity];
  let tp = 0, fp = 0;
  for (let a = 0; a < order.length;) {
    let b = a;
    const th = s[order[a]!]!;
    while (b < order.length && s[order[b]!] === th) {
      if (y[order[b]!] === 1) tp++;
      else fp++;
      b++;
    }
    fpr.push(fp / neg);
    tpr.push(tp / pos);
    thresholds.push(th);
    a = b;
  }
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thresholds: Float64Array.from(thresholds) };
}
