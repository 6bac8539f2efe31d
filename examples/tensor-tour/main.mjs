// A tour of @tsgrad/tensor on three small, real computations, each printing what it measured:
//  1. k-nearest-neighbour classification of two noisy Gaussian classes (cdist + topk), against the Bayes rate;
//  2. an edge detector: Sobel filters run with conv2d over a drawn square, then max pooling;
//  3. matmul throughput on 512×512 float32, the kernel every layer of the DrLIM network leans on.
import {
  Generator, tensor, randn, cdist, topk, gather, mean, equal, conv2d, maxPool2d, zeros, matmul, abs, sum, slice,
} from '@tsgrad/tensor';

const gen = new Generator(2006);

// 1. Two classes in 2-D: N((0,0), I) and N((2,0), I). The Bayes-optimal rule thresholds x at 1, so its accuracy
//    is Φ(1) ≈ 0.841; 15-NN should come close to it.
function blobs(n) {
  const x = randn([2 * n, 2], { generator: gen });
  const d = x.data;
  const y = new Float32Array(2 * n);
  for (let i = n; i < 2 * n; i++) {
    d[2 * i] += 2;
    y[i] = 1;
  }
  return { x, y: tensor(y) };
}
const train = blobs(500), test = blobs(500);
const k = 15;
const { indices } = topk(cdist(test.x, train.x), k, { largest: false }); // [1000, k] nearest training rows
const votes = mean(gather(train.y, indices), { axis: 1 }); // fraction of neighbours in class 1
const predicted = votes.greater(0.5);
const accuracy = mean(equal(predicted, test.y)).item();
console.log(`1. ${k}-NN on two unit Gaussians 2 apart: accuracy ${accuracy.toFixed(3)} (Bayes rate 0.841)`);

// 2. Sobel edge filter over a 16×16 image holding a filled 8×8 square.
const img = zeros([1, 1, 16, 16]);
for (let r = 4; r < 12; r++) for (let c = 4; c < 12; c++) img.data[r * 16 + c] = 1;
const sobel = tensor([
  [[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]],
  [[[-1, -2, -1], [0, 0, 0], [1, 2, 1]]],
]); // [2 filters, 1 channel, 3, 3]: horizontal and vertical gradients
const grad = abs(conv2d(img, sobel, { padding: 1 })); // [1, 2, 16, 16]
const magnitude = sum(grad, { axis: 1, keepDims: true }); // |∂x| + |∂y|
const middleRow = slice(grad, [0, 0, 8]).toArray();
console.log(`2. Sobel |∂x| along row 8 of an 8×8 square at columns 4..11: [${middleRow.join(' ')}]`);
console.log('   (a response of 4 on both sides of each vertical edge, at columns 3, 4, 11 and 12; 0 elsewhere)');
const outline = maxPool2d(magnitude, { kernelSize: 2 }); // [1, 1, 8, 8]: the square's outline, at half size
console.log('   2×2 max-pooled |∂x| + |∂y|, an outline of the square:');
console.log('   ' + slice(outline, [0, 0]).toString().split('\n').join('\n   '));

// 3. matmul speed.
const n = 512;
const a = randn([n, n], { generator: gen }), b = randn([n, n], { generator: gen });
matmul(a, b); // warm up the JIT
const reps = 5;
const t0 = performance.now();
for (let i = 0; i < reps; i++) matmul(a, b);
const seconds = (performance.now() - t0) / 1000 / reps;
console.log(`3. matmul ${n}×${n} float32: ${((2 * n ** 3) / seconds / 1e9).toFixed(2)} GFLOP/s`);
