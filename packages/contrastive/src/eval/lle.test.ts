/**
 * lle against a naive dense reference (brute-force neighbours, Gaussian elimination, the matrix product
 * (I − W)ᵀ(I − W) written out, Jacobi's eigenvalue method), its defining properties on random data, and on known
 * manifolds: a plane embedded linearly in 3-D comes back up to an affine map (and so do new points, through
 * transform), a swiss roll's coordinates follow the roll's intrinsic ones.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, ShapeError, Tensor, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { lle } from './lle.js';

/** Rows of a float64 [n, D] matrix. */
const rowsOf = (x: number[][]): Tensor => new Tensor(Float64Array.from(x.flat()), [x.length, x[0]!.length]);

/** Solves A·x = b by Gaussian elimination with partial pivoting (A is small and dense). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length, M = A.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let j = c; j <= n; j++) M[r]![j]! -= f * M[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let v = M[r]![n]!;
    for (let j = r + 1; j < n; j++) v -= M[r]![j]! * x[j]!;
    x[r] = v / M[r]![r]!;
  }
  return x;
}

/** Cyclic Jacobi rotations until the off-diagonal vanishes: eigenvalues and eigenvectors (columns of V). */
function jacobi(A0: number[][]): { values: number[]; V: number[][] } {
  const n = A0.length, A = A0.map((r) => r.slice());
  const V: number[][] = A0.map((_, i) => A0.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(A[p]![q]!) < 1e-300) continue;
        const theta = (A[q]![q]! - A[p]![p]!) / (2 * A[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k]![p]!, akq = A[k]![q]!;
          A[k]![p] = c * akp - s * akq;
          A[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p]![k]!, aqk = A[q]![k]!;
          A[p]![k] = c * apk - s * aqk;
          A[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k]![p]!, vkq = V[k]![q]!;
          V[k]![p] = c * vkp - s * vkq;
          V[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: A.map((r, i) => r[i]!), V };
}

/** The textbook LLE, written out densely, with the same conventions as `lle`. */
function naiveLle(x: number[][], k: number, d: number, reg: number): { Y: number[][]; values: number[]; W: number[][] } {
  const n = x.length;
  const dist = (a: number[], b: number[]): number => a.reduce((s, v, c) => s + (v - b[c]!) ** 2, 0);
  const W = x.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const nb = x.map((_, j) => j).filter((j) => j !== i).sort((a, b) => dist(x[i]!, x[a]!) - dist(x[i]!, x[b]!) || a - b).slice(0, k);
    const Z = nb.map((j) => x[j]!.map((v, c) => v - x[i]![c]!));
    const C = Z.map((zs) => Z.map((zt) => zs.reduce((s, v, c) => s + v * zt[c]!, 0)));
    const tr = C.reduce((s, r, t) => s + r[t]!, 0);
    C.forEach((r, t) => (r[t]! += tr > 0 ? reg * tr : reg));
    const w = solve(C, new Array<number>(k).fill(1));
    const sw = w.reduce((s, v) => s + v, 0);
    nb.forEach((j, t) => (W[i]![j] = w[t]! / sw));
  }
  const IW = W.map((r, i) => r.map((v, j) => (i === j ? 1 : 0) - v));
  const M = IW.map((_, a) => IW.map((__, b) => IW.reduce((s, r) => s + r[a]! * r[b]!, 0)));
  const { values, V } = jacobi(M);
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const cols = order.slice(1, d + 1); // skip the constant vector (eigenvalue 0)
  return { Y: x.map((_, i) => cols.map((c) => Math.sqrt(n) * V[i]![c]!)), values: cols.map((c) => values[c]!), W };
}

/** R² of the least-squares fit of `target` by an affine function of the columns of `Y`. */
function affineR2(Y: Tensor, target: ArrayLike<number>): number {
  const n = Y.shape[0]!, d = Y.shape[1]!, y = Y.contiguous().data;
  const A = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0)), b = new Array<number>(d + 1).fill(0);
  for (let i = 0; i < n; i++) {
    const row = [...Array.from({ length: d }, (_, c) => y[i * d + c]!), 1];
    for (let a = 0; a <= d; a++) {
      b[a]! += row[a]! * target[i]!;
      for (let c = 0; c <= d; c++) A[a]![c]! += row[a]! * row[c]!;
    }
  }
  const beta = solve(A, b);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += target[i]! / n;
  let ssRes = 0, ssTot = 0;
  for (let i = 0; i < n; i++) {
    let fit = beta[d]!;
    for (let c = 0; c < d; c++) fit += beta[c]! * y[i * d + c]!;
    ssRes += (target[i]! - fit) ** 2;
    ssTot += (target[i]! - mean) ** 2;
  }
  return 1 - ssRes / ssTot;
}

describe('lle', () => {
  it('matches the naive dense reference: weights, eigenvalues and coordinates (up to each column\'s sign)', () => {
    const g = new Generator(3);
    const x = Array.from({ length: 14 }, () => [g.nextNormal(), g.nextNormal(), 0.3 * g.nextNormal()]);
    for (const [k, d, reg] of [[4, 2, 1e-3], [6, 3, 1e-2], [3, 1, 0]] as const) {
      const ref = naiveLle(x, k, d, reg);
      const got = lle(rowsOf(x), { k, components: d, reg });
      for (let i = 0; i < x.length; i++) {
        for (let t = 0; t < k; t++) expect(got.weights[i * k + t]).toBeCloseTo(ref.W[i]![got.neighbors[i * k + t]!]!, 10);
      }
      for (let r = 0; r < d; r++) expect(got.eigenvalues[r]).toBeCloseTo(ref.values[r]!, 10);
      const Y = got.embedding.contiguous().data;
      for (let r = 0; r < d; r++) {
        const sign = Math.sign(Y[r]!) * Math.sign(ref.Y[0]![r]!) || 1;
        for (let i = 0; i < x.length; i++) expect(Y[i * d + r]!).toBeCloseTo(sign * ref.Y[i]![r]!, 7);
      }
    }
  });

  it('properties: weights sum to 1, columns are centred and orthonormal (×√n), and eigenvectors of M', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 30 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1000 }), (n, D, seed) => {
        const g = new Generator(seed);
        const x = Array.from({ length: n }, () => Array.from({ length: D }, () => g.nextNormal()));
        const k = Math.min(5, n - 2), d = Math.min(2, n - 2);
        const r = lle(rowsOf(x), { k, components: d });
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let t = 0; t < k; t++) s += r.weights[i * k + t]!;
          expect(s).toBeCloseTo(1, 10);
        }
        const Y = r.embedding.contiguous().data;
        for (let a = 0; a < d; a++) {
          let mean = 0;
          for (let i = 0; i < n; i++) mean += Y[i * d + a]!;
          expect(Math.abs(mean) / n).toBeLessThan(1e-8);
          for (let b = 0; b < d; b++) {
            let dotp = 0;
            for (let i = 0; i < n; i++) dotp += Y[i * d + a]! * Y[i * d + b]!;
            expect(dotp / n).toBeCloseTo(a === b ? 1 : 0, 7);
          }
        }
        // (I − W)ᵀ(I − W)·y = λ·y for each column y.
        for (let a = 0; a < d; a++) {
          const e = new Float64Array(n); // e = (I − W)·y
          for (let i = 0; i < n; i++) {
            e[i] = Y[i * d + a]!;
            for (let t = 0; t < k; t++) e[i] = e[i]! - r.weights[i * k + t]! * Y[r.neighbors[i * k + t]! * d + a]!;
          }
          const My = Float64Array.from(e);
          for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) My[r.neighbors[i * k + t]!] = My[r.neighbors[i * k + t]!]! - r.weights[i * k + t]! * e[i]!;
          for (let i = 0; i < n; i++) expect(My[i]!).toBeCloseTo(r.eigenvalues[a]! * Y[i * d + a]!, 6);
        }
        for (let a = 1; a < d; a++) expect(r.eigenvalues[a]!).toBeGreaterThanOrEqual(r.eigenvalues[a - 1]! - 1e-12);
      }),
      { numRuns: 40 },
    );
  });

  it('recovers a plane embedded linearly in 3-D up to an affine map, and places new points of it the same way', () => {
    const g = new Generator(7);
    const sample = (m: number): { x: Tensor; u: number[]; v: number[] } => {
      const u = Array.from(g.uniform([m], { high: 4, dtype: 'float64' }).data), v = Array.from(g.uniform([m], { high: 2, dtype: 'float64' }).data);
      // (u, v) ↦ u·a + v·b + c, with a, b not orthogonal and of different lengths.
      const x = u.map((ui, i) => [1 + 0.8 * ui - 0.3 * v[i]!, -2 + 0.5 * ui + 1.1 * v[i]!, 3 + 0.2 * ui + 0.7 * v[i]!]);
      return { x: rowsOf(x), u, v };
    };
    const train = sample(300), unseen = sample(60);
    const r = lle(train.x, { k: 10, components: 2 });
    expect(affineR2(r.embedding, train.u)).toBeGreaterThan(0.995);
    expect(affineR2(r.embedding, train.v)).toBeGreaterThan(0.995);
    const y = r.transform(unseen.x);
    expect(y.shape).toEqual([60, 2]);
    expect(affineR2(y, unseen.u)).toBeGreaterThan(0.995);
    expect(affineR2(y, unseen.v)).toBeGreaterThan(0.995);
    // And the two eigenvalues are tiny: the plane's coordinates are (nearly) in M's null space.
    for (const e of r.eigenvalues) expect(e).toBeLessThan(1e-3);
  });

  it('unrolls a swiss roll: its first coordinate follows the roll\'s angle, its second the height', () => {
    // One turn and a half-turn's height: the strip (length ≈ 33, height 21) is short enough that the height's
    // first mode comes before the angle's second harmonic, so the two coordinates are the two intrinsic ones.
    for (const seed of [1, 2]) {
      const g = new Generator(seed);
      const n = 600;
      const t = Array.from(g.uniform([n], { low: 1.5 * Math.PI, high: 3 * Math.PI, dtype: 'float64' }).data);
      const h = Array.from(g.uniform([n], { high: 21, dtype: 'float64' }).data);
      const x = rowsOf(t.map((ti, i) => [ti * Math.cos(ti), h[i]!, ti * Math.sin(ti)]));
      const Y = lle(x, { k: 12, components: 2 }).embedding.contiguous().data;
      const corr = (a: number[], c: number): number => {
        let ma = 0, mb = 0;
        for (let i = 0; i < n; i++) {
          ma += a[i]! / n;
          mb += Y[2 * i + c]! / n;
        }
        let sab = 0, saa = 0, sbb = 0;
        for (let i = 0; i < n; i++) {
          const da = a[i]! - ma, db = Y[2 * i + c]! - mb;
          sab += da * db;
          saa += da * da;
          sbb += db * db;
        }
        return sab / Math.sqrt(saa * sbb);
      };
      expect(Math.abs(corr(t, 0))).toBeGreaterThan(0.98);
      expect(Math.abs(corr(h, 1))).toBeGreaterThan(0.95);
      expect(Math.abs(corr(h, 0))).toBeLessThan(0.2);
      expect(Math.abs(corr(t, 1))).toBeLessThan(0.2);
    }
  });

  it('errors', () => {
    const x = tensor([[0, 0], [1, 0], [0, 1], [1, 1], [2, 2]]);
    expectError(() => lle(x, { k: 4 }), ValueError, '[lle] k must be an integer in [1, 3] (at most n − 2 = 3 for 5 points): got k = 4');
    expectError(() => lle(x, { k: 2, components: 0 }), ValueError, '[lle] components must be an integer in [1, 3] (at most n − 2 = 3 for 5 points): got components = 0');
    expectError(() => lle(x, { k: 2, reg: -1 }), ValueError, '[lle] reg must be a finite number ≥ 0: got -1');
    expectError(() => lle(tensor([1, 2, 3]), { k: 1 }), ShapeError, '[lle] X must be 2-D [n, d]: got shape [3]');
    // Three collinear, equally spaced points and no regulariser: the middle one has a singular Gram matrix.
    expectError(() => lle(tensor([[0, 0], [1, 1], [2, 2], [3, 3]]), { k: 2, components: 1, reg: 0 }), ValueError, /^\[lle\] the local Gram matrix of point \d is singular \(its 2 neighbours are affinely dependent\): use reg > 0$/);
    const r = lle(x, { k: 2, components: 1 });
    expectError(() => r.transform(tensor([[1, 2, 3]])), ValueError, '[lle.transform] X has 3 features but the embedding was fitted on 2: got shape [1,3]');
  });
});
