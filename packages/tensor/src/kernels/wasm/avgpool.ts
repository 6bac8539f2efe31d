/**
 * Average pooling of float32 tensors on the wasm kernels (assembly/pool.ts): blocks of whole planes are copied
 * into the arena, pooled, and copied out. Same arithmetic as kernels/pool.ts (float64 sums), so bit-identical.
 */
import type { Pool2dGeometry } from '../pool.js';
import { ensureBytes, getRuntime } from './runtime.js';

/** Float32 elements of the arena a block of planes may use (so the memory stays bounded for any tensor). */
const BLOCK_ELEMS = 1 << 22;

function run(
  backward: boolean, src: Float32Array, dst: Float32Array, g: Pool2dGeometry, countIncludePad: boolean,
): void {
  const rt = getRuntime()!;
  const HW = g.h * g.w, OHW = g.oh * g.ow, planes = g.n * g.c;
  const inPer = backward ? OHW : HW, outPer = backward ? HW : OHW;
  const per = Math.max(1, Math.floor(BLOCK_ELEMS / (HW + OHW + 8)));
  const at = rt.arenaBase / 4;
  for (let p0 = 0; p0 < planes; p0 += per) {
    const np = Math.min(per, planes - p0);
    const o = at + ((np * inPer + 15) & ~15);
    ensureBytes(rt, (o + np * outPer) * 4);
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
