/*
 * Elementwise float32 kernels the DrLIM step's profile singles out (Math.tanh was ~30% of the step on the TS
 * kernels; plain adds and multiplies are memory-bound, so copying them into wasm memory would cost what SIMD
 * saves, and they stay in TypeScript).
 */

// tanh as the rational function Eigen uses for float (generic_fast_tanh_float): a degree-13 odd numerator over
// a degree-6 even denominator, on x clamped to ±7.9053111 (beyond it tanh rounds to ±1 in float32), and x itself
// for |x| < 4e-4. Measured against Math.tanh on 2·10⁶ float32 inputs in [−12, 12]: at most 6 ulp (relative
// error ≤ 3.8e-7). NaN propagates (min/max keep NaN), ±∞ give ±1.
const A1: f32 = 4.89352455891786e-3;
const A3: f32 = 6.37261928875436e-4;
const A5: f32 = 1.48572235717979e-5;
const A7: f32 = 5.12229709037114e-8;
const A9: f32 = -8.60467152213735e-11;
const A11: f32 = 2.00018790482477e-13;
const A13: f32 = -2.76076847742355e-16;
const B0: f32 = 4.89352518554385e-3;
const B2: f32 = 2.268434632439e-3;
const B4: f32 = 1.18534705686654e-4;
const B6: f32 = 1.19825839466702e-6;
const CLAMP: f32 = 7.90531110763549805;
const TINY: f32 = 4e-4;

/** tanh of one float32, the same operations as one lane of tanhRow's vector loop (so the tail matches it). */
function tanh1(x: f32): f32 {
  const c = max(-CLAMP, min(CLAMP, x));
  const x2 = c * c;
  let p = x2 * A13 + A11;
  p = x2 * p + A9;
  p = x2 * p + A7;
  p = x2 * p + A5;
  p = x2 * p + A3;
  p = x2 * p + A1;
  p = c * p;
  let q = x2 * B6 + B4;
  q = x2 * q + B2;
  q = x2 * q + B0;
  return abs(x) < TINY ? x : p / q;
}

/** dst[i] = tanh(src[i]) for i < n (float32 arrays at byte addresses src, dst; they may be the same). */
export function tanhRow(src: usize, dst: usize, n: i32): void {
  const hi = f32x4.splat(CLAMP), lo = f32x4.splat(-CLAMP), tiny = f32x4.splat(TINY);
  const end4 = src + (<usize>(n & ~3) << 2);
  const end = src + (<usize>n << 2);
  while (src < end4) {
    const x = v128.load(src);
    const c = f32x4.max(lo, f32x4.min(hi, x));
    const x2 = f32x4.mul(c, c);
    let p = f32x4.add(f32x4.mul(x2, f32x4.splat(A13)), f32x4.splat(A11));
    p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A9));
    p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A7));
    p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A5));
    p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A3));
    p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A1));
    p = f32x4.mul(c, p);
    let q = f32x4.add(f32x4.mul(x2, f32x4.splat(B6)), f32x4.splat(B4));
    q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(B2));
    q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(B0));
    const small = f32x4.lt(f32x4.abs(x), tiny);
    v128.store(dst, v128.bitselect(x, f32x4.div(p, q), small));
    src += 16;
    dst += 16;
  }
  while (src < end) {
    store<f32>(dst, tanh1(load<f32>(src)));
    src += 4;
    dst += 4;
  }
}
