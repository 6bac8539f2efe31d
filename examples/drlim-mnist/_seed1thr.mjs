// scratch: one seed of the demo on one thread (results do not depend on the thread count): seed [epochs] [batch]
import { setNumThreads } from '@tsgrad/tensor';
import { drlimMnist } from '@tsgrad/contrastive/node';
setNumThreads(1);
const [seed, epochs = 10, batchSize = 64] = process.argv.slice(2).map(Number);
const t0 = Date.now();
const r = drlimMnist({ digits: [4, 9], epochs, batchSize, seed, out: `/tmp/tune/out-s${seed}-e${epochs}-b${batchSize}` });
console.log(JSON.stringify({ seed, epochs, batchSize, drlim: r.drlimAccuracy, pca: r.pcaAccuracy, pixels: r.pixelAccuracy, T: r.trustworthiness, cross: r.crossDigitFraction, s: (Date.now() - t0) / 1000 }));
