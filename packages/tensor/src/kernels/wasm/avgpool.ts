/**
 * Average pooling of float32 tensors on the wasm kernels (assembly/pool.ts): blocks of whole planes are copied
 * into the row runtime's memory, pooled, and copied out, on the calling thread. (Copies into the shared memory
 * measured as fast; the unshared one simply needs no pool.) A pooling right after a conv2d and a relu runs
 * inside the convolution's chunks instead: conv2dReluAvgPool (kernels/wasm/conv.ts).
 * Same arithmetic as kernels/pool.ts (float64 sums), so bit-identical.
 */
import type { Pool2dGeometry } from '../pool.js';
import { ensureRowBytes, getRowRuntime } from './runtime.js';

/**
 * Float32 elements a block of planes aims to use (1 MiB, so it stays in L2 between the copies and the kernel, and
 * the memory stays bounded for any tensor); a single plane larger than that is one block.
 */
const BLOCK_ELEMS = 1 << 18;

/** Most float32 elements one plane's input and output may take (16 MiB of the 24 MiB memory); larger: TypeScript. */
const PLANE_MAX_ELEMS = 1 << 22;

/** True when the wasm kernels can pool this geometry (every plane fits the memory). */
export function avgPoolFits(g: Pool2dGeometry): boolean {
  return g.h * g.w + g.oh * g.ow + 8 <= PLANE_MAX_ELEMS;
}

function run(
  backward: boolean, src: Float32Array, dst: Float32Array, g: Pool2dGeometry, countIncludePad: boolean,
): void {
  const rt = getRowRuntime()!;
  const HW = g.h * g.w, OHW = g.oh * g.ow, planes = g.n * g.c;
  const inPer = backward ? OHW : HW, outPer = backward ? HW : OHW;
  const per = Math.max(1, Math.floor(BLOCK_ELEMS / (HW + OHW + 8)));
  const at = rt.base / 4;
  for (let p0 = 0; p0 < planes; p0 += per) {
    const np = Math.min(per, planes - p0);
    const o = at + ((np * inPer + 15) & ~15);
    ensureRowBytes(rt, (o + np * outPer) * 4);
    rt.f32.set(src.subarray(p0 * inPer, (p0 + np) * inPer), at);
    const f = backward ? rt.exports.avgPoolBackward : rt.exports.avgPoolForward;
    f(at * 4, o * 4, np, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, countIncludePad ? 1 : 0);
    dst.set(rt.f32.subarray(o, o + np * outPer), p0 * outPer);
  }
}

/** {@link avgPool2dForward} (../pool.ts) for float32 x and out, on the wasm kernel. */
export function avgPoolForwardWasm(x: Float32Array, out: Float32Array, g: Pool2dGeometry, countIncludePad: boolean): void {
  run(false, x, out, g, countIncludePad);
}

/** {@link avgPool2dBackward} (../pool.ts) for float32 gy and gx, on the wasm kernel. */
export function avgPoolBackwardWasm(gy: Float32Array, gx: Float32Array, g: Pool2dGeometry, countIncludePad: boolean): void {
  run(true, gy, gx, g, countIncludePad);
}
