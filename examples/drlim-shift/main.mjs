// DrLIM's invariance experiment (Hadsell, Chopra & LeCun 2006, §4.2): MNIST 4s and 9s, each digit also shifted
// horizontally by −6, −3, 0, +3, +6 pixels. Two maps are trained from the same seeded initial weights and the
// same sampler seed:
//   (a) "5-NN only": similar pairs are each image's 5 nearest neighbours in pixel space;
//   (b) "prior":     the same pairs plus prior knowledge — every digit is similar to its own translations.
// Every other pair is dissimilar. Labels (digit, shift) are never used for training, only to score the maps:
// 5-NN accuracy of the digit and of the shift, from held-out test embeddings to training embeddings. MNIST's own
// split is kept: training originals are a seeded draw from the training set, held-out originals from the test
// set, and every original is shifted on its own side only.
//
// Shifting: each 28×28 digit is first padded to the network's 32×32 input and then shifted inside that frame
// (translate fills with zeros). MNIST ink lies in a centred 20×20 box, i.e. columns 6..25 of the 32-wide frame,
// so a ±6 shift moves it to 0..31: the digit stays whole. Shifting inside 28×28 first would clip up to 2
// columns of ink at ±6 and the shifted copies would no longer be pure translations.
//
//   pnpm run build && node examples/drlim-shift/main.mjs [--epochs 3] [--per-digit 400] [--test-per-digit 100] [--seed 0] [--out out/drlim-shift]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  PairSampler, Siamese, drlimNetwork, embed, fit, knnAccuracy, lossCurveSvg, padTo, pairsFromGroups,
  pairsFromNeighbors, scatterSvg, translate,
} from '@tsgrad/contrastive';
import { loadMnist, progressBar } from '@tsgrad/contrastive/node';
import { optim } from '@tsgrad/nn';
import { Generator, Tensor, concat } from '@tsgrad/tensor';

// ---- arguments -------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const opts = { epochs: 3, perDigit: 400, testPerDigit: 100, seed: 0, out: 'out/drlim-shift' };
  const keys = { '--epochs': 'epochs', '--per-digit': 'perDigit', '--test-per-digit': 'testPerDigit', '--seed': 'seed', '--out': 'out' };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i], value;
    if (arg === '--help' || arg === '-h') {
      console.log('usage: node examples/drlim-shift/main.mjs [--epochs N] [--per-digit N] [--test-per-digit N] [--seed N] [--out DIR]');
      process.exit(0);
    }
    const eq = arg.indexOf('=');
    if (eq > 0) [arg, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
    const key = keys[arg];
    if (key === undefined) throw new Error(`unknown argument ${argv[i]} (try --help)`);
    value ??= argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (key === 'out') opts.out = value;
    else {
      const v = Number(value);
      if (!Number.isInteger(v) || v < (key === 'seed' ? 0 : 1)) throw new Error(`${arg} must be a ${key === 'seed' ? 'non-negative' : 'positive'} integer: got ${value}`);
      opts[key] = v;
    }
  }
  return opts;
}

const args = parseArgs(process.argv.slice(2));
const t0 = performance.now();
const DIGITS = [4, 9];
const SHIFTS = [-6, -3, 0, 3, 6];
const K = 5;
const MARGIN = 1.25;

// ---- data ------------------------------------------------------------------------------------------------
// `perDigit` training originals of each digit from MNIST's training set, `testPerDigit` held-out ones from its test set.
const { train, test } = loadMnist({ digits: DIGITS, seed: args.seed, perDigit: args.perDigit, testPerDigit: args.testPerDigit });

/** Pads to 32×32, then every shift of every digit: sample s·n + i is original i shifted by SHIFTS[s]. */
function shifted(split) {
  const n = split.labels.length;
  const x32 = padTo(split.images, 32);
  const images = concat(SHIFTS.map((dx) => translate(x32, dx, 0)), 0);
  const digit = new Int32Array(n * SHIFTS.length), shift = new Int32Array(n * SHIFTS.length), group = new Int32Array(n * SHIFTS.length);
  for (let s = 0; s < SHIFTS.length; s++) {
    for (let i = 0; i < n; i++) {
      digit[s * n + i] = split.labels[i];
      shift[s * n + i] = s;
      group[s * n + i] = i;
    }
  }
  return { images, digit, shift, group, originals: n };
}

const tr = shifted(train), te = shifted(test);
console.log(`${tr.originals} training and ${te.originals} test original digits (${DIGITS.join(', ')}; MNIST's training and test sets); ×${SHIFTS.length} shifts (${SHIFTS.join(', ')} px) → ${tr.digit.length} training and ${te.digit.length} test images, 32×32`);

// ---- pairs -----------------------------------------------------------------------------------------------
const knnPairs = pairsFromNeighbors(tr.images, { k: K });
const priorPairs = knnPairs.union(pairsFromGroups(tr.group));
/** How many of a pair set's pairs join images of the same shift, and of the same digit. */
function pairStats(p) {
  let sameShift = 0, sameDigit = 0;
  for (let k = 0; k < p.size; k++) {
    if (tr.shift[p.a[k]] === tr.shift[p.b[k]]) sameShift++;
    if (tr.digit[p.a[k]] === tr.digit[p.b[k]]) sameDigit++;
  }
  return `${p.size} similar pairs (${pct(sameShift / p.size)} same shift, ${pct(sameDigit / p.size)} same digit)`;
}
const pct = (f) => `${(100 * f).toFixed(1)}%`;
console.log(`(a) 5-NN only: ${pairStats(knnPairs)}`);
console.log(`(b) prior:     ${pairStats(priorPairs)}`);

// ---- training --------------------------------------------------------------------------------------------
/** One map, from the same seeded initial weights and sampler seed whichever pairs it gets. */
function train_(name, pairs) {
  console.log(`training ${name}: ${args.epochs} epochs of ${pairs.size} similar + ${pairs.size} dissimilar pairs`);
  const gen = new Generator(args.seed);
  const siamese = new Siamese(drlimNetwork({ dim: 2, generator: gen.spawn(), activation: 'relu' }));
  const sampler = new PairSampler(tr.images, pairs, { batchSize: 256, generator: gen.spawn() });
  const optimizer = new optim.Adam(siamese.parameters(), { lr: 0.002 });
  const schedule = new optim.CosineAnnealingLR(optimizer, { tMax: args.epochs });
  const history = fit(siamese, sampler, { epochs: args.epochs, optimizer, schedule, margin: MARGIN, onProgress: progressBar() });
  return { siamese, history };
}

/** Mean distance between translations of the same test digit over the mean distance between any two test images. */
function translationSpread(z) {
  const n = z.shape[0], d = z.shape[1], x = z.contiguous().data;
  const dist = (i, j) => {
    let s = 0;
    for (let c = 0; c < d; c++) s += (x[i * d + c] - x[j * d + c]) ** 2;
    return Math.sqrt(s);
  };
  let within = 0, nWithin = 0, all = 0, nAll = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = dist(i, j);
      all += v;
      nAll++;
      if (te.group[i] === te.group[j]) {
        within += v;
        nWithin++;
      }
    }
  }
  return within / nWithin / (all / nAll);
}

function score(ztr, zte) {
  return {
    digit: knnAccuracy(ztr, tr.digit, zte, te.digit, { k: K }),
    shift: knnAccuracy(ztr, tr.shift, zte, te.shift, { k: K }),
    spread: translationSpread(zte),
  };
}

const runs = [
  { key: 'knn-only', name: '(a) 5-NN only', pairs: knnPairs },
  { key: 'prior', name: '(b) 5-NN + prior', pairs: priorPairs },
];
for (const run of runs) {
  const { siamese, history } = train_(run.name, run.pairs);
  run.history = history;
  run.ztr = embed(siamese, tr.images);
  run.zte = embed(siamese, te.images);
  run.score = score(run.ztr, run.zte);
}
const flat = (x) => x.reshape([x.shape[0], -1]);
const pixel = {
  digit: knnAccuracy(flat(tr.images), tr.digit, flat(te.images), te.digit, { k: K }),
  shift: knnAccuracy(flat(tr.images), tr.shift, flat(te.images), te.shift, { k: K }),
};

// ---- figures ---------------------------------------------------------------------------------------------
const dir = resolve(args.out);
mkdirSync(dir, { recursive: true });
const files = [];
const write = (name, content) => {
  writeFileSync(join(dir, name), content);
  files.push(join(dir, name));
};
const shiftNames = Object.fromEntries(SHIFTS.map((dx, s) => [s, `shift ${dx > 0 ? '+' : dx < 0 ? '−' : ''}${Math.abs(dx)} px`]));
const digitNames = Object.fromEntries(DIGITS.map((d) => [d, `digit ${d}`]));
const thumbnails = { images: te.images, size: [32, 32], count: 40, seed: args.seed };
for (const run of runs) {
  const s = run.score;
  write(`${run.key}.svg`, scatterSvg(run.zte, te.shift, {
    title: `${run.name}, test images by shift (5-NN acc: shift ${s.shift.toFixed(3)}, digit ${s.digit.toFixed(3)})`,
    classNames: shiftNames, thumbnails,
  }));
  write(`${run.key}-digits.svg`, scatterSvg(run.zte, te.digit, {
    title: `${run.name}, test images by digit (5-NN acc: digit ${s.digit.toFixed(3)}, shift ${s.shift.toFixed(3)})`,
    classNames: digitNames, colors: { 4: '#4e79a7', 9: '#e15759' }, thumbnails,
  }));
  write(`${run.key}-loss.svg`, lossCurveSvg(run.history, { title: `${run.name}: contrastive loss (margin ${MARGIN})` }));
}

// ---- report ----------------------------------------------------------------------------------------------
const row = (name, digit, shift, spread) =>
  `  ${name.padEnd(22)} ${digit.toFixed(3).padStart(9)} ${shift.toFixed(3).padStart(9)} ${spread === undefined ? '        -' : spread.toFixed(3).padStart(9)}`;
console.log(`\n${K}-NN accuracy of ${te.digit.length} held-out images (${te.originals} digits × ${SHIFTS.length} shifts) against ${tr.digit.length} training images:`);
console.log(`  ${'map'.padEnd(22)} ${'digit'.padStart(9)} ${'shift'.padStart(9)} ${'spread'.padStart(9)}`);
console.log(row('chance', 1 / DIGITS.length, 1 / SHIFTS.length, 1));
console.log(row('pixels (1024-D)', pixel.digit, pixel.shift));
for (const run of runs) console.log(row(`${run.name} 2-D`, run.score.digit, run.score.shift, run.score.spread));
console.log(`  spread = mean distance between the ${SHIFTS.length} shifts of one test digit / mean distance between any two test images (1 = no invariance, 0 = full)`);
console.log(`  final epoch loss: ${runs.map((r) => `${r.key} ${r.history.epochLoss.at(-1).toFixed(4)}`).join(', ')}`);
console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s in all (epochs ${args.epochs}, per-digit ${args.perDigit}, test-per-digit ${args.testPerDigit}, seed ${args.seed}); wrote:`);
for (const f of files) console.log(`  ${f}`);
