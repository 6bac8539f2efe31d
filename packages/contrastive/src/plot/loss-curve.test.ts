/** lossCurveSvg: well-formed, both history forms, batch line, log axis, gaps at bad values, empty history, errors. */
import { describe, expect, it } from 'vitest';
import { ValueError } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { lossCurveSvg } from './loss-curve.js';
import { checkXml, countOf } from './test-utils/xml.js';

/** The `d` of the path with the given class. */
function pathOf(svg: string, cls: string): string {
  const i = svg.indexOf(`class="${cls}" d="`);
  if (i < 0) return '';
  const start = i + cls.length + 12;
  return svg.slice(start, svg.indexOf('"', start));
}

const epochLoss = [0.9, 0.5, 0.32, 0.25, 0.21, 0.2];
const batchLoss = Array.from({ length: 60 }, (_, b) => 0.9 * Math.exp(-b / 20) + 0.05 * Math.sin(b) + 0.15);

describe('lossCurveSvg', () => {
  it('plots epoch losses with a marker each; a plain array means the same', () => {
    const svg = lossCurveSvg({ epochLoss }, { title: 'loss <train>' });
    const { root, counts } = checkXml(svg);
    expect(root).toBe('svg');
    expect(counts.get('circle')).toBe(epochLoss.length);
    expect(countOf(pathOf(svg, 'epoch-loss'), 'L')).toBe(epochLoss.length - 1);
    expect(svg).toContain('loss &lt;train&gt;');
    expect(svg).toContain('>epoch</text>');
    expect(svg).toContain('>loss</text>');
    expect(lossCurveSvg(epochLoss, { title: 'loss <train>' })).toBe(svg);
    expect(svg).not.toContain('class="legend"');
  });

  it('draws batch losses as a faint line on the epoch axis, with a legend', () => {
    const svg = lossCurveSvg({ epochLoss, batchLoss }, { width: 800, height: 300 });
    checkXml(svg);
    expect(countOf(pathOf(svg, 'batch-loss'), 'L')).toBe(batchLoss.length - 1);
    expect(svg).toContain('stroke-opacity="0.5"');
    expect(svg).toContain('>epoch mean</text>');
    expect(svg).toContain('>batch</text>');
    expect(svg).toContain('width="800" height="300"');
    // The last batch sits at x = E, the same pixel column as the last epoch marker.
    const lastBatchX = pathOf(svg, 'batch-loss').split('L').pop()!.split(' ')[0];
    const markers = svg.slice(svg.indexOf('class="epoch-markers"'));
    const xs = [...markers.split('cx="').slice(1)].map((s) => s.slice(0, s.indexOf('"')));
    expect(xs[xs.length - 1]).toBe(lastBatchX);
    // Batch losses alone: the x axis counts batches.
    expect(lossCurveSvg({ batchLoss })).toContain('>batch</text>');
  });

  it('log scale: decade ticks, non-positive losses left out', () => {
    const svg = lossCurveSvg([1, 0.1, 0, 0.01, 0.001], { logY: true });
    checkXml(svg);
    expect(svg).toContain('>loss (log scale)</text>');
    for (const t of ['0.001', '0.01', '0.1', '1']) expect(svg).toContain(`>${t}</text>`);
    const d = pathOf(svg, 'epoch-loss');
    expect(countOf(d, 'M')).toBe(2); // broken at the zero
    expect(countOf(svg, '<circle')).toBe(4);
  });

  it('breaks the line at NaN and Infinity instead of drawing through them', () => {
    const d = pathOf(lossCurveSvg([1, 0.8, NaN, 0.5, Infinity, 0.4, 0.3]), 'epoch-loss');
    expect(countOf(d, 'M')).toBe(3);
    expect(countOf(d, 'L')).toBe(2);
  });

  it('an empty history still makes a valid document that says so; output is deterministic', () => {
    for (const h of [[], {}, { epochLoss: [NaN] }]) {
      const svg = lossCurveSvg(h);
      checkXml(svg);
      expect(svg).toContain('>no data</text>');
    }
    expect(lossCurveSvg({ epochLoss, batchLoss }, { logY: true })).toBe(lossCurveSvg({ epochLoss, batchLoss }, { logY: true }));
    expect(checkXml(lossCurveSvg([0.7])).counts.get('circle')).toBe(1);
  });

  it('errors', () => {
    expectError(() => lossCurveSvg(null as unknown as number[]), ValueError,
      '[lossCurveSvg] history must be an array of losses or { epochLoss, batchLoss }: got null');
    expectError(() => lossCurveSvg({ epochLoss: [1, '2' as unknown as number] }), ValueError,
      '[lossCurveSvg] epochLoss[1] must be a number: got string');
    expectError(() => lossCurveSvg([1], { width: 0 }), ValueError, '[lossCurveSvg] width must be a positive number: got 0');
    expectError(() => lossCurveSvg([1], { height: 60 }), ValueError,
      '[lossCurveSvg] a 640×60 document leaves no room for the plot: make it larger');
  });
});
