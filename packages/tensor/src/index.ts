/**
 * @tsgrad/tensor: float32/float64 tensors with strided views, NumPy broadcasting, reductions, a blocked matmul,
 * conv2d and pooling, and a seeded, platform-independent random generator.
 *
 * @module @tsgrad/tensor
 */
export { Tensor, alloc, dtypeOf } from './tensor.js';
export { checkSameDType } from './dtype.js';
export type { DType, FloatArray, NestedArray, ReduceOptions, TensorLike } from './tensor.js';
export { TsgradError, ShapeError, DTypeError, AxisError, IndexError, ValueError, fmtShape } from './errors.js';
export { broadcastShapes, contiguousStrides, normAxes, normAxis, sizeOf } from './shape.js';
export * from './creation.js';
export { Generator, defaultGenerator, manualSeed, type GeneratorState } from './random.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/views.js';
export * from './ops/linalg.js';
export * from './ops/eigh.js';
export * from './ops/nn.js';
export { formatTensor, type FormatOptions } from './format.js';
export * from './ops/adjoint.js';
export { setBackend, getBackend, type Backend } from './kernels/backend.js';
export { adamUpdate, ADAM_WASM_MIN, type AdamUpdateOptions } from './kernels/adam.js';
export { setNumThreads, getNumThreads } from './kernels/wasm/pool.js';
