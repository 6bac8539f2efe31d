/**
 * One DrLIM training step of a Siamese network, in pairs per second.
 *
 * The demo's step (`examples/drlim-mnist`, @tsgrad/contrastive's drlimMnist): 4s and 9s of MNIST's training
 * split padded from 28×28 to 32×32, similar pairs from each digit's 5 nearest neighbours in pixel space, a
 * seeded PairSampler's first batch of 64 pairs, the demo's batch size (half of them dissimilar), the paper's network drlimNetwork
 * with ReLU and a 2-D map (conv 1→15 6×6, 3×3 average pooling, conv 15→30 9×9, linear 30→2), the contrastive
 * loss with margin m = 1.25 and Adam with learning rate 0.002. tsgrad's case is `trainStep` on that batch, as
 * `fit` calls it: gather the batch's distinct digits, embed each once, D = ‖z_left − z_right‖ per pair, the
 * mean loss, backward, one Adam step. tfjs and PyTorch do the same work from the same weights and batch, timed
 * at 1 and 2 threads where the engine has threads.
 *
 * A second, smaller network stays as the stand-in it was before the demo's step was timed: conv(1→15, 5×5) →
 * relu → maxpool 2 → conv(15→30, 5×5) → relu → maxpool 2 → flatten → linear(480→2) on two batches of 64 digits
 * (28×28), SGD, with each tfjs backend's fastest formulation (full run only).
 *
 * Every engine starts from the same weights (tsgrad's seeded initialisation, converted to tfjs's layouts) and is
 * checked on the loss and all six gradients of its first step before timing.
 */
import { asVariable } from '@tsgrad/autograd';
import { contrastiveLoss, drlimNetwork, padTo, pairsFromNeighbors, PairSampler, Siamese, trainStep, type PairBatch, type PairLoss } from '@tsgrad/contrastive';
import { DRLIM_MNIST_DEFAULTS, loadMnist, mnistDigit } from '@tsgrad/contrastive/node';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, optim, type Module, type Parameter } from '@tsgrad/nn';
import { Generator, Tensor, reshape, transpose } from '@tsgrad/tensor';
import type { CaseDef, SuiteDef } from '../lib/harness.js';
import { tf, useBackend } from '../lib/tfjs.js';
import { THREAD_COUNTS } from '../lib/threads.js';
import { torchCase } from '../lib/torch.js';
import type { TfjsEngineName } from '../lib/types.js';
import { TFJS, fromTf, fromTs, nchwToTf, oihwToTf, readTidy, threadRows, toTf } from './common.js';
import { DRLIM_FASTEST, DW_LABEL, DX_LABEL, FASTEST } from './conv.js';
import { customConv, type Conv } from './tfjs-conv.js';

/** The demo's settings (drlimMnist's defaults). */
const DEMO = { ...DRLIM_MNIST_DEFAULTS, digits: [...DRLIM_MNIST_DEFAULTS.digits], pad: 32 };

/** The demo's embedding network with its initial weights: drlimMnist's first spawn of its seeded Generator. */
const demoNetwork = (): Module => drlimNetwork({ dim: DEMO.dim, generator: new Generator(DEMO.seed).spawn(), activation: 'relu' });

interface Demo {
  sampler: PairSampler;
  batch: PairBatch;
  /** The initial parameters, in tsgrad's order and layouts: conv1 w, b; conv2 w, b; linear w [2, 30], b. */
  initial: Tensor[];
}

/** The demo's data, pairs and first batch, made as drlimMnist makes them. */
function demo(): Demo {
  const { train } = loadMnist({ digits: DEMO.digits, seed: DEMO.seed, perDigit: DEMO.perDigit });
  const pairs = pairsFromNeighbors(train.images, { k: DEMO.k });
  const gen = new Generator(DEMO.seed);
  gen.spawn(); // the network's
  const sampler = new PairSampler(padTo(train.images, DEMO.pad), pairs, { batchSize: DEMO.batchSize, generator: gen.spawn() });
  const batch = sampler.epoch()[0]!;
  return { sampler, batch, initial: demoNetwork().parameters().map((p) => p.value) };
}

const demoLoss: PairLoss = (d, y) => contrastiveLoss(d, y, { margin: DEMO.margin });

function demoTsgradCase(row: string, threads: number, checkAgainst: string | undefined, data: Demo): CaseDef {
  return {
    row, engine: 'tsgrad', work: data.batch.y.length, threads, ...(checkAgainst ? { checkAgainst } : {}),
    setup: () => {
      const fresh = (): { siamese: Siamese; opt: optim.Adam } => {
        const siamese = new Siamese(demoNetwork());
        return { siamese, opt: new optim.Adam(siamese.parameters(), { lr: DEMO.lr }) };
      };
      const { sampler, batch } = data;
      const { siamese, opt } = fresh();
      return {
        // fit's inner loop, for one batch.
        run: () => void trainStep(siamese, sampler.inputs(batch), batch, opt, demoLoss),
        result: () => {
          const f = fresh();
          const loss = trainStep(f.siamese, sampler.inputs(batch), batch, f.opt, demoLoss);
          return [Float32Array.of(loss), ...f.siamese.parameters().map((p) => fromTs(p.grad!))];
        },
      };
    },
  };
}

/**
 * How each tfjs backend takes the pairs' embedding differences z[left] − z[right]. tf.gather's gradient is
 * UnsortedSegmentSum, which the WebAssembly backend lacks; there a ±1 selection matrix (one-hot rows of left
 * minus those of right) times the embeddings gives the same differences exactly, with a matmul's gradient.
 */
const PAIRS: Record<TfjsEngineName, { how: 'gather' | 'select'; label: string }> = {
  'tfjs-cpu': { how: 'gather', label: 'pairs by gather' },
  'tfjs-wasm': { how: 'select', label: 'pair differences as a ±1 selection matrix times the embeddings (gather\'s gradient needs UnsortedSegmentSum, which the WebAssembly backend lacks)' },
};

function demoTfjsCase(row: string, alsoRows: string[], engine: TfjsEngineName, data: Demo): CaseDef {
  const [conv1, conv2] = DRLIM_FASTEST[engine];
  const variant = `builtin forward; layer 1 ${DW_LABEL[conv1.dw]} (its input needs no gradient); ` +
    `layer 2 ${DW_LABEL[conv2.dw]}, ${DX_LABEL[conv2.dx]}; ${PAIRS[engine].label}`;
  return {
    row, alsoRows, engine, work: data.batch.y.length, variant,
    setup: () => {
      const [w1, b1, w2, b2, w3, b3] = data.initial as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      const vars = [
        oihwToTf(w1, engine), toTf(b1, engine), oihwToTf(w2, engine), toTf(b2, engine),
        // Layer 2's output is 1×1, so NHWC and NCHW flatten alike: tfjs's x·W takes tsgrad's [2, 30] transposed.
        toTf(transpose(w3).contiguous(), engine), toTf(b3, engine),
      ].map((t) => { const v = tf.variable(t); t.dispose(); return v; });
      const [v1, c1, v2, c2, v3, c3] = vars as [tf.Variable<tf.Rank.R4>, tf.Variable, tf.Variable<tf.Rank.R4>, tf.Variable, tf.Variable, tf.Variable];
      const { batch } = data;
      const n = batch.samples.length;
      const images = nchwToTf(data.sampler.data, engine);
      const samples = tf.tensor1d(batch.samples, 'int32');
      const left = tf.tensor1d(batch.left, 'int32'), right = tf.tensor1d(batch.right, 'int32');
      const y = tf.tensor1d(batch.y);
      const layer1 = customConv({ dw: conv1.dw, dx: 'none' }), layer2 = customConv(conv2);
      const differences = PAIRS[engine].how === 'gather'
        ? (z: tf.Tensor): tf.Tensor => tf.sub(tf.gather(z, left), tf.gather(z, right))
        : (z: tf.Tensor): tf.Tensor => tf.matMul(tf.cast(tf.sub(tf.oneHot(left, n), tf.oneHot(right, n)), 'float32'), z);
      const loss = (): tf.Scalar => {
        const x = tf.gather(images, samples) as tf.Tensor4D;
        const h1 = tf.avgPool(tf.relu(tf.add(layer1(x, v1), c1)) as tf.Tensor4D, 3, 3, 'valid');
        const h2 = tf.relu(tf.add(layer2(h1, v2), c2));
        const z = tf.add(tf.matMul(tf.reshape(h2, [n, 30]), v3), c3);
        const d = tf.sqrt(tf.sum(tf.square(differences(z)), -1));
        const hinge = tf.relu(tf.sub(DEMO.margin, d));
        const pairLoss = tf.add(tf.mul(tf.sub(1, y), tf.mul(0.5, tf.square(d))), tf.mul(y, tf.mul(0.5, tf.square(hinge))));
        return tf.mean(pairLoss) as tf.Scalar;
      };
      const adam = tf.train.adam(DEMO.lr, 0.9, 0.999, 1e-8);
      return {
        // As trainStep, the step ends by reading the loss.
        run: () => { useBackend(engine); tf.tidy(() => { adam.minimize(loss, true, vars)!.dataSync(); }); },
        result: () => {
          useBackend(engine);
          return readTidy(() => {
            const { value, grads } = tf.variableGrads(loss, vars);
            const g = vars.map((v) => grads[v.name]!);
            return [
              fromTf(value), fromTf(g[0]!, 'hwio'), fromTf(g[1]!), fromTf(g[2]!, 'hwio'), fromTf(g[3]!),
              fromTf(tf.transpose(g[4]!)), fromTf(g[5]!),
            ];
          });
        },
        dispose: () => { tf.dispose([...vars, images, samples, left, right, y]); adam.dispose(); },
      };
    },
  };
}

function demoTorchCase(row: string, threads: number, checkAgainst: string | undefined, data: Demo): CaseDef {
  const { batch } = data;
  const ints = (a: Int32Array) => ({ data: a, shape: [a.length] });
  return torchCase({
    row, threads, work: batch.y.length, kind: 'drlim', ...(checkAgainst ? { checkAgainst } : {}),
    tensors: {
      ...Object.fromEntries(data.initial.map((t, i) => [`p${i}`, t])),
      data: data.sampler.data, samples: ints(batch.samples), left: ints(batch.left), right: ints(batch.right),
      y: { data: batch.y, shape: [batch.y.length] },
    },
    params: { parameters: data.initial.length, margin: DEMO.margin, lr: DEMO.lr, dim: DEMO.dim },
  });
}

/** The demo step's rows, at 1 and 2 threads. */
export const DEMO_ROWS = threadRows(`demo step: drlimNetwork on ${DEMO.batchSize} pairs of 32×32 digits, Adam`) as [string, string];

function demoCases(quick: boolean): CaseDef[] {
  const data = demo();
  const out: CaseDef[] = DEMO_ROWS.map((row, i) => demoTsgradCase(row, THREAD_COUNTS[i]!, i > 0 ? DEMO_ROWS[0] : undefined, data));
  // tfjs-cpu's step takes seconds and no target rests on it: the quick run leaves it out.
  for (const e of TFJS) if (!quick || e !== 'tfjs-cpu') out.push(demoTfjsCase(DEMO_ROWS[0], DEMO_ROWS.slice(1), e, data));
  DEMO_ROWS.forEach((row, i) => out.push(demoTorchCase(row, THREAD_COUNTS[i]!, i > 0 ? DEMO_ROWS[0] : undefined, data)));
  return out;
}

const BATCH = 64;
const MARGIN = 1.25;
const LR = 0.01;
const SEED = 500;

/** The stand-in's embedding network G_W, seeded so that every case starts from the same weights. */
function network(): Sequential {
  const g = new Generator(SEED);
  return new Sequential(
    new Conv2d(1, 15, 5, { generator: g }), new ReLU(), new MaxPool2d({ kernelSize: 2 }),
    new Conv2d(15, 30, 5, { generator: g }), new ReLU(), new MaxPool2d({ kernelSize: 2 }),
    new Flatten(), new Linear(480, 2, { generator: g }),
  );
}

/**
 * Two batches of 64 real digits, 4s and 9s as in the paper's MNIST experiment, picked by a seeded shuffle,
 * with DrLIM's labels: Y = 0 when both digits of a pair are the same, 1 otherwise.
 */
function digits(): { x1: Tensor; x2: Tensor; y: Float32Array } {
  const g = new Generator(SEED + 1);
  const pool: { image: Float32Array; label: number }[] = [];
  for (const d of [4, 9]) {
    const all = mnistDigit(d);
    for (const i of g.permutation(all.length / 784).subarray(0, BATCH)) pool.push({ image: all.subarray(i * 784, i * 784 + 784), label: d });
  }
  const order = g.permutation(pool.length);
  const x = new Float32Array(2 * BATCH * 784);
  order.forEach((k, i) => x.set(pool[k]!.image, i * 784));
  const y = new Float32Array(BATCH).map((_, i) => (pool[order[i]!]!.label === pool[order[BATCH + i]!]!.label ? 0 : 1));
  return {
    x1: new Tensor(x.subarray(0, BATCH * 784), [BATCH, 1, 28, 28]),
    x2: new Tensor(x.subarray(BATCH * 784), [BATCH, 1, 28, 28]),
    y,
  };
}

/**
 * Linear's weight [2, 480] reads the flattened NCHW [30, 4, 4] map; tfjs flattens NHWC [4, 4, 30] and multiplies
 * x·W, so its W is [480, 2] with rows in (h, w, c) order. Gradients go back the same way.
 */
const linearToTf = (w: Tensor, engine: TfjsEngineName): tf.Tensor =>
  toTf(reshape(transpose(reshape(w, [2, 30, 4, 4]), [2, 3, 1, 0]).contiguous(), [480, 2]), engine);
const linearGradFromTf = (g: tf.Tensor): Float32Array =>
  tf.tidy(() => tf.transpose(tf.reshape(g, [4, 4, 30, 2]), [3, 2, 0, 1]).dataSync() as Float32Array).slice();

function tsgradCase(row: string, alsoRows: string[], data: ReturnType<typeof digits>): CaseDef {
  return {
    row, alsoRows, engine: 'tsgrad', work: BATCH,
    setup: () => {
      const siamese = new Siamese(network());
      const params: Parameter[] = siamese.parameters();
      const opt = new optim.SGD(params, { lr: LR });
      const x1 = asVariable(data.x1), x2 = asVariable(data.x2);
      const lossAndGrads = () => {
        const loss = contrastiveLoss(siamese.forward(x1, x2), data.y, { margin: MARGIN });
        opt.zeroGrad();
        loss.backward();
        return loss;
      };
      return {
        run: () => { lossAndGrads(); opt.step(); },
        result: () => [Float32Array.of(lossAndGrads().item()), ...params.map((p) => fromTs(p.grad!))],
      };
    },
  };
}

/** The same network and loss in tfjs, NHWC; `convs` are the two layers' convolutions. */
function tfjsCase(row: string, engine: TfjsEngineName, convs: [Conv, Conv], data: ReturnType<typeof digits>, variant?: string): CaseDef {
  return {
    row, engine, work: BATCH, ...(variant ? { variant } : {}),
    setup: () => {
      const [c1, , , c2, , , , lin] = network().layers as [Conv2d, unknown, unknown, Conv2d, unknown, unknown, unknown, Linear];
      const vars = [
        oihwToTf(c1.weight.value, engine), toTf(c1.bias!.value, engine),
        oihwToTf(c2.weight.value, engine), toTf(c2.bias!.value, engine),
        linearToTf(lin.weight.value, engine), toTf(lin.bias!.value, engine),
      ].map((t) => { const v = tf.variable(t); t.dispose(); return v; });
      const [w1, b1, w2, b2, w3, b3] = vars as [tf.Variable<tf.Rank.R4>, tf.Variable, tf.Variable<tf.Rank.R4>, tf.Variable, tf.Variable, tf.Variable];
      const x1 = nchwToTf(data.x1, engine), x2 = nchwToTf(data.x2, engine);
      const y = tf.tensor1d(data.y);
      const loss = (): tf.Scalar => {
        // Both branches in one batch, as tsgrad's Siamese does: the weights' gradient sums the two.
        const x = tf.concat([x1, x2], 0);
        const h1 = tf.maxPool(tf.relu(tf.add(convs[0](x, w1), b1)) as tf.Tensor4D, 2, 2, 'valid');
        const h = tf.maxPool(tf.relu(tf.add(convs[1](h1, w2), b2)) as tf.Tensor4D, 2, 2, 'valid');
        const z = tf.add(tf.matMul(tf.reshape(h, [2 * BATCH, 480]), w3), b3);
        const [z1, z2] = tf.split(z, 2, 0) as [tf.Tensor, tf.Tensor];
        const d = tf.sqrt(tf.sum(tf.square(tf.sub(z1, z2)), -1));
        const hinge = tf.relu(tf.sub(MARGIN, d));
        const pairLoss = tf.add(tf.mul(tf.sub(1, y), tf.mul(0.5, tf.square(d))), tf.mul(y, tf.mul(0.5, tf.square(hinge))));
        return tf.mean(pairLoss) as tf.Scalar;
      };
      const sgd = tf.train.sgd(LR);
      return {
        run: () => { useBackend(engine); tf.tidy(() => { sgd.minimize(loss, false, vars); }); },
        result: () => {
          useBackend(engine);
          return readTidy(() => {
            const { value, grads } = tf.variableGrads(loss, vars);
            const g = vars.map((v) => grads[v.name]!);
            return [
              fromTf(value), fromTf(g[0]!, 'hwio'), fromTf(g[1]!), fromTf(g[2]!, 'hwio'), fromTf(g[3]!),
              linearGradFromTf(g[4]!), fromTf(g[5]!),
            ];
          });
        },
        dispose: () => { tf.dispose([...vars, x1, x2, y]); sgd.dispose(); },
      };
    },
  };
}

const STAND_IN_ROW = 'stand-in step: 5×5 network on 64 pairs of 28×28 digits, SGD, fastest formulation';

/**
 * The stand-in's step with each tfjs backend's fastest formulation. (Its builtin conv2d gradient has no kernel
 * on tfjs-wasm and takes half a minute per step on tfjs-cpu; the conv suite's stand-in layers show it.)
 */
function standInCases(): CaseDef[] {
  const data = digits();
  // The images need no gradient, so the first layer's convolution computes only ∂w (as tfjs's builtin
  // gradient does, which prunes what leads to no variable).
  const fastest = (e: TfjsEngineName): [Conv, Conv] => [customConv({ dw: FASTEST[e].dw, dx: 'none' }), customConv(FASTEST[e])];
  return [tsgradCase(STAND_IN_ROW, [], data), ...TFJS.map((e) => tfjsCase(STAND_IN_ROW, e, fastest(e), data, FASTEST[e].label))];
}

export const siameseSuite: SuiteDef = {
  id: 'siamese',
  title: 'Siamese DrLIM training step, float32',
  unit: 'pairs/s',
  scale: 1,
  tolerance: { rtol: 1e-3, atol: 1e-4 },
  targets: [
    { row: DEMO_ROWS[1], versus: 'tfjs-wasm', min: 3 },
    { row: DEMO_ROWS[1], versus: 'pytorch', min: 0.6 },
  ],
  // tfjs-cpu's steps take seconds: a few samples each all the same.
  budget: 15,
  // The stand-in is left out of the quick run.
  cases: (quick) => [...demoCases(quick), ...(quick ? [] : standInCases())],
};
