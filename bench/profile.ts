/**
 * CPU profile of tsgrad's cases of one suite, to see where a figure that misses its target goes:
 *
 *   pnpm --filter @tsgrad/bench run profile siamese [row substring] [--seconds 10]
 *
 * Runs each matching tsgrad case (checked first, as in the bench) repeatedly for the given time under V8's
 * sampling profiler (the one `node --cpu-prof` uses, driven here through node:inspector), writes
 * results/<suite>.tsgrad.cpuprofile (open it in Chrome DevTools or speedscope) and prints the time per call and
 * the functions with the most self time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Prepared, SuiteDef } from './lib/harness.js';
import { hasThreads, useThreads } from './lib/threads.js';
import { autogradSuite } from './suites/autograd.js';
import { convSuite } from './suites/conv.js';
import { elementwiseSuite } from './suites/elementwise.js';
import { matmulSuite } from './suites/matmul.js';
import { siameseSuite } from './suites/siamese.js';

const SUITES: SuiteDef[] = [matmulSuite, convSuite, elementwiseSuite, autogradSuite, siameseSuite];
const here = path.dirname(fileURLToPath(import.meta.url));

const post = <T>(s: Session, method: string, params?: object): Promise<T> =>
  new Promise((resolve, reject) => s.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));

/** Self time per function (name, file, line), largest first, from a profile's samples. */
function selfTimes(p: Profiler.Profile): { fn: string; ms: number }[] {
  const dt = new Map<number, number>();
  const deltas = p.timeDeltas ?? [];
  (p.samples ?? []).forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (deltas[i] ?? 0) / 1000));
  const byFn = new Map<string, number>();
  for (const n of p.nodes) {
    const f = n.callFrame;
    const file = f.url.startsWith('file:') ? path.relative(path.join(here, '..'), fileURLToPath(f.url)) : f.url;
    const key = `${f.functionName || '(anonymous)'}  ${file}`;
    byFn.set(key, (byFn.get(key) ?? 0) + (dt.get(n.id) ?? 0));
  }
  return [...byFn].map(([fn, ms]) => ({ fn, ms })).sort((a, b) => b.ms - a.ms);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sIdx = args.indexOf('--seconds');
  const seconds = sIdx >= 0 ? Number(args[sIdx + 1]) : 10;
  const [id, rowFilter] = args.filter((a, i) => !a.startsWith('--') && (sIdx < 0 || i !== sIdx + 1));
  const suite = SUITES.find((s) => s.id === id);
  if (!suite) throw new Error(`[profile] name a suite: ${SUITES.map((s) => s.id).join(', ')}`);
  // tsgrad's cases at more than one thread need setNumThreads; without it they are left out, as in the bench.
  const cases = suite.cases(false).filter((c) => c.engine === 'tsgrad' && (!rowFilter || c.row.includes(rowFilter)) && (hasThreads || (c.threads ?? 1) === 1));
  if (cases.length === 0) throw new Error(`[profile] no tsgrad case of ${id} has a row containing "${rowFilter}"`);

  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
  mkdirSync(path.join(here, 'results'), { recursive: true });
  for (const c of cases) {
    useThreads(c.threads);
    const prepared = (await c.setup()) as Prepared;
    prepared.result();
    for (let i = 0; i < 3; i++) prepared.run();
    await post(session, 'Profiler.start');
    const t0 = performance.now();
    let calls = 0;
    while (performance.now() - t0 < seconds * 1000) { prepared.run(); calls++; }
    const ms = (performance.now() - t0) / calls;
    const { profile } = await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop');
    const file = path.join(here, 'results', `${suite.id}.tsgrad.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    const total = selfTimes(profile).reduce((s, f) => s + f.ms, 0);
    console.log(`\n${c.row} (tsgrad): ${calls} calls, ${ms.toFixed(2)} ms per call, ${((c.work / ms) * 1000 / suite.scale).toPrecision(3)} ${suite.unit}`);
    console.log(`profile: ${path.relative(process.cwd(), file)}; self time, top 25 of ${total.toFixed(0)} ms sampled:`);
    for (const f of selfTimes(profile).slice(0, 25)) {
      console.log(`${f.ms.toFixed(0).padStart(8)} ms ${((100 * f.ms) / total).toFixed(1).padStart(5)}%  ${(f.ms / calls).toFixed(3).padStart(8)} ms/call  ${f.fn}`);
    }
  }
  session.disconnect();
}

try {
  await main();
} catch (e) {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
}
