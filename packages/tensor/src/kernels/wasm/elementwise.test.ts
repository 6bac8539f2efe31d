import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  W_ABS, W_ADD, W_DIV, W_EQ, W_GE, W_GT, W_LE, W_LT, W_MUL, W_NE, W_NEG, W_RELU, W_RELU_BACK, W_SQRT, W_SQUARE, W_SUB,
  WASM_ROW_MIN, binaryWasm, sumWasm, tanhWasm, unaryWasm, wasmBinary, wasmUnary,
} from './elementwise.js';
import { setBackend } from '../backend.js';
import { Generator } from '../../random.js';
import { randn } from '../../creation.js';
import { abs, add, div, greater, lessEqual, mul, neg, relu, sqrt, square, sub, tanh } from '../../ops/elementwise.js';
import { getRuntime } from './runtime.js';

/*
 * The wasm tanh row against Math.tanh (rounded to float32): within 8 ulp of the float32 result (the kernel is a
 * rational approximation measured at ≤ 6 ulp), exact at the special values, for every length (vector body and
 * scalar tail) and offset.
 */

/** One ulp of float32 at |v| (the smallest subnormal at 0). */
function ulp32(v: number): number {
  const a = new Float32Array([Math.abs(v)]);
  const i = new Int32Array(a.buffer);
  i[0]! += 1;
  return a[0]! - Math.fround(Math.abs(v)) || 2 ** -149;
}

describe.runIf(getRuntime() !== null)('wasm tanh row', () => {
  it('is within 8 ulp of Math.tanh for random lengths, offsets and magnitudes', () => {
    const value = fc.oneof(
      fc.float({ min: Math.fround(-1e-3), max: Math.fround(1e-3), noNaN: true }),
      fc.float({ min: -3, max: 3, noNaN: true }),
      fc.float({ min: -20, max: 20, noNaN: true }),
    );
    fc.assert(fc.property(fc.array(value, { maxLength: 70 }), fc.nat(5), fc.nat(5), (xs, s, d) => {
      const src = new Float32Array(s + xs.length);
      src.set(xs, s);
      const dst = new Float32Array(d + xs.length + 2).fill(Number.NaN);
      tanhWasm(src, s, dst, d, xs.length);
      for (let i = 0; i < xs.length; i++) {
        const want = Math.fround(Math.tanh(src[s + i]!));
        const err = Math.abs(dst[d + i]! - want);
        if (!(err <= 8 * ulp32(want))) expect.fail(`tanh(${src[s + i]}) = ${dst[d + i]}, expected ${want}`);
      }
      expect(Number.isNaN(dst[d + xs.length]!)).toBe(true); // nothing written past the row
    }), { numRuns: 300 });
  });

  it('gives the exact values at the special points, and handles rows longer than one block', () => {
    const specials = [0, -0, Number.NaN, Infinity, -Infinity, 1e-30, -1e-30, 8, -8, 100, -100];
    const src = new Float32Array(specials);
    const dst = new Float32Array(specials.length);
    tanhWasm(src, 0, dst, 0, specials.length);
    expect(Array.from(dst)).toEqual([0, -0, Number.NaN, 1, -1, 1e-30, -1e-30, 1, -1, 1, -1].map(Math.fround));
    const n = (1 << 20) + 37; // the wrapper copies blocks of 2^20
    const big = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 4);
    const out = new Float32Array(n);
    tanhWasm(big, 0, out, 0, n);
    for (const i of [0, 1, (1 << 20) - 1, 1 << 20, n - 1]) {
      expect(Math.abs(out[i]! - Math.tanh(big[i]!))).toBeLessThan(1e-6);
    }
  });
});

/*
 * The exact rows: every binary op in each of its three forms (both rows, row ∘ scalar, scalar ∘ row) and every
 * unary op, against float32-rounded JavaScript arithmetic, bit for bit (NaN equals NaN), at lengths that cover
 * the vector body, the scalar tail and the 8192-element blocks, with special values mixed in.
 */
const special = [0, -0, Number.NaN, Infinity, -Infinity, 1e-40, -1e-40, 3.4e38, -3.4e38, 1, -1, 0.5];
const valueArb = fc.oneof(
  fc.constantFrom(...special),
  fc.float({ min: -1e3, max: 1e3 }),
  fc.integer({ min: -3, max: 3 }), // ties for the comparisons
);
const lengthArb = fc.oneof(fc.nat(80), fc.constantFrom(8191, 8192, 8193, 16_400));

const BINARY: [string, number, (x: number, y: number) => number][] = [
  ['add', W_ADD, (x, y) => x + y], ['sub', W_SUB, (x, y) => x - y], ['mul', W_MUL, (x, y) => x * y],
  ['div', W_DIV, (x, y) => x / y], ['greater', W_GT, (x, y) => +(x > y)], ['greaterEqual', W_GE, (x, y) => +(x >= y)],
  ['less', W_LT, (x, y) => +(x < y)], ['lessEqual', W_LE, (x, y) => +(x <= y)], ['equal', W_EQ, (x, y) => +(x === y)],
  ['notEqual', W_NE, (x, y) => +(x !== y)],
  // relu's VJP: g where x > 0, else +0 (never −0 or NaN from a masked element).
  ['reluBackward', W_RELU_BACK, (g, x) => (x > 0 ? g : 0)],
];
const UNARY: [string, number, (x: number) => number][] = [
  ['relu', W_RELU, (x) => Math.max(x, 0)], ['neg', W_NEG, (x) => -x], ['abs', W_ABS, Math.abs],
  ['square', W_SQUARE, (x) => x * x], ['sqrt', W_SQRT, Math.sqrt],
];

/** Fills n float32 values from a seed list (repeated), so long rows need no long arbitrary arrays. */
function fill(n: number, seed: readonly number[]): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = seed.length === 0 ? i : seed[(i * 7 + (i >> 3)) % seed.length]!;
  return out;
}
/** Same float32 bits, or both NaN. */
function sameBits(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);
}

describe.runIf(getRuntime() !== null)('wasm exact rows', () => {
  for (const [name, op, ref] of BINARY) {
    it(`${name}: rows and scalars match float32 JavaScript bit for bit`, () => {
      fc.assert(fc.property(
        lengthArb, fc.array(valueArb, { minLength: 1, maxLength: 40 }), fc.array(valueArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom('rows', 'row-scalar', 'scalar-row'), fc.nat(3), fc.nat(3),
        (n, xs, ys, form, ia, ib) => {
          const sa = form === 'scalar-row' ? 0 : 1, sb = form === 'row-scalar' ? 0 : 1;
          const a = fill(ia + n * sa + 1, xs), b = fill(ib + n * sb + 1, ys);
          const o = new Float32Array(n + 2).fill(7);
          binaryWasm(op, o, 1, a, ia, sa, b, ib, sb, n);
          for (let i = 0; i < n; i++) {
            const want = Math.fround(ref(a[ia + i * sa]!, b[ib + i * sb]!));
            if (!sameBits(o[1 + i]!, want)) expect.fail(`${name}(${a[ia + i * sa]}, ${b[ib + i * sb]}) = ${o[1 + i]}, expected ${want} (i ${i}, n ${n}, ${form})`);
          }
          expect([o[0], o[n + 1]]).toEqual([7, 7]); // nothing written outside the row
        },
      ), { numRuns: 60 });
    });
  }
  for (const [name, op, ref] of UNARY) {
    it(`${name}: matches float32 JavaScript bit for bit`, () => {
      fc.assert(fc.property(lengthArb, fc.array(valueArb, { minLength: 1, maxLength: 40 }), fc.nat(3), (n, xs, s) => {
        const a = fill(s + n, xs);
        const o = new Float32Array(n + 2).fill(7);
        unaryWasm(op, o, 1, a, s, n);
        for (let i = 0; i < n; i++) {
          const want = Math.fround(ref(a[s + i]!));
          if (!sameBits(o[1 + i]!, want)) expect.fail(`${name}(${a[s + i]}) = ${o[1 + i]}, expected ${want} (i ${i}, n ${n})`);
        }
        expect([o[0], o[n + 1]]).toEqual([7, 7]);
      }), { numRuns: 60 });
    });
  }

  it('routes only float32 rows that are contiguous or broadcast a scalar, from WASM_ROW_MIN elements on', () => {
    const L = WASM_ROW_MIN + 8, f = new Float32Array(L), g = new Float64Array(L);
    expect(wasmBinary(f, 1, f, 1, f, 0, WASM_ROW_MIN)).toBe(true);
    expect(wasmBinary(f, 1, f, 0, f, 1, WASM_ROW_MIN)).toBe(true);
    expect(wasmBinary(f, 1, f, 1, f, 1, WASM_ROW_MIN - 1)).toBe(false);
    expect(wasmBinary(f, 1, f, 0, f, 0, L)).toBe(false);
    expect(wasmBinary(f, 1, f, 2, f, 1, L)).toBe(false);
    expect(wasmBinary(f, 2, f, 1, f, 1, L)).toBe(false);
    expect(wasmBinary(f, 1, g, 1, f, 1, L)).toBe(false);
    expect(wasmUnary(f, 1, f, 1, L)).toBe(true);
    expect(wasmUnary(f, 1, f, 3, L)).toBe(false);
    expect(wasmUnary(g, 1, g, 1, L)).toBe(false);
  });
});

describe.runIf(getRuntime() !== null)('elementwise ops on the two backends', () => {
  afterEach(() => setBackend('wasm'));
  it('give the same bits for broadcast float32 operands (a bias over NCHW maps, a scalar, a ReLU mask)', () => {
    const g = new Generator(3);
    const x = randn([5, 3, 12, 13], { generator: g }); // bias rows of 156 elements: the wasm path
    const bias = randn([3, 1, 1], { generator: g });
    const y = randn([5, 3, 12, 13], { generator: g });
    const run = (): number[][] => [
      add(x, bias), sub(bias, x), mul(x, y), div(x, 3), greater(x, 0), lessEqual(0.25, x), relu(x), sqrt(abs(x)),
      neg(x), square(y), tanh(x),
    ].map((t) => Array.from(t.data));
    setBackend('js');
    const js = run();
    setBackend('wasm');
    const wasm = run();
    // tanh is the one approximation (≤ 6 ulp); every other op is exact.
    expect(wasm.slice(0, -1)).toEqual(js.slice(0, -1));
    expect(wasm.at(-1)!.every((v, i) => Math.abs(v - js.at(-1)![i]!) <= 1e-6)).toBe(true);
  });
});

describe.runIf(getRuntime() !== null)('wasm float32 row sums', () => {
  // Any two orders of n float64 additions differ by at most about n·2⁻⁵³·Σ|x| (each add rounds once).
  it('match a float64 sum in index order to float64 rounding, across blocks, and propagate NaN and ±∞', () => {
    fc.assert(fc.property(lengthArb, fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.nat(3), (n, xs, s) => {
      const a = fill(s + n, xs);
      let want = 0, mag = 0;
      for (let i = 0; i < n; i++) {
        want += a[s + i]!;
        mag += Math.abs(a[s + i]!);
      }
      expect(Math.abs(sumWasm(a, s, n) - want)).toBeLessThanOrEqual(mag * (n + 1) * 2 ** -52);
    }), { numRuns: 200 });
    const a = fill(200, [1, 2, 3]);
    a[150] = Number.NaN;
    expect(sumWasm(a, 0, 200)).toBeNaN();
    a[150] = Infinity;
    expect(sumWasm(a, 0, 200)).toBe(Infinity);
    a[3] = -Infinity;
    expect(sumWasm(a, 0, 200)).toBeNaN();
  });
});
