/**
 * The benchmark runner: tsgrad against TensorFlow.js (CPU and WebAssembly SIMD backends) in the same process,
 * and against PyTorch in a Python process it drives where a python3 can import torch; same shapes, same
 * numbers, one engine after the other.
 *
 *   pnpm bench                   every suite, a few minutes
 *   pnpm bench --quick           a subset of each suite, under a minute
 *   pnpm bench matmul siamese    only these suites (with or without --quick)
 *   pnpm bench --rounds N        N passes over each suite, samples pooled (default 3 for a full run, 1 quick)
 *
 * Each suite writes bench/results/<suite>.json and benny's chart (results/<suite>.chart.html); then the table
 * in bench/README.md is regenerated from every results file present.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, runSuite, type SuiteDef } from './lib/harness.js';
import { renderTables, replaceTable } from './lib/table.js';
import { initTfjs, tfjsVersions, wasmSimdPath } from './lib/tfjs.js';
import { closeTorch, describeTorch, startTorch } from './lib/torch.js';
import { defaultThreads, hasThreads, tsgradBackend } from './lib/threads.js';
import type { SuiteResult } from './lib/types.js';
import { autogradSuite } from './suites/autograd.js';
import { convSuite } from './suites/conv.js';
import { elementwiseSuite } from './suites/elementwise.js';
import { matmulSuite } from './suites/matmul.js';
import { siameseSuite } from './suites/siamese.js';

const SUITES: SuiteDef[] = [matmulSuite, convSuite, elementwiseSuite, autogradSuite, siameseSuite];
/**
 * Rounds of a full run: each case's samples come from three passes over its suite, tens of seconds apart, so a ratio's
 * two figures sample the same moments of a shared machine whose speed drifts (by up to 1.8× within a suite).
 */
const FULL_ROUNDS = 3;
const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');
const readmePath = path.join(here, 'README.md');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const ri = args.indexOf('--rounds');
  const rounds = ri < 0 ? (quick ? 1 : FULL_ROUNDS) : Number(args[ri + 1]);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`[bench] --rounds takes a positive integer: got ${String(args[ri + 1])}`);
  const rest = args.filter((_, i) => ri < 0 || (i !== ri && i !== ri + 1));
  const unknownFlags = rest.filter((a) => a.startsWith('-') && a !== '--quick');
  if (unknownFlags.length > 0) throw new Error(`[bench] unknown option(s) ${unknownFlags.join(' ')}: the options are --quick and --rounds N`);
  const wanted = rest.filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((id) => !SUITES.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`[bench] unknown suite(s) ${unknown.join(', ')}: the suites are ${SUITES.map((s) => s.id).join(', ')}`);
  const suites = wanted.length > 0 ? SUITES.filter((s) => wanted.includes(s.id)) : SUITES;

  const t0 = performance.now();
  // Python imports torch (seconds) while tfjs compiles its WebAssembly.
  const torchStarted = startTorch();
  await initTfjs();
  const versions = tfjsVersions();
  const tfjs = [...new Set(Object.values(versions))].join(', ');
  const m = machine();
  console.log(`${m.cpu}, ${m.cores} cores, Node ${m.node}; TensorFlow.js ${tfjs}, WebAssembly binary ${path.relative(here, wasmSimdPath)}`);
  const torch = await torchStarted;
  const pytorch = 'info' in torch ? describeTorch(torch.info) : undefined;
  console.log(pytorch ?? `PyTorch: not run, ${'missing' in torch ? torch.missing : ''}`);
  console.log(`tsgrad: kernels ${tsgradBackend()}, ${hasThreads ? `${defaultThreads} thread(s) by default, set per case` : 'one thread (no setNumThreads on this tree)'}`);

  mkdirSync(resultsDir, { recursive: true });
  for (const suite of suites) {
    const result = await runSuite(suite, { quick, rounds, resultsDir, tfjs, ...(pytorch ? { pytorch } : {}) });
    writeFileSync(path.join(resultsDir, `${suite.id}.json`), `${JSON.stringify(result, null, 2)}\n`);
  }

  const results: SuiteResult[] = [];
  for (const s of SUITES) {
    const file = path.join(resultsDir, `${s.id}.json`);
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<SuiteResult>;
    // A file in another shape (benny's own JSON, from before this runner) is skipped, not tabulated.
    if (r.id === s.id && Array.isArray(r.rows) && r.machine && r.anchor && r.revision) results.push(r as SuiteResult);
    else console.log(`skipping ${path.relative(here, file)}: not a results file of this runner`);
  }
  const table = renderTables(results, SUITES.map((s) => s.id));
  writeFileSync(readmePath, replaceTable(readFileSync(readmePath, 'utf8'), table));
  console.log(`\n${table}\n\nbench/README.md updated; ${((performance.now() - t0) / 1000).toFixed(0)} s in all.`);
}

// Errors are printed here rather than left uncaught: the WebAssembly backend's Emscripten glue installs an
// uncaughtException handler that rethrows, which prints a screenful of minified source instead of the error.
try {
  await main();
} catch (e) {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
} finally {
  await closeTorch();
}
