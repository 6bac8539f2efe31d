import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gemm, gemmGather } from './gemm.js';
import type { FloatArray } from '../dtype.js';
import { getBackend, setBackend, type Backend } from './backend.js';
import { seededRandom } from '../../../../testing/random.js';

/*
 * gemm against a naive float64 triple loop written here. Every case checks the whole C buffer:
 * inside the M×N window against the reference, outside it (offset prefix, padding columns when
 * ldc > N, tail) bit-for-bit unchanged.
 *
 * Tolerances, relative to S = Σ_p |A(i,p)·B(p,j)| (+ |C0(i,j)| when accumulating), which bounds
 * every partial sum:
 * - float64 C: 1e-12·S. gemm and the reference sum the same float64 products in different orders.
 * - float32 C: 1e-5·S. gemm sums in float64 and rounds to float32 once per 256-deep slice of K
 *   (2^-24 ≈ 6e-8 each), so this is loose enough for any K used here and still catches any real
 *   error (a dropped or doubled product is ~1/K of S).
 * - float32 C on the wasm backend (all three arrays float32): the kernel sums in float32, so the bound
 *   is that of recursive summation, γ = (K + 2)·2^-24 (K products and the sums, each rounded once, plus the
 *   add into C), which grows with K; a dropped product (~S/K) still exceeds it for every K used here.
 * Inputs are read from their own arrays in the reference too, so float32 inputs are compared on
 * the same (already rounded) values.
 *
 * Every suite runs on both backends; the wasm kernel's own block edges are tested in wasm/gemm.test.ts.
 */

const backends: Backend[] = ['js', 'wasm'];
const initial = getBackend();
afterAll(() => setBackend(initial));

/** Relative tolerance for C's type, K and the operand types (see above). */
function tolerance(tc: DType, K: number, allF32: boolean): number {
  if (tc === 'f64') return 1e-12;
  return allF32 && getBackend() === 'wasm' ? Math.max(1e-5, (K + 2) * 2 ** -24) : 1e-5;
}

type DType = 'f32' | 'f64';
/** row: row-major; col: stored transposed (the view of a transpose); bcast: stride 0 on the outer dim. */
type Layout = 'row' | 'col' | 'bcast';

interface Case {
  M: number; N: number; K: number;
  ta: DType; tb: DType; tc: DType;
  la: Layout; lb: Layout;
  /** Extra leading-dimension padding for A / B, offset of each operand, extra C columns (ldc - N). */
  padA: number; padB: number; aOff: number; bOff: number; cOff: number; padC: number;
  accumulate: boolean;
  seed: number;
}

function alloc(t: DType, n: number): FloatArray {
  return t === 'f32' ? new Float32Array(n) : new Float64Array(n);
}

/** Strides of an R×S operand (element (r, s)) for a layout: [rowStride, colStride]. */
function strides(layout: Layout, R: number, S: number, pad: number): [number, number] {
  if (layout === 'row') return [S + pad, 1];
  if (layout === 'col') return [1, R + pad];
  return [0, 1]; // every row is the same stored row (broadcast along R)
}

/** Smallest buffer length holding an R×S operand at `off` with the given strides. */
function extent(off: number, R: number, S: number, rs: number, cs: number): number {
  return R === 0 || S === 0 ? off : off + (R - 1) * rs + (S - 1) * cs + 1;
}

interface Built {
  A: FloatArray; aRs: number; aCs: number;
  B: FloatArray; bRs: number; bCs: number;
  C: FloatArray; ldc: number;
  C0: FloatArray;
}

function build(c: Case): Built {
  const rand = seededRandom(c.seed);
  const [aRs, aCs] = strides(c.la, c.M, c.K, c.padA);
  const [bRs, bCs] = strides(c.lb, c.K, c.N, c.padB);
  const A = alloc(c.ta, extent(c.aOff, c.M, c.K, aRs, aCs) + 2);
  const B = alloc(c.tb, extent(c.bOff, c.K, c.N, bRs, bCs) + 2);
  for (let i = 0; i < A.length; i++) A[i] = 2 * rand() - 1;
  for (let i = 0; i < B.length; i++) B[i] = 2 * rand() - 1;
  const ldc = c.N + c.padC;
  const C = alloc(c.tc, c.cOff + c.M * ldc + 3);
  const garbage = [Number.NaN, Number.POSITIVE_INFINITY, -1e30, 12345];
  for (let i = 0; i < C.length; i++) {
    // Accumulating adds to finite values; overwriting must not care what was there.
    C[i] = c.accumulate ? 2 * rand() - 1 : garbage[Math.floor(rand() * garbage.length)]!;
  }
  return { A, aRs, aCs, B, bRs, bCs, C, ldc, C0: C.slice() };
}

/** Runs gemm on a fresh build of `c` and checks every element of C. */
function check(c: Case): void {
  const { A, aRs, aCs, B, bRs, bCs, C, ldc, C0 } = build(c);
  gemm(c.M, c.N, c.K, A, c.aOff, aRs, aCs, B, c.bOff, bRs, bCs, C, c.cOff, ldc, c.accumulate);

  const rel = tolerance(c.tc, c.K, c.ta === 'f32' && c.tb === 'f32');
  // Exact float64 copies keep the reference loop monomorphic (and fast on the large cases).
  const a = Float64Array.from(A);
  const b = Float64Array.from(B);
  for (let q = 0; q < C.length; q++) {
    const r = q - c.cOff;
    const i = Math.floor(r / ldc);
    const j = r - i * ldc;
    const inside = r >= 0 && i < c.M && j < c.N;
    if (!inside) {
      if (!Object.is(C[q], C0[q])) {
        expect.fail(`C[${q}] outside the ${c.M}×${c.N} window changed: ${C0[q]} → ${C[q]} (${JSON.stringify(c)})`);
      }
      continue;
    }
    let s = c.accumulate ? C0[q]! : 0;
    let bound = Math.abs(s);
    for (let p = 0; p < c.K; p++) {
      const v = a[c.aOff + i * aRs + p * aCs]! * b[c.bOff + p * bRs + j * bCs]!;
      s += v;
      bound += Math.abs(v);
    }
    const err = Math.abs(C[q]! - s);
    if (!(err <= rel * bound)) {
      expect.fail(`C(${i},${j}) = ${C[q]}, expected ${s} (err ${err}, bound ${rel * bound}) (${JSON.stringify(c)})`);
    }
  }
}

const base: Omit<Case, 'M' | 'N' | 'K'> = {
  ta: 'f32', tb: 'f32', tc: 'f32', la: 'row', lb: 'row',
  padA: 0, padB: 0, aOff: 0, bOff: 0, cOff: 0, padC: 0, accumulate: false, seed: 1,
};

/** 0..70, weighted towards the degenerate sizes and the 3-wide register-block edges. */
const dim = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13),
  fc.integer({ min: 0, max: 70 }),
);
const dtype = fc.constantFrom<DType>('f32', 'f64');
const layout = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Layout>('row', 'col') },
  { weight: 1, arbitrary: fc.constant<Layout>('bcast') },
);
const caseArb: fc.Arbitrary<Case> = fc.record({
  M: dim, N: dim, K: dim,
  ta: dtype, tb: dtype, tc: dtype,
  la: layout, lb: layout,
  padA: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 })),
  padB: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 })),
  aOff: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
  bOff: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
  cOff: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
  padC: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })),
  accumulate: fc.boolean(),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

describe.each(backends)('gemm on the %s backend', (backend) => {
  beforeEach(() => setBackend(backend));

  it('matches a naive float64 triple loop for random sizes, layouts, types and offsets', () => {
    fc.assert(fc.property(caseArb, (c) => check(c)), { numRuns: 400 });
  });

  it('handles every row/transposed layout pair and type triple on block-edge sizes', () => {
    const layouts: [Layout, Layout][] = [['row', 'row'], ['col', 'row'], ['row', 'col'], ['col', 'col']];
    const types: DType[] = ['f32', 'f64'];
    let seed = 100;
    for (const [M, N, K] of [[1, 1, 1], [3, 3, 3], [4, 5, 7], [17, 16, 19], [31, 29, 65], [70, 70, 70]] as const) {
      for (const [la, lb] of layouts) {
        for (const ta of types) for (const tb of types) for (const tc of types) {
          for (const accumulate of [false, true]) {
            check({ ...base, M, N, K, la, lb, ta, tb, tc, accumulate, padC: 2, cOff: 3, aOff: 1, bOff: 2, seed: seed++ });
          }
        }
      }
    }
  });

  it('K = 0 zeroes the window, or leaves C untouched when accumulating', () => {
    for (const tc of ['f32', 'f64'] as const) {
      check({ ...base, M: 4, N: 5, K: 0, tc, padC: 3, cOff: 2 }); // garbage → 0, padding kept
      const c: Case = { ...base, M: 4, N: 5, K: 0, tc, padC: 3, cOff: 2, accumulate: true };
      const { A, B, C, ldc, C0 } = build(c);
      gemm(4, 5, 0, A, 0, 0, 1, B, 0, 5, 1, C, 2, ldc, true);
      expect(Array.from(C)).toEqual(Array.from(C0));
    }
  });

  it('M = 0 or N = 0 writes nothing', () => {
    for (const [M, N] of [[0, 5], [5, 0], [0, 0]] as const) {
      for (const accumulate of [false, true]) {
        const c: Case = { ...base, M, N, K: 7, padC: 2, cOff: 1, accumulate };
        const { A, B, C, ldc, C0 } = build(c);
        gemm(M, N, 7, A, 0, 7, 1, B, 0, N, 1, C, 1, ldc, accumulate);
        expect(Array.from(C)).toEqual(Array.from(C0));
      }
    }
  });

  it('broadcast operands (stride 0) read the same element everywhere', () => {
    // aRs = 0: one stored row of A serves every i; bRs = 0: one stored row of B serves every p.
    check({ ...base, M: 40, N: 37, K: 50, la: 'bcast', lb: 'bcast', ta: 'f64', tb: 'f32', tc: 'f64' });
    // A with aCs = 0: every p reads the same element of its row.
    const M = 20, N = 21, K = 30;
    const A = new Float64Array(M).map((_, i) => i - 7);
    const B = new Float64Array(K * N).map((_, q) => (q % 11) - 5);
    const C = new Float64Array(M * N);
    gemm(M, N, K, A, 0, 1, 0, B, 0, N, 1, C, 0, N, false);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let p = 0; p < K; p++) s += A[i]! * B[p * N + j]!;
        expect(C[i * N + j]).toBe(s); // small integers: exact in any order
      }
    }
  });

  it('large problems crossing the KC, MC and NC blocks', () => {
    // 300×257×130: M > MC (96) and K > KC (256) with a 1-deep last K slice; 7×260×2050 has N > NC
    // (2040) so the column loop runs twice with a 10-wide remainder.
    const variants: Pick<Case, 'la' | 'lb' | 'ta' | 'tb' | 'tc' | 'accumulate'>[] = [
      { la: 'row', lb: 'row', ta: 'f32', tb: 'f32', tc: 'f32', accumulate: false },
      { la: 'col', lb: 'col', ta: 'f64', tb: 'f64', tc: 'f64', accumulate: true },
      { la: 'col', lb: 'row', ta: 'f32', tb: 'f64', tc: 'f32', accumulate: true },
      { la: 'row', lb: 'col', ta: 'f64', tb: 'f32', tc: 'f64', accumulate: false },
    ];
    let seed = 7;
    for (const [M, K, N] of [[300, 257, 130], [7, 260, 2050]] as const) {
      for (const v of variants) check({ ...base, ...v, M, N, K, padC: 1, cOff: 2, seed: seed++ });
    }
  });

  it('block-boundary sizes (KC, MC, NC ± 1, tile remainders) in both tile orientations', () => {
    // KC = 256, MC = 96, NC = 2040 and the 2×3 tile; gemm computes Cᵀ = Bᵀ·Aᵀ when that pads less,
    // so M and N each take residues mod 2 and 3 on both sides of the block edges.
    const edge = (b: number) => fc.constantFrom(b - 1, b, b + 1);
    const small = fc.integer({ min: 2, max: 13 });
    const big = fc.oneof(
      fc.record({ M: edge(96), N: small, K: fc.oneof(small, edge(256)) }),
      fc.record({ M: small, N: edge(96), K: fc.oneof(small, edge(256)) }),
      fc.record({ M: fc.integer({ min: 2, max: 4 }), N: edge(2040), K: fc.oneof(small, edge(256)) }),
      fc.record({ M: edge(2040), N: fc.integer({ min: 2, max: 4 }), K: small }),
    );
    const arb = fc.record({
      dims: big, ta: dtype, tb: dtype, tc: dtype, la: fc.constantFrom<Layout>('row', 'col'),
      lb: fc.constantFrom<Layout>('row', 'col'), accumulate: fc.boolean(), seed: fc.integer({ min: 0, max: 1e6 }),
    });
    fc.assert(
      fc.property(arb, ({ dims, ...rest }) => check({ ...base, ...rest, ...dims, padC: 1, cOff: 1 })),
      { numRuns: 60 },
    );
  });

  it('gives the same results when a small call follows a large one (workspace reuse)', () => {
    const cases: Case[] = [
      { ...base, M: 200, N: 150, K: 300, tc: 'f64', ta: 'f64', tb: 'f64' },
      { ...base, M: 5, N: 4, K: 2, la: 'col' },
      { ...base, M: 31, N: 1, K: 64, lb: 'col', tc: 'f64' },
      { ...base, M: 1, N: 50, K: 100, accumulate: true },
    ];
    for (const c of cases) check(c);
  });
});

describe.each(backends)('gemmGather on the %s backend', (backend) => {
  beforeEach(() => setBackend(backend));

  /** B(p, j) = B[bOff + rows[p] + cols[j]] with random tables (entries may repeat), checked like gemm. */
  function checkGather(c: { M: number; N: number; K: number; ta: DType; tb: DType; tc: DType; la: Layout; accumulate: boolean; seed: number }): void {
    const rand = seededRandom(c.seed);
    const R = 1 + Math.floor(rand() * 50), S = 1 + Math.floor(rand() * 50), bOff = Math.floor(rand() * 4);
    const rows = Int32Array.from({ length: c.K }, () => Math.floor(rand() * R));
    const cols = Int32Array.from({ length: c.N }, () => Math.floor(rand() * S));
    const B = alloc(c.tb, bOff + R + S);
    for (let i = 0; i < B.length; i++) B[i] = 2 * rand() - 1;
    const [aRs, aCs] = strides(c.la, c.M, c.K, 0);
    const A = alloc(c.ta, c.M * c.K + 1);
    for (let i = 0; i < A.length; i++) A[i] = 2 * rand() - 1;
    const ldc = c.N + 1, cOff = 2;
    const C = alloc(c.tc, cOff + c.M * ldc + 1);
    for (let i = 0; i < C.length; i++) C[i] = c.accumulate ? 2 * rand() - 1 : Number.NaN;
    const C0 = C.slice();
    gemmGather(c.M, c.N, c.K, A, 0, aRs, aCs, B, bOff, rows, cols, C, cOff, ldc, c.accumulate);
    const rel = tolerance(c.tc, c.K, c.ta === 'f32' && c.tb === 'f32');
    for (let q = 0; q < C.length; q++) {
      const r = q - cOff, i = Math.floor(r / ldc), j = r - i * ldc;
      if (!(r >= 0 && i < c.M && j < c.N)) {
        if (!Object.is(C[q], C0[q])) expect.fail(`C[${q}] outside the window changed (${JSON.stringify(c)})`);
        continue;
      }
      let s = c.accumulate ? C0[q]! : 0;
      let bound = Math.abs(s);
      for (let p = 0; p < c.K; p++) {
        const v = A[i * aRs + p * aCs]! * B[bOff + rows[p]! + cols[j]!]!;
        s += v;
        bound += Math.abs(v);
      }
      if (!(Math.abs(C[q]! - s) <= rel * bound)) expect.fail(`C(${i},${j}) = ${C[q]}, expected ${s} (${JSON.stringify(c)})`);
    }
  }

  it('matches a naive loop over the gathered B for random sizes, types and block-boundary sizes', () => {
    const edge = (b: number) => fc.constantFrom(b - 1, b, b + 1);
    const small = fc.integer({ min: 0, max: 13 });
    const dims = fc.oneof(
      { weight: 3, arbitrary: fc.record({ M: dim, N: dim, K: dim }) },
      { weight: 1, arbitrary: fc.record({ M: edge(96), N: small, K: fc.oneof(small, edge(256)) }) },
      { weight: 1, arbitrary: fc.record({ M: small, N: edge(96), K: fc.oneof(small, edge(256)) }) },
      { weight: 1, arbitrary: fc.record({ M: fc.integer({ min: 1, max: 4 }), N: edge(2040), K: small }) },
    );
    const arb = fc.record({
      dims, ta: dtype, tb: dtype, tc: dtype, la: fc.constantFrom<Layout>('row', 'col'),
      accumulate: fc.boolean(), seed: fc.integer({ min: 0, max: 1e6 }),
    });
    fc.assert(fc.property(arb, ({ dims: d, ...rest }) => checkGather({ ...rest, ...d })), { numRuns: 250 });
  });
});
