/** Image helpers for the MNIST experiments: shifting and padding batches of single-channel images. */
import { Tensor, ShapeError, ValueError, fmtShape, pad } from '@tsgrad/tensor';

function imageDims(op: string, images: Tensor): [number, number, number] {
  if (!(images instanceof Tensor) || images.ndim < 3) {
    throw new ShapeError(`[${op}] images must have shape [n, h, w] or [n, 1, h, w]: got ${images instanceof Tensor ? fmtShape(images.shape) : typeof images}`);
  }
  const h = images.shape[images.ndim - 2]!, w = images.shape[images.ndim - 1]!;
  return [images.size / (h * w), h, w];
}

/**
 * Shifts every image by (dx, dy) pixels (right and down positive), filling with zeros; same shape out.
 * out[y, x] = in[y − dy, x − dx].
 */
export function translate(images: Tensor, dx: number, dy: number): Tensor {
  const [n, h, w] = imageDims('translate', images);
  if (!Number.isInteger(dx) || !Number.isInteger(dy)) throw new ValueError(`[translate] shifts must be integers: got dx ${dx}, dy ${dy}`);
  const src = images.contiguous();
  const out = new Tensor(images.dtype === 'float64' ? new Float64Array(images.size) : new Float32Array(images.size), images.shape.slice());
  shiftKernel(out.data, src.data, src.offset, n, h, w, dx, dy);
  return out;
}

function shiftKernel(out: Float32Array | Float64Array, src: Float32Array | Float64Array, off: number, n: number, h: number, w: number, dx: number, dy: number): void {
  const x0 = Math.max(0, dx), x1 = Math.min(w, w + dx);
  for (let k = 0; k < n; k++) {
    const base = k * h * w;
    for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
      const so = off + base + (y - dy) * w - dx, o = base + y * w;
      for (let x = x0; x < x1; x++) out[o + x] = src[so + x]!;
    }
  }
}

/** Pads images with zeros to size × size, centred (e.g. MNIST's 28×28 to the paper's 32×32). */
export function padTo(images: Tensor, size: number): Tensor {
  const [, h, w] = imageDims('padTo', images);
  if (!Number.isInteger(size)) throw new ValueError(`[padTo] size must be an integer: got ${String(size)}`);
  if (size < h || size < w) throw new ValueError(`[padTo] size ${size} is smaller than the images' ${h}x${w}`);
  const top = Math.floor((size - h) / 2), left = Math.floor((size - w) / 2);
  const widths = images.shape.map((_, i): [number, number] =>
    i === images.ndim - 2 ? [top, size - h - top] : i === images.ndim - 1 ? [left, size - w - left] : [0, 0]);
  return pad(images, widths);
}
