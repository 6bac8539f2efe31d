/**
 * The worker pool: threads running the same wasm module over the one shared memory, each computing a rectangle
 * of C while the calling thread computes its own.
 *
 * Hand-off. The control block (runtime.ts, CTRL) holds a job generation counter, the job's arguments, one
 * rectangle per thread and one "done" slot per worker. The caller writes the arguments and rectangles, bumps the
 * generation and notifies; a worker that is spinning on the generation (it spins for ~SPIN_LOADS loads after each
 * job, a few tens of microseconds, so back-to-back calls hand off in ~2-3 µs) or sleeping in Atomics.wait (waking
 * costs ~40 µs) runs its rectangle and stores the generation into its done slot; the caller computes its own
 * rectangle, then waits for every done slot. Never more busy threads than cores: the caller always takes a share,
 * so n threads means n − 1 workers.
 *
 * Determinism. A rectangle split never changes a bit of C (assembly/gemm.ts: each element goes through the same
 * instruction sequence wherever its tile is), so results do not depend on the thread count or on whether the pool
 * has started yet.
 *
 * Where it runs. Node (worker_threads, reached by a dynamic import so that the package has no static Node
 * dependency) and browser workers (Web Workers from a Blob URL) where the memory is shared (SharedArrayBuffer:
 * cross-origin isolated pages). On a browser's main thread, where Atomics.wait is not allowed, and wherever the
 * memory is not shared, everything runs on the calling thread. The pool starts on first use, asynchronously;
 * calls made meanwhile run on the calling thread. Workers are unref'd in Node: they never keep a process alive.
 */
import { ValueError } from '../../errors.js';
import { host } from './host.js';
import { CTRL, MAX_THREADS, workspace, type Runtime } from './runtime.js';

/* Control block layout, in int32 slots from CTRL. */
/** Job generation: bumped by the caller for every job. */
const GEN = 0;
/** Number of workers taking part in the current job (workers 0..n-1). */
const PARTS = 1;
/** Opcode of the job: 0 = gemm. */
const OP = 2;
/** First of the job's arguments (the gemm arguments up to `accumulate`, 14 slots). */
const ARGS = 8;
/** Worker w's done slot: the generation it last finished. */
const DONE = 32;
/** Worker w's rectangle [i0, i1, j0, j1] at RECT + 4w; its workspace address at WSA + w. */
const RECT = 64;
const WSA = 128;

/** Atomics.load calls a worker spins on the generation before it sleeps (~30-60 µs here). */
const SPIN_LOADS = 20000;

/**
 * Fewest multiply-adds a gemm needs before it is split between threads: below it the hand-off (and a worker's
 * wake-up from sleep) costs more than the halved compute saves. Measured: see docs/tensor.md §7.
 */
export const PARALLEL_MIN_WORK = 1 << 19;

/** What the workers run: a self-contained script, the same for Node and browsers. */
const WORKER_SOURCE = `
'use strict';
function start(d) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const gemm = inst.exports.gemm;
  const s = new Int32Array(d.memory.buffer, ${CTRL}, 1024);
  const w = d.index;
  let seen = Atomics.load(s, ${GEN});
  d.ready();
  for (;;) {
    let g = Atomics.load(s, ${GEN});
    for (let n = 0; g === seen && n < ${SPIN_LOADS}; n++) g = Atomics.load(s, ${GEN});
    if (g === seen) { Atomics.wait(s, ${GEN}, seen); continue; }
    seen = g;
    if (w >= Atomics.load(s, ${PARTS})) continue;
    const a = ${ARGS}, r = ${RECT} + 4 * w;
    gemm(s[a], s[a + 1], s[a + 2], s[a + 3], s[a + 4], s[a + 5], s[a + 6], s[a + 7], s[a + 8], s[a + 9], s[a + 10],
      s[a + 11], s[a + 12], s[a + 13], s[r], s[r + 1], s[r + 2], s[r + 3], s[${WSA} + w]);
    Atomics.store(s, ${DONE} + w, g);
    Atomics.notify(s, ${DONE} + w);
  }
}
if (typeof process === 'object' && process.versions && process.versions.node) {
  // A dynamic import works whether Node evaluates this as a script or, under --input-type=module, a module.
  import('node:worker_threads').then((wt) => start({ ...wt.workerData, ready: () => wt.parentPort.postMessage('ready') }));
} else {
  self.onmessage = (e) => start({ ...e.data, ready: () => self.postMessage('ready') });
}
`;

interface NodeWorker { unref(): void; on(ev: string, fn: (e: unknown) => void): void }
interface BrowserWorker { postMessage(d: unknown): void; onerror: ((e: unknown) => void) | null; onmessage: ((e: unknown) => void) | null }
interface HostExtras {
  process?: { versions?: { node?: string } };
  document?: unknown;
  Worker?: new (url: string) => BrowserWorker;
  Blob?: new (parts: string[], opts: { type: string }) => unknown;
  URL?: { createObjectURL(b: unknown): string };
}
const hx = globalThis as unknown as HostExtras;
const isNode = typeof hx.process?.versions?.node === 'string';

/** Threads requested by setNumThreads (null: the default, the cores available). */
let requested: number | null = null;
/** Cores available, once known (navigator.hardwareConcurrency, or os.availableParallelism() in Node). */
let cores: number | null = host.navigator?.hardwareConcurrency ?? null;
/** Workers started and ready (their instance is up and they are in the loop), and those still starting. */
let ready = 0;
let starting = 0;
/** Set when the pool cannot run here or a worker failed to start: everything stays on the calling thread. */
let disabled = false;
let gen = 0;
/** Products split between threads so far (tests check that a split really happened). */
let splitCalls = 0;

/** How many products have been split between threads so far. */
export function splitCount(): number {
  return splitCalls;
}

/**
 * Sets how many threads (the caller plus workers) float32 products and convolutions may use on the wasm
 * backend; results are bit-identical for every n. Clamped to 8. Workers start on the next large call.
 *
 * @throws ValueError unless n is a positive integer.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`[setNumThreads] expected a positive integer: got ${String(n)}`);
  requested = Math.min(n, MAX_THREADS);
}

/**
 * Threads the wasm kernels use: the setNumThreads value, or by default the cores available
 * (navigator.hardwareConcurrency; in Node os.availableParallelism(), read asynchronously on the first wasm
 * product, so 1 until then). Where the pool cannot run (no SharedArrayBuffer, a browser's main thread) this is still the setting,
 * but the kernels run on the calling thread.
 */
export function getNumThreads(): number {
  return requested ?? Math.min(cores ?? 1, MAX_THREADS);
}

/** True when this host can run the pool over `rt`'s memory. */
function poolPossible(rt: Runtime): boolean {
  if (!rt.shared || disabled) return false;
  if (isNode) return true;
  // Browsers: workers need Worker + Blob URLs, and the caller must be allowed to block (not the main thread).
  return hx.Worker !== undefined && hx.Blob !== undefined && hx.URL !== undefined && hx.document === undefined;
}

/** A specifier bundlers leave alone (they would otherwise try to resolve Node's modules for the browser). */
const nodeModule = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

let detecting = false;

/** Learns the core count in Node (asynchronously, once; until then getNumThreads() assumes 1). */
function detectCores(): void {
  if (!isNode || cores !== null || detecting) return;
  detecting = true;
  nodeModule('node:os').then((os) => {
    const o = os as { availableParallelism?: () => number; cpus: () => unknown[] };
    cores = o.availableParallelism ? o.availableParallelism() : o.cpus().length;
  }, () => { cores = 1; });
}

/** Starts workers until `want` are ready or starting (asynchronously; each counts as ready once it runs). */
function grow(rt: Runtime, want: number): void {
  while (ready + starting < want) {
    const index = ready + starting;
    starting++;
    const data = { module: rt.module, memory: rt.memory, index };
    const up = (): void => { starting--; ready++; };
    const fail = (): void => { disabled = true; };
    if (isNode) {
      nodeModule('node:worker_threads').then((wt) => {
        const W = (wt as { Worker: new (src: string, o: object) => NodeWorker }).Worker;
        const worker = new W(WORKER_SOURCE, { eval: true, workerData: data });
        // Ready once its instance is up and it has read the generation (so it sees every later job).
        worker.on('message', up);
        worker.on('error', fail);
        // After the listeners: adding a 'message' listener refs the worker's port again.
        worker.unref();
      }, fail);
    } else {
      try {
        const url = hx.URL!.createObjectURL(new hx.Blob!([WORKER_SOURCE], { type: 'text/javascript' }));
        const worker = new hx.Worker!(url);
        worker.onerror = fail;
        worker.onmessage = up;
        worker.postMessage(data);
      } catch {
        fail();
      }
    }
  }
}

/**
 * C (M×N at byte address c, row stride ldc elements) (+)= A·B on the wasm kernel, split between the calling
 * thread and the ready workers when the product is large enough; arguments as in assembly/gemm.ts.
 */
export function runGemm(
  rt: Runtime, M: number, N: number, K: number,
  a: number, aRs: number, aCs: number, aRows: number, aCols: number,
  b: number, bRs: number, bCs: number, bRows: number, bCols: number,
  c: number, ldc: number, acc: number,
): void {
  detectCores();
  const threads = getNumThreads();
  let parts = 1;
  if (threads > 1 && M * N * K >= PARALLEL_MIN_WORK && poolPossible(rt)) {
    grow(rt, threads - 1);
    parts = Math.min(threads, ready + 1);
  }
  const ws0 = workspace(rt, 0);
  if (parts === 1) {
    rt.exports.gemm(K, a, aRs, aCs, aRows, aCols, b, bRs, bCs, bRows, bCols, c, ldc, acc, 0, M, 0, N, ws0);
    return;
  }
  // Split the longer side of C into `parts` pieces (rows at multiples of 2, columns of 16: whole tiles), the
  // caller taking the first; any split gives the same bits.
  const byRows = M >= N;
  const len = byRows ? M : N, unit = byRows ? 2 : 16;
  const step = Math.ceil(len / parts / unit) * unit;
  for (let t = 0; t < parts; t++) workspace(rt, t);
  const s = rt.i32, base = CTRL / 4;
  const args = [K, a, aRs, aCs, aRows, aCols, b, bRs, bCs, bRows, bCols, c, ldc, acc];
  for (let q = 0; q < 14; q++) s[base + ARGS + q] = args[q]!;
  for (let w = 0; w < parts - 1; w++) {
    const lo = Math.min(len, (w + 1) * step), hi = Math.min(len, (w + 2) * step);
    const r = base + RECT + 4 * w;
    if (byRows) { s[r] = lo; s[r + 1] = hi; s[r + 2] = 0; s[r + 3] = N; } else { s[r] = 0; s[r + 1] = M; s[r + 2] = lo; s[r + 3] = hi; }
    s[base + WSA + w] = workspace(rt, w + 1);
  }
  splitCalls++;
  s[base + OP] = 0;
  Atomics.store(s, base + PARTS, parts - 1);
  gen = (gen + 1) | 0;
  Atomics.store(s, base + GEN, gen);
  Atomics.notify(s, base + GEN);
  const mine = Math.min(len, step);
  if (byRows) rt.exports.gemm(K, a, aRs, aCs, aRows, aCols, b, bRs, bCs, bRows, bCols, c, ldc, acc, 0, mine, 0, N, ws0);
  else rt.exports.gemm(K, a, aRs, aCs, aRows, aCols, b, bRs, bCs, bRows, bCols, c, ldc, acc, 0, M, 0, mine, ws0);
  for (let w = 0; w < parts - 1; w++) {
    const d = base + DONE + w;
    for (let n = 0; Atomics.load(s, d) !== gen; n++) {
      if (n > SPIN_LOADS) Atomics.wait(s, d, Atomics.load(s, d), 1);
    }
  }
}

/**
 * Resolves once the workers getNumThreads() asks for are running (or the pool cannot run here), starting them if
 * needed. Kernels never need it (they run on the calling thread until workers are ready); tests use it to be
 * sure a call really is split.
 */
export async function poolReady(rt: Runtime): Promise<number> {
  detectCores();
  for (let tries = 0; tries < 500; tries++) {
    if (isNode && cores === null && requested === null) {
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    const want = getNumThreads() - 1;
    if (!poolPossible(rt) || want <= 0) return 0;
    grow(rt, want);
    if (ready >= want || disabled) return ready;
    await new Promise((r) => setTimeout(r, 10));
  }
  return ready;
}
