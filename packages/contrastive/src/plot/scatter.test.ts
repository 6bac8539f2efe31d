/** scatterSvg: well-formed, one circle per point, legend, escaping, thumbnails, determinism, input forms, errors. */
import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { Generator, ShapeError, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { scatterSvg, spreadOut } from './scatter.js';
import { TABLEAU10 } from './svg.js';
import { checkXml, countOf } from './test-utils/xml.js';

const g = new Generator(11);
const N = 200;
const points = g.normal([N, 2]);
const labels = Array.from({ length: N }, (_, i) => i % 10);
/** Fake 6×5 "digits": image i has ink in column i mod 5. */
const images = new Float32Array(N * 30).map((_, p) => (p % 5 === Math.floor(p / 30) % 5 ? 1 : 0));

/** The values of attribute `name` on every `<tag` element, in document order (plain string scanning). */
function attrs(svg: string, tag: string, name: string): string[] {
  const out: string[] = [];
  for (let i = svg.indexOf(`<${tag} `); i >= 0; i = svg.indexOf(`<${tag} `, i + 1)) {
    const end = svg.indexOf('>', i);
    const a = svg.indexOf(` ${name}="`, i);
    if (a < 0 || a > end) continue;
    out.push(svg.slice(a + name.length + 3, svg.indexOf('"', a + name.length + 3)));
  }
  return out;
}

describe('scatterSvg', () => {
  it('is a well-formed standalone SVG with one circle per point and a legend entry per class', () => {
    const svg = scatterSvg(points, labels, { title: 'DrLIM', xLabel: 'z₁', yLabel: 'z₂' });
    const { root, counts } = checkXml(svg);
    expect(root).toBe('svg');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(counts.get('circle')).toBe(N);
    expect(countOf(svg, 'class="legend-entry"')).toBe(10);
    for (let c = 0; c < 10; c++) expect(svg).toContain(`>${c}</text></g>`);
    expect(svg).toContain('>z₁</text>');
    // Colours by label value: digit 3 is Tableau 10's fourth colour.
    expect(attrs(svg, 'circle', 'fill')[3]).toBe(TABLEAU10[3]);
    // Every circle lies inside the frame (the first rect after the background).
    const frame = svg.slice(svg.indexOf('<rect', svg.indexOf('<rect') + 1));
    const [fx, fy, fw, fh] = ['x', 'y', 'width', 'height'].map((a) => Number(attrs(frame, 'rect', a)[0]));
    for (const [cx, cy] of attrs(svg, 'circle', 'cx').map((x, i) => [Number(x), Number(attrs(svg, 'circle', 'cy')[i])])) {
      expect(cx).toBeGreaterThanOrEqual(fx!);
      expect(cx).toBeLessThanOrEqual(fx! + fw!);
      expect(cy).toBeGreaterThanOrEqual(fy!);
      expect(cy).toBeLessThanOrEqual(fy! + fh!);
    }
  });

  it('escapes the title, class names and colours', () => {
    const svg = scatterSvg([[0, 0], [1, 1]], [0, 1], {
      title: 'a < b & "c"',
      classNames: { 0: '<zero>', 1: "one's" },
      colors: { 1: 'red"/><script' },
    });
    checkXml(svg);
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(svg).not.toContain('a < b');
    expect(svg).toContain('&lt;zero&gt;');
    expect(svg).toContain('one&#39;s');
    expect(svg).toContain('fill="red&quot;/&gt;&lt;script"');
    expect(svg).not.toContain('<script');
  });

  it('draws as many thumbnails as requested, at distinct points, as decodable PNGs', () => {
    const svg = scatterSvg(points, labels, { thumbnails: { images, size: [6, 5], count: 25, scale: 3 } });
    const { counts } = checkXml(svg);
    expect(counts.get('image')).toBe(25);
    expect(counts.get('circle')).toBe(N);
    expect(attrs(svg, 'image', 'width').every((w) => w === '15')).toBe(true);
    expect(attrs(svg, 'image', 'height').every((h) => h === '18')).toBe(true);
    // The first thumbnail's PNG holds its image, dark ink (0) on white (255).
    const uri = attrs(svg, 'image', 'xlink:href')[0]!;
    expect(uri.startsWith('data:image/png;base64,')).toBe(true);
    const png = new Uint8Array(Buffer.from(uri.slice(22), 'base64'));
    const idat = png.subarray(8 + 25 + 8, png.length - 12 - 4);
    const raw = zlib.inflateSync(idat);
    const first = spreadOut(
      Float64Array.from(attrs(svg, 'circle', 'cx'), Number), Float64Array.from(attrs(svg, 'circle', 'cy'), Number), 1, 0,
    )[0]!;
    const row = Array.from(raw.subarray(1, 6));
    expect(row).toEqual([0, 1, 2, 3, 4].map((x) => (x === first % 5 ? 0 : 255)));
    // More than there are points: one per point.
    expect(checkXml(scatterSvg([[0, 0], [1, 2]], [0, 1], { thumbnails: { images: new Float32Array(2 * 4), size: [2, 2] } })).counts.get('image')).toBe(2);
    expect(countOf(scatterSvg(points, labels, { thumbnails: { images, size: [6, 5], count: 0 } }), '<image')).toBe(0);
  });

  it('spreads thumbnails out: each next one is the point farthest from those already chosen', () => {
    const px = Float64Array.of(0, 1, 10, 5, 9.5), py = new Float64Array(5);
    expect(spreadOut(px, py, 5, 0).length).toBe(5);
    const order = spreadOut(px, py, 3, 0);
    const start = order[0]!;
    const far = (chosen: number[]): number => {
      let best = -1, bestGap = -1;
      for (let i = 0; i < 5; i++) {
        if (chosen.includes(i)) continue;
        const gap = Math.min(...chosen.map((c) => Math.abs(px[i]! - px[c]!)));
        if (gap > bestGap) [best, bestGap] = [i, gap];
      }
      return best;
    };
    expect(order[1]).toBe(far([start]));
    expect(order[2]).toBe(far([start, order[1]!]));
    expect(new Set(spreadOut(Float64Array.from({ length: 50 }, (_, i) => i), new Float64Array(50), 50, 3)).size).toBe(50);
  });

  it('is deterministic, and the same for a Tensor, a flat array and a list of pairs', () => {
    const opts = { title: 't', thumbnails: { images, size: [6, 5] as [number, number], count: 10, seed: 4 } };
    const a = scatterSvg(points, labels, opts);
    expect(scatterSvg(points, labels, opts)).toBe(a);
    const flat = Array.from(points.data);
    expect(scatterSvg(flat, labels, opts)).toBe(a);
    const pairs = Array.from({ length: N }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!] as const);
    expect(scatterSvg(pairs, labels, opts)).toBe(a);
    expect(scatterSvg(tensor(flat, { shape: [N, 2], dtype: 'float64' }), labels, opts)).toBe(a);
    const strided = tensor([flat.filter((_, i) => i % 2 === 0), flat.filter((_, i) => i % 2 === 1)]).transpose();
    expect(strided.isContiguous()).toBe(false);
    expect(scatterSvg(strided, labels, opts)).toBe(a);
    // A different seed starts the thumbnails elsewhere.
    expect(scatterSvg(points, labels, { ...opts, thumbnails: { ...opts.thumbnails, seed: 5 } })).not.toBe(a);
  });

  it('handles non-integer labels, a single point and no points', () => {
    const svg = scatterSvg([[0, 0], [1, 1], [2, 0]], [-1.5, 2.25, -1.5]);
    checkXml(svg);
    expect(attrs(svg, 'circle', 'fill')).toEqual([TABLEAU10[0], TABLEAU10[1], TABLEAU10[0]]); // by rank
    expect(svg).toContain('>-1.5</text>');
    expect(checkXml(scatterSvg([[3, 3]], [0])).counts.get('circle')).toBe(1);
    const empty = checkXml(scatterSvg([], []));
    expect(empty.counts.get('circle')).toBeUndefined();
  });

  it('errors', () => {
    expectError(() => scatterSvg(points, [1, 2]), ValueError, '[scatterSvg] labels has 2 entries but there are 200 points');
    expectError(() => scatterSvg(tensor([[1, 2, 3]]), [0]), ShapeError, '[scatterSvg] points must have shape [n,2]: got [1,3]');
    expectError(() => scatterSvg([1, 2, 3], [0]), ValueError, '[scatterSvg] flat points must hold x, y pairs: got 3 numbers');
    expectError(() => scatterSvg([[0, NaN]], [0]), ValueError, '[scatterSvg] point 0 is not finite: (0, NaN)');
    expectError(() => scatterSvg(points, labels, { thumbnails: { images, size: [5, 5] } }), ValueError,
      '[scatterSvg] thumbnails.images must hold 200 images of 5×5 (5000 values): got 6000 values');
    expectError(() => scatterSvg(points, labels, { width: 50 }), ValueError,
      '[scatterSvg] a 50×640 document leaves a -71×588 px plot area: make it larger');
  });
});
