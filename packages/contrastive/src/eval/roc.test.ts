/** ROC-AUC on hand-computed cases, against a brute-force pairwise count, and the curve's area. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValueError } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { rocAuc, rocCurve } from './roc.js';

/** P(score of a positive > score of a negative), ties counting 1/2, by comparing every pair. */
function pairwise(scores: number[], labels: number[]): number {
  let wins = 0, pairs = 0;
  scores.forEach((sp, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((sn, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('rocAuc', () => {
  it('hand-computed cases', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75); // scikit-learn's docstring example
    expect(rocAuc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([5, 5, 5, 5, 5], [0, 1, 1, 0, 1])).toBe(0.5); // all scores equal
    expect(rocAuc([1, 1, 2, 2], [0, 1, 0, 1])).toBe(0.5); // ties across classes count 1/2
    expect(rocAuc([1, 2, 2, 3], [0, 0, 1, 1])).toBe(0.875); // (1 + ½ + 1 + 1)/4
    expect(rocAuc([-Infinity, 0, Infinity], [0, 1, 1])).toBe(1);
    expect(rocAuc(Float32Array.of(-0.2, -1.5, -0.1), Uint8Array.of(1, 0, 1))).toBe(1); // scores = −distance
  });

  it('equals the brute-force pairwise count, ties included (fast-check)', () => {
    const arb = fc.integer({ min: 2, max: 40 }).chain((n) =>
      fc.record({
        scores: fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -10, max: 10, noNaN: true })), { minLength: n, maxLength: n }),
        labels: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ scores, labels }) => {
        fc.pre(labels.includes(0) && labels.includes(1));
        expect(rocAuc(scores, labels)).toBeCloseTo(pairwise(scores, labels), 12);
        // The trapezoidal area under the curve is the same number.
        const { fpr, tpr, thresholds } = rocCurve(scores, labels);
        let area = 0;
        for (let i = 1; i < fpr.length; i++) area += ((fpr[i]! - fpr[i - 1]!) * (tpr[i]! + tpr[i - 1]!)) / 2;
        expect(area).toBeCloseTo(pairwise(scores, labels), 12);
        expect([fpr[0], tpr[0], fpr[fpr.length - 1], tpr[tpr.length - 1]]).toEqual([0, 0, 1, 1]);
        expect(Array.from(thresholds).every((t, i) => i === 0 || t < thresholds[i - 1]!)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rocCurve by hand', () => {
    const c = rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    expect(Array.from(c.thresholds)).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
    expect(Array.from(c.tpr)).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(Array.from(c.fpr)).toEqual([0, 0, 0.5, 0.5, 1]);
  });

  it('errors: one class, lengths, non-binary labels, NaN scores', () => {
    expectError(() => rocAuc([1, 2, 3], [1, 1, 1]), ValueError,
      '[rocAuc] only one class present in labels (3 positives, 0 negatives): ROC AUC is undefined');
    expectError(() => rocAuc([1, 2], [0, 0]), ValueError,
      '[rocAuc] only one class present in labels (0 positives, 2 negatives): ROC AUC is undefined');
    expectError(() => rocAuc([], []), ValueError,
      '[rocAuc] only one class present in labels (0 positives, 0 negatives): ROC AUC is undefined');
    expectError(() => rocAuc([1, 2, 3], [0, 1]), ValueError,
      '[rocAuc] scores and labels differ in length: 3 scores and 2 labels');
    expectError(() => rocAuc([1, 2, 3], [0, 1, 2]), ValueError,
      '[rocAuc] labels must be 0 or 1 (1 = positive): labels[2] is 2');
    expectError(() => rocAuc([1, NaN], [0, 1]), ValueError,
      '[rocAuc] scores[1] must be a number (not NaN): got NaN');
    expectError(() => rocCurve([1], [1]), ValueError,
      '[rocCurve] only one class present in labels (1 positives, 0 negatives): ROC AUC is undefined');
  });
});
