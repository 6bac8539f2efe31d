/**
 * One DrLIM training step of a Siamese network, in pairs per second (64 pairs per step): the embedding
 * network conv(1→15, 5×5) → relu → maxpool 2 → conv(15→30, 5×5) → relu → maxpool 2 → flatten → linear(480→2)
 * runs on both batches of 64 MNIST digits (4s and 9s, 28×28) at once, then the Euclidean distance of each
 * pair's embeddings, the contrastive loss with margin m = 1.25, backward, and a plain SGD step.
 *
 * Every engine starts from the same weights (tsgrad's seeded initialisation, converted to tfjs's layouts) and is
 * checked on the loss and all six gradients before timing.
 */
import { asVariable } from '@tsgrad/autograd';
import { contrastiveLoss, Siamese } from '@tsgrad/contrastive';
import { mnistDigit } from '@tsgrad/contrastive/node';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, optim, type Parameter } from '@tsgrad/nn';
import { Generator, Tensor, reshape, transpose } from '@tsgrad/tensor';
import type { CaseDef, SuiteDef } from '../lib/harness.js';
import { tf, useBackend } from '../lib/tfjs.js';
import type { TfjsEngineName } from '../lib/types.js';
import { TFJS, fromTf, fromTs, nchwToTf, oihwToTf, toTf } from './common.js';
import { FASTEST } from './conv.js';
import { builtinConv, customConv, type Conv } from './tfjs-conv.js';

const BATCH = 64;
const MARGIN = 1.25;
const LR = 0.01;
const SEED = 500;

/** The embedding network G_W, seeded so that every case starts from the same weights. */
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
          return tf.tidy(() => {
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

const BUILTIN_ROW = 'training step, builtin gradients';
const FASTEST_ROW = 'training step, fastest formulation';

export const siameseSuite: SuiteDef = {
  id: 'siamese',
  title: 'Siamese DrLIM training step, float32, 2×64 digits 28×28',
  unit: 'pairs/s',
  scale: 1,
  tolerance: { rtol: 1e-3, atol: 1e-4 },
  targets: [{ row: FASTEST_ROW, versus: 'tfjs-cpu', min: 10 }],
  // tfjs-cpu's fastest step takes 2 to 3 s: the target's ratio rests on it, so it gets about five samples.
  budget: 15,
  cases: (quick) => {
    const data = digits();
    // The images need no gradient, so the first layer's convolution computes only ∂w (as tfjs's builtin
    // gradient does, which prunes what leads to no variable).
    const fastest = (e: TfjsEngineName): [Conv, Conv] => [customConv({ dw: FASTEST[e].dw, dx: 'none' }), customConv(FASTEST[e])];
    const out: CaseDef[] = [];
    // tfjs-cpu's builtin conv2d gradient takes tens of seconds per step: the quick run leaves that row out.
    if (!quick) {
      out.push(tsgradCase(BUILTIN_ROW, [FASTEST_ROW], data));
      for (const e of TFJS) out.push(tfjsCase(BUILTIN_ROW, e, [builtinConv, builtinConv], data));
    } else {
      out.push(tsgradCase(FASTEST_ROW, [], data));
    }
    for (const e of TFJS) out.push(tfjsCase(FASTEST_ROW, e, fastest(e), data, FASTEST[e].label));
    return out;
  },
};
