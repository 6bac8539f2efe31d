/**
 * Adam's update on the wasm row (assembly/optim.ts adamRow), float32: blocks of ROW_BLOCK elements of each array
 * copied into the row runtime, updated, and the parameter and moments copied back.
 */
import type { AdamUpdateOptions } from '../adam.js';
import { ROW_BLOCK } from './elementwise.js';
import { ensureRowBytes, getRowRuntime } from './runtime.js';

/** {@link adamUpdate}'s fast path (see kernels/adam.ts): the same bits as its TypeScript loop. */
export function adamWasm(
  w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null, h: AdamUpdateOptions,
): void {
  const rt = getRowRuntime()!;
  const W = rt.base / 4, G = W + ROW_BLOCK, M = G + ROW_BLOCK, V = M + ROW_BLOCK, X = V + ROW_BLOCK;
  ensureRowBytes(rt, (X + ROW_BLOCK) * 4);
  const f = rt.f32, n = w.length;
  const flags = (h.maximize ? 1 : 0) | (h.decoupled ? 2 : 0);
  for (let i = 0; i < n; i += ROW_BLOCK) {
    const k = Math.min(ROW_BLOCK, n - i);
    f.set(w.subarray(i, i + k), W);
    f.set(g.subarray(i, i + k), G);
    f.set(m.subarray(i, i + k), M);
    f.set(v.subarray(i, i + k), V);
    if (vmax !== null) f.set(vmax.subarray(i, i + k), X);
    rt.exports.adamRow(W * 4, G * 4, M * 4, V * 4, vmax === null ? 0 : X * 4, k, h.beta1, 1 - h.beta1, h.beta2,
      1 - h.beta2, h.eps, h.stepSize, h.sqrtBiasCorrection2, h.weightDecay, 1 - h.lr * h.weightDecay, flags);
    w.set(f.subarray(W, W + k), i);
    m.set(f.subarray(M, M + k), i);
    v.set(f.subarray(V, V + k), i);
    if (vmax !== null) vmax.set(f.subarray(X, X + k), i);
  }
}
