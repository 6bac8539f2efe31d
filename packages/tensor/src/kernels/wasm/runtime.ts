/**
 * The WebAssembly side of the kernels: the module (compiled once from the bytes the build embeds), its one
 * memory, and the layout of that memory.
 *
 * Tensors stay ordinary Float32Array / Float64Array in the JavaScript heap (the garbage collector's; nobody calls
 * dispose()). A wasm kernel call copies its operands into the arena below, computes, and copies the result out,
 * so nothing in the memory outlives a call and the memory never holds user data between calls.
 *
 * Memory layout (bytes):
 *
 *   [0, CTRL)                      unused (address 0 doubles as "no table" in the kernels' arguments)
 *   [CTRL, WS_BASE)                control block of the worker pool (job arguments, flags; see pool.ts)
 *   [WS_BASE, ARENA_BASE)          one packing workspace per thread (A block, B block, edge tile)
 *   [ARENA_BASE, MAX_PAGES·64 KiB) arena: each call's operands and result, bump-allocated from ARENA_BASE
 *
 * The memory starts at what the workspaces need and grows (never shrinks) only as far as the largest call so
 * far reached; calls too large for the arena are split into blocks by their callers (see gemm.ts), so
 * `memory.buffer.byteLength` never exceeds MAX_PAGES pages. Where SharedArrayBuffer exists the memory is shared
 * (the worker pool runs the same module over it); otherwise it is an ordinary memory and everything runs on the
 * calling thread.
 */
import { KERNELS_WASM, KERNELS_WASM_SHARED, MAX_PAGES } from './bytes.generated.js';
import { host, type WasmApi, type WasmMemory, type WasmModule } from './host.js';

/** The kernels' exports (assembly/*.ts). Addresses in bytes, strides and tables in float32 elements. */
export interface KernelExports {
  workspaceBytes(): number;
  blocking(i: number): number;
  gemm(
    K: number,
    a: number, aRs: number, aCs: number, aRows: number, aCols: number,
    b: number, bRs: number, bCs: number, bRows: number, bCols: number,
    c: number, ldc: number, accumulate: number,
    i0: number, i1: number, j0: number, j1: number, ws: number,
  ): void;
  transpose(src: number, dst: number, R: number, S: number): void;
  simdPeak(n: number): number;
  tanhRow(src: number, dst: number, n: number): void;
  convDirectForward(x: number, ws: number, out: number, nb: number, C: number, Hp: number, Wp: number, O: number,
    KH: number, KW: number, bias: number, relu: number): void;
  convDirectBackwardWeight(x: number, gy: number, gw: number, nb: number, C: number, Hp: number, Wp: number,
    O: number, KH: number, KW: number, o0: number, o1: number): void;
  convDirectBackwardParams(x: number, gy: number, y: number, sums: number, gw: number, nb: number, C: number, Hp: number,
    Wp: number, O: number, KH: number, KW: number, o0: number, o1: number): void;
  splatWeights(w: number, dst: number, O: number, taps: number): number;
  convDirectBackwardInput(gy: number, ws: number, gx: number, nb: number, O: number, OH: number, OW: number, KH: number,
    KW: number, scratch: number): void;
  positiveMask(y: number, mask: number, nb: number, per: number): void;
  convReluPoolForward(x: number, ws: number, y: number, pooled: number, mask: number, nb: number, C: number, Hp: number,
    Wp: number, O: number, KH: number, KW: number, bias: number, geo: number): void;
  convReluPoolBackwardParams(x: number, gp: number, mask: number, gy: number, sums: number, gw: number, nb: number,
    C: number, Hp: number, Wp: number, O: number, KH: number, KW: number, geo: number, o0: number, o1: number): void;
  addRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  reluBackwardRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  subRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  mulRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  divRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  greaterRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  greaterEqualRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  lessRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  lessEqualRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  equalRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  notEqualRow(a: number, aStep: number, b: number, bStep: number, dst: number, n: number): void;
  reluRow(src: number, dst: number, n: number): void;
  sumRowF64(src: number, n: number): number;
  negRow(src: number, dst: number, n: number): void;
  absRow(src: number, dst: number, n: number): void;
  squareRow(src: number, dst: number, n: number): void;
  sqrtRow(src: number, dst: number, n: number): void;
  avgPoolForward(x: number, out: number, planes: number, H: number, W: number, OH: number, OW: number,
    KH: number, KW: number, sh: number, sw: number, ph: number, pw: number, countIncludePad: number): void;
  avgPoolBackward(gy: number, gx: number, planes: number, H: number, W: number, OH: number, OW: number,
    KH: number, KW: number, sh: number, sw: number, ph: number, pw: number, countIncludePad: number): void;
  maxPoolForward(x: number, out: number, argmax: number, planes: number, H: number, W: number, OH: number, OW: number,
    KH: number, KW: number, sh: number, sw: number, ph: number, pw: number): void;
  maxPoolBackward(gy: number, argmax: number, gx: number, planes: number, HW: number, OHW: number): void;
  adamRow(w: number, g: number, m: number, v: number, vmax: number, n: number, b1: number, c1: number, b2: number,
    c2: number, eps: number, stepSize: number, sqrtBc2: number, wd: number, decay: number, flags: number): void;
}

const PAGE = 65536;
/** Start of the worker pool's control block (4 KiB of int32 slots). */
export const CTRL = PAGE;
/** Most threads the pool runs (each needs a workspace); setNumThreads clamps to it. */
export const MAX_THREADS = 8;
/** Start of the per-thread workspaces. */
export const WS_BASE = 2 * PAGE;

/** The loaded kernels: module, memory, instance and the derived layout. */
export interface Runtime {
  module: WasmModule;
  memory: WasmMemory;
  shared: boolean;
  exports: KernelExports;
  /** Bytes between consecutive thread workspaces (a whole number of pages). */
  wsStride: number;
  /** Start of the arena. */
  arenaBase: number;
  /** End of the arena: the memory's maximum size. */
  arenaEnd: number;
  /** Views of the whole memory, replaced whenever it grows. */
  f32: Float32Array;
  i32: Int32Array;
}

function decode(base64: string): Uint8Array {
  const s = host.atob!(base64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** True when shared WebAssembly memory can be made here (SharedArrayBuffer present: Node, isolated pages). */
function canShare(wa: WasmApi): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    new wa.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

let runtime: Runtime | null | undefined;

/**
 * The runtime, loaded on first use; null where WebAssembly or its SIMD proposal is missing (the module uses
 * SIMD throughout, so it validating is the feature test), or where compiling it synchronously is refused.
 */
export function getRuntime(): Runtime | null {
  if (runtime !== undefined) return runtime;
  runtime = null;
  const wa = host.WebAssembly;
  if (wa === undefined || host.atob === undefined) return null;
  try {
    const shared = canShare(wa);
    const bytes = decode(shared ? KERNELS_WASM_SHARED : KERNELS_WASM);
    if (!wa.validate(bytes)) return null;
    const module = new wa.Module(bytes);
    const memory = new wa.Memory({ initial: WS_BASE / PAGE, maximum: MAX_PAGES, shared });
    const exports = new wa.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
    const wsStride = Math.ceil(exports.workspaceBytes() / PAGE) * PAGE;
    const arenaBase = WS_BASE + MAX_THREADS * wsStride;
    runtime = {
      module, memory, shared, exports, wsStride, arenaBase, arenaEnd: MAX_PAGES * PAGE,
      f32: new Float32Array(memory.buffer), i32: new Int32Array(memory.buffer),
    };
  } catch {
    runtime = null;
  }
  return runtime;
}

/** A second instance of the kernels over its own unshared memory, for the single-thread kernels (see below). */
export interface RowRuntime {
  exports: KernelExports;
  memory: WasmMemory;
  /** Views of the whole memory, replaced whenever it grows. */
  f32: Float32Array;
  i32: Int32Array;
  /** Byte address of the first of the two operand blocks of the elementwise rows (and of the conv arena). */
  base: number;
}

/** Bytes of each operand block of the elementwise rows (the row runtime's memory holds two past its first page). */
export const ROW_BLOCK_BYTES = 32768;

let rowRuntime: RowRuntime | null | undefined;

/**
 * The instance the single-thread kernels (elementwise rows, direct convolution) run on: the unshared module over
 * its own memory, which starts at two pages and grows, like the main one, only as far as the largest call.
 * Why a second instance: V8 copies between an ordinary typed array and a SharedArrayBuffer with relaxed atomic
 * word copies (measured: 1.5 µs for a 729-float row against 0.3 µs unshared), and these kernels are copy-bound.
 * Null exactly when {@link getRuntime} is.
 */
export function getRowRuntime(): RowRuntime | null {
  if (rowRuntime !== undefined) return rowRuntime;
  rowRuntime = null;
  if (getRuntime() === null) return null;
  const wa = host.WebAssembly!;
  try {
    const module = new wa.Module(decode(KERNELS_WASM));
    const memory = new wa.Memory({ initial: 1 + (2 * ROW_BLOCK_BYTES) / PAGE, maximum: MAX_PAGES, shared: false });
    const exports = new wa.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
    rowRuntime = { exports, memory, f32: new Float32Array(memory.buffer), i32: new Int32Array(memory.buffer), base: PAGE };
  } catch {
    rowRuntime = null;
  }
  return rowRuntime;
}

/** Grows the row runtime's memory so that bytes [0, end) exist (end ≤ MAX_PAGES pages), refreshing its view. */
export function ensureRowBytes(rt: RowRuntime, end: number): void {
  const have = rt.memory.buffer.byteLength;
  if (end <= have) return;
  rt.memory.grow(Math.ceil((end - have) / PAGE));
  rt.f32 = new Float32Array(rt.memory.buffer);
  rt.i32 = new Int32Array(rt.memory.buffer);
}

/** The row runtime's memory size in bytes (what the boundedness test watches), 0 before it loads. */
export function rowMemoryBytes(): number {
  return rowRuntime ? rowRuntime.memory.buffer.byteLength : 0;
}

/** Grows the memory so that bytes [0, end) exist (end ≤ the maximum), refreshing the views. */
export function ensureBytes(rt: Runtime, end: number): void {
  const have = rt.memory.buffer.byteLength;
  if (end <= have) return;
  rt.memory.grow(Math.ceil((end - have) / PAGE));
  rt.f32 = new Float32Array(rt.memory.buffer);
  rt.i32 = new Int32Array(rt.memory.buffer);
}

/** Address of thread t's workspace (its pages are grown into existence on first use). */
export function workspace(rt: Runtime, t: number): number {
  const at = WS_BASE + t * rt.wsStride;
  ensureBytes(rt, at + rt.wsStride);
  return at;
}

/** The memory's current size in bytes (what the boundedness test watches). */
export function memoryBytes(): number {
  return runtime ? runtime.memory.buffer.byteLength : 0;
}
