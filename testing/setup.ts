/** Vitest setup file (see vitest.config.ts `setupFiles`): registers the custom matchers. */
import { expect } from 'vitest';
import { matchers } from './matchers.js';

expect.extend(matchers);
