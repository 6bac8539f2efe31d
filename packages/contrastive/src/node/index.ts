/** Node-only parts of @tsgrad/contrastive: the MNIST loader (reads files shipped in the `mnist` package). */
export { loadMnist, mnistDigit, type MnistOptions, type MnistSplit } from './mnist.js';
