/*
 * Direct float32 convolution for stride 1, dilation 1 and few taps per output (C·KH·KW small: a network's first
 * layers, DrLIM's 15@6×6 on 32×32 digits), where im2col + gemm is a poor fit: with K = C·KH·KW = 36 the gemm's
 * depth is too short to amortise its packing and tile setup, and it ran at ~6 GFLOP/s here.
 *
 * The input arrives padded: nb images of C planes of Hp×Wp (zero padding already applied by the caller), followed
 * by at least 4 spare floats, so a 4-lane load that starts inside a plane never leaves the buffer.
 *
 * Forward: out[n, o, i, j] = Σ_{c,p,q} x[n, c, i + p, j + q] · w[o, c, p, q], four output columns j at a
 * time (one v128) for a group of up to seven output channels (G accumulators, one x load and G weight loads
 * per tap: G multiplies and G adds per G + 1 loads, within the 15 XMM registers V8 leaves to wasm; O is split
 * into groups as even as can be, DrLIM's 15 as three of five). The weights come pre-splatted, one v128 per
 * (group, c, p, q, channel in group), so the inner loop has no splat.
 *
 * Weight gradient: gw[o, c, p, q] += Σ_{n,i,j} gy[n, o, i, j] · x[n, c, i + p, j + q], for each (n, o, c, p) a
 * block of up to eight q at a time: one gy load and one x load per q per four columns; the last, partial group
 * of columns is masked in both operands (so a non-finite x beyond the row cannot leak in as NaN = Inf·0).
 *
 * The forward pass adds the bias, when given, to each finished sum (one float32 add, as adding it afterwards
 * would) and applies relu when asked (conv2d's `activation: 'relu'`), so a biased, rectified convolution needs
 * no second or third pass over its output.
 *
 * Both sum in float32 in a fixed order (taps in (c, p, q) order; images, rows and column groups in order), so
 * results do not depend on how a caller splits the batch between threads when each thread owns whole outputs.
 * The group sizes are compile-time constants in each specialised body (the switch at the call), so Binaryen
 * drops the unused accumulators.
 */
import { reluBackwardRow, sumRowF64 } from './elementwise';
import { avgPoolBackward, avgPoolForward } from './pool';

// @ts-ignore: decorator
@inline function storeLanes(at: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) {
    v128.store(at, v);
    return;
  }
  store<f32>(at, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(at, f32x4.extract_lane(v, 1), 4);
  if (lanes > 2) store<f32>(at, f32x4.extract_lane(v, 2), 8);
}

/**
 * max(a, 0) as relu defines it (+0 for −0, NaN stays NaN): pmax(a, 0) = a < 0 ? 0 : a is one maxps, and adding +0
 * turns its −0 into +0 and changes nothing else. f32x4.max lowers to seven instructions on x64 (for its NaN and
 * signed-zero rules), which cost the forward kernel ~5 %.
 */
// @ts-ignore: decorator
@inline function relu4(a: v128, zero: v128): v128 {
  return f32x4.add(f32x4.pmax(a, zero), zero);
}

/**
 * Most output channels per group: G accumulators, G weights and the x vector must fit the 15 XMM registers V8
 * leaves to wasm. With eight, V8 loads all eight weights before the first multiply and spills an accumulator to
 * the stack (a store-to-load round trip per tap: ~30 GFLOP/s against ~36 with five to seven).
 */
const GROUP_MAX: i32 = 7;

/** Channels in group k of O split into ⌈O / GROUP_MAX⌉ groups as even as can be (the first O mod groups get one more). */
// @ts-ignore: decorator
@inline function groupSize(O: i32, k: i32): i32 {
  const groups = (O + GROUP_MAX - 1) / GROUP_MAX;
  return O / groups + (k < O % groups ? 1 : 0);
}

// @ts-ignore: decorator
@inline function forwardGroup(
  G: i32, x: usize, wg: usize, out: usize, C: i32, Hp: i32, Wp: i32, OH: i32, OW: i32, KH: i32, KW: i32, bg: usize,
  relu: bool,
): void {
  const plane = <usize>(OH * OW) << 2;
  // The loops walk pointers (x's row, the weights' end of a kernel row) rather than recomputing addresses: with
  // the index arithmetic V8 kept loop bounds on the stack and the kernel ran ~20 % slower.
  const rowBytes = <usize>Wp << 2, planeSkip = <usize>((Hp - KH) * Wp) << 2, kernelRow = <usize>KW << 7;
  const zero = f32x4.splat(0);
  for (let i = 0; i < OH; i++) {
    const xi = x + <usize>i * rowBytes;
    for (let j = 0; j < OW; j += 4) {
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero;
      let wp = wg;
      let xr = xi + (<usize>j << 2);
      for (let c = 0; c < C; c++) {
        for (let p = 0; p < KH; p++) {
          let xp = xr;
          const wend = wp + kernelRow;
          while (wp < wend) {
            const v = v128.load(xp);
            a0 = f32x4.add(a0, f32x4.mul(v, v128.load(wp)));
            if (G > 1) a1 = f32x4.add(a1, f32x4.mul(v, v128.load(wp, 16)));
            if (G > 2) a2 = f32x4.add(a2, f32x4.mul(v, v128.load(wp, 32)));
            if (G > 3) a3 = f32x4.add(a3, f32x4.mul(v, v128.load(wp, 48)));
            if (G > 4) a4 = f32x4.add(a4, f32x4.mul(v, v128.load(wp, 64)));
            if (G > 5) a5 = f32x4.add(a5, f32x4.mul(v, v128.load(wp, 80)));
            if (G > 6) a6 = f32x4.add(a6, f32x4.mul(v, v128.load(wp, 96)));
            xp += 4;
            wp += 128;
          }
          xr += rowBytes;
        }
        xr += planeSkip;
      }
      if (bg != 0) {
        a0 = f32x4.add(a0, v128.load32_splat(bg));
        if (G > 1) a1 = f32x4.add(a1, v128.load32_splat(bg, 4));
        if (G > 2) a2 = f32x4.add(a2, v128.load32_splat(bg, 8));
        if (G > 3) a3 = f32x4.add(a3, v128.load32_splat(bg, 12));
        if (G > 4) a4 = f32x4.add(a4, v128.load32_splat(bg, 16));
        if (G > 5) a5 = f32x4.add(a5, v128.load32_splat(bg, 20));
        if (G > 6) a6 = f32x4.add(a6, v128.load32_splat(bg, 24));
      }
      if (relu) {
        a0 = relu4(a0, zero);
        if (G > 1) a1 = relu4(a1, zero);
        if (G > 2) a2 = relu4(a2, zero);
        if (G > 3) a3 = relu4(a3, zero);
        if (G > 4) a4 = relu4(a4, zero);
        if (G > 5) a5 = relu4(a5, zero);
        if (G > 6) a6 = relu4(a6, zero);
      }
      const lanes = min(4, OW - j);
      const at = out + (<usize>(i * OW + j) << 2);
      storeLanes(at, a0, lanes);
      if (G > 1) storeLanes(at + plane, a1, lanes);
      if (G > 2) storeLanes(at + 2 * plane, a2, lanes);
      if (G > 3) storeLanes(at + 3 * plane, a3, lanes);
      if (G > 4) storeLanes(at + 4 * plane, a4, lanes);
      if (G > 5) storeLanes(at + 5 * plane, a5, lanes);
      if (G > 6) storeLanes(at + 6 * plane, a6, lanes);
    }
  }
}

/**
 * out (nb·O·OH·OW floats, NCHW) = the convolution of nb padded images at x with the splatted weights at ws
 * (see {@link splatWeights}), plus bias[o] (O floats at `bias`; none when bias = 0), then max(·, 0) when relu
 * is nonzero (f32x4.max: +0 for −0, NaN stays NaN, as the relu row). OH = Hp − KH + 1, OW = Wp − KW + 1.
 */
export function convDirectForward(
  x: usize, ws: usize, out: usize, nb: i32, C: i32, Hp: i32, Wp: i32, O: i32, KH: i32, KW: i32, bias: usize,
  relu: i32,
): void {
  const r = relu != 0;
  const OH = Hp - KH + 1, OW = Wp - KW + 1;
  const imageIn = <usize>(C * Hp * Wp) << 2, imageOut = <usize>(O * OH * OW) << 2;
  const groupW = <usize>(C * KH * KW) << 7; // 8 v128 per tap, whatever the group's size
  for (let n = 0; n < nb; n++) {
    const xn = x + <usize>n * imageIn, on = out + <usize>n * imageOut;
    for (let k = 0, o0 = 0; o0 < O; o0 += groupSize(O, k), k++) {
      const G = groupSize(O, k);
      const wg = ws + <usize>k * groupW;
      const og = on + <usize>(o0 * OH * OW) * 4;
      const bg = bias == 0 ? 0 : bias + (<usize>o0 << 2);
      switch (G) {
        case 7: forwardGroup(7, xn, wg, og, C, Hp, Wp, OH, OW, KH, KW, bg, r); break;
        case 6: forwardGroup(6, xn, wg, og, C, Hp, Wp, OH, OW, KH, KW, bg, r); break;
        case 5: forwardGroup(5, xn, wg, og, C, Hp, Wp, OH, OW, KH, KW, bg, r); break;
        case 4: forwardGroup(4, xn, wg, og, C, Hp, Wp, OH, OW, KH, KW, bg, r); break;
        case 3: forwardGroup(3, xn, wg, og, C, Hp, Wp, OH, OW, KH, KW, bg, r); break;
        case 2: forwardGroup(2, xn, wg, og, C, Hp, Wp, OH, OW, KH, KW, bg, r); break;
        default: forwardGroup(1, xn, wg, og, C, Hp, Wp, OH, OW, KH, KW, bg, r);
      }
    }
  }
}

/**
 * Writes the weights w (O·C·KH·KW floats, OIHW) at dst as splatted v128s in the order the forward kernel reads
 * them: group k of {@link groupSize}(O, k) output channels, then tap (c, p, q), then channel t in the group, eight
 * slots per tap (zeros past the group's channels: never read, but every group is the same size). Returns the
 * bytes written: ⌈O / 7⌉ · taps · 128.
 */
export function splatWeights(w: usize, dst: usize, O: i32, taps: i32): i32 {
  let d = dst;
  for (let k = 0, o0 = 0; o0 < O; o0 += groupSize(O, k), k++) {
    const G = groupSize(O, k);
    for (let tap = 0; tap < taps; tap++) {
      for (let t = 0; t < 8; t++) {
        const o = o0 + t;
        v128.store(d, t < G ? f32x4.splat(load<f32>(w + (<usize>(o * taps + tap) << 2))) : f32x4.splat(0));
        d += 16;
      }
    }
  }
  return <i32>(d - dst);
}

/** Sum of the four lanes of v, as ((l0 + l1) + (l2 + l3)). */
// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// @ts-ignore: decorator
@inline function weightBlock(Q: i32, gyo: usize, xr: usize, gw: usize, Wp: i32, OH: i32, OW: i32, mask: v128): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  // Pointers walk gy and x (as in forwardGroup: ~25 % faster than indexing from the row starts).
  const fullBytes = <usize>(OW & ~3) << 2, tailBytes = <usize>(OW & 3) << 2;
  const xSkip = <usize>(Wp - (OW & ~3)) << 2;
  let g = gyo, xp = xr;
  for (let i = 0; i < OH; i++) {
    const gend = g + fullBytes;
    while (g < gend) {
      const u = v128.load(g);
      a0 = f32x4.add(a0, f32x4.mul(u, v128.load(xp)));
      if (Q > 1) a1 = f32x4.add(a1, f32x4.mul(u, v128.load(xp, 4)));
      if (Q > 2) a2 = f32x4.add(a2, f32x4.mul(u, v128.load(xp, 8)));
      if (Q > 3) a3 = f32x4.add(a3, f32x4.mul(u, v128.load(xp, 12)));
      if (Q > 4) a4 = f32x4.add(a4, f32x4.mul(u, v128.load(xp, 16)));
      if (Q > 5) a5 = f32x4.add(a5, f32x4.mul(u, v128.load(xp, 20)));
      if (Q > 6) a6 = f32x4.add(a6, f32x4.mul(u, v128.load(xp, 24)));
      if (Q > 7) a7 = f32x4.add(a7, f32x4.mul(u, v128.load(xp, 28)));
      g += 16;
      xp += 16;
    }
    if (tailBytes != 0) {
      const u = v128.and(v128.load(g), mask);
      a0 = f32x4.add(a0, f32x4.mul(u, v128.and(v128.load(xp), mask)));
      if (Q > 1) a1 = f32x4.add(a1, f32x4.mul(u, v128.and(v128.load(xp, 4), mask)));
      if (Q > 2) a2 = f32x4.add(a2, f32x4.mul(u, v128.and(v128.load(xp, 8), mask)));
      if (Q > 3) a3 = f32x4.add(a3, f32x4.mul(u, v128.and(v128.load(xp, 12), mask)));
      if (Q > 4) a4 = f32x4.add(a4, f32x4.mul(u, v128.and(v128.load(xp, 16), mask)));
      if (Q > 5) a5 = f32x4.add(a5, f32x4.mul(u, v128.and(v128.load(xp, 20), mask)));
      if (Q > 6) a6 = f32x4.add(a6, f32x4.mul(u, v128.and(v128.load(xp, 24), mask)));
      if (Q > 7) a7 = f32x4.add(a7, f32x4.mul(u, v128.and(v128.load(xp, 28), mask)));
      g += tailBytes;
    }
    xp += xSkip;
  }
  store<f32>(gw, load<f32>(gw) + hsum(a0));
  if (Q > 1) store<f32>(gw, load<f32>(gw, 4) + hsum(a1), 4);
  if (Q > 2) store<f32>(gw, load<f32>(gw, 8) + hsum(a2), 8);
  if (Q > 3) store<f32>(gw, load<f32>(gw, 12) + hsum(a3), 12);
  if (Q > 4) store<f32>(gw, load<f32>(gw, 16) + hsum(a4), 16);
  if (Q > 5) store<f32>(gw, load<f32>(gw, 20) + hsum(a5), 20);
  if (Q > 6) store<f32>(gw, load<f32>(gw, 24) + hsum(a6), 24);
  if (Q > 7) store<f32>(gw, load<f32>(gw, 28) + hsum(a7), 28);
}

/**
 * gw (O·C·KH·KW floats, OIHW) += the weight gradient of nb padded images at x (as for the forward) against their
 * output gradients gy (nb·O·OH·OW floats, NCHW, followed by at least 4 spare floats), for output channels
 * [o0, o1) only: the channels' sums are independent, so threads may split a chunk by channels (same bits).
 */
export function convDirectBackwardWeight(
  x: usize, gy: usize, gw: usize, nb: i32, C: i32, Hp: i32, Wp: i32, O: i32, KH: i32, KW: i32, o0: i32, o1: i32,
): void {
  const OH = Hp - KH + 1, OW = Wp - KW + 1;
  const rem = OW & 3;
  // Lanes [0, rem) of the last, partial group of four columns.
  const mask = i32x4(rem > 0 ? -1 : 0, rem > 1 ? -1 : 0, rem > 2 ? -1 : 0, 0);
  const imageIn = <usize>(C * Hp * Wp) << 2, planeOut = <usize>(OH * OW) << 2;
  for (let n = 0; n < nb; n++) {
    const xn = x + <usize>n * imageIn;
    for (let o = o0; o < o1; o++) {
      const gyo = gy + <usize>(n * O + o) * planeOut;
      for (let c = 0; c < C; c++) {
        for (let p = 0; p < KH; p++) {
          const xr = xn + (<usize>((c * Hp + p) * Wp) << 2);
          const gwr = gw + (<usize>(((o * C + c) * KH + p) * KW) << 2);
          for (let q0 = 0; q0 < KW; q0 += 8) {
            const Q = min(8, KW - q0);
            const xq = xr + (<usize>q0 << 2), gq = gwr + (<usize>q0 << 2);
            switch (Q) {
              case 8: weightBlock(8, gyo, xq, gq, Wp, OH, OW, mask); break;
              case 7: weightBlock(7, gyo, xq, gq, Wp, OH, OW, mask); break;
              case 6: weightBlock(6, gyo, xq, gq, Wp, OH, OW, mask); break;
              case 5: weightBlock(5, gyo, xq, gq, Wp, OH, OW, mask); break;
              case 4: weightBlock(4, gyo, xq, gq, Wp, OH, OW, mask); break;
              case 3: weightBlock(3, gyo, xq, gq, Wp, OH, OW, mask); break;
              case 2: weightBlock(2, gyo, xq, gq, Wp, OH, OW, mask); break;
              default: weightBlock(1, gyo, xq, gq, Wp, OH, OW, mask);
            }
          }
        }
      }
    }
  }
}

/**
 * Floats of a plane from which `planeSum` takes the sumRowF64 kernel, and the rows it hands it at a time: the
 * TypeScript reduction's WASM_ROW_MIN and ROW_BLOCK (kernels/wasm/elementwise.ts), whose order it reproduces.
 */
const ROW_MIN: i32 = 128;
const ROW_BLOCK: i32 = 8192;

/**
 * Σ of the n floats at p in float64, in the order and rounding of `sum` reducing one contiguous row on the wasm
 * backend (reduce.ts sumRow → sumWasm): blocks of ROW_BLOCK floats by sumRowF64, their sums added in order, when
 * n ≥ ROW_MIN; else one float64 add per float, in index order.
 */
function planeSum(p: usize, n: i32): f64 {
  let t: f64 = 0;
  if (n >= ROW_MIN) {
    for (let i = 0; i < n; i += ROW_BLOCK) t += sumRowF64(p + (<usize>i << 2), min(ROW_BLOCK, n - i));
  } else {
    for (let i = 0; i < n; i++) t += <f64>load<f32>(p + (<usize>i << 2));
  }
  return t;
}

/**
 * One chunk of the weight and bias gradients through an optional relu, for output channels [o0, o1): with y ≠ 0
 * (the relu's output, laid out as gy), gy ← gy where y > 0, else +0, in place (the reluBackward row, so the
 * same bits); with sums ≠ 0, sums[n·O + o] = {@link planeSum} of plane (n, o) of gy, in float64, for the caller
 * to add image by image; then gw += the chunk's weight gradient ({@link convDirectBackwardWeight}). Each thread
 * runs whole tasks (a chunk's images, a range of channels), so the masking and the sums split with the product
 * and run while the task's planes are in cache.
 */
export function convDirectBackwardParams(
  x: usize, gy: usize, y: usize, sums: usize, gw: usize, nb: i32, C: i32, Hp: i32, Wp: i32, O: i32, KH: i32, KW: i32,
  o0: i32, o1: i32,
): void {
  const P = (Hp - KH + 1) * (Wp - KW + 1);
  for (let n = 0; n < nb; n++) {
    const k0 = n * O + o0, k1 = n * O + o1;
    if (y != 0) {
      const at = <usize>(k0 * P) << 2;
      reluBackwardRow(gy + at, 1, y + at, 1, gy + at, (k1 - k0) * P);
    }
    if (sums != 0) {
      for (let k = k0; k < k1; k++) store<f64>(sums + (<usize>k << 3), planeSum(gy + (<usize>(k * P) << 2), P));
    }
  }
  convDirectBackwardWeight(x, gy, gw, nb, C, Hp, Wp, O, KH, KW, o0, o1);
}

/*
 * A convolution, its bias, relu and average pooling as one step (tensor's conv2dReluAvgPool), for the first layer
 * of a network like DrLIM's (conv 6×6, relu, 3×3 average pooling), whose rectified output is its largest tensor:
 * it stays in wasm memory, and only the pooled output and a byte mask of where it is positive leave. The
 * backward pass rebuilds the masked cotangent from the pooled cotangent and the mask in wasm memory, for the weight
 * kernel. Both are the separate kernels run one after the other on the chunk's images (the same bits): the
 * forward kernel with relu, avgPoolForward, the mask; avgPoolBackward, the mask, convDirectBackwardParams. The
 * mask has one bit per output float (a byte per eight), an eighth of the traffic of bytes.
 *
 * The pooling geometry is nine int32s at `geo`: POH, POW, PKH, PKW, psh, psw, pph, ppw, countIncludePad.
 */

/**
 * Bytes of one image's mask: one bit per float of its O·OH·OW outputs, rounded up to whole bytes, so that the
 * images of different chunks (threads) never share a byte.
 */
// @ts-ignore: decorator
@inline function maskBytes(per: i32): i32 {
  return (per + 7) >> 3;
}

/**
 * The mask of nb images of `per` floats each at y: bit k & 7 of byte k >> 3 of image n's maskBytes(per) bytes
 * is 1 where y[n·per + k] > 0 (NaN gives 0). Sixteen floats at a time: four comparisons narrowed to sixteen
 * lanes, whose i8x16.bitmask is the sixteen bits (lane i = float k + i, bit i), stored as two bytes.
 */
export function positiveMask(y: usize, mask: usize, nb: i32, per: i32): void {
  const zero = f32x4.splat(0);
  const mb = <usize>maskBytes(per);
  const n16 = per & ~15;
  for (let n = 0; n < nb; n++) {
    const yn = y + <usize>(n * per) * 4, mn = mask + <usize>n * mb;
    let k = 0;
    for (; k < n16; k += 16) {
      const p = yn + (<usize>k << 2);
      const lo = i16x8.narrow_i32x4_s(f32x4.gt(v128.load(p), zero), f32x4.gt(v128.load(p, 16), zero));
      const hi = i16x8.narrow_i32x4_s(f32x4.gt(v128.load(p, 32), zero), f32x4.gt(v128.load(p, 48), zero));
      store<u16>(mn + <usize>(k >> 3), <u16>i8x16.bitmask(i8x16.narrow_i16x8_s(lo, hi)));
    }
    for (; k < per; k += 8) {
      let bits: u32 = 0;
      for (let t = 0; t < 8 && k + t < per; t++) {
        if (load<f32>(yn + (<usize>(k + t) << 2)) > 0) bits |= 1 << t;
      }
      store<u8>(mn + <usize>(k >> 3), <u8>bits);
    }
  }
}

/**
 * g[n·per + k] ← itself where its mask bit is 1, else +0, in place, for nb images and k in [k0, k1)
 * (reluBackward's values, with the mask for y > 0). Four floats at a time, their bits as lane masks (maskLanes).
 */
function applyMask(g: usize, mask: usize, nb: i32, per: i32, k0: i32, k1: i32): void {
  const mb = <usize>maskBytes(per);
  const n4 = k0 + ((k1 - k0) & ~3);
  for (let n = 0; n < nb; n++) {
    const gn = g + <usize>(n * per) * 4, mn = mask + <usize>n * mb;
    let k = k0;
    for (; k < n4; k += 4) {
      const p = gn + (<usize>k << 2);
      v128.store(p, v128.and(v128.load(p), maskLanes(mn, k)));
    }
    for (; k < k1; k++) {
      if (((<i32>load<u8>(mn + <usize>(k >> 3)) >> (k & 7)) & 1) == 0) store<f32>(gn + (<usize>k << 2), 0);
    }
  }
}

/**
 * The four mask bits of floats k … k + 3 of an image's mask at mn, as lane masks: splatted and tested against
 * 1, 2, 4, 8. Any k: a 16-bit load, which may read one byte past the image's (the callers leave one spare).
 */
// @ts-ignore: decorator
@inline function maskLanes(mn: usize, k: i32): v128 {
  const nibble = (<i32>load<u16>(mn + <usize>(k >> 3)) >> (k & 7)) & 15;
  return i32x4.ne(v128.and(i32x4.splat(nibble), i32x4(1, 2, 4, 8)), i32x4.splat(0));
}

/**
 * avgPoolBackward then applyMask in one pass, for output channels [o0, o1) of nb images, for unpadded windows
 * that do not overlap (sh ≥ KH, sw ≥ KW: DrLIM's 3×3 pooling), where every element receives at most one window's
 * value f32(0 + g / (KH·KW)), the value avgPoolBackward stores. Rows no window covers are zeros. The same bits as
 * the two passes, without the zeroing pass and the copies.
 *
 * Windows three wide at stride three (DrLIM's) take poolMaskRows3, in registers. Otherwise each window row's
 * first conv row is written once, unmasked, element by element (zeros in the gaps); the window's other rows are
 * it, masked four floats at a time; then it is masked in place.
 */
function poolMaskBackward(
  gp: usize, gy: usize, mask: usize, nb: i32, O: i32, OH: i32, OW: i32, POH: i32, POW: i32, KH: i32, KW: i32,
  sh: i32, sw: i32, o0: i32, o1: i32,
): void {
  const per = O * OH * OW, mb = <usize>maskBytes(per), div = <f64>(KH * KW);
  const rowBytes = <usize>OW << 2;
  const threes = KW == 3 && sw == 3;
  for (let n = 0; n < nb; n++) {
    const mn = mask + <usize>n * mb;
    for (let o = o0; o < o1; o++) {
      let t = gp + <usize>((n * O + o) * POH * POW) * 4;
      const plane = gy + <usize>((n * O + o) * OH * OW) * 4;
      const k0 = o * OH * OW;
      for (let i = 0; i < OH; i++) {
        const I = i / sh, u = i - I * sh;
        const row = plane + <usize>i * rowBytes;
        if (I >= POH || u >= KH) {
          memory.fill(row, 0, rowBytes);
          continue;
        }
        if (u > 0) continue; // written with the window's first row, below
        if (threes) {
          poolMaskRows3(t, row, rowBytes, mn, k0 + i * OW, OW, POW, KH, div);
          t += <usize>POW << 2;
          continue;
        }
        // The window row's values, unmasked, in its first conv row.
        for (let j = 0; j < OW; j++) store<f32>(row + (<usize>j << 2), 0);
        for (let J = 0; J < POW; J++) {
          const once = <f32>(<f64>0 + <f64>load<f32>(t) / div);
          t += 4;
          const at = row + (<usize>(J * sw) << 2);
          for (let v = 0; v < KW; v++) store<f32>(at + (<usize>v << 2), once);
        }
        // The other rows: the first, masked (rows past OH do not exist: POH·sh − sh + KH ≤ OH).
        for (let q = 1; q < KH; q++) {
          const dst = row + <usize>q * rowBytes, k = k0 + (i + q) * OW;
          for (let j = 0; j < OW; j += 4) {
            const v = v128.and(v128.load(row + (<usize>j << 2)), maskLanes(mn, k + j));
            storeLanes(dst + (<usize>j << 2), v, min(4, OW - j));
          }
        }
        const k = k0 + i * OW;
        for (let j = 0; j < OW; j += 4) {
          const v = v128.and(v128.load(row + (<usize>j << 2)), maskLanes(mn, k + j));
          storeLanes(row + (<usize>j << 2), v, min(4, OW - j));
        }
      }
    }
  }
}

/**
 * One window row of poolMaskBackward for windows three wide at stride three: the POW values at t (float32) give
 * conv rows row … row + (KH − 1)·rowBytes, OW floats each, whose first float is bit k of the image's mask at mn.
 * Twelve columns (four windows) at a time, all in registers: the four values f32(0 + g / div) in two f64x2
 * divisions, spread to [a a a b] [b b c c] [c d d d] by shuffles, and for each of the KH rows masked by its
 * twelve bits (one 32-bit load, splatted; lane i of vector s tests bit 4s + i). Values of windows past POW are zeros
 * (the columns no window covers). Reads up to three floats past the POW values and three bytes past a row's
 * last mask bit (the staged buffers keep them spare); writes only the OW floats of each row.
 */
function poolMaskRows3(t: usize, row: usize, rowBytes: usize, mn: usize, k: i32, OW: i32, POW: i32, KH: i32, div: f64): void {
  const d = f64x2.splat(div), zero = f64x2.splat(0);
  const b0 = i32x4(1, 2, 4, 8), b1 = i32x4(16, 32, 64, 128), b2 = i32x4(256, 512, 1024, 2048);
  for (let j = 0, w = 0; j < OW; j += 12, w += 4) {
    let vals = i32x4.splat(0);
    if (w < POW) {
      const g = v128.load(t + (<usize>w << 2));
      const lo = f64x2.add(zero, f64x2.div(f64x2.promote_low_f32x4(g), d));
      const hi = f64x2.add(zero, f64x2.div(f64x2.promote_low_f32x4(i32x4.shuffle(g, g, 2, 3, 2, 3)), d));
      vals = i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
      if (POW - w < 4) vals = v128.and(vals, i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(POW - w)));
    }
    const r0 = i32x4.shuffle(vals, vals, 0, 0, 0, 1);
    const r1 = i32x4.shuffle(vals, vals, 1, 1, 2, 2);
    const r2 = i32x4.shuffle(vals, vals, 2, 3, 3, 3);
    const left = OW - j;
    for (let q = 0; q < KH; q++) {
      const kb = k + q * OW + j;
      const bits = i32x4.splat(<i32>(load<u32>(mn + <usize>(kb >> 3)) >>> (kb & 7)));
      const dst = row + <usize>q * rowBytes + (<usize>j << 2);
      const v0 = v128.and(r0, i32x4.eq(v128.and(bits, b0), b0));
      const v1 = v128.and(r1, i32x4.eq(v128.and(bits, b1), b1));
      const v2 = v128.and(r2, i32x4.eq(v128.and(bits, b2), b2));
      if (left >= 12) {
        v128.store(dst, v0);
        v128.store(dst, v1, 16);
        v128.store(dst, v2, 32);
      } else {
        storeLanes(dst, v0, min(4, left));
        if (left > 4) storeLanes(dst + 16, v1, min(4, left - 4));
        if (left > 8) storeLanes(dst + 32, v2, left - 8);
      }
    }
  }
}

/**
 * For nb padded images at x: y = relu(conv(x, ws) + bias) (convDirectForward, y a scratch area of nb·O·OH·OW
 * floats), pooled = avgPoolForward(y) over its nb·O planes, mask = positiveMask(y) (nb·⌈O·OH·OW/8⌉ bytes).
 */
export function convReluPoolForward(
  x: usize, ws: usize, y: usize, pooled: usize, mask: usize, nb: i32, C: i32, Hp: i32, Wp: i32, O: i32, KH: i32,
  KW: i32, bias: usize, geo: usize,
): void {
  const OH = Hp - KH + 1, OW = Wp - KW + 1;
  convDirectForward(x, ws, y, nb, C, Hp, Wp, O, KH, KW, bias, 1);
  avgPoolForward(y, pooled, nb * O, OH, OW, load<i32>(geo), load<i32>(geo, 4), load<i32>(geo, 8), load<i32>(geo, 12),
    load<i32>(geo, 16), load<i32>(geo, 20), load<i32>(geo, 24), load<i32>(geo, 28), load<i32>(geo, 32));
  positiveMask(y, mask, nb, O * OH * OW);
}

/**
 * The weight and bias gradients of {@link convReluPoolForward} for nb images and output channels [o0, o1), from
 * the pooled cotangent gp: gy = avgPoolBackward(gp) masked by `mask` (gy a scratch area of nb·O·OH·OW floats and
 * 4 spare; one pass, poolMaskBackward, for unpadded windows that do not overlap), then
 * convDirectBackwardParams(x, gy, no relu output, sums, gw) over those channels.
 */
export function convReluPoolBackwardParams(
  x: usize, gp: usize, mask: usize, gy: usize, sums: usize, gw: usize, nb: i32, C: i32, Hp: i32, Wp: i32, O: i32,
  KH: i32, KW: i32, geo: usize, o0: i32, o1: i32,
): void {
  const OH = Hp - KH + 1, OW = Wp - KW + 1;
  const PKH = load<i32>(geo, 8), PKW = load<i32>(geo, 12), psh = load<i32>(geo, 16), psw = load<i32>(geo, 20);
  const pph = load<i32>(geo, 24), ppw = load<i32>(geo, 28);
  if (psh >= PKH && psw >= PKW && pph == 0 && ppw == 0) {
    poolMaskBackward(gp, gy, mask, nb, O, OH, OW, load<i32>(geo), load<i32>(geo, 4), PKH, PKW, psh, psw, o0, o1);
  } else {
    const POH = load<i32>(geo), POW = load<i32>(geo, 4), OHW = OH * OW;
    for (let n = 0; n < nb; n++) {
      avgPoolBackward(gp + <usize>((n * O + o0) * POH * POW) * 4, gy + <usize>((n * O + o0) * OHW) * 4, o1 - o0, OH, OW,
        POH, POW, PKH, PKW, psh, psw, pph, ppw, load<i32>(geo, 32));
    }
    applyMask(gy, mask, nb, O * OHW, o0 * OHW, o1 * OHW);
  }
  convDirectBackwardParams(x, gy, 0, sums, gw, nb, C, Hp, Wp, O, KH, KW, o0, o1);
}

/*
 * The input gradient of a single-channel convolution (a network's first layer, C = 1): the transposed
 * convolution gxp[u, v] = Σ_{o,p,q} gy[o, u − p, v − q] · w[o, p, q] over the padded input's Hp×Wp positions,
 * computed as a correlation of gy zero-padded by (KH − 1, KW − 1) with the flipped kernel:
 *   gxp[u, v] = Σ_o Σ_{p'<KH} Σ_{q'<KW} gyp[o, u + p', v + q'] · w[o, KH − 1 − p', KW − 1 − q'].
 * Each output sums its O·KH·KW products in that order (o, p', q'), whichever block computes it.
 */

/**
 * V ≤ 4 output vectors (4V columns) of one output row at dst: src is the padded gy at the row's first tap, ws the
 * flipped, splatted weights (one v128 per (o, p', q'), in that order), Gh×Gw the padded planes. V accumulators
 * stay in registers across the O·KH·KW taps; each tap is one weight load and V loads of gy.
 */
// @ts-ignore: decorator
@inline function inputVectors(
  V: i32, src: usize, ws: usize, dst: usize, O: i32, KH: i32, KW: i32, Gh: i32, Gw: i32, lanes: i32,
): void {
  const zero = f32x4.splat(0);
  let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
  const rowBytes = <usize>Gw << 2, planeSkip = <usize>((Gh - KH) * Gw) << 2, kernelRow = <usize>KW << 4;
  let wp = ws, row = src;
  for (let o = 0; o < O; o++) {
    for (let p = 0; p < KH; p++) {
      let xp = row;
      const wend = wp + kernelRow;
      while (wp < wend) {
        const w = v128.load(wp);
        a0 = f32x4.add(a0, f32x4.mul(v128.load(xp), w));
        if (V > 1) a1 = f32x4.add(a1, f32x4.mul(v128.load(xp, 16), w));
        if (V > 2) a2 = f32x4.add(a2, f32x4.mul(v128.load(xp, 32), w));
        if (V > 3) a3 = f32x4.add(a3, f32x4.mul(v128.load(xp, 48), w));
        xp += 4;
        wp += 16;
      }
      row += rowBytes;
    }
    row += planeSkip;
  }
  if (V == 1) {
    storeLanes(dst, a0, lanes);
    return;
  }
  v128.store(dst, a0);
  if (V > 1) v128.store(dst, a1, 16);
  if (V > 2) v128.store(dst, a2, 32);
  if (V > 3) v128.store(dst, a3, 48);
}

/**
 * gx (nb images of Hp×Wp floats, Hp = OH + KH − 1, Wp = OW + KW − 1: the padded input's gradient, one channel) for
 * the output gradients gy (nb·O·OH·OW floats) and the flipped, splatted weights ws (O·KH·KW v128s). `scratch`
 * takes one image's padded planes, O·(OH + 2KH − 2)·(OW + 2KW − 2) floats and 4 spare: zeroed once, then each
 * image's planes are copied into its interior (the borders stay zero). Four vectors (16 columns) at a time,
 * then single vectors for the rest of the row: on DrLIM's first layer four ran at 19 GFLOP/s, two and three at
 * 13, five to eight at 11–14 (V8 spills past four accumulators here).
 */
export function convDirectBackwardInput(
  gy: usize, ws: usize, gx: usize, nb: i32, O: i32, OH: i32, OW: i32, KH: i32, KW: i32, scratch: usize,
): void {
  const Gh = OH + 2 * (KH - 1), Gw = OW + 2 * (KW - 1), Hp = OH + KH - 1, Wp = OW + KW - 1;
  const plane = Gh * Gw;
  memory.fill(scratch, 0, (<usize>(O * plane) + 4) << 2);
  const rowIn = <usize>OW << 2, rowPad = <usize>Gw << 2;
  for (let n = 0; n < nb; n++) {
    const gyn = gy + (<usize>(n * O * OH * OW) << 2), gxn = gx + (<usize>(n * Hp * Wp) << 2);
    for (let o = 0; o < O; o++) {
      let s = gyn + (<usize>(o * OH * OW) << 2);
      let d = scratch + (<usize>(o * plane + (KH - 1) * Gw + KW - 1) << 2);
      for (let i = 0; i < OH; i++) {
        memory.copy(d, s, rowIn);
        s += rowIn;
        d += rowPad;
      }
    }
    for (let u = 0; u < Hp; u++) {
      const src = scratch + (<usize>(u * Gw) << 2), dst = gxn + (<usize>(u * Wp) << 2);
      let v = 0;
      for (; v + 16 <= Wp; v += 16) inputVectors(4, src + (<usize>v << 2), ws, dst + (<usize>v << 2), O, KH, KW, Gh, Gw, 4);
      for (; v < Wp; v += 4) inputVectors(1, src + (<usize>v << 2), ws, dst + (<usize>v << 2), O, KH, KW, Gh, Gw, min(4, Wp - v));
    }
  }
}
