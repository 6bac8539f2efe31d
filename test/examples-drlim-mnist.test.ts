/**
 * examples/drlim-mnist/ceiling.mjs runs as a user would run it (plain Node on the built packages; the test
 * command builds first) at a tiny budget — 2 epochs, one start, 300 digits per class — exits 0 and prints one accuracy line per ratio,
 * each a leave-one-out accuracy in [0, 1] with its loss. It checks the plumbing; the figures need the default
 * budget. (main.mjs is the runner drlimMnist, which packages/contrastive/src/node/node.test.ts runs end to end.)
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

describe('examples/drlim-mnist/ceiling.mjs', () => {
  it('optimises free 2-D points at three ratios and reports their leave-one-out accuracy and loss', () => {
    const out = execFileSync(process.execPath, ['examples/drlim-mnist/ceiling.mjs', '2', '1', '0', '300'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(out).toMatch(/^600 training digits, \d+ similar pairs \(\d+\.\d % join a 4 to a 9\)$/m);
    const rows = [...out.matchAll(/^ {2}(\S+)\s+dissimilar per similar pair: mean (\d\.\d{3}); (\d\.\d{3}) \(loss (\d\.\d{4})\)$/gm)];
    expect(rows.map((r) => r[1])).toEqual(['0.25', '1', '4']);
    for (const [, , mean, acc, loss] of rows) {
      expect(mean).toBe(acc);
      expect(Number(acc)).toBeGreaterThan(0.3);
      expect(Number(acc)).toBeLessThanOrEqual(1);
      expect(Number(loss)).toBeGreaterThan(0);
    }
  });
});
