#!/usr/bin/env node
/**
 * tsgrad-drlim: the DrLIM MNIST experiment from the command line.
 *
 *   tsgrad-drlim --digits 4,9 --epochs 10 --margin 1.25 --dim 2 --seed 0 --out out/drlim-mnist
 */
import { parseArgs } from 'node:util';
import { drlimMnist } from './drlim.js';
import { progressBar } from './progress.js';

const HELP = `usage: tsgrad-drlim [options]

Learns a low-dimensional map of MNIST digits with DrLIM (Hadsell, Chopra & LeCun 2006): similar pairs come
from each digit's nearest neighbours in pixel space, no labels are used for training. Trains on MNIST's
training set (3 000 images per digit by default, as the paper) and holds out the test set's images of the same
digits. Prints the 5-NN accuracy of held-out digits in the learned map next to PCA and raw pixels, and writes
plots and weights to --out.

options:
  --digits LIST   digits to use, comma-separated (default 4,9)
  --epochs N      training epochs (default 10)
  --quick         a first look: 2 epochs on the same data (overrides --epochs)
  --margin M      the contrastive loss's margin (default 1.25)
  --dim D         dimension of the map (default 2)
  --seed S        seed of every random choice (default 0)
  --k K           neighbours per digit in the similarity graph (default 5)
  --per-digit N   training images of each digit, drawn from MNIST's training set (default 3000)
  --test-per-digit N  held-out images of each digit, drawn from MNIST's test set (default: all)
  --lr RATE       Adam learning rate (default 0.002), annealed by a cosine schedule
  --batch-size N  pairs per batch (default 64)
  --out DIR       output folder (default out/drlim-mnist)
  -h, --help      this text`;

class UsageError extends Error {}

/** Epochs of `--quick`: enough for the map to take shape, on the same data. */
const QUICK_EPOCHS = 2;

function int(name: string, v: string | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}: got '${v}'`);
  return n;
}

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number: got '${v}'`);
  return n;
}

function main(argv: string[]): number {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        digits: { type: 'string' }, epochs: { type: 'string' }, margin: { type: 'string' }, dim: { type: 'string' },
        seed: { type: 'string' }, k: { type: 'string' }, lr: { type: 'string' }, out: { type: 'string' },
        'per-digit': { type: 'string' }, 'test-per-digit': { type: 'string' }, quick: { type: 'boolean' },
        'batch-size': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`tsgrad-drlim: ${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  try {
    const digitsArg = (values.digits as string | undefined) ?? '4,9';
    const digits = digitsArg.split(',').map((s) => s.trim());
    if (digits.length < 2 || digits.some((d) => !/^[0-9]$/.test(d)) || new Set(digits).size !== digits.length) {
      throw new UsageError(`--digits must list at least two different digits 0-9, comma-separated: got '${digitsArg}'`);
    }
    const out = (values.out as string | undefined) ?? 'out/drlim-mnist';
    const opts = {
      digits: digits.map(Number),
      epochs: values.quick ? QUICK_EPOCHS : int('epochs', values.epochs as string | undefined, 10, 1),
      margin: positive('margin', values.margin as string | undefined, 1.25),
      dim: int('dim', values.dim as string | undefined, 2, 1),
      seed: int('seed', values.seed as string | undefined, 0, 0),
      k: int('k', values.k as string | undefined, 5, 1),
      perDigit: int('per-digit', values['per-digit'] as string | undefined, 3000, 2),
      testPerDigit: values['test-per-digit'] === undefined ? undefined : int('test-per-digit', values['test-per-digit'] as string, 0, 1),
      lr: positive('lr', values.lr as string | undefined, 0.002),
      batchSize: int('batch-size', values['batch-size'] as string | undefined, 64, 1),
      out,
    };
    const say = (m: string): void => void process.stdout.write(`${m}\n`);
    say(`DrLIM on MNIST digits ${opts.digits.join(', ')}: ${opts.epochs} epochs${values.quick ? ' (--quick: a first look, not the paper\'s run)' : ''}, margin ${opts.margin}, ${opts.dim}-D map, seed ${opts.seed}`);
    const r = drlimMnist({ ...opts, onProgress: progressBar(), log: say });
    say('');
    say(`5-NN accuracy of ${r.testSize} held-out digits:`);
    say(`  DrLIM ${opts.dim}-D map   ${r.drlimAccuracy.toFixed(3)}`);
    say(`  PCA ${opts.dim}-D         ${r.pcaAccuracy.toFixed(3)}`);
    say(`  raw pixels (784-D) ${r.pixelAccuracy.toFixed(3)}`);
    say(`trustworthiness T(5) of the map: ${r.trustworthiness.toFixed(3)}; ${(100 * r.crossDigitFraction).toFixed(1)}% of the ${r.similarPairs} similar pairs join different digits`);
    say(`trained at ${Math.round(r.history.pairsPerSecond)} pairs/s; ${r.seconds.toFixed(1)} s in all`);
    say(`wrote ${r.files.length} files to ${out}:`);
    for (const f of r.files) say(`  ${f}`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tsgrad-drlim: ${e.message}\n(see tsgrad-drlim --help)\n`);
      return 2;
    }
    process.stderr.write(`tsgrad-drlim: ${(e as Error).message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
