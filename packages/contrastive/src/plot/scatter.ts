/**
 * A labelled 2-D scatter plot as a standalone SVG document, the way the DrLIM paper shows its embeddings:
 * one dot per sample coloured by class, and optionally small digit images drawn at a spread-out subset of
 * the embedded positions.
 */
import { Generator, Tensor, ShapeError, ValueError, fmtShape } from '@tsgrad/tensor';
import { pngDataUri } from './png.js';
import {
  TABLEAU10, drawAxes, drawLegend, escapeXml, linearScale, niceTicks, num, paddedRange, svgOpen, textWidth,
  type LegendEntry,
} from './svg.js';

export interface ScatterThumbnails {
  /** n images of h × w values in [0, 1] (MNIST: 1 = ink), one per point: a flat array or a Tensor [n, h, w] (or [n, 1, h, w], [n, h·w]). */
  images: Float32Array | Float64Array | Tensor;
  /** [h, w] of each image. */
  size: readonly [number, number];
  /** How many thumbnails to draw (default 60, at most n). */
  count?: number;
  /** Picks the first thumbnail's point (default 0); the rest follow deterministically from it. */
  seed?: number;
  /** On-screen pixels per image pixel (default 1: a 28×28 digit is 28 px). */
  scale?: number;
  /** Draw the raw values (light ink on black, as MNIST stores them) instead of dark ink on white (default false). */
  invert?: boolean;
}

export interface ScatterOptions {
  /** Title above the plot. */
  title?: string;
  /** Document size in px (default 640 × 640). */
  width?: number;
  height?: number;
  /** Legend text per label (default: the label itself). */
  classNames?: Record<number, string>;
  /**
   * Colour per label (an array is indexed by the label value). Labels without one take the default palette,
   * Tableau 10, by label value for non-negative integer labels (so digit 3 has the same colour in every
   * plot) and by rank otherwise; it repeats after ten classes.
   */
  colors?: readonly string[] | Record<number, string>;
  /** Dot radius in px (default 3 up to 500 points, 2 up to 5000, else 1.5). */
  pointRadius?: number;
  /** Dot opacity (default 0.8). */
  pointOpacity?: number;
  /** Digit images drawn at a spread-out subset of the points. */
  thumbnails?: ScatterThumbnails;
  /** Axis labels. */
  xLabel?: string;
  yLabel?: string;
  /** One data unit has the same length on both axes (default true: distances in the map are honest). */
  equalAspect?: boolean;
}

/** Points as x and y arrays, from a Tensor [n, 2], a flat [x0, y0, x1, y1, ...] or a list of [x, y]. */
function readPoints(op: string, points: unknown): { xs: Float64Array; ys: Float64Array } {
  let xs: Float64Array, ys: Float64Array;
  if (points instanceof Tensor) {
    if (points.ndim !== 2 || points.shape[1] !== 2) {
      throw new ShapeError(`[${op}] points must have shape [n,2]: got ${fmtShape(points.shape)}`);
    }
    const n = points.shape[0]!, rs = points.strides[0]!, cs = points.strides[1]!;
    xs = new Float64Array(n);
    ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = points.data[points.offset + i * rs]!;
      ys[i] = points.data[points.offset + i * rs + cs]!;
    }
  } else if (points !== null && typeof points === 'object' && typeof (points as ArrayLike<unknown>).length === 'number') {
    const list = points as ArrayLike<unknown>;
    if (list.length > 0 && typeof list[0] === 'number') {
      if (list.length % 2 !== 0) throw new ValueError(`[${op}] flat points must hold x, y pairs: got ${list.length} numbers`);
      const n = list.length / 2;
      xs = new Float64Array(n);
      ys = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        xs[i] = Number(list[2 * i]);
        ys[i] = Number(list[2 * i + 1]);
      }
    } else {
      const n = list.length;
      xs = new Float64Array(n);
      ys = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const p = list[i] as ArrayLike<unknown> | null | undefined;
        if (p === null || typeof p !== 'object' || p.length !== 2) {
          throw new ValueError(`[${op}] points[${i}] must be an [x, y] pair: got ${p === null ? 'null' : typeof p === 'object' ? `length ${p.length}` : typeof p}`);
        }
        xs[i] = Number(p[0]);
        ys[i] = Number(p[1]);
      }
    }
  } else {
    throw new ValueError(`[${op}] points must be a Tensor [n,2] or an array of numbers or [x, y] pairs: got ${points === null ? 'null' : typeof points}`);
  }
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]!) || !Number.isFinite(ys[i]!)) {
      throw new ValueError(`[${op}] point ${i} is not finite: (${xs[i]}, ${ys[i]})`);
    }
  }
  return { xs, ys };
}

function readLabels(op: string, labels: unknown, n: number): Float64Array {
  if (labels === null || typeof labels !== 'object' || typeof (labels as ArrayLike<unknown>).length !== 'number') {
    throw new ValueError(`[${op}] labels must be an array of numbers: got ${labels === null ? 'null' : typeof labels}`);
  }
  const list = labels as ArrayLike<unknown>;
  if (list.length !== n) throw new ValueError(`[${op}] labels has ${list.length} entries but there are ${n} points`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = list[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`[${op}] labels[${i}] must be a finite number: got ${String(v)}`);
    out[i] = v;
  }
  return out;
}

/** Colour of each class (sorted label values), by the rules in {@link ScatterOptions.colors}. */
function classColors(classes: readonly number[], colors: ScatterOptions['colors']): Map<number, string> {
  const byValue = classes.every((c) => Number.isInteger(c) && c >= 0);
  const out = new Map<number, string>();
  classes.forEach((c, rank) => {
    const given = colors === undefined ? undefined : (colors as Record<number, string | undefined>)[c];
    out.set(c, typeof given === 'string' ? given : TABLEAU10[(byValue ? c : rank) % TABLEAU10.length]!);
  });
  return out;
}

/**
 * Greedy farthest-point choice of `count` of the n screen positions: start at the seeded random one, then
 * repeatedly take the point farthest from every thumbnail chosen so far (lowest index on a tie). O(n·count).
 */
export function spreadOut(px: Float64Array, py: Float64Array, count: number, seed: number): number[] {
  const n = px.length;
  const chosen: number[] = [];
  if (n === 0 || count <= 0) return chosen;
  const gap = new Float64Array(n).fill(Infinity);
  let next = new Generator(seed).randint(0, n);
  while (chosen.length < Math.min(count, n)) {
    chosen.push(next);
    gap[next] = -1;
    const cx = px[next]!, cy = py[next]!;
    let best = -1, bestGap = -Infinity;
    for (let i = 0; i < n; i++) {
      if (gap[i]! < 0) continue;
      const dx = px[i]! - cx, dy = py[i]! - cy;
      const g = Math.min(gap[i]!, dx * dx + dy * dy);
      gap[i] = g;
      if (g > bestGap) {
        bestGap = g;
        best = i;
      }
    }
    next = best;
  }
  return chosen;
}

function checkPositive(op: string, name: string, v: unknown, integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new ValueError(`[${op}] ${name} must be a positive ${integer ? 'integer' : 'number'}: got ${String(v)}`);
  }
  return v;
}

/** Reads and checks the thumbnail images: a flat float array of n·h·w values. */
function readImages(op: string, t: ScatterThumbnails, n: number): { data: ArrayLike<number>; h: number; w: number } {
  if (t.size === undefined || t.size === null || t.size.length !== 2) {
    throw new ValueError(`[${op}] thumbnails.size must be [h, w]: got ${JSON.stringify(t.size)}`);
  }
  const h = checkPositive(op, 'thumbnails.size[0]', t.size[0], true), w = checkPositive(op, 'thumbnails.size[1]', t.size[1], true);
  let data: ArrayLike<number>;
  let what: string;
  if (t.images instanceof Tensor) {
    data = t.images.toTypedArray();
    what = `shape ${fmtShape(t.images.shape)}`;
  } else if (t.images instanceof Float32Array || t.images instanceof Float64Array) {
    data = t.images;
    what = `${t.images.length} values`;
  } else {
    throw new ValueError(`[${op}] thumbnails.images must be a Float32Array, Float64Array or Tensor: got ${t.images === null ? 'null' : typeof t.images}`);
  }
  if (data.length !== n * h * w) {
    throw new ValueError(`[${op}] thumbnails.images must hold ${n} images of ${h}×${w} (${n * h * w} values): got ${what}`);
  }
  return { data, h, w };
}

/**
 * A standalone SVG document (`<svg xmlns=...>`, UTF-8 text) plotting 2-D `points` coloured by `labels`:
 * axes with nice ticks (1, 2 or 5 × 10^k), equal scales by default, a legend, one `<circle>` per point in
 * input order, and optionally digit thumbnails (inline grayscale PNGs) at a spread-out subset of the points.
 * All text is escaped; the output depends only on the input (no randomness beyond `thumbnails.seed`, no dates).
 */
export function scatterSvg(
  points: Tensor | ArrayLike<number> | ArrayLike<readonly [number, number] | readonly number[]>,
  labels: ArrayLike<number>,
  opts: ScatterOptions = {},
): string {
  const op = 'scatterSvg';
  const { xs, ys } = readPoints(op, points);
  const n = xs.length;
  const lab = readLabels(op, labels, n);
  const width = checkPositive(op, 'width', opts.width ?? 640, false);
  const height = checkPositive(op, 'height', opts.height ?? 640, false);
  const radius = checkPositive(op, 'pointRadius', opts.pointRadius ?? (n <= 500 ? 3 : n <= 5000 ? 2 : 1.5), false);
  const opacity = opts.pointOpacity ?? 0.8;
  if (typeof opacity !== 'number' || !(opacity >= 0 && opacity <= 1)) throw new ValueError(`[${op}] pointOpacity must be in [0, 1]: got ${String(opacity)}`);

  const classes = [...new Set(lab)].sort((a, b) => a - b);
  const color = classColors(classes, opts.colors);
  const legend: LegendEntry[] = classes.map((c) => ({ label: opts.classNames?.[c] ?? String(c), color: color.get(c)! }));
  const legendWidth = legend.length === 0 ? 0 : 18 + Math.max(...legend.map((e) => textWidth(e.label, 12))) + 16;

  const frame = {
    left: 64,
    top: opts.title ? 40 : 16,
    right: width - 16 - legendWidth,
    bottom: height - (opts.xLabel ? 52 : 36),
  };
  const fw = frame.right - frame.left, fh = frame.bottom - frame.top;
  if (fw < 40 || fh < 40) {
    throw new ValueError(`[${op}] a ${width}×${height} document leaves a ${Math.round(fw)}×${Math.round(fh)} px plot area: make it larger`);
  }

  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, xs[i]!);
    maxX = Math.max(maxX, xs[i]!);
    minY = Math.min(minY, ys[i]!);
    maxY = Math.max(maxY, ys[i]!);
  }
  let [x0, x1] = paddedRange(minX, maxX);
  let [y0, y1] = paddedRange(minY, maxY);
  if (opts.equalAspect ?? true) {
    const u = Math.max((x1 - x0) / fw, (y1 - y0) / fh);
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    [x0, x1] = [cx - (u * fw) / 2, cx + (u * fw) / 2];
    [y0, y1] = [cy - (u * fh) / 2, cy + (u * fh) / 2];
  }
  const sx = linearScale(x0, x1, frame.left, frame.right), sy = linearScale(y0, y1, frame.bottom, frame.top);

  let out = svgOpen(width, height);
  if (opts.title) out += `<title>${escapeXml(opts.title)}</title>\n`;
  out += drawAxes({
    frame, width, x: sx, y: sy,
    xTicks: niceTicks(x0, x1, Math.max(2, Math.round(fw / 90))),
    yTicks: niceTicks(y0, y1, Math.max(2, Math.round(fh / 70))),
    title: opts.title, xLabel: opts.xLabel, yLabel: opts.yLabel,
  });

  const px = new Float64Array(n), py = new Float64Array(n);
  const dots: string[] = [];
  for (let i = 0; i < n; i++) {
    px[i] = sx(xs[i]!);
    py[i] = sy(ys[i]!);
    dots.push(`<circle cx="${num(px[i]!)}" cy="${num(py[i]!)}" r="${num(radius)}" fill="${escapeXml(color.get(lab[i]!))}"/>`);
  }
  out += `<g class="points" fill-opacity="${num(opacity)}" stroke="none">\n${dots.join('\n')}${n > 0 ? '\n' : ''}</g>\n`;

  if (opts.thumbnails !== undefined) out += drawThumbnails(op, opts.thumbnails, n, px, py, lab, color, frame);
  if (legend.length > 0) out += drawLegend(legend, frame.right + 16, frame.top);
  return out + '</svg>\n';
}

function drawThumbnails(
  op: string, t: ScatterThumbnails, n: number, px: Float64Array, py: Float64Array, lab: Float64Array,
  color: Map<number, string>, frame: { left: number; top: number; right: number; bottom: number },
): string {
  const { data, h, w } = readImages(op, t, n);
  const count = t.count ?? 60;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new ValueError(`[${op}] thumbnails.count must be a non-negative integer: got ${String(count)}`);
  }
  const seed = t.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(`[${op}] thumbnails.seed must be a non-negative integer: got ${String(seed)}`);
  }
  const scale = checkPositive(op, 'thumbnails.scale', t.scale ?? 1, false);
  const tw = w * scale, th = h * scale;
  const pixels = new Uint8Array(h * w);
  const parts: string[] = [];
  for (const i of spreadOut(px, py, count, seed)) {
    for (let p = 0, o = i * h * w; p < h * w; p++) {
      const v = data[o + p]!;
      const c = v > 1 ? 1 : v > 0 ? v : 0; // NaN → 0
      pixels[p] = Math.round(255 * (t.invert ? c : 1 - c));
    }
    // Centred on the point, shifted inside the frame when the point is near an edge.
    const x = Math.max(frame.left, Math.min(frame.right - tw, px[i]! - tw / 2));
    const y = Math.max(frame.top, Math.min(frame.bottom - th, py[i]! - th / 2));
    parts.push(
      `<image x="${num(x)}" y="${num(y)}" width="${num(tw)}" height="${num(th)}" preserveAspectRatio="none" ` +
        `image-rendering="optimizeSpeed" style="image-rendering:pixelated" xlink:href="${pngDataUri(pixels, w, h)}"/>` +
        `<rect x="${num(x)}" y="${num(y)}" width="${num(tw)}" height="${num(th)}" fill="none" stroke="${escapeXml(color.get(lab[i]!))}" stroke-width="1"/>`,
    );
  }
  return `<g class="thumbnails">\n${parts.join('\n')}${parts.length > 0 ? '\n' : ''}</g>\n`;
}
