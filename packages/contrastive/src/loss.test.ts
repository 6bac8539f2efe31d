/**
 * The DrLIM contrastive loss against hand-computed values and derivatives (Y = 0 similar, Y = 1 dissimilar;
 * inside/outside the margin; D = 0 exactly), its general form with custom partial losses, and the triplet and
 * NT-Xent losses against naive float64 references written out below. Errors are asserted by class and message.
 */
import { describe, expect, it } from 'vitest';
import * as A from '@tsgrad/autograd';
import { Generator, ShapeError, Tensor, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../testing/errors.js';
import { forward64, gradcheck64 } from '../../../testing/tolerances.js';
import { contrastiveLoss, dissimilarLoss, generalContrastiveLoss, ntXentLoss, similarLoss, tripletLoss, type Reduction } from './loss.js';

const f64 = (x: number[] | number[][]): Tensor => tensor(x, { dtype: 'float64' });

/** Value of f(D) and ∂(Σ f(D))/∂D (the seed of ones, so 'none' gives per-pair derivatives). */
function valueAndGrad(f: (d: A.Variable) => A.Variable, d: number[]): { value: Tensor; grad: Tensor } {
  const v = A.variable(f64(d), { requiresGrad: true });
  const y = f(v);
  const [g] = A.gradients(A.sum(y), [v]);
  return { value: y.value, grad: g!.value };
}

describe('contrastiveLoss', () => {
  // m = 1: similar at 0.5, dissimilar inside (0.5) and beyond (2) the margin, similar at exactly 0.
  const D = [0.5, 0.5, 2, 0];
  const Y = [0, 1, 1, 0];

  it("'none': L = (1−Y)·½D² + Y·½max(0, m−D)² and ∂L/∂D by hand", () => {
    const { value, grad } = valueAndGrad((d) => contrastiveLoss(d, Y, { margin: 1, reduction: 'none' }), D);
    expect(value).toBeAllclose([0.125, 0.125, 0, 0], forward64);
    expect(grad).toBeAllclose([0.5, -0.5, 0, 0], forward64);
    expect(Array.from(grad.toTypedArray()).every(Number.isFinite)).toBe(true);
  });

  it.each<[Reduction | undefined, number, number[]]>([
    ['mean', 0.0625, [0.125, -0.125, 0, 0]],
    [undefined, 0.0625, [0.125, -0.125, 0, 0]], // mean is the default
    ['sum', 0.25, [0.5, -0.5, 0, 0]],
  ])("reduction %s", (reduction, loss, dLdD) => {
    const { value, grad } = valueAndGrad((d) => contrastiveLoss(d, Y, { margin: 1, reduction }), D);
    expect(value.shape).toEqual([]);
    expect(value.item()).toBeCloseTo(loss, 14);
    expect(grad).toBeAllclose(dLdD, forward64);
  });

  it('other margins: a dissimilar pair at D = 0 costs ½m² with slope −m; exactly at the margin it costs 0', () => {
    const { value, grad } = valueAndGrad((d) => contrastiveLoss(d, [1, 1, 0, 1], { margin: 2, reduction: 'none' }), [0, 0.5, 3, 3]);
    expect(value).toBeAllclose([2, 1.125, 4.5, 0], forward64);
    expect(grad).toBeAllclose([-2, -1.5, 3, 0], forward64);
    const atMargin = valueAndGrad((d) => contrastiveLoss(d, [1], { margin: 2, reduction: 'none' }), [2]);
    expect(atMargin.value.toArray()).toEqual([0]);
    expect(atMargin.grad).toBeAllclose([0], { rtol: 0, atol: 0 });
  });

  it('accepts labels as a Float32Array or a tensor of another dtype, and float32 distances', () => {
    const a = contrastiveLoss(f64(D), Float32Array.from(Y), { reduction: 'none' });
    const b = contrastiveLoss(f64(D), tensor(Y, { dtype: 'float32' }), { reduction: 'none' });
    expect(a.value).toBeAllclose([0.125, 0.125, 0, 0], forward64);
    expect(b.value).toBeAllclose(a.value, { rtol: 0, atol: 0 });
    const c = contrastiveLoss(tensor(D, { dtype: 'float32' }), Y, { reduction: 'none' });
    expect(c.dtype).toBe('float32');
    expect(c.value).toBeAllclose([0.125, 0.125, 0, 0], forward64);
  });

  it('passes gradcheck (float64) away from D = m', () => {
    const y = [0, 1, 1, 0, 1];
    A.gradcheck((d) => contrastiveLoss(d, y, { margin: 1.5, reduction: 'none' }), [f64([0.3, 0.7, 2.2, 1.9, 1.2])], gradcheck64);
  });

  it('similarLoss and dissimilarLoss are the partial losses', () => {
    expect(A.noGrad(() => similarLoss(A.variable(f64([0, 3])))).value.toArray()).toEqual([0, 4.5]);
    expect(A.noGrad(() => dissimilarLoss(A.variable(f64([0, 1, 3])), 2)).value.toArray()).toEqual([2, 0.5, 0]);
  });

  it('rejects labels other than 0/1', () => {
    expectError(() => contrastiveLoss(f64([1, 2]), [0, 2]), ValueError, '[contrastiveLoss] labels must be 0 (similar) or 1 (dissimilar): got 2 at index 1');
    expectError(() => contrastiveLoss(f64([1, 2]), [0.5, 1]), ValueError, '[contrastiveLoss] labels must be 0 (similar) or 1 (dissimilar): got 0.5 at index 0');
    expectError(() => contrastiveLoss(f64([1]), [-1]), ValueError, '[contrastiveLoss] labels must be 0 (similar) or 1 (dissimilar): got -1 at index 0');
    expectError(() => contrastiveLoss(f64([1]), [Number.NaN]), ValueError, '[contrastiveLoss] labels must be 0 (similar) or 1 (dissimilar): got NaN at index 0');
  });

  it('rejects a non-positive or non-finite margin', () => {
    for (const [m, shown] of [[0, '0'], [-1, '-1'], [Number.NaN, 'NaN'], [Infinity, 'Infinity']] as const) {
      expectError(() => contrastiveLoss(f64([1]), [0], { margin: m }), ValueError, `[contrastiveLoss] margin must be a positive number: got ${shown}`);
    }
  });

  it('rejects mismatched lengths and distances that are not [N]', () => {
    expectError(() => contrastiveLoss(f64([1, 2, 3]), [0, 1]), ShapeError, '[contrastiveLoss] distance has shape [3] but labels have 2 entries');
    expectError(() => contrastiveLoss(f64([[1], [2]]), [0, 1]), ShapeError, '[contrastiveLoss] distance must have shape [N]: got [2,1]');
  });

  it('rejects an unknown reduction', () => {
    expectError(
      () => contrastiveLoss(f64([1]), [0], { reduction: 'max' as Reduction }),
      ValueError,
      "[contrastiveLoss] reduction must be 'mean', 'sum' or 'none': got max",
    );
  });
});

describe('generalContrastiveLoss', () => {
  it('defaults to DrLIM’s partial losses', () => {
    const d = f64([0.5, 0.5, 2, 0]), y = [0, 1, 1, 0];
    const a = generalContrastiveLoss(d, y, { reduction: 'none' }).value;
    expect(a).toBeAllclose(contrastiveLoss(d, y, { reduction: 'none' }).value, { rtol: 0, atol: 0 });
  });

  it('uses custom L_S and L_D (which receives the margin): L_S = D², L_D = m·e^−D', () => {
    const opts = {
      margin: 3,
      reduction: 'none' as const,
      similar: (d: A.Variable) => A.mul(d, d),
      dissimilar: (d: A.Variable, m: number) => A.mul(m, A.exp(A.neg(d))),
    };
    const { value, grad } = valueAndGrad((d) => generalContrastiveLoss(d, [0, 1, 1], opts), [1, 2, 0]);
    expect(value).toBeAllclose([1, 3 * Math.exp(-2), 3], forward64);
    expect(grad).toBeAllclose([2, -3 * Math.exp(-2), -3], forward64);
    const sum = valueAndGrad((d) => generalContrastiveLoss(d, [0, 1, 1], { ...opts, reduction: 'sum' }), [1, 2, 0]);
    expect(sum.value.item()).toBeCloseTo(4 + 3 * Math.exp(-2), 14);
  });

  it('names itself in errors when given custom partial losses', () => {
    const similar = (d: A.Variable): A.Variable => d;
    expectError(() => generalContrastiveLoss(f64([1]), [3], { similar }), ValueError, '[generalContrastiveLoss] labels must be 0 (similar) or 1 (dissimilar): got 3 at index 0');
    expectError(() => generalContrastiveLoss(f64([1]), [0], { similar, margin: -2 }), ValueError, '[generalContrastiveLoss] margin must be a positive number: got -2');
  });
});

// ---- naive references (float64, written out) -----------------------------------------------------

const pnorm = (u: number[], p: number): number => u.reduce((s, x) => s + Math.abs(x) ** p, 0) ** (1 / p);
const diff = (u: number[], v: number[]): number[] => u.map((x, i) => x - v[i]!);

function tripletRef(a: number[][], p: number[][], n: number[][], margin: number, ord: number): number[] {
  return a.map((ai, i) => Math.max(0, pnorm(diff(ai, p[i]!), ord) - pnorm(diff(ai, n[i]!), ord) + margin));
}

function ntXentRef(z1: number[][], z2: number[][], tau: number): number {
  const z = [...z1, ...z2].map((r) => {
    const nr = Math.hypot(...r);
    return r.map((x) => x / nr);
  });
  const N = z1.length, M = 2 * N;
  let total = 0;
  for (let i = 0; i < M; i++) {
    const s = (k: number): number => z[i]!.reduce((acc, x, c) => acc + x * z[k]![c]!, 0) / tau;
    const pos = i < N ? i + N : i - N;
    let denom = 0;
    for (let k = 0; k < M; k++) if (k !== i) denom += Math.exp(s(k));
    total += -Math.log(Math.exp(s(pos)) / denom);
  }
  return total / M;
}

describe('tripletLoss', () => {
  const a = [[0, 0], [1, 1]];
  const p = [[1, 0], [1, 2]];
  const n = [[3, 4], [1, 1.5]]; // first triplet satisfied beyond the margin (loss 0), second violated

  it('matches max(0, ‖a−p‖ − ‖a−n‖ + m) per triplet, for p = 2 and p = 1', () => {
    const none = tripletLoss(f64(a), f64(p), f64(n), { reduction: 'none' }).value;
    expect(none).toBeAllclose([0, 1.5], forward64); // [max(0, 1 − 5 + 1), 1 − 0.5 + 1]
    expect(none).toBeAllclose(tripletRef(a, p, n, 1, 2), forward64);
    expect(tripletLoss(f64(a), f64(p), f64(n), { margin: 5, p: 1 }).value.item()).toBeCloseTo(
      (tripletRef(a, p, n, 5, 1)[0]! + tripletRef(a, p, n, 5, 1)[1]!) / 2, 12,
    );
    expect(tripletLoss(f64(a), f64(p), f64(n), { reduction: 'sum', margin: 0.25 }).value.item()).toBeCloseTo(0.75, 12);
  });

  it('gradient by hand: ∂L/∂a = (a−p)/‖a−p‖ − (a−n)/‖a−n‖ for an active triplet, 0 for an inactive one', () => {
    const av = A.variable(f64(a), { requiresGrad: true });
    const [g] = A.gradients(tripletLoss(av, f64(p), f64(n), { reduction: 'sum' }), [av]);
    expect(g!.value).toBeAllclose([[0, 0], [0, -1 + 1]], forward64); // (0,−1)/1 − (0,−0.5)/0.5 = (0, 0)
    A.gradcheck((x, y, z) => tripletLoss(x, y, z, { margin: 2, reduction: 'none' }), [
      f64([[0.1, 0.2, -0.3], [1, 0.5, 0.2]]), f64([[0.4, -0.1, 0.2], [0.7, 0.9, -0.4]]), f64([[1.1, 0.6, -0.8], [0.2, 0.1, 0.3]]),
    ], gradcheck64);
  });

  it('rejects mismatched shapes and a bad margin', () => {
    expectError(() => tripletLoss(f64(a), f64(p), f64([[1, 2]])), ShapeError,
      '[tripletLoss] anchor, positive and negative must share one shape [N, d]: got [2,2], [2,2], [1,2]');
    expectError(() => tripletLoss(f64([1, 2]), f64([1, 2]), f64([1, 2])), ShapeError,
      '[tripletLoss] anchor, positive and negative must share one shape [N, d]: got [2], [2], [2]');
    expectError(() => tripletLoss(f64(a), f64(p), f64(n), { margin: 0 }), ValueError, '[tripletLoss] margin must be a positive number: got 0');
  });
});

describe('ntXentLoss', () => {
  const z1 = [[1, 0, 0.5], [0.2, 1, -0.3]];
  const z2 = [[0.9, 0.1, 0.4], [-0.5, 0.8, 0.1]];

  it('matches the written-out SimCLR formula (N = 2 and N = 3, several temperatures)', () => {
    for (const tau of [0.5, 0.1, 2]) {
      expect(ntXentLoss(f64(z1), f64(z2), { temperature: tau }).value.item()).toBeCloseTo(ntXentRef(z1, z2, tau), 12);
    }
    expect(ntXentLoss(f64(z1), f64(z2)).value.item()).toBeCloseTo(ntXentRef(z1, z2, 0.5), 12); // default τ = 0.5
    const g = new Generator(3);
    const r1 = g.normal([3, 4], { dtype: 'float64' }), r2 = g.normal([3, 4], { dtype: 'float64' });
    expect(ntXentLoss(r1, r2, { temperature: 0.3 }).value.item()).toBeCloseTo(ntXentRef(r1.toArray() as number[][], r2.toArray() as number[][], 0.3), 12);
  });

  it('one sample: the only other embedding is the positive, so the loss is 0', () => {
    expect(ntXentLoss(f64([[1, 2]]), f64([[-3, 1]])).value.item()).toBeCloseTo(0, 14);
  });

  it('passes gradcheck (float64): the masked diagonal yields finite gradients', () => {
    A.gradcheck((a, b) => ntXentLoss(a, b, { temperature: 0.7 }), [f64(z1), f64(z2)], gradcheck64);
  });

  it('rejects mismatched shapes and a bad temperature', () => {
    expectError(() => ntXentLoss(f64(z1), f64([[1, 2, 3]])), ShapeError, '[ntXentLoss] z1 and z2 must share one shape [N, d]: got [2,3] and [1,3]');
    expectError(() => ntXentLoss(f64(z1), f64(z2), { temperature: 0 }), ValueError, '[ntXentLoss] temperature must be a positive number: got 0');
    expectError(() => ntXentLoss(f64(z1), f64(z2), { temperature: -1 }), ValueError, '[ntXentLoss] temperature must be a positive number: got -1');
  });
});
