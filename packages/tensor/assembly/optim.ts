/*
 * Optimiser updates over float32 rows, in float64 lanes (f64x2), with the arithmetic and roundings of the
 * TypeScript loops in src/kernels/adam.ts: every operation in float64 on the float32 values, each stored value
 * rounded once to float32 and read back as that float32, so both backends give the same bits.
 */

/** Flags of {@link adamRow}. */
const MAXIMIZE: i32 = 1;
const DECOUPLED: i32 = 2;

/** Two float32 (or one, `two` false) at p, widened to float64 lanes. */
// @ts-ignore: decorator
@inline function load2(p: usize, two: bool): v128 {
  return f64x2.promote_low_f32x4(two ? v128.load64_zero(p) : v128.load32_zero(p));
}

/** Stores x's lanes rounded to float32 at p (two floats, or one) and returns those float32 values widened. */
// @ts-ignore: decorator
@inline function store2(p: usize, x: v128, two: bool): v128 {
  const f = f32x4.demote_f64x2_zero(x);
  if (two) v128.store64_lane(p, f, 0);
  else v128.store32_lane(p, f, 0);
  return f64x2.promote_low_f32x4(f);
}

/** One Adam update of the element(s) at byte offset o: two, or one for the tail (the same instructions). */
// @ts-ignore: decorator
@inline function adam2(
  w: usize, g: usize, m: usize, v: usize, vmax: usize, o: usize, two: bool,
  b1: v128, c1: v128, b2: v128, c2: v128, eps: v128, stepSize: v128, sqrtBc2: v128, wd: f64, decay: v128, flags: i32,
): void {
  let G = load2(g + o, two);
  if (flags & MAXIMIZE) G = f64x2.neg(G);
  let W = load2(w + o, two);
  if (wd != 0) {
    if (flags & DECOUPLED) W = store2(w + o, f64x2.mul(W, decay), two);
    else G = f64x2.add(G, f64x2.mul(f64x2.splat(wd), W));
  }
  const M = store2(m + o, f64x2.add(f64x2.mul(b1, load2(m + o, two)), f64x2.mul(c1, G)), two);
  let V = store2(v + o, f64x2.add(f64x2.mul(b2, load2(v + o, two)), f64x2.mul(f64x2.mul(c2, G), G)), two);
  if (vmax != 0) {
    // vmax ← v where v > vmax (a NaN v keeps vmax), then v̂ = vmax.
    const X = load2(vmax + o, two);
    V = store2(vmax + o, v128.bitselect(V, X, f64x2.gt(V, X)), two);
  }
  const denom = f64x2.add(f64x2.div(f64x2.sqrt(V), sqrtBc2), eps);
  store2(w + o, f64x2.sub(W, f64x2.div(f64x2.mul(stepSize, M), denom)), two);
}

/**
 * Adam's (and AdamW's) update of n float32 parameters w with gradients g, first and second moments m and v, and
 * (vmax ≠ 0: amsgrad) the running maximum of v, all in place, two elements a step:
 *   g ← −g if maximize;  w ← w·decay (decoupled weight decay) or g ← g + wd·w (L2), when wd ≠ 0;
 *   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g·g;  vmax ← max(vmax, v);
 *   w ← w − stepSize·m / (√v̂ / sqrtBc2 + ε),  v̂ = vmax or v,
 * where stepSize = lr / (1 − β1ᵗ), sqrtBc2 = √(1 − β2ᵗ), decay = 1 − lr·wd, c1 = 1 − β1, c2 = 1 − β2 (the
 * caller's float64 values). flags: 1 maximize, 2 decoupled.
 */
export function adamRow(
  w: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  b1: f64, c1: f64, b2: f64, c2: f64, eps: f64, stepSize: f64, sqrtBc2: f64, wd: f64, decay: f64, flags: i32,
): void {
  const B1 = f64x2.splat(b1), C1 = f64x2.splat(c1), B2 = f64x2.splat(b2), C2 = f64x2.splat(c2);
  const E = f64x2.splat(eps), S = f64x2.splat(stepSize), Q = f64x2.splat(sqrtBc2), D = f64x2.splat(decay);
  let i = 0;
  for (; i + 2 <= n; i += 2) adam2(w, g, m, v, vmax, <usize>i << 2, true, B1, C1, B2, C2, E, S, Q, wd, D, flags);
  if (i < n) adam2(w, g, m, v, vmax, <usize>i << 2, false, B1, C1, B2, C2, E, S, Q, wd, D, flags);
}
