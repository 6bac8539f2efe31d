// What does this experiment's objective itself reward? DrLIM's loss on the 5-nearest-neighbour pairs of the
// training digits is optimised here over free coordinates — one learnable 2-D point per training digit, no
// network at all, so nothing shapes the map but the objective — with the same sampler, loss and optimiser as
// examples/drlim-mnist. The leave-one-out 5-NN accuracy of those points by digit label (which training never
// sees) says how well the objective's minima separate 4s from 9s. It is run at several dissimilar-to-similar
// ratios, since the balance of attraction and repulsion is the one knob the free objective has (a margin only
// sets the map's scale), and from several random starts, since the objective has many local minima; each run
// prints its final loss next to its accuracy, to show whether a better minimum also separates the digits better.
// The training digits are the main job's (a seeded draw of `perDigit` 4s and 9s from MNIST's training set, 3 000
// each by default, as in the paper); a smaller perDigit shows how the graph's impurity caps what any map can do.
//
//   pnpm run build && node examples/drlim-mnist/ceiling.mjs [epochs] [starts] [seed] [perDigit]
import { Variable, gather } from '@tsgrad/autograd';
import { PairSampler, Siamese, fit, leaveOneOutKnnAccuracy, pairsFromNeighbors } from '@tsgrad/contrastive';
import { loadMnist } from '@tsgrad/contrastive/node';
import { Module, Parameter, optim } from '@tsgrad/nn';
import { Generator, arange, randn } from '@tsgrad/tensor';

const epochs = Number(process.argv[2] ?? 60);
const starts = Number(process.argv[3] ?? 3);
const seed = Number(process.argv[4] ?? 0);
const perDigit = Number(process.argv[5] ?? 3000);

/** G(i) = z_i: a lookup table of free points, fed sample indices (as a float column) instead of images. */
class FreeCoordinates extends Module {
  constructor(n, dim, generator) {
    super();
    this.z = new Parameter(randn([n, dim], { generator }).mul(0.1));
  }
  forward(x) {
    const value = x instanceof Variable ? x.value : x;
    return gather(this.z, Int32Array.from(value.data), 0);
  }
}

const { train } = loadMnist({ digits: [4, 9], seed, perDigit, testPerDigit: 1 });
const n = train.labels.length;
const pairs = pairsFromNeighbors(train.images, { k: 5 });
let cross = 0;
for (let p = 0; p < pairs.size; p++) if (train.labels[pairs.a[p]] !== train.labels[pairs.b[p]]) cross++;
console.log(`${n} training digits, ${pairs.size} similar pairs (${((100 * cross) / pairs.size).toFixed(1)} % join a 4 to a 9)`);
console.log(`free 2-D points, ${epochs} epochs from each of ${starts} random starts; leave-one-out 5-NN accuracy by digit (final loss):`);

const index = arange(n).reshape([n, 1]);
for (const ratio of [0.25, 1, 4]) {
  const accs = [];
  for (let start = 0; start < starts; start++) {
    const gen = new Generator(seed * 1000 + start);
    const siamese = new Siamese(new FreeCoordinates(n, 2, gen.spawn()));
    const sampler = new PairSampler(index, pairs, { batchSize: 256, dissimilarPerSimilar: ratio, generator: gen.spawn() });
    const optimizer = new optim.Adam(siamese.parameters(), { lr: 0.05 });
    const schedule = new optim.CosineAnnealingLR(optimizer, { tMax: epochs });
    const history = fit(siamese, sampler, { epochs, optimizer, schedule, margin: 1.25 });
    accs.push([leaveOneOutKnnAccuracy(siamese.embeddingNet.z.value, train.labels, { k: 5 }), history.epochLoss.at(-1)]);
  }
  const mean = accs.reduce((a, [acc]) => a + acc, 0) / accs.length;
  const runs = accs.map(([acc, loss]) => `${acc.toFixed(3)} (loss ${loss.toFixed(4)})`).join(', ');
  console.log(`  ${String(ratio).padEnd(4)} dissimilar per similar pair: mean ${mean.toFixed(3)}; ${runs}`);
}
