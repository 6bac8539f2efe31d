/** Types of the custom matchers registered by testing/setup.ts. */
import 'vitest';
import type { AllcloseOptions, Allcloseable } from './matchers.js';

interface TsgradMatchers<R = unknown> {
  /** |actual − expected| ≤ atol + rtol·|expected| elementwise, with equal shapes (see testing/matchers.ts). */
  toBeAllclose(expected: Allcloseable, opts?: AllcloseOptions): R;
}

declare module 'vitest' {
  interface Matchers<T = any> extends TsgradMatchers<T> {}
}
