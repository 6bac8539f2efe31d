/*
 * Elementwise float32 kernels: tanh (Math.tanh was ~30% of the DrLIM step on the TypeScript kernels), and the
 * exact binary and unary rows further down.
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

/*
 * Binary rows: dst[i] = a[i] ∘ b[i] for i < n, where either operand may be a scalar broadcast along the row
 * (aStep or bStep 0, else 1). Measured on this VM, the TypeScript rows run at 3.5–6 ns per float32 element (a
 * load, a float64 op and a rounding store each, with bounds checks) while copying the row into wasm memory and
 * back costs ~0.13 ns per element and array: so even a multiply pays for its copies by 5× once it runs four lanes
 * at a time here. +, −, ×, ÷ round once to float32 in both (JavaScript's float64 result of two float32 operands
 * rounds to the same float32), so the two backends agree bit for bit. Comparisons store 1 or 0.
 *
 * One inlined body per op: `op` is a constant at every call site below, so Binaryen folds the switch away.
 */
const OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3;
const OP_GT = 4, OP_GE = 5, OP_LT = 6, OP_LE = 7, OP_EQ = 8, OP_NE = 9;
/** relu's VJP: x where y > 0, else +0 (a bitwise and with the comparison's mask). */
const OP_RELU_BACK = 10;

// @ts-ignore: decorator
@inline function vop(op: i32, x: v128, y: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case OP_ADD: return f32x4.add(x, y);
    case OP_SUB: return f32x4.sub(x, y);
    case OP_MUL: return f32x4.mul(x, y);
    case OP_DIV: return f32x4.div(x, y);
    case OP_GT: return v128.and(f32x4.gt(x, y), one);
    case OP_GE: return v128.and(f32x4.ge(x, y), one);
    case OP_LT: return v128.and(f32x4.lt(x, y), one);
    case OP_LE: return v128.and(f32x4.le(x, y), one);
    case OP_EQ: return v128.and(f32x4.eq(x, y), one);
    case OP_RELU_BACK: return v128.and(x, f32x4.gt(y, f32x4.splat(0)));
    default: return v128.and(f32x4.ne(x, y), one);
  }
}

// @ts-ignore: decorator
@inline function sop(op: i32, x: f32, y: f32): f32 {
  switch (op) {
    case OP_ADD: return x + y;
    case OP_SUB: return x - y;
    case OP_MUL: return x * y;
    case OP_DIV: return x / y;
    case OP_GT: return x > y ? 1 : 0;
    case OP_GE: return x >= y ? 1 : 0;
    case OP_LT: return x < y ? 1 : 0;
    case OP_LE: return x <= y ? 1 : 0;
    case OP_EQ: return x == y ? 1 : 0;
    case OP_RELU_BACK: return y > 0 ? x : 0;
    default: return x != y ? 1 : 0;
  }
}

// @ts-ignore: decorator
@inline function binary(op: i32, a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  if (aStep != 0 && bStep != 0) {
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, vop(op, v128.load(a + o), v128.load(b + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(dst + o, sop(op, load<f32>(a + o), load<f32>(b + o)));
    }
  } else if (bStep == 0) {
    const y = load<f32>(b), yy = f32x4.splat(y);
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, vop(op, v128.load(a + o), yy));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(dst + o, sop(op, load<f32>(a + o), y));
    }
  } else {
    const x = load<f32>(a), xx = f32x4.splat(x);
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, vop(op, xx, v128.load(b + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(dst + o, sop(op, x, load<f32>(b + o)));
    }
  }
}

/** dst = a + b over n float32 (aStep/bStep 0: that operand is one scalar). */
export function addRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_ADD, a, aStep, b, bStep, dst, n); }
/** dst = a − b. */
export function subRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_SUB, a, aStep, b, bStep, dst, n); }
/** dst = a · b. */
export function mulRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_MUL, a, aStep, b, bStep, dst, n); }
/** dst = a / b. */
export function divRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_DIV, a, aStep, b, bStep, dst, n); }
/** dst = +(a > b). */
export function greaterRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_GT, a, aStep, b, bStep, dst, n); }
/** dst = +(a ≥ b). */
export function greaterEqualRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_GE, a, aStep, b, bStep, dst, n); }
/** dst = +(a < b). */
export function lessRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_LT, a, aStep, b, bStep, dst, n); }
/** dst = +(a ≤ b). */
export function lessEqualRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_LE, a, aStep, b, bStep, dst, n); }
/** dst = +(a = b). */
export function equalRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_EQ, a, aStep, b, bStep, dst, n); }
/** dst = +(a ≠ b). */
export function notEqualRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_NE, a, aStep, b, bStep, dst, n); }
/** dst = a where b > 0, else +0 (relu's VJP, a = g and b = x). */
export function reluBackwardRow(a: usize, aStep: i32, b: usize, bStep: i32, dst: usize, n: i32): void { binary(OP_RELU_BACK, a, aStep, b, bStep, dst, n); }

/*
 * Unary rows that are exact in float32 (so bit-identical to the TypeScript rows): max(x, 0), −x, |x|, x², √x.
 * f32x4.max(x, 0) gives +0 for −0 and NaN for NaN, as the TypeScript relu does.
 */
const UN_RELU = 0, UN_NEG = 1, UN_ABS = 2, UN_SQUARE = 3, UN_SQRT = 4;

// @ts-ignore: decorator
@inline function uop(op: i32, x: v128): v128 {
  switch (op) {
    case UN_RELU: return f32x4.max(x, f32x4.splat(0));
    case UN_NEG: return f32x4.neg(x);
    case UN_ABS: return f32x4.abs(x);
    case UN_SQUARE: return f32x4.mul(x, x);
    default: return f32x4.sqrt(x);
  }
}

// @ts-ignore: decorator
@inline function unary(op: i32, src: usize, dst: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, uop(op, v128.load(src + o)));
  }
  // The tail through the same vector op, one lane used: no second (scalar) definition to keep in step.
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, f32x4.extract_lane(uop(op, f32x4.splat(load<f32>(src + o))), 0));
  }
}

/** dst = max(src, 0). */
export function reluRow(src: usize, dst: usize, n: i32): void { unary(UN_RELU, src, dst, n); }
/** dst = −src. */
export function negRow(src: usize, dst: usize, n: i32): void { unary(UN_NEG, src, dst, n); }
/** dst = |src|. */
export function absRow(src: usize, dst: usize, n: i32): void { unary(UN_ABS, src, dst, n); }
/** dst = src². */
export function squareRow(src: usize, dst: usize, n: i32): void { unary(UN_SQUARE, src, dst, n); }
/** dst = √src. */
export function sqrtRow(src: usize, dst: usize, n: i32): void { unary(UN_SQRT, src, dst, n); }

/**
 * Σ src[i] for i < n (float32 values, summed in float64): two f64x2 accumulators over the float32 lanes promoted
 * to float64, then the scalar tail. The TypeScript reduction sums in float64 too, in index order; the two orders
 * round differently only in float64's last bits, far below a float32 result's resolution (but not always the same
 * float32 after rounding: the backends are not bit-identical for sums, as for products).
 */
export function sumRowF64(src: usize, n: i32): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const v = v128.load(src + (<usize>i << 2));
    a = f64x2.add(a, f64x2.promote_low_f32x4(v));
    b = f64x2.add(b, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
  }
  let t = (f64x2.extract_lane(a, 0) + f64x2.extract_lane(b, 0)) + (f64x2.extract_lane(a, 1) + f64x2.extract_lane(b, 1));
  for (; i < n; i++) t += <f64>load<f32>(src + (<usize>i << 2));
  return t;
}
