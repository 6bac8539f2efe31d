import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRandom } from '../../../../../testing/random.js';
import { WASM_KC, WASM_MR, WASM_NR, gemmGatherWasm, gemmWasm, setArenaLimit } from './gemm.js';
import { getRuntime, memoryBytes } from './runtime.js';
import { MAX_PAGES } from './bytes.generated.js';

/*
 * The wasm kernel called directly (no size threshold, no backend switch) against a naive float64 loop, on the
 * kernel's own block edges: the 2×16 tile (M mod 2, N mod 16, in both orientations, since the wrapper computes
 * Cᵀ = Bᵀ·Aᵀ when that pads less), KC = 128, MC = 128, NC = 1024, and the arena splits (forced on small problems
 * with setArenaLimit). Tolerance: the kernel sums in float32, so relative to S = Σ|A·B| (+ |C0|) the bound of
 * recursive summation, (K + 2)·2^-24.
 */

const rt = getRuntime();
afterEach(() => setArenaLimit(null));

interface Case {
  M: number; N: number; K: number;
  /** A and B stored transposed (column-major), broadcast along rows (stride 0), or as a slice of a wider array. */
  la: 'row' | 'col' | 'bcast' | 'wide'; lb: 'row' | 'col' | 'bcast' | 'wide';
  gather: boolean; accumulate: boolean; cOff: number; padC: number; seed: number;
}

function strides(l: Case['la'], R: number, S: number): [number, number, number] {
  // [rowStride, colStride, storage length]
  if (l === 'row') return [S, 1, R * S];
  if (l === 'col') return [1, R, R * S];
  if (l === 'bcast') return [0, 1, S];
  return [S * 5 + 3, 1, (R - 1) * (S * 5 + 3) + S]; // every row a short run of a wide array
}

function run(c: Case): void {
  const rand = seededRandom(c.seed);
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, () => 2 * rand() - 1);
  const [aRs, aCs, aLen] = strides(c.la, c.M, c.K);
  const A = fill(aLen + 3), aOff = 3 % (A.length - aLen + 1);
  let bRead: (p: number, j: number) => number;
  const ldc = c.N + c.padC;
  const C = Float32Array.from({ length: c.cOff + c.M * ldc + 2 }, () => (c.accumulate ? 2 * rand() - 1 : Number.NaN));
  const C0 = C.slice();
  if (c.gather) {
    // Offset tables as the convolution builds them (taps × pixels), here random and possibly repeating;
    // 'wide' spreads them so the span far exceeds K·N (the dense-gather path).
    const spread = c.lb === 'wide' ? 4000 : 7;
    const rows = Int32Array.from({ length: c.K }, () => Math.floor(rand() * spread) * 3);
    // Half the time consecutive offsets (one image row of output pixels at stride 1), which the kernel packs
    // with vector loads when 16 of them line up.
    const run = rand() < 0.5;
    const cols = Int32Array.from({ length: c.N }, (_, j) => (run ? j % 37 : Math.floor(rand() * spread)));
    const B = fill(spread * 4 + 40);
    bRead = (p, j) => B[1 + rows[p]! + cols[j]!]!;
    gemmGatherWasm(c.M, c.N, c.K, A, aOff, aRs, aCs, B, 1, rows, cols, C, c.cOff, ldc, c.accumulate);
  } else {
    const [bRs, bCs, bLen] = strides(c.lb, c.K, c.N);
    const B = fill(bLen + 2);
    bRead = (p, j) => B[2 + p * bRs + j * bCs]!;
    gemmWasm(c.M, c.N, c.K, A, aOff, aRs, aCs, B, 2, bRs, bCs, C, c.cOff, ldc, c.accumulate);
  }
  const rel = (c.K + 2) * 2 ** -24;
  for (let q = 0; q < C.length; q++) {
    const r = q - c.cOff, i = Math.floor(r / ldc), j = r - i * ldc;
    if (!(r >= 0 && i < c.M && j < c.N)) {
      if (!Object.is(C[q], C0[q])) expect.fail(`C[${q}] outside the window changed (${JSON.stringify(c)})`);
      continue;
    }
    let s = c.accumulate ? C0[q]! : 0, bound = Math.abs(s);
    for (let p = 0; p < c.K; p++) {
      const v = A[aOff + i * aRs + p * aCs]! * bRead(p, j);
      s += v;
      bound += Math.abs(v);
    }
    if (!(Math.abs(C[q]! - s) <= rel * bound)) {
      expect.fail(`C(${i},${j}) = ${C[q]}, expected ${s}, tolerance ${rel * bound} (${JSON.stringify(c)})`);
    }
  }
}

const layout = fc.constantFrom<Case['la']>('row', 'col', 'bcast', 'wide');
const small = fc.oneof(fc.constantFrom(1, 2, 3, 15, 16, 17, 31, 32, 33), fc.integer({ min: 1, max: 40 }));
const edge = (b: number) => fc.constantFrom(b - 1, b, b + 1);
const arb = (dims: fc.Arbitrary<{ M: number; N: number; K: number }>): fc.Arbitrary<Case> =>
  fc.record({
    dims, la: layout, lb: layout, gather: fc.boolean(), accumulate: fc.boolean(),
    cOff: fc.integer({ min: 0, max: 5 }), padC: fc.constantFrom(0, 0, 1, 3), seed: fc.integer({ min: 0, max: 1e6 }),
  }).map(({ dims: d, ...rest }) => ({ ...rest, ...d }));

describe.runIf(rt !== null)('wasm gemm kernel', () => {
  it('uses the tile and depth the wrapper assumes', () => {
    expect([0, 1, 2].map((i) => rt!.exports.blocking(i))).toEqual([WASM_MR, WASM_NR, WASM_KC]);
  });

  it('matches a naive loop for random sizes, layouts, gathers and offsets', () => {
    fc.assert(fc.property(arb(fc.record({ M: small, N: small, K: small })), run), { numRuns: 300 });
  });

  it('matches on the KC, MC and NC block edges', () => {
    const dims = fc.oneof(
      fc.record({ M: small, N: small, K: edge(128) }),
      fc.record({ M: edge(128), N: small, K: fc.oneof(small, edge(256)) }),
      fc.record({ M: fc.integer({ min: 1, max: 5 }), N: edge(1024), K: small }),
      fc.record({ M: edge(1024), N: fc.integer({ min: 1, max: 5 }), K: small }),
    );
    fc.assert(fc.property(arb(dims), run), { numRuns: 60 });
  });

  it('splits problems larger than the arena (rows, columns, K) and still matches', () => {
    setArenaLimit(3000);
    fc.assert(fc.property(arb(fc.record({ M: fc.integer({ min: 1, max: 90 }), N: fc.integer({ min: 1, max: 90 }), K: fc.integer({ min: 1, max: 400 }) })), run), { numRuns: 60 });
  });

  it('gives bit-identical results whether or not the arena forces splits', () => {
    const rand = seededRandom(5);
    const M = 70, N = 90, K = 700;
    const A = Float32Array.from({ length: M * K }, () => rand() - 0.5);
    const B = Float32Array.from({ length: K * N }, () => rand() - 0.5);
    const whole = new Float32Array(M * N), split = new Float32Array(M * N);
    gemmWasm(M, N, K, A, 0, K, 1, B, 0, N, 1, whole, 0, N, false);
    setArenaLimit(4000);
    gemmWasm(M, N, K, A, 0, K, 1, B, 0, N, 1, split, 0, N, false);
    expect(Array.from(split)).toEqual(Array.from(whole));
  });

  it('keeps its memory bounded over many differently sized products', () => {
    const rand = seededRandom(9);
    const bound = MAX_PAGES * 65536;
    for (let t = 0; t < 40; t++) {
      // The first two have a 36 MB / 25 MB operand, beyond the arena, so they are split.
      const [M, N, K] = t === 0 ? [3000, 8, 3000] : t === 1 ? [8, 2500, 2500] : [
        1 + Math.floor(rand() * 300), 1 + Math.floor(rand() * 300), 1 + Math.floor(rand() * 300)];
      const A = new Float32Array(M * K).fill(0.5), B = new Float32Array(K * N).fill(2), C = new Float32Array(M * N);
      gemmWasm(M, N, K, A, 0, K, 1, B, 0, N, 1, C, 0, N, false);
      expect(C[M * N - 1]).toBe(K);
      expect(memoryBytes()).toBeLessThanOrEqual(bound);
    }
  });
});
