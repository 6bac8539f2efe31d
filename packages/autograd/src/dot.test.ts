/** toDot: one box per op (name and shape), one ellipse per leaf or constant, an edge per use. */
import { describe, expect, it } from 'vitest';
import * as T from '@tsgrad/tensor';
import * as A from './index.js';
import { variable } from './index.js';

describe('toDot', () => {
  const build = () => {
    const x = variable(T.ones([2, 3]), { requiresGrad: true, name: 'x' });
    const w = variable(T.ones([3]), { requiresGrad: true, name: 'w' });
    // expand (w to [2,3]), add, mul (by a constant), sum
    return A.sum(A.mul(A.add(x, w), 2));
  };

  it('draws one node per op with its name and output shape, and the leaves with theirs', () => {
    const dot = A.toDot(build());
    const lines = dot.split('\n');
    expect(lines[0]).toBe('digraph "tsgrad" {');
    expect(lines.at(-1)).toBe('}');
    const boxes = lines.filter((l) => l.includes('shape=box'));
    expect(boxes.map((l) => /label="([^"]*)"/.exec(l)![1]).sort()).toEqual(['add\\n[2,3]', 'expand\\n[2,3]', 'mul\\n[2,3]', 'sum\\n[]']);
    const ellipses = lines.filter((l) => l.includes('shape=ellipse'));
    expect(ellipses).toHaveLength(3); // x, w and the constant 2 expanded to [2,3]
    expect(ellipses.filter((l) => l.includes('style=filled')).map((l) => /label="([^"]*)"/.exec(l)![1]).sort()).toEqual(['w\\n[3]', 'x\\n[2,3]']);
    expect(ellipses.filter((l) => !l.includes('style=filled')).map((l) => /label="([^"]*)"/.exec(l)![1])).toEqual(['[2,3]']);
    // Edges: w→expand, x→add, expand→add, add→mul, const→mul, mul→sum.
    expect(lines.filter((l) => l.includes('->'))).toHaveLength(6);
    const id = (label: string): string => new RegExp(`(v\\d+) \\[[^\\]]*label="${label.replace(/[[\]\\]/g, '\\$&')}"`).exec(dot)![1]!;
    expect(dot).toContain(`${id('w\\n[3]')} -> ${id('expand\\n[2,3]')};`);
    expect(dot).toContain(`${id('add\\n[2,3]')} -> ${id('mul\\n[2,3]')};`);
    expect(dot).toContain(`${id('mul\\n[2,3]')} -> ${id('sum\\n[]')};`);
  });

  it('escapes quotes and backslashes in names, and takes a graph name', () => {
    const x = variable([1, 2], { requiresGrad: true, name: 'say "hi" \\o/' });
    const dot = A.toDot(A.exp(x), { name: 'my graph' });
    expect(dot.split('\n')[0]).toBe('digraph "my graph" {');
    expect(dot).toContain('label="say \\"hi\\" \\\\o/\\n[2]"');
    expect(dot).toContain('label="exp\\n[2]"');
  });

  it('a shared input has one node and one edge per use', () => {
    const x = variable([1, 2], { requiresGrad: true });
    const dot = A.toDot(A.mul(x, x));
    expect(dot.split('\n').filter((l) => l.includes('shape=ellipse'))).toHaveLength(1);
    expect(dot.split('\n').filter((l) => l.includes('->'))).toHaveLength(2);
  });
});
