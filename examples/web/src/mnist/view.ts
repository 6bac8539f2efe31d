/**
 * The MNIST panel: draws the 2-D map its worker posts (easing each point from where it was to where it is, so
 * the map visibly flows as training runs), the loss curve and the held-out accuracy against two baselines,
 * digit thumbnails on the map and under the pointer, and turns the controls into messages.
 */
import { TABLEAU10, niceTicks } from '@tsgrad/contrastive';
import { meta, url } from 'virtual:mnist-subset';
import { scale, scheduler, surface } from '../canvas.js';
import type { FromMnist, MnistBaselines, MnistFrame, RunConfig, ToMnist } from '../protocol.js';
import { button, byId, el, fmt, seedField, slider, stat } from '../ui.js';

const DIGIT_COLORS: Record<number, string> = { [meta.digits[0]!]: TABLEAU10[0]!, [meta.digits[1]!]: TABLEAU10[1]! };
/** How long a point takes to glide from its old to its new place (a frame comes every ~150 ms while playing). */
const EASE_MS = 180;
/** Thumbnails drawn on the map, in CSS pixels, and how close the pointer must be to a point to show its digit. */
const THUMB = 22, HOVER_PX = 10;
/** The loss curve's smoothing: an exponential moving average over about 1 / (1 − β) batches. */
const EMA_BETA = 0.9;
const INK = '#1d2127', MUTED = '#6b7280', GRID = '#eceef2';

export interface MnistHook {
  run: number;
  step: number;
  playing: boolean;
  losses: number[];
  accuracy: number;
  baselines: MnistBaselines | null;
  points: number[];
  initialPoints: number[];
  /** Where each point is drawn now (client coordinates, [x0, y0, x1, ...]), for driving the pointer. */
  screen: number[];
}

interface Box { x0: number; x1: number; y0: number; y1: number }

export function mnistView(): { hook: () => MnistHook | null } {
  const section = byId('mnist');
  const canvas = byId<HTMLCanvasElement>('mnist-canvas');
  const lossCanvas = byId<HTMLCanvasElement>('mnist-loss');
  const accCanvas = byId<HTMLCanvasElement>('mnist-acc');
  const statusEl = byId('mnist-status');
  const tooltip = byId('mnist-tooltip');
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'mnist' });
  const send = (msg: ToMnist): void => worker.postMessage(msg);
  const nTrain = meta.train, n = meta.train + meta.test;

  const transport = byId('mnist-transport');
  const play = button(transport, 'mnist-play', '▶ Train', { primary: true, title: 'train batch after batch' });
  const stepBtn = button(transport, 'mnist-step-once', 'Step', { title: 'train on one batch of pairs' });
  const reset = button(transport, 'mnist-reset', 'Reset', { title: 'a fresh network from the same seed' });
  const thumbToggle = el('label', { class: 'toggle' });
  const thumbBox = el('input', { type: 'checkbox', id: 'mnist-thumbs' });
  thumbBox.checked = true;
  thumbToggle.append(thumbBox, document.createTextNode(' thumbnails on the map'));
  transport.append(thumbToggle);
  const controls = byId('mnist-controls');
  const margin = slider(controls, {
    id: 'mnist-margin', label: 'margin m', hint: 'dissimilar pairs farther than m cost nothing',
    min: 0.25, max: 3, step: 0.05, value: 1.25, format: fmt.fixed(2),
  });
  const lr = slider(controls, {
    id: 'mnist-lr', label: 'learning rate', hint: 'Adam’s step size',
    min: 0.0001, max: 0.03, step: 0.05, value: 0.002, log: true, format: (v) => v.toPrecision(2),
  });
  const k = slider(controls, {
    id: 'mnist-k', label: 'k neighbours', hint: 'similar = k nearest in pixel space',
    min: 1, max: 10, step: 1, value: 5, format: fmt.int,
  });
  const seed = seedField(controls, 'mnist-seed', 0);
  const config = (): RunConfig => ({ margin: margin.value, lr: lr.value, k: k.value, seed: seed.value });

  // Per-run state, rebuilt from the worker's frames.
  let frame: MnistFrame | null = null;
  let run = 0;
  let losses: number[] = [];
  let accuracy: [number, number][] = [];
  let initialPoints: Float32Array | null = null;
  let baselines: MnistBaselines | null = null;
  // What is on screen: points and the view box ease from `from*` to `to*` over EASE_MS after each frame.
  let fromPts: Float32Array | null = null, toPts: Float32Array | null = null, shown: Float32Array | null = null;
  let fromBox: Box | null = null, toBox: Box | null = null, box: Box | null = null;
  let easeStart = 0;
  let hover = -1;
  let bytes: Uint8Array | null = null;
  let sprites: HTMLCanvasElement[] = [];

  const redrawCharts = scheduler(() => (drawLoss(), drawAccuracy()));
  const redrawMap = scheduler(() => drawMap());

  worker.onmessage = (event: MessageEvent<FromMnist>) => {
    const msg = event.data;
    switch (msg.type) {
      case 'status':
        statusEl.textContent = msg.text;
        statusEl.hidden = msg.text === '';
        return;
      case 'error':
        console.error(`mnist worker: ${msg.message}`);
        section.dataset.state = 'error';
        statusEl.textContent = msg.message;
        statusEl.hidden = false;
        return;
      case 'baselines':
        baselines = msg.baselines;
        stat('mnist-stat-pca', baselines.pca.toFixed(3));
        stat('mnist-stat-pixels', baselines.pixels.toFixed(3));
        redrawCharts();
        return;
      case 'frame':
        onFrame(msg.frame);
        return;
    }
  };
  worker.onerror = (event) => {
    console.error(`mnist worker failed: ${event.message}`);
    section.dataset.state = 'error';
  };

  function onFrame(f: MnistFrame): void {
    if (f.run < run) return; // a frame of a run that a reset already replaced
    if (f.run !== run) {
      run = f.run;
      losses = [];
      accuracy = [];
      initialPoints = f.points.slice();
      shown = null;
    }
    frame = f;
    for (let i = 0; i < f.losses.length; i++) losses[f.lossStart + i] = f.losses[i]!;
    if (accuracy.length === 0 || accuracy[accuracy.length - 1]![0] !== f.step) accuracy.push([f.step, f.accuracy]);
    // Ease from what is on screen now to the new map.
    fromPts = shown ? shown.slice() : f.points;
    toPts = f.points;
    fromBox = box ?? boxOf(f.points);
    toBox = boxOf(f.points);
    easeStart = performance.now();
    animate();

    section.dataset.state = f.playing ? 'playing' : 'paused';
    section.dataset.step = String(f.step);
    play.textContent = f.playing ? '❚❚ Pause' : '▶ Train';
    stat('mnist-stat-step', fmt.int(f.step));
    stat('mnist-stat-epoch', `epoch ${f.step > 0 ? f.epoch + 1 : 0}`);
    stat('mnist-stat-loss', losses.length ? ema(losses).at(-1)!.toFixed(4) : '–');
    stat('mnist-stat-acc', f.accuracy.toFixed(3));
    stat('mnist-stat-pairs', `${fmt.int(f.similarPairs)}`);
    stat('mnist-stat-speed', f.step > 0 ? `${fmt.int(f.pairsPerSecond)} pairs/s` : '–');
    redrawCharts();
  }

  function animate(): void {
    requestAnimationFrame(() => {
      if (!fromPts || !toPts || !fromBox || !toBox) return;
      const t = Math.min(1, (performance.now() - easeStart) / EASE_MS);
      const s = t * t * (3 - 2 * t); // smoothstep: no jolt at either end
      shown ??= new Float32Array(toPts.length);
      for (let i = 0; i < toPts.length; i++) shown[i] = fromPts[i]! + (toPts[i]! - fromPts[i]!) * s;
      box = {
        x0: fromBox.x0 + (toBox.x0 - fromBox.x0) * s, x1: fromBox.x1 + (toBox.x1 - fromBox.x1) * s,
        y0: fromBox.y0 + (toBox.y0 - fromBox.y0) * s, y1: fromBox.y1 + (toBox.y1 - fromBox.y1) * s,
      };
      drawMap();
      if (t < 1) animate();
    });
  }

  /** The square data box around the points, with a margin (equal scales: the map's distances are the point). */
  function boxOf(p: Float32Array): Box {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < p.length; i += 2) {
      x0 = Math.min(x0, p[i]!), x1 = Math.max(x1, p[i]!);
      y0 = Math.min(y0, p[i + 1]!), y1 = Math.max(y1, p[i + 1]!);
    }
    const half = Math.max(x1 - x0, y1 - y0, 1e-3) * 0.56;
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    return { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
  }

  function mapScales(s: { width: number; height: number }, b: Box) {
    // Equal scales on both axes: the shorter canvas side sets pixels per unit.
    const ppu = Math.min(s.width / (b.x1 - b.x0), s.height / (b.y1 - b.y0));
    const cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2;
    return {
      x: scale(cx - s.width / 2 / ppu, cx + s.width / 2 / ppu, 0, s.width),
      y: scale(cy - s.height / 2 / ppu, cy + s.height / 2 / ppu, s.height, 0),
    };
  }

  function drawMap(): void {
    const s = surface(canvas);
    const { ctx, width, height } = s;
    if (!shown || !box) return;
    const m = mapScales(s, box);
    // Faint grid in map units, for a sense of the scale as the map grows.
    const xt = niceTicks(m.x.from(0), m.x.from(width), 8), yt = niceTicks(m.y.from(height), m.y.from(0), 6);
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const v of xt.values) (ctx.moveTo(Math.round(m.x.to(v)) + 0.5, 0), ctx.lineTo(Math.round(m.x.to(v)) + 0.5, height));
    for (const v of yt.values) (ctx.moveTo(0, Math.round(m.y.to(v)) + 0.5), ctx.lineTo(width, Math.round(m.y.to(v)) + 0.5));
    ctx.stroke();
    // Training digits small and translucent; held-out digits (the ones the accuracy is about) larger, ringed.
    for (let i = 0; i < n; i++) {
      const x = m.x.to(shown[2 * i]!), y = m.y.to(shown[2 * i + 1]!);
      ctx.fillStyle = DIGIT_COLORS[meta.labels[i]!]!;
      ctx.beginPath();
      if (i < nTrain) {
        ctx.globalAlpha = 0.5;
        ctx.arc(x, y, 2.6, 0, 2 * Math.PI);
        ctx.fill();
        ctx.globalAlpha = 1;
      } else {
        ctx.arc(x, y, 3.6, 0, 2 * Math.PI);
        ctx.fill();
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 1.2;
        ctx.stroke();
      }
    }
    if (thumbBox.checked && sprites.length) drawThumbnails(ctx, m, width, height);
    if (hover >= 0) {
      const x = m.x.to(shown[2 * hover]!), y = m.y.to(shown[2 * hover + 1]!);
      ctx.strokeStyle = INK;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  /**
   * Held-out digits drawn at their place in the map, as in the paper's figures: greedily, in a fixed order,
   * each only where it overlaps no thumbnail already drawn, so the picture stays readable at any zoom.
   */
  function drawThumbnails(ctx: CanvasRenderingContext2D, m: ReturnType<typeof mapScales>, width: number, height: number): void {
    const placed: [number, number][] = [];
    for (let i = nTrain; i < n; i++) {
      const x = m.x.to(shown![2 * i]!), y = m.y.to(shown![2 * i + 1]!);
      if (x < THUMB / 2 || y < THUMB / 2 || x > width - THUMB / 2 || y > height - THUMB / 2) continue;
      if (placed.some(([px, py]) => Math.abs(px - x) < THUMB + 3 && Math.abs(py - y) < THUMB + 3)) continue;
      placed.push([x, y]);
      ctx.fillStyle = 'rgba(255, 255, 255, 0.82)';
      ctx.fillRect(x - THUMB / 2, y - THUMB / 2, THUMB, THUMB);
      ctx.drawImage(sprites[i]!, x - THUMB / 2, y - THUMB / 2, THUMB, THUMB);
    }
  }

  function drawLoss(): void {
    const s = surface(lossCanvas);
    const { ctx, width, height } = s;
    const frameBox = { left: 40, right: width - 12, top: 10, bottom: height - 20 };
    const steps = Math.max(50, losses.length);
    const top = losses.length ? Math.max(...losses.filter(Number.isFinite)) * 1.05 : 1;
    const x = scale(0, steps, frameBox.left, frameBox.right), y = scale(0, top, frameBox.bottom, frameBox.top);
    axes(ctx, frameBox, niceTicks(0, steps, 5), niceTicks(0, top, 4), x.to, y.to);
    if (!losses.length) return;
    // Epoch boundaries, while they are far enough apart to read (a long run would turn them into a wash).
    if (frame && x.to(frame.batchesPerEpoch) - x.to(0) >= 20) {
      ctx.strokeStyle = '#dfe3ea';
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      for (let e = frame.batchesPerEpoch; e < steps; e += frame.batchesPerEpoch) (ctx.moveTo(x.to(e), frameBox.top), ctx.lineTo(x.to(e), frameBox.bottom));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    line(ctx, losses.map((v, i) => [x.to(i + 1), y.to(v)]), 'rgba(78, 121, 167, 0.28)', 1);
    line(ctx, ema(losses).map((v, i) => [x.to(i + 1), y.to(v)]), TABLEAU10[0]!, 2);
  }

  function drawAccuracy(): void {
    const s = surface(accCanvas);
    const { ctx, width, height } = s;
    const frameBox = { left: 40, right: width - 12, top: 10, bottom: height - 20 };
    const steps = Math.max(50, losses.length);
    const x = scale(0, steps, frameBox.left, frameBox.right), y = scale(0.5, 1, frameBox.bottom, frameBox.top);
    axes(ctx, frameBox, niceTicks(0, steps, 4), niceTicks(0.5, 1, 5), x.to, y.to);
    // What the map has to beat, dashed: 2-D PCA (the same budget of dimensions) and all 784 pixels.
    if (baselines) {
      for (const [v, label] of [[baselines.pixels, 'pixels'], [baselines.pca, 'PCA 2-D']] as const) {
        ctx.strokeStyle = MUTED;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(frameBox.left, y.to(v));
        ctx.lineTo(frameBox.right, y.to(v));
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = MUTED;
        ctx.font = '10.5px system-ui, sans-serif';
        ctx.textAlign = 'right';
        ctx.fillText(label, frameBox.right - 2, y.to(v) - 4);
      }
    }
    if (!accuracy.length) return;
    line(ctx, accuracy.map(([st, a]) => [x.to(st), y.to(a)]), TABLEAU10[4]!, 2);
    const [st, a] = accuracy[accuracy.length - 1]!;
    ctx.fillStyle = TABLEAU10[4]!;
    ctx.beginPath();
    ctx.arc(x.to(st), y.to(a), 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }

  // Hover: the nearest point under the pointer shows its digit.
  canvas.addEventListener('pointermove', (e) => {
    if (!shown || !box || !bytes) return;
    const rect = canvas.getBoundingClientRect();
    const m = mapScales(rect, box);
    const px = e.clientX - rect.left, py = e.clientY - rect.top;
    let best = -1, bestD = HOVER_PX;
    for (let i = 0; i < n; i++) {
      const d = Math.hypot(m.x.to(shown[2 * i]!) - px, m.y.to(shown[2 * i + 1]!) - py);
      if (d < bestD) (best = i), (bestD = d);
    }
    if (best !== hover) {
      hover = best;
      redrawMap();
    }
    if (best < 0) {
      tooltip.hidden = true;
      return;
    }
    showTooltip(best, px, py, rect.width);
  });
  canvas.addEventListener('pointerleave', () => {
    tooltip.hidden = true;
    if (hover >= 0) (hover = -1), redrawMap();
  });

  function showTooltip(i: number, px: number, py: number, width: number): void {
    const img = tooltip.querySelector('canvas')!;
    const ctx = img.getContext('2d')!;
    const data = ctx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = 255 - bytes![i * 784 + p]!; // dark ink on white, as printed
      data.data[4 * p] = data.data[4 * p + 1] = data.data[4 * p + 2] = v;
      data.data[4 * p + 3] = 255;
    }
    ctx.putImageData(data, 0, 0);
    const label = meta.labels[i]!;
    tooltip.querySelector('.tip-title')!.textContent = `a ${label}`;
    tooltip.querySelector('.tip-sub')!.textContent = i < nTrain ? `training digit #${i}` : `held-out digit #${i - nTrain}`;
    (tooltip.querySelector('.tip-swatch') as HTMLElement).style.background = DIGIT_COLORS[label]!;
    tooltip.hidden = false;
    const left = px + 150 > width ? px - 140 : px + 14;
    tooltip.style.transform = `translate(${Math.round(left)}px, ${Math.round(py + 12)}px)`;
  }

  play.addEventListener('click', () => send({ type: frame?.playing ? 'pause' : 'play' }));
  stepBtn.addEventListener('click', () => send({ type: 'step', count: 1 }));
  const restart = (): void => send({ type: 'configure', config: config() });
  reset.addEventListener('click', restart);
  margin.onChange(restart);
  lr.onChange(restart);
  k.onChange(restart);
  seed.onChange(restart);
  thumbBox.addEventListener('change', redrawMap);
  new ResizeObserver(() => (redrawMap(), redrawCharts())).observe(section);

  statusEl.textContent = 'loading the digits…';
  void fetch(url)
    .then((res) => {
      if (!res.ok) throw new Error(`fetching the MNIST subset failed: HTTP ${res.status}`);
      return res.arrayBuffer();
    })
    .then((buf) => {
      bytes = new Uint8Array(buf);
      sprites = makeSprites(bytes, meta.labels);
      const copy = bytes.slice();
      worker.postMessage({ type: 'init', bytes: copy, meta } satisfies ToMnist, [copy.buffer]);
      restart();
    })
    .catch((err: unknown) => {
      console.error(err);
      section.dataset.state = 'error';
      statusEl.textContent = String(err);
    });

  return {
    hook: () => {
      if (!frame || !initialPoints || !shown || !box) return null;
      const rect = canvas.getBoundingClientRect();
      const m = mapScales(rect, box);
      const screen = Array.from(shown, (p, i) => (i % 2 === 0 ? rect.left + m.x.to(p) : rect.top + m.y.to(p)));
      return {
        run, step: frame.step, playing: frame.playing, losses: losses.slice(), accuracy: frame.accuracy, baselines,
        points: Array.from(frame.points), initialPoints: Array.from(initialPoints), screen,
      };
    },
  };
}

/** One small canvas per digit: its ink in its class colour on transparent ground, for drawing on the map. */
function makeSprites(bytes: Uint8Array, labels: number[]): HTMLCanvasElement[] {
  return labels.map((label, i) => {
    const c = document.createElement('canvas');
    c.width = c.height = 28;
    const ctx = c.getContext('2d')!;
    const img = ctx.createImageData(28, 28);
    const hex = Number.parseInt(DIGIT_COLORS[label]!.slice(1), 16);
    // Darkened class colour, so thin strokes stay legible at 22 px.
    const r = ((hex >> 16) & 255) * 0.75, g = ((hex >> 8) & 255) * 0.75, b = (hex & 255) * 0.75;
    for (let p = 0; p < 784; p++) {
      img.data[4 * p] = r;
      img.data[4 * p + 1] = g;
      img.data[4 * p + 2] = b;
      img.data[4 * p + 3] = bytes[i * 784 + p]!;
    }
    ctx.putImageData(img, 0, 0);
    return c;
  });
}

/** The exponential moving average of a series, bias-corrected like Adam's, so the first values are not pulled to 0. */
function ema(values: number[]): number[] {
  const out: number[] = [];
  let m = 0;
  values.forEach((v, i) => {
    m = EMA_BETA * m + (1 - EMA_BETA) * v;
    out.push(m / (1 - EMA_BETA ** (i + 1)));
  });
  return out;
}

function line(ctx: CanvasRenderingContext2D, pts: [number, number][], color: string, width: number): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  pts.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
  ctx.stroke();
}

type Ticks = ReturnType<typeof niceTicks>;

function axes(
  ctx: CanvasRenderingContext2D, f: { left: number; right: number; top: number; bottom: number },
  xt: Ticks, yt: Ticks, x: (v: number) => number, y: (v: number) => number,
): void {
  ctx.font = '10.5px system-ui, sans-serif';
  ctx.lineWidth = 1;
  ctx.strokeStyle = GRID;
  ctx.fillStyle = MUTED;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  yt.values.forEach((v, i) => {
    const py = Math.round(y(v)) + 0.5;
    if (py < f.top - 1 || py > f.bottom + 1) return;
    ctx.beginPath();
    ctx.moveTo(f.left, py);
    ctx.lineTo(f.right, py);
    ctx.stroke();
    ctx.fillText(yt.labels[i]!, f.left - 5, py);
  });
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  xt.values.forEach((v, i) => {
    const px = x(v);
    if (px < f.left - 1 || px > f.right + 1) return;
    ctx.fillText(xt.labels[i]!, px, f.bottom + 5);
  });
  ctx.strokeStyle = '#c4c9d2';
  ctx.beginPath();
  ctx.moveTo(f.left + 0.5, f.top);
  ctx.lineTo(f.left + 0.5, f.bottom + 0.5);
  ctx.lineTo(f.right, f.bottom + 0.5);
  ctx.stroke();
  ctx.textBaseline = 'alphabetic';
}
