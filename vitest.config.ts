import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import every workspace package from its source (one module instance per package, no build needed), so a
// Tensor made by testing/ helpers is the same class the package under test checks with instanceof.
const pkgSrc = (name: string): string => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      ...['tensor', 'autograd', 'nn', 'contrastive'].map((name) => ({
        find: new RegExp(`^@tsgrad/${name}$`),
        replacement: pkgSrc(name),
      })),
      // contrastive's Node entry point (the MNIST loader), for code that imports it as users do (the docs' blocks).
      { find: /^@tsgrad\/contrastive\/node$/, replacement: fileURLToPath(new URL('./packages/contrastive/src/node/index.ts', import.meta.url)) },
      // onnxruntime-web is a devDependency of @tsgrad/nn alone; testing/ and the README's blocks import it by name
      // too (its Node entry point, which loads the WebAssembly build beside it).
      {
        find: /^onnxruntime-web$/,
        replacement: fileURLToPath(new URL('./packages/nn/node_modules/onnxruntime-web/dist/ort.node.min.mjs', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'testing/**/*.test.ts'],
    setupFiles: ['testing/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Node flags for the test workers (the default 'forks' pool): --expose-gc gives packages/autograd's memory
    // test `global.gc`, so it can compare the heap after full collections.
    execArgv: ['--expose-gc'],
  },
});
