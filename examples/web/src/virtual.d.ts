/** The build-time MNIST subset (see ../mnist-subset.ts): the URL of its bytes and their layout. */
declare module 'virtual:mnist-subset' {
  import type { MnistSubsetMeta } from './mnist-meta.js';
  export const url: string;
  export const meta: MnistSubsetMeta;
}
