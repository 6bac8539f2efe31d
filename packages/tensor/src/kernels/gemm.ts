import { wasmActive } from './backend.js';
import { gemmGatherWasm, gemmWasm } from './wasm/gemm.js';

import type { FloatArray } from '../dtype.js';

export type { FloatArray };

/*
 * Packed, cache-blocked GEMM in the GotoBLAS/BLIS structure, in plain TypeScript.
 *
 *   for jc in N step NC:                 B block  (KC×NC, ~4 MB: stays in L3)
 *     for pc in K step KC:
 *       pack B[pc:pc+kc, jc:jc+nc] into NR-column micro-panels
 *       for ic in M step MC:             A block  (MC×KC, ~190 KB: stays in L2)
 *         pack A[ic:ic+mc, pc:pc+kc] into MR-row micro-panels
 *         for jr in nc step NR:          B micro-panel (KC×NR, 6 KB: stays in L1)
 *           for ir in mc step MR:
 *             micro-kernel: C[MR×NR tile] (+)= A micro-panel · B micro-panel
 *
 * Why it is shaped like this (all measured with node 20 / V8 11.3 on the 2-core AMD EPYC dev box;
 * the tuning scripts live outside the repo):
 *
 * - Everything is packed into ONE Float64Array workspace (A panels, B panels and an edge tile),
 *   a `const` captured by the kernels (see makePacked): TurboFan folds it into a constant, so a
 *   packed load is `cmp index, LENGTH; jae; movsd [DATA + index*8]` with no map check or field
 *   loads, and the micro-kernel only ever sees one array type whatever the inputs are. Against
 *   the same kernels taking the workspace as an argument this is 20–30% faster. Float64 packing
 *   is required anyway for float64 inputs (gradient checks); a Float32Array workspace would add a
 *   conversion to every load.
 * - Pack functions exist once per source type (packA32/packA64, packB32/packB64) and the
 *   micro-kernel once per C type (micro32/micro64), so no hot function ever sees both
 *   Float32Array and Float64Array (a polymorphic element access costs a map dispatch per access,
 *   and V8 deoptimizes when the feedback changes).
 * - MR×NR = 2×3. TurboFan schedules all products of an iteration before all the adds, so each
 *   accumulator needs a second register for its product: 3×3 needs 18 of the 15 allocatable XMM
 *   registers and spills 4 accumulators, whose loop-carried dependency then goes through a store
 *   and a reload every iteration. 2×3 (6 accumulators + 6 products) stays in registers: in
 *   isolation 5.4–5.7 GFLOP/s against 4.2–4.4 for 3×3, 3.8–4.9 for 4×3 / 3×4 / 4×4 / 2×4 /
 *   2×5 / 2×6 (all of which spill). Because the tile is not square, gemm multiplies Cᵀ = Bᵀ·Aᵀ
 *   (C written through swapped strides) when that orientation needs less zero padding.
 * - The micro-kernel writes its tile straight into C and stays a separate function: when it was
 *   inlined into the macro-kernel's loops the extra live values pushed the accumulators into stack
 *   slots (3×3 at 512³ dropped from ~4 to ~2.6 GFLOP/s).
 * - Hot loop indices are written `(i + k) | 0`: the int32 truncation lets V8 drop the overflow
 *   checks (so element indices must stay below 2^31, far above any tensor here).
 * - KC/MC/NC: see the constants below.
 */

/** Micro-tile rows (register block height). The micro-kernels below are unrolled for exactly 2. */
const MR = 2;
/** Micro-tile columns (register block width). The micro-kernels below are unrolled for exactly 3. */
const NR = 3;
/**
 * Depth of a packed block. Long enough that the per-call cost of a micro-kernel (call, 6 C
 * read-modify-writes) is noise, short enough that a B micro-panel (KC·NR·8 B = 6 KB) stays in L1
 * next to the A micro-panels streaming through.
 */
const KC = 256;
/** Rows of a packed A block (a multiple of MR): MC·KC·8 B = 192 KB stays in the 512 KB L2. */
const MC = 96;
/** Columns of a packed B block (a multiple of NR): KC·NC·8 B ≈ 4 MB, inside the 32 MB L3. */
const NC = 2040;
/**
 * Up to this many multiply-adds a direct strided triple loop beats packing (measured: 4×4×4 direct
 * 0.40 vs packed 0.27 GFLOP/s, 6×6×6 0.70 vs 1.56). Matrix–vector products (M = 1 or N = 1) also go
 * direct: every packed tile would be an edge tile (1×1000×1: 0.93 vs 0.15).
 */
const SMALL_WORK = 64;

/** Offset of the packed B block in {@link WS} (the A block comes first). */
const B_BASE = MC * KC;
/** Offset of the MR×NR edge tile in {@link WS}. */
const TILE = B_BASE + KC * NC;
/**
 * Fewest multiply-adds M·N·K for which a float32 product goes to the wasm kernel (when the backend is 'wasm'):
 * below it the copies into and out of wasm memory cost more than the faster kernel saves. Measured: see
 * docs/tensor.md §6.
 */
export const WASM_MIN_WORK = 1024;

/** True when the product takes the wasm kernel: all three arrays float32, enough work, backend 'wasm'. */
function onWasm(M: number, N: number, K: number, A: FloatArray, B: FloatArray, C: FloatArray): boolean {
  return M * N * K >= WASM_MIN_WORK && A instanceof Float32Array && B instanceof Float32Array &&
    C instanceof Float32Array && wasmActive();
}
/**
 * General matrix multiply on raw strided storage: C = A·B, or C += A·B when `accumulate`.
 *
 *   C[i, j] (+)= Σ_{p<K} A[i, p] · B[p, j]     for 0 ≤ i < M, 0 ≤ j < N
 *
 * A is M×K with element (i, p) at `A[aOff + i*aRs + p*aCs]`; B is K×N with element (p, j) at
 * `B[bOff + p*bRs + j*bCs]`; C is M×N, row-major, element (i, j) at `C[cOff + i*ldc + j]`.
 * Arbitrary strides (including transposed views and stride 0 from broadcasting) multiply without a
 * copy. A, B and C may each be Float32Array or Float64Array. When all three are float32, the backend is
 * 'wasm' and M·N·K ≥ {@link WASM_MIN_WORK}, the product runs on the WebAssembly SIMD kernel (kernels/wasm/gemm.ts)
 * and sums in float32; otherwise products are summed in float64 and rounded to C's type once per 256-deep
 * slice of K. Only the M×N window of C is written
 * (padding columns when ldc > N are left alone). With K = 0 the window is zeroed, or left
 * untouched when accumulating. C must not alias A or B.
 */
export function gemm(
  M: number, N: number, K: number,
  A: FloatArray, aOff: number, aRs: number, aCs: number,
  B: FloatArray, bOff: number, bRs: number, bCs: number,
  C: FloatArray, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);
    return;
  }
  if (onWasm(M, N, K, A, B, C)) {
    gemmWasm(M, N, K, A as Float32Array, aOff, aRs, aCs, B as Float32Array, bOff, bRs, bCs, C as Float32Array, cOff, ldc, accumulate);
    return;
  }
  if (M === 1 || N === 1 || M * N * K <= SMALL_WORK) {
    gemmSmall(M, N, K, A, aOff, aRs, aCs, B, bOff, bRs, bCs, C, cOff, ldc, accumulate);
    return;
  }
  // The tile is MR×NR = 2×3, not square: compute Cᵀ = Bᵀ·Aᵀ instead when that pads less
  // (M = 15 rows would waste a sixteenth, N = 64 columns a sixty-fifth).
  const padded = Math.ceil(M / MR) * MR * Math.ceil(N / NR) * NR;
  const paddedT = Math.ceil(N / MR) * MR * Math.ceil(M / NR) * NR;
  if (paddedT < padded) {
    packed(N, M, K, B, bOff, bCs, bRs, null, null, A, aOff, aCs, aRs, null, null, C, cOff, 1, ldc, accumulate);
  } else {
    packed(M, N, K, A, aOff, aRs, aCs, null, null, B, bOff, bRs, bCs, null, null, C, cOff, ldc, 1, accumulate);
  }
}

/**
 * {@link gemm} with a gathered B: element (p, j) of B is `B[bOff + bRows[p] + bCols[j]]`, for any
 * offset tables (bRows of length ≥ K, bCols of length ≥ N, entries such that every index is in
 * bounds). A strided B is the special case bRows[p] = p·bRs, bCols[j] = j·bCs; convolution uses it
 * to read the im2col matrix straight out of the image (row p = tap (c, kh, kw), column j = output
 * pixel), packing it once instead of copying it into a cols buffer and then packing that.
 * Everything else is as in gemm.
 */
export function gemmGather(
  M: number, N: number, K: number,
  A: FloatArray, aOff: number, aRs: number, aCs: number,
  B: FloatArray, bOff: number, bRows: Int32Array, bCols: Int32Array,
  C: FloatArray, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);
    return;
  }
  if (onWasm(M, N, K, A, B, C)) {
    gemmGatherWasm(M, N, K, A as Float32Array, aOff, aRs, aCs, B as Float32Array, bOff, bRows, bCols, C as Float32Array, cOff, ldc, accumulate);
    return;
  }
  if (M === 1 || N === 1 || M * N * K <= SMALL_WORK) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const bj = bOff + bCols[j]!;
        let s = 0.0;
        for (let p = 0; p < K; p++) s += A[aOff + i * aRs + p * aCs]! * B[bj + bRows[p]!]!;
        if (accumulate) C[cOff + i * ldc + j] += s;
        else C[cOff + i * ldc + j] = s;
      }
    }
    return;
  }
  const padded = Math.ceil(M / MR) * MR * Math.ceil(N / NR) * NR;
  const paddedT = Math.ceil(N / MR) * MR * Math.ceil(M / NR) * NR;
  if (paddedT < padded) {
    packed(N, M, K, B, bOff, 0, 0, bCols, bRows, A, aOff, aCs, aRs, null, null, C, cOff, 1, ldc, accumulate);
  } else {
    packed(M, N, K, A, aOff, aRs, aCs, null, null, B, bOff, 0, 0, bRows, bCols, C, cOff, ldc, 1, accumulate);
  }
}

/**
 * Direct strided triple loop for tiny products and matrix–vector products, where packing would
 * dominate. Its element accesses are polymorphic (any mix of array types), which costs little at
 * these sizes and keeps the packed path's functions monomorphic.
 */
function gemmSmall(
  M: number, N: number, K: number,
  A: FloatArray, aOff: number, aRs: number, aCs: number,
  B: FloatArray, bOff: number, bRs: number, bCs: number,
  C: FloatArray, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * aRs;
    const ci = cOff + i * ldc;
    for (let j = 0; j < N; j++) {
      let s = 0.0;
      let a = ai;
      let b = bOff + j * bCs;
      for (let p = 0; p < K; p++) {
        s += A[a]! * B[b]!;
        a += aCs;
        b += bRs;
      }
      if (accumulate) C[ci + j] += s;
      else C[ci + j] = s;
    }
  }
}

/**
 * Builds the packed path: the workspace and every kernel that touches it, as closures over one
 * `const` workspace. Each closure is created exactly once, so TurboFan specializes it to this
 * context and folds the workspace into a constant (its length and data pointer become immediates;
 * no map check or field loads per loop iteration). Top-level module functions over a module-level
 * `const` get the same folding from tsc's output, but bundlers such as esbuild rewrite top-level
 * `const` to `var`, which is mutable and defeats it; a function scope keeps the `const`.
 */
function makePacked(): (
  M: number, N: number, K: number,
  A: FloatArray, aOff: number, aRs: number, aCs: number, aRows: Int32Array | null, aCols: Int32Array | null,
  B: FloatArray, bOff: number, bRs: number, bCs: number, bRows: Int32Array | null, bCols: Int32Array | null,
  C: FloatArray, cOff: number, cRs: number, cCs: number,
  accumulate: boolean,
) => void {
  /**
   * Packing workspace: [A block | B block | MR×NR edge tile], 4.4 MB, allocated once (the pages are
   * only touched as far as the largest product so far reaches). It is a `const` of this scope on
   * purpose: TurboFan specializes each of the kernels below to it, so its length and data pointer
   * are compile-time constants and an element load is a bounds compare and one `movsd`, instead of
   * a map check plus three field loads per loop iteration for an array passed as an argument.
   */
  const WS = new Float64Array(TILE + MR * NR);

  /**
   * The packed, blocked product of {@link gemm} with C(i, j) at `C[cOff + i*cRs + j*cCs]`. An
   * operand with row/column offset tables (both non-null) is gathered as in {@link gemmGather}
   * (its strides are then unused); otherwise it is strided.
   */
  function blocked(
    M: number, N: number, K: number,
    A: FloatArray, aOff: number, aRs: number, aCs: number, aRows: Int32Array | null, aCols: Int32Array | null,
    B: FloatArray, bOff: number, bRs: number, bCs: number, bRows: Int32Array | null, bCols: Int32Array | null,
    C: FloatArray, cOff: number, cRs: number, cCs: number,
    accumulate: boolean,
  ): void {
    const a32 = A instanceof Float32Array;
    const b32 = B instanceof Float32Array;
    const c32 = C instanceof Float32Array;
    for (let jc = 0; jc < N; jc += NC) {
      const nc = Math.min(NC, N - jc);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = Math.min(KC, K - pc);
        // Later K slices always add onto the partial sums the earlier slices stored.
        const acc = accumulate || pc > 0;
        if (bRows !== null && bCols !== null) {
          if (b32) packBG32(B as Float32Array, bOff, bRows, pc, bCols, jc, kc, nc);
          else packBG64(B as Float64Array, bOff, bRows, pc, bCols, jc, kc, nc);
        } else {
          const bo = bOff + pc * bRs + jc * bCs;
          if (b32) packB32(B as Float32Array, bo, bRs, bCs, kc, nc);
          else packB64(B as Float64Array, bo, bRs, bCs, kc, nc);
        }
        for (let ic = 0; ic < M; ic += MC) {
          const mc = Math.min(MC, M - ic);
          if (aRows !== null && aCols !== null) {
            if (a32) packAG32(A as Float32Array, aOff, aRows, ic, aCols, pc, mc, kc);
            else packAG64(A as Float64Array, aOff, aRows, ic, aCols, pc, mc, kc);
          } else {
            const ao = aOff + ic * aRs + pc * aCs;
            if (a32) packA32(A as Float32Array, ao, aRs, aCs, mc, kc);
            else packA64(A as Float64Array, ao, aRs, aCs, mc, kc);
          }
          const co = cOff + ic * cRs + jc * cCs;
          if (c32) macro32(mc, nc, kc, C as Float32Array, co, cRs, cCs, acc);
          else macro64(mc, nc, kc, C as Float64Array, co, cRs, cCs, acc);
        }
      }
    }
  }

  /* ----------------------------------------------------------------------------------------------
   * Macro-kernels: walk the packed A block × the packed B block in micro-tiles. Full tiles go
   * straight to the micro-kernel of C's type; edge tiles (rows/columns past M or N, whose packed
   * entries are zero-padded) are computed into the workspace tile by micro64 and the valid part is
   * copied out, so C is never written outside its M×N window.
   * -------------------------------------------------------------------------------------------- */

  function macro32(
    mc: number, nc: number, kc: number, C: Float32Array, c0: number, cRs: number, cCs: number,
    acc: boolean,
  ): void {
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = Math.min(NR, nc - jr);
      const bi = B_BASE + jr * kc;
      for (let ir = 0; ir < mc; ir += MR) {
        const mr = Math.min(MR, mc - ir);
        const c = c0 + ir * cRs + jr * cCs;
        if (mr === MR && nr === NR) {
          micro32(kc, ir * kc, bi, C, c, cRs, cCs, acc);
        } else {
          micro64(kc, ir * kc, bi, WS, TILE, NR, 1, false);
          edge32(C, c, cRs, cCs, mr, nr, acc);
        }
      }
    }
  }

  function macro64(
    mc: number, nc: number, kc: number, C: Float64Array, c0: number, cRs: number, cCs: number,
    acc: boolean,
  ): void {
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = Math.min(NR, nc - jr);
      const bi = B_BASE + jr * kc;
      for (let ir = 0; ir < mc; ir += MR) {
        const mr = Math.min(MR, mc - ir);
        const c = c0 + ir * cRs + jr * cCs;
        if (mr === MR && nr === NR) {
          micro64(kc, ir * kc, bi, C, c, cRs, cCs, acc);
        } else {
          micro64(kc, ir * kc, bi, WS, TILE, NR, 1, false);
          edge64(C, c, cRs, cCs, mr, nr, acc);
        }
      }
    }
  }

  /** Copy (or add) the valid mr×nr corner of the workspace tile into C. */
  function edge32(C: Float32Array, c: number, cRs: number, cCs: number, mr: number, nr: number, acc: boolean): void {
    for (let i = 0; i < mr; i++) {
      for (let j = 0; j < nr; j++) {
        const d = c + i * cRs + j * cCs;
        if (acc) C[d] += WS[TILE + i * NR + j]!;
        else C[d] = WS[TILE + i * NR + j]!;
      }
    }
  }

  function edge64(C: Float64Array, c: number, cRs: number, cCs: number, mr: number, nr: number, acc: boolean): void {
    for (let i = 0; i < mr; i++) {
      for (let j = 0; j < nr; j++) {
        const d = c + i * cRs + j * cCs;
        if (acc) C[d] += WS[TILE + i * NR + j]!;
        else C[d] = WS[TILE + i * NR + j]!;
      }
    }
  }

  /* ----------------------------------------------------------------------------------------------
   * Micro-kernels: C[c + i*cRs + j*cCs] (+)= Σ_p WS[ai + 2p + i] · WS[bi + 3p + j] for i < 2, j < 3.
   * The A micro-panel holds, for each p, the 2 rows' values; the B micro-panel, for each p, the 3
   * columns' values. micro32 and micro64 are the same code for the two C types (see the header).
   * -------------------------------------------------------------------------------------------- */

  function micro32(
    kc: number, ai: number, bi: number, C: Float32Array, c: number, cRs: number, cCs: number,
    acc: boolean,
  ): void {
    const w = WS;
    let c00 = 0.0, c01 = 0.0, c02 = 0.0;
    let c10 = 0.0, c11 = 0.0, c12 = 0.0;
    const aEnd = ai + kc * MR;
    for (; ai < aEnd; ai = (ai + 2) | 0, bi = (bi + 3) | 0) {
      const a0 = w[ai]!;
      const a1 = w[(ai + 1) | 0]!;
      const b0 = w[bi]!;
      c00 += a0 * b0; c10 += a1 * b0;
      const b1 = w[(bi + 1) | 0]!;
      c01 += a0 * b1; c11 += a1 * b1;
      const b2 = w[(bi + 2) | 0]!;
      c02 += a0 * b2; c12 += a1 * b2;
    }
    const c1 = c + cRs;
    const cc = cCs + cCs;
    if (acc) {
      C[c] += c00; C[c + cCs] += c01; C[c + cc] += c02;
      C[c1] += c10; C[c1 + cCs] += c11; C[c1 + cc] += c12;
    } else {
      C[c] = c00; C[c + cCs] = c01; C[c + cc] = c02;
      C[c1] = c10; C[c1 + cCs] = c11; C[c1 + cc] = c12;
    }
  }

  function micro64(
    kc: number, ai: number, bi: number, C: Float64Array, c: number, cRs: number, cCs: number,
    acc: boolean,
  ): void {
    const w = WS;
    let c00 = 0.0, c01 = 0.0, c02 = 0.0;
    let c10 = 0.0, c11 = 0.0, c12 = 0.0;
    const aEnd = ai + kc * MR;
    for (; ai < aEnd; ai = (ai + 2) | 0, bi = (bi + 3) | 0) {
      const a0 = w[ai]!;
      const a1 = w[(ai + 1) | 0]!;
      const b0 = w[bi]!;
      c00 += a0 * b0; c10 += a1 * b0;
      const b1 = w[(bi + 1) | 0]!;
      c01 += a0 * b1; c11 += a1 * b1;
      const b2 = w[(bi + 2) | 0]!;
      c02 += a0 * b2; c12 += a1 * b2;
    }
    const c1 = c + cRs;
    const cc = cCs + cCs;
    if (acc) {
      C[c] += c00; C[c + cCs] += c01; C[c + cc] += c02;
      C[c1] += c10; C[c1 + cCs] += c11; C[c1 + cc] += c12;
    } else {
      C[c] = c00; C[c + cCs] = c01; C[c + cc] = c02;
      C[c1] = c10; C[c1 + cCs] = c11; C[c1 + cc] = c12;
    }
  }

  /* ----------------------------------------------------------------------------------------------
   * Packing. A block (mc×kc at A[off]) → ceil(mc/MR) micro-panels of kc×MR at WS[0], each stored
   * p-major: WS[k + p*MR + i] = A(i0+i, p). B block (kc×nc at B[off]) → ceil(nc/NR) micro-panels of
   * kc×NR at WS[B_BASE]: WS[k + p*NR + j] = B(p, j0+j). Rows/columns past the block are written as
   * zeros: the micro-kernel computes them and the edge copy drops them, so their value never reaches
   * C, but stale workspace contents could be NaN or denormal and slow the kernel down.
   *
   * Each panel is copied p by p, reading MR (NR) strided streams. One copy per source array type
   * keeps each function monomorphic.
   * -------------------------------------------------------------------------------------------- */

  function packA32(A: Float32Array, off: number, rs: number, cs: number, mc: number, kc: number): void {
    const d = WS;
    let k = 0;
    for (let x = 0; x < mc; x += 2) {
      let s = off + x * rs;
      const kEnd = k + kc * 2;
      if (mc - x >= 2) {
        for (; k < kEnd; k = (k + 2) | 0, s = (s + cs) | 0) {
          d[k] = A[s]!;
          d[(k + 1) | 0] = A[(s + rs) | 0]!;
        }
      } else {
        for (; k < kEnd; k += 2, s += cs) {
          d[k] = A[s]!;
          d[k + 1] = 0;
        }
      }
    }
  }

  function packA64(A: Float64Array, off: number, rs: number, cs: number, mc: number, kc: number): void {
    const d = WS;
    let k = 0;
    for (let x = 0; x < mc; x += 2) {
      let s = off + x * rs;
      const kEnd = k + kc * 2;
      if (mc - x >= 2) {
        for (; k < kEnd; k = (k + 2) | 0, s = (s + cs) | 0) {
          d[k] = A[s]!;
          d[(k + 1) | 0] = A[(s + rs) | 0]!;
        }
      } else {
        for (; k < kEnd; k += 2, s += cs) {
          d[k] = A[s]!;
          d[k + 1] = 0;
        }
      }
    }
  }

  function packB32(B: Float32Array, off: number, rs: number, cs: number, kc: number, nc: number): void {
    const d = WS;
    const cs2 = cs + cs;
    let k = B_BASE;
    for (let x = 0; x < nc; x += 3) {
      const m = nc - x; // columns left
      let s = off + x * cs;
      const kEnd = k + kc * 3;
      if (m >= 3) {
        for (; k < kEnd; k = (k + 3) | 0, s = (s + rs) | 0) {
          d[k] = B[s]!;
          d[(k + 1) | 0] = B[(s + cs) | 0]!;
          d[(k + 2) | 0] = B[(s + cs2) | 0]!;
        }
      } else {
        for (; k < kEnd; k += 3, s += rs) {
          d[k] = B[s]!;
          d[k + 1] = m > 1 ? B[s + cs]! : 0;
          d[k + 2] = 0;
        }
      }
    }
  }

  function packB64(B: Float64Array, off: number, rs: number, cs: number, kc: number, nc: number): void {
    const d = WS;
    const cs2 = cs + cs;
    let k = B_BASE;
    for (let x = 0; x < nc; x += 3) {
      const m = nc - x; // columns left
      let s = off + x * cs;
      const kEnd = k + kc * 3;
      if (m >= 3) {
        for (; k < kEnd; k = (k + 3) | 0, s = (s + rs) | 0) {
          d[k] = B[s]!;
          d[(k + 1) | 0] = B[(s + cs) | 0]!;
          d[(k + 2) | 0] = B[(s + cs2) | 0]!;
        }
      } else {
        for (; k < kEnd; k += 3, s += rs) {
          d[k] = B[s]!;
          d[k + 1] = m > 1 ? B[s + cs]! : 0;
          d[k + 2] = 0;
        }
      }
    }
  }

  /*
   * Gathered packing: the same panel layouts, from an operand whose element (r, c) is at
   * X[off + rows[r] + cols[c]] (r0, c0: the block's first row and column). Per element one load
   * and one store as in the strided packers, plus one table load per MR (NR) elements.
   */

  function packAG32(
    A: Float32Array, off: number, rows: Int32Array, r0: number, cols: Int32Array, c0: number, mc: number, kc: number,
  ): void {
    const d = WS;
    let k = 0;
    for (let x = 0; x < mc; x += 2) {
      const s0 = off + rows[r0 + x]!;
      const kEnd = k + kc * 2;
      if (mc - x >= 2) {
        const s1 = off + rows[r0 + x + 1]!;
        for (let p = c0; k < kEnd; k = (k + 2) | 0, p = (p + 1) | 0) {
          const c = cols[p]!;
          d[k] = A[(s0 + c) | 0]!;
          d[(k + 1) | 0] = A[(s1 + c) | 0]!;
        }
      } else {
        for (let p = c0; k < kEnd; k += 2, p++) {
          d[k] = A[s0 + cols[p]!]!;
          d[k + 1] = 0;
        }
      }
    }
  }

  function packAG64(
    A: Float64Array, off: number, rows: Int32Array, r0: number, cols: Int32Array, c0: number, mc: number, kc: number,
  ): void {
    const d = WS;
    let k = 0;
    for (let x = 0; x < mc; x += 2) {
      const s0 = off + rows[r0 + x]!;
      const kEnd = k + kc * 2;
      if (mc - x >= 2) {
        const s1 = off + rows[r0 + x + 1]!;
        for (let p = c0; k < kEnd; k = (k + 2) | 0, p = (p + 1) | 0) {
          const c = cols[p]!;
          d[k] = A[(s0 + c) | 0]!;
          d[(k + 1) | 0] = A[(s1 + c) | 0]!;
        }
      } else {
        for (let p = c0; k < kEnd; k += 2, p++) {
          d[k] = A[s0 + cols[p]!]!;
          d[k + 1] = 0;
        }
      }
    }
  }

  function packBG32(
    B: Float32Array, off: number, rows: Int32Array, r0: number, cols: Int32Array, c0: number, kc: number, nc: number,
  ): void {
    const d = WS;
    let k = B_BASE;
    for (let x = 0; x < nc; x += 3) {
      const m = nc - x; // columns left
      const s0 = off + cols[c0 + x]!;
      const kEnd = k + kc * 3;
      if (m >= 3) {
        const s1 = off + cols[c0 + x + 1]!, s2 = off + cols[c0 + x + 2]!;
        for (let p = r0; k < kEnd; k = (k + 3) | 0, p = (p + 1) | 0) {
          const r = rows[p]!;
          d[k] = B[(s0 + r) | 0]!;
          d[(k + 1) | 0] = B[(s1 + r) | 0]!;
          d[(k + 2) | 0] = B[(s2 + r) | 0]!;
        }
      } else {
        const s1 = m > 1 ? off + cols[c0 + x + 1]! : 0;
        for (let p = r0; k < kEnd; k += 3, p++) {
          const r = rows[p]!;
          d[k] = B[s0 + r]!;
          d[k + 1] = m > 1 ? B[s1 + r]! : 0;
          d[k + 2] = 0;
        }
      }
    }
  }

  function packBG64(
    B: Float64Array, off: number, rows: Int32Array, r0: number, cols: Int32Array, c0: number, kc: number, nc: number,
  ): void {
    const d = WS;
    let k = B_BASE;
    for (let x = 0; x < nc; x += 3) {
      const m = nc - x; // columns left
      const s0 = off + cols[c0 + x]!;
      const kEnd = k + kc * 3;
      if (m >= 3) {
        const s1 = off + cols[c0 + x + 1]!, s2 = off + cols[c0 + x + 2]!;
        for (let p = r0; k < kEnd; k = (k + 3) | 0, p = (p + 1) | 0) {
          const r = rows[p]!;
          d[k] = B[(s0 + r) | 0]!;
          d[(k + 1) | 0] = B[(s1 + r) | 0]!;
          d[(k + 2) | 0] = B[(s2 + r) | 0]!;
        }
      } else {
        const s1 = m > 1 ? off + cols[c0 + x + 1]! : 0;
        for (let p = r0; k < kEnd; k += 3, p++) {
          const r = rows[p]!;
          d[k] = B[s0 + r]!;
          d[k + 1] = m > 1 ? B[s1 + r]! : 0;
          d[k + 2] = 0;
        }
      }
    }
  }

  return blocked;
}

const packed = /* @__PURE__ */ makePacked();
