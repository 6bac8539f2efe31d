/**
 * Which kernels run: the one switch every kernel entry point (gemm, gemmGather, pooling) consults.
 *
 * - `'wasm'`: float32 products, convolutions and pooling run on the WebAssembly SIMD kernels (compiled from
 *   packages/tensor/assembly at build time), split between worker threads where the runtime allows it.
 *   float64 always runs on the TypeScript kernels, so gradient checks keep their float64 sums.
 * - `'js'`: everything runs on the TypeScript kernels (the readable reference).
 *
 * The default is `'wasm'` wherever the module validates (WebAssembly with fixed-width SIMD), else `'js'`.
 */
import { ValueError } from '../errors.js';
import { getRuntime } from './wasm/runtime.js';

/** A set of kernels: the WebAssembly SIMD ones or the TypeScript reference ones. */
export type Backend = 'wasm' | 'js';

let chosen: Backend | undefined;

/** True when float32 kernels should take the wasm path (the runtime loads on the first call). */
export function wasmActive(): boolean {
  if (chosen === undefined) chosen = getRuntime() !== null ? 'wasm' : 'js';
  return chosen === 'wasm';
}

/**
 * Chooses the kernels every later op runs on: `'wasm'` (WebAssembly SIMD for float32; float64 stays on the
 * TypeScript kernels) or `'js'` (the TypeScript kernels only). Results agree to float32 rounding; the two sum in
 * different orders and precisions (wasm in float32, js in float64), so they are not bit-identical.
 *
 * @throws ValueError for an unknown name, or `'wasm'` where WebAssembly SIMD is not available.
 */
export function setBackend(backend: Backend): void {
  if (backend !== 'wasm' && backend !== 'js') {
    throw new ValueError(`[setBackend] unknown backend ${JSON.stringify(backend)}: expected 'wasm' or 'js'`);
  }
  if (backend === 'wasm' && getRuntime() === null) {
    throw new ValueError(`[setBackend] the 'wasm' backend needs WebAssembly with SIMD, which this runtime lacks`);
  }
  chosen = backend;
}

/** The kernels in use: `'wasm'` or `'js'` (see {@link setBackend}). */
export function getBackend(): Backend {
  return wasmActive() ? 'wasm' : 'js';
}
