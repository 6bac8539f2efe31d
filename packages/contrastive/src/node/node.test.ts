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
import { ValueError } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import type { Progress } from '../train.js';
import { drlimMnist } from './drlim.js';
import { loadMnist } from './mnist.js';
import { progressBar } from './progress.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../../dist/node/cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'tsgrad-drlim-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('loadMnist', () => {
  it('splits each digit 70/30 with a seeded shuffle, disjoint, with values in [0, 1]', () => {
    const { train, test } = loadMnist({ digits: [4, 9], seed: 3, perDigit: 100 });
    expect(train.images.shape).toEqual([140, 1, 28, 28]);
    expect(test.images.shape).toEqual([60, 1, 28, 28]);
    for (const d of [4, 9]) {
      expect(train.labels.filter((l) => l === d).length).toBe(70);
      expect(test.labels.filter((l) => l === d).length).toBe(30);
    }
    const key = (x: Float32Array, i: number): string => x.subarray(i * 784, i * 784 + 784).join(',');
    const trainKeys = new Set(Array.from({ length: 140 }, (_, i) => key(train.images.data as Float32Array, i)));
    for (let i = 0; i < 60; i++) expect(trainKeys.has(key(test.images.data as Float32Array, i))).toBe(false);
    let lo = Infinity, hi = -Infinity;
    for (const v of train.images.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBe(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThan(0.9);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = loadMnist({ digits: [1], seed: 5, perDigit: 20 }), b = loadMnist({ digits: [1], seed: 5, perDigit: 20 });
    const c = loadMnist({ digits: [1], seed: 6, perDigit: 20 });
    expect(Array.from(a.train.images.data)).toEqual(Array.from(b.train.images.data));
    expect(Array.from(a.train.images.data)).not.toEqual(Array.from(c.train.images.data));
  });

  it('holds about 1 000 real digits per class', () => {
    const { train, test } = loadMnist({ digits: [4, 9] });
    expect(train.labels.length + test.labels.length).toBeGreaterThan(1800);
  });

  it('rejects bad options with a clear message', () => {
    expectError(() => loadMnist({ digits: [10] }), ValueError, '[loadMnist] digits must be integers 0..9: got 10');
    expectError(() => loadMnist({ digits: [] }), ValueError, '[loadMnist] digits must not be empty');
    expectError(() => loadMnist({ digits: [4, 4] }), ValueError, '[loadMnist] digits must not repeat: got [4, 4]');
    expectError(() => loadMnist({ split: 1.5 }), ValueError, '[loadMnist] split must be a fraction in [0, 1]: got 1.5');
    expectError(() => loadMnist({ perDigit: 0 }), ValueError, '[loadMnist] perDigit must be a positive integer: got 0');
    expectError(() => loadMnist({ perDigit: 2.5 }), ValueError, '[loadMnist] perDigit must be a positive integer: got 2.5');
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
});

describe('drlimMnist', () => {
  it('runs the experiment end to end on a small subset, deterministically, and writes its files', () => {
    const out = join(scratch, 'run');
    const opts = { perDigit: 40, epochs: 2, batchSize: 64, seed: 1 };
    const a = drlimMnist({ ...opts, out });
    const b = drlimMnist(opts);
    expect(a.trainSize).toBe(56);
    expect(a.testSize).toBe(24);
    expect(a.history.batchLoss).toEqual(b.history.batchLoss);
    expect(a.drlimAccuracy).toBe(b.drlimAccuracy);
    for (const acc of [a.drlimAccuracy, a.pcaAccuracy, a.pixelAccuracy]) {
      expect(acc).toBeGreaterThanOrEqual(0);
      expect(acc).toBeLessThanOrEqual(1);
    }
    // On 4s against 9s raw pixels already classify well above chance: the split and labels line up.
    expect(a.pixelAccuracy).toBeGreaterThan(0.75);
    expect(a.files.map((f) => f.slice(out.length + 1)).sort()).toEqual(['embedding.svg', 'loss.svg', 'model.safetensors', 'pca.svg']);
    expect(readFileSync(join(out, 'embedding.svg'), 'utf8')).toContain('<svg');
    expect(b.files).toEqual([]);
  });
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
    [['--bogus'], "tsgrad-drlim: Unknown option '--bogus'"],
  ])('rejects %j with a clear message and exit code 2, no stack trace', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs a small experiment and names the folder it wrote', () => {
    const out = join(scratch, 'cli');
    const r = run('--per-digit', '30', '--epochs', '1', '--seed', '2', '--out', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('5-NN accuracy of 18 held-out digits:');
    expect(r.stdout).toMatch(/DrLIM 2-D map\s+\d\.\d{3}/);
    expect(r.stdout).toContain(`wrote 4 files to ${out}:`);
    expect(existsSync(join(out, 'pca.svg'))).toBe(true);
  });
});
