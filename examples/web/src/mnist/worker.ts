/**
 * The MNIST worker: DrLIM's §4.1 experiment, live. Similar pairs are each training digit's k nearest neighbours
 * in pixel space (labels are never used for training), dissimilar pairs are drawn afresh each epoch by the
 * PairSampler, and a Siamese network is trained on the contrastive loss batch by batch. After a few batches it
 * embeds every digit and posts the map, the batch losses and the 5-NN accuracy of the held-out digits.
 *
 * The network is the paper's (`drlimNetwork`: conv 15@6×6, 3×3 average pooling, conv 30@9×9, linear 30 → 2,
 * ReLU) on the digits padded to 32×32, as examples/drlim-mnist trains it, here on 600 + 600 training digits (the
 * page's subset, built by mnist-subset.ts) and 100 + 100 held out. Its kernels are the WebAssembly SIMD ones on
 * a pool of Web Workers (the page is served cross-origin isolated, so SharedArrayBuffer exists); the baselines
 * message reports which ran. Measured in Node on this subset (2-core machine shared with other jobs): a 64-pair
 * batch takes ~80–100 ms and embedding all 1 400 digits for a frame ~300 ms, so a frame follows every FRAME_MS
 * of training plus its embedding, about two a second; 2 000 training digits would have made each embedding
 * ~0.5 s.
 */
import { Generator, Tensor, getBackend, getNumThreads, slice } from '@tsgrad/tensor';
import { optim } from '@tsgrad/nn';
import {
  PairSampler, Siamese, contrastiveLoss, drlimNetwork, embed, knnAccuracy, padTo, pairsFromNeighbors, pca, trainStep,
  type PairBatch, type Pairs,
} from '@tsgrad/contrastive';
import type { FromMnist, MnistFrame, RunConfig, ToMnist, WorkerScope } from '../protocol.js';

const scope = self as unknown as WorkerScope<ToMnist, FromMnist>;

/** Pairs per batch: the main job's (examples/drlim-mnist), a few between two frames. */
const BATCH = 64;
/** Training time between two frames while playing; embedding all digits for a frame costs ~300 ms on top. */
const FRAME_MS = 250;
/** Neighbours that vote in the accuracy (the repository's other DrLIM experiments report 5-NN too). */
const KNN_VOTES = 5;
const PIXELS = 784;
/** The network's input: the 28×28 digits padded to 32×32, as the paper's. */
const SIZE = 32;

interface Data {
  /** Flat pixels ([n, 784]): the k-NN graph and the baselines. */
  train: Tensor; test: Tensor;
  /** The network's input ([n, 1, 32, 32]): training digits, and every digit (training then held out) for a frame. */
  trainImages: Tensor; allImages: Tensor;
  trainLabels: Int32Array; testLabels: Int32Array;
}

interface Run {
  id: number;
  siamese: Siamese;
  sampler: PairSampler;
  optimizer: optim.Adam;
  margin: number;
  similarPairs: number;
  batches: PairBatch[];
  next: number;
  epoch: number;
  step: number;
  /** Losses not yet posted, and the step of the first of them. */
  losses: number[];
  lossStart: number;
  pairsDone: number;
  trainMs: number;
}

let data: Data | null = null;
const graphs = new Map<number, Pairs>(); // the k-NN graph per k: the costliest setup step, and the same each run
let run: Run | null = null;
let runs = 0;
let playing = false;
let scheduled = false;

const status = (text: string): void => scope.postMessage({ type: 'status', text });

function load(bytes: Uint8Array, nTrain: number, labels: number[]): Data {
  const x = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) x[i] = bytes[i]! / 255;
  const n = bytes.length / PIXELS;
  const all = new Tensor(x, [n, PIXELS]);
  const allImages = padTo(all.reshape([n, 1, 28, 28]), SIZE).contiguous();
  return {
    train: slice(all, [[0, nTrain]]).contiguous(),
    test: slice(all, [[nTrain, n]]).contiguous(),
    trainImages: slice(allImages, [[0, nTrain]]).contiguous(),
    allImages,
    trainLabels: Int32Array.from(labels.slice(0, nTrain)),
    testLabels: Int32Array.from(labels.slice(nTrain)),
  };
}

/** Weights of the network the runs train (the same for every seed). */
function networkParameters(): number {
  return drlimNetwork({ activation: 'relu' }).numParameters();
}

/** What the map has to beat: PCA to the same two dimensions, and the raw pixels. */
function baselines(d: Data): void {
  status('measuring the PCA and pixel-space baselines…');
  const p = pca(d.train, { components: 2 });
  scope.postMessage({
    type: 'baselines',
    baselines: {
      pca: knnAccuracy(p.transform(d.train), d.trainLabels, p.transform(d.test), d.testLabels, { k: KNN_VOTES }),
      pixels: knnAccuracy(d.train, d.trainLabels, d.test, d.testLabels, { k: KNN_VOTES }),
      kernels: { backend: getBackend(), threads: getNumThreads(), isolated: (self as { crossOriginIsolated?: boolean }).crossOriginIsolated === true },
      network: { name: 'drlimNetwork', parameters: networkParameters() },
    },
  });
}

function configure(config: RunConfig): void {
  const d = data!;
  let pairs = graphs.get(config.k);
  if (!pairs) {
    status(`finding each training digit's ${config.k} nearest neighbours in pixel space…`);
    pairs = pairsFromNeighbors(d.train, { k: config.k });
    graphs.set(config.k, pairs);
  }
  // One seed drives the weights and the pair draws through spawned streams, as drlimMnist does.
  const g = new Generator(config.seed);
  const siamese = new Siamese(drlimNetwork({ activation: 'relu', generator: g.spawn() }));
  const sampler = new PairSampler(d.trainImages, pairs, { batchSize: BATCH, generator: g.spawn() });
  run = {
    id: ++runs, siamese, sampler, optimizer: new optim.Adam(siamese.parameters(), { lr: config.lr }),
    margin: config.margin, similarPairs: pairs.size, batches: [], next: 0, epoch: -1, step: 0,
    losses: [], lossStart: 0, pairsDone: 0, trainMs: 0,
  };
  status('');
}

/**
 * One batch through `trainStep` (what `fit` does per batch). `fit` runs whole epochs in one call; the worker
 * goes batch by batch so it can post frames and hear 'pause' in between.
 */
function trainBatch(r: Run): void {
  if (r.next >= r.batches.length) {
    r.batches = r.sampler.epoch();
    r.next = 0;
    r.epoch++;
  }
  const t0 = performance.now();
  const b = r.batches[r.next++]!;
  const loss = trainStep(r.siamese, r.sampler.inputs(b), b, r.optimizer, (d, y) => contrastiveLoss(d, y, { margin: r.margin }));
  if (r.losses.length === 0) r.lossStart = r.step;
  r.losses.push(loss);
  r.step++;
  r.pairsDone += b.y.length;
  r.trainMs += performance.now() - t0;
}

function post(r: Run): void {
  const d = data!;
  const z = embed(r.siamese, d.allImages);
  const nTrain = d.trainLabels.length;
  const accuracy = knnAccuracy(slice(z, [[0, nTrain]]), d.trainLabels, slice(z, [[nTrain, z.shape[0]!]]), d.testLabels, { k: KNN_VOTES });
  const frame: MnistFrame = {
    run: r.id, step: r.step, epoch: Math.max(0, r.epoch), batchesPerEpoch: r.sampler.batchesPerEpoch,
    similarPairs: r.similarPairs, playing,
    losses: Float32Array.from(r.losses), lossStart: r.lossStart,
    points: Float32Array.from(z.toTypedArray()), accuracy,
    pairsPerSecond: r.pairsDone / Math.max(1e-9, r.trainMs / 1000),
  };
  r.losses = [];
  scope.postMessage({ type: 'frame', frame }, [frame.losses.buffer, frame.points.buffer]);
}

/** While playing: train for FRAME_MS, post a frame, then yield to the event loop so messages get through. */
function tick(): void {
  scheduled = false;
  if (!playing || !run) return;
  const r = run;
  const t0 = performance.now();
  do trainBatch(r);
  while (performance.now() - t0 < FRAME_MS);
  post(r);
  schedule();
}

function schedule(): void {
  if (playing && !scheduled) {
    scheduled = true;
    setTimeout(() => guard(tick), 0);
  }
}

function handle(msg: ToMnist): void {
  switch (msg.type) {
    case 'init':
      data = load(msg.bytes, msg.meta.train, msg.meta.labels);
      baselines(data);
      return;
    case 'configure':
      configure(msg.config);
      post(run!);
      schedule();
      return;
    case 'play':
      playing = true;
      schedule();
      if (run) post(run); // tells the page the state changed before the first batches finish
      return;
    case 'pause':
      playing = false;
      if (run) post(run);
      return;
    case 'step':
      if (!run) return;
      playing = false;
      for (let c = 0; c < msg.count; c++) trainBatch(run);
      post(run);
      return;
  }
}

/** Runs fn; an exception stops training and is reported to the page, which shows it (and logs it as an error). */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    playing = false;
    scope.postMessage({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
}

scope.onmessage = (event) => guard(() => handle(event.data));
