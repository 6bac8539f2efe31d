/**
 * conv2d, float32, on the two DrLIM layers: forward, and forward + both gradients, in GFLOP/s (2·N·O·C·KH·KW·OH·OW
 * per convolution; the gradients count as two more). tsgrad runs NCHW through autograd (a leaf Variable per
 * operand, backward with a given ∂y); tfjs runs NHWC, its only conv layout on these backends.
 */
import * as A from '@tsgrad/autograd';
import { conv2d } from '@tsgrad/tensor';
import type { CaseDef, SuiteDef } from '../lib/harness.js';
import { tf, useBackend } from '../lib/tfjs.js';
import type { TfjsEngineName } from '../lib/types.js';
import { TFJS, fromTf, fromTs, generator, nchwToTf, normal, oihwToTf } from './common.js';
import { builtinConv, customConv, type Conv, type FilterGrad, type InputGrad } from './tfjs-conv.js';

/**
 * Each tfjs backend's fastest way to get both gradients, chosen by timing the formulations of tfjs-conv.ts on
 * both layers (bench/README.md lists the figures). The WebAssembly backend has no Conv2DBackpropFilter, and the
 * CPU backend's is a direct loop several times slower than a forward conv2d.
 */
export const FASTEST: Record<TfjsEngineName, { dw: FilterGrad; dx: InputGrad; label: string }> = {
  'tfjs-cpu': { dw: 'conv', dx: 'transpose', label: 'builtin forward; ∂w as one conv2d of x and ∂y with batch and channels swapped; ∂x by conv2dTranspose' },
  'tfjs-wasm': { dw: 'conv', dx: 'padded', label: 'builtin forward; ∂w as one conv2d of x and ∂y with batch and channels swapped; ∂x as a conv2d of the padded ∂y with the flipped filter' },
};

interface Layer {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
}

export const LAYERS: Layer[] = [
  { name: 'layer 1, 64×1×28×28 ∗ 15×1×5×5', x: [64, 1, 28, 28], w: [15, 1, 5, 5] },
  { name: 'layer 2, 64×15×12×12 ∗ 30×15×5×5', x: [64, 15, 12, 12], w: [30, 15, 5, 5] },
];

function layerCases(L: Layer, seed: number, quick: boolean): CaseDef[] {
  const [n, c, h, wd] = L.x, [o, , kh, kw] = L.w;
  const oh = h - kh + 1, ow = wd - kw + 1;
  const flops = 2 * n * o * c * kh * kw * oh * ow;
  const g = generator(seed);
  const x = normal(L.x, g), w = normal(L.w, g), gy = normal([n, o, oh, ow], g);
  const fwdRow = `${L.name}: forward`, gradRow = `${L.name}: forward + ∂x + ∂w`, bestRow = `${gradRow}, fastest formulation`;
  const out: CaseDef[] = [];

  // The quick run keeps only the fastest-formulation gradient row of one layer.
  if (!quick) out.push({
    row: fwdRow, engine: 'tsgrad', work: flops,
    setup: () => ({ run: () => void conv2d(x, w), result: () => [fromTs(conv2d(x, w))] }),
  });
  if (!quick) for (const engine of TFJS) {
    out.push({
      row: fwdRow, engine, work: flops,
      setup: () => {
        const tx = nchwToTf(x, engine), tw = oihwToTf(w, engine);
        return {
          run: () => { useBackend(engine); tf.dispose(builtinConv(tx, tw)); },
          result: () => { useBackend(engine); const y = builtinConv(tx, tw); const r = fromTf(y, 'nhwc'); y.dispose(); return [r]; },
          dispose: () => tf.dispose([tx, tw]),
        };
      },
    });
  }

  const tsgradGrads = (): Float32Array[] => {
    const xv = A.variable(x, { requiresGrad: true }), wv = A.variable(w, { requiresGrad: true });
    const y = A.conv2d(xv, wv);
    y.backward(gy);
    return [fromTs(y.value), fromTs(xv.grad!), fromTs(wv.grad!)];
  };
  // tsgrad has one formulation, shown in both gradient rows.
  out.push({
    row: quick ? bestRow : gradRow, engine: 'tsgrad', alsoRows: quick ? [] : [bestRow], work: 3 * flops,
    setup: () => ({ run: () => void tsgradGrads(), result: tsgradGrads }),
  });
  const tfjsGrads = (engine: TfjsEngineName, conv: Conv, variant?: string): CaseDef => ({
    row: variant ? bestRow : gradRow, engine, work: 3 * flops, ...(variant ? { variant } : {}),
    setup: () => {
      const tx = nchwToTf(x, engine), tw = oihwToTf(w, engine), tdy = nchwToTf(gy, engine);
      const f = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => conv(a as tf.Tensor4D, b as tf.Tensor4D));
      return {
        run: () => { useBackend(engine); tf.tidy(() => { f([tx, tw], tdy); }); },
        result: () => {
          useBackend(engine);
          return tf.tidy(() => {
            const { value, grads } = f([tx, tw], tdy);
            return [fromTf(value, 'nhwc'), fromTf(grads[0]!, 'nhwc'), fromTf(grads[1]!, 'hwio')];
          });
        },
        dispose: () => tf.dispose([tx, tw, tdy]),
      };
    },
  });
  if (!quick) for (const engine of TFJS) out.push(tfjsGrads(engine, builtinConv));
  for (const engine of TFJS) out.push(tfjsGrads(engine, customConv(FASTEST[engine]), FASTEST[engine].label));
  return out;
}

export const convSuite: SuiteDef = {
  id: 'conv',
  title: 'conv2d, float32, DrLIM layers',
  unit: 'GFLOP/s',
  scale: 1e9,
  tolerance: { rtol: 1e-4, atol: 1e-5 },
  cases: (quick) => (quick ? [LAYERS[1]!] : LAYERS).flatMap((L, i) => layerCases(L, 200 + i, quick)),
};
