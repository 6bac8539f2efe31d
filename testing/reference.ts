/**
 * Naive float64 reference implementations, micrograd style: scalar loops over multi-indices, no strides
 * tricks, no cleverness. Every reference reads its inputs element by element through the tensor's
 * (data, shape, strides, offset), so it is independent of the library's iterators and kernels.
 *
 * An `Nd` is a plain row-major float64 array with a shape. It does not depend on @tsgrad/tensor: anything
 * with `data`, `shape`, `strides` and `offset` (a Tensor) can be read with `nd()`.
 */

/** A row-major float64 array with a shape. */
export interface Nd {
  shape: number[];
  data: Float64Array;
}

/** What `nd()` reads: a tensor's storage and layout. */
export interface StridedLike {
  data: ArrayLike<number>;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Every multi-index of `shape` in row-major order (one empty index for a scalar, none for an empty shape). */
export function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const n = size(shape);
  for (let flat = 0; flat < n; flat++) {
    const idx = new Array<number>(shape.length);
    let rem = flat;
    for (let k = shape.length - 1; k >= 0; k--) {
      idx[k] = rem % shape[k]!;
      rem = Math.floor(rem / shape[k]!);
    }
    out.push(idx);
  }
  return out;
}

/** Row-major position of a multi-index. */
export function flatIndex(shape: readonly number[], idx: readonly number[]): number {
  let f = 0;
  for (let k = 0; k < shape.length; k++) f = f * shape[k]! + idx[k]!;
  return f;
}

/** Element of a strided tensor: data[offset + Σ idx_k·strides_k]. */
export function get(t: StridedLike, idx: readonly number[]): number {
  let p = t.offset;
  for (let k = 0; k < idx.length; k++) p += idx[k]! * t.strides[k]!;
  return t.data[p]!;
}

export function at(a: Nd, idx: readonly number[]): number {
  return a.data[flatIndex(a.shape, idx)]!;
}

/** An Nd of `shape` whose element at each multi-index is f(index). */
export function build(shape: readonly number[], f: (idx: number[]) => number): Nd {
  const data = new Float64Array(size(shape));
  indices(shape).forEach((idx, i) => {
    data[i] = f(idx);
  });
  return { shape: shape.slice(), data };
}

/** Reads a tensor (any layout) into an Nd, element by element. */
export function nd(t: StridedLike): Nd {
  return build(t.shape, (idx) => get(t, idx));
}

/** An Nd from nested arrays (or a number). */
export function fromNested(v: unknown): Nd {
  const shape: number[] = [];
  let d = v;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0];
  }
  return build(shape, (idx) => {
    let e: unknown = v;
    for (const i of idx) e = (e as unknown[])[i];
    return e as number;
  });
}

// ---- broadcasting and elementwise ----------------------------------------------------------------

/** NumPy broadcast shape, or null when the shapes do not broadcast. */
export function broadcastShape(...shapes: (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    let d = 1;
    for (const s of shapes) {
      const j = k - (rank - s.length);
      const e = j < 0 ? 1 : s[j]!;
      if (e === 1) continue;
      if (d !== 1 && d !== e) return null;
      d = e;
    }
    out.push(d);
  }
  return out;
}

/** The index into an operand of shape `shape` that broadcasting reads for output index `idx`. */
export function broadcastIndex(idx: readonly number[], shape: readonly number[]): number[] {
  const lead = idx.length - shape.length;
  return shape.map((d, k) => (d === 1 ? 0 : idx[lead + k]!));
}

export function map(x: Nd, f: (v: number) => number): Nd {
  return { shape: x.shape.slice(), data: x.data.map(f) };
}

/** f applied to broadcast operands, element by element. */
export function zipN(xs: readonly Nd[], f: (...v: number[]) => number): Nd {
  const shape = broadcastShape(...xs.map((x) => x.shape));
  if (shape === null) throw new Error('reference: shapes do not broadcast');
  return build(shape, (idx) => f(...xs.map((x) => at(x, broadcastIndex(idx, x.shape)))));
}

// ---- reductions ----------------------------------------------------------------------------------

/** Sorted distinct axes in [0, ndim) for `axis` (number, list, negatives, undefined = all). */
export function normalizeAxes(axis: number | readonly number[] | undefined, ndim: number): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  return [...new Set(list.map((a) => (a < 0 ? a + ndim : a)))].sort((a, b) => a - b);
}

/**
 * Reduces `axes` with f(values): for each kept index, f receives the values along the reduced axes in row-major
 * order.
 */
export function reduce(x: Nd, axis: number | readonly number[] | undefined, keepDims: boolean, f: (vals: number[]) => number): Nd {
  const axes = normalizeAxes(axis, x.shape.length);
  const keptShape = x.shape.map((d, k) => (axes.includes(k) ? 1 : d));
  const redShape = axes.map((a) => x.shape[a]!);
  const reduced = build(keptShape, (idx) => {
    const vals: number[] = [];
    for (const r of indices(redShape)) {
      const full = idx.slice();
      axes.forEach((a, j) => {
        full[a] = r[j]!;
      });
      vals.push(at(x, full));
    }
    return f(vals);
  });
  if (keepDims) return reduced;
  return { shape: x.shape.filter((_, k) => !axes.includes(k)), data: reduced.data };
}

export const sumOf = (v: number[]): number => v.reduce((s, x) => s + x, 0);
export const prodOf = (v: number[]): number => v.reduce((s, x) => s * x, 1);
export const maxOf = (v: number[]): number => v.reduce((m, x) => (x > m || Number.isNaN(x) ? x : m), -Infinity);
export const minOf = (v: number[]): number => v.reduce((m, x) => (x < m || Number.isNaN(x) ? x : m), Infinity);
export const meanOf = (v: number[]): number => sumOf(v) / v.length;
export function varianceOf(v: number[], correction = 0): number {
  const m = meanOf(v);
  return sumOf(v.map((x) => (x - m) ** 2)) / Math.max(v.length - correction, 0);
}
export function logSumExpOf(v: number[]): number {
  const m = maxOf(v);
  if (!Number.isFinite(m)) return Math.log(sumOf(v.map((x) => Math.exp(x))));
  return m + Math.log(sumOf(v.map((x) => Math.exp(x - m))));
}
export function normOf(v: number[], ord: number): number {
  const a = v.map(Math.abs);
  if (ord === Infinity) return maxOf(a);
  if (ord === -Infinity) return minOf(a);
  if (ord === 0) return a.filter((x) => x !== 0).length;
  return sumOf(a.map((x) => x ** ord)) ** (1 / ord);
}
/** First index of the largest (isMax) or smallest value; the first NaN wins. */
export function argOf(v: number[], isMax: boolean): number {
  let best = 0;
  for (let i = 0; i < v.length; i++) {
    if (Number.isNaN(v[i]!)) return i;
    if (isMax ? v[i]! > v[best]! : v[i]! < v[best]!) best = i;
  }
  return best;
}

// ---- shapes and views ----------------------------------------------------------------------------

/** Python's range(len)[start:stop:step] as an explicit list of indices. */
export function pySliceIndices(n: number, start?: number | null, stop?: number | null, step?: number | null): number[] {
  const st = step ?? 1;
  const out: number[] = [];
  if (st > 0) {
    let s = start ?? 0;
    if (s < 0) s += n;
    s = Math.min(Math.max(s, 0), n);
    let e = stop ?? n;
    if (e < 0) e += n;
    e = Math.min(Math.max(e, 0), n);
    for (let i = s; i < e; i += st) out.push(i);
  } else {
    let s = start ?? n - 1;
    if (start !== null && start !== undefined && s < 0) s += n;
    s = Math.min(Math.max(s, -1), n - 1);
    let e: number;
    if (stop === null || stop === undefined) e = -1;
    else {
      e = stop < 0 ? stop + n : stop;
      e = Math.min(Math.max(e, -1), n - 1);
    }
    for (let i = s; i > e; i += st) out.push(i);
  }
  return out;
}

/** Permutes axes: output axis k is input axis perm[k]. */
export function permuteRef(x: Nd, perm: readonly number[]): Nd {
  const shape = perm.map((p) => x.shape[p]!);
  return build(shape, (idx) => {
    const src = new Array<number>(x.shape.length);
    perm.forEach((p, k) => {
      src[p] = idx[k]!;
    });
    return at(x, src);
  });
}

/** Joins along `axis`. */
export function concatRef(xs: readonly Nd[], axis: number): Nd {
  const shape = xs[0]!.shape.slice();
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  return build(shape, (idx) => {
    let i = idx[axis]!;
    for (const x of xs) {
      if (i < x.shape[axis]!) {
        const src = idx.slice();
        src[axis] = i;
        return at(x, src);
      }
      i -= x.shape[axis]!;
    }
    throw new Error('unreachable');
  });
}

/** Constant padding with one [before, after] pair per axis. */
export function padRef(x: Nd, pairs: readonly (readonly [number, number])[], value: number): Nd {
  const shape = x.shape.map((d, k) => d + pairs[k]![0] + pairs[k]![1]);
  return build(shape, (idx) => {
    const src = idx.map((i, k) => i - pairs[k]![0]);
    return src.every((i, k) => i >= 0 && i < x.shape[k]!) ? at(x, src) : value;
  });
}

/** NumPy's take along `axis` with integer indices of shape `ishape`. */
export function takeRef(x: Nd, index: Nd, axis: number): Nd {
  const n = x.shape[axis]!;
  const shape = [...x.shape.slice(0, axis), ...index.shape, ...x.shape.slice(axis + 1)];
  const ir = index.shape.length;
  return build(shape, (idx) => {
    const j = at(index, idx.slice(axis, axis + ir));
    const src = [...idx.slice(0, axis), j < 0 ? j + n : j, ...idx.slice(axis + ir)];
    return at(x, src);
  });
}

// ---- linear algebra -------------------------------------------------------------------------------

/** The triple loop, with NumPy's 1-D promotion and broadcast batch axes. */
export function matmulRef(a: Nd, b: Nd): Nd {
  const A = a.shape.length === 1 ? { shape: [1, a.shape[0]!], data: a.data } : a;
  const B = b.shape.length === 1 ? { shape: [b.shape[0]!, 1], data: b.data } : b;
  const M = A.shape[A.shape.length - 2]!, K = A.shape[A.shape.length - 1]!, N = B.shape[B.shape.length - 1]!;
  const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2));
  if (batch === null) throw new Error('reference: batch shapes do not broadcast');
  const out = build([...batch, M, N], (idx) => {
    const bi = idx.slice(0, -2), i = idx[idx.length - 2]!, j = idx[idx.length - 1]!;
    const ab = broadcastIndex(bi, A.shape.slice(0, -2)), bb = broadcastIndex(bi, B.shape.slice(0, -2));
    let s = 0;
    for (let p = 0; p < K; p++) s += at(A, [...ab, i, p]) * at(B, [...bb, p, j]);
    return s;
  });
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [M]), ...(b.shape.length === 1 ? [] : [N])];
  return { shape, data: out.data };
}

/** Pairwise p-distances between rows of a [..., n, d] and b [..., m, d]. */
export function cdistRef(a: Nd, b: Nd, p: number): Nd {
  const n = a.shape[a.shape.length - 2]!, d = a.shape[a.shape.length - 1]!, m = b.shape[b.shape.length - 2]!;
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (batch === null) throw new Error('reference: batch shapes do not broadcast');
  return build([...batch, n, m], (idx) => {
    const bi = idx.slice(0, -2), i = idx[idx.length - 2]!, j = idx[idx.length - 1]!;
    const ab = broadcastIndex(bi, a.shape.slice(0, -2)), bb = broadcastIndex(bi, b.shape.slice(0, -2));
    const diffs: number[] = [];
    for (let k = 0; k < d; k++) diffs.push(at(a, [...ab, i, k]) - at(b, [...bb, j, k]));
    if (d === 0) return 0;
    return normOf(diffs, p);
  });
}

/** The k largest (or smallest) along `axis`, sorted, ties by lower index: values and indices. */
export function topkRef(x: Nd, k: number, axis: number, largest: boolean): { values: Nd; indices: Nd } {
  const shape = x.shape.slice();
  shape[axis] = k;
  const pick = (idx: number[]): [number, number] => {
    const row: [number, number][] = [];
    for (let i = 0; i < x.shape[axis]!; i++) {
      const src = idx.slice();
      src[axis] = i;
      row.push([at(x, src), i]);
    }
    row.sort((p, q) => (largest ? q[0] - p[0] : p[0] - q[0]) || p[1] - q[1]);
    return row[idx[axis]!]!;
  };
  return { values: build(shape, (idx) => pick(idx)[0]), indices: build(shape, (idx) => pick(idx)[1]) };
}

/** softmax along one axis, straight from the definition e^x / Σ e^x (shifted by the max). */
export function softmaxRef(x: Nd, axis: number): Nd {
  const m = reduce(x, axis, true, maxOf);
  const e = zipN([x, m], (v, mv) => Math.exp(v - mv));
  const s = reduce(e, axis, true, sumOf);
  return zipN([e, s], (v, sv) => v / sv);
}

export function logSoftmaxRef(x: Nd, axis: number): Nd {
  const l = reduce(x, axis, true, logSumExpOf);
  return zipN([x, l], (v, lv) => v - lv);
}

// ---- convolution and pooling ---------------------------------------------------------------------

export interface Geometry2d {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

/**
 * The seven loops: y[n,o,i,j] = Σ_{c,p,q} x[n,c,i·sh−ph+p·dh, j·sw−pw+q·dw]·w[o,c,p,q] (+ bias[o]), zero padding.
 */
export function conv2dRef(x: Nd, w: Nd, g: Geometry2d, bias?: Nd): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , KH, KW] = w.shape as [number, number, number, number];
  const [sh, sw] = g.stride, [ph, pw] = g.padding, [dh, dw] = g.dilation;
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  const y = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let s = bias ? bias.data[o]! : 0;
          for (let c = 0; c < C; c++)
            for (let p = 0; p < KH; p++)
              for (let q = 0; q < KW; q++) {
                const h = i * sh - ph + p * dh, v = j * sw - pw + q * dw;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                s += at(x, [n, c, h, v]) * at(w, [o, c, p, q]);
              }
          y[((n * O + o) * OH + i) * OW + j] = s;
        }
  return { shape: [N, O, OH, OW], data: y };
}

/**
 * conv2dReluAvgPoolWithMask's mask of a rectified output r ([N, O, OH, OW]), bit by bit: element k of image n
 * is bit k & 7 of byte n·⌈O·OH·OW/8⌉ + (k >> 3), set where r > 0; the bits past each image's last element are 0.
 */
export function reluMaskRef(r: Nd): Uint8Array {
  const n = r.shape[0]!, per = r.shape.slice(1).reduce((a, b) => a * b, 1), mb = Math.ceil(per / 8);
  const out = new Uint8Array(n * mb);
  for (let i = 0; i < n; i++) for (let k = 0; k < per; k++) if (r.data[i * per + k]! > 0) out[i * mb + Math.floor(k / 8)]! |= 1 << (k % 8);
  return out;
}

/** Max or average pooling over windows at (i·sh − ph, j·sw − pw); padding is −∞ for max, 0 for average. */
export function pool2dRef(
  x: Nd, kernel: [number, number], stride: [number, number], padding: [number, number],
  mode: 'max' | 'avg', countIncludePad = true,
): Nd {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = kernel, [sh, sw] = stride, [ph, pw] = padding;
  const OH = Math.floor((H + 2 * ph - kh) / sh) + 1, OW = Math.floor((W + 2 * pw - kw) / sw) + 1;
  return build([N, C, OH, OW], ([n, c, i, j]) => {
    const vals: number[] = [];
    let inPadded = 0;
    for (let p = 0; p < kh; p++)
      for (let q = 0; q < kw; q++) {
        const h = i! * sh - ph + p, v = j! * sw - pw + q;
        if (h >= H + ph || v >= W + pw) continue; // beyond the padded input (never for valid geometry)
        inPadded++;
        if (h < 0 || h >= H || v < 0 || v >= W) continue;
        vals.push(at(x, [n!, c!, h, v]));
      }
    if (mode === 'max') return maxOf(vals);
    return sumOf(vals) / (countIncludePad ? inPadded : vals.length);
  });
}

/**
 * erf by its Maclaurin series 2/√π Σ (−1)ⁿ x^(2n+1) / (n!(2n+1)), summed until the terms vanish: a different
 * formula from the kernel's, accurate to ~1e-13 for |x| ≤ 3 (the alternating terms peak near 190 at |x| = 3).
 */
export function erfRef(x: number): number {
  let term = x, s = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-18 * Math.max(1, Math.abs(s)); n++) {
    term *= (-x * x) / n;
    s += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * s;
}
