/**
 * Kernel benchmarks for @tsgrad/tensor: matmul (square 64–1024 and the tall-skinny shapes convolution produces)
 * and conv2d on a DrLIM-sized layer, forward and both gradients. Prints GFLOP/s per case.
 *
 *   pnpm bench            all cases
 *   pnpm bench --quick    a subset, well under a minute
 */
import b from 'benny';
import os from 'node:os';
import { Generator, conv2d, conv2dBackwardInput, conv2dBackwardWeight, matmul, randn, transpose, type Tensor } from '@tsgrad/tensor';

const quick = process.argv.includes('--quick');
const gen = new Generator(0);
const opts = { minSamples: quick ? 3 : 10, maxTime: quick ? 0.5 : 2 };

/** FLOPs of each case, so benny's ops/s turns into GFLOP/s. */
const flops = new Map<string, number>();

function matmulCase(name: string, M: number, K: number, N: number, transposeA = false) {
  flops.set(name, 2 * M * K * N);
  return b.add(name, () => {
    const a: Tensor = transposeA ? transpose(randn([K, M], { generator: gen })) : randn([M, K], { generator: gen });
    const c = randn([K, N], { generator: gen });
    return () => matmul(a, c);
  }, opts);
}

const squares = quick ? [128, 512] : [64, 128, 256, 512, 1024];
const skinny: [string, number, number, number, boolean?][] = [
  ['im2col 46656x36 @ 36x15', 46656, 36, 15],
  ['weights 15x36 @ 36x46656', 15, 36, 46656],
  ['4096x256 @ 256x64', 4096, 256, 64],
  ['64x1215 @ 1215x30', 64, 1215, 30],
  ['4096x256ᵀ-view @ 256x64', 4096, 256, 64, true],
];

// DrLIM's first layer: 64 images 1×32×32, 15 filters 6×6 → 64×15×27×27.
const X = [64, 1, 32, 32], W = [15, 1, 6, 6];
const OH = 27, OW = 27;
const convFlops = 2 * 64 * 15 * 1 * 6 * 6 * OH * OW;

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, Node ${process.version}`;
}

function report(summary: { results: { name: string; ops: number; margin: number }[] }): void {
  console.log(`\n${machine()}, ${new Date().toISOString().slice(0, 10)}`);
  console.log('case'.padEnd(34) + 'GFLOP/s'.padStart(9) + '   ±%');
  for (const r of summary.results) {
    const f = flops.get(r.name) ?? 0;
    console.log(r.name.padEnd(34) + ((r.ops * f) / 1e9).toFixed(2).padStart(9) + `   ${r.margin.toFixed(1)}`);
  }
}

async function main(): Promise<void> {
  await b.suite(
    'matmul float32',
    ...squares.map((n) => matmulCase(`matmul ${n}x${n}`, n, n, n)),
    ...(quick ? [] : skinny.map(([name, M, K, N, t]) => matmulCase(name, M, K, N, t))),
    b.cycle(),
    b.complete(report),
    b.save({ file: 'matmul', folder: 'results', format: 'json' }),
    b.save({ file: 'matmul', folder: 'results', format: 'chart.html' }),
  );

  for (const name of ['conv2d forward', 'conv2d backward input', 'conv2d backward weight']) flops.set(name, convFlops);
  await b.suite(
    'conv2d float32, 64x1x32x32 * 15x1x6x6',
    b.add('conv2d forward', () => {
      const x = randn(X, { generator: gen }), w = randn(W, { generator: gen });
      return () => conv2d(x, w);
    }, opts),
    b.add('conv2d backward input', () => {
      const gy = randn([64, 15, OH, OW], { generator: gen }), w = randn(W, { generator: gen });
      return () => conv2dBackwardInput(gy, w, X);
    }, opts),
    b.add('conv2d backward weight', () => {
      const x = randn(X, { generator: gen }), gy = randn([64, 15, OH, OW], { generator: gen });
      return () => conv2dBackwardWeight(x, gy, W);
    }, opts),
    b.cycle(),
    b.complete(report),
    b.save({ file: 'conv2d', folder: 'results', format: 'json' }),
    b.save({ file: 'conv2d', folder: 'results', format: 'chart.html' }),
  );
}

await main();
