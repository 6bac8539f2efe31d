import { defineConfig } from 'vite';
import { mnistSubset } from './mnist-subset.js';

// Relative asset URLs (base './'), so the built page works from any folder or sub-path a static server puts it
// under; module workers, so the workers import the packages as ES modules like the page does.
export default defineConfig({
  base: './',
  plugins: [mnistSubset()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1024 },
});
