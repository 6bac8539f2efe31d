/**
 * Runs one suite: sets every case up, checks that all engines compute the same result, warms each case up,
 * times the cases with benny (between two measurements of the anchor), and turns benny's summary into a
 * SuiteResult in the suite's unit. Cases of another process (PyTorch) time themselves with the same rules, in
 * their place in the sequence, between the benny runs of the cases around them.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import b from 'benny';
import type { SaveOptions, Summary } from 'benny/lib/internal/common-types.js';
import * as benchChart from 'benny/lib/internal/prepareFileContent.js';
import { NO_THREADS, defaultThreads, hasThreads, tsgradBackend, useThreads } from './threads.js';
import type { Cell, Engine, Machine, RowResult, SuiteResult, Target } from './types.js';

/** A case ready to time in this process, by benny. */
export interface Prepared {
  /** The timed call. */
  run(): void;
  /**
   * One call's result in the suite's common layout (NCHW, tsgrad's parameter order), as flat arrays compared
   * against tsgrad's before anything is timed.
   */
  result(): Float32Array[];
  /** Frees what the garbage collector cannot (TensorFlow.js tensors). */
  dispose?(): void;
}

/**
 * A case run by another process (PyTorch in Python), which computes its result and times itself: a call
 * across the process boundary is never inside a timed sample.
 */
export interface ExternalPrepared {
  external: true;
  /** One call's result, as Prepared.result. */
  result(): Promise<Float32Array[]>;
  /** At least one call, up to three within `seconds`; resolves to the seconds per call. */
  warmUp(seconds: number): Promise<number>;
  /**
   * Samples the case as benny does: a sample is as many calls as last 50 ms (one, for a slow case), taken until
   * there are at least `minSamples` and `maxTime` seconds have passed; resolves to each sample's seconds per call.
   */
  time(opts: { minSamples: number; maxTime: number }): Promise<number[]>;
  dispose?(): Promise<void> | void;
}

/** A case that cannot run here (no PyTorch, no thread control): recorded in the table with the reason. */
export class Unavailable extends Error {
  override name = 'Unavailable';
}

export interface CaseDef {
  /** Table row; each row has one case per engine, tsgrad's first. */
  row: string;
  engine: Engine;
  /** Further rows showing the same measurement (tsgrad's one formulation in a 'best formulation' row). */
  alsoRows?: string[];
  /** The formulation, when it is not the engine's plain API (printed as a note under the table). */
  variant?: string;
  /** Work per call, in the unit's numerator (FLOPs, elements, ops, pairs). */
  work: number;
  /**
   * tsgrad's or PyTorch's thread count in this case (tfjs runs on one thread in Node). Unset: tsgrad's default;
   * a tsgrad case above 1 on a tree without setNumThreads is recorded as not run.
   */
  threads?: number;
  /**
   * The row whose tsgrad result this case is checked against, when not its own (a 2-thread row's cases against
   * the 1-thread tsgrad result: results never depend on the thread count).
   */
  checkAgainst?: string;
  setup(): Prepared | ExternalPrepared | Promise<Prepared | ExternalPrepared>;
}

export interface SuiteDef {
  id: string;
  title: string;
  /** Display unit, e.g. 'GFLOP/s', and work per second per displayed unit (1e9 for GFLOP/s). */
  unit: string;
  scale: number;
  /**
   * Agreement with tsgrad's result: |x − ref| ≤ rtol·|ref| + atol·max|ref| elementwise, where max|ref| is the
   * largest value among all of the case's result arrays. Float32 sums taken in a different order differ by
   * about eps·√K·max|term|, not relative to the sum; and a result that cancels to zero (the last bias's gradient
   * in a Siamese network, whose two branches contribute opposite amounts) has no scale of its own.
   */
  tolerance: { rtol: number; atol: number };
  targets?: Target[];
  /** Seconds of samples per case in a full run when the default (5) gives a slow case too few samples. */
  budget?: number;
  cases(quick: boolean): CaseDef[];
}

export interface RunOptions {
  quick: boolean;
  /**
   * Passes over the suite's cases (default 1): each case's samples are split between them and pooled, so every
   * figure, and both figures of a ratio, sample the machine at the same few moments of the run.
   */
  rounds?: number;
  /** Folder of the results JSON and benny's chart. */
  resultsDir: string;
  tfjs: string;
  /** PyTorch's version and build, when it is available. */
  pytorch?: string;
}

/**
 * The commit the working tree is at, plus the packages/ files changed since (the bench imports the packages'
 * sources, so uncommitted kernel work shows in the figures and should show in the table too).
 */
export function revision(): string {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const head = git('rev-parse', '--short', 'HEAD');
    const changed = git('status', '--porcelain', '--', ':(top)packages').split('\n').filter((l) => l.trim() !== '');
    return changed.length === 0 ? head : `${head} + uncommitted changes to ${changed.length} file${changed.length > 1 ? 's' : ''} in packages/`;
  } catch {
    return 'unknown (no git)';
  }
}

export function machine(): Machine {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model.trim() ?? 'unknown CPU', cores: cpus.length, node: process.version };
}

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * A kernel or gradient the backend does not have, or a case that cannot run here: recorded in the table instead
 * of aborting the run.
 */
function missingReason(e: unknown): string | null {
  if (e instanceof Unavailable) return e.message;
  const msg = e instanceof Error ? e.message : String(e);
  return /not registered for backend|gradient function not found/i.test(msg) ? msg : null;
}

/** Student's t at 95 % for 1 to 30 degrees of freedom, then 1.96: Benchmark.js's table, for the same margin. */
const T_TABLE = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** What the table needs of a case's samples (seconds per call), computed as benny does. */
export interface SampleStats {
  median: number;
  min: number;
  samples: number;
  /** Relative margin of error of the mean, in percent, to two decimals. */
  rme: number;
}

export function sampleStats(seconds: readonly number[]): SampleStats {
  if (seconds.length === 0) throw new Error('[bench] a case returned no samples');
  const s = [...seconds].sort((a, c) => a - c), n = s.length;
  const mean = s.reduce((a, c) => a + c, 0) / n;
  const variance = n > 1 ? s.reduce((a, c) => a + (c - mean) ** 2, 0) / (n - 1) : 0;
  const rme = ((T_TABLE[n - 2] ?? 1.96) * Math.sqrt(variance / n)) / mean * 100;
  return {
    median: n % 2 === 0 ? (s[n / 2 - 1]! + s[n / 2]!) / 2 : s[(n - 1) / 2]!,
    min: s[0]!,
    samples: n,
    rme: Number(rme.toFixed(2)),
  };
}

/** Throws, naming the worst element, unless `got` matches `ref` within the suite's tolerance. */
export function checkClose(what: string, got: readonly Float32Array[], ref: readonly Float32Array[], tol: SuiteDef['tolerance']): void {
  if (got.length !== ref.length) throw new Error(`[bench] ${what}: ${got.length} result arrays, tsgrad has ${ref.length}`);
  let scale = 0;
  for (const r of ref) for (let i = 0; i < r.length; i++) scale = Math.max(scale, Math.abs(r[i]!));
  got.forEach((g, k) => {
    const r = ref[k]!;
    if (g.length !== r.length) throw new Error(`[bench] ${what}: result ${k} has ${g.length} elements, tsgrad's has ${r.length}`);
    let worst = -1, worstExcess = 0;
    for (let i = 0; i < r.length; i++) {
      const excess = Math.abs(g[i]! - r[i]!) - (tol.rtol * Math.abs(r[i]!) + tol.atol * scale);
      if (!(excess <= worstExcess)) { worst = i; worstExcess = excess; }
    }
    if (worst >= 0) {
      throw new Error(
        `[bench] ${what} disagrees with tsgrad in result ${k} at index ${worst}: ${g[worst]} vs ${r[worst]} ` +
          `(rtol ${tol.rtol}, atol ${tol.atol}·max|ref| = ${tol.atol * scale})`,
      );
    }
  });
}

/**
 * The in-run anchor: the textbook i-k-j loop over Float32Arrays, what a plain JavaScript matmul looks like
 * before packing and blocking. Its GFLOP/s at the start and end of each suite says how fast the shared machine
 * was at the time (it drifts by up to 2× within seconds), so runs can be compared through it.
 */
function naiveMatmul(a: Float32Array, b: Float32Array, c: Float32Array, n: number): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < n; p++) {
      const av = a[i * n + p]!;
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * n + j]!;
    }
  }
}

const ANCHOR_N = 256;
export const ANCHOR_NAME = `naive i-k-j matmul ${ANCHOR_N}×${ANCHOR_N}`;

function anchorRun(): () => void {
  const n = ANCHOR_N, a = new Float32Array(n * n), c = new Float32Array(n * n), out = new Float32Array(n * n);
  for (let i = 0; i < n * n; i++) { a[i] = Math.sin(i); c[i] = Math.cos(i); }
  return () => naiveMatmul(a, c, out, n);
}

interface Timed {
  key: string;
  def: CaseDef | null;
  prepared: Prepared | ExternalPrepared;
  work: number;
  scale: number;
  options: { minSamples: number; maxTime: number };
}

const isExternal = (p: Prepared | ExternalPrepared): p is ExternalPrepared => 'external' in p;

const now = (): number => performance.now() / 1000;

/**
 * Benny calls every case once while it builds the suite (to see whether the case is async). Those calls
 * happen synchronously inside `b.suite(...)`, before any timing; this flag, set around that call, turns them
 * into no-ops, since each case has already been checked and warmed up here (a tfjs-cpu training step takes
 * seconds).
 */
let buildingSuite = false;

/** Times in-process cases, one after the other, with benny; `report` gets each case's samples (seconds per call). */
async function timeWithBenny(title: string, cases: readonly Timed[], report: (t: Timed, seconds: readonly number[]) => void): Promise<Summary> {
  const byKey = new Map(cases.map((t) => [t.key, t]));
  buildingSuite = true;
  let pending: Promise<Summary>;
  try {
    pending = b.suite(
      title,
      ...cases.map((t) => {
        const run = (t.prepared as Prepared).run;
        return b.add(t.key, () => () => { if (!buildingSuite) run(); }, t.options);
      }),
      b.cycle((r) => {
        report(byKey.get(r.name)!, r.details.sampleResults);
        return undefined;
      }),
    );
  } finally {
    buildingSuite = false;
  }
  return pending;
}

/** benny's calls-per-second chart of every case of a suite, in the order they ran (benny's own renderer). */
function writeChart(file: string, title: string, results: { name: string; callsPerSecond: number }[]): void {
  const mod = benchChart as unknown as { default: unknown };
  // The module is CommonJS: its default export arrives as `default` or as `default.default`, by loader.
  const render = ((mod.default as { default?: unknown }).default ?? mod.default) as (s: Summary, o: SaveOptions) => string;
  const fastest = Math.max(...results.map((r) => r.callsPerSecond));
  const summary = {
    name: title,
    date: new Date(),
    results: results.map((r) => ({ name: r.name, ops: r.callsPerSecond, percentSlower: Number((100 * (1 - r.callsPerSecond / fastest)).toFixed(2)) })),
  } as unknown as Summary;
  writeFileSync(file, render(summary, { format: 'chart.html' }));
}

export async function runSuite(def: SuiteDef, opts: RunOptions): Promise<SuiteResult> {
  const quick = opts.quick;
  const rounds = Math.max(1, Math.floor(opts.rounds ?? 1));
  const minSamples = quick ? 3 : 5;
  const maxTime = quick ? 0.25 : 0.6;
  // Each round takes its share of a case's samples and sampling time.
  const share = (n: number): number => Math.max(1, Math.ceil(n / rounds));
  // Per case, at most about this many seconds of samples: slow cases get fewer than minSamples (at least one).
  const budget = quick ? 2 : (def.budget ?? 5);
  const started = now();
  console.log(`\n== ${def.title} (${def.unit})${quick ? ', quick' : ''}`);

  const cells = new Map<string, Partial<Record<Engine, Cell>>>();
  const rowOrder: string[] = [];
  const cellsOf = (row: string): Partial<Record<Engine, Cell>> => {
    let c = cells.get(row);
    if (!c) { c = {}; cells.set(row, c); rowOrder.push(row); }
    return c;
  };

  // Set up, check against tsgrad, warm up.
  const refs = new Map<string, Float32Array[]>();
  const timed: Timed[] = [];
  for (const c of def.cases(quick)) {
    const rows = [c.row, ...(c.alsoRows ?? [])];
    rows.forEach(cellsOf);
    const what = `${c.row} · ${c.engine}${c.variant ? ` (${c.variant})` : ''}`;
    let prepared: Prepared | ExternalPrepared;
    let result: Float32Array[];
    let checkSeconds: number;
    try {
      if (c.engine === 'tsgrad') {
        if ((c.threads ?? 1) !== 1 && !hasThreads) throw new Unavailable(NO_THREADS);
        useThreads(c.threads);
      }
      prepared = await c.setup();
      const t0 = now();
      result = await prepared.result();
      checkSeconds = now() - t0;
    } catch (e) {
      const missing = missingReason(e);
      if (missing === null) throw e;
      console.log(`   ${what}: not run, ${missing}`);
      for (const r of rows) cellsOf(r)[c.engine] = { missing };
      continue;
    }
    if (c.engine === 'tsgrad' && !isExternal(prepared)) {
      // tsgrad's thread count is set before every call: the cases in between may have run at another.
      const { run } = prepared, threads = c.threads;
      prepared = { ...prepared, run: () => { useThreads(threads); run(); } };
    }
    const ref = refs.get(c.checkAgainst ?? c.row);
    if (c.engine === 'tsgrad' && !ref) {
      for (const r of rows) refs.set(r, result);
    } else {
      if (!ref) throw new Error(`[bench] ${what}: the row has no tsgrad case before it to check against`);
      checkClose(what, result, ref, def.tolerance);
      if (c.engine === 'tsgrad') for (const r of rows) if (!refs.has(r)) refs.set(r, result);
    }
    // Warm-up: a few calls, which also tell how long a call takes. A first call can be far slower than the
    // next (tfjs-wasm grows its heap), so in a full run a slow check is followed by one call all the same,
    // unless it took seconds: then it warmed the code up well enough (tfjs-cpu's demo step takes several). The
    // quick run warms up only the fast cases.
    let perCall = checkSeconds;
    if (checkSeconds < (quick ? 0.2 : 3)) {
      if (isExternal(prepared)) {
        perCall = await prepared.warmUp(quick ? 0.1 : 0.3);
      } else {
        const t0 = now();
        let calls = 0;
        do { prepared.run(); calls++; } while (calls < 3 && now() - t0 < (quick ? 0.1 : 0.3));
        perCall = (now() - t0) / calls;
      }
    }
    const samples = Math.max(1, Math.min(minSamples, Math.floor(budget / perCall)));
    console.log(`   ${what}: checked, ${(perCall * 1e3).toFixed(perCall < 0.01 ? 2 : 0)} ms per call`);
    timed.push({ key: what, def: c, prepared, work: c.work, scale: def.scale, options: { minSamples: share(samples), maxTime: maxTime / rounds } });
  }

  const anchorWork = 2 * ANCHOR_N ** 3;
  const anchorCase = (key: string): Timed => ({
    key, def: null, prepared: { run: anchorRun(), result: () => [] }, work: anchorWork, scale: 1e9,
    options: { minSamples: share(minSamples), maxTime: (quick ? 0.2 : 0.4) / rounds },
  });
  const all = [anchorCase('anchor, start'), ...timed, anchorCase('anchor, end')];
  for (const t of [all[0]!, all[all.length - 1]!]) (t.prepared as Prepared).run();

  const perSecond = (t: Timed, seconds: number): number => t.work / seconds / t.scale;
  const pooled = new Map<string, number[]>(all.map((t) => [t.key, []]));
  const stats = new Map<string, SampleStats>();
  const report = (t: Timed, seconds: readonly number[]): void => {
    pooled.get(t.key)!.push(...seconds);
    const s = sampleStats(pooled.get(t.key)!);
    stats.set(t.key, s);
    const pass = rounds > 1 ? `, round ${round + 1} of ${rounds}` : '';
    console.log(`   ${t.key}: ${perSecond(t, s.median).toPrecision(3)} ${t.def ? def.unit : 'GFLOP/s'} (median of ${s.samples}, ±${s.rme}%${pass})`);
  };
  // Each round in order: each run of in-process cases through benny, each external case by its own loop, in its
  // place; the anchors open and close every round.
  let round = 0;
  for (; round < rounds; round++) {
    for (let i = 0; i < all.length;) {
      const t = all[i]!;
      if (isExternal(t.prepared)) {
        report(t, await t.prepared.time(t.options));
        i++;
        continue;
      }
      let j = i;
      while (j < all.length && !isExternal(all[j]!.prepared)) j++;
      await timeWithBenny(def.title, all.slice(i, j), report);
      i = j;
    }
  }
  useThreads(undefined);
  writeChart(path.join(opts.resultsDir, `${def.id}.chart.html`), def.title, all.map((t) => ({ name: t.key, callsPerSecond: 1 / stats.get(t.key)!.median })));
  for (const t of timed) await t.prepared.dispose?.();
  console.log(`   suite took ${(now() - started).toFixed(0)} s`);

  for (const t of timed) {
    const r = stats.get(t.key)!;
    const cell: Cell = {
      value: perSecond(t, r.median),
      best: perSecond(t, r.min),
      samples: r.samples,
      rme: r.rme,
      ...(t.def!.variant ? { variant: t.def!.variant } : {}),
    };
    for (const row of [t.def!.row, ...(t.def!.alsoRows ?? [])]) cellsOf(row)[t.def!.engine] = cell;
  }
  const anchorOf = (key: string): number => perSecond(all.find((t) => t.key === key)!, stats.get(key)!.median);
  const rows: RowResult[] = rowOrder.map((name) => ({ name, cells: cells.get(name)! }));
  return {
    id: def.id,
    title: def.title,
    unit: def.unit,
    date: new Date().toISOString(),
    quick,
    ...(rounds > 1 ? { rounds } : {}),
    machine: machine(),
    tfjs: opts.tfjs,
    ...(opts.pytorch ? { pytorch: opts.pytorch } : {}),
    tsgrad: { backend: tsgradBackend(), defaultThreads },
    revision: revision(),
    anchor: { name: ANCHOR_NAME, start: anchorOf('anchor, start'), end: anchorOf('anchor, end') },
    rows,
    targets: def.targets ?? [],
    raw: all.map((t) => {
      const r = stats.get(t.key)!;
      return { name: t.key, callsPerSecond: 1 / r.median, samples: r.samples, secondsMedian: r.median, secondsMin: r.min, rme: r.rme };
    }),
  };
}
