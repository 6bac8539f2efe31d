/**
 * safetensors: round trips, the exact layout written, a byte-level fixture written by hand from the spec, every
 * kind of malformed file with its message, interop with a Python implementation of the reference rules, and a
 * fast-check fuzz over mutated files (each either loads correctly or throws SafetensorsError, quickly).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, Tensor, tensor, zeros } from '@tsgrad/tensor';
import { SafetensorsError, loadSafetensors, safetensorsMetadata, saveSafetensors } from '@tsgrad/nn';
import { expectError } from '../../../testing/errors.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const enc = new TextEncoder(), dec = new TextDecoder();

/** A file from header text (padded with spaces to a multiple of 8) and data bytes; the length field can be forced. */
function build(header: string | object, data: Uint8Array | number[] = [], headerLength?: bigint): Uint8Array {
  let text = typeof header === 'string' ? header : JSON.stringify(header);
  while (enc.encode(text).length % 8 !== 0) text += ' ';
  const h = enc.encode(text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data instanceof Uint8Array ? data : Uint8Array.from(data), 8 + h.length);
  return out;
}

/** The header text and the data section of a well-formed file. */
function split(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  return { header: JSON.parse(dec.decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>, data: bytes.subarray(8 + n) };
}

const f32Bytes = (...v: number[]): number[] => Array.from(new Uint8Array(Float32Array.from(v).buffer));
const f64Bytes = (...v: number[]): number[] => Array.from(new Uint8Array(Float64Array.from(v).buffer));
/** Bit patterns, so −0, NaN payloads and subnormals count. */
const bits = (t: Tensor): number[] => Array.from(new Uint8Array(t.toTypedArray().buffer));

// ---- round trips -----------------------------------------------------------------------------------------

describe('round trip', () => {
  it('F32 and F64 tensors of every rank, empty ones, a strided view, and metadata', () => {
    const g = new Generator(1);
    const base = g.normal([3, 4]);
    const tensors: Record<string, Tensor> = {
      'conv.weight': g.normal([2, 3, 2, 2]),
      'conv.bias': g.normal([2], { dtype: 'float64' }),
      scalar32: tensor(1.5),
      scalar64: tensor(-2.25, { dtype: 'float64' }),
      empty: zeros([0]),
      'empty.matrix': zeros([2, 0, 3], { dtype: 'float64' }),
      transposed: base.transpose(), // a non-contiguous view: written in row-major order of its own shape
      special: tensor([-0, Infinity, -Infinity, NaN, 1e-45, 3.4028234663852886e38]),
    };
    const metadata = { format: 'pt', epoch: '12', 'ünïcode ✓': 'välue' };
    const bytes = saveSafetensors(tensors, metadata);
    const back = loadSafetensors(bytes);
    expect(Object.keys(back)).toEqual(Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      expect(back[name]!.shape, name).toEqual(t.shape);
      expect(back[name]!.dtype, name).toBe(t.dtype);
      expect(bits(back[name]!), name).toEqual(bits(t));
    }
    expect(back['transposed']!.toArray()).toEqual(base.transpose().toArray());
    expect(safetensorsMetadata(bytes)).toEqual(metadata);
  });

  it('no tensors at all, and no metadata ({} either way)', () => {
    const bytes = saveSafetensors({});
    expect(loadSafetensors(bytes)).toEqual({});
    expect(safetensorsMetadata(bytes)).toEqual({});
    expect(dec.decode(bytes.subarray(8)).trimEnd()).toBe('{}');
  });

  it('a Uint8Array that is a window into a larger buffer', () => {
    const file = saveSafetensors({ a: tensor([1, 2, 3]) });
    const big = new Uint8Array(file.length + 13);
    big.set(file, 5);
    expect(loadSafetensors(big.subarray(5, 5 + file.length))['a']!.toArray()).toEqual([1, 2, 3]);
  });
});

describe('the layout saveSafetensors writes', () => {
  it('u64 header length, compact JSON in key order padded with spaces to 8 bytes, then the data back to back', () => {
    const bytes = saveSafetensors({ w: tensor([[1, 2]]), b: tensor([0.5], { dtype: 'float64' }) }, { k: 'v' });
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = dec.decode(bytes.subarray(8, 8 + n));
    const json = '{"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}';
    expect(text).toBe(json + ' '.repeat(n - json.length));
    expect(Array.from(bytes.subarray(8 + n))).toEqual([...f32Bytes(1, 2), ...f64Bytes(0.5)]);
  });
});

describe('saveSafetensors errors', () => {
  it.each([
    ['a non-string metadata value', () => saveSafetensors({}, { epoch: 3 as unknown as string }), "[saveSafetensors] metadata values must be strings: 'epoch' is number"],
    ['a tensor named __metadata__', () => saveSafetensors({ __metadata__: zeros([1]) }), "[saveSafetensors] '__metadata__' is reserved and cannot name a tensor"],
    ['a tensor named __proto__', () => saveSafetensors(JSON.parse('{"__proto__": 1}') as Record<string, Tensor>), "[saveSafetensors] '__proto__' is reserved and cannot name a tensor"],
    ['a value that is not a Tensor', () => saveSafetensors({ a: [1, 2] as unknown as Tensor }), "[saveSafetensors] 'a' is not a Tensor"],
  ] as [string, () => unknown, string][])('%s', (_n, f, message) => expectError(f, SafetensorsError, message));
});

// ---- the hand-written fixture ----------------------------------------------------------------------------

/**
 * packages/nn/src/fixtures/tiny.safetensors, byte for byte (written by fixtures/make-tiny.mjs with DataView and JSON):
 *   b8 00 00 00 00 00 00 00            header length 184, u64 little-endian
 *   {"__metadata__":{"format":"pt","source":"hand-written from the spec"},
 *    "a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},
 *    "b":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]}}     + 5 spaces (179 → 184 bytes)
 *   00 00 00 00 00 00 e0 3f            b = [[0.5]]  (F64, first in the data although second in the header)
 *   00 00 80 3f  00 00 00 c0           a = [1, -2]  (F32)
 */
const TINY_HEX =
  'b800000000000000' +
  '7b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074222c22736f75726365223a2268616e642d7772697474656e2066726f6d20746865' +
  '2073706563227d2c2261223a7b226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b382c31365d7d2c' +
  '2262223a7b226474797065223a22463634222c227368617065223a5b312c315d2c22646174615f6f666673657473223a5b302c385d7d7d2020202020' +
  '000000000000e03f' +
  '0000803f000000c0';

describe('fixtures/tiny.safetensors (written by hand from the spec)', () => {
  const bytes = new Uint8Array(readFileSync(new URL('tiny.safetensors', fixtures)));

  it('is exactly the documented bytes', () => {
    expect(Buffer.from(bytes).toString('hex')).toBe(TINY_HEX);
  });

  it('has the documented header', () => {
    expect(Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))).toBe(184);
    expect(split(bytes).header).toEqual({
      __metadata__: { format: 'pt', source: 'hand-written from the spec' },
      a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
      b: { dtype: 'F64', shape: [1, 1], data_offsets: [0, 8] },
    });
  });

  it('loads to the expected values, dtypes and shapes, following the offsets rather than the header order', () => {
    const t = loadSafetensors(bytes);
    expect(Object.keys(t)).toEqual(['a', 'b']);
    expect([t['a']!.dtype, t['a']!.shape, t['a']!.toArray()]).toEqual(['float32', [2], [1, -2]]);
    expect([t['b']!.dtype, t['b']!.shape, t['b']!.toArray()]).toEqual(['float64', [1, 1], [[0.5]]]);
    expect(safetensorsMetadata(bytes)).toEqual({ format: 'pt', source: 'hand-written from the spec' });
  });
});

// ---- malformed files -------------------------------------------------------------------------------------

describe('malformed files are SafetensorsErrors that say what is wrong', () => {
  const entry = (dtype: unknown, shape: unknown, offsets: unknown): Record<string, unknown> => ({ dtype, shape, data_offsets: offsets });
  const E = '[loadSafetensors] ';
  const rows: [string, () => Uint8Array, string | RegExp][] = [
    ['5 bytes', () => new Uint8Array(5), `${E}file is 5 bytes, shorter than the 8-byte header length`],
    ['header length 2^32', () => build({}, [], 2n ** 32n), `${E}header length 4294967296 exceeds the limit of 100000000 bytes`],
    ['header length 2^64 − 1', () => build({}, [], 2n ** 64n - 1n), `${E}header length 18446744073709551615 exceeds the limit of 100000000 bytes`],
    ['header length just over the 100 MB limit', () => build({}, [], 100_000_001n), `${E}header length 100000001 exceeds the limit of 100000000 bytes`],
    ['header length past the end of the file', () => build({}, [], 1000n), `${E}header length 1000 runs past the end of the 16-byte file`],
    ['header not UTF-8', () => build('{"ab":1}').map((b, i) => (i === 10 ? 0xff : b)), /^\[loadSafetensors\] header is not valid UTF-8 JSON \(.+\)$/],
    ['header not JSON', () => build('{"a": '), /^\[loadSafetensors\] header is not valid UTF-8 JSON \(.+\)$/],
    ['an empty header', () => build('', [], 0n), /^\[loadSafetensors\] header is not valid UTF-8 JSON \(.+\)$/],
    ['header a JSON array', () => build('[]'), `${E}header must be a JSON object`],
    ['header JSON null', () => build('null'), `${E}header must be a JSON object`],
    ['__metadata__ an array', () => build({ __metadata__: [1] }), `${E}__metadata__ must be an object of strings`],
    ['__metadata__ with a number', () => build({ __metadata__: { k: 1 } }), `${E}__metadata__ value 'k' must be a string`],
    ['a tensor named __proto__', () => build('{"__proto__":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'), `${E}the tensor name '__proto__' is not allowed`],
    ['an entry that is not an object', () => build({ a: 5 }), `${E}entry 'a' must be an object`],
    ['dtype F16', () => build({ a: entry('F16', [2], [0, 4]) }, [0, 0, 0, 0]), `${E}entry 'a' has unsupported dtype "F16": tsgrad reads F32 and F64`],
    ['dtype missing', () => build({ a: { shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), `${E}entry 'a' has unsupported dtype undefined: tsgrad reads F32 and F64`],
    // Names on Object.prototype are not dtypes (an `in` test would take them for one).
    ['dtype "constructor"', () => build({ a: entry('constructor', [1], [0, 4]) }, [0, 0, 0, 0]), `${E}entry 'a' has unsupported dtype "constructor": tsgrad reads F32 and F64`],
    ['dtype "__proto__"', () => build({ a: entry('__proto__', [0], [0, 0]) }), `${E}entry 'a' has unsupported dtype "__proto__": tsgrad reads F32 and F64`],
    ['a negative axis', () => build({ a: entry('F32', [-1], [0, 4]) }, [0, 0, 0, 0]), `${E}entry 'a' has an invalid shape [-1]`],
    ['an axis of 2^53', () => build({ a: entry('F32', [2 ** 53], [0, 4]) }, [0, 0, 0, 0]), `${E}entry 'a' has an invalid shape [9007199254740992]`],
    ['a fractional axis', () => build({ a: entry('F32', [1.5], [0, 4]) }, [0, 0, 0, 0]), `${E}entry 'a' has an invalid shape [1.5]`],
    ['a shape that is a string', () => build({ a: entry('F32', '2', [0, 4]) }, [0, 0, 0, 0]), `${E}entry 'a' has an invalid shape "2"`],
    ['one offset', () => build({ a: entry('F32', [1], [0]) }, [0, 0, 0, 0]), `${E}entry 'a' has invalid data_offsets [0]`],
    ['a negative offset', () => build({ a: entry('F32', [1], [-4, 0]) }, [0, 0, 0, 0]), `${E}entry 'a' has invalid data_offsets [-4,0]`],
    ['an offset of 2^53', () => build({ a: entry('F32', [1], [0, 2 ** 53]) }, [0, 0, 0, 0]), `${E}entry 'a' has invalid data_offsets [0,9007199254740992]`],
    ['offsets backwards', () => build({ a: entry('F32', [1], [4, 0]) }, [0, 0, 0, 0]), `${E}entry 'a' has data_offsets [4,0] outside the 4-byte data section`],
    ['offsets past the data', () => build({ a: entry('F32', [2], [0, 8]) }, [0, 0, 0, 0]), `${E}entry 'a' has data_offsets [0,8] outside the 4-byte data section`],
    ['shape and bytes disagree', () => build({ a: entry('F32', [3], [0, 8]) }, f32Bytes(1, 2)), `${E}entry 'a' has shape [3] (F32), which needs 12 bytes, but data_offsets span 8`],
    ['F64 over 4 bytes', () => build({ a: entry('F64', [1], [0, 4]) }, f32Bytes(1)), `${E}entry 'a' has shape [1] (F64), which needs 8 bytes, but data_offsets span 4`],
    [
      'an absurd shape (2^52 · 2^52 elements) over 8 bytes',
      () => build({ a: entry('F32', [2 ** 52, 2 ** 52], [0, 8]) }, f32Bytes(1, 2)),
      `${E}entry 'a' has shape [4503599627370496,4503599627370496] (F32), which needs more than 8 bytes, but data_offsets span 8`,
    ],
    [
      'overlapping tensors',
      () => build({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, f32Bytes(1, 2, 3)),
      `${E}entry 'b' overlaps the previous tensor's data (offset 4 < 8)`,
    ],
    [
      'an empty tensor inside another',
      () => build({ a: entry('F32', [2], [0, 8]), e: entry('F32', [0], [4, 4]) }, f32Bytes(1, 2)),
      `${E}entry 'e' overlaps the previous tensor's data (offset 4 < 8)`,
    ],
    [
      'a gap between tensors',
      () => build({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, f32Bytes(1, 2, 3)),
      `${E}the data section has a gap before entry 'b' (bytes 4..8)`,
    ],
    ['a gap at the start', () => build({ a: entry('F32', [1], [4, 8]) }, f32Bytes(1, 2)), `${E}the data section has a gap before entry 'a' (bytes 0..4)`],
    ['bytes left over at the end', () => build({ a: entry('F32', [1], [0, 4]) }, f32Bytes(1, 2)), `${E}the data section is 8 bytes but the tensors cover 4`],
    ['not a Uint8Array', () => [1, 2, 3] as unknown as Uint8Array, `${E}expected a Uint8Array`],
  ];
  it.each(rows)('%s', (_n, make, message) => {
    const bytes = make();
    expectError(() => loadSafetensors(bytes), SafetensorsError, message);
    expectError(() => safetensorsMetadata(bytes), SafetensorsError, message); // the metadata reader validates the whole file too
  });

  it('deeply nested JSON in the header is an error, not a crash', () => {
    const deep = '{"a":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
    const file = build(deep);
    const t0 = performance.now();
    expectError(() => loadSafetensors(file), SafetensorsError, "[loadSafetensors] entry 'a' must be an object");
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('valid edge cases load: empty tensors at a shared offset, a zero-length data section', () => {
    const t = loadSafetensors(build({ e1: { dtype: 'F32', shape: [0, 5], data_offsets: [0, 0] }, a: { dtype: 'F64', shape: [], data_offsets: [0, 8] }, e2: { dtype: 'F64', shape: [3, 0], data_offsets: [8, 8] } }, f64Bytes(7)));
    expect(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [v.dtype, v.shape, v.toArray()]]))).toEqual({
      e1: ['float32', [0, 5], []], a: ['float64', [], 7], e2: ['float64', [3, 0], [[], [], []]],
    });
    expect(loadSafetensors(build({}))).toEqual({});
  });
});

// ---- interop with the reference rules --------------------------------------------------------------------

// PyTorch's `safetensors` package cannot be installed here (no registry access for it), so fixtures/
// safetensors_reference.py stands in for it: the standard library plus the reference implementation's loading and
// writing rules. The test is skipped only when python3 itself is missing.
const hasPython = spawnSync('python3', ['--version']).status === 0;

describe.skipIf(!hasPython)('interop with a Python implementation of the reference rules (python3, standard library)', () => {
  const script = fileURLToPath(new URL('safetensors_reference.py', fixtures));
  const dir = mkdtempSync(join(tmpdir(), 'tsgrad-safetensors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const python = (...args: string[]): string => {
    const r = spawnSync('python3', [script, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  };
  interface PyTensor { dtype: string; shape: number[]; values: number[] }
  const pyLoad = (path: string): { metadata: Record<string, string>; tensors: Record<string, PyTensor> } =>
    JSON.parse(python('load', path)) as { metadata: Record<string, string>; tensors: Record<string, PyTensor> };

  it('Python loads a file written by saveSafetensors, with the same values', () => {
    const g = new Generator(5);
    const base = g.normal([3, 2]);
    const tensors: Record<string, Tensor> = {
      'fc.weight': base.transpose(),
      'fc.bias': g.normal([2], { dtype: 'float64' }),
      step: tensor(1234, { dtype: 'float64' }),
      none: zeros([0, 3]),
      edge: tensor([-0, Math.fround(1e-40), Math.fround(3.4e38)]),
    };
    const path = join(dir, 'from-tsgrad.safetensors');
    writeFileSync(path, saveSafetensors(tensors, { framework: 'tsgrad' }));
    const py = pyLoad(path);
    expect(py.metadata).toEqual({ framework: 'tsgrad' });
    expect(Object.keys(py.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(py.tensors[name]!.dtype, name).toBe(t.dtype === 'float64' ? 'F64' : 'F32');
      expect(py.tensors[name]!.shape, name).toEqual(t.shape);
      expect(py.tensors[name]!.values, name).toEqual(Array.from(t.toTypedArray())); // exact, −0 included (toEqual tells −0 from 0)
    }
  });

  it('tsgrad loads a file written in Python by the reference writer’s rules', () => {
    const path = join(dir, 'from-python.safetensors');
    python('save', path);
    const bytes = new Uint8Array(readFileSync(path));
    const t = loadSafetensors(bytes);
    expect(safetensorsMetadata(bytes)).toEqual({ framework: 'python', written_by: 'safetensors_reference.py' });
    // The reference writer orders the data by alignment, then name: the F64 tensors come first.
    expect(Object.entries(split(bytes).header).filter(([k]) => k !== '__metadata__').map(([k, v]) => [k, (v as { data_offsets: number[] }).data_offsets])).toEqual([
      ['bias', [0, 24]], ['scalar', [24, 32]], ['edge', [32, 44]], ['empty', [44, 44]], ['weight', [44, 68]],
    ]);
    expect([t['weight']!.dtype, t['weight']!.shape, t['weight']!.toArray()]).toEqual(['float32', [2, 3], [[-0.5, -0.25, 0], [0.25, 0.5, 0.75]]]);
    expect([t['bias']!.dtype, t['bias']!.toArray()]).toEqual(['float64', [Math.PI, -Math.E, 1e-300]]);
    expect([t['scalar']!.dtype, t['scalar']!.shape, t['scalar']!.item()]).toEqual(['float64', [], 42]);
    expect([t['empty']!.dtype, t['empty']!.shape]).toEqual(['float32', [0, 4]]);
    expect(t['edge']!.toArray()).toEqual([Math.fround(1e-40), -0, Math.fround(3.4e38)]);
  });

  it('the hand-written fixture is valid by the reference rules too', () => {
    const py = pyLoad(fileURLToPath(new URL('tiny.safetensors', fixtures)));
    expect(py).toEqual({
      metadata: { format: 'pt', source: 'hand-written from the spec' },
      tensors: { b: { dtype: 'F64', shape: [1, 1], values: [0.5] }, a: { dtype: 'F32', shape: [2], values: [1, -2] } },
    });
  });
});

// ---- fuzzing ---------------------------------------------------------------------------------------------

/**
 * Why no mutated file can make the loader allocate much more than the file's size (checked here only through time):
 * the header length is checked (high word 0, at most 100 MB, within the file) before the header is decoded, so the
 * decoded text and its parse are proportional to the file; shapes are never used to allocate (their element
 * count is multiplied only until it passes the data size); and the typed arrays are allocated only after the whole
 * header has been validated, each of (end − begin) bytes with the spans disjoint and inside the data section, so
 * together they are at most the file's size.
 */
type Expect = 'fail' | 'load' | 'either';
interface Case { bytes: Uint8Array; expect: Expect; what: string }

const nameArb = fc.stringMatching(/^[a-z][a-z0-9._]{0,6}$/);
const fileArb: fc.Arbitrary<Uint8Array> = fc
  .record({
    tensors: fc.uniqueArray(
      fc.record({ name: nameArb, dtype: fc.constantFrom('float32' as const, 'float64' as const), shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }) }),
      { minLength: 1, maxLength: 4, selector: (t) => t.name },
    ),
    metadata: fc.option(fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.string({ maxLength: 6 }), { maxKeys: 2 }), { nil: undefined }),
  })
  .map(({ tensors, metadata }) => {
    const dict: Record<string, Tensor> = {};
    tensors.forEach(({ name, dtype, shape }, k) => {
      const size = shape.reduce((a, b) => a * b, 1);
      dict[name] = tensor(Array.from({ length: size }, (_, i) => k * 100 + i + 0.5), { dtype }).reshape(shape);
    });
    return saveSafetensors(dict, metadata);
  });

const ABSURD_OFFSETS: unknown[] = [[0, 2 ** 53], [-1, 4], [0, -0.5], [1.5, 4], ['0', '4'], [0], [0, 4, 8], null, [0, 2 ** 64], 'x'];
const ABSURD_SHAPES: unknown[] = [[-1], [2 ** 53], [1.5], [2 ** 26, 2 ** 26, 2 ** 26], [2 ** 53 - 1, 2 ** 53 - 1], 'abc', null, [[2]], [true]];
const BAD_DTYPES: unknown[] = ['F16', 'BF16', 'I64', 'U8', 'BOOL', 'f32', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 42, null, ''];

/** A mutation of a valid file, with what must happen. */
function mutationArb(file: Uint8Array): fc.Arbitrary<Case> {
  const { header, data } = split(file);
  const n = file.length - 8 - data.length;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const rebuild = (h: object | string, d: Uint8Array = data): Uint8Array => build(h, d);
  const withEntry = (name: string, field: string, value: unknown): Record<string, unknown> => {
    const h = structuredClone(header);
    const e = h[name] as Record<string, unknown>;
    if (value === undefined) delete e[field];
    else e[field] = value;
    return h;
  };
  const entryOf = (name: string): { dtype: string; shape: number[]; data_offsets: [number, number] } =>
    header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
  return fc.oneof(
    // Any strict truncation breaks the length/coverage bookkeeping.
    fc.integer({ min: 0, max: file.length - 1 }).map((k): Case => ({ bytes: file.slice(0, k), expect: 'fail', what: `truncated to ${k}` })),
    // Random bytes in the length field or the header.
    fc.array(fc.tuple(fc.integer({ min: 0, max: 8 + n - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits): Case => {
      const b = file.slice();
      for (const [i, v] of edits) b[i] = v;
      return { bytes: b, expect: 'either', what: `header bytes ${JSON.stringify(edits)}` };
    }),
    // Absurd header lengths.
    fc.constantFrom(BigInt(file.length - 8 + 1), BigInt(file.length) * 2n, 2n ** 32n, 2n ** 32n + BigInt(n), 2n ** 53n, 2n ** 64n - 1n, 100_000_001n, 0n, BigInt(n - 1), BigInt(n + 1))
      .map((len): Case => {
        const b = file.slice();
        new DataView(b.buffer).setBigUint64(0, len, true);
        return { bytes: b, expect: 'fail', what: `header length ${len}` };
      }),
    // Absurd offsets, shapes and dtypes in one entry, or a field missing.
    fc.tuple(fc.constantFrom(...names), fc.constantFrom(...ABSURD_OFFSETS)).map(([name, v]): Case => ({ bytes: rebuild(withEntry(name, 'data_offsets', v)), expect: 'fail', what: `${name}.data_offsets = ${JSON.stringify(v)}` })),
    fc.tuple(fc.constantFrom(...names), fc.constantFrom(...ABSURD_SHAPES)).map(([name, v]): Case => ({ bytes: rebuild(withEntry(name, 'shape', v)), expect: 'fail', what: `${name}.shape = ${JSON.stringify(v)}` })),
    fc.tuple(fc.constantFrom(...names), fc.constantFrom(...BAD_DTYPES)).map(([name, v]): Case => ({ bytes: rebuild(withEntry(name, 'dtype', v)), expect: 'fail', what: `${name}.dtype = ${JSON.stringify(v)}` })),
    fc.tuple(fc.constantFrom(...names), fc.constantFrom('dtype', 'shape', 'data_offsets')).map(([name, f]): Case => ({ bytes: rebuild(withEntry(name, f, undefined)), expect: 'fail', what: `${name}.${f} removed` })),
    // Offsets moved: overlaps, gaps, shape/byte disagreements (or, for an empty tensor, sometimes still valid).
    fc.tuple(fc.constantFrom(...names), fc.integer({ min: -8, max: 8 }), fc.integer({ min: -8, max: 8 })).map(([name, db, de]): Case => {
      const [b0, e0] = entryOf(name).data_offsets;
      return { bytes: rebuild(withEntry(name, 'data_offsets', [b0 + db, e0 + de])), expect: db === 0 && de === 0 ? 'load' : 'either', what: `${name}.data_offsets moved by ${db},${de}` };
    }),
    // A whole entry moved by whole elements (same span): a gap, an overlap or data outside the section. Only an
    // empty tensor can move and stay valid.
    fc.tuple(fc.constantFrom(...names), fc.constantFrom(-2, -1, 1, 2)).map(([name, k]): Case => {
      const e = entryOf(name), size = e.dtype === 'F64' ? 8 : 4, [b0, e0] = e.data_offsets;
      return { bytes: rebuild(withEntry(name, 'data_offsets', [b0 + k * size, e0 + k * size])), expect: e0 > b0 ? 'fail' : 'either', what: `${name} shifted by ${k} elements` };
    }),
    // One entry pointing at another's bytes (same dtype, shape and offsets): an overlap, unless both are empty.
    // (Pairs are drawn by index, a ≠ b by construction: a filter could never pass for a one-tensor file.)
    fc.tuple(fc.nat(names.length - 1), fc.nat(Math.max(0, names.length - 2))).map(([i, j]): Case => {
      if (names.length < 2) return { bytes: file, expect: 'load', what: 'unchanged (one tensor, nothing to alias)' };
      const a = names[i]!, b = names[j >= i ? j + 1 : j]!;
      const h = structuredClone(header);
      h[a] = structuredClone(header[b]);
      const [b0, e0] = entryOf(b).data_offsets, [a0, ae] = entryOf(a).data_offsets;
      return { bytes: rebuild(h), expect: e0 > b0 || ae > a0 ? 'fail' : 'either', what: `${a} aliased to ${b}` };
    }),
    // The same element count in another shape is valid; another dtype is valid only for an empty tensor.
    fc.constantFrom(...names).map((name): Case => ({ bytes: rebuild(withEntry(name, 'shape', [1, ...entryOf(name).shape.slice().reverse()])), expect: 'load', what: `${name}.shape reshaped` })),
    fc.constantFrom(...names).map((name): Case => ({ bytes: rebuild(withEntry(name, 'dtype', entryOf(name).dtype === 'F32' ? 'F64' : 'F32')), expect: 'either', what: `${name}.dtype swapped` })),
    // A __proto__ entry; metadata of the wrong kind.
    fc.constant<Case>({ bytes: rebuild('{"__proto__":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},' + JSON.stringify(header).slice(1)), expect: 'fail', what: '__proto__ entry' }),
    fc.constantFrom<unknown>([1], { k: 1 }, 'text', null, 7).map((m): Case => ({ bytes: rebuild({ ...header, __metadata__: m }), expect: 'fail', what: `__metadata__ = ${JSON.stringify(m)}` })),
    // Bad JSON: the header text cut short (a strict prefix of an object is never JSON).
    fc.integer({ min: 0, max: JSON.stringify(header).length - 1 }).map((k): Case => ({ bytes: rebuild(JSON.stringify(header).slice(0, k)), expect: 'fail', what: `header cut at ${k}` })),
    // Any JSON at all as the header.
    fc.jsonValue({ maxDepth: 3 }).map((j): Case => ({ bytes: rebuild(JSON.stringify(j) ?? 'null'), expect: 'either', what: `header ${JSON.stringify(j)}` })),
    // Random data bytes are just other values; extra bytes are uncovered data.
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits): Case => {
      const b = file.slice();
      if (data.length > 0) for (const [i, v] of edits) b[8 + n + (i % data.length)] = v;
      return { bytes: b, expect: 'load', what: `data bytes ${JSON.stringify(edits)}` };
    }),
    fc.uint8Array({ minLength: 1, maxLength: 16 }).map((extra): Case => {
      const b = new Uint8Array(file.length + extra.length);
      b.set(file);
      b.set(extra, file.length);
      return { bytes: b, expect: 'fail', what: `${extra.length} bytes appended` };
    }),
  );
}

/** Throws unless a successful load matches the file: its header's names, dtypes and shapes, the values at its offsets. */
function checkLoaded(bytes: Uint8Array, out: Record<string, Tensor>, what: string): void {
  const { header, data } = split(bytes);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][];
  const fail = (msg: string): never => {
    throw new Error(`${what}: ${msg}`);
  };
  if (Object.keys(out).join('\0') !== entries.map(([k]) => k).join('\0')) fail(`names ${JSON.stringify(Object.keys(out))}`);
  for (const [name, e] of entries) {
    const t = out[name]!;
    if (t.dtype !== (e.dtype === 'F64' ? 'float64' : 'float32')) fail(`'${name}' has dtype ${t.dtype}, the header says ${e.dtype}`);
    if (JSON.stringify(t.shape) !== JSON.stringify(e.shape)) fail(`'${name}' has shape ${JSON.stringify(t.shape)}, the header says ${JSON.stringify(e.shape)}`);
    const size = e.dtype === 'F64' ? 8 : 4;
    const got = t.toTypedArray();
    if (got.length * size !== e.data_offsets[1] - e.data_offsets[0]) fail(`'${name}' has ${got.length} elements`);
    for (let i = 0; i < got.length; i++) {
      const want = size === 8 ? view.getFloat64(e.data_offsets[0] + 8 * i, true) : view.getFloat32(e.data_offsets[0] + 4 * i, true);
      if (!Object.is(got[i], want)) fail(`'${name}'[${i}] is ${got[i]}, the file holds ${want}`);
    }
  }
}

describe('fuzzing: mutated files load correctly or throw SafetensorsError, each within 100 ms', () => {
  it('holds for 1500 mutations of random valid files', () => {
    let loaded = 0, failed = 0, slowest = 0;
    fc.assert(
      fc.property(fileArb.chain(mutationArb), (c) => {
        let out: Record<string, Tensor> | undefined;
        let error: unknown;
        // The bound is on the loader's work, not on the scheduler: a slow case is timed again (up to 3 times, the
        // fastest counting), so a GC pause or another process on a shared 2-core machine does not fail the test.
        let ms = Infinity;
        for (let attempt = 0; attempt < 3 && ms >= 100; attempt++) {
          const t0 = performance.now();
          out = undefined;
          error = undefined;
          try {
            out = loadSafetensors(c.bytes);
          } catch (e) {
            error = e;
          }
          ms = Math.min(ms, performance.now() - t0);
        }
        slowest = Math.max(slowest, ms);
        if (ms >= 100) throw new Error(`${c.what}: took ${ms.toFixed(1)} ms`);
        if (out !== undefined) {
          if (c.expect === 'fail') throw new Error(`${c.what}: loaded, but must be rejected`);
          checkLoaded(c.bytes, out, c.what);
          loaded++;
        } else {
          if (!(error instanceof SafetensorsError)) throw new Error(`${c.what}: threw ${String(error)}, not a SafetensorsError`);
          if (!/^\[loadSafetensors\] \S/.test(error.message)) throw new Error(`${c.what}: message ${JSON.stringify(error.message)}`);
          if (c.expect === 'load') throw new Error(`${c.what}: must load, but ${error.message}`);
          failed++;
        }
      }),
      { numRuns: 1500, seed: 20240611 },
    );
    // Both outcomes are exercised in quantity.
    expect(loaded).toBeGreaterThan(150);
    expect(failed).toBeGreaterThan(750);
    expect(slowest).toBeLessThan(100);
  });
});
