// DrLIM's third experiment (Hadsell, Chopra & LeCun 2006, §4.3): a map of one airplane seen from 18 azimuths
// (every 20°), 9 elevations (30° to 70°, every 5°) under 6 lighting conditions, that is invariant to the lighting.
// NORB cannot be downloaded here, so the images are rendered by @tsgrad/contrastive's airplane renderer (48×48
// grey, deterministic to the byte). The pairs encode prior knowledge only: two images are similar when their poses
// are the same or adjacent (neighbouring azimuths, wrapping round, or neighbouring elevations), WHATEVER their
// lightings; every other pair is dissimilar. Pixel distances are never used for training. The paper's small
// fully connected network (2304 → 20 tanh → 3) learns a 3-D map; PCA to 3-D and LLE (k = 10) on the same pixels
// are the baselines.
//
// Measures, on the training images and on held-out images the network never saw:
//   lighting ratio  mean distance between images of one pose (different lightings) / mean distance between
//                   images of different poses (spreadRatio by pose: 0 = invariant to lighting);
//   azimuth         a cylinder is fitted to the training map (fitCylinder: axis along which the map moves with
//                   the elevation, angle across it, orientation and twist fitted to the true azimuths); each
//                   image's angle round the axis is its read azimuth: the share within 20° of the truth, and the
//                   Fisher–Lee circular correlation with it;
//   elevation       the Pearson correlation of the height along the axis with the true elevation;
//   sorted by light 5-NN accuracy of the lighting label in the map (training: leave-one-out; held-out: against the
//                   training images); chance is 1/6, near 1 means the map groups images by their lighting.
// LLE embeds held-out images with its standard out-of-sample extension (reconstruction from their k nearest
// training images in pixel space), PCA with its projection.
//
//   pnpm run build && node examples/drlim-airplane/main.mjs [--epochs 40] [--seed 0] [--size 48]
//       [--azimuths 18] [--elevations 9] [--held-out 312] [--out out/drlim-airplane]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  PairSampler, Pairs, Siamese, airplaneDataset, airplanePosePairs, angleDifference, circularCorrelation, embed,
  encodePngGray, fit, fitCylinder, knnAccuracy, leaveOneOutKnnAccuracy, lle, lossCurveSvg, pca, scatter3dSvg,
  spreadRatio,
} from '@tsgrad/contrastive';
import { progressBar } from '@tsgrad/contrastive/node';
import { Linear, Sequential, Tanh, optim, saveSafetensors } from '@tsgrad/nn';
import { Generator, concat, gather } from '@tsgrad/tensor';

// ---- arguments -------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const opts = { epochs: 40, seed: 0, size: 48, azimuths: 18, elevations: 9, heldOut: 312, out: 'out/drlim-airplane' };
  const keys = {
    '--epochs': 'epochs', '--seed': 'seed', '--size': 'size', '--azimuths': 'azimuths', '--elevations': 'elevations',
    '--held-out': 'heldOut', '--out': 'out',
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i], value;
    if (arg === '--help' || arg === '-h') {
      console.log('usage: node examples/drlim-airplane/main.mjs [--epochs N] [--seed N] [--size PX] [--azimuths N] [--elevations N] [--held-out N] [--out DIR]');
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
      const min = key === 'seed' ? 0 : key === 'azimuths' ? 3 : key === 'elevations' ? 2 : key === 'size' ? 8 : 1;
      if (!Number.isInteger(v) || v < min) throw new Error(`${arg} must be an integer ≥ ${min}: got ${value}`);
      opts[key] = v;
    }
  }
  return opts;
}

const args = parseArgs(process.argv.slice(2));
const t0 = performance.now();
const HIDDEN = 20, DIM = 3, MARGIN = 1, LLE_K = 10, BATCH = 128, LR = 0.003;
const DEG = Math.PI / 180;

// ---- images ----------------------------------------------------------------------------------------------
// The grid: `azimuths` evenly round the circle (18: every 20°) and `elevations` evenly from 30° to 70° (9: every 5°).
const azimuths = Array.from({ length: args.azimuths }, (_, i) => (360 * i) / args.azimuths);
const elevations = Array.from({ length: args.elevations }, (_, i) => 30 + (40 * i) / (args.elevations - 1));
const data = airplaneDataset({ azimuths, elevations, size: args.size });
const n = data.pose.length, P = args.size * args.size;
if (args.heldOut >= n - 10) throw new Error(`--held-out must leave at least 10 of the ${n} images for training: got ${args.heldOut}`);
console.log(`rendered ${n} images (${azimuths.length} azimuths × ${elevations.length} elevations × 6 lightings), ${args.size}×${args.size}, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// Raw-pixel distances: one pose under two lightings against neighbouring poses under one lighting. That the first
// is often the larger is what makes the problem hard, and what a map built on pixel distances falls for.
const X = data.images.reshape([n, P]).contiguous();
function pixelDistances() {
  const x = X.data, L = 6, A = azimuths.length, E = elevations.length;
  const dist = (i, j) => {
    let s = 0;
    for (let k = 0; k < P; k++) s += (x[i * P + k] - x[j * P + k]) ** 2;
    return Math.sqrt(s);
  };
  const id = (e, a, l) => (e * A + a) * L + l;
  let light = 0, nLight = 0, az = 0, nAz = 0, el = 0, nEl = 0, beatsAz = 0, beatsEl = 0, nBeatAz = 0, nBeatEl = 0;
  for (let e = 0; e < E; e++) {
    for (let a = 0; a < A; a++) {
      for (let l = 0; l < L; l++) {
        const dAz = dist(id(e, a, l), id(e, (a + 1) % A, l));
        const dEl = e + 1 < E ? dist(id(e, a, l), id(e + 1, a, l)) : NaN;
        az += dAz;
        nAz++;
        if (e + 1 < E) {
          el += dEl;
          nEl++;
        }
        for (let m = 0; m < L; m++) {
          if (m === l) continue;
          const dL = dist(id(e, a, l), id(e, a, m));
          if (m > l) {
            light += dL;
            nLight++;
          }
          nBeatAz++;
          if (dL > dAz) beatsAz++;
          if (e + 1 < E) {
            nBeatEl++;
            if (dL > dEl) beatsEl++;
          }
        }
      }
    }
  }
  return { light: light / nLight, az: az / nAz, el: el / nEl, beatsAz: beatsAz / nBeatAz, beatsEl: beatsEl / nBeatEl };
}
const pix = pixelDistances();
const pct = (f) => `${(100 * f).toFixed(1)} %`;
console.log(
  `pixel distances (L2, grey levels in [0, 1]): one pose under two lightings ${pix.light.toFixed(2)} on average; ` +
  `neighbouring azimuths ${pix.az.toFixed(2)}, neighbouring elevations ${pix.el.toFixed(2)} (one lighting). ` +
  `A change of lighting moves an image farther than a step in azimuth for ${pct(pix.beatsAz)} of (image, other lighting) pairs, ` +
  `farther than a step in elevation for ${pct(pix.beatsEl)}`,
);

// ---- split and pairs -------------------------------------------------------------------------------------
// A seeded random split of the images (not of the poses): a held-out image's pose is usually seen in training under
// other lightings, as in the paper's random split of the 972 NORB images.
const perm = new Generator(args.seed).permutation(n);
const testIdx = Int32Array.from(perm.subarray(0, args.heldOut)).sort();
const trainIdx = Int32Array.from(perm.subarray(args.heldOut)).sort();
const Xtr = gather(X, trainIdx, 0), Xte = gather(X, testIdx, 0);
const position = new Int32Array(n).fill(-1);
trainIdx.forEach((i, k) => (position[i] = k));
const posePairs = airplanePosePairs(data, { subset: trainIdx });
const pairs = new Pairs(trainIdx.length, Array.from(posePairs.a, (i) => position[i]), Array.from(posePairs.b, (i) => position[i]));
let sameLighting = 0, samePose = 0;
for (let k = 0; k < posePairs.a.length; k++) {
  if (data.lighting[posePairs.a[k]] === data.lighting[posePairs.b[k]]) sameLighting++;
  if (data.pose[posePairs.a[k]] === data.pose[posePairs.b[k]]) samePose++;
}
console.log(`${trainIdx.length} training and ${testIdx.length} held-out images; ${pairs.size} similar pairs from the pose grid (${pct(samePose / pairs.size)} same pose, ${pct(sameLighting / pairs.size)} same lighting)`);

// ---- training --------------------------------------------------------------------------------------------
const gen = new Generator(args.seed);
const net = new Sequential(new Linear(P, HIDDEN, { generator: gen.spawn() }), new Tanh(), new Linear(HIDDEN, DIM, { generator: gen.spawn() }));
const siamese = new Siamese(net);
const sampler = new PairSampler(Xtr, pairs, { batchSize: BATCH, generator: gen.spawn() });
const optimizer = new optim.Adam(siamese.parameters(), { lr: LR });
const schedule = new optim.CosineAnnealingLR(optimizer, { tMax: args.epochs });
console.log(`training ${P}-${HIDDEN}-${DIM} (tanh) for ${args.epochs} epochs of ${pairs.size} similar + ${pairs.size} dissimilar pairs, margin ${MARGIN}`);
const history = fit(siamese, sampler, { epochs: args.epochs, optimizer, schedule, margin: MARGIN, onProgress: progressBar() });

// ---- measures --------------------------------------------------------------------------------------------
const pick = (labels, idx) => Array.from(idx, (i) => labels[i]);
const azRad = (idx) => pick(data.azimuth, idx).map((a) => azimuths[a] * DEG);
function pearson(u, v) {
  const m = u.length;
  let mu = 0, mv = 0;
  for (let i = 0; i < m; i++) {
    mu += u[i] / m;
    mv += v[i] / m;
  }
  let suv = 0, suu = 0, svv = 0;
  for (let i = 0; i < m; i++) {
    suv += (u[i] - mu) * (v[i] - mv);
    suu += (u[i] - mu) ** 2;
    svv += (v[i] - mv) ** 2;
  }
  return suv / Math.sqrt(suu * svv);
}
/** Every measure of one map, fitted on the training images and applied to both sets. */
function measure(ztr, zte) {
  const cyl = fitCylinder(ztr, pick(data.elevation, trainIdx), azRad(trainIdx), { twist: true });
  const out = { twist: cyl.twist };
  const lightTrain = pick(data.lighting, trainIdx);
  for (const [key, z, idx] of [['train', ztr, trainIdx], ['heldOut', zte, testIdx]]) {
    const r = cyl.read(z), truth = azRad(idx);
    let within = 0, sumErr = 0;
    const errors = [];
    for (let i = 0; i < truth.length; i++) {
      const e = angleDifference(r.angle[i], truth[i]);
      errors.push(e / DEG);
      sumErr += e / DEG;
      if (e < 20 * DEG) within++;
    }
    errors.sort((a, b) => a - b);
    out[key] = {
      lighting: spreadRatio(z, pick(data.pose, idx)),
      within20: within / truth.length,
      medianError: errors[Math.floor(errors.length / 2)],
      meanError: sumErr / truth.length,
      circular: circularCorrelation(r.angle, truth),
      elevation: pearson(r.height, pick(data.elevation, idx)),
      lightingKnn: key === 'train'
        ? leaveOneOutKnnAccuracy(z, lightTrain, { k: 5 })
        : knnAccuracy(ztr, lightTrain, z, pick(data.lighting, idx), { k: 5 }),
    };
  }
  return out;
}

const results = {};
const zDrlim = { train: embed(siamese, Xtr), heldOut: embed(siamese, Xte) };
results.drlim = measure(zDrlim.train, zDrlim.heldOut);
const p = pca(Xtr, { components: DIM });
const zPca = { train: p.transform(Xtr), heldOut: p.transform(Xte) };
results.pca = measure(zPca.train, zPca.heldOut);
const tLle = performance.now();
const L = lle(Xtr, { k: Math.min(LLE_K, trainIdx.length - 2), components: DIM });
const zLle = { train: L.embedding, heldOut: L.transform(Xte) };
const lleSeconds = (performance.now() - tLle) / 1000;
results.lle = measure(zLle.train, zLle.heldOut);
results.pixels = {
  train: { lighting: spreadRatio(Xtr, pick(data.pose, trainIdx)), lightingKnn: leaveOneOutKnnAccuracy(Xtr, pick(data.lighting, trainIdx), { k: 5 }) },
  heldOut: { lighting: spreadRatio(Xte, pick(data.pose, testIdx)), lightingKnn: knnAccuracy(Xtr, pick(data.lighting, trainIdx), Xte, pick(data.lighting, testIdx), { k: 5 }) },
};

// ---- figures ---------------------------------------------------------------------------------------------
const dir = resolve(args.out);
mkdirSync(dir, { recursive: true });
const files = [];
const write = (name, content) => {
  writeFileSync(join(dir, name), content);
  files.push(join(dir, name));
};
const hue = (k, K) => `hsl(${Math.round((360 * k) / K)}, 70%, 45%)`;
const azColors = Object.fromEntries(azimuths.map((_, a) => [a, hue(a, azimuths.length)]));
const azNames = Object.fromEntries(azimuths.map((deg, a) => [a, `azimuth ${Math.round(deg)}°`]));
const lightNames = Object.fromEntries([0, 1, 2, 3, 4, 5].map((l) => [l, `lighting ${l}`]));
const VIEWS = [{ azimuth: 35, elevation: 20 }, { azimuth: 125, elevation: 65 }];
const maps = [
  ['drlim', 'DrLIM', zDrlim], ['lle', `LLE (k = ${LLE_K})`, zLle], ['pca', 'PCA', zPca],
];
for (const [key, name, z] of maps) {
  // Training and held-out images together: held-out ones land where their pose is, if the map generalises.
  const both = { points: concat([z.train, z.heldOut], 0), idx: Int32Array.from([...trainIdx, ...testIdx]) };
  const r = results[key];
  write(`${key}-azimuth.svg`, scatter3dSvg(both.points, pick(data.azimuth, both.idx), {
    title: `${name} 3-D map by azimuth (held-out: ${pct(r.heldOut.within20)} within 20°, circular corr. ${r.heldOut.circular.toFixed(2)})`,
    views: VIEWS, colors: azColors, classNames: azNames,
  }));
  write(`${key}-lighting.svg`, scatter3dSvg(both.points, pick(data.lighting, both.idx), {
    title: `${name} 3-D map by lighting (lighting ratio: train ${r.train.lighting.toFixed(3)}, held-out ${r.heldOut.lighting.toFixed(3)})`,
    views: VIEWS, classNames: lightNames,
  }));
}
write('loss.svg', lossCurveSvg(history, { title: `DrLIM airplane: contrastive loss (margin ${MARGIN})` }));
write('model.safetensors', saveSafetensors(net.stateDict()));

// The rendered images: rows are the 6 lightings, columns every other azimuth at the middle elevation (×2 size).
{
  const e = Math.floor(elevations.length / 2), cols = azimuths.map((_, a) => a).filter((a) => a % 2 === 0);
  const s = args.size, k = 2, W = cols.length * s * k, H = 6 * s * k;
  const sheet = new Uint8Array(W * H);
  for (let l = 0; l < 6; l++) {
    cols.forEach((a, c) => {
      const o = ((e * azimuths.length + a) * 6 + l) * P;
      for (let y = 0; y < s * k; y++) {
        for (let x = 0; x < s * k; x++) sheet[(l * s * k + y) * W + c * s * k + x] = data.pixels[o + Math.floor(y / k) * s + Math.floor(x / k)];
      }
    });
  }
  write('images.png', encodePngGray(sheet, W, H));
}

// ---- report ----------------------------------------------------------------------------------------------
const f3 = (v) => (v === undefined ? '-' : v.toFixed(3)).padStart(6);
const f1 = (v) => (v === undefined ? '-' : `${v.toFixed(1)}°`).padStart(6);
const COLS = ['lighting ratio', 'azimuth < 20°', 'median az. err', 'circular corr.', 'elevation corr.', 'lighting 5-NN'];
console.log(`\n${DIM}-D maps of ${trainIdx.length} training / ${testIdx.length} held-out images (fitted on training images only):`);
console.log(`  ${''.padEnd(12)}${COLS.map((c) => c.padStart(16)).join('')}`);
console.log(`  ${'map'.padEnd(12)}${COLS.map(() => 'train  held'.padStart(16)).join('')}`);
const row = (name, r) => {
  const cell = (key, fmt) => `${fmt(r.train[key])} ${fmt(r.heldOut[key])}`.padStart(16);
  return `  ${name.padEnd(12)}${cell('lighting', f3)}${cell('within20', f3)}${cell('medianError', f1)}${cell('circular', f3)}${cell('elevation', f3)}${cell('lightingKnn', f3)}`;
};
console.log(row('DrLIM', results.drlim));
console.log(row('PCA', results.pca));
console.log(row(`LLE (k=${LLE_K})`, results.lle));
console.log(`  ${'pixels'.padEnd(12)}${`${f3(results.pixels.train.lighting)} ${f3(results.pixels.heldOut.lighting)}`.padStart(16)}${' '.repeat(64)}${`${f3(results.pixels.train.lightingKnn)} ${f3(results.pixels.heldOut.lightingKnn)}`.padStart(16)}`);
console.log(`  lighting ratio = mean distance between images of one pose / mean distance between images of different poses (0 = invariant)`);
console.log(`  azimuth: angle round the fitted cylinder's axis, aligned (rotation, reflection, twist) on the training images; lighting 5-NN: chance 0.167`);
console.log(`  targets for DrLIM: lighting ratio ≤ 0.1, azimuth within 20° for ≥ 90 % of held-out images`);
console.log(`  final epoch loss ${history.epochLoss.at(-1).toFixed(4)}, ${Math.round(history.pairsPerSecond)} pairs/s, training ${history.seconds.toFixed(1)} s, LLE ${lleSeconds.toFixed(1)} s`);
write('results.json', JSON.stringify({ args, pixelDistances: pix, pairs: pairs.size, results, trainSeconds: history.seconds, lleSeconds }, null, 2) + '\n');
console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s in all; wrote:`);
for (const f of files) console.log(`  ${f}`);
