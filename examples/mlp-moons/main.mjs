// Two interleaved moons (scikit-learn's make_moons, drawn from a seeded Generator) learnt by a 2-16-16-1 tanh MLP
// with Adam on shuffled minibatches. Prints progress every few epochs and the held-out accuracy (at least 0.97,
// or the script exits with status 1), saves the model to out/moons-mlp.safetensors, reloads it into a freshly
// initialised model and shows the same accuracy. The whole run is a function of the seed: run it twice and the
// saved file is identical byte for byte.
//
//   pnpm run build && node examples/mlp-moons/main.mjs [seed]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Generator, Tensor } from '@tsgrad/tensor';
import { Variable, mean, mul, noGrad, softplus, sub } from '@tsgrad/autograd';
import { Linear, Sequential, Tanh, loadSafetensors, optim, safetensorsMetadata, saveSafetensors } from '@tsgrad/nn';

const seed = Number(process.argv[2] ?? 2006);
const NOISE = 0.1, N_TRAIN = 512, N_TEST = 512, EPOCHS = 40, BATCH = 64;

/** n points alternating between the moons: class 0 on (cos t, sin t), class 1 on (1 − cos t, ½ − sin t), t ∈ [0, π]. */
function moons(n, noise, g) {
  const x = new Float32Array(2 * n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2, t = Math.PI * g.random();
    x[2 * i] = (c === 0 ? Math.cos(t) : 1 - Math.cos(t)) + noise * g.nextNormal();
    x[2 * i + 1] = (c === 0 ? Math.sin(t) : 0.5 - Math.sin(t)) + noise * g.nextNormal();
    y[i] = c;
  }
  return { x, y, n };
}

const makeModel = (g) =>
  new Sequential(new Linear(2, 16, { generator: g }), new Tanh(), new Linear(16, 16, { generator: g }), new Tanh(), new Linear(16, 1, { generator: g }));

/** Fraction of points on the right side of the decision boundary (logit > 0 ⇔ class 1). */
function accuracy(model, d) {
  const z = noGrad(() => model.forward(new Variable(new Tensor(d.x, [d.n, 2])))).value.toTypedArray();
  let correct = 0;
  for (let i = 0; i < d.n; i++) if ((z[i] > 0 ? 1 : 0) === d.y[i]) correct++;
  return correct / d.n;
}

const g = new Generator(seed);
const train = moons(N_TRAIN, NOISE, g), test = moons(N_TEST, NOISE, g);
const model = makeModel(g);
const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
console.log(`two moons (noise ${NOISE}): ${N_TRAIN} training and ${N_TEST} held-out points, seed ${seed}`);
console.log(`MLP 2-16-16-1 (tanh), ${model.numParameters()} parameters, Adam lr 0.02, batch ${BATCH}`);

const t0 = performance.now();
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const order = g.permutation(train.n);
  let total = 0;
  for (let s = 0; s < train.n; s += BATCH) {
    const m = Math.min(BATCH, train.n - s);
    const xb = new Float32Array(2 * m), yb = new Float32Array(m);
    for (let k = 0; k < m; k++) {
      const i = order[s + k];
      xb[2 * k] = train.x[2 * i];
      xb[2 * k + 1] = train.x[2 * i + 1];
      yb[k] = train.y[i];
    }
    opt.zeroGrad();
    const z = model.forward(new Variable(new Tensor(xb, [m, 2])));
    const loss = mean(sub(softplus(z), mul(new Tensor(yb, [m, 1]), z))); // binary cross-entropy on logits
    loss.backward();
    opt.step();
    total += loss.item() * m;
  }
  if (epoch === 1 || epoch % 5 === 0) {
    console.log(
      `epoch ${String(epoch).padStart(2)}  loss ${(total / train.n).toFixed(4)}  ` +
        `train acc ${accuracy(model, train).toFixed(3)}  held-out acc ${accuracy(model, test).toFixed(3)}`,
    );
  }
}
const acc = accuracy(model, test);
console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s; held-out accuracy ${acc.toFixed(4)}`);

// Save as safetensors (the names PyTorch would give an nn.Sequential: 0.weight, 0.bias, 2.weight, ...).
const outDir = new URL('./out/', import.meta.url);
mkdirSync(outDir, { recursive: true });
const file = new URL('moons-mlp.safetensors', outDir);
writeFileSync(file, saveSafetensors(model.stateDict(), { seed: String(seed), architecture: '2-16-16-1 tanh', heldOutAccuracy: acc.toFixed(4) }));

// Reload into a model with other initial weights.
const bytes = new Uint8Array(readFileSync(file));
const reloaded = makeModel(new Generator(seed + 1));
const before = accuracy(reloaded, test);
reloaded.loadStateDict(loadSafetensors(bytes));
const after = accuracy(reloaded, test);
console.log(`saved ${bytes.length} bytes to ${file.pathname} (metadata ${JSON.stringify(safetensorsMetadata(bytes))})`);
console.log(`a freshly initialised model scores ${before.toFixed(4)}; after loading the file it scores ${after.toFixed(4)}`);

if (after !== acc) {
  console.error('the reloaded model does not reproduce the trained one');
  process.exit(1);
}
if (acc < 0.97) {
  console.error(`held-out accuracy ${acc} is below 0.97`);
  process.exit(1);
}
