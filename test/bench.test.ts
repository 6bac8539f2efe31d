/**
 * The benchmark table generator (bench/lib/table.ts) on a made-up results object: columns, ratios, notes,
 * targets and the README markers. Nothing here is timed; `pnpm bench` does the measuring.
 */
import { describe, expect, it } from 'vitest';
import { TABLE_END, TABLE_START, formatRatio, formatValue, renderSuite, renderTables, replaceTable } from '../bench/lib/table.js';
import type { SuiteResult } from '../bench/lib/types.js';

const suite = (over: Partial<SuiteResult> = {}): SuiteResult => ({
  id: 'matmul',
  title: 'matmul, float32',
  unit: 'GFLOP/s',
  date: '2026-01-02T03:04:05.000Z',
  quick: false,
  machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0' },
  tfjs: '4.22.0',
  revision: 'abc1234',
  anchor: { name: 'naive 256', start: 1, end: 3 },
  rows: [
    { name: 'square 512', cells: { tsgrad: cell(10), 'tfjs-cpu': cell(2), 'tfjs-wasm': cell(40) } },
    {
      name: 'step',
      cells: {
        tsgrad: cell(5),
        'tfjs-cpu': { ...cell(1), variant: 'filter gradient as a conv2d' },
        'tfjs-wasm': { missing: "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'" },
      },
    },
  ],
  targets: [
    { row: 'square 512', versus: 'tfjs-cpu', min: 4.5 },
    { row: 'step', versus: 'tfjs-cpu', min: 10 },
    { row: 'absent row', versus: 'tfjs-cpu', min: 1 },
  ],
  ...over,
});

function cell(value: number) {
  return { value, best: value * 1.1, samples: 5, rme: 1 };
}

describe('bench table', () => {
  it('formats figures to three significant digits and ratios with ×', () => {
    expect([formatValue(0.25), formatValue(40), formatValue(123.456), formatValue(12345.6)]).toEqual(['0.250', '40.0', '123', '12 346']);
    expect([formatRatio(5), formatRatio(0.25), formatRatio(Infinity)]).toEqual(['5.00×', '0.250×', '—']);
  });

  it('has one column per engine, both ratios and the anchor ratio, and one row per case', () => {
    const lines = renderSuite(suite()).split('\n');
    expect(lines).toContain('| case | tsgrad | tfjs-cpu | tfjs-wasm | tsgrad / tfjs-cpu | tsgrad / tfjs-wasm | tsgrad ÷ anchor |');
    expect(lines).toContain('| square 512 | 10.0 | 2.00 | 40.0 | 5.00× | 0.250× | 5.00 |');
    // A named formulation and a missing kernel become numbered notes; a missing figure has no ratio.
    expect(lines).toContain('| step | 5.00 | 1.00¹ | —² | 5.00× | — | 2.50 |');
    expect(lines).toContain('¹ tfjs-cpu: filter gradient as a conv2d  ');
    expect(lines).toContain("² tfjs-wasm: Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'  ");
  });

  it('states the date, the run kind, the revision, the anchor and whether each target is met', () => {
    const text = renderSuite(suite({ quick: true }));
    expect(text).toContain('### matmul, float32 (GFLOP/s)');
    expect(text).toContain('2026-01-02, quick run, tsgrad at abc1234. Anchor (naive 256): 1.00 GFLOP/s at the start of the suite, 3.00 at its end.');
    expect(text).toContain('Target, square 512: tsgrad / tfjs-cpu = 5.00×, at least 4.50× wanted: **met**.');
    expect(text).toContain('Target, step: tsgrad / tfjs-cpu = 5.00×, at least 10.0× wanted: **missed**.');
    expect(text).not.toContain('absent row');
  });

  it('puts suites in the given order under one header naming machine and TensorFlow.js version', () => {
    const text = renderTables([suite({ id: 'siamese', title: 'Siamese' }), suite()], ['matmul', 'siamese']);
    expect(text.startsWith('Machine: Test CPU, 2 cores, Node v20.0.0. TensorFlow.js 4.22.0.')).toBe(true);
    expect(text.indexOf('### matmul')).toBeLessThan(text.indexOf('### Siamese'));
  });

  it('rewrites only the text between the README markers, and refuses a README without them', () => {
    const readme = `# Title\n\nintro\n\n${TABLE_START}\n\nold table\n\n${TABLE_END}\n\nafter\n`;
    const once = replaceTable(readme, 'new table');
    expect(once).toBe(`# Title\n\nintro\n\n${TABLE_START}\n\nnew table\n\n${TABLE_END}\n\nafter\n`);
    expect(replaceTable(once, 'new table')).toBe(once);
    expect(() => replaceTable('# no markers\n', 'x')).toThrow('[bench] README has no table markers');
  });
});
