import { Generator } from '@tsgrad/tensor';

/**
 * A seeded source of uniforms in [0, 1) for kernel tests that fill raw typed arrays: the package's own
 * Generator (xoshiro128**), so every test draws from the one generator the library ships.
 */
export function seededRandom(seed: number): () => number {
  const g = new Generator(seed >>> 0);
  return () => g.random();
}
