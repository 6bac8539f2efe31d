import { Generator, setNumThreads, getNumThreads } from '@tsgrad/tensor';
import { optim } from '@tsgrad/nn';
import { PairSampler, Siamese, drlimNetwork, pairsFromNeighbors, padTo, trainStep, contrastiveLoss } from '@tsgrad/contrastive';
import { loadMnist } from '@tsgrad/contrastive/node';
import { splitCount, workerChunks } from '../../packages/tensor/dist/kernels/wasm/pool.js';
import { getRuntime } from '../../packages/tensor/dist/kernels/wasm/runtime.js';
const { train } = loadMnist({ digits: [4, 9], seed: 0, perDigit: 3000 });
const pairs = pairsFromNeighbors(train.images, { k: 5 });
const gen = new Generator(0); gen.spawn();
const sampler = new PairSampler(padTo(train.images, 32), pairs, { batchSize: 64, generator: gen.spawn() });
const batches = sampler.epoch().slice(0, 40);
const siamese = new Siamese(drlimNetwork({ dim: 2, generator: new Generator(0).spawn(), activation: 'relu' }));
const opt = new optim.Adam(siamese.parameters(), { lr: 0.002 });
const loss = (d, y) => contrastiveLoss(d, y, { margin: 1.25 });
console.log('default threads', getNumThreads());
for (const th of [1, 2, 1, 2]) {
  setNumThreads(th);
  const s0 = splitCount(), w0 = workerChunks(getRuntime());
  const t0 = performance.now();
  for (const b of batches) trainStep(siamese, sampler.inputs(b), b, opt, loss);
  const t = performance.now() - t0;
  console.log(th, 'threads', ((batches.length * 64) / (t / 1000)).toFixed(0), 'pairs/s; splits/step', ((splitCount() - s0) / batches.length).toFixed(1), 'worker chunks/step', ((workerChunks(getRuntime()) - w0) / batches.length).toFixed(1));
}
