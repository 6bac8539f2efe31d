// scratch: the demo's training step, interleaved at 1 and 2 threads, pairs/s (medians)
import { Generator, setNumThreads } from '@tsgrad/tensor';
import { optim } from '@tsgrad/nn';
import { PairSampler, Siamese, drlimNetwork, pairsFromNeighbors, padTo, trainStep, contrastiveLoss } from '@tsgrad/contrastive';
import { loadMnist } from '@tsgrad/contrastive/node';
const { train } = loadMnist({ digits: [4, 9], seed: 0, perDigit: 3000 });
const pairs = pairsFromNeighbors(train.images, { k: 5 });
const gen = new Generator(0); gen.spawn();
const sampler = new PairSampler(padTo(train.images, 32), pairs, { batchSize: 64, generator: gen.spawn() });
const batches = sampler.epoch().slice(0, 40);
const siamese = new Siamese(drlimNetwork({ dim: 2, generator: new Generator(0).spawn(), activation: 'relu' }));
const opt = new optim.Adam(siamese.parameters(), { lr: 0.002 });
const loss = (d, y) => contrastiveLoss(d, y, { margin: 1.25 });
const res = { 1: [], 2: [] };
for (let round = 0; round < 12; round++) {
  for (const th of [1, 2]) {
    setNumThreads(th);
    const t0 = performance.now();
    for (const b of batches) trainStep(siamese, sampler.inputs(b), b, opt, loss);
    res[th].push((batches.length * 64) / ((performance.now() - t0) / 1000));
  }
}
const med = (a) => a.slice(2).sort((x, y) => x - y)[(a.length - 2) >> 1];
console.log('pairs/s 1 thread', med(res[1]).toFixed(0), '2 threads', med(res[2]).toFixed(0));
