/**
 * A naive reference for symmetric eigendecomposition: the cyclic Jacobi method (Jacobi 1846; Golub & Van Loan
 * §8.5), independent of the Householder/QL solver that `eigh` uses. Each rotation zeroes one off-diagonal pair
 * (p, q) of A ← JᵀAJ and accumulates V ← V·J, sweeping every pair until the off-diagonal mass is negligible. Slow
 * (O(n³) per sweep, several sweeps) and simple, which is the point.
 */

/**
 * Eigenvalues (ascending) and eigenvectors (as columns of a row-major n×n V, each signed so its largest-magnitude
 * component is positive) of the symmetric n×n row-major `a`, in float64.
 */
export function jacobiEigh(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  const off = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) s += A[i * n + j]! ** 2;
    return s;
  };
  let total = 0;
  for (let i = 0; i < n * n; i++) total += A[i]! ** 2;
  for (let sweep = 0; sweep < 100 && off() > 1e-30 * total; sweep++) {
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        // tan of the rotation angle that zeroes A[p][q]: the smaller root of t² + 2θt − 1 = 0.
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          // Columns p and q of A·J, then rows p and q of Jᵀ·(A·J).
          const akp = A[k * n + p]!, akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!, aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!, vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => A[x * n + x]! - A[y * n + y]!);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  order.forEach((src, c) => {
    values[c] = A[src * n + src]!;
    let k = 0;
    for (let r = 1; r < n; r++) if (Math.abs(V[r * n + src]!) > Math.abs(V[k * n + src]!)) k = r;
    const sign = V[k * n + src]! < 0 ? -1 : 1;
    for (let r = 0; r < n; r++) vectors[r * n + c] = sign * V[r * n + src]!;
  });
  return { values, vectors };
}
