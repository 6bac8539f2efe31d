import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FloatArray } from '../dtype.js';
import {
  avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward, pool2dGeometry, type Pool2dGeometry,
} from './pool.js';
import { seededRandom } from '../../../../testing/random.js';

type DType = 'float32' | 'float64';
/** continuous: uniform(-1,1); ties: a few small integers (many equal maxima); special: ties plus NaN and ±∞. */
type Data = 'continuous' | 'ties' | 'special';

function alloc(dtype: DType, n: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

function randData(dtype: DType, n: number, kind: Data, rnd: () => number): FloatArray {
  const a = alloc(dtype, n);
  for (let i = 0; i < n; i++) {
    if (kind === 'continuous') a[i] = rnd() * 2 - 1;
    else {
      a[i] = Math.floor(rnd() * 3) - 1;
      if (kind === 'special') {
        const r = rnd();
        if (r < 0.08) a[i] = Number.NaN;
        else if (r < 0.2) a[i] = -Infinity;
        else if (r < 0.24) a[i] = Infinity;
      }
    }
  }
  return a;
}

function randArray(dtype: DType, n: number, rnd: () => number): FloatArray {
  const a = alloc(dtype, n);
  for (let i = 0; i < n; i++) a[i] = rnd() * 2 - 1;
  return a;
}

function xSize(g: Pool2dGeometry): number { return g.n * g.c * g.h * g.w; }
function ySize(g: Pool2dGeometry): number { return g.n * g.c * g.oh * g.ow; }

// ---- naive float64 references -------------------------------------------------------------------

/**
 * Max pooling, stated differently from the kernel: if the in-bounds window holds a NaN the result is NaN
 * at the last NaN; otherwise the result is the maximum and the index the first (row-major) element equal
 * to it. Indices are u·W + v within the (n, c) plane; an empty window gives (−∞, −1).
 */
function maxRef(x: ArrayLike<number>, g: Pool2dGeometry): { y: Float64Array; idx: Int32Array } {
  const y = new Float64Array(ySize(g));
  const idx = new Int32Array(ySize(g));
  for (let pl = 0; pl < g.n * g.c; pl++)
    for (let i = 0; i < g.oh; i++)
      for (let j = 0; j < g.ow; j++) {
        const inWin: number[] = [];
        for (let p = 0; p < g.kh; p++)
          for (let q = 0; q < g.kw; q++) {
            const u = i * g.sh - g.ph + p, v = j * g.sw - g.pw + q;
            if (u >= 0 && u < g.h && v >= 0 && v < g.w) inWin.push(u * g.w + v);
          }
        const vals = inWin.map((k) => x[pl * g.h * g.w + k]!);
        const d = (pl * g.oh + i) * g.ow + j;
        let nanAt = -1;
        vals.forEach((val, k) => { if (Number.isNaN(val)) nanAt = k; });
        if (inWin.length === 0) { y[d] = -Infinity; idx[d] = -1; }
        else if (nanAt >= 0) { y[d] = Number.NaN; idx[d] = inWin[nanAt]!; }
        else {
          const m = Math.max(...vals);
          y[d] = m;
          idx[d] = inWin[vals.indexOf(m)]!;
        }
      }
  return { y, idx };
}

function maxBackRef(gy: ArrayLike<number>, idx: Int32Array, g: Pool2dGeometry): Float64Array {
  const gx = new Float64Array(xSize(g));
  const ohw = g.oh * g.ow;
  for (let d = 0; d < gy.length; d++) {
    const pl = Math.floor(d / ohw);
    if (idx[d]! >= 0) gx[pl * g.h * g.w + idx[d]!] += gy[d]!;
  }
  return gx;
}

/** Divisor of window (i, j): positions inside the padded input, or inside the input proper. */
function divisor(g: Pool2dGeometry, i: number, j: number, includePad: boolean): number {
  let cnt = 0;
  for (let p = 0; p < g.kh; p++)
    for (let q = 0; q < g.kw; q++) {
      const u = i * g.sh - g.ph + p, v = j * g.sw - g.pw + q;
      const inside = includePad
        ? u >= -g.ph && u < g.h + g.ph && v >= -g.pw && v < g.w + g.pw
        : u >= 0 && u < g.h && v >= 0 && v < g.w;
      if (inside) cnt++;
    }
  return cnt;
}

function avgRef(x: ArrayLike<number>, g: Pool2dGeometry, includePad: boolean): { y: Float64Array; scale: Float64Array } {
  const y = new Float64Array(ySize(g));
  const scale = new Float64Array(ySize(g));
  for (let pl = 0; pl < g.n * g.c; pl++)
    for (let i = 0; i < g.oh; i++)
      for (let j = 0; j < g.ow; j++) {
        let s = 0, a = 0;
        for (let p = 0; p < g.kh; p++)
          for (let q = 0; q < g.kw; q++) {
            const u = i * g.sh - g.ph + p, v = j * g.sw - g.pw + q;
            if (u < 0 || u >= g.h || v < 0 || v >= g.w) continue;
            s += x[(pl * g.h + u) * g.w + v]!;
            a += Math.abs(x[(pl * g.h + u) * g.w + v]!);
          }
        const d = (pl * g.oh + i) * g.ow + j;
        const div = divisor(g, i, j, includePad);
        y[d] = s / div;
        scale[d] = a / div;
      }
  return { y, scale };
}

function avgBackRef(gy: ArrayLike<number>, g: Pool2dGeometry, includePad: boolean): Float64Array {
  const gx = new Float64Array(xSize(g));
  for (let pl = 0; pl < g.n * g.c; pl++)
    for (let i = 0; i < g.oh; i++)
      for (let j = 0; j < g.ow; j++) {
        const val = gy[(pl * g.oh + i) * g.ow + j]! / divisor(g, i, j, includePad);
        for (let p = 0; p < g.kh; p++)
          for (let q = 0; q < g.kw; q++) {
            const u = i * g.sh - g.ph + p, v = j * g.sw - g.pw + q;
            if (u >= 0 && u < g.h && v >= 0 && v < g.w) gx[(pl * g.h + u) * g.w + v] += val;
          }
      }
  return gx;
}

/** Same value, or both NaN; for float32 outputs the reference is rounded to float32 first. */
function expectSame(got: FloatArray, ref: ArrayLike<number>, what: string): void {
  expect(got.length).toBe(ref.length);
  const round = got instanceof Float32Array ? Math.fround : (v: number) => v;
  for (let k = 0; k < ref.length; k++) {
    const a = got[k]!, b = round(ref[k]!);
    if (!(Object.is(a, b) || (a === b) || (Number.isNaN(a) && Number.isNaN(b)))) {
      throw new Error(`${what}[${k}]: got ${a}, want ${b}`);
    }
  }
}

function expectClose(got: FloatArray, ref: ArrayLike<number>, scale: ArrayLike<number>, what: string): void {
  expect(got.length).toBe(ref.length);
  const tol = got instanceof Float32Array ? 1e-6 : 1e-14;
  for (let k = 0; k < ref.length; k++) {
    const err = Math.abs(got[k]! - ref[k]!);
    if (!(err <= tol * (scale[k]! + 1e-30))) throw new Error(`${what}[${k}]: got ${got[k]}, want ${ref[k]}`);
  }
}

const geometryArb = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    ph: fc.integer({ min: 0, max: 2 }),
    pw: fc.integer({ min: 0, max: 2 }),
  })
  // PyTorch requires padding ≤ kernel/2 (so no window lies wholly in the padding).
  .map((r) => pool2dGeometry([r.n, r.c, r.h, r.w], [r.kh, r.kw], [r.sh, r.sw],
    [Math.min(r.ph, r.kh >> 1), Math.min(r.pw, r.kw >> 1)]))
  .filter((g) => g.oh >= 1 && g.ow >= 1);

const caseArb = fc.record({
  g: geometryArb,
  dtype: fc.constantFrom<DType>('float32', 'float64'),
  data: fc.constantFrom<Data>('continuous', 'ties', 'special'),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

describe('pool2dGeometry', () => {
  it('uses floor((H + 2p − k)/s) + 1', () => {
    expect(pool2dGeometry([2, 3, 10, 7], [3, 2], [2, 3], [1, 1])).toEqual({
      n: 2, c: 3, h: 10, w: 7, kh: 3, kw: 2, oh: 5, ow: 3, sh: 2, sw: 3, ph: 1, pw: 1,
    });
    expect(pool2dGeometry([64, 15, 27, 27], [3, 3], [3, 3], [0, 0])).toMatchObject({ oh: 9, ow: 9 });
  });
});

describe('max pooling', () => {
  it('matches the reference (values, argmax, ties, NaN, ±∞, padding, overlapping windows)', () => {
    fc.assert(
      fc.property(caseArb, ({ g, dtype, data, seed }) => {
        const rnd = seededRandom(seed);
        const x = randData(dtype, xSize(g), data, rnd);
        const gy = randArray(dtype, ySize(g), rnd);
        const y = alloc(dtype, ySize(g)).fill(7);
        const idx = new Int32Array(ySize(g)).fill(-99);
        maxPool2dForward(x, y, idx, g);
        const ref = maxRef(x, g);
        expectSame(y, ref.y, 'y');
        expect(Array.from(idx)).toEqual(Array.from(ref.idx));
        const gx = alloc(dtype, xSize(g)).fill(Number.NaN);
        maxPool2dBackward(gy, idx, gx, g);
        expectClose(gx, maxBackRef(gy, ref.idx, g), maxBackRef(Float64Array.from(gy, Math.abs), ref.idx, g), 'gx');
      }),
      { numRuns: 400 },
    );
  });

  it('hand-checked: ties keep the first maximum, NaN wins, padding is −∞, overlapping windows add', () => {
    // 1×1×3×3 input, kernel 2, stride 1, padding 1 → 4×4 output.
    const x = new Float64Array([
      1, 5, 5,
      5, 2, -Infinity,
      0, Number.NaN, -1,
    ]);
    const g = pool2dGeometry([1, 1, 3, 3], [2, 2], [1, 1], [1, 1]);
    const y = new Float64Array(16);
    const idx = new Int32Array(16);
    maxPool2dForward(x, y, idx, g);
    expect(Array.from(y)).toEqual([1, 5, 5, 5, 5, 5, 5, 5, 5, NaN, NaN, -1, 0, NaN, NaN, -1]);
    expect(Array.from(idx)).toEqual([0, 1, 1, 2, 3, 1, 1, 2, 3, 7, 7, 8, 6, 7, 7, 8]);
    const gx = new Float64Array(9).fill(3);
    maxPool2dBackward(new Float64Array(16).fill(1), idx, gx, g);
    expect(Array.from(gx)).toEqual([1, 4, 2, 2, 0, 0, 1, 4, 2]);
    // All −∞ (and an empty-window index is impossible here): the first in-bounds element is chosen.
    const z = new Float32Array(4).fill(-Infinity);
    const zy = new Float32Array(1);
    const zi = new Int32Array(1).fill(-5);
    maxPool2dForward(z, zy, zi, pool2dGeometry([1, 1, 2, 2], [2, 2], [2, 2], [0, 0]));
    expect(zy[0]).toBe(-Infinity);
    expect(zi[0]).toBe(0);
  });
});

describe('average pooling', () => {
  it('matches the reference with countIncludePad true and false', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), ({ g, dtype, seed }, includePad) => {
        const rnd = seededRandom(seed);
        const x = randArray(dtype, xSize(g), rnd);
        const gy = randArray(dtype, ySize(g), rnd);
        const y = alloc(dtype, ySize(g)).fill(Number.NaN);
        avgPool2dForward(x, y, g, includePad);
        const ref = avgRef(x, g, includePad);
        expectClose(y, ref.y, ref.scale, 'y');
        const gx = alloc(dtype, xSize(g)).fill(Number.NaN);
        avgPool2dBackward(gy, gx, g, includePad);
        const gxRef = avgBackRef(gy, g, includePad);
        const gxScale = avgBackRef(Float64Array.from(gy, Math.abs), g, includePad);
        expectClose(gx, gxRef, gxScale, 'gx');
      }),
      { numRuns: 400 },
    );
  });

  it('satisfies the adjoint identity <avg(x), gy> = <x, avgBack(gy)> in float64', () => {
    fc.assert(
      fc.property(geometryArb, fc.boolean(), fc.integer({ min: 0, max: 0x7fffffff }), (g, includePad, seed) => {
        const rnd = seededRandom(seed);
        const x = randArray('float64', xSize(g), rnd);
        const gy = randArray('float64', ySize(g), rnd);
        const y = new Float64Array(ySize(g));
        const gx = new Float64Array(xSize(g));
        avgPool2dForward(x, y, g, includePad);
        avgPool2dBackward(gy, gx, g, includePad);
        let a = 0, b = 0, s = 0;
        for (let k = 0; k < y.length; k++) a += y[k]! * gy[k]!;
        for (let k = 0; k < x.length; k++) { b += x[k]! * gx[k]!; s += Math.abs(x[k]!) * Math.abs(gx[k]!); }
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-13 * (s + 1e-300));
      }),
      { numRuns: 200 },
    );
  });

  it('hand-checked divisors (PyTorch count_include_pad)', () => {
    // 1×1×2×3 input [[1,2,3],[4,5,6]], kernel 3, stride 2, padding 1 → 1×2 output; both windows overlap
    // the padding and see 2×2 input elements.
    const g = pool2dGeometry([1, 1, 2, 3], [3, 3], [2, 2], [1, 1]);
    expect([g.oh, g.ow]).toEqual([1, 2]);
    const x = new Float64Array([1, 2, 3, 4, 5, 6]);
    const y = new Float64Array(2);
    avgPool2dForward(x, y, g, false);
    expect(Array.from(y)).toEqual([12 / 4, 16 / 4]);
    // With ceil_mode false a window never reaches past the padded input, so the divisor is KH·KW.
    avgPool2dForward(x, y, g, true);
    expect(Array.from(y)).toEqual([12 / 9, 16 / 9]);
    const gx = new Float64Array(6).fill(Number.NaN);
    avgPool2dBackward(new Float64Array([9, 18]), gx, g, true);
    expect(Array.from(gx)).toEqual([1, 3, 2, 1, 3, 2]);
    avgPool2dBackward(new Float64Array([4, 8]), gx, g, false);
    expect(Array.from(gx)).toEqual([1, 3, 2, 1, 3, 2]);
  });
});
