/**
 * TensorFlow.js 4.22 in this process, with two backends side by side: the pure-JavaScript CPU backend and the
 * WebAssembly backend's SIMD binary, loaded from the package's own files (nothing is fetched at run time).
 */
import { readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

export type TfjsEngine = 'tfjs-cpu' | 'tfjs-wasm';
const BACKEND: Record<TfjsEngine, string> = { 'tfjs-cpu': 'cpu', 'tfjs-wasm': 'wasm' };

const require = createRequire(import.meta.url);

/** Absolute path of the SIMD build of the WebAssembly backend inside node_modules. */
export const wasmSimdPath = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');

/** Versions of the three packages, read from their package.json. */
export function tfjsVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm']) {
    const pkg = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string };
    out[name] = pkg.version;
  }
  return out;
}

let ready = false;

/**
 * Registers the gradients (see tfjs-esm-resolve.mjs), points the WebAssembly backend at the SIMD binary on
 * disk, turns on production mode (no per-op debug checks, no Node banner) and initialises both backends.
 * Fails if the WebAssembly backend did not come up with SIMD, so a figure is never silently from the scalar build.
 */
export async function initTfjs(): Promise<void> {
  if (ready) return;
  register('./tfjs-esm-resolve.mjs', import.meta.url);
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  // Every binary name maps to the SIMD file: Node never gets the threaded build (tfjs reports no thread
  // support under Node), and the plain build must not be picked by accident.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmSimdPath,
    'tfjs-backend-wasm-simd.wasm': wasmSimdPath,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmSimdPath,
  });
  tf.enableProdMode();
  for (const engine of ['tfjs-wasm', 'tfjs-cpu'] as const) {
    if (!(await tf.setBackend(BACKEND[engine]))) throw new Error(`[bench] TensorFlow.js backend ${BACKEND[engine]} failed to initialise`);
  }
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('[bench] this Node has no WebAssembly SIMD: tfjs-wasm would run its scalar build');
  ready = true;
}

/**
 * Makes `engine`'s backend the active one, synchronously. `tf.setBackend` is async only for a backend's first
 * initialisation; for an initialised backend its body runs to completion before it returns, which is checked
 * here, so a benchmark case can switch backends inside the timed call without awaiting.
 */
export function useBackend(engine: TfjsEngine): void {
  const name = BACKEND[engine];
  if (tf.getBackend() === name) return;
  void tf.setBackend(name);
  if (tf.getBackend() !== name) throw new Error(`[bench] could not switch TensorFlow.js to ${name} synchronously`);
}
