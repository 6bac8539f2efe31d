/**
 * examples/spring runs as a user would run it (plain Node on the built packages, through the workspace links;
 * the test command builds first), writes well-formed SVGs, and its printed figures show the spring system
 * relaxing: the loss falls and the net force shrinks toward equilibrium.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tsgrad-spring-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const STAGES = [0, 10, 50, 300];

function run(out: string): string {
  return execFileSync(process.execPath, [join(root, 'examples/spring/main.mjs'), '--out', out], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
  });
}

/** Tags balance: every opening tag is closed in order, self-closing tags stand alone, one root <svg>. */
function checkWellFormed(svg: string): void {
  expect(svg.startsWith('<svg ')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  let roots = 0;
  for (const m of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)\b[^<>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (closing) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  // No stray markup: every '<' starts a tag, and no NaN/undefined leaked into coordinates.
  expect(svg.split('<').length - 1).toBe([...svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)\b[^<>]*?(\/?)>/g)].length);
  expect(svg).not.toMatch(/NaN|undefined|Infinity/);
}

describe('examples/spring', () => {
  it('runs, writes well-formed SVGs and relaxes toward equilibrium', () => {
    const t0 = performance.now();
    const out = join(work, 'a');
    const stdout = run(out); // throws unless the exit code is 0
    expect(performance.now() - t0).toBeLessThan(20_000);

    const stages = [...stdout.matchAll(/^step +(\d+) +loss +([\d.]+) +mean similar D ([\d.]+) +dissimilar inside margin ([\d.]+) +total \|force\| +([\d.]+)/gm)].map(
      (m) => ({ step: Number(m[1]), loss: Number(m[2]), meanSimilar: Number(m[3]), inside: Number(m[4]), force: Number(m[5]) }),
    );
    expect(stages.map((s) => s.step)).toEqual(STAGES);
    const first = stages[0]!, last = stages[stages.length - 1]!;
    expect(last.loss).toBeLessThan(first.loss);
    // The net force shrinks at every stage, and by orders of magnitude overall: the springs reach equilibrium.
    for (let k = 1; k < stages.length; k++) expect(stages[k]!.force).toBeLessThan(stages[k - 1]!.force);
    expect(last.force).toBeLessThan(0.01 * first.force);
    // Fewer dissimilar pairs are left inside the margin.
    expect(last.inside).toBeLessThan(first.inside);

    for (const name of [...STAGES.map((s) => `stage-${s}.svg`), 'spring.svg']) {
      const file = join(out, name);
      expect(existsSync(file), name).toBe(true);
      const svg = readFileSync(file, 'utf8');
      checkWellFormed(svg);
      // Both kinds of force arrows, the springs and the margin circles are drawn.
      expect(svg).toContain('class="attract"');
      expect(svg).toContain('class="repel"');
      expect(svg).toContain('class="springs"');
      expect(svg).toContain('class="highlight-margins"');
    }
    expect(readFileSync(join(out, 'spring.svg'), 'utf8').match(/class="points"/g)).toHaveLength(STAGES.length);

    // Seeded: a second run prints the same figures and writes the same files byte for byte.
    const out2 = join(work, 'b');
    expect(run(out2).replaceAll(out2, out)).toBe(stdout);
    for (const name of ['stage-0.svg', 'spring.svg']) expect(readFileSync(join(out2, name), 'utf8')).toBe(readFileSync(join(out, name), 'utf8'));
  });
});
