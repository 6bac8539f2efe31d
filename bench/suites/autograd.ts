/**
 * Autograd overhead: forward and backward through a chain of 1 000 small ops (8×8 float32), in ops per second.
 * The chain repeats y ← tanh(0.5·y + x) from y = x (999 ops), then sums (1 op), so the gradient reaches the one
 * input x through every third op and stays of order one: ∂/∂x is a geometric series in 0.5·tanh′.
 */
import * as A from '@tsgrad/autograd';
import type { Tensor } from '@tsgrad/tensor';
import type { CaseDef, SuiteDef } from '../lib/harness.js';
import { tf, useBackend } from '../lib/tfjs.js';
import { TFJS, fromTf, fromTs, generator, normal, readTidy, toTf } from './common.js';

const OPS = 1000;
const STEPS = (OPS - 1) / 3;

function tsgradChain(x0: Tensor): Float32Array[] {
  const x = A.variable(x0, { requiresGrad: true });
  let y: A.Variable = x;
  for (let i = 0; i < STEPS; i++) y = A.tanh(A.add(A.mul(y, 0.5), x));
  const s = A.sum(y);
  s.backward();
  return [fromTs(s.value), fromTs(x.grad!)];
}

function tfjsChain(x: tf.Tensor): tf.Scalar {
  let y = x;
  for (let i = 0; i < STEPS; i++) y = tf.tanh(tf.add(tf.mul(y, 0.5), x));
  return tf.sum(y);
}

export const autogradSuite: SuiteDef = {
  id: 'autograd',
  title: 'autograd overhead, forward + backward of a 1 000-op chain on 8×8',
  unit: 'ops/s',
  scale: 1,
  tolerance: { rtol: 1e-4, atol: 1e-5 },
  cases: () => {
    const x0 = normal([8, 8], generator(400));
    const row = '1 000 ops (mul, add, tanh, …, sum): forward + backward';
    const out: CaseDef[] = [{
      row, engine: 'tsgrad', work: OPS,
      setup: () => ({ run: () => void tsgradChain(x0), result: () => tsgradChain(x0) }),
    }];
    for (const engine of TFJS) {
      out.push({
        row, engine, work: OPS,
        setup: () => {
          const x = toTf(x0, engine);
          const f = tf.valueAndGrad(tfjsChain);
          return {
            run: () => { useBackend(engine); tf.tidy(() => { f(x); }); },
            result: () => {
              useBackend(engine);
              return readTidy(() => { const { value, grad } = f(x); return [fromTf(value), fromTf(grad)]; });
            },
            dispose: () => x.dispose(),
          };
        },
      });
    }
    return out;
  },
};
