/**
 * The spring model's worker: DrLIM's section 2.2 made literal, as in examples/spring. The points are free
 * parameters (the map G_W is the identity), each similar to its k nearest neighbours in the starting layout,
 * every other pair dissimilar, and plain gradient descent on the summed contrastive loss
 *
 *   L = Σ_similar ½·D²  +  Σ_dissimilar ½·max(0, m − D)²
 *
 * moves them: x ← x + lr·F with F = −∂L/∂x, computed by autograd as two fields, attraction (similar pairs,
 * ∝ D along the spring) and repulsion (dissimilar pairs closer than m, ∝ m − D). The page draws both.
 */
import { Generator, Tensor } from '@tsgrad/tensor';
import { gather, valueAndGrad, type Variable } from '@tsgrad/autograd';
import { contrastiveLoss, euclideanDistance, pairsFromNeighbors } from '@tsgrad/contrastive';
import type { FromSpring, RunConfig, SpringFrame, ToSpring, WorkerScope } from '../protocol.js';

const scope = self as unknown as WorkerScope<ToSpring, FromSpring>;

const CLUSTERS = 3, PER_CLUSTER = 12, N = CLUSTERS * PER_CLUSTER;
/** Milliseconds between steps while playing: ~60 steps a second, slow enough to watch each one. */
const TICK_MS = 16;

interface Springs {
  sA: Int32Array; sB: Int32Array; dA: Int32Array; dB: Int32Array;
  ySimilar: Float64Array; yDissimilar: Float64Array;
}

let config: RunConfig = { margin: 1, lr: 0.01, k: 3, seed: 2006 };
let start: Float64Array = new Float64Array(2 * N); // the input space: the seeded starting layout
let pos: Float64Array = new Float64Array(2 * N);
const cluster = new Int32Array(N);
let springs: Springs | null = null;
let step = 0, scrambles = 0, held = -1;
let timer: ReturnType<typeof setInterval> | null = null;

/** Three tight clusters on a triangle, as in examples/spring: many points start inside each other's margin. */
function layout(seed: number): Float64Array {
  const g = new Generator(seed);
  const x = new Float64Array(2 * N);
  for (let c = 0, i = 0; c < CLUSTERS; c++) {
    const a = Math.PI / 2 + (2 * Math.PI * c) / CLUSTERS;
    for (let k = 0; k < PER_CLUSTER; k++, i++) {
      cluster[i] = c;
      x[2 * i] = 1.5 * Math.cos(a) + 0.22 * g.nextNormal();
      x[2 * i + 1] = 1.5 * Math.sin(a) + 0.22 * g.nextNormal();
    }
  }
  return x;
}

/** The neighbourhood graph of the starting layout: similar pairs from pairsFromNeighbors, the rest dissimilar. */
function wire(k: number): Springs {
  const similar = pairsFromNeighbors(new Tensor(start, [N, 2]), { k });
  const dA: number[] = [], dB: number[] = [];
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) if (!similar.has(i, j)) dA.push(i), dB.push(j);
  return {
    sA: similar.a, sB: similar.b, dA: Int32Array.from(dA), dB: Int32Array.from(dB),
    ySimilar: new Float64Array(similar.size), yDissimilar: new Float64Array(dA.length).fill(1),
  };
}

// The two halves of the loss as functions of the positions X [N, 2], summed over pairs (not averaged) so each
// pair is one spring of unit stiffness and −∇ is the physical force.
const attract = valueAndGrad((X: Variable) => {
  const s = springs!;
  return contrastiveLoss(euclideanDistance(gather(X, s.sA), gather(X, s.sB)), s.ySimilar, { margin: config.margin, reduction: 'sum' });
});
const repel = valueAndGrad((X: Variable) => {
  const s = springs!;
  return contrastiveLoss(euclideanDistance(gather(X, s.dA), gather(X, s.dB)), s.yDissimilar, { margin: config.margin, reduction: 'sum' });
});

/**
 * Both force fields and the loss at the current positions. Each step needs them once to move and the frame
 * after it once to draw, at the same positions, so they are kept until the positions or the loss change.
 */
let cached: { fa: Float64Array; fr: Float64Array; loss: number } | null = null;
function forces(): { fa: Float64Array; fr: Float64Array; loss: number } {
  if (cached) return cached;
  const X = new Tensor(Float64Array.from(pos), [N, 2]);
  const a = attract(X), r = repel(X);
  const fa = Float64Array.from(a.grad.toTypedArray(), (v) => -v);
  const fr = Float64Array.from(r.grad.toTypedArray(), (v) => -v);
  return (cached = { fa, fr, loss: a.value.item() + r.value.item() });
}

/** One gradient-descent step, x ← x + lr·F; a held point stays under the pointer. */
function advance(): void {
  const { fa, fr } = forces();
  for (let i = 0; i < N; i++) {
    if (i === held) continue;
    pos[2 * i] = pos[2 * i]! + config.lr * (fa[2 * i]! + fr[2 * i]!);
    pos[2 * i + 1] = pos[2 * i + 1]! + config.lr * (fa[2 * i + 1]! + fr[2 * i + 1]!);
  }
  cached = null;
  step++;
}

function post(): void {
  const s = springs!;
  const { fa, fr, loss } = forces();
  const dist = (i: number, j: number): number => Math.hypot(pos[2 * i]! - pos[2 * j]!, pos[2 * i + 1]! - pos[2 * j + 1]!);
  let sum = 0, inside = 0, net = 0;
  for (let p = 0; p < s.sA.length; p++) sum += dist(s.sA[p]!, s.sB[p]!);
  for (let p = 0; p < s.dA.length; p++) if (dist(s.dA[p]!, s.dB[p]!) < config.margin) inside++;
  for (let i = 0; i < N; i++) net += Math.hypot(fa[2 * i]! + fr[2 * i]!, fa[2 * i + 1]! + fr[2 * i + 1]!);
  const frame: SpringFrame = {
    step, playing: timer !== null, margin: config.margin,
    positions: Float64Array.from(pos), attraction: fa, repulsion: fr,
    similarA: s.sA.slice(), similarB: s.sB.slice(), cluster: cluster.slice(),
    loss, meanSimilar: sum / Math.max(1, s.sA.length), insideMargin: inside / Math.max(1, s.dA.length), netForce: net, held,
  };
  scope.postMessage({ type: 'frame', frame });
}

function pause(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
}

function handle(msg: ToSpring): void {
  // Every message but play/pause may move points or change the loss: forces are recomputed for the frame.
  if (msg.type !== 'play' && msg.type !== 'pause') cached = null;
  switch (msg.type) {
    case 'reset':
      config = { ...msg.config };
      start = layout(config.seed);
      pos = Float64Array.from(start);
      springs = wire(config.k);
      step = 0;
      scrambles = 0;
      held = -1;
      break;
    case 'set':
      if (msg.config.k !== config.k) springs = wire(msg.config.k);
      config = { ...msg.config };
      break;
    case 'play':
      if (timer === null) timer = setInterval(() => guard(() => (advance(), post())), TICK_MS);
      break;
    case 'pause':
      pause();
      break;
    case 'step':
      for (let c = 0; c < msg.count; c++) advance();
      break;
    case 'scramble': {
      // Seeded by the run's seed and how many scrambles came before, so a session replays exactly.
      const g = new Generator(config.seed * 1000 + ++scrambles);
      for (let i = 0; i < 2 * N; i++) pos[i] = -2.4 + 4.8 * g.random();
      break;
    }
    case 'drag':
      held = msg.index;
      pos[2 * held] = msg.x;
      pos[2 * held + 1] = msg.y;
      break;
    case 'release':
      held = -1;
      break;
  }
  post();
}

/** Runs fn; an exception stops the run and is reported to the page, which shows it (and logs it as an error). */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    pause();
    scope.postMessage({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
}

scope.onmessage = (event) => guard(() => handle(event.data));
