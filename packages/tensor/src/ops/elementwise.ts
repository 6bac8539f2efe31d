/**
 * Elementwise ops. Each op is a row kernel (a top-level function over one strided row, so the JIT sees plain
 * typed-array loops and no closure) driven by the shared strided iterators in `kernels/iter.ts`. Binary ops
 * follow NumPy broadcasting; a number operand is a rank-0 tensor of the other operand's dtype.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { checkSameDType, type FloatArray } from '../dtype.js';
import { copyRow, map1, map2, map3, type RowKernel1, type RowKernel2 } from '../kernels/iter.js';
import { wasmActive } from '../kernels/backend.js';
import {
  W_ABS, W_ADD, W_DIV, W_EQ, W_GE, W_GT, W_LE, W_LT, W_MUL, W_NE, W_NEG, W_RELU, W_RELU_BACK, W_SQRT, W_SQUARE, W_SUB,
  binaryWasm, tanhWasm, unaryWasm, wasmBinary, wasmUnary,
} from '../kernels/wasm/elementwise.js';

/**
 * Fewest elements of a contiguous float32 row for which tanh runs on the wasm kernel (backend 'wasm'); shorter
 * rows stay on Math.tanh, where the copies would dominate. Measured: docs/tensor.md §6.
 */
const WASM_TANH_MIN = 64;
import { broadcastShapes, broadcastStrides, contiguousStrides, sizeOf } from '../shape.js';
import { Tensor, alloc, allocOverwritten, type DType, type TensorLike } from '../tensor.js';

/** Wraps a number as a rank-0 tensor of `dtype`. */
export function scalar(v: number, dtype: DType = 'float32'): Tensor {
  const data = alloc(dtype, 1);
  data[0] = v;
  return new Tensor(data, []);
}

function checkOperand(op: string, x: unknown): void {
  if (!(x instanceof Tensor) && typeof x !== 'number') {
    const what = x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
    throw new ValueError(`[${op}] expected a Tensor or a number: got ${what}`);
  }
}

/** Turns two operands into tensors of one dtype, or throws. */
export function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  checkOperand(op, a);
  checkOperand(op, b);
  if (typeof a === 'number') a = scalar(a, typeof b === 'number' ? 'float32' : b.dtype);
  if (typeof b === 'number') b = scalar(b, a.dtype);
  checkSameDType(op, a, b);
  return [a, b];
}

/** Runs a binary row kernel over the broadcast shape of a and b into a fresh contiguous tensor. */
export function binary(op: string, a: TensorLike, b: TensorLike, kernel: RowKernel2): Tensor {
  const [x, y] = operands(op, a, b);
  const shape = broadcastShapes(op, x.shape, y.shape);
  const out = allocOverwritten(x.dtype, sizeOf(shape));
  map2(
    shape, out, 0, contiguousStrides(shape),
    x.data, x.offset, broadcastStrides(x.shape, x.strides, shape),
    y.data, y.offset, broadcastStrides(y.shape, y.strides, shape),
    kernel,
  );
  return new Tensor(out, shape);
}

/** Runs a unary row kernel (with up to two scalar parameters) into a fresh contiguous tensor. */
export function unary(op: string, x: Tensor, kernel: RowKernel1, p1 = 0, p2 = 0): Tensor {
  if (!(x instanceof Tensor)) {
    const what = x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
    throw new ValueError(`[${op}] expected a Tensor: got ${what}`);
  }
  const out = allocOverwritten(x.dtype, x.size);
  map1(x.shape, out, 0, contiguousStrides(x.shape), x.data, x.offset, x.strides, kernel, p1, p2);
  return new Tensor(out, x.shape.slice());
}

// Binary row kernels: o[d] = a[ia] ∘ b[ib] along one row. Float32 rows of the exact ops (+ − × ÷, the
// comparisons; neg, abs, square, sqrt, relu below) that are contiguous or broadcast a scalar along the row go to
// the wasm rows on the 'wasm' backend (kernels/wasm/elementwise.ts says why even an add pays there); the two give
// the same bits.
type A = FloatArray;
function wasm2(op: number, o: A, d: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  binaryWasm(op, o as Float32Array, d, a as Float32Array, ia, sa, b as Float32Array, ib, sb, n);
}
function wasm1(op: number, o: A, d: number, a: A, s: number, n: number): void {
  unaryWasm(op, o as Float32Array, d, a as Float32Array, s, n);
}
function addRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_ADD, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = a[ia]! + b[ib]!;
}
function subRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_SUB, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = a[ia]! - b[ib]!;
}
function mulRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_MUL, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = a[ia]! * b[ib]!;
}
function divRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_DIV, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = a[ia]! / b[ib]!;
}
function powRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = Math.pow(a[ia]!, b[ib]!);
}
// maximum/minimum propagate NaN, as NumPy's and PyTorch's do.
function maximumRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) {
    const x = a[ia]!, y = b[ib]!;
    o[d] = x > y || x !== x ? x : y;
  }
}
function minimumRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) {
    const x = a[ia]!, y = b[ib]!;
    o[d] = x < y || x !== x ? x : y;
  }
}
// Comparisons store +(a ∘ b): the boolean becomes 1 or 0 without a branch (a data-dependent branch, taken
// half the time as for a ReLU mask, made these rows ~2.5× slower than a multiply).
function equalRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_EQ, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = +(a[ia]! === b[ib]!);
}
function notEqualRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_NE, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = +(a[ia]! !== b[ib]!);
}
function greaterRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_GT, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = +(a[ia]! > b[ib]!);
}
// relu's VJP selects rather than multiplies (see reluBackward); the branch costs only the TypeScript rows (float64,
// short rows, the 'js' backend), and it keeps their bits equal to the wasm row's mask.
function reluBackwardRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_RELU_BACK, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = b[ib]! > 0 ? a[ia]! : 0;
}
function greaterEqualRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_GE, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = +(a[ia]! >= b[ib]!);
}
function lessRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_LT, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = +(a[ia]! < b[ib]!);
}
function lessEqualRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  if (wasmBinary(o, ds, a, sa, b, sb, n)) return wasm2(W_LE, o, d, a, ia, sa, b, ib, sb, n);
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) o[d] = +(a[ia]! <= b[ib]!);
}

/** a + b, broadcast. ∂/∂a = 1, ∂/∂b = 1. */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b, addRow);
/** a − b, broadcast. ∂/∂a = 1, ∂/∂b = −1. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b, subRow);
/** a · b, broadcast. ∂/∂a = b, ∂/∂b = a. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b, mulRow);
/** a / b, broadcast (IEEE: x/0 = ±Infinity, 0/0 = NaN). ∂/∂a = 1/b, ∂/∂b = −a/b². */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b, divRow);
/** a^b, broadcast, as Math.pow. ∂/∂a = b·a^(b−1), ∂/∂b = a^b·ln a. */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b, powRow);
/** max(a, b) elementwise, NaN-propagating. ∂/∂a = [a > b], ∂/∂b = [b > a]; autograd splits a tie ½ and ½. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b, maximumRow);
/** min(a, b) elementwise, NaN-propagating. ∂/∂a = [a < b], ∂/∂b = [b < a]; autograd splits a tie ½ and ½. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b, minimumRow);
/** 1 where a = b, else 0 (in the operands' dtype). Piecewise constant: derivative 0. */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary('equal', a, b, equalRow);
/** 1 where a ≠ b, else 0. */
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => binary('notEqual', a, b, notEqualRow);
/** 1 where a > b, else 0. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binary('greater', a, b, greaterRow);
/** 1 where a ≥ b, else 0. */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => binary('greaterEqual', a, b, greaterEqualRow);
/** 1 where a < b, else 0. */
export const less = (a: TensorLike, b: TensorLike): Tensor => binary('less', a, b, lessRow);
/** 1 where a ≤ b, else 0. */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binary('lessEqual', a, b, lessEqualRow);

/**
 * The VJP of relu, in one pass: g where x > 0, else 0 — g ⊙ [x > 0], except that a masked element is +0 even
 * where g is negative or not finite (as PyTorch's threshold_backward; a product with the mask would give −0,
 * and NaN for ±∞·0). g and x broadcast together. Linear in g (its VJP in g is reluBackward(h, x)); piecewise
 * constant in x.
 */
export const reluBackward = (g: TensorLike, x: TensorLike): Tensor => binary('reluBackward', g, x, reluBackwardRow);

// Unary row kernels: o[d] = f(a[s]) along one row.
function negRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  if (wasmUnary(o, ds, a, ss, n)) return wasm1(W_NEG, o, d, a, s, n);
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = -a[s]!;
}
function absRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  if (wasmUnary(o, ds, a, ss, n)) return wasm1(W_ABS, o, d, a, s, n);
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = Math.abs(a[s]!);
}
function signRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) {
    const x = a[s]!;
    o[d] = x > 0 ? 1 : x < 0 ? -1 : x; // 0 stays 0, NaN stays NaN
  }
}
function expRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = Math.exp(a[s]!);
}
function logRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = Math.log(a[s]!);
}
function log1pRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = Math.log1p(a[s]!);
}
function expm1Row(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = Math.expm1(a[s]!);
}
function sqrtRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  if (wasmUnary(o, ds, a, ss, n)) return wasm1(W_SQRT, o, d, a, s, n);
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = Math.sqrt(a[s]!);
}
function rsqrtRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = 1 / Math.sqrt(a[s]!);
}
function squareRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  if (wasmUnary(o, ds, a, ss, n)) return wasm1(W_SQUARE, o, d, a, s, n);
  for (let i = 0; i < n; i++, d += ds, s += ss) {
    const x = a[s]!;
    o[d] = x * x;
  }
}
function reciprocalRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = 1 / a[s]!;
}
function sinRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = Math.sin(a[s]!);
}
function cosRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = Math.cos(a[s]!);
}
// Contiguous float32 rows of at least WASM_TANH_MIN elements go to the wasm kernel on the 'wasm' backend.
function tanhRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  if (n >= WASM_TANH_MIN && ds === 1 && ss === 1 && a instanceof Float32Array && o instanceof Float32Array && wasmActive()) {
    tanhWasm(a, s, o, d, n);
    return;
  }
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = Math.tanh(a[s]!);
}
// σ(x) = 1/(1+e^−x) for x ≥ 0 and e^x/(1+e^x) for x < 0: the exponential never overflows.
function sigmoidRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) {
    const x = a[s]!;
    if (x >= 0) o[d] = 1 / (1 + Math.exp(-x));
    else {
      const e = Math.exp(x);
      o[d] = e / (1 + e);
    }
  }
}
// max(x, 0). For float32, as (x + |x|)/2: no data-dependent branch (one taken half the time made the row ~2.5×
// slower), and exact for every finite value and NaN, since x + x cannot overflow in float64; only −∞ would
// give NaN, so a row holding a non-finite value (its Σ x·0 is NaN) is redone with the comparison. float64
// keeps the comparison (x + x overflows near the largest double). −0 gives +0 either way; NaN propagates.
function reluRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  if (wasmUnary(o, ds, a, ss, n)) return wasm1(W_RELU, o, d, a, s, n);
  if (a instanceof Float32Array) {
    const d0 = d, s0 = s;
    let chk = 0;
    for (let i = 0; i < n; i++, d += ds, s += ss) {
      const x = a[s]!;
      chk += x * 0;
      o[d] = (x + Math.abs(x)) * 0.5;
    }
    if (chk === 0) return;
    d = d0;
    s = s0;
  }
  for (let i = 0; i < n; i++, d += ds, s += ss) {
    const x = a[s]!;
    o[d] = x > 0 || x !== x ? x : 0;
  }
}
// softplus(x) = log(1+e^x) = max(x,0) + log1p(e^−|x|): stable for x = ±1000.
function softplusRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) {
    const x = a[s]!;
    o[d] = (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }
}
// erf to about 1e-15 relative (against the C library's erf over [−6.5, 6.5]; Abramowitz–Stegun 7.1.26, good to
// 1e-7, would fail float64 gradient checks). |x| < 2.5: erf x = 2/√π · e^(−x²) · Σ 2ⁿx^(2n+1)/(1·3···(2n+1)),
// a series of positive terms (no cancellation; under 45 terms). 2.5 ≤ |x| < 6: 1 − erfc x, with erfc from its
// continued fraction e^(−x²)/√π / (x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), 40 levels evaluated from the tail.
// |x| ≥ 6: ±1 (1 − erfc 6 rounds to 1). NaN stays NaN.
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
function erfScalar(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = ax, s = ax;
    for (let n = 1; term > s * 1e-17; n++) {
      term *= (2 * x2) / (2 * n + 1);
      s += term;
    }
    const r = TWO_OVER_SQRT_PI * Math.exp(-x2) * s;
    return x < 0 ? -r : r;
  }
  if (ax >= 6) return x < 0 ? -1 : 1;
  if (ax !== ax) return x;
  let t = ax;
  for (let k = 40; k > 0; k--) t = ax + (0.5 * k) / t;
  const r = 1 - (Math.exp(-ax * ax) * INV_SQRT_PI) / t;
  return x < 0 ? -r : r;
}
function erfRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) o[d] = erfScalar(a[s]!);
}
function clampRow(o: A, d: number, ds: number, a: A, s: number, ss: number, n: number, lo: number, hi: number): void {
  for (let i = 0; i < n; i++, d += ds, s += ss) {
    const x = a[s]!;
    o[d] = x < lo ? lo : x > hi ? hi : x;
  }
}

/** −x. d/dx = −1. */
export const neg = (x: Tensor): Tensor => unary('neg', x, negRow);
/** |x|. d/dx = sign(x). */
export const abs = (x: Tensor): Tensor => unary('abs', x, absRow);
/** sign(x) ∈ {−1, 0, 1} (NaN stays NaN). Derivative 0. */
export const sign = (x: Tensor): Tensor => unary('sign', x, signRow);
/** eˣ. d/dx = eˣ. */
export const exp = (x: Tensor): Tensor => unary('exp', x, expRow);
/** ln x (NaN for x < 0, −Infinity at 0). d/dx = 1/x. */
export const log = (x: Tensor): Tensor => unary('log', x, logRow);
/** ln(1 + x), accurate near 0. d/dx = 1/(1+x). */
export const log1p = (x: Tensor): Tensor => unary('log1p', x, log1pRow);
/** eˣ − 1, accurate near 0. d/dx = eˣ. */
export const expm1 = (x: Tensor): Tensor => unary('expm1', x, expm1Row);
/** √x. d/dx = 1/(2√x). */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, sqrtRow);
/** 1/√x. d/dx = −½·x^(−3/2). */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x, rsqrtRow);
/** x². d/dx = 2x. */
export const square = (x: Tensor): Tensor => unary('square', x, squareRow);
/** 1/x. d/dx = −1/x². */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x, reciprocalRow);
/** sin x. d/dx = cos x. */
export const sin = (x: Tensor): Tensor => unary('sin', x, sinRow);
/** cos x. d/dx = −sin x. */
export const cos = (x: Tensor): Tensor => unary('cos', x, cosRow);
/** tanh x. d/dx = 1 − tanh² x. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x, tanhRow);
/** σ(x) = 1/(1 + e^−x), computed without overflow. d/dx = σ(x)(1 − σ(x)). */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x, sigmoidRow);
/** max(x, 0). d/dx = 1 for x > 0, 0 otherwise. */
export const relu = (x: Tensor): Tensor => unary('relu', x, reluRow);
/** log(1 + eˣ), computed without overflow. d/dx = σ(x). */
export const softplus = (x: Tensor): Tensor => unary('softplus', x, softplusRow);
/** The error function erf x = 2/√π ∫₀ˣ e^(−t²) dt, to about 1e-15 relative. d/dx = 2/√π · e^(−x²). */
export const erf = (x: Tensor): Tensor => unary('erf', x, erfRow);

/** Clips x to [min, max] (either bound may be omitted). d/dx = 1 inside the interval, 0 outside. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  if (typeof lo !== 'number' || typeof hi !== 'number' || Number.isNaN(lo) || Number.isNaN(hi)) {
    throw new ValueError(`[clamp] bounds must be numbers: got min ${String(min)}, max ${String(max)}`);
  }
  if (lo > hi) throw new ValueError(`[clamp] min must not exceed max: got min ${lo}, max ${hi}`);
  return unary('clamp', x, clampRow, lo, hi);
}

function whereRow(
  o: A, d: number, ds: number, c: A, ic: number, sc: number,
  a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number,
): void {
  for (let i = 0; i < n; i++, d += ds, ic += sc, ia += sa, ib += sb) o[d] = c[ic]! !== 0 ? a[ia]! : b[ib]!;
}

/** Broadcast shape of three operands; an error names all three shapes, as the caller passed them. */
function broadcast3(op: string, c: readonly number[], a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(c.length, a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const ds = [c, a, b].map((s) => (i < n - s.length ? 1 : s[i - (n - s.length)]!));
    const big = ds.filter((d) => d !== 1);
    if (big.some((d) => d !== big[0])) {
      throw new ShapeError(
        `[${op}] cannot broadcast ${fmtShape(c)}, ${fmtShape(a)} and ${fmtShape(b)}: axis ${i} has sizes ${ds[0]}, ${ds[1]} and ${ds[2]}`,
      );
    }
    out[i] = big.length > 0 ? big[0]! : 1;
  }
  return out;
}

/**
 * Picks a where cond is nonzero and b elsewhere; all three broadcast together. cond may have either dtype.
 * ∂/∂a = [cond ≠ 0], ∂/∂b = [cond = 0].
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkOperand('where', cond);
  if (!(cond instanceof Tensor)) throw new ValueError(`[where] condition must be a Tensor: got a number`);
  // Two number branches take the condition's dtype (operands() alone would make them float32).
  const [x, y] = typeof a === 'number' && typeof b === 'number' ? [scalar(a, cond.dtype), scalar(b, cond.dtype)] : operands('where', a, b);
  const shape = broadcast3('where', cond.shape, x.shape, y.shape);
  const out = allocOverwritten(x.dtype, sizeOf(shape));
  map3(
    shape, out, 0, contiguousStrides(shape),
    cond.data, cond.offset, broadcastStrides(cond.shape, cond.strides, shape),
    x.data, x.offset, broadcastStrides(x.shape, x.strides, shape),
    y.data, y.offset, broadcastStrides(y.shape, y.strides, shape),
    whereRow,
  );
  return new Tensor(out, shape);
}

/** Tolerances of `allclose`. */
export interface AllcloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Whether NaN equals NaN (default false). */
  equalNan?: boolean;
}

/**
 * True when |a − b| ≤ atol + rtol·|b| everywhere (NumPy's rule, so not symmetric in a and b); shapes broadcast.
 * Infinities compare equal only to the same infinity. The dtypes may differ.
 */
export function allclose(a: TensorLike, b: TensorLike, opts: AllcloseOptions = {}): boolean {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = opts;
  checkOperand('allclose', a);
  checkOperand('allclose', b);
  const x = typeof a === 'number' ? scalar(a, 'float64') : a;
  const y = typeof b === 'number' ? scalar(b, 'float64') : b;
  const shape = broadcastShapes('allclose', x.shape, y.shape);
  const n = sizeOf(shape);
  const diff = new Float64Array(n);
  const strides = contiguousStrides(shape);
  const yStr = broadcastStrides(y.shape, y.strides, shape);
  map2(
    shape, diff, 0, strides,
    x.data, x.offset, broadcastStrides(x.shape, x.strides, shape),
    y.data, y.offset, yStr,
    equalNan ? closeNanRow : closeRow,
  );
  const ref = new Float64Array(n);
  map1(shape, ref, 0, strides, y.data, y.offset, yStr, copyRow);
  // diff is Infinity for a NaN or infinity that does not match; there the tolerance may be Infinity or NaN too
  // (b = ±∞ or NaN), so it must not be compared against it.
  for (let i = 0; i < n; i++) {
    const d = diff[i]!;
    if (d === 0) continue;
    if (d === Infinity || !(d <= atol + rtol * Math.abs(ref[i]!))) return false;
  }
  return true;
}

// closeRow stores |a−b| when both are finite, 0 for identical values (equal infinities), and Infinity when
// exactly one is NaN or infinite.
function closeRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) {
    const x = a[ia]!, y = b[ib]!;
    o[d] = x === y ? 0 : Number.isFinite(x) && Number.isFinite(y) ? Math.abs(x - y) : Infinity;
  }
}
function closeNanRow(o: A, d: number, ds: number, a: A, ia: number, sa: number, b: A, ib: number, sb: number, n: number): void {
  for (let i = 0; i < n; i++, d += ds, ia += sa, ib += sb) {
    const x = a[ia]!, y = b[ib]!;
    o[d] = x === y || (x !== x && y !== y) ? 0 : Number.isFinite(x) && Number.isFinite(y) ? Math.abs(x - y) : Infinity;
  }
}

