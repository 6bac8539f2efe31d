#!/usr/bin/env node
/**
 * tsgrad-drlim: the DrLIM MNIST experiment from the command line.
 *
 *   tsgrad-drlim --digits 4,9 --seed 1 --out out/drlim-mnist
 */
import { parseArgs } from 'node:util';
import { DRLIM_MNIST_DEFAULTS as D, drlimMnist } from './drlim.js';
import { progressBar } from './progress.js';

const QUICK_EPOCHS = D.quickEpochs;

const HELP = `usage: tsgrad-drlim [options]

Learns a low-dimensional map of MNIST digits with DrLIM (Hadsell, Chopra & LeCun 2006): similar pairs come
from each digit's nearest neighbours in pixel space, no labels are used for training. Trains on MNIST's
training set (${D.perDigit} images per digit by default, as the paper) and holds out the test set's images of the same
digits. Prints the 5-NN accuracy of held-out digits in the learned map next to PCA and raw pixels, and writes
plots and weights to --out.

options:
  --digits LIST   digits to use, comma-separated (default ${D.digits.join(',')})
  --epochs N      training epochs (default ${D.epochs})
  --quick         a first look: ${QUICK_EPOCHS} epochs on the same data (overrides --epochs)
  --margin M      the contrastive loss's margin (default ${D.margin})
  --dim D         dimension of the map (default ${D.dim})
  --seed S        seed of every random choice (default ${D.seed})
  --k K           neighbours per digit in the similarity graph (default ${D.k})
  --per-digit N   training images of each digit, drawn from MNIST's training set (default ${D.perDigit})
  --test-per-digit N  held-out images of each digit, drawn from MNIST's test set (default: all)
  --lr RATE       Adam learning rate (default ${D.lr}), annealed by a cosine schedule
  --batch-size N  pairs per batch (default ${D.batchSize})
  --out DIR       output folder (default out/drlim-mnist)
  -h, --help      this text`;

class UsageError extends Error {}

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
    const digitsArg = (values.digits as string | undefined) ?? D.digits.join(',');
    const digits = digitsArg.split(',').map((s) => s.trim());
    if (digits.length < 2 || digits.some((d) => !/^[0-9]$/.test(d)) || new Set(digits).size !== digits.length) {
      throw new UsageError(`--digits must list at least two different digits 0-9, comma-separated: got '${digitsArg}'`);
    }
    const out = (values.out as string | undefined) ?? 'out/drlim-mnist';
    const opts = {
      digits: digits.map(Number),
      epochs: values.quick ? QUICK_EPOCHS : int('epochs', values.epochs as string | undefined, D.epochs, 1),
      margin: positive('margin', values.margin as string | undefined, D.margin),
      dim: int('dim', values.dim as string | undefined, D.dim, 1),
      seed: int('seed', values.seed as string | undefined, D.seed, 0),
      k: int('k', values.k as string | undefined, D.k, 1),
      perDigit: int('per-digit', values['per-digit'] as string | undefined, D.perDigit, 2),
      testPerDigit: values['test-per-digit'] === undefined ? undefined : int('test-per-digit', values['test-per-digit'] as string, 0, 1),
      lr: positive('lr', values.lr as string | undefined, D.lr),
      batchSize: int('batch-size', values['batch-size'] as string | undefined, D.batchSize, 1),
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
