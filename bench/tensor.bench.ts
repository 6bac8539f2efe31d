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

/**
 * The anchor measured in the same run: the textbook i-k-j loop over Float32Arrays, what a plain JavaScript
 * matmul looks like before packing and blocking. Figures are reported as ratios against it as well, since this
 * shared machine's absolute speed drifts by up to 2x from minute to minute.
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

function anchorCase(n: number) {
  const name = `anchor: naive i-k-j ${n}x${n}`;
  flops.set(name, 2 * n * n * n);
  return b.add(name, () => {
    const a = randn([n, n], { generator: gen }).data as Float32Array, c = randn([n, n], { generator: gen }).data as Float32Array;
    const out = new Float32Array(n * n);
    return () => naiveMatmul(a, c, out, n);
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

let anchorGflops = 0;

type Result = { name: string; ops: number; margin: number; details: { median: number; min: number } };

/**
 * One line per case: GFLOP/s from benny's mean, from the median sample and from the fastest sample (sample
 * times are seconds per call), and the median against the anchor's median. This machine shares its cores,
 * so its speed drifts by up to 2x between seconds: the median is the figure to quote, the best shows what the
 * kernel does when it has the core to itself.
 */
function report(summary: { results: Result[] }): void {
  console.log(`\n${machine()}, ${new Date().toISOString().slice(0, 10)}`);
  console.log('case'.padEnd(34) + 'GFLOP/s: mean'.padStart(14) + 'median'.padStart(8) + 'best'.padStart(7) + '  ±%'.padStart(7) + '  median × anchor');
  for (const r of summary.results) {
    const f = (flops.get(r.name) ?? 0) / 1e9;
    const median = f / r.details.median, best = f / r.details.min;
    if (r.name.startsWith('anchor')) anchorGflops = median;
    const ratio = anchorGflops > 0 ? (median / anchorGflops).toFixed(1).padStart(8) : '';
    console.log(
      r.name.padEnd(34) + (r.ops * f).toFixed(2).padStart(14) + median.toFixed(2).padStart(8) + best.toFixed(2).padStart(7) +
        r.margin.toFixed(1).padStart(7) + ratio,
    );
  }
}

async function main(): Promise<void> {
  await b.suite(
    'matmul float32',
    anchorCase(512),
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
