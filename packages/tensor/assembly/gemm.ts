/*
 * WebAssembly SIMD gemm (float32), compiled by AssemblyScript at build time (scripts/build-wasm.mjs) into the
 * bytes module src/kernels/wasm/bytes.generated.ts. The TypeScript side (src/kernels/wasm/gemm.ts) copies the
 * operands into this module's memory, calls gemm() on a rectangle of C (one per thread) and copies C out.
 *
 * Addresses are byte offsets into the one (imported) memory; element strides and offset tables are in
 * float32 elements. The structure is GotoBLAS/BLIS, as in the TypeScript kernel (kernels/gemm.ts):
 *
 *   for jc in [j0, j1) step NC:                 B block  (KC×NC f32, 512 KB)
 *     for pc in K step KC:
 *       pack B[pc:pc+kc, jc:jc+nc] into NR-column micro-panels
 *       for ic in [i0, i1) step MC:             A block  (MC×KC f32, 64 KB: stays in L2)
 *         pack A[ic:ic+mc, pc:pc+kc] into MR-row micro-panels
 *         for jr in nc step NR:                 B micro-panel (KC×NR f32, 8 KB: stays in L1)
 *           for ir in mc step MR:
 *             micro-kernel: C[MR×NR tile] (+)= A micro-panel · B micro-panel
 *
 * Micro-tile MR×NR = 2×16: per k step four f32x4 loads of B, two splat loads of A, eight multiplies and eight
 * adds into eight f32x4 accumulators. V8 gives wasm SIMD 15 XMM registers; 8 accumulators + 4 B vectors +
 * 2 A splats = 14 fit (6×8 = 12 accumulators spills one per k step, ~27 against ~38 GFLOP/s at 512³; 4×8 was
 * close to 2×16). Unrolling the k loop made every shape slower: V8 hoists the loads and spills.
 *
 * Arithmetic: products are summed in float32, in the order p = 0, 1, ..., kc-1 within each KC-deep slice,
 * added to C (float32) once per slice. Every element of C goes through the same instruction sequence whatever
 * rectangle [i0,i1)×[j0,j1) it belongs to (the tile position only changes which lanes hold it), so splitting
 * C between threads cannot change a bit of the result.
 */

/** Micro-tile rows. The micro-kernel is written for exactly 2. */
const MR: i32 = 2;
/** Micro-tile columns: four f32x4 lanes. The micro-kernel is written for exactly 16. */
const NR: i32 = 16;
/** Depth of a packed slice (best of 64/128/256 for the 2×16 tile). */
const KC: i32 = 128;
/** Rows of a packed A block (multiple of MR). */
const MC: i32 = 128;
/** Columns of a packed B block (multiple of NR). */
const NC: i32 = 1024;

/** Byte offsets inside one thread's workspace: [A block | B block | MR×NR edge tile]. */
const WS_A: usize = 0;
const WS_B: usize = WS_A + <usize>(MC * KC * 4);
const WS_T: usize = WS_B + <usize>(KC * NC * 4);
const WS_END: usize = WS_T + <usize>(MR * NR * 4);

/** Bytes of one thread's packing workspace (the caller reserves one per thread, 16-byte aligned). */
export function workspaceBytes(): i32 {
  return <i32>WS_END;
}

/** The blocking constants, for the TypeScript side's splits: [MR, NR, KC, MC, NC][i]. */
export function blocking(i: i32): i32 {
  return i == 0 ? MR : i == 1 ? NR : i == 2 ? KC : i == 3 ? MC : NC;
}

/**
 * C[i, j] (+)= Σ_{p<K} A(i, p) · B(p, j) for i in [i0, i1), j in [j0, j1), K ≥ 1.
 *
 * A(i, p) is at a + 4·(i·aRs + p·aCs), or, when aRows ≠ 0, at a + 4·(aRows[i] + aCols[p]) (int32 tables);
 * likewise B(p, j) with bRs, bCs or the tables bRows (by p), bCols (by j). C(i, j) is at c + 4·(i·ldc + j).
 * `ws` is this thread's workspace (workspaceBytes() bytes).
 */
export function gemm(
  K: i32,
  a: usize, aRs: i32, aCs: i32, aRows: usize, aCols: usize,
  b: usize, bRs: i32, bCs: i32, bRows: usize, bCols: usize,
  c: usize, ldc: i32, accumulate: i32,
  i0: i32, i1: i32, j0: i32, j1: i32, ws: usize,
): void {
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      // Later slices add onto the partial sums the earlier ones stored.
      const acc = accumulate != 0 || pc > 0;
      if (bRows != 0) packBGather(b, bRows, bCols, pc, jc, kc, nc, ws + WS_B);
      else packB(b, bRs, bCs, pc, jc, kc, nc, ws + WS_B);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        if (aRows != 0) packAGather(a, aRows, aCols, ic, pc, mc, kc, ws + WS_A);
        else packA(a, aRs, aCs, ic, pc, mc, kc, ws + WS_A);
        macro(mc, nc, kc, c + (<usize>ic * <usize>ldc + <usize>jc) * 4, ldc, acc, ws);
      }
    }
  }
}

/**
 * The packed A block × the packed B block, tile by tile. Full tiles go straight into C; edge tiles (past the
 * block's rows or columns, whose packed entries are zero) are computed into the workspace tile and only their
 * valid part is added or copied, so C is never written outside the rectangle.
 */
function macro(mc: i32, nc: i32, kc: i32, c: usize, ldc: i32, acc: bool, ws: usize): void {
  const ldcBytes = <usize>ldc * 4;
  const tile = ws + WS_T;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const bp = ws + WS_B + <usize>(jr * kc) * 4;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const ap = ws + WS_A + <usize>(ir * kc) * 4;
      const cp = c + (<usize>ir * ldcBytes) + <usize>jr * 4;
      if (mr == MR && nr == NR) {
        micro(kc, ap, bp, cp, ldcBytes, acc);
      } else {
        micro(kc, ap, bp, tile, NR * 4, false);
        for (let i = 0; i < mr; i++) {
          const src = tile + <usize>(i * NR) * 4;
          const dst = cp + <usize>i * ldcBytes;
          for (let j = 0; j < nr; j++) {
            const o = <usize>j * 4;
            const v = load<f32>(src + o);
            store<f32>(dst + o, acc ? load<f32>(dst + o) + v : v);
          }
        }
      }
    }
  }
}

/**
 * The 2×16 register tile: C[i, 0:16] (+)= Σ_p ap[2p + i] · bp[16p : 16p+16] for i < 2. The A panel holds, per
 * p, the two rows' values (splat into all four lanes); the B panel, per p, 16 consecutive columns.
 */
function micro(kc: i32, ap: usize, bp: usize, c: usize, ldcBytes: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  const end = ap + <usize>kc * 8;
  while (ap < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16), b2 = v128.load(bp, 32), b3 = v128.load(bp, 48);
    const a0 = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    c02 = f32x4.add(c02, f32x4.mul(a0, b2));
    c03 = f32x4.add(c03, f32x4.mul(a0, b3));
    const a1 = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    c12 = f32x4.add(c12, f32x4.mul(a1, b2));
    c13 = f32x4.add(c13, f32x4.mul(a1, b3));
    ap += 8;
    bp += 64;
  }
  const c1 = c + ldcBytes;
  if (acc) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c02 = f32x4.add(c02, v128.load(c, 32)); c03 = f32x4.add(c03, v128.load(c, 48));
    c10 = f32x4.add(c10, v128.load(c1)); c11 = f32x4.add(c11, v128.load(c1, 16));
    c12 = f32x4.add(c12, v128.load(c1, 32)); c13 = f32x4.add(c13, v128.load(c1, 48));
  }
  v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c02, 32); v128.store(c, c03, 48);
  v128.store(c1, c10); v128.store(c1, c11, 16); v128.store(c1, c12, 32); v128.store(c1, c13, 48);
}

/*
 * Packing. A block (mc×kc from row ic, column pc) → ceil(mc/2) panels of kc×2 at `dst`, p-major:
 * dst[panel·2kc + 2p + i] = A(ic + 2·panel + i, pc + p). B block (kc×nc from row pc, column jc) → ceil(nc/16)
 * panels of kc×16: dst[panel·16kc + 16p + j] = B(pc + p, jc + 16·panel + j). Rows / columns past the block are
 * zeros: the micro-kernel computes them and the edge copy drops them (stale values could be NaN).
 */

function packA(a: usize, rs: i32, cs: i32, ic: i32, pc: i32, mc: i32, kc: i32, dst: usize): void {
  const csB = <usize>cs * 4;
  for (let x = 0; x < mc; x += MR) {
    let s0 = a + (<usize>(ic + x) * <usize>rs + <usize>pc * <usize>cs) * 4;
    const end = dst + <usize>kc * 8;
    if (mc - x >= 2) {
      let s1 = s0 + <usize>rs * 4;
      while (dst < end) {
        store<f32>(dst, load<f32>(s0));
        store<f32>(dst, load<f32>(s1), 4);
        s0 += csB;
        s1 += csB;
        dst += 8;
      }
    } else {
      while (dst < end) {
        store<f32>(dst, load<f32>(s0));
        store<f32>(dst, 0, 4);
        s0 += csB;
        dst += 8;
      }
    }
  }
}

function packAGather(a: usize, rows: usize, cols: usize, ic: i32, pc: i32, mc: i32, kc: i32, dst: usize): void {
  for (let x = 0; x < mc; x += MR) {
    const r0 = load<i32>(rows + <usize>(ic + x) * 4);
    const r1 = mc - x >= 2 ? load<i32>(rows + <usize>(ic + x + 1) * 4) : 0;
    const two = mc - x >= 2;
    for (let p = 0; p < kc; p++) {
      const col = load<i32>(cols + <usize>(pc + p) * 4);
      store<f32>(dst, load<f32>(a + <usize>(r0 + col) * 4));
      store<f32>(dst, two ? load<f32>(a + <usize>(r1 + col) * 4) : 0, 4);
      dst += 8;
    }
  }
}

function packB(b: usize, rs: i32, cs: i32, pc: i32, jc: i32, kc: i32, nc: i32, dst: usize): void {
  const rsB = <usize>rs * 4;
  for (let x = 0; x < nc; x += NR) {
    const m = min(NR, nc - x);
    let s = b + (<usize>pc * <usize>rs + <usize>(jc + x) * <usize>cs) * 4;
    const end = dst + <usize>kc * 64;
    if (m == NR && cs == 1) {
      // Row-major B: each panel row is 16 consecutive floats.
      while (dst < end) {
        v128.store(dst, v128.load(s));
        v128.store(dst, v128.load(s, 16), 16);
        v128.store(dst, v128.load(s, 32), 32);
        v128.store(dst, v128.load(s, 48), 48);
        s += rsB;
        dst += 64;
      }
    } else {
      const csB = <usize>cs * 4;
      while (dst < end) {
        let q = s;
        for (let j = 0; j < m; j++) {
          store<f32>(dst + <usize>j * 4, load<f32>(q));
          q += csB;
        }
        for (let j = m; j < NR; j++) store<f32>(dst + <usize>j * 4, 0);
        s += rsB;
        dst += 64;
      }
    }
  }
}

function packBGather(b: usize, rows: usize, cols: usize, pc: i32, jc: i32, kc: i32, nc: i32, dst: usize): void {
  for (let x = 0; x < nc; x += NR) {
    const m = min(NR, nc - x);
    const cx = cols + <usize>(jc + x) * 4;
    // A panel whose 16 column offsets are consecutive (16 neighbouring output pixels of one image row, at
    // stride 1) reads 16 consecutive floats per row: four vector loads instead of sixteen gathers.
    let run = m == NR;
    if (run) {
      const c0 = load<i32>(cx);
      for (let j = 1; j < NR; j++) if (load<i32>(cx + <usize>j * 4) != c0 + j) run = false;
    }
    if (run) {
      const c0 = b + <usize>load<i32>(cx) * 4;
      for (let p = 0; p < kc; p++) {
        const r = c0 + <usize>load<i32>(rows + <usize>(pc + p) * 4) * 4;
        v128.store(dst, v128.load(r));
        v128.store(dst, v128.load(r, 16), 16);
        v128.store(dst, v128.load(r, 32), 32);
        v128.store(dst, v128.load(r, 48), 48);
        dst += 64;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const r = b + <usize>load<i32>(rows + <usize>(pc + p) * 4) * 4;
      if (m == NR) {
        // Sixteen gathered loads, then four vector stores (the offsets stay in L1 across p).
        for (let j = 0; j < NR; j += 4) {
          let v = f32x4.splat(load<f32>(r + <usize>load<i32>(cx + <usize>j * 4) * 4));
          v = f32x4.replace_lane(v, 1, load<f32>(r + <usize>load<i32>(cx + <usize>(j + 1) * 4) * 4));
          v = f32x4.replace_lane(v, 2, load<f32>(r + <usize>load<i32>(cx + <usize>(j + 2) * 4) * 4));
          v = f32x4.replace_lane(v, 3, load<f32>(r + <usize>load<i32>(cx + <usize>(j + 3) * 4) * 4));
          v128.store(dst + <usize>j * 4, v);
        }
      } else {
        for (let j = 0; j < m; j++) store<f32>(dst + <usize>j * 4, load<f32>(r + <usize>load<i32>(cx + <usize>j * 4) * 4));
        for (let j = m; j < NR; j++) store<f32>(dst + <usize>j * 4, 0);
      }
      dst += 64;
    }
  }
}

/**
 * dst[s·R + r] = src[r·S + s] for an R×S float32 matrix (byte addresses): the transposing copy a product computed
 * as Cᵀ needs on its way out (and in, when it accumulates). In 8×8 tiles, so both sides stay in cache lines; done
 * here because a JavaScript loop reading shared wasm memory element by element runs at ~7 ns an element.
 */
export function transpose(src: usize, dst: usize, R: i32, S: i32): void {
  for (let r0 = 0; r0 < R; r0 += 8) {
    const r1 = min(r0 + 8, R);
    for (let s0 = 0; s0 < S; s0 += 8) {
      const s1 = min(s0 + 8, S);
      for (let r = r0; r < r1; r++) {
        const row = src + (<usize>(r * S) << 2);
        for (let s = s0; s < s1; s++) store<f32>(dst + (<usize>(s * R + r) << 2), load<f32>(row + (<usize>s << 2)));
      }
    }
  }
}

/**
 * n iterations of 12 independent f32x4 multiply-add chains with no memory traffic: 96 flops per iteration, the
 * register-only upper bound of this module's own instruction mix (mul then add, no FMA). The bench times it to
 * report the fraction of the machine's 128-bit SIMD peak that gemm reaches. Returns a lane of the sum so that the
 * work cannot be dropped.
 */
export function simdPeak(n: i32): f32 {
  const m = f32x4.splat(0.999999), c = f32x4.splat(1e-7);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(1.1), a2 = f32x4.splat(1.2), a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4), a5 = f32x4.splat(1.5), a6 = f32x4.splat(1.6), a7 = f32x4.splat(1.7);
  let a8 = f32x4.splat(1.8), a9 = f32x4.splat(1.9), a10 = f32x4.splat(2.0), a11 = f32x4.splat(2.1);
  for (let i = 0; i < n; i++) {
    a0 = f32x4.add(f32x4.mul(a0, m), c); a1 = f32x4.add(f32x4.mul(a1, m), c);
    a2 = f32x4.add(f32x4.mul(a2, m), c); a3 = f32x4.add(f32x4.mul(a3, m), c);
    a4 = f32x4.add(f32x4.mul(a4, m), c); a5 = f32x4.add(f32x4.mul(a5, m), c);
    a6 = f32x4.add(f32x4.mul(a6, m), c); a7 = f32x4.add(f32x4.mul(a7, m), c);
    a8 = f32x4.add(f32x4.mul(a8, m), c); a9 = f32x4.add(f32x4.mul(a9, m), c);
    a10 = f32x4.add(f32x4.mul(a10, m), c); a11 = f32x4.add(f32x4.mul(a11, m), c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))), 0);
}
