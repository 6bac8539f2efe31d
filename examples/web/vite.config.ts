import { defineConfig } from 'vite';
import { mnistSubset } from './mnist-subset.js';

// Cross-origin isolation (COOP + COEP), in dev and preview alike, so the page and its workers have
// SharedArrayBuffer and @tsgrad/tensor's wasm kernels can split work over a worker pool; every resource the page
// loads is its own, so require-corp costs nothing. Relative asset URLs (base './'), so the built page works from any folder or sub-path a static server puts it
// under; module workers, so the workers import the packages as ES modules like the page does.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  base: './',
  plugins: [mnistSubset()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1024 },
});
