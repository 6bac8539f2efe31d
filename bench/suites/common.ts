/** Helpers shared by the suites: seeded inputs, the same numbers in both engines, NHWC ↔ NCHW. */
import { Generator, randn, type Tensor } from '@tsgrad/tensor';
import { tf, useBackend } from '../lib/tfjs.js';
import { THREAD_COUNTS, atThreads } from '../lib/threads.js';
import type { Engine, TfjsEngineName } from '../lib/types.js';

/** One generator per suite run, so every run times the same numbers. */
export const generator = (seed: number): Generator => new Generator(seed);

/** A float32 standard-normal tensor. */
export const normal = (shape: number[], g: Generator): Tensor => randn(shape, { generator: g });

/** `t`'s values as a tfjs tensor of the same shape, on `engine`'s backend (made active). */
export function toTf(t: Tensor, engine: TfjsEngineName): tf.Tensor {
  useBackend(engine);
  return tf.tensor(t.toTypedArray() as Float32Array, t.shape.slice(), 'float32');
}

/**
 * The values of a C-contiguous 4-D array of `shape` with its axes permuted: axis i of the result is axis
 * `perm[i]` of the input. Layout conversions run here rather than through tf.transpose, which takes over ten
 * seconds on the DrLIM layers' 5.6M-element activations on both tfjs backends.
 */
export function permute4(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const [, s1, s2, s3] = shape as [number, number, number, number];
  const strides = [s1 * s2 * s3, s2 * s3, s3, 1];
  const [n0, n1, n2, n3] = perm.map((p) => shape[p]!) as [number, number, number, number];
  const [t0, t1, t2, t3] = perm.map((p) => strides[p]!) as [number, number, number, number];
  const out = new Float32Array(data.length);
  let k = 0;
  for (let a = 0; a < n0; a++) {
    for (let b = 0; b < n1; b++) {
      for (let c = 0; c < n2; c++) {
        const base = a * t0 + b * t1 + c * t2;
        for (let d = 0; d < n3; d++) out[k++] = data[base + d * t3]!;
      }
    }
  }
  return out;
}

/** `t` with its 4 axes permuted, as a tfjs tensor on `engine`'s backend. */
function permutedToTf(t: Tensor, perm: readonly number[], engine: TfjsEngineName): tf.Tensor4D {
  useBackend(engine);
  const data = permute4(Float32Array.from(t.toTypedArray()), t.shape, perm);
  return tf.tensor4d(data, perm.map((p) => t.shape[p]!) as [number, number, number, number], 'float32');
}

/** An NCHW tsgrad tensor as an NHWC tfjs tensor (tfjs's only conv layout on CPU and WebAssembly). */
export const nchwToTf = (t: Tensor, engine: TfjsEngineName): tf.Tensor4D => permutedToTf(t, [0, 2, 3, 1], engine);

/** An OIHW tsgrad weight as tfjs's HWIO filter. */
export const oihwToTf = (t: Tensor, engine: TfjsEngineName): tf.Tensor4D => permutedToTf(t, [2, 3, 1, 0], engine);

/** The values of a tfjs tensor, read back for the correctness check (NHWC → NCHW, HWIO → OIHW when asked). */
export function fromTf(t: tf.Tensor, layout: 'as-is' | 'nhwc' | 'hwio' = 'as-is'): Float32Array {
  const data = (t.dataSync() as Float32Array).slice();
  if (layout === 'as-is') return data;
  return permute4(data, t.shape, layout === 'nhwc' ? [0, 3, 1, 2] : [3, 2, 0, 1]);
}

/**
 * `read()`'s arrays, read inside tf.tidy (which frees the tensors made meanwhile) but kept out of its return
 * value: tidy walks what it returns, element by element, looking for tensors, which takes seconds on the
 * millions of values of a DrLIM layer's activations.
 */
export function readTidy(read: () => Float32Array[]): Float32Array[] {
  let out: Float32Array[] = [];
  tf.tidy(() => { out = read(); });
  return out;
}

/** The tsgrad tensor's values as a fresh contiguous Float32Array. */
export const fromTs = (t: Tensor): Float32Array => Float32Array.from(t.toTypedArray());

export const TFJS: readonly TfjsEngineName[] = ['tfjs-cpu', 'tfjs-wasm'];
export const isTfjs = (e: Engine): e is TfjsEngineName => e === 'tfjs-cpu' || e === 'tfjs-wasm';

/** A case's rows at each of THREAD_COUNTS, in order: `…, 1 thread`, `…, 2 threads`. */
export const threadRows = (row: string): string[] => THREAD_COUNTS.map((n) => atThreads(row, n));
