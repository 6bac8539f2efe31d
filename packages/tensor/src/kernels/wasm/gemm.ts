/**
 * float32 gemm and gemmGather on the WebAssembly SIMD kernel (assembly/gemm.ts), with the signatures of the
 * TypeScript kernels in ../gemm.ts (which choose between the two).
 *
 * A call goes: choose the orientation (C or Cᵀ = Bᵀ·Aᵀ, whichever pads the 2×16 tile less); if the operands
 * and the result do not fit the arena, split the problem in halves (rows, columns, or K at a multiple of the
 * kernel's KC, so the split never changes a rounding); copy each operand's span of storage (the smallest range
 * of its array holding every element it reads) and its offset tables into the arena with one typed-array copy
 * each, rebasing the kernel's pointer so that its strides and tables apply unchanged; copy C in only when
 * accumulating; compute (split between threads by pool.ts); copy C out, transposing when the product was
 * computed as Cᵀ. An operand whose span is much larger than its elements (a narrow slice of a wide array) is
 * gathered element by element into a dense block instead, so the arena holds only what is used.
 */
import { runGemm } from './pool.js';
import { ensureBytes, getRuntime, type Runtime } from './runtime.js';

/** The kernel's tile and depth (assembly/gemm.ts; a test checks they agree with its `blocking` export). */
export const WASM_MR = 2;
/** Columns of the kernel's register tile. */
export const WASM_NR = 16;
/** Depth of one packed slice of K in the kernel. */
export const WASM_KC = 128;

/**
 * Arena capacity in float32 elements used for the split decision; null means the whole arena. Tests lower it
 * (setArenaLimit) to exercise the splits on small problems.
 */
let arenaLimit: number | null = null;

/** Lowers the arena capacity the split decision assumes to `elements` (null: the real arena). For tests. */
export function setArenaLimit(elements: number | null): void {
  arenaLimit = elements;
}

/** Bump pointer of the arena (float32 element index), reset by every top-level call. */
let top = 0;

/** Reserves n float32 elements (64-byte aligned) in the arena; returns the element index. */
function take(rt: Runtime, n: number): number {
  const at = top;
  top = (at + n + 15) & ~15;
  ensureBytes(rt, top * 4);
  return at;
}

/** Smallest and largest entry of tab[t0, t0 + n), n ≥ 1. */
function tableMin(tab: Int32Array, t0: number, n: number): number {
  let m = tab[t0]!;
  for (let i = t0 + 1; i < t0 + n; i++) if (tab[i]! < m) m = tab[i]!;
  return m;
}
function tableMax(tab: Int32Array, t0: number, n: number): number {
  let m = tab[t0]!;
  for (let i = t0 + 1; i < t0 + n; i++) if (tab[i]! > m) m = tab[i]!;
  return m;
}

/**
 * One operand (R×S, element (r, s)) as the kernel's arguments, filled by {@link stage}: byte address of element
 * (0, 0)'s base, strides, and table addresses (0 for a strided operand).
 */
interface Staged { ptr: number; rs: number; cs: number; rows: number; cols: number }
const stA: Staged = { ptr: 0, rs: 0, cs: 0, rows: 0, cols: 0 };
const stB: Staged = { ptr: 0, rs: 0, cs: 0, rows: 0, cols: 0 };

/** Elements an operand's span may exceed its R·S elements by before it is gathered densely instead. */
const SLACK = 1024;

/**
 * Float32 elements an R×S operand occupies in the arena once staged: its span, or R·S if gathered densely
 * (plus its tables).
 */
function stagedSize(
  R: number, S: number, rs: number, cs: number, rows: Int32Array | null, r0: number,
  cols: Int32Array | null, c0: number,
): number {
  let span: number;
  if (rows !== null && cols !== null) {
    span = tableMax(rows, r0, R) - tableMin(rows, r0, R) + tableMax(cols, c0, S) - tableMin(cols, c0, S) + 1;
    if (span > 2 * R * S + SLACK) return R * S + 32;
    return span + R + S + 48;
  }
  span = Math.abs(rs) * (R - 1) + Math.abs(cs) * (S - 1) + 1;
  return span > 2 * R * S + SLACK ? R * S + 16 : span + 16;
}

/** Copies an R×S operand into the arena and describes it in `st` (see {@link Staged}). */
function stage(
  rt: Runtime, st: Staged, R: number, S: number,
  X: Float32Array, off: number, rs: number, cs: number, rows: Int32Array | null, r0: number,
  cols: Int32Array | null, c0: number,
): void {
  if (rows !== null && cols !== null) {
    const rMin = tableMin(rows, r0, R), cMin = tableMin(cols, c0, S);
    const lo = off + rMin + cMin;
    const span = tableMax(rows, r0, R) - rMin + tableMax(cols, c0, S) - cMin + 1;
    if (span <= 2 * R * S + SLACK) {
      const d = take(rt, span);
      rt.f32.set(X.subarray(lo, lo + span), d);
      const tr = take(rt, R), tc = take(rt, S);
      rt.i32.set(rows.subarray(r0, r0 + R), tr);
      rt.i32.set(cols.subarray(c0, c0 + S), tc);
      // Element (r, s) is at d + (off + rows[r] + cols[s] − lo): fold the constant into the base address
      // (it may wrap below 0 as an int32; the kernel's address arithmetic wraps back).
      st.ptr = (d + off - lo) * 4;
      st.rs = 0; st.cs = 0; st.rows = tr * 4; st.cols = tc * 4;
      return;
    }
    const d = take(rt, R * S);
    const f = rt.f32;
    for (let r = 0; r < R; r++) {
      const base = off + rows[r0 + r]!, o = d + r * S;
      for (let s = 0; s < S; s++) f[o + s] = X[base + cols[c0 + s]!]!;
    }
    st.ptr = d * 4; st.rs = S; st.cs = 1; st.rows = 0; st.cols = 0;
    return;
  }
  const lo = off + Math.min(0, rs * (R - 1)) + Math.min(0, cs * (S - 1));
  const span = Math.abs(rs) * (R - 1) + Math.abs(cs) * (S - 1) + 1;
  if (span <= 2 * R * S + SLACK) {
    const d = take(rt, span);
    rt.f32.set(X.subarray(lo, lo + span), d);
    st.ptr = (d + off - lo) * 4; st.rs = rs; st.cs = cs; st.rows = 0; st.cols = 0;
    return;
  }
  const d = take(rt, R * S);
  const f = rt.f32;
  for (let r = 0; r < R; r++) {
    const o = d + r * S;
    let x = off + r * rs;
    for (let s = 0; s < S; s++, x += cs) f[o + s] = X[x]!;
  }
  st.ptr = d * 4; st.rs = S; st.cs = 1; st.rows = 0; st.cols = 0;
}

/**
 * C'(i, j) (+)= Σ_p A(i, p)·B(p, j) for an M×N result C' that is C (t = false, C'(i, j) at C[cOff + i·ldc + j])
 * or Cᵀ (t = true, at C[cOff + j·ldc + i]). A and B are strided, or gathered when their tables are non-null
 * (r0/c0: first entry of each table used). Splits in halves until a block fits the arena.
 */
function block(
  rt: Runtime, M: number, N: number, K: number,
  A: Float32Array, aOff: number, aRs: number, aCs: number, aRows: Int32Array | null, ar0: number, aCols: Int32Array | null, ac0: number,
  B: Float32Array, bOff: number, bRs: number, bCs: number, bRows: Int32Array | null, br0: number, bCols: Int32Array | null, bc0: number,
  C: Float32Array, cOff: number, ldc: number, acc: boolean, t: boolean,
): void {
  const need = stagedSize(M, K, aRs, aCs, aRows, ar0, aCols, ac0) +
    stagedSize(K, N, bRs, bCs, bRows, br0, bCols, bc0) + (t ? 2 : 1) * M * N + 32;
  const cap = arenaLimit ?? (rt.arenaEnd - rt.arenaBase) / 4;
  if (need > cap && (M > WASM_NR || N > WASM_NR || K > WASM_KC)) {
    // Halve the largest dimension; K only at a multiple of KC (the kernel adds each KC slice into C in
    // float32, so a K split there rounds exactly as the unsplit product), M and N at multiples of 16.
    if (K > WASM_KC && K >= M && K >= N) {
      const k = Math.ceil(K / 2 / WASM_KC) * WASM_KC;
      block(rt, M, N, k, A, aOff, aRs, aCs, aRows, ar0, aCols, ac0, B, bOff, bRs, bCs, bRows, br0, bCols, bc0, C, cOff, ldc, acc, t);
      block(rt, M, N, K - k,
        A, aCols ? aOff : aOff + k * aCs, aRs, aCs, aRows, ar0, aCols, ac0 + k,
        B, bRows ? bOff : bOff + k * bRs, bRs, bCs, bRows, br0 + k, bCols, bc0,
        C, cOff, ldc, true, t);
    } else if (M >= N) {
      const m = Math.ceil(M / 32) * 16;
      block(rt, m, N, K, A, aOff, aRs, aCs, aRows, ar0, aCols, ac0, B, bOff, bRs, bCs, bRows, br0, bCols, bc0, C, cOff, ldc, acc, t);
      block(rt, M - m, N, K, A, aRows ? aOff : aOff + m * aRs, aRs, aCs, aRows, ar0 + m, aCols, ac0,
        B, bOff, bRs, bCs, bRows, br0, bCols, bc0, C, cOff + (t ? m : m * ldc), ldc, acc, t);
    } else {
      const n = Math.ceil(N / 32) * 16;
      block(rt, M, n, K, A, aOff, aRs, aCs, aRows, ar0, aCols, ac0, B, bOff, bRs, bCs, bRows, br0, bCols, bc0, C, cOff, ldc, acc, t);
      block(rt, M, N - n, K, A, aOff, aRs, aCs, aRows, ar0, aCols, ac0,
        B, bCols ? bOff : bOff + n * bCs, bRs, bCs, bRows, br0, bCols, bc0 + n, C, cOff + (t ? n * ldc : n), ldc, acc, t);
    }
    return;
  }
  top = rt.arenaBase / 4;
  stage(rt, stA, M, K, A, aOff, aRs, aCs, aRows, ar0, aCols, ac0);
  stage(rt, stB, K, N, B, bOff, bRs, bCs, bRows, br0, bCols, bc0);
  const c = take(rt, M * N);
  // C' = Cᵀ when t: C's N rows of M are copied (in, when accumulating) and out by typed-array copies through a
  // scratch block, transposed by the kernel's transpose().
  const tmp = t ? take(rt, M * N) : 0;
  if (acc) {
    if (t) {
      const f = rt.f32;
      if (ldc === M) f.set(C.subarray(cOff, cOff + M * N), tmp);
      else for (let j = 0; j < N; j++) f.set(C.subarray(cOff + j * ldc, cOff + j * ldc + M), tmp + j * M);
      rt.exports.transpose(tmp * 4, c * 4, N, M);
    } else if (ldc === N) {
      rt.f32.set(C.subarray(cOff, cOff + M * N), c);
    } else {
      for (let i = 0; i < M; i++) rt.f32.set(C.subarray(cOff + i * ldc, cOff + i * ldc + N), c + i * N);
    }
  }
  runGemm(rt, M, N, K,
    stA.ptr, stA.rs, stA.cs, stA.rows, stA.cols,
    stB.ptr, stB.rs, stB.cs, stB.rows, stB.cols,
    c * 4, N, acc ? 1 : 0);
  const g = rt.f32;
  if (t) {
    rt.exports.transpose(c * 4, tmp * 4, M, N);
    if (ldc === M) C.set(g.subarray(tmp, tmp + M * N), cOff);
    else for (let j = 0; j < N; j++) C.set(g.subarray(tmp + j * M, tmp + j * M + M), cOff + j * ldc);
  } else if (ldc === N) {
    C.set(g.subarray(c, c + M * N), cOff);
  } else {
    for (let i = 0; i < M; i++) C.set(g.subarray(c + i * N, c + i * N + N), cOff + i * ldc);
  }
}

/**
 * True when computing Cᵀ = Bᵀ·Aᵀ pads the 2×16 tile by at least an eighth less than computing C (M×N): below
 * that the transposing copies cost more than the padding saves (15×8019, DrLIM's first layer, saves 0.15%).
 */
function transposeWins(M: number, N: number): boolean {
  const padded = Math.ceil(M / WASM_MR) * WASM_MR * Math.ceil(N / WASM_NR) * WASM_NR;
  const paddedT = Math.ceil(N / WASM_MR) * WASM_MR * Math.ceil(M / WASM_NR) * WASM_NR;
  return 8 * paddedT <= 7 * padded;
}

/**
 * {@link gemm} (../gemm.ts) for float32 A, B, C with M, N, K ≥ 1, on the wasm kernel: C[cOff + i·ldc + j] (+)=
 * Σ_p A[aOff + i·aRs + p·aCs] · B[bOff + p·bRs + j·bCs]. Sums in float32 (see assembly/gemm.ts).
 */
export function gemmWasm(
  M: number, N: number, K: number,
  A: Float32Array, aOff: number, aRs: number, aCs: number,
  B: Float32Array, bOff: number, bRs: number, bCs: number,
  C: Float32Array, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  const rt = getRuntime()!;
  if (transposeWins(M, N)) {
    block(rt, N, M, K, B, bOff, bCs, bRs, null, 0, null, 0, A, aOff, aCs, aRs, null, 0, null, 0, C, cOff, ldc, accumulate, true);
  } else {
    block(rt, M, N, K, A, aOff, aRs, aCs, null, 0, null, 0, B, bOff, bRs, bCs, null, 0, null, 0, C, cOff, ldc, accumulate, false);
  }
}

/**
 * {@link gemmGather} (../gemm.ts) for float32 arrays with M, N, K ≥ 1, on the wasm kernel: B(p, j) is
 * B[bOff + bRows[p] + bCols[j]].
 */
export function gemmGatherWasm(
  M: number, N: number, K: number,
  A: Float32Array, aOff: number, aRs: number, aCs: number,
  B: Float32Array, bOff: number, bRows: Int32Array, bCols: Int32Array,
  C: Float32Array, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  const rt = getRuntime()!;
  if (transposeWins(M, N)) {
    block(rt, N, M, K, B, bOff, 0, 0, bCols, 0, bRows, 0, A, aOff, aCs, aRs, null, 0, null, 0, C, cOff, ldc, accumulate, true);
  } else {
    block(rt, M, N, K, A, aOff, aRs, aCs, null, 0, null, 0, B, bOff, 0, 0, bRows, 0, bCols, 0, C, cOff, ldc, accumulate, false);
  }
}
