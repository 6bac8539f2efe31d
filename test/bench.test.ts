/**
 * The benchmark's pure parts: the table generator (bench/lib/table.ts) on made-up results objects (columns,
 * ratios, the PyTorch column, thread rows, notes, targets, the README markers), the sample statistics and the
 * result check of the harness, and the PyTorch process (bench/torch/server.py) where a python3 can import torch.
 * Nothing here is timed; `pnpm bench` does the measuring.
 */
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { tensor } from '@tsgrad/tensor';
import { Unavailable, checkClose, sampleStats, type CaseDef, type ExternalPrepared, type SuiteDef } from '../bench/lib/harness.js';
import { TABLE_END, TABLE_START, engineColumns, formatRatio, formatValue, renderSuite, renderTables, replaceTable } from '../bench/lib/table.js';
import { atThreads } from '../bench/lib/threads.js';
import { closeTorch, pythonCandidates, torchCase, torchInfo } from '../bench/lib/torch.js';
import type { SuiteResult } from '../bench/lib/types.js';

const suite = (over: Partial<SuiteResult> = {}): SuiteResult => ({
  id: 'matmul',
  title: 'matmul, float32',
  unit: 'GFLOP/s',
  date: '2026-01-02T03:04:05.000Z',
  quick: false,
  machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0' },
  tfjs: '4.22.0',
  revision: 'abc1234',
  anchor: { name: 'naive 256', start: 1, end: 3 },
  rows: [
    { name: 'square 512', cells: { tsgrad: cell(10), 'tfjs-cpu': cell(2), 'tfjs-wasm': cell(40) } },
    {
      name: 'step',
      cells: {
        tsgrad: cell(5),
        'tfjs-cpu': { ...cell(1), variant: 'filter gradient as a conv2d' },
        'tfjs-wasm': { missing: "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'" },
      },
    },
  ],
  targets: [
    { row: 'square 512', versus: 'tfjs-cpu', min: 4.5 },
    { row: 'step', versus: 'tfjs-cpu', min: 10 },
    { row: 'absent row', versus: 'tfjs-cpu', min: 1 },
  ],
  ...over,
});

function cell(value: number) {
  return { value, best: value * 1.1, samples: 5, rme: 1 };
}

describe('bench table', () => {
  it('formats figures to three significant digits and ratios with ×', () => {
    expect([formatValue(0.25), formatValue(40), formatValue(123.456), formatValue(12345.6)]).toEqual(['0.250', '40.0', '123', '12 346']);
    expect([formatRatio(5), formatRatio(0.25), formatRatio(Infinity)]).toEqual(['5.00×', '0.250×', '—']);
  });

  it('has one column per engine, both ratios and the anchor ratio, and one row per case', () => {
    const lines = renderSuite(suite()).split('\n');
    expect(lines).toContain('| case | tsgrad | tfjs-cpu | tfjs-wasm | tsgrad / tfjs-cpu | tsgrad / tfjs-wasm | tsgrad ÷ anchor |');
    expect(lines).toContain('| square 512 | 10.0 | 2.00 | 40.0 | 5.00× | 0.250× | 5.00 |');
    // A named formulation and a missing kernel become numbered notes; a missing figure has no ratio.
    expect(lines).toContain('| step | 5.00 | 1.00¹ | —² | 5.00× | — | 2.50 |');
    expect(lines).toContain('¹ tfjs-cpu: filter gradient as a conv2d  ');
    expect(lines).toContain("² tfjs-wasm: Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'  ");
  });

  it('states the date, the run kind, the revision, the anchor and whether each target is met', () => {
    const text = renderSuite(suite({ quick: true }));
    expect(text).toContain('### matmul, float32 (GFLOP/s)');
    expect(text).toContain('2026-01-02, quick run, tsgrad at abc1234. Anchor (naive 256): 1.00 GFLOP/s at the start of the suite, 3.00 at its end.');
    expect(text).toContain('Target, square 512: tsgrad / tfjs-cpu = 5.00×, at least 4.50× wanted: **met**.');
    expect(text).toContain('Target, step: tsgrad / tfjs-cpu = 5.00×, at least 10.0× wanted: **missed**.');
    expect(text).not.toContain('absent row');
  });

  it('puts suites in the given order under one header naming machine and TensorFlow.js version', () => {
    const text = renderTables([suite({ id: 'siamese', title: 'Siamese' }), suite()], ['matmul', 'siamese']);
    expect(text.startsWith('Machine: Test CPU, 2 cores, Node v20.0.0. TensorFlow.js 4.22.0.')).toBe(true);
    expect(text.indexOf('### matmul')).toBeLessThan(text.indexOf('### Siamese'));
  });

  it('adds a PyTorch column and its ratio when PyTorch has a figure, and names thread counts in the rows', () => {
    const [one, two] = [atThreads('step', 1), atThreads('step', 2)];
    expect([one, two]).toEqual(['step, 1 thread', 'step, 2 threads']);
    const s = suite({
      id: 'siamese',
      pytorch: 'PyTorch 1.13.0 (Python 3.11.2, /usr/bin/python3; BLAS generic, oneDNN)',
      tsgrad: { backend: 'wasm', defaultThreads: 2 },
      rows: [
        { name: one, cells: { tsgrad: cell(30), 'tfjs-cpu': cell(3), 'tfjs-wasm': cell(10), pytorch: cell(60) } },
        {
          name: two,
          cells: { tsgrad: { missing: 'no setNumThreads' }, 'tfjs-cpu': cell(3), 'tfjs-wasm': cell(10), pytorch: cell(100) },
        },
      ],
      targets: [{ row: two, versus: 'pytorch', min: 0.6 }, { row: one, versus: 'pytorch', min: 0.4 }],
    });
    const lines = renderSuite(s).split('\n');
    expect(lines).toContain('| case | tsgrad | tfjs-cpu | tfjs-wasm | PyTorch | tsgrad / tfjs-cpu | tsgrad / tfjs-wasm | tsgrad / PyTorch | tsgrad ÷ anchor |');
    expect(lines).toContain('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
    expect(lines).toContain('| step, 1 thread | 30.0 | 3.00 | 10.0 | 60.0 | 10.0× | 3.00× | 0.500× | 15.0 |');
    expect(lines).toContain('| step, 2 threads | —¹ | 3.00 | 10.0 | 100 | — | — | — | — |');
    expect(lines).toContain('¹ tsgrad: no setNumThreads  ');
    expect(lines).toContain('Target, step, 2 threads: tsgrad / PyTorch = —, at least 0.600× wanted: **not measured**.  ');
    expect(lines).toContain('Target, step, 1 thread: tsgrad / PyTorch = 0.500×, at least 0.400× wanted: **met**.  ');
    expect(lines[2]).toContain('tsgrad at abc1234 (kernels wasm, 2 threads by default).');
    const header = renderTables([s]).split('\n')[0]!;
    expect(header).toContain('TensorFlow.js 4.22.0; PyTorch 1.13.0 (Python 3.11.2, /usr/bin/python3; BLAS generic, oneDNN).');
    expect(header).toContain('A row named "1 thread" or "2 threads" runs tsgrad and PyTorch on that many threads');
  });

  it('leaves the PyTorch column out, saying why, when no PyTorch case ran; and has none in suites without PyTorch', () => {
    const missing = 'no python3 here can import torch (/usr/bin/python3: ModuleNotFoundError: No module named \'torch\')';
    const s = suite({
      pytorch: 'PyTorch 9', // named by the runner, but no case of this suite has a figure: not in the header either
      rows: [
        { name: 'a', cells: { tsgrad: cell(2), 'tfjs-cpu': cell(1), 'tfjs-wasm': cell(4), pytorch: { missing } } },
        { name: 'b', cells: { tsgrad: cell(2), 'tfjs-cpu': cell(1), 'tfjs-wasm': cell(4), pytorch: { missing } } },
      ],
      targets: [{ row: 'a', versus: 'pytorch', min: 1 }],
    });
    expect(engineColumns(s)).toEqual({ engines: ['tsgrad', 'tfjs-cpu', 'tfjs-wasm'], absent: [missing] });
    const lines = renderSuite(s).split('\n');
    expect(lines).toContain('| case | tsgrad | tfjs-cpu | tfjs-wasm | tsgrad / tfjs-cpu | tsgrad / tfjs-wasm | tsgrad ÷ anchor |');
    expect(lines).toContain('| a | 2.00 | 1.00 | 4.00 | 2.00× | 0.500× | 1.00 |');
    expect(lines).toContain(`PyTorch not run, so its column is left out: ${missing}.  `);
    expect(lines).toContain('Target, a: tsgrad / PyTorch = —, at least 1.00× wanted: **not measured**.  ');
    expect(renderTables([s]).split('\n')[0]).not.toContain('PyTorch 9');
    const plain = renderSuite(suite());
    expect(plain).not.toContain('PyTorch');
    expect(engineColumns(suite()).absent).toEqual([]);
  });

  it('rewrites only the text between the README markers, and refuses a README without them', () => {
    const readme = `# Title\n\nintro\n\n${TABLE_START}\n\nold table\n\n${TABLE_END}\n\nafter\n`;
    const once = replaceTable(readme, 'new table');
    expect(once).toBe(`# Title\n\nintro\n\n${TABLE_START}\n\nnew table\n\n${TABLE_END}\n\nafter\n`);
    expect(replaceTable(once, 'new table')).toBe(once);
    expect(() => replaceTable('# no markers\n', 'x')).toThrow('[bench] README has no table markers');
  });
});

describe('bench harness', () => {
  it('summarises samples as benny does: median, fastest, count and the margin of error of the mean', () => {
    // sd 0.1, sem 0.1/√3, Student's t for 2 degrees of freedom 4.303: 4.303·0.0577/0.2 = 124.22 %.
    expect(sampleStats([0.3, 0.1, 0.2])).toEqual({ median: 0.2, min: 0.1, samples: 3, rme: 124.22 });
    expect(sampleStats([4, 1, 3, 2]).median).toBe(2.5);
    expect(sampleStats([0.5])).toEqual({ median: 0.5, min: 0.5, samples: 1, rme: 0 });
    expect(() => sampleStats([])).toThrow('[bench] a case returned no samples');
  });

  it('checks a result against tsgrad relative to each value and to the largest of all results', () => {
    const tol = { rtol: 1e-3, atol: 1e-4 };
    const ref = [Float32Array.of(100, 1), Float32Array.of(0)];
    expect(() => checkClose('ok', [Float32Array.of(100.05, 1.005), Float32Array.of(0.009)], ref, tol)).not.toThrow();
    expect(() => checkClose('case · e', [Float32Array.of(100, 1.2), Float32Array.of(0)], ref, tol)).toThrow(
      '[bench] case · e disagrees with tsgrad in result 0 at index 1: 1.2000000476837158 vs 1 (rtol 0.001, atol 0.0001·max|ref| = 0.01)',
    );
    expect(() => checkClose('case', [Float32Array.of(100, 1)], ref, tol)).toThrow('[bench] case: 1 result arrays, tsgrad has 2');
  });

  it('looks for torch in $TSGRAD_BENCH_PYTHON, then Debian\'s python3, then the one on PATH', () => {
    expect(pythonCandidates({})).toEqual(['/usr/bin/python3', 'python3']);
    expect(pythonCandidates({ TSGRAD_BENCH_PYTHON: '/opt/py/bin/python3' })).toEqual(['/opt/py/bin/python3', '/usr/bin/python3', 'python3']);
    expect(pythonCandidates({ TSGRAD_BENCH_PYTHON: '/usr/bin/python3' })).toEqual(['/usr/bin/python3', 'python3']);
  });
});

describe('bench PyTorch process', () => {
  afterAll(closeTorch);

  it('computes a case\'s result from the bench\'s numbers and times it in Python, or is reported unavailable', async (ctx) => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]), b = tensor([[1, 0], [0, 1], [2, -1]]);
    const c = torchCase({ row: 'tiny', threads: 1, work: 24, kind: 'matmul', tensors: { a, b }, params: { tb: false } });
    expect([c.engine, c.threads, c.work]).toEqual(['pytorch', 1, 24]);
    if ((await torchInfo()) === null) {
      await expect(Promise.resolve(c.setup())).rejects.toBeInstanceOf(Unavailable);
      ctx.skip();
    }
    const p = (await c.setup()) as ExternalPrepared;
    expect(p.external).toBe(true);
    expect(Array.from((await p.result())[0]!)).toEqual([7, -1, 16, -1]);
    expect(await p.warmUp(0.01)).toBeGreaterThan(0);
    const samples = await p.time({ minSamples: 3, maxTime: 0.05 });
    expect(samples.length).toBeGreaterThanOrEqual(3);
    for (const s of samples) expect(s).toBeGreaterThan(0);
    await p.dispose?.();

    // The same matmul with the second operand stored transposed and read through a transposed view.
    const t = (await torchCase({ row: 't', threads: 2, work: 24, kind: 'matmul', tensors: { a, b: tensor([[1, 0, 2], [0, 1, -1]]) }, params: { tb: true } }).setup()) as ExternalPrepared;
    expect(Array.from((await t.result())[0]!)).toEqual([7, -1, 16, -1]);
    // A failure inside Python is an error naming the command and the case, with Python's traceback.
    const bad = torchCase({ row: 'bad', threads: 1, work: 1, kind: 'matmul', tensors: { a, b: a } });
    const q = (await bad.setup()) as ExternalPrepared;
    await expect(q.result()).rejects.toThrow(/\[bench\] PyTorch failed on result of case c\d+:\n(.|\n)*RuntimeError: mat1 and mat2 shapes cannot be multiplied/);
  });
});

describe('bench harness run', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.doUnmock('@tsgrad/tensor');
    vi.resetModules();
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /**
   * The harness loaded against an @tsgrad/tensor with or without setNumThreads (the wasm branch's and this
   * tree's), whichever this tree has; `events` logs every timed call and external timing, in order.
   */
  async function harnessWith(threads: boolean) {
    vi.resetModules();
    const state = { threads: 1, setCalls: [] as number[] };
    vi.doMock('@tsgrad/tensor', async (importOriginal) => {
      // Without threads: a tree from before the wasm kernels (no backend or thread API at all).
      const { setNumThreads: _s, getNumThreads: _g, setBackend: _sb, getBackend: _gb, ...rest } = await importOriginal<Record<string, unknown>>();
      if (!threads) return rest;
      return {
        ...rest, getBackend: () => 'wasm',
        setNumThreads: (n: number) => { state.setCalls.push(n); state.threads = n; }, getNumThreads: () => state.threads,
      };
    });
    const harness = await import('../bench/lib/harness.js');
    const threadsModule = await import('../bench/lib/threads.js');
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsgrad-bench-test-'));
    dirs.push(dir);
    return { harness, threadsModule, state, dir };
  }

  /** Per case: the thread counts its calls saw, and the first and last tick (a counter of every call) it ran at. */
  const events = new Map<string, { threads: Set<number>; first: number; last: number }>();
  let tick = 0;
  const log = (name: string, threads: number): void => {
    tick++;
    const e = events.get(name) ?? { threads: new Set<number>(), first: tick, last: tick };
    e.threads.add(threads);
    e.last = tick;
    events.set(name, e);
  };
  const ROWS = ['sum, 1 thread', 'sum, 2 threads'];
  function suiteOf(state: { threads: number }, peer: number[] = [1, 2, 3], unavailable: new (m: string) => Error = Error): SuiteDef {
    const inProcess = (name: string, value: number[]) => () => ({
      run: () => log(name, state.threads),
      result: () => [Float32Array.from(value)],
    });
    const external = (name: string, value: number[]) => async (): Promise<ExternalPrepared> => ({
      external: true,
      result: async () => [Float32Array.from(value)],
      warmUp: async () => 0.002,
      time: async ({ minSamples }) => { log(name, state.threads); return Array.from({ length: Math.max(minSamples, 3) }, (_, i) => 0.001 * (i + 1)); },
    });
    const cases: CaseDef[] = [
      { row: ROWS[0]!, engine: 'tsgrad', threads: 1, work: 1000, setup: inProcess('tsgrad 1', [1, 2, 3]) },
      { row: ROWS[1]!, engine: 'tsgrad', threads: 2, checkAgainst: ROWS[0]!, work: 1000, setup: inProcess('tsgrad 2', [1, 2, 3]) },
      { row: ROWS[0]!, engine: 'pytorch', threads: 1, work: 1000, setup: external('pytorch 1', peer) },
      { row: ROWS[1]!, engine: 'pytorch', threads: 2, checkAgainst: ROWS[0]!, work: 1000, setup: external('pytorch 2', peer) },
      { row: 'other', engine: 'tsgrad', work: 1, setup: inProcess('other', [5]) },
      { row: 'other', engine: 'tfjs-cpu', work: 1, setup: () => { throw new unavailable('no such backend here'); } },
    ];
    return { id: 'fake', title: 'fake suite', unit: 'ops/s', scale: 1, tolerance: { rtol: 1e-6, atol: 0 }, cases: () => cases };
  }

  it('runs each tsgrad case at its thread count, times PyTorch in its place between benny runs, and records what could not run', async () => {
    const { harness, state, dir } = await harnessWith(true);
    events.clear();
    const r = await harness.runSuite(suiteOf(state, [1, 2, 3], harness.Unavailable), { quick: true, resultsDir: dir, tfjs: '4.22.0', pytorch: 'PyTorch 1.13' });
    expect(r.rows.map((row) => row.name)).toEqual([...ROWS, 'other']);
    // Median of the external samples 1, 2, 3 ms: 1000 ops / 2 ms.
    expect(r.rows[0]!.cells.pytorch).toMatchObject({ value: 500000, best: 1000000, samples: 3 });
    expect(r.rows[1]!.cells.tsgrad).toHaveProperty('value');
    expect(r.rows[2]!.cells['tfjs-cpu']).toEqual({ missing: 'no such backend here' });
    expect(r.pytorch).toBe('PyTorch 1.13');
    expect(r.tsgrad).toEqual({ backend: 'wasm', defaultThreads: 1 });
    // Every call of a tsgrad case ran at its own count (and 'other' at the default); the default is restored.
    expect([...events.get('tsgrad 1')!.threads]).toEqual([1]);
    expect([...events.get('tsgrad 2')!.threads]).toEqual([2]);
    expect([...events.get('other')!.threads]).toEqual([1]);
    expect(state.threads).toBe(1);
    expect(state.setCalls).toContain(2);
    // In case order: the 2-thread tsgrad case's last call, PyTorch's two timings, then the next case's last call.
    const t1 = events.get('pytorch 1')!.first, t2 = events.get('pytorch 2')!.first;
    expect(events.get('tsgrad 2')!.last).toBeLessThan(t1);
    expect(t1).toBeLessThan(t2);
    expect(events.get('other')!.last).toBeGreaterThan(t2);
    expect(existsSync(path.join(dir, 'fake.chart.html'))).toBe(true);
  });

  it('in rounds, passes over the cases again and pools each case\'s samples', async () => {
    const { harness, state, dir } = await harnessWith(true);
    events.clear();
    const r = await harness.runSuite(suiteOf(state, [1, 2, 3], harness.Unavailable), { quick: true, rounds: 3, resultsDir: dir, tfjs: '4.22.0', pytorch: 'PyTorch 1.13' });
    // Three timings of the external case, each of its samples 1, 2, 3 ms: nine samples, median 2 ms.
    expect(r.rows[0]!.cells.pytorch).toMatchObject({ value: 500000, best: 1000000, samples: 9 });
    expect(r.rounds).toBe(3);
    // Round two's calls of the first case come after round one's PyTorch timings, and its last after the last.
    const first = events.get('tsgrad 1')!, torch = events.get('pytorch 2')!;
    expect(first.first).toBeLessThan(events.get('pytorch 1')!.first);
    expect(first.last).toBeGreaterThan(torch.first);
    expect(events.get('other')!.last).toBeGreaterThan(torch.last);
    expect(renderTables([r])).toContain('quick run in 3 rounds');
  });

  it('without setNumThreads, records the 2-thread tsgrad cases as not run and runs the rest', async () => {
    const { harness, threadsModule, state, dir } = await harnessWith(false);
    expect(threadsModule.hasThreads).toBe(false);
    events.clear();
    const r = await harness.runSuite(suiteOf(state, [1, 2, 3], harness.Unavailable), { quick: true, resultsDir: dir, tfjs: '4.22.0' });
    expect(r.rows[1]!.cells.tsgrad).toEqual({ missing: threadsModule.NO_THREADS });
    expect(r.rows[1]!.cells.pytorch).toHaveProperty('value');
    expect(r.rows[0]!.cells.tsgrad).toHaveProperty('value');
    expect(events.has('tsgrad 2')).toBe(false);
  });

  it('stops the run when a peer computes something else than tsgrad', async () => {
    const { harness, state, dir } = await harnessWith(true);
    await expect(harness.runSuite(suiteOf(state, [1, 2, 4], harness.Unavailable), { quick: true, resultsDir: dir, tfjs: '4.22.0' }))
      .rejects.toThrow('[bench] sum, 1 thread · pytorch disagrees with tsgrad in result 0 at index 2: 4 vs 3');
  });
});
