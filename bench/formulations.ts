/**
 * How the tfjs "fastest formulation" of conv2d's gradients was chosen: times every formulation of ∂w and ∂x in
 * suites/tfjs-conv.ts, and the builtin kernels, on the conv suite's layers (the DrLIM network's two and the 5×5
 * stand-in's two) and both tfjs backends, in GFLOP/s (median of a few calls; of one after the first, for a
 * formulation whose first call takes over a second). Not part of `pnpm bench`; run it with
 * `pnpm --filter @tsgrad/bench run formulations [drlim | stand-in]` (default: both sets of layers).
 */
import { initTfjs, tf, useBackend } from './lib/tfjs.js';
import { filterGrad, inputGrad, type FilterGrad, type InputGrad } from './suites/tfjs-conv.js';
import { DRLIM_LAYERS, LAYERS } from './suites/conv.js';

function medianSeconds(f: () => void, calls: number): number {
  const t0 = performance.now();
  f();
  // tfjs-cpu's slowest formulations take minutes on the DrLIM layers' 512 images: one timed call after the first.
  if (performance.now() - t0 > 1000) calls = 1;
  const t: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    f();
    t.push((performance.now() - t0) / 1000);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
}

const which = process.argv[2];
if (which !== undefined && which !== 'drlim' && which !== 'stand-in') throw new Error(`[formulations] expected 'drlim' or 'stand-in', got '${which}'`);
const layers = which === 'drlim' ? DRLIM_LAYERS : which === 'stand-in' ? LAYERS : [...DRLIM_LAYERS, ...LAYERS];

await initTfjs();
const lines = ['| backend | layer | forward | ∂w builtin | ∂w conv | ∂w im2col | ∂w gather | ∂x builtin (transpose) | ∂x padded |', '|---|---|--:|--:|--:|--:|--:|--:|--:|'];
for (const engine of ['tfjs-cpu', 'tfjs-wasm'] as const) {
  useBackend(engine);
  for (const L of layers) {
    const [n, c, h, wd] = L.x, [o, , kh, kw] = L.w;
    const oh = h - kh + 1, ow = wd - kw + 1;
    const gflop = (2 * n * o * c * kh * kw * oh * ow) / 1e9;
    const x = tf.randomNormal([n, h, wd, c]) as tf.Tensor4D, w = tf.randomNormal([kh, kw, c, o]) as tf.Tensor4D;
    const dy = tf.randomNormal([n, oh, ow, o]) as tf.Tensor4D;
    const rate = (f: () => tf.Tensor, calls = 5): string => {
      try {
        return (gflop / medianSeconds(() => tf.tidy(() => void f().dataSync()), calls)).toFixed(2);
      } catch (e) {
        return `— (${(e as Error).message.replace(/\|/g, '/')})`;
      }
    };
    const cells = [
      rate(() => tf.conv2d(x, w, 1, 'valid')),
      // The kernel tfjs's builtin conv2d gradient calls for ∂w; one call, as the CPU backend's takes seconds.
      rate(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy } as unknown as tf.NamedTensorMap,
        { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: [kh, kw, c, o] } as unknown as tf.NamedAttrMap) as tf.Tensor, 1),
      ...(['conv', 'im2col', 'gather'] as FilterGrad[]).map((how) => rate(() => filterGrad(how, x, dy, kh, kw))),
      ...(['transpose', 'padded'] as InputGrad[]).map((how) => rate(() => inputGrad(how, dy, w, x.shape))),
    ];
    lines.push(`| ${engine} | ${L.name} | ${cells.join(' | ')} |`);
    console.log(lines[lines.length - 1]);
    tf.dispose([x, w, dy]);
  }
}
console.log(`\n${lines.join('\n')}`);
