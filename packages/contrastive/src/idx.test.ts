/**
 * readIdx: files written here by the format's rules (every element type, big-endian), every rejection with its
 * message, and a fuzz of truncations, header byte flips and absurd sizes: an IdxError or a valid parse, never a
 * crash, a hang, a read past the buffer or a huge allocation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectError } from '../../../testing/errors.js';
import { IdxError, checkIdxPair, readIdx, type IdxDType } from './idx.js';

const CODES: Record<IdxDType, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };
const WIDTH: Record<IdxDType, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

/** An IDX file by the format's rules, written byte by byte with a DataView (big-endian). */
function writeIdx(dtype: IdxDType, shape: number[], values: number[]): Uint8Array {
  const header = 4 + 4 * shape.length;
  const bytes = new Uint8Array(header + values.length * WIDTH[dtype]);
  const v = new DataView(bytes.buffer);
  bytes[2] = CODES[dtype];
  bytes[3] = shape.length;
  shape.forEach((s, d) => v.setUint32(4 + 4 * d, s, false));
  values.forEach((x, i) => {
    const at = header + i * WIDTH[dtype];
    if (dtype === 'uint8') v.setUint8(at, x);
    else if (dtype === 'int8') v.setInt8(at, x);
    else if (dtype === 'int16') v.setInt16(at, x, false);
    else if (dtype === 'int32') v.setInt32(at, x, false);
    else if (dtype === 'float32') v.setFloat32(at, x, false);
    else v.setFloat64(at, x, false);
  });
  return bytes;
}

describe('readIdx reads valid files', () => {
  it.each<[IdxDType, number[]]>([
    ['uint8', [0, 1, 127, 128, 255, 7]],
    ['int8', [-128, -1, 0, 1, 127, 5]],
    ['int16', [-32768, -2, 0, 258, 32767, 9]],
    ['int32', [-2147483648, -70000, 0, 65536, 2147483647, 3]],
    ['float32', [-1.5, 0, 0.25, 3.0e38, -1e-30, 2]],
    ['float64', [-1.5, 0, 0.1, 1e300, -5e-324, Math.PI]],
  ])('%s in big-endian order, row-major, with its shape', (dtype, values) => {
    const r = readIdx(writeIdx(dtype, [2, 3], values), 'test');
    expect(r.dtype).toBe(dtype);
    expect(r.shape).toEqual([2, 3]);
    expect(Array.from(r.data)).toEqual(dtype === 'float32' ? values.map(Math.fround) : values);
  });

  it('a uint8 file is a view of the bytes it came from, also inside a larger buffer', () => {
    const file = writeIdx('uint8', [4], [9, 8, 7, 6]);
    const big = new Uint8Array(file.length + 10);
    big.set(file, 5);
    const r = readIdx(big.subarray(5, 5 + file.length));
    expect(Array.from(r.data)).toEqual([9, 8, 7, 6]);
    expect(r.data.buffer).toBe(big.buffer);
  });

  it('empty dimensions and rank 3, as MNIST images are', () => {
    expect(readIdx(writeIdx('uint8', [0, 28, 28], [])).shape).toEqual([0, 28, 28]);
    const r = readIdx(writeIdx('int16', [2, 1, 2], [1, -2, 3, -4]));
    expect(r.shape).toEqual([2, 1, 2]);
    expect(Array.from(r.data)).toEqual([1, -2, 3, -4]);
  });
});

describe('readIdx rejects malformed files, naming the file and what is wrong', () => {
  const good = writeIdx('uint8', [2, 3], [1, 2, 3, 4, 5, 6]);
  const edit = (at: number, value: number, from = good): Uint8Array => {
    const b = from.slice();
    b[at] = value;
    return b;
  };

  it('a wrong magic number', () => {
    expectError(() => readIdx(edit(0, 0x1f), 'images.idx'), IdxError,
      '[readIdx] images.idx: wrong magic number 0x1F000802: an IDX file starts with two zero bytes, a type code and a rank');
    expectError(() => readIdx(edit(1, 0x08), 'images.idx'), IdxError, /^\[readIdx\] images\.idx: wrong magic number 0x00080802/);
  });

  it('an unknown element type code', () => {
    expectError(() => readIdx(edit(2, 0x0a), 'images.idx'), IdxError,
      '[readIdx] images.idx: unknown element type code 0x0A (known: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)');
  });

  it('rank 0', () => {
    expectError(() => readIdx(new Uint8Array([0, 0, 8, 0]), 'x'), IdxError, '[readIdx] x: rank 0: an IDX file has at least one dimension');
  });

  it('a file shorter than its magic number or its header', () => {
    expectError(() => readIdx(new Uint8Array([0, 0]), 'x'), IdxError, '[readIdx] x: truncated: 2 bytes, shorter than the 4-byte magic number');
    expectError(() => readIdx(good.slice(0, 9), 'x'), IdxError, '[readIdx] x: truncated: the header declares 2 dimensions (12 bytes), 9 bytes are present');
  });

  it('data shorter than the sizes declare', () => {
    expectError(() => readIdx(good.slice(0, good.length - 1), 'labels'), IdxError,
      '[readIdx] labels: truncated: the header declares shape [2,3] (6 bytes of data), 5 are present');
    const wide = writeIdx('float64', [3], [1, 2, 3]);
    expectError(() => readIdx(wide.slice(0, wide.length - 8), 'w'), IdxError,
      '[readIdx] w: truncated: the header declares shape [3] (24 bytes of data), 16 are present');
  });

  it('absurd sizes are rejected before their product is formed or anything is allocated', () => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(4, 0xffffffff, false);
    expectError(() => readIdx(b, 'x'), IdxError, '[readIdx] x: truncated: the header declares shape [4294967295,…] (more than 6 bytes of data), 6 are present');
  });

  it('bytes after the data', () => {
    const b = new Uint8Array(good.length + 2);
    b.set(good);
    expectError(() => readIdx(b, 'x'), IdxError, '[readIdx] x: 2 bytes after the data: shape [2,3] of uint8 takes 6 bytes, the file holds 8');
  });

  it('an image file and a label file that do not describe the same samples', () => {
    const images = readIdx(writeIdx('uint8', [3, 2, 2], Array(12).fill(0)));
    const labels = readIdx(writeIdx('uint8', [2], [1, 2]));
    expectError(() => checkIdxPair(images, labels, 'imgs', 'labs'), IdxError, '[readIdx] labs holds 2 labels but imgs holds 3 images');
    expectError(() => checkIdxPair(labels, labels, 'imgs', 'labs'), IdxError, '[readIdx] imgs: expected uint8 images of shape [n,rows,cols], got uint8 of shape [2]');
    const floats = readIdx(writeIdx('float32', [3], [1, 2, 3]));
    expectError(() => checkIdxPair(images, floats, 'imgs', 'labs'), IdxError, '[readIdx] labs: expected uint8 labels of shape [n], got float32 of shape [3]');
    expect(() => checkIdxPair(images, readIdx(writeIdx('uint8', [3], [0, 1, 2])), 'imgs', 'labs')).not.toThrow();
  });
});

describe('readIdx fuzz: an IdxError or a consistent parse, never anything else', () => {
  const dtypes = Object.keys(CODES) as IdxDType[];
  const fileArb = fc
    .record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }) })
    .map(({ dtype, shape }) => writeIdx(dtype, shape, Array(shape.reduce((a, b) => a * b, 1)).fill(1)));

  /** Parses, and checks that whatever it returns is consistent with the bytes (sizes, length, no overread). */
  const check = (bytes: Uint8Array): void => {
    let r;
    try {
      r = readIdx(bytes, 'fuzz');
    } catch (e) {
      expect(e).toBeInstanceOf(IdxError);
      expect((e as Error).message.startsWith('[readIdx] fuzz: ')).toBe(true);
      return;
    }
    const n = r.shape.reduce((a, b) => a * b, 1);
    expect(r.data.length).toBe(n);
    expect(4 + 4 * r.shape.length + n * WIDTH[r.dtype]).toBe(bytes.length);
  };

  it('random truncations', () => {
    fc.assert(fc.property(fileArb, fc.nat(), (file, cut) => check(file.slice(0, cut % (file.length + 1)))), { numRuns: 500 });
  });

  it('byte flips in the header', () => {
    fc.assert(fc.property(fileArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (file, edits) => {
      const b = file.slice();
      const header = Math.min(b.length, 4 + 4 * b[3]!);
      for (const [at, v] of edits) b[at % header] = v;
      check(b);
    }), { numRuns: 1000 });
  });

  it('absurd sizes and ranks', () => {
    const absurd = fc.constantFrom(0xffffffff, 0x80000000, 2 ** 31 - 1, 1 << 24, 65536, 0);
    fc.assert(fc.property(fileArb, fc.nat(), absurd, fc.integer({ min: 0, max: 255 }), (file, dim, size, rank) => {
      const b = file.slice();
      const r = b[3]!;
      new DataView(b.buffer).setUint32(4 + 4 * (dim % r), size, false);
      check(b);
      b[3] = rank; // a rank that disagrees with the sizes written
      check(b);
    }), { numRuns: 500 });
  });
});
