/**
 * Every tolerance the test suites use, in one place. Comparisons follow NumPy's rule
 * |actual − expected| ≤ atol + rtol·|expected| (see `toBeAllclose`).
 *
 * - `gradcheck64`: float64 finite-difference gradient checks (PyTorch's defaults): central differences with
 *   step `eps`, compared with `atol`/`rtol`.
 * - `forward64`: float64 forward values against a float64 reference. The op and the reference compute the
 *   same quantity in a different order, so only a few ulps separate them.
 * - `forward32`: float32 forward values against a float64 reference on the same (float32) inputs: one
 *   rounding of the result for elementwise ops (2^-24 ≈ 6e-8), a few for composites.
 * - `forward32Sum`: float32 results of long sums and products of sums (matmul, cdist, conv, variance,
 *   norms), where each output folds many roundings.
 * - `smoke32`: float32 end-to-end smoke checks (a training step, an example's output).
 */
export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface GradcheckTolerance extends Tolerance {
  /** Central-difference step. */
  eps: number;
}

export const gradcheck64: GradcheckTolerance = { eps: 1e-6, atol: 1e-5, rtol: 1e-3 };
export const forward64: Tolerance = { rtol: 1e-12, atol: 1e-12 };
export const forward32: Tolerance = { rtol: 1e-5, atol: 1e-6 };
export const forward32Sum: Tolerance = { rtol: 1e-4, atol: 1e-5 };
export const smoke32: Tolerance = { rtol: 1e-2, atol: 1e-2 };

/** How much rounding an op's forward accumulates: one rounding per element, or a long sum per element. */
export type ForwardKind = 'elementwise' | 'sum';

/** The forward tolerance for a dtype and kind of op. */
export function forwardTol(dtype: 'float32' | 'float64', kind: ForwardKind = 'elementwise'): Tolerance {
  if (dtype === 'float64') return forward64;
  return kind === 'sum' ? forward32Sum : forward32;
}
