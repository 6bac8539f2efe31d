/**
 * A minimal PNG encoder for small 8-bit grayscale images (digit thumbnails), with no dependencies: the image
 * data is wrapped in zlib's "stored" (uncompressed) deflate blocks, which every decoder reads, so all that
 * is needed is CRC-32 for the chunks and Adler-32 for the zlib stream. A 28×28 digit is 880 bytes.
 */
import { ValueError } from '@tsgrad/tensor';

/** CRC-32 table (IEEE 802.3 polynomial, reflected: 0xEDB88320), built once. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes[start, end)` as PNG uses it (initial 0xFFFFFFFF, final complement). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Adler-32 (zlib's checksum): two running sums mod 65521, folded every 5552 bytes so they never overflow. */
export function adler32(bytes: Uint8Array): number {
  let a = 1, b = 0;
  for (let i = 0; i < bytes.length;) {
    const end = Math.min(bytes.length, i + 5552);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream (RFC 1950) holding `data` in stored deflate blocks (RFC 1951, BTYPE = 00) of ≤ 65535 bytes. */
export function zlibStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78; // CM = 8 (deflate), CINFO = 7 (32 KB window)
  out[1] = 0x01; // no preset dictionary, lowest level; (0x78 << 8 | 0x01) % 31 === 0
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535, len = Math.min(65535, data.length - start);
    out[o++] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE = 00
    out[o++] = len & 0xff;
    out[o++] = len >>> 8;
    out[o++] = ~len & 0xff;
    out[o++] = (~len >>> 8) & 0xff;
    out.set(data.subarray(start, start + len), o);
    o += len;
  }
  const ad = adler32(data);
  out[o++] = ad >>> 24;
  out[o++] = (ad >>> 16) & 0xff;
  out[o++] = (ad >>> 8) & 0xff;
  out[o++] = ad & 0xff;
  return out;
}

function writeU32(out: Uint8Array, o: number, v: number): void {
  out[o] = v >>> 24;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  writeU32(out, 0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  writeU32(out, 8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** The 8-byte PNG signature. */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * An 8-bit grayscale PNG (colour type 0, no interlace) of `pixels` (row-major, w·h values in 0..255; others
 * are rounded and clamped). Each scanline gets filter byte 0 (None).
 */
export function encodePngGray(pixels: ArrayLike<number>, w: number, h: number): Uint8Array {
  for (const [name, v] of [['w', w], ['h', h]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0x7fffffff) {
      throw new ValueError(`[encodePngGray] ${name} must be a positive integer: got ${String(v)}`);
    }
  }
  if (pixels === null || typeof pixels !== 'object' || pixels.length !== w * h) {
    const got = pixels === null || typeof pixels !== 'object' ? String(pixels) : `${pixels.length} pixels`;
    throw new ValueError(`[encodePngGray] a ${w}×${h} image needs ${w * h} pixels: got ${got}`);
  }
  const raw = new Uint8Array(h * (w + 1));
  for (let y = 0; y < h; y++) {
    raw[y * (w + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const v = Math.round(pixels[y * w + x]!);
      raw[y * (w + 1) + 1 + x] = v > 255 ? 255 : v > 0 ? v : 0; // NaN → 0
    }
  }
  const ihdr = new Uint8Array(13);
  writeU32(ihdr, 0, w);
  writeU32(ihdr, 4, h);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale; compression, filter and interlace methods are 0
  const parts = [Uint8Array.from(PNG_SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', zlibStored(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (RFC 4648, padded), so data URIs need neither `btoa` nor `Buffer`. */
export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!, b = bytes[i + 1], c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + (b === undefined ? '=' : B64[(n >>> 6) & 63]!) + (c === undefined ? '=' : B64[n & 63]!);
  }
  return out;
}

/** `data:image/png;base64,...` for a grayscale image. */
export function pngDataUri(pixels: ArrayLike<number>, w: number, h: number): string {
  return `data:image/png;base64,${base64(encodePngGray(pixels, w, h))}`;
}
