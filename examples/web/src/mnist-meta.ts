/**
 * The layout of the build-time MNIST subset, shared by the Vite plugin that writes it (../mnist-subset.ts, in
 * Node) and the page that reads it; kept free of imports so the page's type-check stays browser-only.
 */
export interface MnistSubsetMeta {
  digits: number[];
  /** Images are size × size bytes, 0–255, row-major. */
  size: number;
  /** How many training images come first, then held-out ones. */
  train: number;
  test: number;
  /** The digit of each image, training images first. */
  labels: number[];
  /** Where the images came from and how they were drawn. */
  source: string;
}
