/**
 * Node-only parts of @tsgrad/contrastive: the MNIST loader and the paper's experiment runner.
 *
 * @module @tsgrad/contrastive/node
 */
export { loadMnist, mnistDigit, type MnistOptions, type MnistSplit } from './mnist.js';
export { DRLIM_MNIST_DEFAULTS, drlimMnist, type DrlimMnistOptions, type DrlimMnistResult } from './drlim.js';
export { progressBar } from './progress.js';
