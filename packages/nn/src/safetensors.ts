/**
 * The safetensors format (what PyTorch's `safetensors` package reads and writes):
 *
 *   [8 bytes: N, unsigned 64-bit little-endian] [N bytes: JSON header] [data]
 *
 * The header maps each tensor name to `{ "dtype": "F32" | "F64", "shape": [...], "data_offsets": [begin, end] }`
 * (offsets into the data section) and may hold `"__metadata__": { string: string }`. Data is little-endian and
 * row-major. The loader treats its input as untrusted: every length and offset is checked before it is used, so
 * a malformed file gives a SafetensorsError, never an out-of-bounds read, a hang or a huge allocation.
 */
import { Tensor, TsgradError, fmtShape } from '@tsgrad/tensor';

/** A malformed or unsupported safetensors file. */
export class SafetensorsError extends TsgradError {}

const DTYPES = { F32: 4, F64: 8 } as const;
type SafeDType = keyof typeof DTYPES;

/** The safetensors reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER = 100_000_000;

/**
 * Serialises named tensors (e.g. a Module's stateDict) to safetensors bytes, in the given key order, the
 * header padded with spaces to a multiple of 8 bytes so the data section is aligned.
 */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`[saveSafetensors] metadata values must be strings: '${k}' is ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '__metadata__' || name === '__proto__') throw new SafetensorsError(`[saveSafetensors] '${name}' is reserved and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new SafetensorsError(`[saveSafetensors] '${name}' is not a Tensor`);
    const bytes = t.size * (t.dtype === 'float64' ? 8 : 4);
    header[name] = { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: t.shape.slice(), data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const padded = Math.ceil(headerBytes.length / 8) * 8;
  if (padded !== headerBytes.length) {
    json += ' '.repeat(padded - headerBytes.length);
    headerBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  view.setUint32(4, 0, true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const [, t] of entries) {
    const data = t.toTypedArray();
    if (data instanceof Float64Array) for (let i = 0; i < data.length; i++, pos += 8) view.setFloat64(pos, data[i]!, true);
    else for (let i = 0; i < data.length; i++, pos += 4) view.setFloat32(pos, data[i]!, true);
  }
  return out;
}

interface Parsed {
  header: Record<string, { dtype: SafeDType; shape: number[]; begin: number; end: number }>;
  metadata: Record<string, string>;
  dataStart: number;
}

function fail(msg: string): never {
  throw new SafetensorsError(`[loadSafetensors] ${msg}`);
}

function parse(bytes: Uint8Array): Parsed {
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array`);
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true), hi = view.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER) fail(`header length ${view.getBigUint64(0, true)} exceeds the limit of ${MAX_HEADER} bytes`);
  if (8 + lo > bytes.length) fail(`header length ${lo} runs past the end of the ${bytes.length}-byte file`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + lo)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`header must be a JSON object`);
  const dataStart = 8 + lo, dataLen = bytes.length - dataStart;
  const header: Parsed['header'] = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail(`__metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ value '${k}' must be a string`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    if (name === '__proto__') fail(`the tensor name '__proto__' is not allowed`);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail(`entry '${name}' must be an object`);
    const { dtype, shape, data_offsets: offs } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) {
      fail(`entry '${name}' has unsupported dtype ${JSON.stringify(dtype)}: tsgrad reads F32 and F64`);
    }
    if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
      fail(`entry '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || offs.some((o) => typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0)) {
      fail(`entry '${name}' has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataLen) fail(`entry '${name}' has data_offsets [${begin},${end}] outside the ${dataLen}-byte data section`);
    // The element count stops growing once it exceeds the data size, so an absurd shape cannot overflow
    // into a false match (and nothing is ever allocated from a shape that has not been checked).
    const itemSize = DTYPES[dtype as SafeDType];
    let count = (shape as number[]).includes(0) ? 0 : 1;
    for (const d of shape as number[]) {
      if (count > dataLen) break;
      count *= d;
    }
    if (count * itemSize !== end - begin) {
      const needs = count > dataLen ? `more than ${dataLen}` : String(count * itemSize);
      fail(`entry '${name}' has shape ${fmtShape(shape as number[])} (${dtype}), which needs ${needs} bytes, but data_offsets span ${end - begin}`);
    }
    header[name] = { dtype: dtype as SafeDType, shape: (shape as number[]).slice(), begin, end };
  }
  // The data section must be covered exactly: no overlaps, no holes (as the reference implementation requires).
  const spans = Object.entries(header).sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let expected = 0;
  for (const [name, s] of spans) {
    if (s.begin < expected) fail(`entry '${name}' overlaps the previous tensor's data (offset ${s.begin} < ${expected})`);
    if (s.begin > expected) fail(`the data section has a gap before entry '${name}' (bytes ${expected}..${s.begin})`);
    expected = s.end;
  }
  if (expected !== dataLen) fail(`the data section is ${dataLen} bytes but the tensors cover ${expected}`);
  return { header, metadata, dataStart };
}

/** Reads safetensors bytes into named tensors (in header order). Throws SafetensorsError for a malformed file. */
export function loadSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  const { header, dataStart } = parse(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, Tensor> = {};
  for (const [name, { dtype, shape, begin, end }] of Object.entries(header)) {
    const n = (end - begin) / DTYPES[dtype];
    let pos = dataStart + begin;
    if (dtype === 'F64') {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++, pos += 8) a[i] = view.getFloat64(pos, true);
      out[name] = new Tensor(a, shape);
    } else {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++, pos += 4) a[i] = view.getFloat32(pos, true);
      out[name] = new Tensor(a, shape);
    }
  }
  return out;
}

/** The `__metadata__` strings of a safetensors file ({} when absent). Validates the whole header. */
export function safetensorsMetadata(bytes: Uint8Array): Record<string, string> {
  return { ...parse(bytes).metadata };
}
