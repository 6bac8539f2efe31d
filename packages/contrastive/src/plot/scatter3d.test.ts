/** scatter3dSvg: well-formed, one circle per point per view, projection and depth order, shared scale, legend, errors. */
import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { scatter3dSvg, viewBasis } from './scatter3d.js';
import { TABLEAU10 } from './svg.js';
import { checkXml, countOf } from './test-utils/xml.js';

/** [cx, cy, fill] of every circle, panel by panel. */
function circles(svg: string): [number, number, string][][] {
  return svg.split('<g class="panel">').slice(1).map((panel) =>
    [...panel.matchAll(/<circle cx="([-\d.]+)" cy="([-\d.]+)" r="[\d.]+" fill="([^"]+)"\/>/g)].map((m) => [Number(m[1]), Number(m[2]), m[3]!] as [number, number, string]),
  );
}

describe('scatter3dSvg', () => {
  const g = new Generator(3);
  const pts = g.normal([50, 3]);
  const labels = Array.from({ length: 50 }, (_, i) => i % 4);

  it('is a well-formed SVG with one panel per view, every point in each, and a legend entry per class', () => {
    const views = [{ azimuth: 0, elevation: 0 }, { azimuth: 90, elevation: 0 }, { azimuth: 0, elevation: 90 }];
    const svg = scatter3dSvg(pts, labels, { title: 'map & <views>', views, classNames: { 0: 'zero' } });
    const { root, counts } = checkXml(svg);
    expect(root).toBe('svg');
    expect(counts.get('circle')).toBe(150);
    expect(countOf(svg, 'class="panel"')).toBe(3);
    expect(countOf(svg, 'class="legend-entry"')).toBe(4);
    expect(svg).toContain('>zero</text>');
    expect(svg).toContain('map &amp; &lt;views&gt;');
    expect(svg).toContain('view: azimuth 90°, elevation 0°');
    for (const panel of circles(svg)) expect(new Set(panel.map((c) => c[2]))).toEqual(new Set(TABLEAU10.slice(0, 4)));
  });

  it('projects orthographically: the view from azimuth 0 shows (z₂, z₃), drawn far to near along z₁', () => {
    const p = tensor([[5, 0, 0], [-5, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const [front] = circles(scatter3dSvg(p, [0, 1, 2, 3], { views: [{ azimuth: 0, elevation: 0 }], colors: ['#a00000', '#00a000', '#0000a0', '#a0a000'] }));
    // Order: farthest (−5 along z₁) first, nearest (+5) last.
    expect(front!.map((c) => c[2])).toEqual(['#00a000', '#0000a0', '#a0a000', '#a00000']);
    const at = (fill: string): [number, number] => front!.find((c) => c[2] === fill)!.slice(0, 2) as [number, number];
    // The two points on z₁ project to the same spot; z₂ points right, z₃ up (SVG y grows downwards).
    expect(at('#a00000')).toEqual(at('#00a000'));
    expect(at('#0000a0')[0]).toBeGreaterThan(at('#a00000')[0]);
    expect(at('#0000a0')[1]).toBeCloseTo(at('#a00000')[1], 1);
    expect(at('#a0a000')[1]).toBeLessThan(at('#a00000')[1]);
    // Same scale in every view: a unit step along z₂ seen from the front equals a unit step along z₁ seen from the side.
    const [side] = circles(scatter3dSvg(p, [0, 1, 2, 3], { views: [{ azimuth: 90, elevation: 0 }], colors: ['#a00000', '#00a000', '#0000a0', '#a0a000'] }));
    const dxFront = at('#0000a0')[0] - at('#a00000')[0];
    const sideAt = (fill: string): number => side!.find((c) => c[2] === fill)![0];
    expect(Math.abs(sideAt('#a00000') - sideAt('#0000a0'))).toBeCloseTo(5 * dxFront, 0);
  });

  it('viewBasis is orthonormal and right-handed (right × up = towards the camera)', () => {
    for (const v of [{ azimuth: 30, elevation: 20 }, { azimuth: -170, elevation: 75 }]) {
      const { right: r, up: u, toward: c } = viewBasis(v);
      const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
      for (const [a, b, want] of [[r, r, 1], [u, u, 1], [c, c, 1], [r, u, 0], [r, c, 0], [u, c, 0]] as const) expect(dot(a, b)).toBeCloseTo(want, 12);
      expect([r[1]! * u[2]! - r[2]! * u[1]!, r[2]! * u[0]! - r[0]! * u[2]!, r[0]! * u[1]! - r[1]! * u[0]!].map((x, i) => x - c[i]!).every((x) => Math.abs(x) < 1e-12)).toBe(true);
    }
  });

  it('is deterministic, and can hide the legend', () => {
    expect(scatter3dSvg(pts, labels)).toBe(scatter3dSvg(pts, labels));
    expect(countOf(scatter3dSvg(pts, labels, { hideLegend: true }), 'class="legend-entry"')).toBe(0);
  });

  it('errors', () => {
    expectError(() => scatter3dSvg(tensor([[1, 2]]), [0]), ShapeError, '[scatter3dSvg] points must have shape [n,3]: got [1,2]');
    expectError(() => scatter3dSvg(tensor([[1, 2, NaN]]), [0]), ValueError, '[scatter3dSvg] point 0 is not finite: coordinate 2 is NaN');
    expectError(() => scatter3dSvg(pts, [0, 1]), ValueError, '[scatter3dSvg] labels must be an array of 50 numbers (one per point): got 2 entries');
    expectError(() => scatter3dSvg(pts, labels, { views: [] }), ValueError, '[scatter3dSvg] views must hold at least one view');
    expectError(() => scatter3dSvg(pts, labels, { panelSize: 10 }), ValueError, '[scatter3dSvg] panelSize must be a number ≥ 80: got 10');
  });
});
