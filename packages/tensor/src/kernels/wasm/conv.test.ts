import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../../testing/random.js';
import { ROW_BLOCK, WASM_ROW_MIN } from './elementwise.js';
import { ensureRowBytes, getRowRuntime } from './runtime.js';

/*
 * The bias sums of convDirectBackwardParams (assembly/conv.ts) must be the float64 values `sum` accumulates for
 * each plane (reduce.ts sumRow → sumWasm): below WASM_ROW_MIN floats a float64 loop, from it sumRowF64 over
 * blocks of ROW_BLOCK floats. The float32 bias gradient hides most float64 differences, so this checks the float64
 * sums themselves, against that order computed here, for planes on both sides of both thresholds.
 */
describe.runIf(getRowRuntime() !== null)("convDirectBackwardParams's plane sums", () => {
  it("are sum's float64 row sums, bit for bit, around WASM_ROW_MIN and ROW_BLOCK", () => {
    const rt = getRowRuntime()!;
    const rnd = seededRandom(11);
    // Output planes P = OH·OW of a 1-channel image with a 1×1 kernel (OH = Hp, OW = Wp): one row of Wp.
    for (const P of [WASM_ROW_MIN - 3, WASM_ROW_MIN, WASM_ROW_MIN + 5, ROW_BLOCK - 1, ROW_BLOCK, ROW_BLOCK + 4, 2 * ROW_BLOCK + 9]) {
      const nb = 2, O = 3, at = rt.base / 4;
      const x = at, gy = x + nb * P + 8, sums = (gy + nb * O * P + 8 + 3) & ~3, gw = sums + 2 * nb * O;
      ensureRowBytes(rt, (gw + O + 8) * 4);
      const f = rt.f32;
      for (let i = 0; i < nb * P + 8; i++) f[x + i] = rnd() - 0.5;
      // Magnitudes over 2^±40: sums of float32 values then round in float64, so another order shows.
      for (let i = 0; i < nb * O * P; i++) f[gy + i] = (rnd() - 0.5) * 2 ** (Math.floor(rnd() * 80) - 40);
      f.fill(0, gy + nb * O * P, gy + nb * O * P + 8);
      f.fill(0, gw, gw + O);
      // The sums' order on a copy of each plane, before the kernel runs (it only reads gy without a mask).
      const want: number[] = [];
      for (let k = 0; k < nb * O; k++) {
        const q = gy + k * P;
        let t = 0;
        if (P >= WASM_ROW_MIN) for (let i = 0; i < P; i += ROW_BLOCK) t += rt.exports.sumRowF64((q + i) * 4, Math.min(ROW_BLOCK, P - i));
        else for (let i = 0; i < P; i++) t += f[q + i]!;
        want.push(t);
      }
      rt.exports.convDirectBackwardParams(x * 4, gy * 4, 0, sums * 4, gw * 4, nb, 1, 1, P, O, 1, 1, 0, O);
      const got = Array.from(new Float64Array(f.buffer, sums * 4, nb * O));
      expect(got, `P = ${P}`).toEqual(want);
    }
  });
});
