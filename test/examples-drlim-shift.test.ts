/**
 * examples/drlim-shift runs as a user would run it (plain Node on the built packages, through the workspace
 * links; the test command builds first) at a tiny budget — 20 training digits per class, one epoch — and exits 0,
 * prints its figures table and writes well-formed SVGs. It checks the plumbing, not the paper's finding (that
 * needs the default budget, minutes of training).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tsgrad-drlim-shift-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Tags balance: every opening tag is closed in order, self-closing tags stand alone, one root <svg>. */
function checkWellFormed(svg: string): void {
  expect(svg.startsWith('<svg ')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const tags = [...svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)\b[^<>]*?(\/?)>/g)];
  const stack: string[] = [];
  let roots = 0;
  for (const [, closing, name, selfClosing] of tags) {
    if (closing) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  expect(svg.split('<').length - 1).toBe(tags.length);
  expect(svg).not.toMatch(/NaN|undefined|Infinity/);
}

describe('examples/drlim-shift', () => {
  it('runs at a tiny budget, prints the figures table and writes well-formed SVGs', () => {
    const out = join(work, 'out');
    const stdout = execFileSync(
      process.execPath,
      [join(root, 'examples/drlim-shift/main.mjs'), '--per-digit', '20', '--test-per-digit', '9', '--epochs', '1', '--out', out],
      { cwd: root, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] },
    ); // throws unless the exit code is 0

    expect(stdout).toMatch(/^40 training and 18 test original digits/m);
    const row = (name: string): number[] => {
      const m = stdout.match(new RegExp(`^ +${name.replace(/[()+]/g, '\\$&')} +([\\d.]+) +([\\d.]+)`, 'm'));
      expect(m, name).not.toBeNull();
      return [Number(m![1]), Number(m![2])];
    };
    expect(row('chance')).toEqual([0.5, 0.2]);
    for (const name of ['pixels (1024-D)', '(a) 5-NN only 2-D', '(b) 5-NN + prior 2-D']) {
      for (const acc of row(name)) expect(acc >= 0 && acc <= 1, `${name}: ${acc}`).toBe(true);
    }

    for (const key of ['knn-only', 'prior']) {
      for (const name of [`${key}.svg`, `${key}-digits.svg`, `${key}-loss.svg`]) {
        const file = join(out, name);
        expect(existsSync(file), name).toBe(true);
        expect(stdout).toContain(file);
        checkWellFormed(readFileSync(file, 'utf8'));
      }
      const byShift = readFileSync(join(out, `${key}.svg`), 'utf8');
      for (const label of ['shift −6 px', 'shift −3 px', 'shift 0 px', 'shift +3 px', 'shift +6 px']) expect(byShift).toContain(label);
      expect(byShift).toContain('<image');
      const byDigit = readFileSync(join(out, `${key}-digits.svg`), 'utf8');
      expect(byDigit).toContain('digit 4');
      expect(byDigit).toContain('digit 9');
    }
  });
});
