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

/** An NCHW tsgrad tensor as an NHWC tfjs tensor (tfjs's only conv layout on CPU and WebAssembly). */
export function nchwToTf(t: Tensor, engine: TfjsEngineName): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(toTf(t, engine), [0, 2, 3, 1])) as tf.Tensor4D;
}

/** An OIHW tsgrad weight as tfjs's HWIO filter. */
export function oihwToTf(t: Tensor, engine: TfjsEngineName): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(toTf(t, engine), [2, 3, 1, 0])) as tf.Tensor4D;
}

/** The values of a tfjs tensor, read back for the correctness check (NHWC → NCHW, HWIO → OIHW when asked). */
export function fromTf(t: tf.Tensor, layout: 'as-is' | 'nhwc' | 'hwio' = 'as-is'): Float32Array {
  const perm = layout === 'nhwc' ? [0, 3, 1, 2] : layout === 'hwio' ? [3, 2, 0, 1] : null;
  return tf.tidy(() => (perm ? tf.transpose(t, perm) : t).dataSync() as Float32Array).slice();
}

/** The tsgrad tensor's values as a fresh contiguous Float32Array. */
export const fromTs = (t: Tensor): Float32Array => Float32Array.from(t.toTypedArray());

export const TFJS: readonly TfjsEngineName[] = ['tfjs-cpu', 'tfjs-wasm'];
export const isTfjs = (e: Engine): e is TfjsEngineName => e === 'tfjs-cpu' || e === 'tfjs-wasm';

/** A case's rows at each of THREAD_COUNTS, in order: `…, 1 thread`, `…, 2 threads`. */
export const threadRows = (row: string): string[] => THREAD_COUNTS.map((n) => atThreads(row, n));
