/**
 * matmul, float32: square products and the tall-skinny products of im2col convolution, in GFLOP/s (2·M·K·N
 * per call). tsgrad takes transposed operands as strided views; tfjs through matMul's transpose flags; PyTorch
 * (512 only) through torch.matmul of the same views. 512×512 is timed with tsgrad and PyTorch at 1 and at 2
 * threads, the other shapes at tsgrad's default.
 */
import { matmul, transpose, type Tensor } from '@tsgrad/tensor';
import type { CaseDef, SuiteDef } from '../lib/harness.js';
import { tf, useBackend } from '../lib/tfjs.js';
import { THREAD_COUNTS } from '../lib/threads.js';
import { torchCase } from '../lib/torch.js';
import { TFJS, fromTf, fromTs, generator, normal, threadRows, toTf } from './common.js';
// Internal, for one row: the kernels' register-only loop that measures the SIMD peak (not public API).
import { getRowRuntime } from '../../packages/tensor/src/kernels/wasm/runtime.js';

interface Shape {
  row: string;
  m: number; k: number; n: number;
  /** Whether A, B are stored transposed ([K, M], [N, K]) and read through a transposed view. */
  ta?: boolean; tb?: boolean;
  /** Timed per thread count (one row each) and with PyTorch. */
  threaded?: boolean;
}

const square = (n: number, threaded = false): Shape => ({ row: `${n}×${n} · ${n}×${n}`, m: n, k: n, n, threaded });
const [ROW_512_1, ROW_512_2] = threadRows(square(512).row) as [string, string];

/**
 * The products of the two DrLIM layers with im2col over a 64-image batch: layer 1 is 64×1×28×28 ∗ 15×1×5×5
 * (K = 25, 64·24·24 = 36 864 output pixels), layer 2 is 64×15×12×12 ∗ 30×15×5×5 (K = 375, 64·8·8 = 4 096).
 * Forward is cols · W; the filter gradient is colsᵀ · ∂y, with colsᵀ a transposed view of the stored cols; the
 * input gradient's columns are ∂y · W (W read transposed).
 */
const im2col: Shape[] = [
  { row: 'layer 1 forward: 36864×25 · 25×15', m: 36864, k: 25, n: 15 },
  { row: 'layer 1 ∂w: (36864×25)ᵀ · 36864×15', m: 25, k: 36864, n: 15, ta: true },
  { row: 'layer 2 forward: 4096×375 · 375×30', m: 4096, k: 375, n: 30 },
  { row: 'layer 2 ∂w: (4096×375)ᵀ · 4096×30', m: 375, k: 4096, n: 30, ta: true },
  { row: 'layer 2 ∂cols: 4096×30 · (375×30)ᵀ', m: 4096, k: 30, n: 375, tb: true },
];

function cases(s: Shape, seed: number): CaseDef[] {
  const work = 2 * s.m * s.k * s.n;
  const g = generator(seed);
  const a = normal(s.ta ? [s.k, s.m] : [s.m, s.k], g), b = normal(s.tb ? [s.n, s.k] : [s.k, s.n], g);
  const rows = s.threaded ? threadRows(s.row) : [s.row];
  const threads = (i: number): { threads?: number } => (s.threaded ? { threads: THREAD_COUNTS[i]! } : {});
  const checkAgainst = (i: number): { checkAgainst?: string } => (i > 0 ? { checkAgainst: rows[0]! } : {});
  const out: CaseDef[] = rows.map((row, i) => ({
    row, engine: 'tsgrad', work, ...threads(i), ...checkAgainst(i),
    setup: () => {
      const av: Tensor = s.ta ? transpose(a) : a, bv: Tensor = s.tb ? transpose(b) : b;
      return { run: () => void matmul(av, bv), result: () => [fromTs(matmul(av, bv))] };
    },
  }));
  for (const engine of TFJS) {
    out.push({
      row: rows[0]!, alsoRows: rows.slice(1), engine, work,
      setup: () => {
        const ta = toTf(a, engine) as tf.Tensor2D, tb = toTf(b, engine) as tf.Tensor2D;
        const call = (): tf.Tensor => tf.matMul(ta, tb, s.ta, s.tb);
        return {
          run: () => { useBackend(engine); tf.dispose(call()); },
          result: () => { useBackend(engine); const y = call(); const r = fromTf(y); y.dispose(); return [r]; },
          dispose: () => tf.dispose([ta, tb]),
        };
      },
    });
  }
  if (s.threaded) {
    rows.forEach((row, i) => out.push(torchCase({
      row, ...checkAgainst(i), threads: THREAD_COUNTS[i]!, work, kind: 'matmul',
      tensors: { a, b }, params: { ta: !!s.ta, tb: !!s.tb },
    })));
  }
  return out;
}

/** Iterations of the peak loop per call (96 flops each): ~10 ms. */
const PEAK_ITERS = 2_000_000;

/**
 * This CPU's 128-bit SIMD peak as wasm reaches it: 12 independent f32x4 multiply-then-add chains with no memory
 * traffic (assembly/gemm.ts simdPeak), on one thread: the same instruction mix as the gemm's micro-kernel, so
 * "512×512 at 1 thread" over this row is the fraction of the peak the gemm reaches.
 */
function peakCase(): CaseDef[] {
  const rt = getRowRuntime();
  if (rt === null) return [];
  return [{
    row: 'SIMD peak: f32x4 mul + add in registers (1 thread)', engine: 'tsgrad', work: 96 * PEAK_ITERS, threads: 1,
    setup: () => ({ run: () => void rt.exports.simdPeak(PEAK_ITERS), result: () => [] }),
  }];
}

export const matmulSuite: SuiteDef = {
  id: 'matmul',
  title: 'matmul, float32',
  unit: 'GFLOP/s',
  scale: 1e9,
  tolerance: { rtol: 1e-4, atol: 1e-5 },
  targets: [
    { row: ROW_512_2, versus: 'tfjs-wasm', min: 2.5 },
    { row: ROW_512_1, versus: 'tfjs-wasm', min: 1.3 },
  ],
  cases: (quick) => {
    const shapes = quick ? [square(512, true)] : [...[64, 128, 256].map((n) => square(n)), square(512, true), square(1024), ...im2col];
    return [...peakCase(), ...shapes.flatMap((s, i) => cases(s, 100 + i))];
  },
};
