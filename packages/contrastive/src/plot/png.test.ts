/** The PNG encoder checked byte by byte against the spec and against node:zlib (used here, in the test, only). */
import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { ValueError } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { adler32, base64, crc32, encodePngGray, pngDataUri } from './png.js';

const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** Splits a PNG into chunks, checking each CRC. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const out: { type: string; data: Uint8Array }[] = [];
  let o = 8;
  while (o < png.length) {
    const len = u32(png, o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    expect(u32(png, o + 8 + len), `CRC of ${type}`).toBe(crc32(png, o + 4, o + 8 + len));
    out.push({ type, data });
    o += 12 + len;
  }
  expect(o).toBe(png.length);
  return out;
}

/** The filtered scanlines a decoder must find: filter byte 0, then the row. */
function scanlines(pixels: number[], w: number, h: number): Uint8Array {
  const out = new Uint8Array(h * (w + 1));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * (w + 1) + 1 + x] = pixels[y * w + x]!;
  return out;
}

describe('encodePngGray', () => {
  it('writes the signature, IHDR, one IDAT that inflates to the scanlines, IEND, all CRCs valid', () => {
    const w = 28, h = 28;
    const pixels = Array.from({ length: w * h }, (_, i) => (i * 37) % 256);
    const png = encodePngGray(pixels, w, h);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const cs = chunks(png);
    expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = cs[0]!.data;
    expect([u32(ihdr, 0), u32(ihdr, 4), ...ihdr.subarray(8)]).toEqual([28, 28, 8, 0, 0, 0, 0]);
    expect(new Uint8Array(zlib.inflateSync(cs[1]!.data))).toEqual(scanlines(pixels, w, h));
    expect(cs[2]!.data.length).toBe(0);
    expect(png.length).toBe(880);
  });

  it('splits more than 65535 bytes of scanlines into several stored blocks', () => {
    const w = 300, h = 300; // 90 300 bytes of scanlines: two blocks
    const pixels = new Uint8Array(w * h).map((_, i) => (i ^ (i >> 8)) & 255);
    const idat = chunks(encodePngGray(pixels, w, h))[1]!.data;
    expect(idat[2]).toBe(0); // first block not final
    expect(idat[2 + 5 + 65535]).toBe(1); // second block final
    // Buffer.compare: a byte-wise toEqual on 90 kB is slow.
    expect(Buffer.compare(zlib.inflateSync(idat), scanlines(Array.from(pixels), w, h))).toBe(0);
  });

  it('rounds and clamps values, NaN to 0', () => {
    const idat = chunks(encodePngGray([-5, 0.4, 0.6, 254.5, 300, NaN], 3, 2))[1]!.data;
    expect(Array.from(zlib.inflateSync(idat))).toEqual([0, 0, 0, 1, 0, 255, 255, 0]);
  });

  it('checksums agree with node:zlib', () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 7919) & 255);
    if (typeof zlib.crc32 === 'function') expect(crc32(bytes)).toBe(zlib.crc32(bytes));
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
    expect(adler32(new TextEncoder().encode('Wikipedia'))).toBe(0x11e60398);
    // Adler-32 over more than 5552 bytes (the fold interval) is verified by inflate: it checks the trailer.
    expect(zlib.inflateSync(chunks(encodePngGray(Array.from(bytes.subarray(0, 9000)), 90, 100))[1]!.data).length).toBe(100 * 91);
  });

  it('base64 and the data URI match Buffer', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 100]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 53 + 7) & 255);
      expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
    const uri = pngDataUri([0, 128, 255, 64], 2, 2);
    expect(uri.startsWith('data:image/png;base64,')).toBe(true);
    expect(new Uint8Array(Buffer.from(uri.slice(22), 'base64'))).toEqual(encodePngGray([0, 128, 255, 64], 2, 2));
  });

  it('errors', () => {
    expectError(() => encodePngGray([1, 2, 3], 2, 2), ValueError, '[encodePngGray] a 2×2 image needs 4 pixels: got 3 pixels');
    expectError(() => encodePngGray([], 0, 1), ValueError, '[encodePngGray] w must be a positive integer: got 0');
    expectError(() => encodePngGray([1], 1, 1.5), ValueError, '[encodePngGray] h must be a positive integer: got 1.5');
  });
});
