/**
 * The spring model's panel: draws the frames its worker posts (points, springs, margin circles, both force
 * fields as arrows) and turns the controls and pointer drags into messages. No math beyond drawing happens here.
 */
import { TABLEAU10 } from '@tsgrad/contrastive';
import { arrow, scale, scheduler, surface } from '../canvas.js';
import type { FromSpring, RunConfig, SpringFrame, ToSpring } from '../protocol.js';
import { button, byId, fmt, seedField, slider, stat } from '../ui.js';

export const ATTRACT = TABLEAU10[0]!, REPEL = TABLEAU10[2]!;
const CLUSTER_COLORS = [TABLEAU10[4]!, TABLEAU10[6]!, TABLEAU10[8]!];
/** The data window's half-height; the width follows the canvas's aspect ratio, with equal scales on both axes. */
const HALF_HEIGHT = 3.1;
/** Arrow length per unit of force (in data units), capped so the crowded start stays readable. */
const ARROW_PER_FORCE = 0.22, ARROW_MAX = 1.1;
/** How near (CSS pixels) the pointer must be to pick up a point. */
const PICK_PX = 14;

export interface SpringHook {
  step: number;
  loss: number;
  playing: boolean;
  positions: number[];
  /** Where each point is on screen (client coordinates, [x0, y0, x1, ...]), for driving drags. */
  screen: number[];
}

export function springView(): { hook: () => SpringHook | null } {
  const canvas = byId<HTMLCanvasElement>('spring-canvas');
  const section = byId('spring');
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'spring' });
  const send = (msg: ToSpring): void => worker.postMessage(msg);

  // Controls.
  const transport = byId('spring-transport');
  const play = button(transport, 'spring-play', '▶ Play', { primary: true, title: 'run gradient descent step after step' });
  const stepBtn = button(transport, 'spring-step-once', 'Step', { title: 'one step of gradient descent' });
  const scramble = button(transport, 'spring-scramble', 'Scramble', { title: 'scatter the points at random, keep the springs' });
  const reset = button(transport, 'spring-reset', 'Reset', { title: 'back to the starting layout' });
  const controls = byId('spring-controls');
  const margin = slider(controls, {
    id: 'spring-margin', label: 'margin m', hint: 'reach of the repulsive springs',
    min: 0.25, max: 2.5, step: 0.05, value: 1, format: fmt.fixed(2),
  });
  const lr = slider(controls, {
    id: 'spring-lr', label: 'learning rate', hint: 'x ← x + lr · F, plain gradient descent',
    min: 0.001, max: 0.03, step: 0.05, value: 0.01, log: true, format: (v) => v.toPrecision(2),
  });
  const k = slider(controls, {
    id: 'spring-k', label: 'k neighbours', hint: 'springs to each point’s k nearest at the start',
    min: 1, max: 8, step: 1, value: 3, format: fmt.int,
  });
  const seed = seedField(controls, 'spring-seed', 2006);
  const config = (): RunConfig => ({ margin: margin.value, lr: lr.value, k: k.value, seed: seed.value });

  let frame: SpringFrame | null = null;
  let hover = -1;
  const redraw = scheduler(() => draw());

  worker.onmessage = (event: MessageEvent<FromSpring>) => {
    const msg = event.data;
    if (msg.type === 'error') {
      console.error(`spring worker: ${msg.message}`);
      section.dataset.state = 'error';
      return;
    }
    frame = msg.frame;
    section.dataset.state = frame.playing ? 'playing' : 'paused';
    section.dataset.step = String(frame.step);
    play.textContent = frame.playing ? '❚❚ Pause' : '▶ Play';
    stat('spring-stat-step', fmt.int(frame.step));
    stat('spring-stat-loss', frame.loss.toFixed(3));
    stat('spring-stat-mean', frame.meanSimilar.toFixed(3));
    stat('spring-stat-inside', fmt.percent(frame.insideMargin));
    stat('spring-stat-force', frame.netForce.toFixed(2));
    redraw();
  };
  worker.onerror = (event) => {
    console.error(`spring worker failed: ${event.message}`);
    section.dataset.state = 'error';
  };

  play.addEventListener('click', () => send({ type: frame?.playing ? 'pause' : 'play' }));
  stepBtn.addEventListener('click', () => send({ type: 'step', count: 1 }));
  scramble.addEventListener('click', () => send({ type: 'scramble' }));
  reset.addEventListener('click', () => send({ type: 'reset', config: config() }));
  margin.onInput(() => send({ type: 'set', config: config() }));
  lr.onInput(() => send({ type: 'set', config: config() }));
  k.onChange(() => send({ type: 'set', config: config() }));
  seed.onChange(() => send({ type: 'reset', config: config() }));

  /** The data ↔ pixel maps for the canvas's current size: equal scales, origin at the centre. */
  const view = (width: number, height: number) => {
    const halfW = (HALF_HEIGHT * width) / height;
    return { x: scale(-halfW, halfW, 0, width), y: scale(-HALF_HEIGHT, HALF_HEIGHT, height, 0), pxPerUnit: height / (2 * HALF_HEIGHT), halfW };
  };

  function draw(): void {
    const { ctx, width, height } = surface(canvas);
    const v = view(width, height);
    // A unit grid: a reference for the margin and the spring lengths.
    ctx.lineWidth = 1;
    for (let g = Math.ceil(-v.halfW); g <= v.halfW; g++) {
      ctx.strokeStyle = g === 0 ? '#d5d9e0' : '#eceef2';
      ctx.beginPath();
      ctx.moveTo(Math.round(v.x.to(g)) + 0.5, 0);
      ctx.lineTo(Math.round(v.x.to(g)) + 0.5, height);
      ctx.stroke();
    }
    for (let g = Math.ceil(-HALF_HEIGHT); g <= HALF_HEIGHT; g++) {
      ctx.strokeStyle = g === 0 ? '#d5d9e0' : '#eceef2';
      ctx.beginPath();
      ctx.moveTo(0, Math.round(v.y.to(g)) + 0.5);
      ctx.lineTo(width, Math.round(v.y.to(g)) + 0.5);
      ctx.stroke();
    }
    if (!frame) return;
    const f = frame, n = f.positions.length / 2;
    const P = (i: number): [number, number] => [v.x.to(f.positions[2 * i]!), v.y.to(f.positions[2 * i + 1]!)];
    const r = f.margin * v.pxPerUnit;
    // Margin circles: faint for every point; bold for the point under the pointer or held.
    ctx.strokeStyle = 'rgba(90, 98, 112, 0.16)';
    for (let i = 0; i < n; i++) {
      const [x, y] = P(i);
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.stroke();
    }
    const focus = f.held >= 0 ? f.held : hover;
    if (focus >= 0) {
      const [x, y] = P(focus);
      ctx.save();
      ctx.fillStyle = hexAlpha(CLUSTER_COLORS[f.cluster[focus]!]!, 0.1);
      ctx.strokeStyle = '#2b2f36';
      ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
      ctx.restore();
    }
    // The springs: similar pairs.
    ctx.strokeStyle = '#9aa1ab';
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    for (let p = 0; p < f.similarA.length; p++) {
      const [x1, y1] = P(f.similarA[p]!), [x2, y2] = P(f.similarB[p]!);
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
    }
    ctx.stroke();
    // Forces, drawn from each point: repulsion under attraction.
    const arrows = (field: Float64Array, color: string): void => {
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2;
      ctx.lineCap = 'round';
      for (let i = 0; i < n; i++) {
        const fx = field[2 * i]!, fy = field[2 * i + 1]!;
        const mag = Math.hypot(fx, fy);
        const len = Math.min(ARROW_MAX, mag * ARROW_PER_FORCE) * v.pxPerUnit;
        if (len < 3) continue; // a (near-)zero force: no arrow
        const [x, y] = P(i);
        arrow(ctx, x, y, x + (fx / mag) * len, y - (fy / mag) * len);
      }
    };
    arrows(f.repulsion, REPEL);
    arrows(f.attraction, ATTRACT);
    // The points, on top.
    for (let i = 0; i < n; i++) {
      const [x, y] = P(i);
      const big = i === focus;
      ctx.beginPath();
      ctx.arc(x, y, big ? 7 : 5, 0, 2 * Math.PI);
      ctx.fillStyle = CLUSTER_COLORS[f.cluster[i]!]!;
      ctx.fill();
      ctx.lineWidth = big ? 2.2 : 1;
      ctx.strokeStyle = '#1d2127';
      ctx.stroke();
    }
  }

  // Dragging: the page only reports where the pointer is; the worker moves the point and recomputes the forces.
  const toData = (e: PointerEvent): [number, number] => {
    const rect = canvas.getBoundingClientRect();
    const v = view(rect.width, rect.height);
    return [v.x.from(e.clientX - rect.left), v.y.from(e.clientY - rect.top)];
  };
  const pick = (e: PointerEvent): number => {
    if (!frame) return -1;
    const rect = canvas.getBoundingClientRect();
    const v = view(rect.width, rect.height);
    const px = e.clientX - rect.left, py = e.clientY - rect.top;
    let best = -1, bestD = PICK_PX;
    for (let i = 0; i < frame.positions.length / 2; i++) {
      const d = Math.hypot(v.x.to(frame.positions[2 * i]!) - px, v.y.to(frame.positions[2 * i + 1]!) - py);
      if (d < bestD) (best = i), (bestD = d);
    }
    return best;
  };
  let dragging = -1;
  canvas.addEventListener('pointerdown', (e) => {
    const i = pick(e);
    if (i < 0) return;
    dragging = i;
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = toData(e);
    send({ type: 'drag', index: i, x, y });
  });
  canvas.addEventListener('pointermove', (e) => {
    if (dragging >= 0) {
      const [x, y] = toData(e);
      send({ type: 'drag', index: dragging, x, y });
      return;
    }
    const i = pick(e);
    canvas.style.cursor = i >= 0 ? 'grab' : 'default';
    if (i !== hover) {
      hover = i;
      redraw();
    }
  });
  const drop = (): void => {
    if (dragging < 0) return;
    dragging = -1;
    send({ type: 'release' });
  };
  canvas.addEventListener('pointerup', drop);
  canvas.addEventListener('pointercancel', drop);
  canvas.addEventListener('pointerleave', () => {
    if (hover >= 0 && dragging < 0) (hover = -1), redraw();
  });
  new ResizeObserver(redraw).observe(canvas);

  send({ type: 'reset', config: config() });
  return {
    hook: () => {
      if (!frame) return null;
      const rect = canvas.getBoundingClientRect();
      const v = view(rect.width, rect.height);
      const screen = Array.from(frame.positions, (p, i) => (i % 2 === 0 ? rect.left + v.x.to(p) : rect.top + v.y.to(p)));
      return { step: frame.step, loss: frame.loss, playing: frame.playing, positions: Array.from(frame.positions), screen };
    },
  };
}

/** '#rrggbb' with an alpha, as rgba(). */
export function hexAlpha(hex: string, alpha: number): string {
  const v = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
}
