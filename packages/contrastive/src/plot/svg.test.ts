/** SVG helpers: escaping, number formatting, nice and log ticks, and the test-side XML checker itself. */
import { describe, expect, it } from 'vitest';
import { escapeXml, formatTick, logTicks, niceStep, niceTicks, num, paddedRange } from './svg.js';
import { checkXml, countOf } from './test-utils/xml.js';

describe('escapeXml', () => {
  it('escapes markup characters and drops characters XML forbids', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;');
    expect(escapeXml('bell\u0007 tab\t nl\n \uFFFE')).toBe('bell tab\t nl\n ');
    expect(escapeXml('lone \uD800 pair \uD83D\uDE00 low \uDC00')).toBe('lone  pair \uD83D\uDE00 low ');
    expect(escapeXml(42)).toBe('42');
  });
});

describe('numbers and ticks', () => {
  it('num rounds to 2 decimals without noise or -0', () => {
    expect([num(1), num(0.1 + 0.2), num(-0.001), num(12.345678), num(1e-7)]).toEqual(['1', '0.3', '0', '12.35', '0']);
  });

  it('niceStep picks 1, 2 or 5 × 10^k', () => {
    const cases: [number, number, number][] = [[1, 5, 0.2], [10, 5, 2], [7, 6, 1], [100, 4, 20], [0.03, 6, 0.005], [3, 6, 0.5]];
    for (const [span, target, step] of cases) expect(niceStep(span, target)).toBeCloseTo(step, 12);
    expect(niceStep(0)).toBe(1);
  });

  it('niceTicks: multiples of the step inside the range, labels with just enough decimals', () => {
    expect(niceTicks(0, 1, 5)).toEqual({ values: [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1], labels: ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0'] });
    expect(niceTicks(-13, 27, 4).labels).toEqual(['-10', '0', '10', '20']);
    expect(niceTicks(0.5, 3.5, 10, 1).labels).toEqual(['1', '2', '3']); // minStep keeps epochs integral
    expect(formatTick(-0.00001, 0.1)).toBe('0.0');
  });

  it('logTicks: decades, or 1-2-5 when few decades fit', () => {
    expect(logTicks(0.001, 100).labels).toEqual(['0.001', '0.01', '0.1', '1', '10', '100']);
    // No decade fits and only two of 1-2-5: the finer 1..9 (and 1.5) multiples.
    expect(logTicks(0.15, 0.9).labels).toEqual(['0.15', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9']);
    expect(logTicks(0.3, 4).labels).toEqual(['0.5', '1', '2']);
    expect(logTicks(1e-7, 1e-5).labels).toEqual(['1e-7', '1e-6', '1e-5']);
    expect(logTicks(2e-7, 3e-6).labels).toEqual(['2e-7', '5e-7', '1e-6', '2e-6']);
    expect(logTicks(2e4, 3e5).labels).toEqual(['20000', '50000', '1e5', '2e5']);
  });

  it('paddedRange widens empty and non-finite ranges', () => {
    expect(paddedRange(0, 10)).toEqual([-0.4, 10.4]);
    expect(paddedRange(3, 3)).toEqual([1.5, 4.5]);
    expect(paddedRange(0, 0)).toEqual([-1, 1]);
    expect(paddedRange(Infinity, -Infinity)).toEqual([0, 1]);
  });
});

describe('checkXml (test helper)', () => {
  it('accepts well-formed documents and counts elements', () => {
    const r = checkXml('<?xml version="1.0"?>\n<svg a="1" b=\'&lt;&#60;&#x3C;\'><g><circle/><circle r="2"/></g><!-- ok --><text>a &amp; b</text></svg>\n');
    expect(r.root).toBe('svg');
    expect(r.counts.get('circle')).toBe(2);
    expect(countOf('<circle/><circle/>', '<circle')).toBe(2);
  });

  it.each([
    ['<svg><g></svg>', '</svg> closes <g>'],
    ['<svg>', 'unclosed <svg>'],
    ['<svg a="1" a="2"/>', 'duplicate attribute a'],
    ['<svg a=1/>', 'not quoted'],
    ['<svg a="<"/>', "raw '<' in an attribute value"],
    ['<svg>a & b</svg>', "unterminated '&'"],
    ['<svg>&bogus;</svg>', 'unknown reference &bogus;'],
    ['<svg/><svg/>', 'second root element'],
    ['<svg/>text', 'text outside the root element'],
    ['<svg><!-- a -- b --></svg>', "'--' inside a comment"],
    ['<svg a="1"b="2"/>', 'expected whitespace before an attribute'],
    ['', 'no root element'],
  ])('rejects %j', (doc, message) => {
    expect(() => checkXml(doc)).toThrow(message);
  });
});
