/**
 * translate and padTo against naive per-pixel references: shifts of both signs with zero fill, identity at 0,
 * composition, [n, h, w] and [n, 1, h, w] layouts, strided inputs, dtypes; centred padding; error messages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError, Tensor, ValueError, tensor, transpose } from '@tsgrad/tensor';
import { expectError } from '../../../testing/errors.js';
import { padTo, translate } from './data.js';

/** out[k, y, x] = in[k, y − dy, x − dx], 0 outside, on the flat row-major values of n images of h × w. */
function translateRef(v: number[], n: number, h: number, w: number, dx: number, dy: number): number[] {
  const out = new Array<number>(n * h * w).fill(0);
  for (let k = 0; k < n; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const sy = y - dy, sx = x - dx;
        if (sy >= 0 && sy < h && sx >= 0 && sx < w) out[k * h * w + y * w + x] = v[k * h * w + sy * w + sx]!;
      }
  return out;
}

const imagesArb = fc
  .record({ n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 6 }), w: fc.integer({ min: 1, max: 6 }), channel: fc.boolean(), f64: fc.boolean() })
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      values: fc.array(fc.integer({ min: 1, max: 99 }), { minLength: s.n * s.h * s.w, maxLength: s.n * s.h * s.w }),
    }),
  )
  .map(({ s, values }) => {
    const shape = s.channel ? [s.n, 1, s.h, s.w] : [s.n, s.h, s.w];
    const data = s.f64 ? Float64Array.from(values) : Float32Array.from(values);
    return { ...s, values, images: new Tensor(data, shape) };
  });

const shiftArb = fc.integer({ min: -8, max: 8 });
const flat = (t: Tensor): number[] => Array.from(t.contiguous().toTypedArray());

describe('translate', () => {
  it('matches the naive shift with zero fill for both signs, keeping shape and dtype', () => {
    fc.assert(
      fc.property(imagesArb, shiftArb, shiftArb, ({ n, h, w, values, images }, dx, dy) => {
        const out = translate(images, dx, dy);
        expect(out.shape).toEqual(images.shape);
        expect(out.dtype).toBe(images.dtype);
        expect(flat(out)).toEqual(translateRef(values, n, h, w, dx, dy));
        expect(flat(images)).toEqual(values); // input untouched
      }),
      { numRuns: 300 },
    );
  });

  it('by hand: right/down and left/up', () => {
    const x = tensor([[[1, 2, 3], [4, 5, 6]]], { dtype: 'float64' });
    expect(translate(x, 1, 0).toArray()).toEqual([[[0, 1, 2], [0, 4, 5]]]);
    expect(translate(x, -1, 1).toArray()).toEqual([[[0, 0, 0], [2, 3, 0]]]);
    expect(translate(x, 3, 0).toArray()).toEqual([[[0, 0, 0], [0, 0, 0]]]);
    expect(translate(x, 0, -2).toArray()).toEqual([[[0, 0, 0], [0, 0, 0]]]);
  });

  it('is the identity at (0, 0), returning a new tensor', () => {
    fc.assert(
      fc.property(imagesArb, ({ values, images }) => {
        const out = translate(images, 0, 0);
        expect(out).not.toBe(images);
        expect(flat(out)).toEqual(values);
      }),
      { numRuns: 50 },
    );
  });

  it('composes: shifts of the same sign add; opposite shifts restore the image with its border zeroed', () => {
    const sameSign = fc.tuple(fc.boolean(), fc.nat(4), fc.nat(4)).map(([neg, a, b]) => (neg ? [-a, -b] : [a, b]));
    fc.assert(
      fc.property(imagesArb, sameSign, sameSign, ({ n, h, w, values, images }, [a, c], [b, d]) => {
        expect(flat(translate(translate(images, a!, b!), c!, d!))).toEqual(flat(translate(images, a! + c!, b! + d!)));
        const back = flat(translate(translate(images, a!, b!), -a!, -b!));
        const mask = translateRef(translateRef(new Array<number>(values.length).fill(1), n, h, w, a!, b!), n, h, w, -a!, -b!);
        expect(back).toEqual(values.map((v, i) => v * mask[i]!));
      }),
      { numRuns: 150 },
    );
  });

  it('reads strided (transposed) inputs by their logical layout', () => {
    const base = tensor([[[1, 2], [3, 4], [5, 6]]], { dtype: 'float64' }); // [1, 3, 2]
    const t = transpose(base, [0, 2, 1]); // [1, 2, 3] = [[1, 3, 5], [2, 4, 6]]
    expect(t.isContiguous()).toBe(false);
    expect(translate(t, 1, 1).toArray()).toEqual([[[0, 0, 0], [0, 1, 3]]]);
  });

  it('rejects rank < 3 and non-integer shifts', () => {
    expectError(() => translate(tensor([[1, 2], [3, 4]]), 1, 0), ShapeError, '[translate] images must have shape [n, h, w] or [n, 1, h, w]: got [2,2]');
    expectError(() => translate([[1]] as unknown as Tensor, 1, 0), ShapeError, '[translate] images must have shape [n, h, w] or [n, 1, h, w]: got object');
    expectError(() => translate(tensor([[[1]]]), 0.5, 0), ValueError, '[translate] shifts must be integers: got dx 0.5, dy 0');
    expectError(() => translate(tensor([[[1]]]), 0, Number.NaN), ValueError, '[translate] shifts must be integers: got dx 0, dy NaN');
  });
});

describe('padTo', () => {
  it('centres the images (extra row/column at the bottom/right when the margin is odd)', () => {
    const x = tensor([[[1, 2], [3, 4]]], { dtype: 'float64' });
    expect(padTo(x, 4).toArray()).toEqual([[[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]]);
    expect(padTo(x, 3).toArray()).toEqual([[[1, 2, 0], [3, 4, 0], [0, 0, 0]]]);
    expect(padTo(x, 2).toArray()).toEqual(x.toArray());
  });

  it('matches a naive reference, for [n, h, w] and [n, 1, h, w] (MNIST 28 → 32 puts 2 rows on each side)', () => {
    fc.assert(
      fc.property(imagesArb, fc.nat(5), ({ n, h, w, values, images }, extra) => {
        const size = Math.max(h, w) + extra;
        const out = padTo(images, size);
        expect(out.shape).toEqual([...images.shape.slice(0, -2), size, size]);
        expect(out.dtype).toBe(images.dtype);
        const top = Math.floor((size - h) / 2), left = Math.floor((size - w) / 2);
        const want = new Array<number>(n * size * size).fill(0);
        for (let k = 0; k < n; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) want[k * size * size + (y + top) * size + x + left] = values[k * h * w + y * w + x]!;
        expect(flat(out)).toEqual(want);
      }),
      { numRuns: 200 },
    );
    const mnist = padTo(new Tensor(new Float32Array(2 * 28 * 28).fill(1), [2, 1, 28, 28]), 32);
    expect(mnist.shape).toEqual([2, 1, 32, 32]);
    const row = (y: number): number[] => Array.from(mnist.slice([[0, 1], [0, 1], [y, y + 1]]).contiguous().toTypedArray());
    expect(row(1).every((v) => v === 0)).toBe(true);
    expect(row(2)).toEqual([0, 0, ...new Array<number>(28).fill(1), 0, 0]);
    expect(row(30).every((v) => v === 0)).toBe(true);
  });

  it('rejects sizes smaller than the images, non-integer sizes and rank < 3', () => {
    const x = tensor([[[1, 2, 3], [4, 5, 6]]]);
    expectError(() => padTo(x, 2), ValueError, "[padTo] size 2 is smaller than the images' 2x3");
    expectError(() => padTo(x, 4.5), ValueError, '[padTo] size must be an integer: got 4.5');
    expectError(() => padTo(tensor([1, 2]), 4), ShapeError, '[padTo] images must have shape [n, h, w] or [n, 1, h, w]: got [2]');
  });
});
