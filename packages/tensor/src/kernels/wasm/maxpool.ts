/**
 * Max pooling of float32 tensors on the wasm kernels (assembly/pool.ts): blocks of whole planes are copied into the
 * row runtime's unshared memory, pooled (values and argmax) or scattered back (the gradient), and copied out. The
 * kernels follow kernels/pool.ts's scan rule and summation order exactly, so both backends give the same bits.
 */
import type { Pool2dGeometry } from '../pool.js';
import { ensureRowBytes, getRowRuntime } from './runtime.js';

/** Elements a block of planes aims to use (1 MiB: it stays in L2 between the copies and the kernel). */
const BLOCK_ELEMS = 1 << 18;
/** Most elements one plane's input, output and argmax may take (16 MiB of the 24 MiB memory); larger: TypeScript. */
const PLANE_MAX_ELEMS = 1 << 22;

/** True when the wasm kernels can pool this geometry (every plane fits the memory). */
export function maxPoolFits(g: Pool2dGeometry): boolean {
  return g.h * g.w + 2 * g.oh * g.ow + 8 <= PLANE_MAX_ELEMS;
}

/** {@link maxPool2dForward} (../pool.ts) for float32 x and out, on the wasm kernel. */
export function maxPoolForwardWasm(x: Float32Array, out: Float32Array, argmax: Int32Array, g: Pool2dGeometry): void {
  const rt = getRowRuntime()!;
  const HW = g.h * g.w, OHW = g.oh * g.ow, planes = g.n * g.c;
  const per = Math.max(1, Math.floor(BLOCK_ELEMS / (HW + 2 * OHW + 8)));
  const at = rt.base / 4;
  for (let p0 = 0; p0 < planes; p0 += per) {
    const np = Math.min(per, planes - p0);
    const o = at + ((np * HW + 15) & ~15), a = o + ((np * OHW + 15) & ~15);
    ensureRowBytes(rt, (a + np * OHW) * 4);
    rt.f32.set(x.subarray(p0 * HW, (p0 + np) * HW), at);
    rt.exports.maxPoolForward(at * 4, o * 4, a * 4, np, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw);
    out.set(rt.f32.subarray(o, o + np * OHW), p0 * OHW);
    argmax.set(rt.i32.subarray(a, a + np * OHW), p0 * OHW);
  }
}

/** {@link maxPool2dBackward} (../pool.ts) for float32 gy and gx, on the wasm kernel. */
export function maxPoolBackwardWasm(gy: Float32Array, argmax: Int32Array, gx: Float32Array, g: Pool2dGeometry): void {
  const rt = getRowRuntime()!;
  const HW = g.h * g.w, OHW = g.oh * g.ow, planes = g.n * g.c;
  const per = Math.max(1, Math.floor(BLOCK_ELEMS / (HW + 2 * OHW + 8)));
  const at = rt.base / 4;
  for (let p0 = 0; p0 < planes; p0 += per) {
    const np = Math.min(per, planes - p0);
    const a = at + ((np * OHW + 15) & ~15), o = a + ((np * OHW + 15) & ~15);
    ensureRowBytes(rt, (o + np * HW) * 4);
    rt.f32.set(gy.subarray(p0 * OHW, (p0 + np) * OHW), at);
    rt.i32.set(argmax.subarray(p0 * OHW, (p0 + np) * OHW), a);
    rt.exports.maxPoolBackward(at * 4, a * 4, o * 4, np, HW, OHW);
    gx.set(rt.f32.subarray(o, o + np * HW), p0 * HW);
  }
}
