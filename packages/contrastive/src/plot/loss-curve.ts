/** Training loss against epoch as a standalone SVG document. */
import { ValueError } from '@tsgrad/tensor';
import {
  TABLEAU10, drawAxes, drawLegend, escapeXml, linearScale, logTicks, niceTicks, num, paddedRange, svgOpen,
  type LegendEntry, type Ticks,
} from './svg.js';

/** What `fit` records: the mean loss of each epoch and, optionally, every batch's loss. */
export interface LossHistory {
  /** Mean loss per epoch, drawn as a line with markers. */
  epochLoss?: readonly number[];
  /** Loss per batch, drawn as a faint line. */
  batchLoss?: readonly number[];
}

/** Options of `lossCurveSvg`. */
export interface LossCurveOptions {
  /** Title above the plot. */
  title?: string;
  /** Document size in px (default 640 × 400). */
  width?: number;
  height?: number;
  /** Logarithmic loss axis (default false); non-positive losses are then left out. */
  logY?: boolean;
  /** Axis labels (default "epoch", or "batch" with batch losses only, and "loss"). */
  xLabel?: string;
  yLabel?: string;
}

const EPOCH_COLOR = TABLEAU10[0]!;
const BATCH_COLOR = '#7f7f7f';

function readSeries(op: string, name: string, v: unknown): readonly number[] {
  if (v === undefined) return [];
  if (v === null || typeof v !== 'object' || typeof (v as ArrayLike<unknown>).length !== 'number') {
    throw new ValueError(`[${op}] ${name} must be an array of numbers: got ${v === null ? 'null' : typeof v}`);
  }
  const list = v as ArrayLike<unknown>;
  const out: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x !== 'number') throw new ValueError(`[${op}] ${name}[${i}] must be a number: got ${x === null ? 'null' : typeof x}`);
    out.push(x);
  }
  return out;
}

/** An SVG path through (xs, ys), broken wherever a point cannot be drawn (NaN, ±Infinity, ≤ 0 on a log axis). */
function polyline(xs: readonly number[], ys: readonly number[], ok: (y: number) => boolean, sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '', pen = false;
  for (let i = 0; i < xs.length; i++) {
    if (!ok(ys[i]!)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${num(sx(xs[i]!))} ${num(sy(ys[i]!))}`;
    pen = true;
  }
  return d;
}

/**
 * The loss curve: the epoch losses as a line with a marker per epoch (at x = 1, 2, ...), and the batch losses,
 * if given, as a faint line underneath (batch b of B over E epochs at x = (b + 1)·E/B, so both share the epoch
 * axis). A plain array is taken as epoch losses. Losses that cannot be drawn (NaN, infinite, or ≤ 0 with
 * `logY`) break the line rather than being interpolated over; with nothing to draw the axes say "no data".
 */
export function lossCurveSvg(history: LossHistory | readonly number[], opts: LossCurveOptions = {}): string {
  const op = 'lossCurveSvg';
  const isList = Array.isArray(history) || ArrayBuffer.isView(history);
  if (!isList && (history === null || typeof history !== 'object')) {
    throw new ValueError(`[${op}] history must be an array of losses or { epochLoss, batchLoss }: got ${history === null ? 'null' : typeof history}`);
  }
  const epochLoss = isList ? readSeries(op, 'history', history) : readSeries(op, 'epochLoss', (history as LossHistory).epochLoss);
  const batchLoss = isList ? [] : readSeries(op, 'batchLoss', (history as LossHistory).batchLoss);
  const width = opts.width ?? 640, height = opts.height ?? 400;
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ValueError(`[${op}] ${name} must be a positive number: got ${String(v)}`);
  }
  const logY = opts.logY ?? false;
  const ok = (y: number): boolean => Number.isFinite(y) && (!logY || y > 0);

  const E = epochLoss.length, B = batchLoss.length;
  const epochXs = epochLoss.map((_, i) => i + 1);
  const batchXs = batchLoss.map((_, b) => (E > 0 ? ((b + 1) * E) / B : b + 1));

  const legend: LegendEntry[] = [];
  if (E > 0 && B > 0) {
    legend.push({ label: 'epoch mean', color: EPOCH_COLOR, line: { width: 2 } });
    legend.push({ label: 'batch', color: BATCH_COLOR, line: { width: 1, opacity: 0.5 } });
  }
  const legendWidth = legend.length > 0 ? 110 : 0;
  const frame = { left: 72, top: opts.title ? 40 : 16, right: width - 16 - legendWidth, bottom: height - 52 };
  if (frame.right - frame.left < 40 || frame.bottom - frame.top < 40) {
    throw new ValueError(`[${op}] a ${width}×${height} document leaves no room for the plot: make it larger`);
  }

  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  const extend = (xs: readonly number[], ys: readonly number[]): void => {
    for (let i = 0; i < xs.length; i++) {
      if (!ok(ys[i]!)) continue;
      minX = Math.min(minX, xs[i]!);
      maxX = Math.max(maxX, xs[i]!);
      minY = Math.min(minY, ys[i]!);
      maxY = Math.max(maxY, ys[i]!);
    }
  };
  extend(epochXs, epochLoss);
  extend(batchXs, batchLoss);
  const empty = minX > maxX;

  // Batch points start after epoch 0, so the x axis starts at 0 when batches are drawn.
  const [x0, x1] = empty ? [0, 1] : paddedRange(B > 0 && E > 0 ? 0 : minX, maxX, 0.02);
  let y0: number, y1: number;
  let yScale: (v: number) => number;
  let yTicks: Ticks;
  if (logY) {
    [y0, y1] = empty ? [0.1, 10] : [minY, maxY];
    const [l0, l1] = paddedRange(Math.log10(y0), Math.log10(y1), 0.05);
    [y0, y1] = [10 ** l0, 10 ** l1];
    const lin = linearScale(l0, l1, frame.bottom, frame.top);
    yScale = (v) => lin(Math.log10(v));
    yTicks = logTicks(y0, y1);
  } else {
    [y0, y1] = empty ? [0, 1] : paddedRange(minY, maxY, 0.05);
    yScale = linearScale(y0, y1, frame.bottom, frame.top);
    yTicks = niceTicks(y0, y1, Math.max(2, Math.round((frame.bottom - frame.top) / 60)));
  }
  const xScale = linearScale(x0, x1, frame.left, frame.right);

  let out = svgOpen(width, height);
  if (opts.title) out += `<title>${escapeXml(opts.title)}</title>\n`;
  out += drawAxes({
    frame, width, x: xScale, y: yScale,
    xTicks: niceTicks(x0, x1, Math.max(2, Math.round((frame.right - frame.left) / 80)), E > 0 || B > 0 ? 1 : 0),
    yTicks,
    title: opts.title,
    xLabel: opts.xLabel ?? (E === 0 && B > 0 ? 'batch' : 'epoch'),
    yLabel: opts.yLabel ?? (logY ? 'loss (log scale)' : 'loss'),
  });
  if (empty) {
    out += `<text x="${num((frame.left + frame.right) / 2)}" y="${num((frame.top + frame.bottom) / 2)}" text-anchor="middle" fill="#999999">no data</text>\n`;
  }
  const batchPath = polyline(batchXs, batchLoss, ok, xScale, yScale);
  if (batchPath !== '') {
    out += `<path class="batch-loss" d="${batchPath}" fill="none" stroke="${BATCH_COLOR}" stroke-opacity="0.5" stroke-width="1" stroke-linejoin="round"/>\n`;
  }
  const epochPath = polyline(epochXs, epochLoss, ok, xScale, yScale);
  if (epochPath !== '') {
    out += `<path class="epoch-loss" d="${epochPath}" fill="none" stroke="${EPOCH_COLOR}" stroke-width="2" stroke-linejoin="round"/>\n`;
    if (E <= 100) {
      const marks = epochLoss.flatMap((y, i) => (ok(y) ? [`<circle cx="${num(xScale(i + 1))}" cy="${num(yScale(y))}" r="3"/>`] : []));
      out += `<g class="epoch-markers" fill="${EPOCH_COLOR}">${marks.join('')}</g>\n`;
    }
  }
  if (legend.length > 0) out += drawLegend(legend, frame.right + 16, frame.top);
  return out + '</svg>\n';
}
