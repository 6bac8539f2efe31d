/**
 * Elementwise float32 rows on the wasm kernels (assembly/elementwise.ts): copy a block of the row into the
 * arena, compute in place, copy it out. Only worth it where the per-element work is large against the two
 * copies (tanh: a rational function in SIMD against Math.tanh's ~20 ns), see docs/tensor.md §7.
 */
import { ensureBytes, getRuntime } from './runtime.js';

/** Elements per block: bounded, so the arena never grows past 4 MB for these rows. */
const BLOCK = 1 << 20;

/** dst[d + i] = tanh(src[s + i]) for i < n, contiguous float32 (max 6 ulp from Math.tanh; NaN and ±∞ as tanh). */
export function tanhWasm(src: Float32Array, s: number, dst: Float32Array, d: number, n: number): void {
  const rt = getRuntime()!;
  const at = rt.arenaBase / 4;
  ensureBytes(rt, rt.arenaBase + Math.min(n, BLOCK) * 4);
  for (let i = 0; i < n; i += BLOCK) {
    const m = Math.min(BLOCK, n - i);
    rt.f32.set(src.subarray(s + i, s + i + m), at);
    rt.exports.tanhRow(rt.arenaBase, rt.arenaBase, m);
    dst.set(rt.f32.subarray(at, at + m), d + i);
  }
}
