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
 * Where it runs. Node (worker_threads, reached through process.getBuiltinModule where Node has it, else a dynamic
 * import, so that the package has no static Node dependency) and browser workers (Web Workers from a Blob URL) where the memory is shared (SharedArrayBuffer:
 * cross-origin isolated pages). On a browser's main thread, where Atomics.wait is not allowed, and wherever the
 * memory is not shared, everything runs on the calling thread. The pool starts on first use; workers boot on
 * their own threads and count themselves ready in shared memory, so even a loop that never yields to the event
 * loop gets them, and calls made while they boot run on the calling thread. Workers are unref'd in Node: they
 * never keep a process alive.
 */
import { ValueError } from '../../errors.js';
import { host } from './host.js';
import { CTRL, MAX_THREADS, workspace, type Runtime } from './runtime.js';

/* Control block layout, in int32 slots from CTRL. */
/** Job generation (15 bits): bumped by the caller for every job. */
const GEN = 0;
/** Chunk queue: (generation << 16) | index of the next unclaimed chunk; claimed by compare-exchange. */
const NEXT = 1;
/** Chunks of the current job, and how many are finished. */
const TOTAL = 2;
const FINISHED = 3;
/** Chunk geometry: 1 when C is split by rows (else by columns), chunk length, and M, N. */
const BY_ROWS = 4;
const STEP = 5;
const DIM_M = 6;
const DIM_N = 7;
/** First of the job's arguments (the gemm arguments up to `accumulate`, 14 slots; a convolution's, 13). */
const ARGS = 8;
/** The job's kernel: JOB_GEMM or one of the {@link ConvJob} kinds. */
const KIND = 22;
/** A convolution job's further arguments (addresses and strides; see {@link ConvJob}), read by `drain` at 23–27. */
const EXTRA = 23;
const EXTRA_SLOTS = 5;
const JOB_GEMM = 0;
/**
 * The kinds of convolution job (assembly/conv.ts), and what each takes in the extra slots 23–27:
 * - Forward (1): convDirectForward; none.
 * - Weight (2): convDirectBackwardParams; the relu output and the bias sums (each 0: none).
 * - ReluPoolForward (3): convReluPoolForward, args[2] being the rectified output's scratch; the pooled output,
 *   the mask (one bit per output float, each image's rounded up to whole bytes), the pooling geometry, the
 *   pooled bytes per image.
 * - ReluPoolWeight (4): convReluPoolBackwardParams, args[1] being the masked gradient's scratch; the pooled
 *   cotangent, the bias sums (0: none), the mask, the pooling geometry, the pooled bytes per image.
 * - Input (5): convDirectBackwardInput, args gy, the flipped weights, gx, _, OH, OW, O, KH, KW and the bytes of
 *   an image of gy and of gx; its scratch is the thread's workspace. No extra slots.
 */
export const ConvJob = { Forward: 1, Weight: 2, ReluPoolForward: 3, ReluPoolWeight: 4, Input: 5 } as const;
/** One of the {@link ConvJob} kinds. */
export type ConvJobKind = (typeof ConvJob)[keyof typeof ConvJob];
/**
 * Workers that have started and are in their loop: each adds 1 here itself, so the caller learns it from shared
 * memory without turning its event loop (a training loop that never yields still gets its workers).
 */
const READY = 28;
/** Workers allowed to take chunks of the current job (workers 0..n-1; setNumThreads may be below the pool). */
const WORKERS = 30;
/** Chunks computed by workers so far (tests check that workers really take work). */
const WORKER_CHUNKS = 31;
/** Worker w's workspace address. */
const WSA = 32;

/** Atomics.load calls a worker spins on the generation before it sleeps (~30-60 µs here). */
const SPIN_LOADS = 20000;
/** Chunks per thread: a descheduled worker leaves its unclaimed chunks to the caller instead of stalling it. */
const CHUNKS_PER_THREAD = 4;

/**
 * Fewest multiply-adds a gemm needs before it is split between threads: below it the hand-off (and a worker's
 * wake-up from sleep) costs more than the halved compute saves. Measured: see docs/tensor.md §6.
 */
export const PARALLEL_MIN_WORK = 1 << 19;

/** The threshold in force: PARALLEL_MIN_WORK, or what {@link setParallelMinWork} set (to measure the crossover). */
let parallelMinWork = PARALLEL_MIN_WORK;

/** Sets the multiply-adds from which calls are split (null: PARALLEL_MIN_WORK). For the crossover measurement. */
export function setParallelMinWork(work: number | null): void {
  parallelMinWork = work ?? PARALLEL_MIN_WORK;
}

/*
 * Claiming and running chunks is the same code on every thread: `drain` (below, and in the worker source, which
 * is this function's text). It claims chunks of generation g until none is left, computes each (rows or columns
 * [c·step, min((c+1)·step, len)) of C), and counts it finished; the thread finishing the last one notifies.
 */
function drain(s: Int32Array, base: number, g: number, k: KernelFns, ws: number): number {
  const tag = (g & 0x7fff) << 16;
  for (let done = 0; ; done++) {
    const v = Atomics.load(s, base + 1);
    if ((v & ~0xffff) !== tag) return done; // a later job: this one is over
    const c = v & 0xffff;
    if (c >= s[base + 2]!) return done;
    if (Atomics.compareExchange(s, base + 1, v, v + 1) !== v) {
      done--;
      continue;
    }
    const a = base + 8, step = s[base + 5]!, M = s[base + 6]!, N = s[base + 7]!;
    const lo = c * step;
    const kind = s[base + 22]!;
    if (kind === 0 && s[base + 4] === 1) {
      k.gemm(s[a]!, s[a + 1]!, s[a + 2]!, s[a + 3]!, s[a + 4]!, s[a + 5]!, s[a + 6]!, s[a + 7]!, s[a + 8]!, s[a + 9]!,
        s[a + 10]!, s[a + 11]!, s[a + 12]!, s[a + 13]!, lo, Math.min(M, lo + step), 0, N, ws);
    } else if (kind === 0) {
      k.gemm(s[a]!, s[a + 1]!, s[a + 2]!, s[a + 3]!, s[a + 4]!, s[a + 5]!, s[a + 6]!, s[a + 7]!, s[a + 8]!, s[a + 9]!,
        s[a + 10]!, s[a + 11]!, s[a + 12]!, s[a + 13]!, 0, M, lo, Math.min(N, lo + step), ws);
    } else {
      // A convolution: chunk c is images [lo0, lo0 + nb) of M; args x, ws | gy, out | parts, C, Hp, Wp, O, KH, KW,
      // the byte strides of an image of x and of out | gy, the forward's bias (0: none) | the byte stride of a
      // part of the weight gradient, and the forward's relu flag; the extra slots 23–27 as ConvJob says. A
      // weight gradient's task c is output channels [o0, o1), range c mod N of N, of chunk ⌊c / N⌋ (N in DIM_N).
      const wt = kind === 2 || kind === 4, G = wt ? N : 1, ic = wt ? Math.floor(c / G) : c;
      const lo0 = ic * step, nb = Math.min(M, lo0 + step) - lo0;
      const O = s[a + 6]!, o0 = Math.floor(((c - ic * G) * O) / G), o1 = Math.floor(((c - ic * G + 1) * O) / G);
      const x = s[a]! + lo0 * s[a + 9]!, img = s[a + 10]!;
      if (kind === 5) {
        k.convDirectBackwardInput(x, s[a + 1]!, s[a + 2]! + lo0 * img, nb, O, s[a + 4]!, s[a + 5]!, s[a + 7]!, s[a + 8]!, ws);
      } else if (kind === 1) {
        k.convDirectForward(x, s[a + 1]!, s[a + 2]! + lo0 * img, nb, s[a + 3]!, s[a + 4]!, s[a + 5]!, s[a + 6]!, s[a + 7]!, s[a + 8]!, s[a + 11]!, s[a + 12]!);
      } else if (kind === 3) {
        // The mask has one bit per output float, each image's rounded up to whole bytes: ⌈(img / 4) / 8⌉ bytes.
        k.convReluPoolForward(x, s[a + 1]!, s[a + 2]! + lo0 * img, s[base + 23]! + lo0 * s[base + 26]!, s[base + 24]! + lo0 * (((img >> 2) + 7) >> 3),
          nb, s[a + 3]!, s[a + 4]!, s[a + 5]!, s[a + 6]!, s[a + 7]!, s[a + 8]!, s[a + 11]!, s[base + 25]!);
      } else {
        const sums = s[base + 24]!, gw = s[a + 2]! + ic * s[a + 11]!;
        const sc = sums === 0 ? 0 : sums + lo0 * s[a + 6]! * 8;
        if (kind === 2) {
          const y = s[base + 23]!;
          k.convDirectBackwardParams(x, s[a + 1]! + lo0 * img, y === 0 ? 0 : y + lo0 * img, sc, gw, nb, s[a + 3]!, s[a + 4]!,
            s[a + 5]!, O, s[a + 7]!, s[a + 8]!, o0, o1);
        } else {
          k.convReluPoolBackwardParams(x, s[base + 23]! + lo0 * s[base + 27]!, s[base + 25]! + lo0 * (((img >> 2) + 7) >> 3), s[a + 1]! + lo0 * img,
            sc, gw, nb, s[a + 3]!, s[a + 4]!, s[a + 5]!, O, s[a + 7]!, s[a + 8]!, s[base + 26]!, o0, o1);
        }
      }
    }
    if (Atomics.add(s, base + 3, 1) + 1 === s[base + 2]) Atomics.notify(s, base + 3);
  }
}

type KernelFn = (...args: number[]) => void;
/** The kernels a chunk may run (the instance's exports, on every thread). */
interface KernelFns {
  gemm: KernelFn; convDirectForward: KernelFn; convDirectBackwardParams: KernelFn;
  convReluPoolForward: KernelFn; convReluPoolBackwardParams: KernelFn; convDirectBackwardInput: KernelFn;
}

/** What the workers run: a self-contained script, the same for Node and browsers. */
const WORKER_SOURCE = `
'use strict';
// Bound to a name here: a bundler may rename the function whose text this is (Vite's build did).
const drain = (${drain.toString()});
function start(d) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const s = new Int32Array(d.memory.buffer, ${CTRL}, 1024);
  let seen = Atomics.load(s, ${GEN});
  Atomics.add(s, ${READY}, 1);
  for (;;) {
    let g = Atomics.load(s, ${GEN});
    for (let n = 0; g === seen && n < ${SPIN_LOADS}; n++) g = Atomics.load(s, ${GEN});
    if (g === seen) { Atomics.wait(s, ${GEN}, seen); continue; }
    seen = g;
    if (d.index < Atomics.load(s, ${WORKERS})) Atomics.add(s, ${WORKER_CHUNKS}, drain(s, 0, g, inst.exports, s[${WSA} + d.index]));
  }
}
if (typeof process === 'object' && process.versions && process.versions.node) {
  // A dynamic import works whether Node evaluates this as a script or, under --input-type=module, a module.
  import('node:worker_threads').then((wt) => start(wt.workerData));
} else {
  self.onmessage = (e) => start(e.data);
}
`;

interface NodeWorker { unref(): void; on(ev: string, fn: (e: unknown) => void): void }
interface BrowserWorker { postMessage(d: unknown): void; onerror: ((e: unknown) => void) | null; onmessage: ((e: unknown) => void) | null }
interface HostExtras {
  process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
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
/** Workers started so far (ready or still starting; see READY for those that run). */
let started = 0;
/** Set when the pool cannot run here or a worker failed to start: everything stays on the calling thread. */
let disabled = false;
let gen = 0;
/** Products split between threads so far (tests check that a split really happened). */
let splitCalls = 0;

/** How many products have been split between threads so far. */
export function splitCount(): number {
  return splitCalls;
}

/** How many chunks of split products the workers (not the caller) have computed so far. */
export function workerChunks(rt: Runtime): number {
  return Atomics.load(rt.i32, CTRL / 4 + WORKER_CHUNKS);
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
 * (navigator.hardwareConcurrency; in Node os.availableParallelism(), read on the first wasm product: at once where
 * Node has process.getBuiltinModule, else asynchronously, 1 until then). Where the pool cannot run (no SharedArrayBuffer, a browser's main thread) this is still the setting,
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

/**
 * Node's built-in module `name` now, where `process.getBuiltinModule` exists (Node ≥ 20.16 and 22.3), else
 * undefined. Synchronous matters: a script whose training loop never awaits would otherwise never see the
 * promise of a dynamic import settle, and would run on one thread to the end.
 */
function builtinNow(name: string): unknown {
  try {
    return hx.process?.getBuiltinModule?.(name);
  } catch {
    return undefined;
  }
}

/** Workers running their loop (each announces itself in shared memory). */
function readyCount(rt: Runtime): number {
  return Atomics.load(rt.i32, CTRL / 4 + READY);
}

let detecting = false;

/** Learns the core count in Node, once (at once through getBuiltinModule, else asynchronously, 1 until then). */
function detectCores(): void {
  if (!isNode || cores !== null || detecting) return;
  detecting = true;
  const now = builtinNow('node:os') as { availableParallelism?: () => number; cpus: () => unknown[] } | undefined;
  if (now) {
    cores = now.availableParallelism ? now.availableParallelism() : now.cpus().length;
    return;
  }
  nodeModule('node:os').then((os) => {
    const o = os as { availableParallelism?: () => number; cpus: () => unknown[] };
    cores = o.availableParallelism ? o.availableParallelism() : o.cpus().length;
  }, () => { cores = 1; });
}

/**
 * Starts workers until `want` have been started. They boot on their own threads and count themselves in READY
 * once their instance is up and they have read the generation (so they see every later job).
 */
function grow(rt: Runtime, want: number): void {
  while (started < want) {
    const index = started++;
    const data = { module: rt.module, memory: rt.memory, index };
    const fail = (): void => { disabled = true; };
    if (isNode) {
      const spawn = (wt: unknown): void => {
        const W = (wt as { Worker: new (src: string, o: object) => NodeWorker }).Worker;
        const worker = new W(WORKER_SOURCE, { eval: true, workerData: data });
        worker.on('error', fail);
        // After the listener: a worker that is not unref'd would keep the process alive after the work.
        worker.unref();
      };
      const now = builtinNow('node:worker_threads');
      if (now) spawn(now);
      else nodeModule('node:worker_threads').then(spawn, fail);
    } else {
      try {
        const url = hx.URL!.createObjectURL(new hx.Blob!([WORKER_SOURCE], { type: 'text/javascript' }));
        const worker = new hx.Worker!(url);
        worker.onerror = fail;
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
  if (threads > 1 && M * N * K >= parallelMinWork && poolPossible(rt)) {
    grow(rt, threads - 1);
    parts = Math.min(threads, readyCount(rt) + 1);
  }
  const ws0 = workspace(rt, 0);
  if (parts === 1) {
    rt.exports.gemm(K, a, aRs, aCs, aRows, aCols, b, bRs, bCs, bRows, bCols, c, ldc, acc, 0, M, 0, N, ws0);
    return;
  }
  // Chunks along the longer side of C (rows at multiples of 2, columns of 16: whole tiles), claimed by whichever
  // thread is free; any split gives the same bits.
  const byRows = M >= N;
  const len = byRows ? M : N, unit = byRows ? 2 : 16;
  const step = Math.max(unit, Math.ceil(len / (parts * CHUNKS_PER_THREAD) / unit) * unit);
  const s = rt.i32, base = CTRL / 4;
  for (let w = 0; w < parts - 1; w++) s[base + WSA + w] = workspace(rt, w + 1);
  s[base + WORKERS] = parts - 1;
  const args = [K, a, aRs, aCs, aRows, aCols, b, bRs, bCs, bRows, bCols, c, ldc, acc];
  for (let q = 0; q < 14; q++) s[base + ARGS + q] = args[q]!;
  s[base + KIND] = JOB_GEMM;
  s[base + BY_ROWS] = byRows ? 1 : 0;
  s[base + STEP] = step;
  s[base + DIM_M] = M;
  s[base + DIM_N] = N;
  s[base + TOTAL] = Math.ceil(len / step);
  Atomics.store(s, base + FINISHED, 0);
  gen = (gen + 1) & 0x7fff;
  Atomics.store(s, base + NEXT, gen << 16);
  Atomics.store(s, base + GEN, gen);
  Atomics.notify(s, base + GEN);
  splitCalls++;
  drain(s, base, gen, rt.exports as unknown as KernelFns, ws0);
  awaitChunks(s, base);
}

/** Waits until every chunk of the current job is finished. */
function awaitChunks(s: Int32Array, base: number): void {
  const total = s[base + TOTAL]!;
  for (let n = 0; ; n++) {
    const f = Atomics.load(s, base + FINISHED);
    if (f === total) break;
    if (n > SPIN_LOADS) Atomics.wait(s, base + FINISHED, f, 1);
  }
}

/**
 * Threads a convolution of `work` multiply-adds may use now: 1 unless threads are wanted, the pool can run over
 * `rt` (null: the runtime is not loaded) and the work is at least PARALLEL_MIN_WORK; else the caller and the
 * workers that are ready (starting them if needed).
 */
export function convThreads(rt: Runtime | null, work: number): number {
  detectCores();
  const threads = getNumThreads();
  if (rt === null || threads <= 1 || work < parallelMinWork || !poolPossible(rt)) return 1;
  grow(rt, threads - 1);
  return Math.min(threads, readyCount(rt) + 1);
}

/**
 * Publishes a direct convolution job (assembly/conv.ts) over `images` images in chunks of `step`, split between
 * the calling thread and `parts − 1` ready workers (parts from {@link convThreads}): chunk c is images
 * [c·step, (c+1)·step). A weight-gradient kind (Weight, ReluPoolWeight) adds each chunk into its own part of
 * the gradient, so any split sums the same numbers in the same order; a forward kind writes each chunk's own
 * images' outputs. Arguments: x, ws | gy, out | parts, C, Hp, Wp, O, KH, KW, the byte strides of an image of x
 * and of an image of out | gy, the bias (0: none) | the byte stride of a part, and (forward) the relu flag
 * (0: none); `extra`, the kind's further arguments ({@link ConvJob}).
 *
 * Returns at once: the workers start on its chunks while the caller does other work (staging the next block,
 * copying out the last one), then calls {@link finishJob}, which takes the chunks still unclaimed and waits for
 * the rest. One job at a time: finish it before the next.
 * A weight-gradient kind may split each chunk's output channels into `groups` ranges, each a task of its own: a
 * channel's sums do not depend on the others', so the bits do not change, and the threads share finer work.
 */
export function startConv(
  rt: Runtime, kind: ConvJobKind, images: number, step: number, parts: number, args: readonly number[],
  extra: readonly number[] = [], groups = 1,
): void {
  const s = rt.i32, base = CTRL / 4;
  for (let w = 0; w < parts - 1; w++) s[base + WSA + w] = workspace(rt, w + 1);
  s[base + WORKERS] = parts - 1;
  for (let q = 0; q < 13; q++) s[base + ARGS + q] = args[q] ?? 0;
  for (let q = 0; q < EXTRA_SLOTS; q++) s[base + EXTRA + q] = extra[q] ?? 0;
  s[base + KIND] = kind;
  s[base + STEP] = step;
  s[base + DIM_M] = images;
  s[base + DIM_N] = groups;
  s[base + TOTAL] = Math.ceil(images / step) * groups;
  Atomics.store(s, base + FINISHED, 0);
  gen = (gen + 1) & 0x7fff;
  Atomics.store(s, base + NEXT, gen << 16);
  Atomics.store(s, base + GEN, gen);
  Atomics.notify(s, base + GEN);
  splitCalls++;
}

/** Computes the current job's unclaimed chunks on the calling thread, then waits until every chunk is finished. */
export function finishJob(rt: Runtime): void {
  const s = rt.i32, base = CTRL / 4;
  drain(s, base, gen, rt.exports as unknown as KernelFns, workspace(rt, 0));
  awaitChunks(s, base);
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
    if (readyCount(rt) >= want || disabled) return Math.min(readyCount(rt), want);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Math.min(readyCount(rt), getNumThreads() - 1);
}
