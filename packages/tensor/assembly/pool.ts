/*
 * Average pooling on float32 planes, the same arithmetic as kernels/pool.ts (sums and divisions in float64,
 * one rounding to float32 per stored value), so the two backends agree bit for bit; in wasm the loops run on
 * one array type with no bounds checks (~3× the TypeScript loops on DrLIM's 3×3 pooling of 27×27 maps).
 *
 * `planes` planes of H×W at x (bytes), output planes of OH×OW at out; kernel KH×KW, stride (sh, sw), padding
 * (ph, pw); the divisor is the window's size including padding when countIncludePad ≠ 0, else its in-bounds
 * size (PyTorch's count_include_pad).
 */

/**
 * out[pl, i, j] = Σ over the in-bounds window / divisor, for every plane.
 *
 * Each output is one chain of dependent float64 adds (4 cycles apart), so a row's interior windows (wholly inside
 * the plane, divisor KH·KW either way) are summed four at a time as four independent chains, each in the general
 * loop's order; the rest take the general loop. On DrLIM's 3×3 pooling of 27×27 maps this ran ~3× faster. Windows
 * three wide at stride three go eight at a time in f64x2 lanes (windows8of3), the same sums, ~0.7× the time.
 */
export function avgPoolForward(
  x: usize, out: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, ph: i32, pw: i32, countIncludePad: i32,
): void {
  // Columns [jlo, jhi) have windows inside [0, W): j·sw − pw ≥ 0 and j·sw − pw + KW ≤ W.
  const jlo = min(OW, (pw + sw - 1) / sw);
  const jhi = max(jlo, min(OW, W + pw - KW >= 0 ? (W + pw - KW) / sw + 1 : 0));
  const rowBytes = <usize>W << 2, stepBytes = <usize>sw << 2;
  const full = <f64>(KH * KW), fullx2 = f64x2.splat(full);
  const threes = KW == 3 && sw == 3;
  let d = out;
  for (let pl = 0; pl < planes; pl++) {
    const base = x + <usize>(pl * H * W) * 4;
    for (let i = 0; i < OH; i++) {
      const hs = i * sh - ph;
      const hp = min(hs + KH, H + ph) - hs;
      const u0 = hs < 0 ? 0 : hs;
      const u1 = min(hs + KH, H);
      const inside = hs >= 0 && hs + KH <= H;
      for (let j = 0; j < OW; j++) {
        if (threes && inside && j >= jlo && j + 8 <= jhi) {
          windows8of3(base + <usize>hs * rowBytes + (<usize>(j * sw - pw) << 2), rowBytes, KH, fullx2, d);
          d += 32;
          j += 7;
          continue;
        }
        if (inside && j >= jlo && j + 4 <= jhi) {
          const at = base + <usize>hs * rowBytes + (<usize>(j * sw - pw) << 2);
          let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
          for (let u = 0; u < KH; u++) {
            const row = at + <usize>u * rowBytes;
            for (let v = 0; v < KW; v++) {
              const p = row + (<usize>v << 2);
              s0 += <f64>load<f32>(p);
              s1 += <f64>load<f32>(p + stepBytes);
              s2 += <f64>load<f32>(p + 2 * stepBytes);
              s3 += <f64>load<f32>(p + 3 * stepBytes);
            }
          }
          store<f32>(d, <f32>(s0 / full));
          store<f32>(d, <f32>(s1 / full), 4);
          store<f32>(d, <f32>(s2 / full), 8);
          store<f32>(d, <f32>(s3 / full), 12);
          d += 16;
          j += 3;
          continue;
        }
        const ws = j * sw - pw;
        const wp = min(ws + KW, W + pw) - ws;
        const v0 = ws < 0 ? 0 : ws;
        const v1 = min(ws + KW, W);
        let sum: f64 = 0;
        for (let u = u0; u < u1; u++) {
          const row = base + <usize>(u * W) * 4;
          for (let v = v0; v < v1; v++) sum += <f64>load<f32>(row + <usize>v * 4);
        }
        const div = countIncludePad != 0 ? hp * wp : max(0, u1 - u0) * max(0, v1 - v0);
        store<f32>(d, div > 0 ? <f32>(sum / <f64>div) : 0);
        d += 4;
      }
    }
  }
}

/**
 * The eight interior windows KH×3 at stride three (DrLIM's pooling) whose first row starts at `at`, summed as
 * avgPoolForward sums one (rows in order, each row's three floats in order, in float64), divided and stored at
 * d, in four f64x2 chains, one per pair of windows. A row's 24 floats are six loads; shuffles put element v of
 * windows 4g … 4g + 3 (columns 12g + v, + 3, + 6, + 9) in the low halves that f64x2.promote_low_f32x4 widens.
 * Four windows a call (two chains) ran 0.75× the scalar loop's time, eight ~0.7×.
 */
// @ts-ignore: decorator
@inline function windows8of3(at: usize, rowBytes: usize, KH: i32, full: v128, d: usize): void {
  let lo = f64x2.splat(0), hi = f64x2.splat(0), lo2 = f64x2.splat(0), hi2 = f64x2.splat(0);
  for (let u = 0; u < KH; u++) {
    const p = at + <usize>u * rowBytes;
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32);
    const a2 = v128.load(p, 48), b2 = v128.load(p, 64), c2 = v128.load(p, 80);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(i32x4.shuffle(a, a, 0, 3, 0, 3)));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(b, c, 2, 5, 2, 5)));
    lo2 = f64x2.add(lo2, f64x2.promote_low_f32x4(i32x4.shuffle(a2, a2, 0, 3, 0, 3)));
    hi2 = f64x2.add(hi2, f64x2.promote_low_f32x4(i32x4.shuffle(b2, c2, 2, 5, 2, 5)));
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(i32x4.shuffle(a, b, 1, 4, 1, 4)));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(b, c, 3, 6, 3, 6)));
    lo2 = f64x2.add(lo2, f64x2.promote_low_f32x4(i32x4.shuffle(a2, b2, 1, 4, 1, 4)));
    hi2 = f64x2.add(hi2, f64x2.promote_low_f32x4(i32x4.shuffle(b2, c2, 3, 6, 3, 6)));
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(i32x4.shuffle(a, b, 2, 5, 2, 5)));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(c, c, 0, 3, 0, 3)));
    lo2 = f64x2.add(lo2, f64x2.promote_low_f32x4(i32x4.shuffle(a2, b2, 2, 5, 2, 5)));
    hi2 = f64x2.add(hi2, f64x2.promote_low_f32x4(i32x4.shuffle(c2, c2, 0, 3, 0, 3)));
  }
  storeMeans4(d, lo, hi, full);
  storeMeans4(d + 16, lo2, hi2, full);
}

/** Four windows' float32 means at d from their float64 sums, windows 0, 1 in lo and 2, 3 in hi. */
// @ts-ignore: decorator
@inline function storeMeans4(d: usize, lo: v128, hi: v128, full: v128): void {
  v128.store(d, i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.div(lo, full)), f32x4.demote_f64x2_zero(f64x2.div(hi, full)), 0, 1, 4, 5));
}

/**
 * gx (zeroed here) receives gy[pl, i, j] / divisor at every in-bounds element of window (i, j), each addition in
 * float64 and rounded to float32, windows in row-major order.
 *
 * When unpadded windows do not overlap (sh ≥ KH and sw ≥ KW: DrLIM's 3×3 pooling) every element receives at most
 * one value, so its sum is float32(0 + value): computed once per window and stored, without the
 * read-modify-write.
 */
export function avgPoolBackward(
  gy: usize, gx: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, ph: i32, pw: i32, countIncludePad: i32,
): void {
  memory.fill(gx, 0, <usize>(planes * H * W) * 4);
  if (sh >= KH && sw >= KW && ph == 0 && pw == 0) {
    // Unpadded disjoint windows (DrLIM's 3×3 pooling): every window is whole, so its divisor is KH·KW; the
    // window's first row is stored element by element and copied to its other rows (the gaps between windows,
    // when sw > KW, are zeros in every row alike).
    const div = <f64>(KH * KW), rowBytes = <usize>W << 2;
    const span = <usize>((OW - 1) * sw + KW) << 2;
    let t = gy;
    for (let pl = 0; pl < planes; pl++) {
      const base = gx + <usize>(pl * H * W) * 4;
      for (let i = 0; i < OH; i++) {
        const row = base + <usize>(i * sh) * rowBytes;
        for (let j = 0; j < OW; j++) {
          const once = <f32>(<f64>0 + <f64>load<f32>(t) / div);
          t += 4;
          const at = row + (<usize>(j * sw) << 2);
          for (let v = 0; v < KW; v++) store<f32>(at + (<usize>v << 2), once);
        }
        for (let u = 1; u < KH; u++) memory.copy(row + <usize>u * rowBytes, row, span);
      }
    }
    return;
  }
  let s = gy;
  for (let pl = 0; pl < planes; pl++) {
    const base = gx + <usize>(pl * H * W) * 4;
    for (let i = 0; i < OH; i++) {
      const hs = i * sh - ph;
      const hp = min(hs + KH, H + ph) - hs;
      const u0 = hs < 0 ? 0 : hs;
      const u1 = min(hs + KH, H);
      for (let j = 0; j < OW; j++) {
        const ws = j * sw - pw;
        const wp = min(ws + KW, W + pw) - ws;
        const v0 = ws < 0 ? 0 : ws;
        const v1 = min(ws + KW, W);
        const div = countIncludePad != 0 ? hp * wp : max(0, u1 - u0) * max(0, v1 - v0);
        const g = load<f32>(s);
        s += 4;
        if (div <= 0) continue;
        const val = <f64>g / <f64>div;
        for (let u = u0; u < u1; u++) {
          const row = base + <usize>(u * W) * 4;
          for (let v = v0; v < v1; v++) {
            const p = row + <usize>v * 4;
            store<f32>(p, <f32>(<f64>load<f32>(p) + val));
          }
        }
      }
    }
  }
}

/**
 * Max pooling forward on float32 planes, the scan rule of kernels/pool.ts exactly (so both backends give the same
 * values and the same argmax): from the window's first in-bounds element in row-major order, the running max moves
 * to an element when `v > max || v is NaN` (ties keep the first maximum; the last NaN wins), by selects rather
 * than a branch. argmax (int32 at `argmax`) is u·W + v within the plane; an empty window gives −∞ and −1.
 */
export function maxPoolForward(
  x: usize, out: usize, argmax: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, ph: i32, pw: i32,
): void {
  let d: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = x + <usize>(pl * H * W) * 4;
    for (let i = 0; i < OH; i++) {
      let u0 = i * sh - ph;
      const u1 = min(u0 + KH, H);
      if (u0 < 0) u0 = 0;
      for (let j = 0; j < OW; j++, d += 4) {
        let v0 = j * sw - pw;
        const v1 = min(v0 + KW, W);
        if (v0 < 0) v0 = 0;
        if (u0 >= u1 || v0 >= v1) {
          store<f32>(out + d, -Infinity);
          store<i32>(argmax + d, -1);
          continue;
        }
        let am = u0 * W + v0;
        let m = load<f32>(base + (<usize>am << 2));
        for (let u = u0; u < u1; u++) {
          const row = u * W;
          for (let v = u == u0 ? v0 + 1 : v0; v < v1; v++) {
            const idx = row + v;
            const val = load<f32>(base + (<usize>idx << 2));
            const win = (val > m) | (val != val);
            am = select<i32>(idx, am, win);
            m = select<f32>(val, m, win);
          }
        }
        store<f32>(out + d, m);
        store<i32>(argmax + d, am);
      }
    }
  }
}

/** Max pooling backward: gx (zeroed here) += gy at each window's argmax (−1: nothing), in order, in float32. */
export function maxPoolBackward(gy: usize, argmax: usize, gx: usize, planes: i32, HW: i32, OHW: i32): void {
  memory.fill(gx, 0, <usize>(planes * HW) * 4);
  let s: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = gx + <usize>(pl * HW) * 4;
    for (let e = 0; e < OHW; e++, s += 4) {
      const a = load<i32>(argmax + s);
      if (a >= 0) {
        const at = base + (<usize>a << 2);
        store<f32>(at, load<f32>(at) + load<f32>(gy + s));
      }
    }
  }
}
