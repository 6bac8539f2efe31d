import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, ValueError } from './errors.js';
import { formatTensor, type FormatOptions } from './format.js';
import { expectError } from '../../../testing/errors.js';

/** Row-major strides of a contiguous tensor. */
function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k]!;
  }
  return strides;
}

/** Formats a contiguous tensor holding `values`. */
function fmt(values: readonly number[], shape: readonly number[], dtype: 'float32' | 'float64' = 'float32', opts?: FormatOptions): string {
  const data = dtype === 'float32' ? new Float32Array(values) : new Float64Array(values);
  return formatTensor(data, shape, contiguousStrides(shape), 0, dtype, opts);
}

function range(n: number, f: (i: number) => number = (i) => i): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

describe('formatTensor: number styles', () => {
  it('rank 0', () => {
    expect(fmt([3.5], [])).toBe('tensor(3.5000)');
    expect(fmt([-2], [])).toBe('tensor(-2.)');
    expect(fmt([7], [], 'float64')).toBe('tensor(7., dtype=float64)');
  });

  it('1-D integers print as `1.`', () => {
    expect(fmt([1, 2, 3], [3])).toBe('tensor([1., 2., 3.])');
    expect(fmt([-1, 0, 10], [3])).toBe('tensor([-1.,  0., 10.])');
    expect(fmt([0, 0], [2])).toBe('tensor([0., 0.])');
  });

  it('1-D floats print with fixed precision, padded to a common width', () => {
    expect(fmt([1.5, -2.25, 3], [3])).toBe('tensor([ 1.5000, -2.2500,  3.0000])');
    expect(fmt([0.1, 12.5], [2], 'float64')).toBe('tensor([ 0.1000, 12.5000], dtype=float64)');
  });

  it('precision option', () => {
    expect(fmt([1.23456789, 2], [2], 'float64', { precision: 2 })).toBe('tensor([1.23, 2.00], dtype=float64)');
    expect(fmt([1.23456789, 2], [2], 'float64', { precision: 7 })).toBe('tensor([1.2345679, 2.0000000], dtype=float64)');
    expect(fmt([1e-5, 3e10], [2], 'float64', { precision: 0 })).toBe('tensor([1e-05, 3e+10], dtype=float64)');
  });

  it('scientific notation when the range is wide, values are huge or tiny', () => {
    expect(fmt([1e8, 1, 0.5], [3])).toBe('tensor([1.0000e+08, 1.0000e+00, 5.0000e-01])');
    expect(fmt([1e-5, 1], [2])).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(fmt([2e-5, 3e-5], [2], 'float64')).toBe('tensor([2.0000e-05, 3.0000e-05], dtype=float64)');
    expect(fmt([-1.5, 2000], [2])).toBe('tensor([-1.5000e+00,  2.0000e+03])');
    expect(fmt([1e120, 1], [2], 'float64')).toBe('tensor([1.0000e+120,  1.0000e+00], dtype=float64)');
    // integers switch too (PyTorch's rule), on a ratio above 1e3 or a magnitude of 1e8
    expect(fmt([1, 1e8], [2])).toBe('tensor([1.0000e+00, 1.0000e+08])');
    expect(fmt([1, 2000], [2])).toBe('tensor([1.0000e+00, 2.0000e+03])');
    expect(fmt([1e8], [])).toBe('tensor(1.0000e+08)');
    // the boundaries are exclusive for the ratio, inclusive for 1e8
    expect(fmt([1, 1000], [2])).toBe('tensor([   1., 1000.])');
    expect(fmt([0.5, 500], [2])).toBe('tensor([  0.5000, 500.0000])');
    expect(fmt([1e-4, 0.1], [2], 'float64')).toBe('tensor([0.0001, 0.1000], dtype=float64)');
  });

  it('zeros do not count towards the style; negative zero keeps its sign', () => {
    expect(fmt([0, 1e-5], [2], 'float64')).toBe('tensor([0.0000e+00, 1.0000e-05], dtype=float64)');
    expect(fmt([0, 0.5], [2])).toBe('tensor([0.0000, 0.5000])');
    expect(fmt([-0, 0, 1], [3])).toBe('tensor([-0.,  0.,  1.])');
    expect(fmt([-0, 0.5], [2])).toBe('tensor([-0.0000,  0.5000])');
  });

  it('nan, inf and -inf print as such and share the column width', () => {
    expect(fmt([Number.NaN, Infinity, -Infinity, 1.5], [2, 2])).toBe(
      'tensor([[   nan,    inf],\n' +
      '        [  -inf, 1.5000]])',
    );
    expect(fmt([Number.NaN, 1, -Infinity, 0], [2, 2])).toBe(
      'tensor([[ nan,   1.],\n' +
      '        [-inf,   0.]])',
    );
    expect(fmt([Number.NaN, 1e9], [2])).toBe('tensor([       nan, 1.0000e+09])');
    expect(fmt([Number.NaN], [])).toBe('tensor(nan)');
  });
});

describe('formatTensor: layout', () => {
  it('2-D', () => {
    expect(fmt([1, 2, 3, 4.5], [2, 2])).toBe(
      'tensor([[1.0000, 2.0000],\n' +
      '        [3.0000, 4.5000]])',
    );
  });

  it('3-D blocks are separated by a blank line', () => {
    expect(fmt(range(12), [2, 3, 2])).toBe(
      'tensor([[[ 0.,  1.],\n' +
      '         [ 2.,  3.],\n' +
      '         [ 4.,  5.]],\n' +
      '\n' +
      '        [[ 6.,  7.],\n' +
      '         [ 8.,  9.],\n' +
      '         [10., 11.]]])',
    );
  });

  it('4-D blocks are separated by two blank lines', () => {
    expect(fmt(range(8), [2, 1, 2, 2])).toBe(
      'tensor([[[[0., 1.],\n' +
      '          [2., 3.]]],\n' +
      '\n' +
      '\n' +
      '        [[[4., 5.],\n' +
      '          [6., 7.]]]])',
    );
  });

  it('reads a transposed view through its strides', () => {
    // storage [[1,2,3],[4,5,6]] viewed as its 3×2 transpose
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(formatTensor(data, [3, 2], [1, 3], 0, 'float32')).toBe(
      'tensor([[1., 4.],\n' +
      '        [2., 5.],\n' +
      '        [3., 6.]])',
    );
  });

  it('reads a view with an offset and a negative stride', () => {
    // storage 0..11 as 3×4; rows 2 and 1 (reversed), columns 1..2
    const data = new Float64Array(range(12));
    expect(formatTensor(data, [2, 2], [-4, 1], 9, 'float64')).toBe(
      'tensor([[ 9., 10.],\n' +
      '        [ 5.,  6.]], dtype=float64)',
    );
    // a broadcast view (stride 0)
    expect(formatTensor(new Float32Array([0.5, 7]), [2, 3], [1, 0], 0, 'float32')).toBe(
      'tensor([[0.5000, 0.5000, 0.5000],\n' +
      '        [7.0000, 7.0000, 7.0000]])',
    );
  });

  it('float64 suffix', () => {
    expect(fmt([1.5, 2], [2], 'float64')).toBe('tensor([1.5000, 2.0000], dtype=float64)');
    expect(fmt([1, 2, 3, 4], [2, 2], 'float64')).toBe(
      'tensor([[1., 2.],\n' +
      '        [3., 4.]], dtype=float64)',
    );
  });

  it('empty tensors', () => {
    expect(fmt([], [0, 3])).toBe('tensor([], shape=[0,3])');
    expect(fmt([], [2, 0, 4])).toBe('tensor([], shape=[2,0,4])');
    expect(fmt([], [0])).toBe('tensor([])');
    expect(fmt([], [0, 3], 'float64')).toBe('tensor([], shape=[0,3], dtype=float64)');
  });

  it('wraps long rows at lineWidth, continuation lines indented under the first entry', () => {
    expect(fmt(range(30), [30])).toBe(
      'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n' +
      '        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n' +
      '        28., 29.])',
    );
    expect(fmt(range(6, (i) => i + 0.5), [2, 3], 'float32', { lineWidth: 32 })).toBe(
      'tensor([[0.5000, 1.5000, 2.5000],\n' +
      '        [3.5000, 4.5000, 5.5000]])',
    );
    expect(fmt(range(6, (i) => i + 0.5), [2, 3], 'float32', { lineWidth: 31 })).toBe(
      'tensor([[0.5000, 1.5000,\n' +
      '         2.5000],\n' +
      '        [3.5000, 4.5000,\n' +
      '         5.5000]])',
    );
    // at least one entry per line, however narrow
    expect(fmt([1.5, 2.5], [2], 'float32', { lineWidth: 1 })).toBe(
      'tensor([1.5000,\n' +
      '        2.5000])',
    );
  });

  it('a suffix that does not fit moves to its own line', () => {
    expect(fmt(range(40, (i) => i * 1.5), [40], 'float64')).toBe(
      'tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n' +
      '        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n' +
      '        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,\n' +
      '        36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000, 45.0000, 46.5000,\n' +
      '        48.0000, 49.5000, 51.0000, 52.5000, 54.0000, 55.5000, 57.0000, 58.5000],\n' +
      '       dtype=float64)',
    );
  });
});

describe('formatTensor: summarising', () => {
  it('a 2000-element 1-D tensor shows 3 items at each end (style chosen from those shown)', () => {
    expect(fmt(range(2000), [2000])).toBe(
      'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n' +
      '        1.9990e+03])',
    );
    expect(fmt(range(2000, (i) => i % 100), [2000])).toBe('tensor([ 0.,  1.,  2.,  ..., 97., 98., 99.])');
  });

  it('a 100×100 tensor elides rows with a `...,` line', () => {
    expect(fmt(range(10_000, (i) => 1 + i / 10_000), [100, 100], 'float64')).toBe(
      'tensor([[1.0000, 1.0001, 1.0002,  ..., 1.0097, 1.0098, 1.0099],\n' +
      '        [1.0100, 1.0101, 1.0102,  ..., 1.0197, 1.0198, 1.0199],\n' +
      '        [1.0200, 1.0201, 1.0202,  ..., 1.0297, 1.0298, 1.0299],\n' +
      '        ...,\n' +
      '        [1.9700, 1.9701, 1.9702,  ..., 1.9797, 1.9798, 1.9799],\n' +
      '        [1.9800, 1.9801, 1.9802,  ..., 1.9897, 1.9898, 1.9899],\n' +
      '        [1.9900, 1.9901, 1.9902,  ..., 1.9997, 1.9998, 1.9999]], dtype=float64)',
    );
  });

  it('3-D: elided blocks get a `...,` line between blank lines; short axes are kept whole', () => {
    expect(fmt(range(2 * 8 * 2), [8, 2, 2], 'float32', { threshold: 10, edgeItems: 1 })).toBe(
      'tensor([[[ 0.,  1.],\n' +
      '         [ 2.,  3.]],\n' +
      '\n' +
      '        ...,\n' +
      '\n' +
      '        [[28., 29.],\n' +
      '         [30., 31.]]])',
    );
  });

  it('threshold and edgeItems options', () => {
    expect(fmt(range(6, (i) => i + 1), [6], 'float32', { threshold: 5 })).toBe('tensor([1., 2., 3., 4., 5., 6.])');
    expect(fmt(range(6, (i) => i + 1), [6], 'float32', { threshold: 5, edgeItems: 1 })).toBe('tensor([1.,  ..., 6.])');
    expect(fmt(range(6, (i) => i + 1), [2, 3], 'float32', { threshold: 1, edgeItems: 0 })).toBe('tensor([...])');
    expect(fmt(range(6, (i) => i + 1), [6], 'float32', { threshold: 1, edgeItems: 0 })).toBe('tensor([...])');
    // at threshold exactly: not summarised
    expect(fmt(range(8), [8], 'float32', { threshold: 8, edgeItems: 1 })).toBe('tensor([0., 1., 2., 3., 4., 5., 6., 7.])');
  });
});

describe('formatTensor: errors', () => {
  const data = new Float32Array(6);
  it('rejects inconsistent views', () => {
    expectError(() => formatTensor(data, [2, 3], [1], 0, 'float32'), ShapeError,
      '[formatTensor] strides must have one entry per axis: got shape [2,3] and strides [1]');
    expectError(() => formatTensor(data, [2, -3], [3, 1], 0, 'float32'), ValueError,
      '[formatTensor] shape entries must be non-negative integers: got [2,-3]');
    expectError(() => formatTensor(data, [2, 3], [3, 0.5], 0, 'float32'), ValueError,
      '[formatTensor] strides must be integers: got [3,0.5]');
    expectError(() => formatTensor(data, [2, 3], [3, 1], -1, 'float32'), ValueError,
      '[formatTensor] offset must be a non-negative integer: got -1');
    expectError(() => formatTensor(data, [2, 3], [3, 1], 1, 'float32'), ValueError,
      '[formatTensor] view reaches outside its storage: shape [2,3], strides [3,1] and offset 1 touch indices 1..6 of a buffer of length 6');
    expectError(() => formatTensor(data, [2, 3], [-3, 1], 0, 'float32'), ValueError,
      '[formatTensor] view reaches outside its storage: shape [2,3], strides [-3,1] and offset 0 touch indices -3..2 of a buffer of length 6');
    expectError(() => formatTensor(data, [2, 3], [3, 1], 0, 'int8' as 'float32'), DTypeError,
      '[formatTensor] dtype must be float32 or float64: got int8');
  });

  it('rejects bad options', () => {
    expectError(() => fmt([1], [1], 'float32', { precision: -1 }), ValueError,
      '[formatTensor] precision must be an integer in [0, 100]: got -1');
    expectError(() => fmt([1], [1], 'float32', { precision: 1.5 }), ValueError,
      '[formatTensor] precision must be an integer in [0, 100]: got 1.5');
    expectError(() => fmt([1], [1], 'float32', { threshold: Number.NaN }), ValueError,
      '[formatTensor] threshold must be a non-negative number: got NaN');
    expectError(() => fmt([1], [1], 'float32', { edgeItems: -2 }), ValueError,
      '[formatTensor] edgeItems must be a non-negative integer: got -2');
    expectError(() => fmt([1], [1], 'float32', { lineWidth: 0 }), ValueError,
      '[formatTensor] lineWidth must be a positive integer: got 0');
  });
});
