/**
 * The Node-only part of @tsgrad/contrastive: the MNIST loader, the progress bar, the experiment runner and the
 * `tsgrad-drlim` CLI. The CLI is run as a user runs it, from the built dist/ (the test command builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '@tsgrad/nn';
import { Tensor, ValueError } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { runOnnx } from '../../../../testing/onnx.js';
import { padTo } from '../data.js';
import { drlimNetwork } from '../network.js';
import { pairsFromNeighbors } from '../pairs.js';
import { embed, type Progress } from '../train.js';
import { drlimMnist } from './drlim.js';
import { loadMnist, mnistDigit } from './mnist.js';
import { clock, progressBar } from './progress.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../../dist/node/cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'tsgrad-drlim-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('loadMnist', () => {
  it('keeps MNIST\'s own split: a seeded draw of training images per digit, every test image of the digits', () => {
    const { train, test } = loadMnist({ digits: [4, 9], seed: 3, perDigit: 100 });
    expect(train.images.shape).toEqual([200, 1, 28, 28]);
    // MNIST's test set holds 982 4s and 1 009 9s.
    expect(test.images.shape).toEqual([1991, 1, 28, 28]);
    expect(Array.from(train.labels.subarray(0, 100)).every((l) => l === 4) && Array.from(train.labels.subarray(100)).every((l) => l === 9)).toBe(true);
    expect(test.labels.filter((l) => l === 4).length).toBe(982);
    expect(test.labels.filter((l) => l === 9).length).toBe(1009);
    // Draws without replacement, and the test images are the test file's, in no particular order.
    expect(new Set(train.indices).size).toBe(200);
    expect(new Set(test.indices).size).toBe(1991);
    let lo = Infinity, hi = -Infinity;
    for (const v of train.images.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
  });

  it('reads the images the IDX files hold: the first training image is a 5, with its known ink', () => {
    const { train } = loadMnist({ digits: [5], perDigit: 5421 });
    const k = Array.from(train.indices).indexOf(0);
    expect(k).toBeGreaterThanOrEqual(0);
    const img = (train.images.data as Float32Array).subarray(k * 784, k * 784 + 784);
    // Row 5 of the first MNIST training image, as LeCun's file holds it (grey levels 0–255).
    const row5 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127, 0, 0, 0, 0];
    expect(Array.from(img.subarray(5 * 28, 6 * 28), (v) => Math.round(v * 255))).toEqual(row5);
    expect(mnistDigit(5).subarray(5 * 28, 6 * 28).map((v) => Math.round(v * 255))).toEqual(Float32Array.from(row5));
  });

  it('is deterministic for a seed and differs between seeds; testPerDigit draws from the test set', () => {
    const a = loadMnist({ digits: [1], seed: 5, perDigit: 20, testPerDigit: 7 }), b = loadMnist({ digits: [1], seed: 5, perDigit: 20, testPerDigit: 7 });
    const c = loadMnist({ digits: [1], seed: 6, perDigit: 20, testPerDigit: 7 });
    expect(Array.from(a.train.images.data)).toEqual(Array.from(b.train.images.data));
    expect(Array.from(a.test.indices)).toEqual(Array.from(b.test.indices));
    expect(Array.from(a.train.images.data)).not.toEqual(Array.from(c.train.images.data));
    expect(a.test.labels.length).toBe(7);
  });

  it('holds all of MNIST: 60 000 training and 10 000 test images', () => {
    const { train, test } = loadMnist();
    expect(train.labels.length).toBe(60000);
    expect(test.labels.length).toBe(10000);
  });

  it('rejects bad options with a clear message', () => {
    expectError(() => loadMnist({ digits: [10] }), ValueError, '[loadMnist] digits must be integers 0..9: got 10');
    expectError(() => loadMnist({ digits: [] }), ValueError, '[loadMnist] digits must not be empty');
    expectError(() => loadMnist({ digits: [4, 4] }), ValueError, '[loadMnist] digits must not repeat: got [4, 4]');
    expectError(() => loadMnist({ perDigit: 0 }), ValueError, '[loadMnist] perDigit must be a positive integer: got 0');
    expectError(() => loadMnist({ perDigit: 2.5 }), ValueError, '[loadMnist] perDigit must be a positive integer: got 2.5');
    expectError(() => loadMnist({ testPerDigit: -1 }), ValueError, '[loadMnist] testPerDigit must be a positive integer: got -1');
    expectError(() => loadMnist({ digits: [5], perDigit: 6000 }), ValueError, "[loadMnist] perDigit is 6000, but MNIST's training set holds 5421 images of digit 5");
    expectError(() => loadMnist({ digits: [5], testPerDigit: 900 }), ValueError, "[loadMnist] testPerDigit is 900, but MNIST's test set holds 892 images of digit 5");
  });
});

/** A stand-in for a terminal or a pipe that keeps what is written. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, write: (s: string) => { chunks.push(s); return true; } } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

const progress = (epoch: number, batch: number): Progress => ({
  epoch, epochs: 2, batch, batches: 3, loss: 0.123456, pairsPerSecond: 456.7, elapsed: 61, remaining: 125,
});

describe('progressBar', () => {
  it('redraws one line in place on a terminal and ends it after the last batch', () => {
    const { stream, text } = fakeStream(true);
    const bar = progressBar(stream);
    bar(progress(0, 0));
    expect(text()).toBe('\repoch 1/2 batch 1/3 [####....................] loss 0.1235 457 pairs/s, 1:01 elapsed, 2:05 left\x1b[K');
    bar(progress(1, 2));
    expect(text().endsWith('[########################] loss 0.1235 457 pairs/s, 1:01 elapsed, 2:05 left\x1b[K\n')).toBe(true);
  });

  it('writes one plain line per epoch on a pipe', () => {
    const { stream, text } = fakeStream(false);
    const bar = progressBar(stream);
    for (let e = 0; e < 2; e++) for (let b = 0; b < 3; b++) bar(progress(e, b));
    const lines = text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^epoch 1\/2 batch 3\/3 \[#{12}\.{12}\] loss 0\.1235/);
    expect(text()).not.toContain('\r');
  });

  it('rounds to the second before splitting minutes (179.6 s is 3:00, never 2:60)', () => {
    expect([179.6, 59.5, 0.4, 61, 3600].map(clock)).toEqual(['3:00', '1:00', '0:00', '1:01', '60:00']);
    expect(clock(Infinity)).toBe('--:--');
  });
});

describe('drlimMnist', () => {
  it('runs the experiment end to end on a small subset, deterministically, and writes its files', () => {
    const out = join(scratch, 'run');
    const opts = { perDigit: 40, testPerDigit: 12, epochs: 2, batchSize: 64, seed: 1 };
    const a = drlimMnist({ ...opts, out });
    const b = drlimMnist(opts);
    expect(a.trainSize).toBe(80);
    expect(a.testSize).toBe(24);
    expect(a.history.batchLoss).toEqual(b.history.batchLoss);
    expect(a.drlimAccuracy).toBe(b.drlimAccuracy);
    expect(a.trustworthiness).toBe(b.trustworthiness);
    // The graph's impurity, counted again from the same draw and graph.
    const { train } = loadMnist({ digits: [4, 9], seed: 1, perDigit: 40, testPerDigit: 12 });
    const pairs = pairsFromNeighbors(train.images, { k: 5 });
    let cross = 0;
    for (let k = 0; k < pairs.size; k++) if (train.labels[pairs.a[k]!] !== train.labels[pairs.b[k]!]) cross++;
    expect(a.similarPairs).toBe(pairs.size);
    expect(a.crossDigitFraction).toBe(cross / pairs.size);
    expect(cross).toBeGreaterThan(0);
    // On 4s against 9s raw pixels already classify well above chance: the split and labels line up.
    expect(a.pixelAccuracy).toBeGreaterThan(0.75);
    expect(a.files.map((f) => f.slice(out.length + 1)).sort()).toEqual(['embedding.svg', 'loss.svg', 'model.onnx', 'model.safetensors', 'pca.svg']);
    expect(readFileSync(join(out, 'embedding.svg'), 'utf8')).toContain('<svg');
    expect(b.files).toEqual([]);
    expectError(() => drlimMnist({ perDigit: 20, testPerDigit: 5 }), ValueError,
      '[drlimMnist] the held-out digits must number at least 11 to measure trustworthiness T(5): got 10');
  });

  it('writes the learned map twice, as safetensors and as ONNX, and onnxruntime runs it as tsgrad does', async () => {
    const out = join(scratch, 'onnx');
    drlimMnist({ perDigit: 20, testPerDigit: 8, epochs: 1, batchSize: 64, seed: 4, out });
    const net = drlimNetwork({ activation: 'relu' });
    net.loadStateDict(loadSafetensors(readFileSync(join(out, 'model.safetensors'))));
    const { test } = loadMnist({ digits: [4, 9], seed: 4, perDigit: 20, testPerDigit: 8 });
    const x = padTo(test.images, 32);
    const expected = embed(net, x);
    const got = await runOnnx(readFileSync(join(out, 'model.onnx')), x);
    expect(got.shape).toEqual([16, 2]);
    expect(new Tensor(Float32Array.from(got.data), got.shape)).toBeAllclose(expected, { atol: 1e-5, rtol: 1e-4 });
  });

  it('learns a map that separates held-out digits far better than PCA, from neighbour pairs alone', () => {
    // A small fixed subset of the real data: 300 training 3s and 5s (MNIST's training set), 200 held-out ones of
    // each (its test set), 4 epochs. 3 against 5 is the pair whose PCA-2D map is weakest while its 5-NN graph is
    // pure (6.8 % of the pairs join a 3 and a 5 at this size, against 11 % for 4 and 9, whose graph is too
    // impure to learn from in a few hundred digits). Measured for seeds 0, 1, 2: DrLIM 0.850, 0.740, 0.887
    // against PCA 0.665, 0.573, 0.705, so a margin of 0.1 fails only if learning fails.
    const r = drlimMnist({ digits: [3, 5], perDigit: 300, testPerDigit: 200, epochs: 4, batchSize: 128, lr: 0.004, seed: 0 });
    expect(r.testSize).toBe(400);
    expect(r.pcaAccuracy).toBeGreaterThan(0.55);
    expect(r.drlimAccuracy).toBeGreaterThan(r.pcaAccuracy + 0.1);
    // Learning lowers the loss: the last epoch's mean is well below the first's.
    expect(r.history.epochLoss.at(-1)!).toBeLessThan(0.8 * r.history.epochLoss[0]!);
  }, 600_000);
});

describe('tsgrad-drlim CLI', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

  it('prints its usage for --help and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: tsgrad-drlim [options]');
    expect(r.stdout).toContain('--per-digit N');
  });

  it.each([
    [['--epochs', 'two'], "tsgrad-drlim: --epochs must be an integer >= 1: got 'two'"],
    [['--epochs', '0'], "tsgrad-drlim: --epochs must be an integer >= 1: got '0'"],
    [['--margin=-1'], "tsgrad-drlim: --margin must be a positive number: got '-1'"],
    [['--margin', '-1'], "tsgrad-drlim: Option '--margin' argument is ambiguous."],
    [['--digits', '4'], "tsgrad-drlim: --digits must list at least two different digits 0-9, comma-separated: got '4'"],
    [['--digits', '4,x'], "tsgrad-drlim: --digits must list at least two different digits 0-9, comma-separated: got '4,x'"],
    [['--per-digit', '1'], "tsgrad-drlim: --per-digit must be an integer >= 2: got '1'"],
    [['--test-per-digit', '0'], "tsgrad-drlim: --test-per-digit must be an integer >= 1: got '0'"],
    [['--quick=yes'], "tsgrad-drlim: Option '--quick' does not take an argument"],
    [['--bogus'], "tsgrad-drlim: Unknown option '--bogus'"],
  ])('rejects %j with a clear message and exit code 2, no stack trace', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs a small experiment and names the folder it wrote', () => {
    const out = join(scratch, 'cli');
    const r = run('--per-digit', '30', '--test-per-digit', '9', '--epochs', '1', '--seed', '2', '--out', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('5-NN accuracy of 18 held-out digits:');
    expect(r.stdout).toMatch(/trustworthiness T\(5\) of the map: \d\.\d{3}; \d+\.\d% of the \d+ similar pairs join different digits/);
    expect(r.stdout).toMatch(/DrLIM 2-D map\s+\d\.\d{3}/);
    expect(r.stdout).toContain(`wrote 5 files to ${out}:`);
    expect(existsSync(join(out, 'model.onnx'))).toBe(true);
    expect(existsSync(join(out, 'pca.svg'))).toBe(true);
  });
});
