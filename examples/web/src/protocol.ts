/**
 * The messages between the page (main thread: drawing and controls) and its two workers (all the math). Both
 * workers post whole frames: everything the page draws for one moment of training, so a frame that arrives
 * late or twice is harmless and the page never keeps model state of its own.
 */
import type { MnistSubsetMeta } from './mnist-meta.js';

export type { MnistSubsetMeta };

/** The knobs both demos share. Everything a run does is a function of these. */
export interface RunConfig {
  margin: number;
  lr: number;
  k: number;
  seed: number;
}

// ---------------------------------------------------------------------------------------------------------
// The spring model.

export type ToSpring =
  | { type: 'reset'; config: RunConfig }
  /** Margin and learning rate apply at the next step; a new k rewires the springs, keeping the positions. */
  | { type: 'set'; config: RunConfig }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step'; count: number }
  /** Scatter the points uniformly at random (seeded), keeping the springs: the graph, not the start, decides. */
  | { type: 'scramble' }
  /** Move point `index` to (x, y) and hold it there until 'release'. */
  | { type: 'drag'; index: number; x: number; y: number }
  | { type: 'release' };

export interface SpringFrame {
  step: number;
  playing: boolean;
  margin: number;
  /** [x0, y0, x1, y1, ...] for the n points. */
  positions: Float64Array;
  /** −∂L_similar/∂x and −∂L_dissimilar/∂x per point, laid out like `positions`. */
  attraction: Float64Array;
  repulsion: Float64Array;
  /** The similar pairs (the springs), as two index lists. */
  similarA: Int32Array;
  similarB: Int32Array;
  /** The cluster each point was drawn from, for colour. */
  cluster: Int32Array;
  loss: number;
  /** Mean length of the similar springs, the share of dissimilar pairs inside the margin, Σ_i ‖F_i‖. */
  meanSimilar: number;
  insideMargin: number;
  netForce: number;
  /** The point held by a drag, or −1. */
  held: number;
}

export type FromSpring = { type: 'frame'; frame: SpringFrame } | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------------------
// MNIST.

export type ToMnist =
  | { type: 'init'; bytes: Uint8Array; meta: MnistSubsetMeta }
  /** Start a fresh run (new network, sampler and optimiser) from this configuration. */
  | { type: 'configure'; config: RunConfig }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step'; count: number };

export interface MnistBaselines {
  /** 5-NN accuracy of the held-out digits after PCA to 2-D, and in raw 784-D pixel space. */
  pca: number;
  pixels: number;
  /**
   * The kernels the worker trains on: @tsgrad/tensor's backend ('wasm' where WebAssembly SIMD runs), its thread
   * count, and whether the worker is cross-origin isolated (SharedArrayBuffer, hence the worker pool, exists).
   */
  kernels: { backend: string; threads: number; isolated: boolean };
  /** The network the map is learnt with, and its number of weights. */
  network: { name: string; parameters: number };
}

export interface MnistFrame {
  /** Increases with each 'configure'; frames of an older run are stale. */
  run: number;
  step: number;
  epoch: number;
  batchesPerEpoch: number;
  similarPairs: number;
  playing: boolean;
  /** Batch losses since the previous frame of this run, in order; `lossStart` is the step of the first. */
  losses: Float32Array;
  lossStart: number;
  /** The 2-D map of every image (training images first), [x0, y0, x1, y1, ...]. */
  points: Float32Array;
  /** 5-NN accuracy of the held-out digits, classified by the training digits' labels in the map. */
  accuracy: number;
  pairsPerSecond: number;
}

export type FromMnist =
  | { type: 'status'; text: string }
  | { type: 'baselines'; baselines: MnistBaselines }
  | { type: 'frame'; frame: MnistFrame }
  | { type: 'error'; message: string };

/** The worker side of a typed channel (the page's tsconfig has the DOM library, not the WebWorker one). */
export interface WorkerScope<In, Out> {
  postMessage(message: Out, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<In>) => void) | null;
}
