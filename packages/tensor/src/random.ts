/**
 * Seeded, platform-independent random numbers.
 *
 * The core generator is xoshiro128** (Blackman & Vigna, 2018): 128 bits of state held as four
 * uint32 words and advanced with integer operations only (`^`, `<<`, `>>>` and `Math.imul`), so
 * the stream of 32-bit outputs is a pure function of the seed.
 *
 * Reproducibility guarantees:
 * - **Integer outputs and uniforms are bit-identical everywhere.** `nextUint32`, `random`,
 *   `fillUniform`, `integers`, `randint`, `permutation`, `shuffle` and `spawn` use only integer
 *   arithmetic and exactly rounded IEEE-754 `+`, `-`, `*`, so every conforming JavaScript engine on
 *   every OS and CPU produces the same values for the same seed.
 * - **Normals are identical across V8 hosts.** `nextNormal` / `fillNormal` also call `Math.log`,
 *   `Math.sqrt`, `Math.cos` and `Math.sin`. `Math.sqrt` is exactly rounded everywhere; the other
 *   three are not pinned by the ECMAScript spec, but V8 implements them with its own port of
 *   fdlibm (ieee754.cc) on every OS and CPU, so Node and Chromium produce identical normals. Other
 *   engines (SpiderMonkey, JavaScriptCore) may differ in the last ulp.
 *
 * @module
 */
import { ValueError } from './errors.js';
import type { FloatArray } from './dtype.js';
import { checkShape, sizeOf } from './shape.js';
import { Tensor, alloc, checkDType, type DType } from './tensor.js';

/** Snapshot of a {@link Generator}: the four xoshiro128** words and the cached second normal. */
export interface GeneratorState {
  /** xoshiro128** state words, each an integer in `[0, 2^32)`, not all zero. */
  s: [number, number, number, number];
  /** The second value of the last Box-Muller pair, not yet returned; `null` when none is cached. */
  spare: number | null;
}

/** 2^32, the number of distinct outputs of {@link Generator.nextUint32}. */
const TWO_32 = 4294967296;
/** 2^-53: scales a 53-bit integer into `[0, 1)`. */
const INV_TWO_53 = 1 / 9007199254740992;
/** The golden-ratio Weyl increment of splitmix32, ⌊2^32/φ⌋. */
const GOLDEN = 0x9e3779b9;
const TWO_PI = 2 * Math.PI;

/** The splitmix32 / murmur3 finaliser: a bijection on uint32 with full avalanche. */
function fmix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Expands a seed into xoshiro128** state with splitmix32.
 *
 * The seed is split into words `lo = seed mod 2^32` and `hi = ⌊seed / 2^32⌋`. A splitmix32 stream
 * (Weyl sequence `x += 0x9e3779b9`, outputs `fmix32(x)`) starts at `x = lo`; after the first output
 * `hi` is XORed into `x`. Since `fmix32` and `x ↦ x + c` are bijections, `s0` determines `lo` and
 * then `s1` determines `hi`: distinct seeds give distinct states. The four inputs to `fmix32`
 * cannot all be 0 (the last two differ by the Weyl increment), so the state is never all zero.
 */
function seedState(seed: unknown, op: string): [number, number, number, number] {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(`[${op}] seed must be a non-negative safe integer: got ${String(seed)}`);
  }
  const lo = seed >>> 0; // exact for safe integers: ToUint32 takes seed mod 2^32
  const hi = Math.floor(seed / TWO_32) >>> 0;
  let x = (lo + GOLDEN) | 0;
  const s0 = fmix32(x);
  x = ((x ^ hi) + GOLDEN) | 0;
  const s1 = fmix32(x);
  x = (x + GOLDEN) | 0;
  const s2 = fmix32(x);
  x = (x + GOLDEN) | 0;
  const s3 = fmix32(x);
  return [s0, s1, s2, s3];
}

/** The value `fillUniform` stores for the 53-bit draw `k`: `low + span · k/2^53`, rounded to the array. */
function uniformStoredAt(k: number, low: number, span: number, f32: boolean): number {
  const v = low + span * (k * INV_TWO_53);
  return f32 ? Math.fround(v) : v;
}

/** Throws unless `n` is a non-negative safe integer. */
function checkCount(n: number, op: string, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ValueError(`[${op}] ${name} must be a non-negative integer: got ${String(n)}`);
  }
}

/** Throws unless `[low, high)` is a valid, non-empty int32 range; returns its size `high - low`. */
function checkIntRange(low: number, high: number, op: string): number {
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
    throw new ValueError(`[${op}] low and high must be integers: got low=${String(low)}, high=${String(high)}`);
  }
  if (low >= high) {
    throw new ValueError(`[${op}] low must be less than high: got low=${low}, high=${high}`);
  }
  if (low < -2147483648 || high > 2147483648) {
    throw new ValueError(
      `[${op}] low and high must lie in the int32 range [-2147483648, 2147483648]: got low=${low}, high=${high}`,
    );
  }
  return high - low; // at most 2^32
}

/**
 * A seeded random generator whose streams are bit-identical on every platform for the same seed.
 *
 * State: xoshiro128** (period 2^128 − 1), seeded by splitmix32 over the seed's two 32-bit words,
 * plus one cached Box-Muller normal. See the module comment for the cross-platform guarantees.
 *
 * The state lives in four instance fields (measured ~20% faster than a `Uint32Array(4)` for
 * per-call draws, and equal in the hot fill loops, which copy the state into locals).
 */
export class Generator {
  // Kept as int32 bit patterns (`| 0`); `getState` reports them as uint32.
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  /**
   * @param seed any non-negative safe integer (default 0); seeds above 2^32 use the high word too.
   * @throws ValueError if `seed` is negative, fractional, NaN, infinite or above 2^53 − 1.
   */
  constructor(seed = 0) {
    const s = seedState(seed, 'Generator');
    this.s0 = s[0] | 0;
    this.s1 = s[1] | 0;
    this.s2 = s[2] | 0;
    this.s3 = s[3] | 0;
  }

  /**
   * The next raw 32-bit output, an integer in `[0, 2^32)`.
   *
   * xoshiro128**: `result = rotl(s1 · 5, 7) · 9`, then `t = s1 << 9`, `s2 ^= s0`, `s3 ^= s1`,
   * `s1 ^= s2`, `s0 ^= s3`, `s2 ^= t`, `s3 = rotl(s3, 11)` (all mod 2^32).
   */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /**
   * A double uniform in `[0, 1)` with 53 random bits: `u = (a · 2^26 + b) / 2^53` where `a` is the
   * top 27 bits of one output and `b` the top 26 bits of the next. Every multiple of 2^-53 in
   * `[0, 1)` is equally likely.
   */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) * INV_TWO_53;
  }

  /**
   * A standard normal N(0, 1) by the Box-Muller transform. Normals are made in pairs from two
   * uniforms `u1 ∈ (0, 1)` (53 bits, offset by half a step so `ln u1` is finite and nonzero) and
   * `u2 ∈ [0, 1)`:
   *
   *     r  = √(−2 ln u1),   θ = 2π · u2
   *     z0 = r · cos θ,     z1 = r · sin θ
   *
   * `z0` is returned and `z1` cached for the next call (it is part of {@link getState}).
   * |z| ≤ √(2 · 54 ln 2) ≈ 8.65.
   */
  nextNormal(): number {
    const spare = this.spare;
    if (spare !== null) {
      this.spare = null;
      return spare;
    }
    return this.normalPair();
  }

  /** Draws a Box-Muller pair, caches z1 in `spare` and returns z0. */
  private normalPair(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    const u1 = (a * 67108864 + b + 0.5) * INV_TWO_53;
    const u2 = this.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = TWO_PI * u2;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /**
   * Fills `out` with uniforms in `[low, high)`: `out[i] = low + (high − low) · u` with `u` drawn as
   * by {@link random}, so `fillUniform(out, 0, 1)` on a Float64Array equals `out.length` calls to
   * `random()`, and a Float32Array gets the same draws rounded to float32. A draw that would round
   * up to `high` in the array's precision (possible near the top of the range, above all for
   * Float32Array, with probability about 2^-25) is rejected and redrawn, keeping the bound strict.
   * For a Float32Array the bounds are `low` and `high` as rounded to float32.
   *
   * @throws ValueError if `low` or `high` is not finite, `low >= high`, `high − low` overflows, or
   * (Float32Array) `low` and `high` round to the same float32.
   */
  fillUniform(out: FloatArray, low: number, high: number): void {
    const op = 'Generator.fillUniform';
    if (!Number.isFinite(low) || !Number.isFinite(high)) {
      throw new ValueError(`[${op}] low and high must be finite: got low=${low}, high=${high}`);
    }
    if (!(low < high)) {
      throw new ValueError(`[${op}] low must be less than high: got low=${low}, high=${high}`);
    }
    const span = high - low;
    if (!Number.isFinite(span)) {
      throw new ValueError(`[${op}] high - low must be finite: got low=${low}, high=${high}`);
    }
    // Stored values must stay below `high` as stored: compare against `high` rounded to the
    // array's precision.
    const f32 = out instanceof Float32Array;
    const highStored = f32 ? Math.fround(high) : high;
    if (f32 && !(Math.fround(low) < highStored)) {
      throw new ValueError(
        `[${op}] low and high round to the same float32 value: got low=${low}, high=${high}`,
      );
    }
    // `k ↦ stored(low + span · k/2^53)` is monotone (every rounding step is), so the draws that
    // would store a value >= high are exactly those with k >= kMax: find kMax by bisection once.
    // (A module-level helper, not a closure: captured variables would be context-allocated and
    // reloaded in the hot loop.)
    let kMax = 9007199254740992; // 2^53: every 53-bit k is accepted
    if (uniformStoredAt(kMax - 1, low, span, f32) >= highStored) {
      let lo = 0; // stored value at k = 0 = stored(low) < highStored, checked above
      let hi = kMax - 1; // stored value at hi is >= highStored
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (uniformStoredAt(mid, low, span, f32) >= highStored) hi = mid;
        else lo = mid;
      }
      kMax = hi;
    }
    // Inlined xoshiro128** on local copies of the state: no calls, no allocation per element.
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const n = out.length;
    for (let i = 0; i < n; i++) {
      let m = Math.imul(s1, 5);
      const a = Math.imul((m << 7) | (m >>> 25), 9) >>> 5;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      m = Math.imul(s1, 5);
      const b = Math.imul((m << 7) | (m >>> 25), 9) >>> 6;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const k = a * 67108864 + b;
      if (k >= kMax) {
        i--; // rare: this draw would store a value >= high; redraw the element
        continue;
      }
      out[i] = low + span * (k * INV_TWO_53);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /**
   * Fills `out` with normals N(mean, std²): `out[i] = mean + std · z` with `z` from
   * {@link nextNormal}, so the stream (including the cached spare) is exactly that of
   * `out.length` calls to `nextNormal()`.
   *
   * @throws ValueError if `mean` is not finite, or `std` is negative or not finite.
   */
  fillNormal(out: FloatArray, mean: number, std: number): void {
    const op = 'Generator.fillNormal';
    if (!Number.isFinite(mean)) {
      throw new ValueError(`[${op}] mean must be finite: got ${mean}`);
    }
    if (!Number.isFinite(std) || std < 0) {
      throw new ValueError(`[${op}] std must be finite and non-negative: got ${std}`);
    }
    const n = out.length;
    let i = 0;
    if (n > 0 && this.spare !== null) {
      out[i++] = mean + std * this.spare;
      this.spare = null;
    }
    for (; i + 1 < n; i += 2) {
      out[i] = mean + std * this.normalPair();
      out[i + 1] = mean + std * this.spare!;
      this.spare = null;
    }
    if (i < n) out[i] = mean + std * this.normalPair(); // leaves the pair's second value cached
  }

  /**
   * A uniform integer in `[0, range)` for `1 <= range <= 2^32`, without bias, by Lemire's
   * multiply-and-reject method: with `x` a 32-bit output, `m = x · range` (64-bit), the answer is
   * `⌊m / 2^32⌋`, rejecting `x` when `m mod 2^32 < 2^32 mod range`. The 64-bit product is formed
   * exactly from 16-bit halves of `x`.
   */
  private below(range: number): number {
    if (range === TWO_32) return this.nextUint32();
    for (;;) {
      const x = this.nextUint32();
      const lowWord = Math.imul(x, range) >>> 0;
      if (lowWord >= range || lowWord >= TWO_32 % range) {
        // x · range = xh · range · 2^16 + xl · range, each term exact in a double (< 2^48).
        const lowPart = (x & 0xffff) * range;
        const mid = (x >>> 16) * range + Math.floor(lowPart / 65536);
        return Math.floor(mid / 65536);
      }
    }
  }

  /**
   * A tensor of uniform samples in [low, high) (default [0, 1)), drawn as {@link fillUniform} draws them.
   */
  uniform(shape: readonly number[], opts: { low?: number; high?: number; dtype?: DType } = {}): Tensor {
    const s = checkShape('Generator.uniform', shape);
    const data = alloc(checkDType('Generator.uniform', opts.dtype ?? 'float32'), sizeOf(s));
    this.fillUniform(data, opts.low ?? 0, opts.high ?? 1);
    return new Tensor(data, s);
  }

  /** A tensor of normal samples N(mean, std²) (default N(0, 1)), drawn as {@link fillNormal} draws them. */
  normal(shape: readonly number[], opts: { mean?: number; std?: number; dtype?: DType } = {}): Tensor {
    const s = checkShape('Generator.normal', shape);
    const data = alloc(checkDType('Generator.normal', opts.dtype ?? 'float32'), sizeOf(s));
    this.fillNormal(data, opts.mean ?? 0, opts.std ?? 1);
    return new Tensor(data, s);
  }

  /**
   * `size` integers uniform in `[low, high)`, without bias (Lemire's method; see `below`).
   *
   * @throws ValueError if `size` is not a non-negative integer, `low`/`high` are not integers,
   * `low >= high`, or the range leaves int32 (`low >= -2^31`, `high <= 2^31`, so `high − low <= 2^32`).
   */
  integers(low: number, high: number, size: number): Int32Array {
    const op = 'Generator.integers';
    checkCount(size, op, 'size');
    const range = checkIntRange(low, high, op);
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) out[i] = low + this.below(range);
    return out;
  }

  /** One integer uniform in `[low, high)`; the same draw as `integers(low, high, 1)[0]`. */
  randint(low: number, high: number): number {
    const range = checkIntRange(low, high, 'Generator.randint');
    return low + this.below(range);
  }

  /**
   * A uniformly random permutation of `0..n-1` (Fisher-Yates: for `i = n−1 … 1`, swap element `i`
   * with a uniform `j ∈ [0, i]`).
   *
   * @throws ValueError if `n` is not a non-negative integer or exceeds 2^31.
   */
  permutation(n: number): Int32Array {
    const op = 'Generator.permutation';
    checkCount(n, op, 'n');
    if (n > 2147483648) {
      throw new ValueError(`[${op}] n must be at most 2147483648: got ${n}`);
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    this.shuffle(out);
    return out;
  }

  /** Shuffles `array` in place with Fisher-Yates; every ordering is equally likely. */
  shuffle<T>(array: T[] | Int32Array | Float32Array | Float64Array): void {
    const a = array as T[];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const tmp = a[i]!;
      a[i] = a[j]!;
      a[j] = tmp;
    }
  }

  /** An exact, JSON-serialisable copy of the state (state words as uint32, plus the cached normal). */
  getState(): GeneratorState {
    return {
      s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spare: this.spare,
    };
  }

  /**
   * Restores a state from {@link getState}; the generator then continues exactly as the one it was
   * taken from.
   *
   * @throws ValueError if `state.s` is not four integers in `[0, 2^32)`, is all zero, or
   * `state.spare` is neither `null` nor a finite number.
   */
  setState(state: GeneratorState): void {
    const op = 'Generator.setState';
    const s: unknown = state?.s;
    if (
      !Array.isArray(s) || s.length !== 4 ||
      !s.every((w: unknown) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w < TWO_32)
    ) {
      throw new ValueError(`[${op}] state.s must be four integers in [0, 2^32): got ${JSON.stringify(s)}`);
    }
    if (s.every((w: number) => w === 0)) {
      throw new ValueError(`[${op}] state.s must not be all zero: got [0,0,0,0]`);
    }
    const spare: unknown = state.spare;
    if (spare !== null && (typeof spare !== 'number' || !Number.isFinite(spare))) {
      throw new ValueError(`[${op}] state.spare must be null or a finite number: got ${String(spare)}`);
    }
    this.s0 = s[0] | 0;
    this.s1 = s[1] | 0;
    this.s2 = s[2] | 0;
    this.s3 = s[3] | 0;
    this.spare = spare;
  }

  /** An independent copy with the same state: both then produce the same stream. */
  clone(): Generator {
    const g = new Generator(0);
    g.setState(this.getState());
    return g;
  }

  /**
   * A new generator for a child component, seeded from this one's stream: four outputs of this
   * generator (advancing it by four), each passed through `fmix32` after adding a distinct Weyl
   * multiple, become the child's state. The child's stream is unrelated to the parent's continuing
   * stream (they are different points of the 2^128 − 1 cycle, overlap being astronomically unlikely).
   * Spawning is itself deterministic: the same parent state spawns the same child.
   */
  spawn(): Generator {
    const child = new Generator(0);
    const w: [number, number, number, number] = [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) w[i] = fmix32((this.nextUint32() + Math.imul(i + 1, GOLDEN)) | 0);
    if ((w[0] | w[1] | w[2] | w[3]) === 0) w[0] = GOLDEN; // all-zero is a fixed point of xoshiro
    child.setState({ s: w, spare: null });
    return child;
  }
}

let defaultGen: Generator | null = null;

/**
 * The process-wide default generator (seed 0), used by ops given no generator. Always the same
 * object; {@link manualSeed} reseeds it in place, so references to it see the reset.
 */
export function defaultGenerator(): Generator {
  defaultGen ??= new Generator(0);
  return defaultGen;
}

/**
 * Reseeds the default generator in place; it then produces exactly the stream of `new Generator(seed)`
 * (the cached normal is dropped).
 *
 * @throws ValueError if `seed` is not a non-negative safe integer.
 */
export function manualSeed(seed: number): void {
  const s = seedState(seed, 'manualSeed');
  defaultGenerator().setState({ s, spare: null });
}
