/** Storage of every tensor: float32 by default, float64 for gradient checks. */
export type FloatArray = Float32Array | Float64Array;

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
 * the tuning script lives outside the repo):
 *
 * - Everything is packed into ONE module-level Float64Array workspace (A panels, B panels and an
 *   edge tile). The micro-kernel therefore only ever sees a Float64Array for its operands, whatever
 *   the input types are, so its loads stay monomorphic; a single array also means one map check
 *   and one length/base load per k step instead of two. Float64 packing is required anyway for
 *   float64 inputs (gradient checks), and a Float32Array workspace measured no faster for float32
 *   inputs (equal at kc = 256, 5–15% slower at kc = 36: every load also needs a conversion).
 * - Pack functions exist once per source type (packA32/packA64, packB32/packB64) and the
 *   micro-kernel once per C type (micro32/micro64), so no hot function ever sees both
 *   Float32Array and Float64Array (a polymorphic element access costs a map dispatch per access,
 *   and V8 deoptimizes when the feedback changes).
 * - MR×NR = 3×3. In V8 each typed-array load costs ~6 instructions (index add, sign extension,
 *   bounds check, base computation) and TurboFan schedules all products of an iteration before
 *   all the adds, so every accumulator needs a second register for its product. With 15 usable
 *   XMM registers, 3×3 (9 accumulators, 6 loads per 9 multiply-adds) spills least per flop:
 *   in isolation 3×3 ran ~4.3 GFLOP/s against ~4.2 for 4×4 / 4×3 / 3×4 and 3.5–3.8 for 2×4,
 *   4×8, 8×4, 6×4, and in the full gemm 3×3 was the best or tied on every benchmark shape.
 *   Unrolling the k loop by 2 or 4 measured slower. 3 also divides several conv dimensions
 *   (15, 30, 36, 46656), which then need no edge tiles.
 * - The micro-kernel writes its tile straight into C and is deliberately big (~600 bytes of
 *   bytecode with its two unrolled write-backs): V8 inlines functions under 460 bytes, and when
 *   the micro-kernel was inlined into the macro-kernel's loops the extra live values pushed the
 *   accumulators into stack slots and 512³ dropped from ~4 to ~2.6 GFLOP/s.
 * - Hot loop indices are written `(i + k) | 0`: the int32 truncation lets V8 drop the overflow
 *   checks (so element indices must stay below 2^31, far above any tensor here).
 * - KC/MC/NC: see the constants below.
 */

/** Micro-tile rows (register block height). The micro-kernels below are unrolled for exactly 3. */
const MR = 3;
/** Micro-tile columns (register block width). The micro-kernels below are unrolled for exactly 3. */
const NR = 3;
/**
 * Depth of a packed block. Long enough that the per-call cost of a micro-kernel (call, 9 C
 * read-modify-writes) is noise, short enough that a B micro-panel (KC·NR·8 B = 6 KB) stays in L1
 * next to the A micro-panels streaming through. 128–512 measured within noise; 256 chosen.
 */
const KC = 256;
/**
 * Rows of a packed A block (a multiple of MR): MC·KC·8 B = 192 KB fits the 512 KB L2 with room
 * for B panels. 48–192 measured within a few percent of each other.
 */
const MC = 96;
/** Columns of a packed B block (a multiple of NR): KC·NC·8 B ≈ 4 MB, well inside the 32 MB L3. */
const NC = 2040;
/**
 * Up to this many multiply-adds a direct strided triple loop beats packing (measured: 4×4×4 direct
 * 0.40 vs packed 0.27 GFLOP/s, 6×6×6 0.70 vs 1.56). Matrix–vector products (M = 1 or N = 1) also go
 * direct: every packed tile would be an edge tile doing 3× the work (1×1000×1: 0.93 vs 0.15).
 */
const SMALL_WORK = 64;

/** Packing workspace: [A block | B block | MR×NR edge tile]. Grown on demand, never shrunk. */
let ws = new Float64Array(0);

/**
 * General matrix multiply on raw strided storage: C = A·B, or C += A·B when `accumulate`.
 *
 *   C[i, j] (+)= Σ_{p<K} A[i, p] · B[p, j]     for 0 ≤ i < M, 0 ≤ j < N
 *
 * A is M×K with element (i, p) at `A[aOff + i*aRs + p*aCs]`; B is K×N with element (p, j) at
 * `B[bOff + p*bRs + j*bCs]`; C is M×N, row-major, element (i, j) at `C[cOff + i*ldc + j]`.
 * Arbitrary strides (including transposed views and stride 0 from broadcasting) multiply without a
 * copy. A, B and C may each be Float32Array or Float64Array; products are summed in float64 and
 * rounded to C's type once per 256-deep slice of K. Only the M×N window of C is written
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
  if (M === 1 || N === 1 || M * N * K <= SMALL_WORK) {
    gemmSmall(M, N, K, A, aOff, aRs, aCs, B, bOff, bRs, bCs, C, cOff, ldc, accumulate);
    return;
  }

  const a32 = A instanceof Float32Array;
  const b32 = B instanceof Float32Array;
  const c32 = C instanceof Float32Array;
  const kcMax = Math.min(KC, K);
  const mcMax = Math.ceil(Math.min(MC, M) / MR) * MR;
  const ncMax = Math.ceil(Math.min(NC, N) / NR) * NR;
  const bBase = mcMax * kcMax; // B panels follow the A panels
  const ti = bBase + kcMax * ncMax; // then the edge tile
  if (ws.length < ti + MR * NR) ws = new Float64Array(ti + MR * NR);
  const w = ws;

  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      // Later K slices always add onto the partial sums the earlier slices stored.
      const acc = accumulate || pc > 0;
      const bo = bOff + pc * bRs + jc * bCs;
      if (b32) packB32(B as Float32Array, bo, bRs, bCs, kc, nc, w, bBase);
      else packB64(B as Float64Array, bo, bRs, bCs, kc, nc, w, bBase);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        const ao = aOff + ic * aRs + pc * aCs;
        if (a32) packA32(A as Float32Array, ao, aRs, aCs, mc, kc, w, 0);
        else packA64(A as Float64Array, ao, aRs, aCs, mc, kc, w, 0);
        const co = cOff + ic * ldc + jc;
        if (c32) macro32(mc, nc, kc, w, bBase, ti, C as Float32Array, co, ldc, acc);
        else macro64(mc, nc, kc, w, bBase, ti, C as Float64Array, co, ldc, acc);
      }
    }
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

/* ----------------------------------------------------------------------------------------------
 * Macro-kernels: walk one packed A block × one packed B block in micro-tiles. Full tiles go
 * straight to the micro-kernel of C's type; edge tiles (rows/columns past M or N, whose packed
 * entries are zero-padded) are computed into the workspace tile by micro64 and the valid part is
 * copied out, so C is never written outside its M×N window.
 * -------------------------------------------------------------------------------------------- */

function macro32(
  mc: number, nc: number, kc: number, w: Float64Array, bBase: number, ti: number,
  C: Float32Array, c0: number, ldc: number, acc: boolean,
): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    const bi = bBase + jr * kc;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = Math.min(MR, mc - ir);
      const c = c0 + ir * ldc + jr;
      if (mr === MR && nr === NR) {
        micro32(kc, w, ir * kc, bi, C, c, ldc, acc);
      } else {
        micro64(kc, w, ir * kc, bi, w, ti, NR, false);
        edge32(C, c, ldc, mr, nr, acc, w, ti);
      }
    }
  }
}

function macro64(
  mc: number, nc: number, kc: number, w: Float64Array, bBase: number, ti: number,
  C: Float64Array, c0: number, ldc: number, acc: boolean,
): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    const bi = bBase + jr * kc;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = Math.min(MR, mc - ir);
      const c = c0 + ir * ldc + jr;
      if (mr === MR && nr === NR) {
        micro64(kc, w, ir * kc, bi, C, c, ldc, acc);
      } else {
        micro64(kc, w, ir * kc, bi, w, ti, NR, false);
        edge64(C, c, ldc, mr, nr, acc, w, ti);
      }
    }
  }
}

/** Copy (or add) the valid mr×nr corner of the workspace tile at `ti` into C. */
function edge32(
  C: Float32Array, c: number, ldc: number, mr: number, nr: number, acc: boolean,
  w: Float64Array, ti: number,
): void {
  for (let i = 0; i < mr; i++) {
    const r = c + i * ldc;
    const t = ti + i * NR;
    if (acc) for (let j = 0; j < nr; j++) C[r + j] += w[t + j]!;
    else for (let j = 0; j < nr; j++) C[r + j] = w[t + j]!;
  }
}

function edge64(
  C: Float64Array, c: number, ldc: number, mr: number, nr: number, acc: boolean,
  w: Float64Array, ti: number,
): void {
  for (let i = 0; i < mr; i++) {
    const r = c + i * ldc;
    const t = ti + i * NR;
    if (acc) for (let j = 0; j < nr; j++) C[r + j] += w[t + j]!;
    else for (let j = 0; j < nr; j++) C[r + j] = w[t + j]!;
  }
}

/* ----------------------------------------------------------------------------------------------
 * Micro-kernels: C[c + i*ldc + j] (+)= Σ_p w[ai + 3p + i] · w[bi + 3p + j] for i, j < 3.
 * The A micro-panel holds, for each p, the 3 rows' values; the B micro-panel, for each p, the 3
 * columns' values. micro32 and micro64 are the same code for the two C types (see the header).
 * -------------------------------------------------------------------------------------------- */

function micro32(
  kc: number, w: Float64Array, ai: number, bi: number,
  C: Float32Array, c: number, ldc: number, acc: boolean,
): void {
  let c00 = 0.0, c01 = 0.0, c02 = 0.0;
  let c10 = 0.0, c11 = 0.0, c12 = 0.0;
  let c20 = 0.0, c21 = 0.0, c22 = 0.0;
  const aEnd = ai + kc * MR;
  for (; ai < aEnd; ai = (ai + 3) | 0, bi = (bi + 3) | 0) {
    const a0 = w[ai]!;
    const a1 = w[(ai + 1) | 0]!;
    const a2 = w[(ai + 2) | 0]!;
    const b0 = w[bi]!;
    c00 += a0 * b0; c10 += a1 * b0; c20 += a2 * b0;
    const b1 = w[(bi + 1) | 0]!;
    c01 += a0 * b1; c11 += a1 * b1; c21 += a2 * b1;
    const b2 = w[(bi + 2) | 0]!;
    c02 += a0 * b2; c12 += a1 * b2; c22 += a2 * b2;
  }
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  if (acc) {
    C[c] += c00; C[c + 1] += c01; C[c + 2] += c02;
    C[c1] += c10; C[c1 + 1] += c11; C[c1 + 2] += c12;
    C[c2] += c20; C[c2 + 1] += c21; C[c2 + 2] += c22;
  } else {
    C[c] = c00; C[c + 1] = c01; C[c + 2] = c02;
    C[c1] = c10; C[c1 + 1] = c11; C[c1 + 2] = c12;
    C[c2] = c20; C[c2 + 1] = c21; C[c2 + 2] = c22;
  }
}

function micro64(
  kc: number, w: Float64Array, ai: number, bi: number,
  C: Float64Array, c: number, ldc: number, acc: boolean,
): void {
  let c00 = 0.0, c01 = 0.0, c02 = 0.0;
  let c10 = 0.0, c11 = 0.0, c12 = 0.0;
  let c20 = 0.0, c21 = 0.0, c22 = 0.0;
  const aEnd = ai + kc * MR;
  for (; ai < aEnd; ai = (ai + 3) | 0, bi = (bi + 3) | 0) {
    const a0 = w[ai]!;
    const a1 = w[(ai + 1) | 0]!;
    const a2 = w[(ai + 2) | 0]!;
    const b0 = w[bi]!;
    c00 += a0 * b0; c10 += a1 * b0; c20 += a2 * b0;
    const b1 = w[(bi + 1) | 0]!;
    c01 += a0 * b1; c11 += a1 * b1; c21 += a2 * b1;
    const b2 = w[(bi + 2) | 0]!;
    c02 += a0 * b2; c12 += a1 * b2; c22 += a2 * b2;
  }
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  if (acc) {
    C[c] += c00; C[c + 1] += c01; C[c + 2] += c02;
    C[c1] += c10; C[c1 + 1] += c11; C[c1 + 2] += c12;
    C[c2] += c20; C[c2 + 1] += c21; C[c2 + 2] += c22;
  } else {
    C[c] = c00; C[c + 1] = c01; C[c + 2] = c02;
    C[c1] = c10; C[c1 + 1] = c11; C[c1 + 2] = c12;
    C[c2] = c20; C[c2 + 1] = c21; C[c2 + 2] = c22;
  }
}

/* ----------------------------------------------------------------------------------------------
 * Packing. A block (mc×kc at A[off]) → ceil(mc/MR) micro-panels of kc×MR, each stored p-major:
 * d[k + p*MR + i] = A(i0+i, p). B block (kc×nc at B[off]) → ceil(nc/NR) micro-panels of kc×NR:
 * d[k + p*NR + j] = B(p, j0+j). Rows/columns past the block are written as zeros: the
 * micro-kernel computes them and the edge copy drops them, so their value never reaches C, but
 * stale workspace contents could be NaN or denormal and slow the kernel down.
 *
 * Each panel is copied p by p, reading MR (NR) strided streams. Packing costs ~1.5 ns per element
 * (instruction bound: a bounds-checked load, a float32→float64 conversion, a bounds-checked store).
 * Copying several panels per pass over p, so that row-major B / transposed A is read along its
 * contiguous direction, measured no faster. One copy per source array type keeps each function
 * monomorphic.
 * -------------------------------------------------------------------------------------------- */

function packA32(
  A: Float32Array, off: number, rs: number, cs: number, mc: number, kc: number,
  d: Float64Array, k: number,
): void {
  const rs2 = rs + rs;
  for (let x = 0; x < mc; x += 3) {
    const m = mc - x; // rows left
    let s = off + x * rs;
    const kEnd = k + kc * 3;
    if (m >= 3) {
      for (; k < kEnd; k = (k + 3) | 0, s = (s + cs) | 0) {
        d[k] = A[s]!;
        d[(k + 1) | 0] = A[(s + rs) | 0]!;
        d[(k + 2) | 0] = A[(s + rs2) | 0]!;
      }
    } else {
      for (; k < kEnd; k += 3, s += cs) {
        d[k] = A[s]!;
        d[k + 1] = m > 1 ? A[s + rs]! : 0;
        d[k + 2] = 0;
      }
    }
  }
}

function packA64(
  A: Float64Array, off: number, rs: number, cs: number, mc: number, kc: number,
  d: Float64Array, k: number,
): void {
  const rs2 = rs + rs;
  for (let x = 0; x < mc; x += 3) {
    const m = mc - x; // rows left
    let s = off + x * rs;
    const kEnd = k + kc * 3;
    if (m >= 3) {
      for (; k < kEnd; k = (k + 3) | 0, s = (s + cs) | 0) {
        d[k] = A[s]!;
        d[(k + 1) | 0] = A[(s + rs) | 0]!;
        d[(k + 2) | 0] = A[(s + rs2) | 0]!;
      }
    } else {
      for (; k < kEnd; k += 3, s += cs) {
        d[k] = A[s]!;
        d[k + 1] = m > 1 ? A[s + rs]! : 0;
        d[k + 2] = 0;
      }
    }
  }
}

function packB32(
  B: Float32Array, off: number, rs: number, cs: number, kc: number, nc: number,
  d: Float64Array, k: number,
): void {
  const cs2 = cs + cs;
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

function packB64(
  B: Float64Array, off: number, rs: number, cs: number, kc: number, nc: number,
  d: Float64Array, k: number,
): void {
  const cs2 = cs + cs;
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
