/**
 * Convolution with hand-written gradients for TensorFlow.js, for what its builtin gradient cannot do or does
 * slowly. tfjs's conv2d gradient calls the Conv2DBackpropFilter and Conv2DBackpropInput kernels; the WebAssembly
 * backend has no Conv2DBackpropFilter, and the CPU backend's are direct loops. Layouts are tfjs's: x NHWC,
 * w HWIO [kh, kw, c, o], unit stride, no padding.
 *
 * Formulations of the filter gradient ∂w[p,q,c,o] = Σ_{n,i,j} x[n, i+p, j+q, c] · ∂y[n, i, j, o]:
 * - 'conv': one forward convolution with batch and channels swapped: x viewed as [c, h, w, n] (c images of n
 *   channels) convolved with ∂y viewed as the filter [oh, ow, n, o] gives [c, kh, kw, o].
 * - 'im2col': the kh·kw shifted windows of x (slices) side by side as a [n·oh·ow, kh·kw·c] matrix, times ∂y as
 *   [n·oh·ow, o], transposed on the left.
 * - 'gather': the same matrix gathered in one op from x viewed as [n·h·w, c], with precomputed row indices.
 * Formulations of the input gradient ∂x = the full correlation of ∂y with the flipped filter:
 * - 'transpose': tfjs's conv2dTranspose (the Conv2DBackpropInput kernel).
 * - 'padded': a forward convolution of ∂y zero-padded by (kh−1, kw−1) with w flipped in space and its channel
 *   axes swapped.
 */
import { tf } from '../lib/tfjs.js';

export type Conv = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
export type FilterGrad = 'conv' | 'im2col' | 'gather';
export type InputGrad = 'transpose' | 'padded';

export const builtinConv: Conv = (x, w) => tf.conv2d(x, w, 1, 'valid');

export function filterGrad(how: FilterGrad, x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  if (how === 'conv') {
    const xt = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
    const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    return tf.transpose(tf.conv2d(xt, dyt, 1, 'valid'), [1, 2, 0, 3]);
  }
  const [n, h, wd, c] = x.shape;
  const [, oh, ow, o] = dy.shape;
  if (how === 'gather') {
    const cols = tf.reshape(tf.gather(tf.reshape(x, [n * h * wd, c]), windowRows(n, h, wd, kh, kw)), [n * oh * ow, kh * kw * c]);
    return tf.reshape(tf.matMul(cols, tf.reshape(dy, [n * oh * ow, o]), true, false), [kh, kw, c, o]);
  }
  const windows: tf.Tensor4D[] = [];
  for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) windows.push(tf.slice(x, [0, p, q, 0], [n, oh, ow, c]));
  const cols = tf.reshape(tf.concat(windows, 3), [n * oh * ow, kh * kw * c]);
  return tf.reshape(tf.matMul(cols, tf.reshape(dy, [n * oh * ow, o]), true, false), [kh, kw, c, o]);
}

const rowCache = new Map<string, tf.Tensor1D>();

/**
 * For each output pixel (b, i, j) and tap (p, q), in that order, the row b·h·w + (i+p)·w + (j+q) of x viewed as
 * [n·h·w, c]: gathering these rows lays out the im2col matrix [n·oh·ow, kh·kw·c]. Made once per geometry and
 * backend (the tensor lives on the backend active when it is made).
 */
function windowRows(n: number, h: number, w: number, kh: number, kw: number): tf.Tensor1D {
  const key = `${tf.getBackend()} ${n} ${h} ${w} ${kh} ${kw}`;
  let t = rowCache.get(key);
  if (!t) {
    const oh = h - kh + 1, ow = w - kw + 1;
    const idx = new Int32Array(n * oh * ow * kh * kw);
    let k = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) idx[k++] = b * h * w + (i + p) * w + (j + q);
    }
    t = tf.keep(tf.tensor1d(idx, 'int32'));
    rowCache.set(key, t);
  }
  return t;
}

export function inputGrad(how: InputGrad, dy: tf.Tensor4D, w: tf.Tensor4D, xShape: [number, number, number, number]): tf.Tensor4D {
  if (how === 'transpose') return tf.conv2dTranspose(dy, w, xShape, 1, 'valid');
  const [kh, kw] = w.shape;
  const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  const padded = tf.pad(dy, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]]);
  return tf.conv2d(padded, flipped, 1, 'valid');
}

/** The builtin forward conv2d with the given gradient formulations; `dx: 'none'` for an input that needs none. */
export function customConv(opts: { dw: FilterGrad; dx: InputGrad | 'none' }): Conv {
  const { dw, dx } = opts;
  if (dx === 'none') {
    // x is closed over rather than passed, so tfjs asks this op for ∂w only. It is saved for the backward pass
    // all the same: tfjs disposes the forward pass's intermediate tensors unless an op saves them.
    return (x, w) => {
      const [kh, kw] = w.shape;
      const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const [wt, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
        save([x]);
        return {
          value: tf.conv2d(x, wt, 1, 'valid'),
          gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => filterGrad(dw, saved[0] as tf.Tensor4D, dy as tf.Tensor4D, kh, kw),
        };
      });
      return f(w) as tf.Tensor4D;
    };
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'valid'),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const g = dy as tf.Tensor4D;
        return [inputGrad(dx, g, ws, xs.shape), filterGrad(dw, xs, g, ws.shape[0], ws.shape[1])];
      },
    };
  });
  return (x, w) => f(x, w) as tf.Tensor4D;
}
