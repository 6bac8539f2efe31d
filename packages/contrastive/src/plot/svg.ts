/**
 * Small helpers shared by the SVG plots: escaping, number formatting, "nice" axis ticks, palettes, and the
 * frame/axes/legend drawing. Every function is pure and deterministic, and uses no DOM or Node API.
 */

/**
 * Tableau 10 (the 2016 palette): ten categorical colours chosen to stay distinguishable for the common forms
 * of colour-vision deficiency; the default, since MNIST has ten classes.
 */
export const TABLEAU10: readonly string[] = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
];

/** Okabe & Ito's eight colour-blind-safe colours (black last, as a fallback for an eighth class). */
export const OKABE_ITO: readonly string[] = [
  '#e69f00', '#56b4e9', '#009e73', '#f0e442', '#0072b2', '#d55e00', '#cc79a7', '#000000',
];

/**
 * Text made safe for XML content and attribute values: `& < > " '` become entities, and characters XML 1.0
 * forbids (C0 controls other than tab/newline/return, lone surrogates, U+FFFE/U+FFFF) are dropped.
 */
export function escapeXml(text: unknown): string {
  const s = String(text);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 38) out += '&amp;';
    else if (c === 60) out += '&lt;';
    else if (c === 62) out += '&gt;';
    else if (c === 34) out += '&quot;';
    else if (c === 39) out += '&#39;';
    else if (c < 32 && c !== 9 && c !== 10 && c !== 13) continue;
    else if (c === 0xfffe || c === 0xffff) continue;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) continue;
    else out += s[i]!;
  }
  return out;
}

/** A coordinate for SVG output: at most `decimals` (default 2) decimals, no trailing zeros, no `-0`. */
export function num(v: number, decimals = 2): string {
  const f = 10 ** decimals;
  const r = Math.round(v * f) / f;
  return Object.is(r, -0) ? '0' : String(r);
}

/**
 * The nice step (1, 2 or 5 × 10^k) that cuts `span` into about `target` intervals.
 */
export function niceStep(span: number, target = 6): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/** Axis ticks: positions and their labels. */
export interface Ticks {
  /** Tick positions, in data units. */
  values: number[];
  /** Their labels, formatted. */
  labels: string[];
}

/** Formats v with the decimals a tick step needs (step 0.25 → 2, step 5 → 0), without float noise. */
export function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(12, -Math.floor(Math.log10(step) + 1e-9)));
  const s = v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/**
 * Ticks at the multiples of a nice step (at least `minStep`) inside [min, max], each computed as an integer
 * times the step so no error accumulates, labelled with just enough decimals.
 */
export function niceTicks(min: number, max: number, target = 6, minStep = 0): Ticks {
  const step = Math.max(minStep, niceStep(max - min, target));
  const values: number[] = [], labels: string[] = [];
  const first = Math.ceil(min / step - 1e-9), last = Math.floor(max / step + 1e-9);
  for (let k = first; k <= last && values.length < 1000; k++) {
    const v = k * step + 0; // + 0: no -0
    values.push(v);
    labels.push(formatTick(v, step));
  }
  return { values, labels };
}

/** A tick label on a log axis: plain decimals between 1e-4 and 1e5, else `1e-7` style. */
function formatLog(v: number): string {
  if (v >= 1e-4 && v < 1e5) return String(Number(v.toPrecision(6)));
  const e = Math.floor(Math.log10(v) + 1e-9);
  const m = Number((v / 10 ** e).toPrecision(6));
  return m === 1 ? `1e${e}` : `${m}e${e}`;
}

/**
 * Ticks for a log10 axis over [min, max] (both > 0): the powers of ten inside, plus 2× and 5× when fewer than
 * three powers fit, plus 1.5×..9× when still too few.
 */
export function logTicks(min: number, max: number): Ticks {
  const lo = Math.floor(Math.log10(min)), hi = Math.ceil(Math.log10(max));
  const pick = (mults: number[]): number[] => {
    const out: number[] = [];
    for (let e = lo; e <= hi; e++) {
      for (const m of mults) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
      }
    }
    return out;
  };
  let values = pick([1]);
  if (values.length < 3) values = pick([1, 2, 5]);
  if (values.length < 3) values = pick([1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9]);
  return { values, labels: values.map(formatLog) };
}

/** Maps [d0, d1] to [r0, r1] linearly. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** A data range widened to be non-empty and padded by `pad` of its span on each side. */
export function paddedRange(min: number, max: number, pad = 0.04): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max === min) {
    const w = Math.abs(min) > 0 ? Math.abs(min) * 0.5 : 1;
    return [min - w, max + w];
  }
  const p = (max - min) * pad;
  return [min - p, max + p];
}

/** Rough text width in pixels for the default sans-serif at `size` px (for layout only). */
export function textWidth(text: string, size: number): number {
  return text.length * size * 0.6;
}

/** The opening `<svg>` tag of a standalone document, white background included. */
export function svgOpen(width: number, height: number, fontSize = 12): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" ` +
    `width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" ` +
    `font-family="Helvetica, Arial, sans-serif" font-size="${num(fontSize)}">\n` +
    `<rect x="0" y="0" width="${num(width)}" height="${num(height)}" fill="#ffffff"/>\n`
  );
}

/** The plot rectangle in pixels. */
export interface Frame {
  /** x of the left edge of the plotting area, in px. */
  left: number;
  /** y of its top edge. */
  top: number;
  /** x of its right edge. */
  right: number;
  /** y of its bottom edge. */
  bottom: number;
}

/** Everything `drawAxes` needs: the frame, the ticks, the data-to-pixel maps and the labels. */
export interface AxesSpec {
  /** The plotting area. */
  frame: Frame;
  /** Ticks of the horizontal axis. */
  xTicks: Ticks;
  /** Ticks of the vertical axis. */
  yTicks: Ticks;
  /** Maps a data x to a px x. */
  x: (v: number) => number;
  /** Maps a data y to a px y. */
  y: (v: number) => number;
  /** Title above the frame. */
  title?: string | undefined;
  /** Label under the horizontal axis. */
  xLabel?: string | undefined;
  /** Label beside the vertical axis. */
  yLabel?: string | undefined;
  /** Total document width (for centring the title). */
  width: number;
}

/**
 * Light grid, frame, tick marks with labels, axis labels and the title. Ticks whose pixel position falls
 * outside the frame are skipped.
 */
export function drawAxes(a: AxesSpec): string {
  const { frame: f } = a;
  const parts: string[] = [];
  const grid: string[] = [], marks: string[] = [], labels: string[] = [];
  a.xTicks.values.forEach((v, i) => {
    const px = a.x(v);
    if (px < f.left - 0.5 || px > f.right + 0.5) return;
    grid.push(`M${num(px)} ${num(f.top)}V${num(f.bottom)}`);
    marks.push(`M${num(px)} ${num(f.bottom)}v5`);
    labels.push(`<text x="${num(px)}" y="${num(f.bottom + 18)}" text-anchor="middle">${escapeXml(a.xTicks.labels[i])}</text>`);
  });
  a.yTicks.values.forEach((v, i) => {
    const py = a.y(v);
    if (py < f.top - 0.5 || py > f.bottom + 0.5) return;
    grid.push(`M${num(f.left)} ${num(py)}H${num(f.right)}`);
    marks.push(`M${num(f.left)} ${num(py)}h-5`);
    labels.push(`<text x="${num(f.left - 8)}" y="${num(py + 4)}" text-anchor="end">${escapeXml(a.yTicks.labels[i])}</text>`);
  });
  if (grid.length > 0) parts.push(`<path d="${grid.join('')}" stroke="#e6e6e6" stroke-width="1" fill="none"/>`);
  parts.push(
    `<rect x="${num(f.left)}" y="${num(f.top)}" width="${num(f.right - f.left)}" height="${num(f.bottom - f.top)}" fill="none" stroke="#333333" stroke-width="1"/>`,
  );
  if (marks.length > 0) parts.push(`<path d="${marks.join('')}" stroke="#333333" stroke-width="1" fill="none"/>`);
  parts.push(`<g class="tick-labels" fill="#333333">${labels.join('')}</g>`);
  if (a.xLabel !== undefined && a.xLabel !== '') {
    parts.push(`<text x="${num((f.left + f.right) / 2)}" y="${num(f.bottom + 38)}" text-anchor="middle" fill="#333333">${escapeXml(a.xLabel)}</text>`);
  }
  if (a.yLabel !== undefined && a.yLabel !== '') {
    const cx = f.left - 44, cy = (f.top + f.bottom) / 2;
    parts.push(`<text x="${num(cx)}" y="${num(cy)}" text-anchor="middle" fill="#333333" transform="rotate(-90 ${num(cx)} ${num(cy)})">${escapeXml(a.yLabel)}</text>`);
  }
  if (a.title !== undefined && a.title !== '') {
    parts.push(`<text class="title" x="${num(a.width / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold" fill="#111111">${escapeXml(a.title)}</text>`);
  }
  return parts.join('\n') + '\n';
}

/** One legend entry: a swatch (square, or a short line when `line` is set) and its text. */
export interface LegendEntry {
  /** The text. */
  label: string;
  /** The swatch's colour (any SVG colour). */
  color: string;
  /** Draw a line of this width and opacity as the swatch, instead of a filled square. */
  line?: { width: number; opacity?: number };
}

/** A vertical legend whose top-left corner is (x, y), one 18 px row per entry. */
export function drawLegend(entries: readonly LegendEntry[], x: number, y: number): string {
  const rows = entries.map((e, i) => {
    const ry = y + i * 18;
    const swatch = e.line === undefined
      ? `<rect x="${num(x)}" y="${num(ry)}" width="12" height="12" fill="${escapeXml(e.color)}"/>`
      : `<path d="M${num(x)} ${num(ry + 6)}h14" stroke="${escapeXml(e.color)}" stroke-width="${num(e.line.width)}"` +
        (e.line.opacity === undefined ? '' : ` stroke-opacity="${num(e.line.opacity)}"`) + `/>`;
    return `<g class="legend-entry">${swatch}<text x="${num(x + 18)}" y="${num(ry + 10.5)}">${escapeXml(e.label)}</text></g>`;
  });
  return `<g class="legend" fill="#333333">\n${rows.join('\n')}\n</g>\n`;
}
