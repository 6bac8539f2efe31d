// DrLIM's first MNIST experiment (Hadsell, Chopra & LeCun 2006, §4.1) at the paper's scale: 3 000 4s and 3 000 9s
// from MNIST's training set, held out all of the test set's 4s and 9s (1 991), similar pairs from each training
// digit's 5 nearest neighbours in pixel space (labels are never used for training), the paper's convolutional
// network and loss. Prints the 5-NN accuracy of the held-out digits in the learned 2-D map next to PCA to 2-D and
// to raw pixels, the map's trustworthiness, and writes embedding.svg, pca.svg, loss.svg and the weights
// (model.safetensors, and model.onnx for any ONNX runtime) to the output folder.
//
//   pnpm run build && node examples/drlim-mnist/main.mjs [--quick] [--epochs N] [--seed S] [--out DIR]
//
// --quick trains a couple of epochs (DRLIM_MNIST_DEFAULTS.quickEpochs) on the same data: a first look, not the
// paper's run. Every other setting is drlimMnist's default (DRLIM_MNIST_DEFAULTS).
import { parseArgs } from 'node:util';
import { DRLIM_MNIST_DEFAULTS as D, drlimMnist, progressBar } from '@tsgrad/contrastive/node';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, epochs: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
});
const epochs = values.quick ? D.quickEpochs : Number(values.epochs ?? D.epochs);
const seed = Number(values.seed ?? D.seed);
const out = values.out ?? 'out/drlim-mnist';
for (const [name, v, min] of [['epochs', epochs, 1], ['seed', seed, 0]]) {
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer >= ${min}: got ${v}`);
}

console.log(`DrLIM on MNIST 4s and 9s: ${epochs} epochs${values.quick ? ' (--quick: a first look, not the paper\'s run)' : ''}, seed ${seed}`);
const r = drlimMnist({ epochs, seed, out, onProgress: progressBar(), log: (m) => console.log(m) });
console.log(`\n5-NN accuracy of ${r.testSize} held-out digits (trained on ${r.trainSize}, ${r.similarPairs} similar pairs):`);
console.log(`  DrLIM 2-D       ${r.drlimAccuracy.toFixed(3)}`);
console.log(`  PCA 2-D         ${r.pcaAccuracy.toFixed(3)}`);
console.log(`  pixels (784-D)  ${r.pixelAccuracy.toFixed(3)}`);
console.log(`trustworthiness T(5) of the map ${r.trustworthiness.toFixed(3)}; ${(100 * r.crossDigitFraction).toFixed(1)}% of similar pairs join a 4 and a 9`);
console.log(`${Math.round(r.history.pairsPerSecond)} pairs/s, ${r.seconds.toFixed(1)} s in all; wrote:`);
for (const f of r.files) console.log(`  ${f}`);
