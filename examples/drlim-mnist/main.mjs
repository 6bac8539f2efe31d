// DrLIM's first MNIST experiment (Hadsell, Chopra & LeCun 2006, §4.1): real 4s and 9s, a seeded 70/30 split,
// similar pairs from each training digit's 5 nearest neighbours in pixel space (labels are never used for
// training), the paper's convolutional network and loss. Prints the 5-NN accuracy of the held-out digits in the
// learned 2-D map next to PCA to 2-D and to raw pixels, and writes embedding.svg, pca.svg, loss.svg and the
// weights (model.safetensors) to the output folder.
//
//   pnpm run build && node examples/drlim-mnist/main.mjs [epochs] [seed] [out]
import { drlimMnist, progressBar } from '@tsgrad/contrastive/node';

const epochs = Number(process.argv[2] ?? 6);
const seed = Number(process.argv[3] ?? 0);
const out = process.argv[4] ?? 'out/drlim-mnist';

const r = drlimMnist({ digits: [4, 9], epochs, seed, out, onProgress: progressBar(), log: (m) => console.log(m) });
console.log(`\n5-NN accuracy of ${r.testSize} held-out digits (trained on ${r.trainSize}, ${r.similarPairs} similar pairs):`);
console.log(`  DrLIM 2-D       ${r.drlimAccuracy.toFixed(3)}`);
console.log(`  PCA 2-D         ${r.pcaAccuracy.toFixed(3)}`);
console.log(`  pixels (784-D)  ${r.pixelAccuracy.toFixed(3)}`);
console.log(`${Math.round(r.history.pairsPerSecond)} pairs/s, ${r.seconds.toFixed(1)} s in all; wrote:`);
for (const f of r.files) console.log(`  ${f}`);
