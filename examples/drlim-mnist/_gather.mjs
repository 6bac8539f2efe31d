import { gather, Generator, randn } from '@tsgrad/tensor';
import { PairSampler, pairsFromNeighbors, padTo } from '@tsgrad/contrastive';
import { loadMnist } from '@tsgrad/contrastive/node';
const { train } = loadMnist({ digits: [4, 9], seed: 0, perDigit: 3000 });
const pairs = pairsFromNeighbors(train.images, { k: 5 });
const gen = new Generator(0); gen.spawn();
const sampler = new PairSampler(padTo(train.images, 32), pairs, { batchSize: 64, generator: gen.spawn() });
const batches = sampler.epoch();
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 90; i++) sampler.inputs(batches[i]);
  console.log(((performance.now() - t0) / 90).toFixed(3), 'ms per inputs()', batches[0].samples.length);
}
