/**
 * docs/autograd.md's table of derivatives ("Every primitive's derivative") is the rule table's `doc` lines, one
 * row per primitive in the table's order: a primitive without a docs row, a row without a primitive, or a row
 * whose math differs from its rule fails here, and the message prints the table as it should read.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules, type Primitive } from './index.js';

const docs = resolve(import.meta.dirname, '../../../docs/autograd.md');
const HEADER = '| primitive | forward | VJP |';

/** The table as the rules give it (a `|` in the math is escaped for Markdown). */
export function derivativeTable(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = (Object.keys(rules) as Primitive[]).map((p) => `| \`${p}\` | ${cell(rules[p].doc[0])} | ${cell(rules[p].doc[1])} |`);
  return [HEADER, '|---|---|---|', ...rows].join('\n');
}

describe('docs/autograd.md', () => {
  it("lists every primitive's forward and VJP exactly as its rule's doc", () => {
    const lines = readFileSync(docs, 'utf8').split('\n');
    const start = lines.indexOf(HEADER);
    expect(start, `docs/autograd.md has no line ${HEADER}`).toBeGreaterThan(0);
    let end = start;
    while (end < lines.length && lines[end]!.startsWith('|')) end++;
    const table = lines.slice(start, end).join('\n');
    expect(table, `docs/autograd.md's table should read:\n${derivativeTable()}\n`).toBe(derivativeTable());
  });
});
