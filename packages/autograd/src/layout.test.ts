/**
 * The package's module layout: runtime imports run one way (graph ← rules ← ops ← engine ← variable ← the rest),
 * checked by walking the import graph of src/ and failing on a cycle. Type-only imports are erased by the compiler
 * and do not order module evaluation; the one that points back (rules.ts naming the type of the ops it is handed)
 * is listed here so that no other creeps in.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = import.meta.dirname;
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

/** Local modules a file imports or re-exports, value and type-only apart. */
function importsOf(file: string): { value: string[]; type: string[] } {
  const src = readFileSync(join(dir, file), 'utf8');
  const value: string[] = [], type: string[] = [];
  for (const m of src.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'\.\/([\w-]+)\.js';/gms)) {
    (m[2] ? type : value).push(`${m[3]}.ts`);
  }
  return { value, type };
}

/** A cycle in the graph, as a path, or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string): string[] | null => {
    if (state.get(f) === 'done') return null;
    if (state.get(f) === 'open') return [...path.slice(path.indexOf(f)), f];
    state.set(f, 'open');
    path.push(f);
    for (const g of graph.get(f) ?? []) {
      const c = visit(g);
      if (c) return c;
    }
    path.pop();
    state.set(f, 'done');
    return null;
  };
  for (const f of graph.keys()) {
    const c = visit(f);
    if (c) return c;
  }
  return null;
}

describe('packages/autograd/src imports', () => {
  const graph = new Map(files.map((f) => [f, importsOf(f).value]));

  it('runtime imports have no cycle', () => {
    expect(findCycle(graph)).toBeNull();
  });

  it('the cycle finder finds a cycle when there is one', () => {
    expect(findCycle(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']]]))).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts']);
  });

  it('graph.ts imports no other module of the package at run time, and only rules.ts has a type-only import that points back', () => {
    expect(graph.get('graph.ts')).toEqual([]);
    expect(graph.get('rules.ts')).toEqual(['graph.ts']);
    const all = new Map(files.map((f) => [f, [...importsOf(f).value, ...importsOf(f).type]]));
    // With type imports too, the only cycle is rules.ts naming the type of the ops it is handed.
    const back = files.flatMap((f) => importsOf(f).type.filter((t) => (all.get(t) ?? []).includes(f) || reaches(all, t, f)).map((t) => `${f} -> ${t}`));
    expect(back).toEqual(['graph.ts -> rules.ts', 'rules.ts -> ops.ts']);
  });
});

function reaches(graph: Map<string, string[]>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (f === to) return true;
    if (seen.has(f)) continue;
    seen.add(f);
    stack.push(...(graph.get(f) ?? []));
  }
  return false;
}
