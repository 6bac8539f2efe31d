/**
 * Text rendering of strided tensors, following PyTorch's `torch._tensor_str` (which in turn follows
 * NumPy's array2string layout).
 *
 * ```text
 * tensor([[1.0000, 2.0000],
 *         [3.0000, 4.0000]])
 * ```
 *
 * @module
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from './errors.js';
import type { FloatArray } from './dtype.js';

/** Printing options; every field is optional. */
export interface FormatOptions {
  /** Digits after the decimal point in fixed and scientific notation (integer in `[0, 100]`, default 4). */
  precision?: number;
  /** Summarise (elide the middle of each axis) when the element count exceeds this (default 1000). */
  threshold?: number;
  /** Items shown at each end of every axis when summarising (default 3). */
  edgeItems?: number;
  /** Characters per line before rows wrap (default 80). */
  lineWidth?: number;
}

const OP = 'formatTensor';
const PREFIX = 'tensor(';

/** How every element of one tensor is printed (chosen once, from the displayed elements). */
type Mode = 'int' | 'fixed' | 'sci';

/**
 * Formats a strided tensor as PyTorch does.
 *
 * Element `(i0, …, ik)` is read at `data[offset + Σ ij · strides[j]]`, so transposed and sliced
 * views print without a copy.
 *
 * Number style, chosen once from the elements displayed, over the nonzero finite values `x`:
 * - **integer mode** when every such value is an integer: `1.`, `-2.`, `0.`;
 * - **fixed** with `precision` decimals otherwise: `1.2500`;
 * - **scientific** (`1.2500e+08`, exponent at least two digits) when `max|x| / min|x| > 10^3` or
 *   `max|x| >= 10^8`, or (non-integers only) `min|x| < 10^-4`. As in PyTorch, integers switch to
 *   scientific on the first two rules, so `[1, 1e8]` prints `1.0000e+00, 1.0000e+08`.
 *
 * `nan`, `inf`, `-inf` print as such; negative zero keeps its sign. All entries are left-padded to
 * one common width (including non-finite ones) so columns align.
 *
 * Layout: nested brackets indented under the prefix `tensor(`; rank ≥ 3 blocks separated by
 * `rank − 2` blank lines per level, as NumPy and PyTorch do; a row wraps after
 * `⌊(lineWidth − indent) / (width + 2)⌋` entries. When the element count exceeds `threshold`,
 * every axis longer than `2 · edgeItems` shows `edgeItems` entries at each end with `...` between
 * (`...,` on its own line between rows or blocks). Suffixes: `, dtype=float64` for float64 and
 * `, shape=[0,3]` for an empty tensor of rank ≠ 1 (`tensor([])` for shape `[0]`); a suffix that
 * would overflow `lineWidth` moves to its own line.
 *
 * @throws ShapeError if `strides` does not have one entry per axis.
 * @throws ValueError for negative or fractional sizes, strides or offset, a view reaching outside
 * `data`, or an invalid option.
 * @throws DTypeError for a dtype other than float32/float64.
 */
export function formatTensor(
  data: FloatArray,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  dtype: 'float32' | 'float64',
  opts: FormatOptions = {},
): string {
  const precision = opts.precision ?? 4;
  const threshold = opts.threshold ?? 1000;
  const edgeItems = opts.edgeItems ?? 3;
  const lineWidth = opts.lineWidth ?? 80;
  checkOptions(precision, threshold, edgeItems, lineWidth);
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new DTypeError(`[${OP}] dtype must be float32 or float64: got ${String(dtype)}`);
  }
  const size = checkView(data, shape, strides, offset);

  const suffixes: string[] = [];
  let body: string;
  if (size === 0) {
    body = '[]';
    if (shape.length !== 1) suffixes.push(`shape=${fmtShape(shape)}`);
  } else {
    const summarize = size > threshold;
    // Pass 1: the displayed elements, in print order.
    const values: number[] = [];
    collect(data, shape, strides, 0, offset, summarize, edgeItems, values);
    const mode = chooseMode(values);
    const strs = values.map((v) => formatNumber(v, mode, precision));
    let width = 0;
    for (const s of strs) width = Math.max(width, s.length);
    for (let i = 0; i < strs.length; i++) strs[i] = strs[i]!.padStart(width);
    // Pass 2: brackets, separators and wrapping around the padded strings.
    const layout: Layout = { shape, summarize, edgeItems, lineWidth, width, strs, next: 0 };
    body = shape.length === 0 ? strs[0]! : render(layout, 0, PREFIX.length);
  }
  if (dtype === 'float64') suffixes.push('dtype=float64');
  return addSuffixes(PREFIX + body, suffixes, PREFIX.length, lineWidth);
}

function checkOptions(precision: number, threshold: number, edgeItems: number, lineWidth: number): void {
  if (!Number.isInteger(precision) || precision < 0 || precision > 100) {
    throw new ValueError(`[${OP}] precision must be an integer in [0, 100]: got ${String(precision)}`);
  }
  if (typeof threshold !== 'number' || Number.isNaN(threshold) || threshold < 0) {
    throw new ValueError(`[${OP}] threshold must be a non-negative number: got ${String(threshold)}`);
  }
  if (!Number.isSafeInteger(edgeItems) || edgeItems < 0) {
    throw new ValueError(`[${OP}] edgeItems must be a non-negative integer: got ${String(edgeItems)}`);
  }
  if (!Number.isSafeInteger(lineWidth) || lineWidth < 1) {
    throw new ValueError(`[${OP}] lineWidth must be a positive integer: got ${String(lineWidth)}`);
  }
}

/** Validates the view and returns its element count. */
function checkView(data: FloatArray, shape: readonly number[], strides: readonly number[], offset: number): number {
  if (strides.length !== shape.length) {
    throw new ShapeError(
      `[${OP}] strides must have one entry per axis: got shape ${fmtShape(shape)} and strides ${fmtShape(strides)}`,
    );
  }
  let size = 1;
  for (const n of shape) {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new ValueError(`[${OP}] shape entries must be non-negative integers: got ${fmtShape(shape)}`);
    }
    size *= n;
  }
  if (!strides.every((s) => Number.isSafeInteger(s))) {
    throw new ValueError(`[${OP}] strides must be integers: got ${fmtShape(strides)}`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new ValueError(`[${OP}] offset must be a non-negative integer: got ${String(offset)}`);
  }
  if (size === 0) return 0;
  let lo = offset;
  let hi = offset;
  for (let k = 0; k < shape.length; k++) {
    const reach = (shape[k]! - 1) * strides[k]!;
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  if (lo < 0 || hi >= data.length) {
    throw new ValueError(
      `[${OP}] view reaches outside its storage: shape ${fmtShape(shape)}, strides ${fmtShape(strides)} ` +
        `and offset ${offset} touch indices ${lo}..${hi} of a buffer of length ${data.length}`,
    );
  }
  return size;
}

/**
 * The positions printed along an axis of length `n`: all of them, or (summarising an axis longer
 * than `2 · edge`) the first and last `edge` with `-1` marking the elided middle.
 */
function shownIndices(n: number, summarize: boolean, edge: number): number[] {
  const out: number[] = [];
  if (summarize && n > 2 * edge) {
    for (let i = 0; i < edge; i++) out.push(i);
    out.push(-1);
    for (let i = n - edge; i < n; i++) out.push(i);
  } else {
    for (let i = 0; i < n; i++) out.push(i);
  }
  return out;
}

/** Appends the displayed elements below `axis` (starting at storage index `base`) in print order. */
function collect(
  data: FloatArray, shape: readonly number[], strides: readonly number[],
  axis: number, base: number, summarize: boolean, edge: number, out: number[],
): void {
  if (axis === shape.length) {
    out.push(data[base]!);
    return;
  }
  const stride = strides[axis]!;
  for (const i of shownIndices(shape[axis]!, summarize, edge)) {
    if (i >= 0) collect(data, shape, strides, axis + 1, base + i * stride, summarize, edge, out);
  }
}

/** PyTorch's `_Formatter` rules, over the nonzero finite displayed values. */
function chooseMode(values: readonly number[]): Mode {
  let intMode = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  for (const v of values) {
    if (v === 0 || !Number.isFinite(v)) continue;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a < minAbs) minAbs = a;
    if (v !== Math.ceil(v)) intMode = false;
  }
  if (maxAbs === 0) return 'int'; // no nonzero finite value: zeros print as `0.`
  const wide = maxAbs / minAbs > 1e3 || maxAbs >= 1e8;
  if (intMode) return wide ? 'sci' : 'int';
  return wide || minAbs < 1e-4 ? 'sci' : 'fixed';
}

/** One element in the chosen style, unpadded (`nan`, `inf`, `-inf` in every style). */
function formatNumber(v: number, mode: Mode, precision: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  const sign = Object.is(v, -0) ? '-' : '';
  switch (mode) {
    case 'int':
      return `${sign}${v.toFixed(0)}.`;
    case 'fixed':
      return sign + v.toFixed(precision);
    case 'sci': {
      // JS writes `1.5e+8`; Python/PyTorch write at least two exponent digits: `1.5e+08`.
      const s = v.toExponential(precision);
      const e = s.indexOf('e');
      const digits = s.slice(e + 2);
      return `${sign}${s.slice(0, e + 2)}${digits.length < 2 ? `0${digits}` : digits}`;
    }
  }
}

/** Shared state of the layout pass: `strs` are the padded elements, consumed in print order. */
interface Layout {
  shape: readonly number[];
  summarize: boolean;
  edgeItems: number;
  lineWidth: number;
  width: number;
  strs: string[];
  next: number;
}

/**
 * The bracketed text of the sub-tensor from `axis` down (PyTorch's `_tensor_str_with_formatter`).
 * `indent` is the column of its opening bracket.
 */
function render(L: Layout, axis: number, indent: number): string {
  const ndim = L.shape.length;
  const shown = shownIndices(L.shape[axis]!, L.summarize, L.edgeItems);
  if (axis === ndim - 1) {
    // Elided middle of a row is one more entry, ` ...` (or `...` when it is the only one).
    const items = shown.map((i) => (i >= 0 ? L.strs[L.next++]! : shown.length === 1 ? '...' : ' ...'));
    const perLine = Math.max(1, Math.floor((L.lineWidth - indent) / (L.width + 2)));
    const lines: string[] = [];
    for (let k = 0; k < items.length; k += perLine) lines.push(items.slice(k, k + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
  }
  const slices = shown.map((i) => (i >= 0 ? render(L, axis + 1, indent + 1) : '...'));
  const sep = `,${'\n'.repeat(ndim - axis - 1)}${' '.repeat(indent + 1)}`;
  return `[${slices.join(sep)}]`;
}

/**
 * Appends `, suffix` for each suffix and the closing `)`; a suffix that would push the last line
 * past `lineWidth` (counting its `, ` and the following `,` or `)`) starts a new line at `indent`.
 */
function addSuffixes(text: string, suffixes: readonly string[], indent: number, lineWidth: number): string {
  let out = text;
  let lastLine = text.length - (text.lastIndexOf('\n') + 1);
  for (const suffix of suffixes) {
    if (lastLine + 2 + suffix.length + 1 > lineWidth) {
      out += `,\n${' '.repeat(indent)}${suffix}`;
      lastLine = indent + suffix.length;
    } else {
      out += `, ${suffix}`;
      lastLine += 2 + suffix.length;
    }
  }
  return `${out})`;
}
