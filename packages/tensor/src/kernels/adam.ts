/**
 * Adam's update, the one kernel behind nn's Adam and AdamW: the TypeScript loop is the reference (and the path
 * for float64 and short rows), the wasm row (assembly/optim.ts) the fast path for float32, with the same bits.
 */
import type { FloatArray } from '../dtype.js';
import { wasmActive } from './backend.js';
import { adamWasm } from './wasm/adam.js';

/** Hyper-parameters of one {@link adamUpdate} call (float64 numbers; t is the step count, from 1). */
export interface AdamUpdateOptions {
  /** Learning rate γ. */
  lr: number;
  /** β1, the decay rate of the first moment. */
  beta1: number;
  /** β2, the decay rate of the second moment. */
  beta2: number;
  /** ε, added to the denominator. */
  eps: number;
  /** Weight decay λ (0: none). */
  weightDecay: number;
  /** Whether λ decays the weights directly (AdamW: θ ← θ(1 − γλ)) rather than adding λθ to the gradient. */
  decoupled: boolean;
  /** Whether to ascend (the gradient's sign flipped). */
  maximize: boolean;
  /** γ / (1 − β1ᵗ). */
  stepSize: number;
  /** √(1 − β2ᵗ). */
  sqrtBiasCorrection2: number;
}

/**
 * Fewest elements for which float32 rows take the wasm kernel. Measured (µs per call, TypeScript / wasm with the
 * copies in and out): 0.56 / 0.59 at 64 elements, 1.3 / 0.85 at 128, 4.3 / 1.9 at 512; 360 / 160 at 36 450
 * (DrLIM's second layer).
 */
export const ADAM_WASM_MIN = 128;

/**
 * One Adam step over a parameter's values, in place: for each element, with g its gradient,
 *   g ← −g if maximize;  θ ← θ(1 − γλ) (decoupled) or g ← g + λθ, when λ ≠ 0;
 *   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²,  v̂ ← max(v̂, v) under amsgrad (else v̂ = v),
 *   θ ← θ − stepSize·m / (√v̂ / √(1 − β2ᵗ) + ε),  stepSize = γ / (1 − β1ᵗ),
 * each in float64 on the stored values and each stored value rounded to the arrays' type. `maxExpAvgSq` is null
 * without amsgrad. Every array holds param.length elements (grad may be longer: its first param.length are read).
 */
export function adamUpdate(
  param: FloatArray, grad: FloatArray, expAvg: FloatArray, expAvgSq: FloatArray, maxExpAvgSq: FloatArray | null,
  opts: AdamUpdateOptions,
): void {
  const n = param.length;
  if (
    n >= ADAM_WASM_MIN && param instanceof Float32Array && grad instanceof Float32Array && expAvg instanceof Float32Array &&
    expAvgSq instanceof Float32Array && (maxExpAvgSq === null || maxExpAvgSq instanceof Float32Array) && wasmActive()
  ) {
    adamWasm(param, grad, expAvg, expAvgSq, maxExpAvgSq, opts);
    return;
  }
  adamRows(param, grad, expAvg, expAvgSq, maxExpAvgSq, opts);
}

/** The TypeScript reference of {@link adamUpdate}: a plain loop over the arrays (no closure, no allocation). */
function adamRows(
  w: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, vmax: FloatArray | null, h: AdamUpdateOptions,
): void {
  const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd, decoupled, maximize, stepSize } = h;
  const sqrtBc2 = h.sqrtBiasCorrection2, n = w.length;
  for (let i = 0; i < n; i++) {
    let g = maximize ? -grad[i]! : grad[i]!;
    if (wd !== 0) {
      if (decoupled) w[i] = w[i]! * (1 - lr * wd);
      else g += wd * w[i]!;
    }
    m[i] = b1 * m[i]! + (1 - b1) * g;
    v[i] = b2 * v[i]! + (1 - b2) * g * g;
    let vv = v[i]!;
    if (vmax !== null) {
      if (vv > vmax[i]!) vmax[i] = vv;
      vv = vmax[i]!;
    }
    const denom = Math.sqrt(vv) / sqrtBc2 + eps;
    w[i] = w[i]! - (stepSize * m[i]!) / denom;
  }
}
