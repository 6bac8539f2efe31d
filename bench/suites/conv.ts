/**
 * conv2d, float32, in GFLOP/s (2·N·O·C·KH·KW·OH·OW per convolution; the gradients count as two more): forward,
 * and forward + both gradients, on the two convolutions of the paper's network (drlimNetwork) at the demo's
 * batch, and on the two of the smaller 5×5 stand-in network. tsgrad runs NCHW through autograd (a leaf Variable
 * per operand, backward with a given ∂y); tfjs runs NHWC, its only conv layout on these backends; PyTorch runs
 * NCHW through torch.autograd.grad. The DrLIM layers' gradients are timed with tsgrad and PyTorch at 1 and 2
 * threads.
 */
import * as A from '@tsgrad/autograd';
import { conv2d } from '@tsgrad/tensor';
import type { CaseDef, SuiteDef } from '../lib/harness.js';
import { tf, useBackend } from '../lib/tfjs.js';
import { THREAD_COUNTS } from '../lib/threads.js';
import { torchCase } from '../lib/torch.js';
import type { TfjsEngineName } from '../lib/types.js';
import { TFJS, fromTf, fromTs, generator, nchwToTf, normal, oihwToTf, readTidy, threadRows } from './common.js';
import { builtinConv, customConv, type Conv, type FilterGrad, type InputGrad } from './tfjs-conv.js';

/** How each formulation of tfjs-conv.ts is named under the table. */
export const DW_LABEL: Record<FilterGrad, string> = {
  conv: '∂w as one conv2d of x and ∂y with batch and channels swapped',
  im2col: '∂w as the im2col matrix of x (sliced windows) times ∂y',
  gather: '∂w as the im2col matrix of x (one gather) times ∂y',
};
export const DX_LABEL: Record<InputGrad, string> = {
  transpose: '∂x by conv2dTranspose',
  padded: '∂x as a conv2d of the padded ∂y with the flipped filter',
};

/** A way to get both gradients of a tfjs conv2d. */
export interface Formulation {
  dw: FilterGrad;
  dx: InputGrad;
  label: string;
}

const formulation = (dw: FilterGrad, dx: InputGrad): Formulation => ({ dw, dx, label: `builtin forward; ${DW_LABEL[dw]}; ${DX_LABEL[dx]}` });

/**
 * Each tfjs backend's fastest way to get both gradients, chosen by timing the formulations of tfjs-conv.ts on
 * the layers (`pnpm --filter @tsgrad/bench run formulations`; bench/README.md lists the figures). The
 * WebAssembly backend has no Conv2DBackpropFilter, and the CPU backend's is a direct loop several times slower
 * than a forward conv2d. FASTEST is the 5×5 stand-in layers', DRLIM_FASTEST each DrLIM layer's.
 */
export const FASTEST: Record<TfjsEngineName, Formulation> = {
  'tfjs-cpu': formulation('conv', 'transpose'),
  'tfjs-wasm': formulation('conv', 'padded'),
};
export const DRLIM_FASTEST: Record<TfjsEngineName, [Formulation, Formulation]> = {
  'tfjs-cpu': [formulation('conv', 'transpose'), formulation('conv', 'transpose')],
  'tfjs-wasm': [formulation('conv', 'padded'), formulation('conv', 'transpose')],
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

/**
 * The two convolutions of the paper's network (drlimNetwork in @tsgrad/contrastive) on the 2×256 images of one
 * of the demo's batches of 256 pairs: 32×32 digits ∗ 15 filters 6×6 (→ 27×27), then, after 3×3 average pooling,
 * 9×9 maps ∗ 30 filters 9×9 (→ 1×1).
 */
export const DRLIM_LAYERS: Layer[] = [
  { name: 'DrLIM layer 1, 512×1×32×32 ∗ 15×1×6×6', x: [512, 1, 32, 32], w: [15, 1, 6, 6] },
  { name: 'DrLIM layer 2, 512×15×9×9 ∗ 30×15×9×9', x: [512, 15, 9, 9], w: [30, 15, 9, 9] },
];

function layerCases(L: Layer, seed: number, quick: boolean): CaseDef[] {
  const [n, c, h, wd] = L.x, [o, , kh, kw] = L.w;
  const oh = h - kh + 1, ow = wd - kw + 1;
  const flops = 2 * n * o * c * kh * kw * oh * ow;
  const g = generator(seed);
  const x = normal(L.x, g), w = normal(L.w, g), gy = normal([n, o, oh, ow], g);
  const drlim = DRLIM_LAYERS.indexOf(L);
  const fwdRow = `${L.name}: forward`, gradRow = `${L.name}: forward + ∂x + ∂w`, bestRow = `${gradRow}, fastest formulation`;
  const out: CaseDef[] = [];

  // The quick run keeps only the DrLIM layers' fastest-formulation gradient rows.
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
  const tfjsGrads = (row: string, alsoRows: string[], engine: TfjsEngineName, conv: Conv, variant?: string): CaseDef => ({
    row, alsoRows, engine, work: 3 * flops, ...(variant ? { variant } : {}),
    setup: () => {
      const tx = nchwToTf(x, engine), tw = oihwToTf(w, engine), tdy = nchwToTf(gy, engine);
      const f = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => conv(a as tf.Tensor4D, b as tf.Tensor4D));
      return {
        run: () => { useBackend(engine); tf.tidy(() => { f([tx, tw], tdy); }); },
        result: () => {
          useBackend(engine);
          return readTidy(() => {
            const { value, grads } = f([tx, tw], tdy);
            return [fromTf(value, 'nhwc'), fromTf(grads[0]!, 'nhwc'), fromTf(grads[1]!, 'hwio')];
          });
        },
        dispose: () => tf.dispose([tx, tw, tdy]),
      };
    },
  });

  if (drlim < 0) {
    // A stand-in layer: tsgrad's one formulation is shown in both gradient rows, at its default thread count.
    out.push({ row: gradRow, engine: 'tsgrad', alsoRows: [bestRow], work: 3 * flops, setup: () => ({ run: () => void tsgradGrads(), result: tsgradGrads }) });
    for (const engine of TFJS) out.push(tfjsGrads(gradRow, [], engine, builtinConv));
    for (const engine of TFJS) out.push(tfjsGrads(bestRow, [], engine, customConv(FASTEST[engine]), FASTEST[engine].label));
    return out;
  }

  // A DrLIM layer: tsgrad and PyTorch at each thread count, tfjs's fastest formulation (its builtin gradient
  // takes tens of seconds per call on tfjs-cpu at this batch, and has no kernel on tfjs-wasm).
  const rows = threadRows(bestRow);
  rows.forEach((row, i) => out.push({
    row, engine: 'tsgrad', work: 3 * flops, threads: THREAD_COUNTS[i]!, ...(i > 0 ? { checkAgainst: rows[0]! } : {}),
    setup: () => ({ run: () => void tsgradGrads(), result: tsgradGrads }),
  }));
  for (const engine of TFJS) {
    // tfjs-cpu takes seconds per call here and no target rests on it: the quick run leaves it out.
    if (quick && engine === 'tfjs-cpu') continue;
    const f = DRLIM_FASTEST[engine][drlim]!;
    out.push(tfjsGrads(rows[0]!, rows.slice(1), engine, customConv(f), f.label));
  }
  rows.forEach((row, i) => out.push(torchCase({
    row, threads: THREAD_COUNTS[i]!, work: 3 * flops, kind: 'conv', ...(i > 0 ? { checkAgainst: rows[0]! } : {}),
    tensors: { x, w, gy },
  })));
  return out;
}

/** The DrLIM layers' gradient rows at 2 threads, where the targets are. */
const drlimTargetRow = (L: Layer): string => threadRows(`${L.name}: forward + ∂x + ∂w, fastest formulation`)[1]!;

export const convSuite: SuiteDef = {
  id: 'conv',
  title: 'conv2d, float32',
  unit: 'GFLOP/s',
  scale: 1e9,
  tolerance: { rtol: 1e-4, atol: 1e-5 },
  targets: DRLIM_LAYERS.map((L) => ({ row: drlimTargetRow(L), versus: 'tfjs-wasm' as const, min: 2 })),
  cases: (quick) => [
    ...DRLIM_LAYERS.flatMap((L, i) => layerCases(L, 210 + i, quick)),
    ...(quick ? [] : LAYERS.flatMap((L, i) => layerCases(L, 200 + i, quick))),
  ],
};
