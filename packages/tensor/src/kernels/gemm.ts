/** Storage of every tensor: float32 by default, float64 for gradient checks. */
export type FloatArray = Float32Array | Float64Array;

/**
 * General matrix multiply on raw strided storage: C = A·B (or C += A·B when `accumulate`).
 *
 * A is M×K with element (i, p) at `A[aOff + i*aRs + p*aCs]`; B is K×N with element (p, j) at
 * `B[bOff + p*bRs + j*bCs]`; C is M×N, row-major, element (i, j) at `C[cOff + i*ldc + j]`.
 * Arbitrary strides let transposed views multiply without a copy.
 *
 * PLACEHOLDER (naive triple loop) — replaced by the packed, cache-blocked kernel.
 */
export function gemm(
  M: number, N: number, K: number,
  A: FloatArray, aOff: number, aRs: number, aCs: number,
  B: FloatArray, bOff: number, bRs: number, bCs: number,
  C: FloatArray, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = accumulate ? C[cOff + i * ldc + j]! : 0;
      for (let p = 0; p < K; p++) s += A[aOff + i * aRs + p * aCs]! * B[bOff + p * bRs + j * bCs]!;
      C[cOff + i * ldc + j] = s;
    }
  }
}
