/**
 * PyTorch as a peer engine: one Python process per run (bench/torch/server.py), started on first use, which sets
 * each case up from the bench's own numbers, returns its results for the check against tsgrad, and times it with
 * its own loop at a given thread count (torch.set_num_threads). Tensors travel as raw float32 (or int32) files in
 * a temporary folder, named in a JSON manifest; nothing is timed across the process boundary.
 *
 * The interpreter is the first of $TSGRAD_BENCH_PYTHON, /usr/bin/python3 and python3 (the one on PATH) that can
 * import torch; where none can, every PyTorch case is recorded as not run, with the reason, and the table leaves
 * the column out.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '@tsgrad/tensor';
import { Unavailable, type CaseDef, type ExternalPrepared } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.join(here, '..', 'torch', 'server.py');

/** What the Python process reports about itself when it starts. */
export interface TorchInfo {
  torch: string;
  python: string;
  executable: string;
  /** torch's BLAS_INFO build setting ('generic' is the reference BLAS, which its matmul then uses). */
  blas: string;
  mkldnn: boolean;
  parallel: string;
}

/** A tensor sent to Python: float32 values or int32 indices, with a shape. */
type Sendable = Tensor | { data: Int32Array | Float32Array; shape: number[] };

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

class TorchProcess {
  private buffer = '';
  private readonly queue: Pending[] = [];
  private exited: string | null = null;

  constructor(readonly child: ChildProcessWithoutNullStreams, readonly dir: string, readonly python: string) {
    // A write to a process that has died fails here; the 'exit' handler below reports why it died.
    child.stdin.on('error', () => {});
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const p = this.queue.shift();
        if (!p) continue;
        try {
          p.resolve(JSON.parse(line));
        } catch {
          p.reject(new Error(`[bench] PyTorch (${python}) wrote a line that is not JSON: ${line.slice(0, 200)}`));
        }
        this.idle();
      }
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => { stderr = (stderr + s).slice(-4000); });
    child.on('exit', (code, signal) => {
      this.exited = `${python} exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`;
      for (const p of this.queue.splice(0)) p.reject(new Error(`[bench] PyTorch: ${this.exited}`));
    });
    child.on('error', (e) => {
      this.exited = `${python} could not run: ${e.message}`;
      for (const p of this.queue.splice(0)) p.reject(new Error(`[bench] PyTorch: ${this.exited}`));
    });
    this.idle();
  }

  /** The process and its pipes keep Node alive only while a reply is awaited. */
  private idle(): void {
    if (this.queue.length > 0) return;
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { unref?(): void }).unref?.();
  }

  private busy(): void {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { ref?(): void }).ref?.();
  }

  /** The next line the process writes (its greeting, or the reply to a request). */
  next(): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error(`[bench] PyTorch: ${this.exited}`));
    this.busy();
    return new Promise((resolve, reject) => this.queue.push({ resolve, reject }));
  }

  async request<T>(msg: Record<string, unknown>): Promise<T> {
    const reply = this.next();
    this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    const r = (await reply) as { ok?: T; error?: string };
    if (r.error !== undefined) throw new Error(`[bench] PyTorch failed on ${String(msg.cmd)} of case ${String(msg.id)}:\n${r.error}`);
    return r.ok as T;
  }

  close(): void {
    this.child.stdin.end();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The interpreters tried, in order, without repeats. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...new Set([env.TSGRAD_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p))];
}

let started: Promise<{ proc: TorchProcess; info: TorchInfo } | { missing: string }> | null = null;

/**
 * Starts the Python process (once; later calls return the same promise): the first candidate interpreter that
 * imports torch. Resolves to its description, or to why PyTorch is not available.
 */
export function startTorch(): Promise<{ proc: TorchProcess; info: TorchInfo } | { missing: string }> {
  started ??= (async () => {
    const tried: string[] = [];
    for (const python of pythonCandidates()) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tsgrad-bench-torch-'));
      const child = spawn(python, ['-u', SERVER], { stdio: ['pipe', 'pipe', 'pipe'] });
      const proc = new TorchProcess(child, dir, python);
      try {
        const hello = (await proc.next()) as { ready: boolean; error?: string } & TorchInfo;
        if (hello.ready) return { proc, info: hello };
        tried.push(`${python}: ${hello.error}`);
      } catch (e) {
        tried.push((e as Error).message.replace('[bench] PyTorch: ', ''));
      }
      proc.close();
    }
    return { missing: `no python3 here can import torch (${tried.join('; ')})` };
  })();
  return started;
}

/** PyTorch's version and build, or null when it is not available; starts the process if needed. */
export async function torchInfo(): Promise<TorchInfo | null> {
  const s = await startTorch();
  return 'info' in s ? s.info : null;
}

/** Ends the Python process (it exits when its stdin closes) and removes its folder. */
export async function closeTorch(): Promise<void> {
  if (!started) return;
  const s = await started;
  if ('proc' in s) s.proc.close();
  started = null;
}

let nextId = 0;

/** One line describing the PyTorch build, for the table's header. */
export const describeTorch = (i: TorchInfo): string =>
  `PyTorch ${i.torch} (Python ${i.python}, ${i.executable}; BLAS ${i.blas}${i.mkldnn ? ', oneDNN' : ''})`;

export interface TorchCaseDef {
  row: string;
  /** The tsgrad row whose result this case is checked against (default: `row`). */
  checkAgainst?: string;
  threads: number;
  work: number;
  /** Which of server.py's cases. */
  kind: 'matmul' | 'conv' | 'conv-forward' | 'drlim';
  tensors: Record<string, Sendable>;
  params?: Record<string, unknown>;
}

/** A PyTorch case for the harness: set up, checked and timed inside the Python process. */
export function torchCase(def: TorchCaseDef): CaseDef {
  return {
    row: def.row,
    engine: 'pytorch',
    threads: def.threads,
    work: def.work,
    ...(def.checkAgainst ? { checkAgainst: def.checkAgainst } : {}),
    setup: async (): Promise<ExternalPrepared> => {
      const s = await startTorch();
      if ('missing' in s) throw new Unavailable(s.missing);
      const { proc } = s;
      const id = `c${nextId++}`;
      const manifest: Record<string, { file: string; shape: number[]; dtype: 'float32' | 'int32' }> = {};
      for (const [name, t] of Object.entries(def.tensors)) {
        const data = 'toTypedArray' in t ? Float32Array.from(t.toTypedArray()) : t.data;
        const file = path.join(proc.dir, `${id}-${name}.bin`);
        writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        manifest[name] = { file, shape: t.shape.slice(), dtype: data instanceof Int32Array ? 'int32' : 'float32' };
      }
      await proc.request({ cmd: 'setup', id, kind: def.kind, tensors: manifest, params: def.params ?? {} });
      for (const m of Object.values(manifest)) rmSync(m.file, { force: true });
      return {
        external: true,
        result: async () => {
          const files = await proc.request<{ file: string; size: number }[]>({ cmd: 'result', id, dir: proc.dir });
          return files.map(({ file, size }) => {
            const bytes = readFileSync(file);
            rmSync(file, { force: true });
            const out = new Float32Array(size);
            new Uint8Array(out.buffer).set(bytes.subarray(0, size * 4));
            return out;
          });
        },
        warmUp: (seconds) => proc.request<number>({ cmd: 'warmup', id, threads: def.threads, seconds }),
        time: ({ minSamples, maxTime }) => proc.request<number[]>({ cmd: 'time', id, threads: def.threads, minSamples, maxTime }),
        dispose: async () => { await proc.request({ cmd: 'drop', id }); },
      };
    },
  };
}
