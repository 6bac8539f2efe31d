/**
 * Elementwise float32 rows on the wasm kernels (assembly/elementwise.ts): copy a block of each operand into the
 * arena, compute, copy the block out. The TypeScript rows run at 3.5–6 ns per float32 element on the machines
 * we measure (a float64 op and a rounding store per element, with bounds checks), the copies at ~0.13 ns per
 * element and array, and the SIMD loop four lanes at a time, so even an add pays for its copies several times
 * over once a row is a few dozen elements long (docs/tensor.md §6). The binary and unary rows here are exact in
 * float32, so both backends give the same bits; tanh is a rational approximation (≤ 6 ulp).
 */
import { ROW_BLOCK_BYTES, getRowRuntime, type KernelExports, type RowRuntime } from './runtime.js';
import { wasmActive } from '../backend.js';

/** Elements per operand block: two 32 KiB blocks stay in L1/L2 between the copy in, the kernel and the copy out. */
export const ROW_BLOCK = ROW_BLOCK_BYTES / 4;
/**
 * Fewest elements of a row for which the exact rows run on wasm (shorter rows stay in TypeScript). Measured
 * (whole ops on contiguous float32, one process, interleaved, medians of five): mul 1.8 / 1.9 µs (js / wasm)
 * at 64 elements, 3.2 / 2.8 at 128, 7.9 / 4.5 at 512; relu 1.5 / 1.5 at 64, 2.6 / 2.3 at 128.
 */
export const WASM_ROW_MIN = 128;

/** dst[d + i] = tanh(src[s + i]) for i < n, contiguous float32 (max 6 ulp from Math.tanh; NaN and ±∞ as tanh). */
export function tanhWasm(src: Float32Array, s: number, dst: Float32Array, d: number, n: number): void {
  const rt = getRowRuntime()!;
  const A = rt.base / 4, f = rt.f32;
  for (let i = 0; i < n; i += ROW_BLOCK) {
    const m = Math.min(ROW_BLOCK, n - i);
    f.set(src.subarray(s + i, s + i + m), A);
    rt.exports.tanhRow(rt.base, rt.base, m);
    dst.set(f.subarray(A, A + m), d + i);
  }
}

/** The exact binary rows, by the index the TypeScript row kernels pass (the order of `tables` below). */
export const W_ADD = 0, W_SUB = 1, W_MUL = 2, W_DIV = 3, W_GT = 4, W_GE = 5, W_LT = 6, W_LE = 7, W_EQ = 8, W_NE = 9;
/** relu's VJP row: a where b > 0, else +0. */
export const W_RELU_BACK = 10;
/** The exact unary rows, by index. */
export const W_RELU = 0, W_NEG = 1, W_ABS = 2, W_SQUARE = 3, W_SQRT = 4;

type BinaryFn = KernelExports['addRow'];
type UnaryFn = KernelExports['reluRow'];
let binaryFns: BinaryFn[] = [];
let unaryFns: UnaryFn[] = [];

function tables(rt: RowRuntime): void {
  const e = rt.exports;
  binaryFns = [
    e.addRow, e.subRow, e.mulRow, e.divRow, e.greaterRow, e.greaterEqualRow, e.lessRow, e.lessEqualRow, e.equalRow, e.notEqualRow,
    e.reluBackwardRow,
  ];
  unaryFns = [e.reluRow, e.negRow, e.absRow, e.squareRow, e.sqrtRow];
}

/**
 * True when a binary row (destination stride ds, operand strides sa, sb, length n) takes the wasm path: every
 * array float32, the destination contiguous, each operand contiguous or a scalar broadcast along the row (stride
 * 0, not both), n ≥ {@link WASM_ROW_MIN}, backend 'wasm'.
 */
export function wasmBinary(o: unknown, ds: number, a: unknown, sa: number, b: unknown, sb: number, n: number): boolean {
  return n >= WASM_ROW_MIN && ds === 1 && (sa === 1 || (sa === 0 && sb === 1)) && (sb === 1 || sb === 0) &&
    o instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array && wasmActive();
}

/** True when a unary row takes the wasm path: float32, both contiguous, n ≥ {@link WASM_ROW_MIN}, backend 'wasm'. */
export function wasmUnary(o: unknown, ds: number, a: unknown, ss: number, n: number): boolean {
  return n >= WASM_ROW_MIN && ds === 1 && ss === 1 && o instanceof Float32Array && a instanceof Float32Array &&
    wasmActive();
}

/**
 * o[d + i] = a[ia + i·sa] ∘ b[ib + i·sb] for i < n on the wasm row `op`, where sa, sb ∈ {0, 1} and not both 0
 * (checked by {@link wasmBinary}).
 */
export function binaryWasm(
  op: number, o: Float32Array, d: number, a: Float32Array, ia: number, sa: number,
  b: Float32Array, ib: number, sb: number, n: number,
): void {
  const rt = getRowRuntime()!;
  if (binaryFns.length === 0) tables(rt);
  const fn = binaryFns[op]!;
  const A = rt.base / 4, B = A + ROW_BLOCK, f = rt.f32;
  if (sa === 0) f[A] = a[ia]!;
  if (sb === 0) f[B] = b[ib]!;
  // The result overwrites a block that is read element by element (never a scalar's slot).
  const out = sa !== 0 ? A : B;
  for (let i = 0; i < n; i += ROW_BLOCK) {
    const m = Math.min(ROW_BLOCK, n - i);
    if (sa !== 0) f.set(a.subarray(ia + i, ia + i + m), A);
    if (sb !== 0) f.set(b.subarray(ib + i, ib + i + m), B);
    fn(A * 4, sa, B * 4, sb, out * 4, m);
    o.set(f.subarray(out, out + m), d + i);
  }
}

/** o[d + i] = f(a[s + i]) for i < n on the wasm row `op` (contiguous float32). */
export function unaryWasm(op: number, o: Float32Array, d: number, a: Float32Array, s: number, n: number): void {
  const rt = getRowRuntime()!;
  if (unaryFns.length === 0) tables(rt);
  const fn = unaryFns[op]!;
  const A = rt.base / 4, f = rt.f32;
  for (let i = 0; i < n; i += ROW_BLOCK) {
    const m = Math.min(ROW_BLOCK, n - i);
    f.set(a.subarray(s + i, s + i + m), A);
    fn(A * 4, A * 4, m);
    o.set(f.subarray(A, A + m), d + i);
  }
}

/**
 * Σ a[s + i] for i < n in float64, for contiguous float32 rows of at least {@link WASM_ROW_MIN} elements on the
 * 'wasm' backend (sumRowF64: two float64x2 accumulators; blocks of ROW_BLOCK summed in order).
 */
export function sumWasm(a: Float32Array, s: number, n: number): number {
  const rt = getRowRuntime()!;
  const A = rt.base / 4, f = rt.f32;
  let t = 0;
  for (let i = 0; i < n; i += ROW_BLOCK) {
    const m = Math.min(ROW_BLOCK, n - i);
    f.set(a.subarray(s + i, s + i + m), A);
    t += rt.exports.sumRowF64(rt.base, m);
  }
  return t;
}
