/**
 * Runs a kernel call on the calling thread (the worker pool arrives in a later step).
 */
import { workspace, type Runtime } from './runtime.js';

/** C (M×N at byte address c, row stride ldc) (+)= A·B on the wasm kernel; arguments as in assembly/gemm.ts. */
export function runGemm(
  rt: Runtime, M: number, N: number, K: number,
  a: number, aRs: number, aCs: number, aRows: number, aCols: number,
  b: number, bRs: number, bCs: number, bRows: number, bCols: number,
  c: number, ldc: number, acc: number,
): void {
  rt.exports.gemm(K, a, aRs, aCs, aRows, aCols, b, bRs, bCs, bRows, bCols, c, ldc, acc, 0, M, 0, N, workspace(rt, 0));
}
