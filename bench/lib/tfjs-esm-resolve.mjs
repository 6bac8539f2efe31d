/**
 * Node module-resolution hook used only to load TensorFlow.js's gradient definitions.
 *
 * @tensorflow/tfjs-core's Node entry (`dist/tf-core.node.js`) bundles the ops but not the gradients: those ship
 * only as ES modules under `dist/` (`register_all_gradients.js` and `dist/gradients/*`), written with
 * extensionless relative imports (`'../ops/add'`) that Node's ES loader rejects, and one of them (`'../gradients'`)
 * names both a file and a directory. This hook resolves such a specifier to the `.js` file next to it, for
 * importers inside tfjs-core's `dist/` only. The gradients register into tfjs's global registry, which the
 * bundled entry shares (tfjs keeps its engine and registries on `globalThis` so that several copies agree).
 */
import { existsSync } from 'node:fs';

const TFJS_DIST = '/@tensorflow/tfjs-core/dist/';

export async function resolve(specifier, context, nextResolve) {
  const relative = specifier.startsWith('./') || specifier.startsWith('../');
  if (relative && context.parentURL?.includes(TFJS_DIST) && !/\.[cm]?js$/.test(specifier)) {
    const file = new URL(`${specifier}.js`, context.parentURL);
    if (existsSync(file)) return nextResolve(file.href, context);
  }
  return nextResolve(specifier, context);
}
