import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValueError } from './errors.js';
import { Generator, defaultGenerator, manualSeed, type GeneratorState } from './random.js';
import { expectError } from '../../../testing/errors.js';

function take(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

/** Generator positioned at a hand-set xoshiro128** state. */
function fromState(s: [number, number, number, number]): Generator {
  const g = new Generator();
  g.setState({ s, spare: null });
  return g;
}

/**
 * Independent reference: xoshiro128** transcribed from Blackman & Vigna's published C code
 * (xoshiro128starstar.c) using BigInt and explicit masking, sharing no code with random.ts.
 */
function referenceXoshiro128ss(state: readonly number[]): () => number {
  const M = 0xffffffffn;
  const s = state.map((w) => BigInt(w));
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M;
  return () => {
    const result = (rotl((s[1]! * 5n) & M, 7n) * 9n) & M;
    const t = (s[1]! << 9n) & M;
    s[2] ^= s[0]!;
    s[3] ^= s[1]!;
    s[1] ^= s[2]!;
    s[0] ^= s[3]!;
    s[2] ^= t;
    s[3] = rotl(s[3]!, 11n);
    return Number(result);
  };
}

describe('xoshiro128** core', () => {
  it('matches the published first outputs for state (1,2,3,4)', () => {
    const g = fromState([1, 2, 3, 4]);
    expect(take(4, () => g.nextUint32())).toEqual([11520, 0, 5927040, 70819200]);
    const ref = referenceXoshiro128ss([1, 2, 3, 4]);
    expect(take(4, ref)).toEqual([11520, 0, 5927040, 70819200]);
  });

  it('matches the BigInt reference for 10 000 outputs from several states', () => {
    const states: [number, number, number, number][] = [
      [1, 2, 3, 4],
      [0xffffffff, 0x80000000, 0x7fffffff, 1],
      [0, 0, 0, 1],
      new Generator(42).getState().s,
      new Generator(2 ** 40 + 7).getState().s,
    ];
    for (const s of states) {
      const g = fromState(s);
      const ref = referenceXoshiro128ss(s);
      const got = take(10_000, () => g.nextUint32());
      expect(got).toEqual(take(10_000, ref));
    }
  });

  it('outputs are uint32 integers', () => {
    const g = new Generator(3);
    let bad = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = g.nextUint32();
      if (!(Number.isInteger(x) && x >= 0 && x < 2 ** 32)) bad++;
    }
    expect(bad).toBe(0);
  });
});

describe('seeding', () => {
  it('same seed gives the same stream', () => {
    for (const seed of [0, 1, 42, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      const a = new Generator(seed);
      const b = new Generator(seed);
      expect(take(100, () => a.nextUint32())).toEqual(take(100, () => b.nextUint32()));
    }
  });

  it('default seed is 0', () => {
    const a = new Generator();
    const b = new Generator(0);
    expect(take(16, () => a.nextUint32())).toEqual(take(16, () => b.nextUint32()));
  });

  it('different seeds give different streams, including seeds that differ only above 2^32', () => {
    const pairs: [number, number][] = [
      [0, 1],
      [0, 2 ** 32],
      [5, 2 ** 32 + 5],
      [2 ** 32, 2 ** 33],
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1],
    ];
    for (const [x, y] of pairs) {
      const a = new Generator(x);
      const b = new Generator(y);
      expect(a.getState().s).not.toEqual(b.getState().s);
      expect(take(8, () => a.nextUint32())).not.toEqual(take(8, () => b.nextUint32()));
    }
  });

  it('distinct seeds give distinct states (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (x, y) => {
        fc.pre(x !== y);
        expect(new Generator(x).getState().s).not.toEqual(new Generator(y).getState().s);
      }),
    );
  });

  it('rejects bad seeds with the exact message', () => {
    const cases: [number, string][] = [
      [1.5, '1.5'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [2 ** 53, '9007199254740992'],
    ];
    for (const [seed, shown] of cases) {
      expectError(() => new Generator(seed), ValueError,
        `[Generator] seed must be a non-negative safe integer: got ${shown}`);
    }
  });
});

describe('fixed-seed snapshot (seed 42)', () => {
  it('first 8 nextUint32()', () => {
    const g = new Generator(42);
    expect(take(8, () => g.nextUint32())).toEqual([
      2837322924, 544945897, 479756282, 3500138142, 339756180, 113173290, 65323186, 1112262688,
    ]);
  });

  it('first 4 random()', () => {
    const g = new Generator(42);
    expect(take(4, () => g.random())).toEqual([
      0.6606157208001621, 0.1117019639532224, 0.0791056456144914, 0.015209237180418,
    ]);
  });

  it('random() is built from the top 27 + 26 bits of two outputs', () => {
    const g = new Generator(42);
    const raw = new Generator(42);
    for (let i = 0; i < 100; i++) {
      const a = raw.nextUint32() >>> 5;
      const b = raw.nextUint32() >>> 6;
      expect(g.random()).toBe((a * 2 ** 26 + b) / 2 ** 53);
    }
  });

  it('first 4 nextNormal()', () => {
    const g = new Generator(42);
    expect(take(4, () => g.nextNormal())).toEqual([
      0.6953712153418403, 0.5878986391985577, 2.2422637620641215, 0.21493089258482073,
    ]);
  });
});

describe('uniforms', () => {
  it('random() lies in [0, 1)', () => {
    const g = new Generator(9);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = g.random();
      if (!(u >= 0 && u < 1)) outside++;
    }
    expect(outside).toBe(0);
  });

  it('fillUniform on Float64Array(0,1) equals the random() stream; Float32Array gets it rounded', () => {
    const out64 = new Float64Array(1000);
    const g = new Generator(5);
    g.fillUniform(out64, 0, 1);
    const ref = new Generator(5);
    expect(Array.from(out64)).toEqual(take(1000, () => ref.random()));
    expect(g.nextUint32()).toBe(ref.nextUint32()); // same stream position afterwards

    const out32 = new Float32Array(1000);
    new Generator(5).fillUniform(out32, -3, 5);
    const ref32 = new Generator(5);
    expect(Array.from(out32)).toEqual(take(1000, () => Math.fround(-3 + 8 * ref32.random())));
  });

  it('fillUniform stays in [low, high) for both dtypes', () => {
    const g = new Generator(11);
    for (const [low, high] of [[0, 1], [-2.5, 7.25], [1e3, 1e3 + 1], [-1e-3, 0]] as const) {
      for (const out of [new Float32Array(20_000), new Float64Array(20_000)]) {
        g.fillUniform(out, low, high);
        const lo = out instanceof Float32Array ? Math.fround(low) : low;
        const hi = out instanceof Float32Array ? Math.fround(high) : high;
        let min = Infinity;
        let max = -Infinity;
        for (const v of out) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        expect(min).toBeGreaterThanOrEqual(lo);
        expect(max).toBeLessThan(hi);
        // and actually spreads over the range
        expect(min - lo).toBeLessThan((hi - lo) * 0.01);
        expect(hi - max).toBeLessThan((hi - lo) * 0.01);
      }
    }
  });

  it('fillUniform redraws values that would round up to high', () => {
    // Float32: exactly two float32 values lie in [1, 1 + 2^-22); a third of the draws round to high.
    const out = new Float32Array(3000);
    new Generator(1).fillUniform(out, 1, 1 + 2 ** -22);
    const seen = new Set(out);
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 1 + 2 ** -23]);
    // Float64: with high = 1 + 2^-51, half the draws would round up to high.
    const out64 = new Float64Array(3000);
    new Generator(1).fillUniform(out64, 1, 1 + 2 ** -51);
    expect([...new Set(out64)].sort((a, b) => a - b)).toEqual([1, 1 + 2 ** -52]);
  });

  it('fillUniform of an empty array draws nothing', () => {
    const g = new Generator(2);
    g.fillUniform(new Float64Array(0), 0, 1);
    expect(g.nextUint32()).toBe(new Generator(2).nextUint32());
  });

  it('fillUniform rejects bad bounds with the exact message', () => {
    const g = new Generator();
    const out = new Float64Array(4);
    expectError(() => g.fillUniform(out, 1, 1), ValueError,
      '[Generator.fillUniform] low must be less than high: got low=1, high=1');
    expectError(() => g.fillUniform(out, 2, 1), ValueError,
      '[Generator.fillUniform] low must be less than high: got low=2, high=1');
    expectError(() => g.fillUniform(out, 0, Infinity), ValueError,
      '[Generator.fillUniform] low and high must be finite: got low=0, high=Infinity');
    expectError(() => g.fillUniform(out, Number.NaN, 1), ValueError,
      '[Generator.fillUniform] low and high must be finite: got low=NaN, high=1');
    expectError(() => g.fillUniform(out, -1e308, 1e308), ValueError,
      '[Generator.fillUniform] high - low must be finite: got low=-1e+308, high=1e+308');
    expectError(() => g.fillUniform(new Float32Array(4), 1, 1 + 1e-12), ValueError,
      '[Generator.fillUniform] low and high round to the same float32 value: got low=1, high=1.000000000001');
  });
});

describe('normals', () => {
  it('1e5 draws have mean ≈ 0 and variance ≈ 1', () => {
    const g = new Generator(123);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const z = g.nextNormal();
      sum += z;
      sumSq += z * z;
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });

  it('fillNormal over 1e5 has the requested mean and std', () => {
    const out = new Float64Array(100_000);
    new Generator(7).fillNormal(out, 3, 2);
    let sum = 0;
    for (const v of out) sum += v;
    const mean = sum / out.length;
    let ss = 0;
    for (const v of out) ss += (v - mean) ** 2;
    expect(Math.abs(mean - 3)).toBeLessThan(0.04);
    expect(Math.abs(ss / out.length / 4 - 1)).toBeLessThan(0.02);
  });

  it('Box-Muller pairs: the second value is cached and returned next', () => {
    const g = new Generator(8);
    const raw = new Generator(8);
    const a = raw.nextUint32() >>> 5;
    const b = raw.nextUint32() >>> 6;
    const u1 = (a * 2 ** 26 + b + 0.5) / 2 ** 53;
    const u2 = raw.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    expect(g.nextNormal()).toBe(r * Math.cos(2 * Math.PI * u2));
    expect(g.getState().spare).toBe(r * Math.sin(2 * Math.PI * u2));
    expect(g.nextNormal()).toBe(r * Math.sin(2 * Math.PI * u2));
    expect(g.getState().spare).toBeNull();
    expect(g.getState().s).toEqual(raw.getState().s); // the spare drew nothing new
  });

  it('fillNormal equals the nextNormal stream, including a cached spare and odd lengths', () => {
    for (const len of [0, 1, 2, 5, 6]) {
      const g = new Generator(21);
      const ref = new Generator(21);
      const first = [g.nextNormal()]; // leaves a spare cached
      const out = new Float64Array(len);
      g.fillNormal(out, 0, 1);
      const rest = take(3, () => g.nextNormal());
      expect([...first, ...out, ...rest]).toEqual(take(1 + len + 3, () => ref.nextNormal()));
    }
    const out32 = new Float32Array(7);
    new Generator(4).fillNormal(out32, -1, 0.5);
    const ref = new Generator(4);
    expect(Array.from(out32)).toEqual(take(7, () => Math.fround(-1 + 0.5 * ref.nextNormal())));
  });

  it('fillNormal with std 0 gives the mean', () => {
    const out = new Float32Array(5);
    new Generator().fillNormal(out, 2.5, 0);
    expect(Array.from(out)).toEqual([2.5, 2.5, 2.5, 2.5, 2.5]);
  });

  it('fillNormal rejects bad parameters with the exact message', () => {
    const g = new Generator();
    const out = new Float64Array(2);
    expectError(() => g.fillNormal(out, 0, -1), ValueError,
      '[Generator.fillNormal] std must be finite and non-negative: got -1');
    expectError(() => g.fillNormal(out, 0, Number.NaN), ValueError,
      '[Generator.fillNormal] std must be finite and non-negative: got NaN');
    expectError(() => g.fillNormal(out, 0, Infinity), ValueError,
      '[Generator.fillNormal] std must be finite and non-negative: got Infinity');
    expectError(() => g.fillNormal(out, -Infinity, 1), ValueError,
      '[Generator.fillNormal] mean must be finite: got -Infinity');
  });
});

describe('integers', () => {
  it('values lie in [low, high) and each value of a small range appears ~1/range of the time', () => {
    const g = new Generator(99);
    const n = 100_000;
    const low = -5;
    const high = 5;
    const xs = g.integers(low, high, n);
    expect(xs).toBeInstanceOf(Int32Array);
    expect(xs.length).toBe(n);
    const counts = new Array<number>(high - low).fill(0);
    let outside = 0;
    for (const x of xs) {
      if (x < low || x >= high) outside++;
      else counts[x - low]!++;
    }
    expect(outside).toBe(0);
    const expected = n / (high - low);
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(40); // 9 degrees of freedom: p < 1e-5 above 40
    for (const c of counts) expect(Math.abs(c / n - 0.1)).toBeLessThan(0.005);
  });

  it('matches an independent BigInt model of Lemire’s method, including huge ranges', () => {
    for (const [low, high] of [[0, 3], [-7, 1000], [-(2 ** 31), 852_516_353], [-(2 ** 31), 2 ** 31 - 1], [-(2 ** 31), 2 ** 31], [10, 11]] as const) {
      const g = new Generator(17);
      const raw = new Generator(17);
      const range = BigInt(high - low);
      const threshold = (2n ** 32n) % range;
      const expected: number[] = [];
      let rejected = 0;
      while (expected.length < 2000) {
        const m = BigInt(raw.nextUint32()) * range;
        if ((m & 0xffffffffn) >= threshold) expected.push(low + Number(m >> 32n));
        else rejected++;
      }
      expect(Array.from(g.integers(low, high, 2000))).toEqual(expected);
      if (high - low === 3_000_000_001) expect(rejected).toBeGreaterThan(100); // the reject path ran
    }
  });

  it('covers the full int32 range', () => {
    const xs = new Generator(1).integers(-(2 ** 31), 2 ** 31, 10_000);
    let neg = 0;
    for (const x of xs) if (x < 0) neg++;
    expect(Math.abs(neg / xs.length - 0.5)).toBeLessThan(0.03);
  });

  it('randint is one draw of integers', () => {
    const a = new Generator(12);
    const b = new Generator(12);
    const xs = a.integers(3, 17, 50);
    for (const x of xs) expect(b.randint(3, 17)).toBe(x);
    expect(new Generator(1).integers(0, 10, 0)).toEqual(new Int32Array(0));
  });

  it('rejects bad arguments with the exact message', () => {
    const g = new Generator();
    expectError(() => g.integers(0, 10, -1), ValueError,
      '[Generator.integers] size must be a non-negative integer: got -1');
    expectError(() => g.integers(0, 10, 2.5), ValueError,
      '[Generator.integers] size must be a non-negative integer: got 2.5');
    expectError(() => g.integers(0.5, 10, 3), ValueError,
      '[Generator.integers] low and high must be integers: got low=0.5, high=10');
    expectError(() => g.integers(0, Number.NaN, 3), ValueError,
      '[Generator.integers] low and high must be integers: got low=0, high=NaN');
    expectError(() => g.integers(4, 4, 3), ValueError,
      '[Generator.integers] low must be less than high: got low=4, high=4');
    expectError(() => g.integers(0, 2 ** 31 + 1, 3), ValueError,
      '[Generator.integers] low and high must lie in the int32 range [-2147483648, 2147483648]: got low=0, high=2147483649');
    expectError(() => g.randint(-(2 ** 31) - 1, 0), ValueError,
      '[Generator.randint] low and high must lie in the int32 range [-2147483648, 2147483648]: got low=-2147483649, high=0');
    expectError(() => g.randint(3, 2), ValueError,
      '[Generator.randint] low must be less than high: got low=3, high=2');
  });
});

describe('permutation and shuffle', () => {
  it('permutation(n) is a permutation of 0..n-1 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.nat(), (n, seed) => {
        const p = new Generator(seed).permutation(n);
        expect(p).toBeInstanceOf(Int32Array);
        expect(p.length).toBe(n);
        const sorted = Array.from(p).sort((a, b) => a - b);
        expect(sorted).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });

  it('all 6 orderings of 3 items are equally likely', () => {
    const g = new Generator(31);
    const counts = new Map<string, number>();
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const key = g.permutation(3).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c / n - 1 / 6)).toBeLessThan(0.01);
  });

  it('each item lands in each position ~1/n of the time (n = 10)', () => {
    const g = new Generator(32);
    const n = 10;
    const trials = 20_000;
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let t = 0; t < trials; t++) {
      const p = g.permutation(n);
      for (let pos = 0; pos < n; pos++) counts[p[pos]!]![pos]!++;
    }
    for (const row of counts) for (const c of row) expect(Math.abs(c / trials - 0.1)).toBeLessThan(0.015);
  });

  it('shuffle permutes in place any array kind, consistently with permutation', () => {
    const perm = new Generator(40).permutation(8);
    const plain = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    new Generator(40).shuffle(plain);
    expect(plain).toEqual(Array.from(perm, (i) => 'abcdefgh'[i]));
    for (const arr of [new Int32Array([0, 1, 2, 3, 4, 5, 6, 7]), new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]), new Float64Array([0, 1, 2, 3, 4, 5, 6, 7])]) {
      new Generator(40).shuffle(arr);
      expect(Array.from(arr)).toEqual(Array.from(perm));
    }
    const empty: number[] = [];
    new Generator().shuffle(empty);
    expect(empty).toEqual([]);
    const one = [{ x: 1 }];
    new Generator().shuffle(one);
    expect(one).toEqual([{ x: 1 }]);
  });

  it('permutation rejects bad n with the exact message', () => {
    const g = new Generator();
    expectError(() => g.permutation(-1), ValueError,
      '[Generator.permutation] n must be a non-negative integer: got -1');
    expectError(() => g.permutation(2.5), ValueError,
      '[Generator.permutation] n must be a non-negative integer: got 2.5');
    expectError(() => g.permutation(2 ** 31 + 1), ValueError,
      '[Generator.permutation] n must be at most 2147483648: got 2147483649');
  });
});

describe('state', () => {
  it('getState/setState reproduce the stream exactly, through JSON, with a cached spare', () => {
    const g = new Generator(77);
    g.random();
    g.nextNormal(); // caches a spare
    const state = g.getState();
    expect(state.spare).not.toBeNull();
    const restored: GeneratorState = JSON.parse(JSON.stringify(state)) as GeneratorState;
    const before = [g.nextNormal(), g.nextUint32(), g.random(), g.nextNormal(), ...g.integers(0, 100, 5)];
    const h = new Generator(1);
    h.setState(restored);
    const after = [h.nextNormal(), h.nextUint32(), h.random(), h.nextNormal(), ...h.integers(0, 100, 5)];
    expect(after).toEqual(before);
  });

  it('getState returns a copy', () => {
    const g = new Generator(3);
    const st = g.getState();
    st.s[0] = 0;
    expect(g.getState().s[0]).not.toBe(0);
  });

  it('clone is an independent copy with the same state', () => {
    const g = new Generator(55);
    g.nextNormal();
    const c = g.clone();
    expect(c.getState()).toEqual(g.getState());
    const fromClone = take(10, () => c.nextNormal());
    expect(take(10, () => g.nextNormal())).toEqual(fromClone);
    c.nextUint32(); // advancing the clone leaves the original alone
    expect(c.getState()).not.toEqual(g.getState());
  });

  it('setState rejects bad states with the exact message', () => {
    const g = new Generator();
    expectError(() => g.setState({ s: [1, 2, 3] as unknown as [number, number, number, number], spare: null }), ValueError,
      '[Generator.setState] state.s must be four integers in [0, 2^32): got [1,2,3]');
    expectError(() => g.setState({ s: [1, 2, 3, 2 ** 32], spare: null }), ValueError,
      '[Generator.setState] state.s must be four integers in [0, 2^32): got [1,2,3,4294967296]');
    expectError(() => g.setState({ s: [1, -2, 3, 4], spare: null }), ValueError,
      '[Generator.setState] state.s must be four integers in [0, 2^32): got [1,-2,3,4]');
    expectError(() => g.setState({ s: [0, 0, 0, 0], spare: null }), ValueError,
      '[Generator.setState] state.s must not be all zero: got [0,0,0,0]');
    expectError(() => g.setState({ s: [1, 2, 3, 4], spare: Number.NaN }), ValueError,
      '[Generator.setState] state.spare must be null or a finite number: got NaN');
    // a failed setState leaves the generator untouched
    expect(g.getState()).toEqual(new Generator().getState());
  });
});

describe('spawn', () => {
  it('is deterministic and advances the parent by four outputs', () => {
    const p1 = new Generator(64);
    const p2 = new Generator(64);
    const c1 = p1.spawn();
    const c2 = p2.spawn();
    expect(take(20, () => c1.nextUint32())).toEqual(take(20, () => c2.nextUint32()));
    const ref = new Generator(64);
    take(4, () => ref.nextUint32());
    expect(p1.getState()).toEqual(ref.getState());
  });

  it('children differ from the parent and from each other', () => {
    const p = new Generator(64);
    const a = p.spawn();
    const b = p.spawn();
    const sp = take(16, () => p.nextUint32());
    const sa = take(16, () => a.nextUint32());
    const sb = take(16, () => b.nextUint32());
    expect(sa).not.toEqual(sb);
    expect(sa).not.toEqual(sp);
    expect(sb).not.toEqual(sp);
    expect(new Set([...sa, ...sb, ...sp]).size).toBe(48);
  });
});

describe('default generator', () => {
  it('is one shared generator with seed 0, reseeded in place by manualSeed', () => {
    const d = defaultGenerator();
    expect(defaultGenerator()).toBe(d);
    manualSeed(0);
    expect(d.getState()).toEqual(new Generator(0).getState());
    d.nextNormal();
    manualSeed(2024);
    expect(defaultGenerator()).toBe(d);
    const ref = new Generator(2024);
    expect(take(5, () => d.nextNormal())).toEqual(take(5, () => ref.nextNormal()));
    manualSeed(2024);
    expect(d.getState()).toEqual(new Generator(2024).getState());
  });

  it('manualSeed rejects bad seeds with the exact message', () => {
    expectError(() => manualSeed(-3), ValueError,
      '[manualSeed] seed must be a non-negative safe integer: got -3');
    expectError(() => manualSeed(0.25), ValueError,
      '[manualSeed] seed must be a non-negative safe integer: got 0.25');
  });
});
