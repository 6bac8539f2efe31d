/**
 * A 3-D scatter plot as a standalone SVG document: the same points seen from several viewpoints side by side
 * (orthographic projections, one panel each), coloured by class, drawn far to near so nearer points cover
 * farther ones, with the map's three axes as a small triad in each panel. The way DrLIM's paper shows its
 * 3-D airplane map from several angles.
 */
import { Tensor, ShapeError, ValueError, fmtShape } from '@tsgrad/tensor';
import { TABLEAU10, drawLegend, escapeXml, num, svgOpen, textWidth, type LegendEntry } from './svg.js';

/** A viewpoint: the camera's direction from the centre, in degrees. */
export interface View3d {
  /** Angle round the third axis, from the first axis towards the second. */
  azimuth: number;
  /** Angle above the plane of the first two axes. */
  elevation: number;
}

/** Options of {@link scatter3dSvg}. */
export interface Scatter3dOptions {
  /** Title above the panels. */
  title?: string;
  /** The viewpoints, one panel each (default two: azimuth 30°, elevation 20° and azimuth 120°, elevation 60°). */
  views?: readonly View3d[];
  /** Side of each square panel in px (default 360). */
  panelSize?: number;
  /** Legend text per label (default: the label itself). */
  classNames?: Record<number, string>;
  /** Colour per label (an array is indexed by the label value); the rest take Tableau 10 by label value or rank. */
  colors?: readonly string[] | Record<number, string>;
  /** Dot radius in px (default 3 up to 500 points, else 2). */
  pointRadius?: number;
  /** Dot opacity (default 0.85). */
  pointOpacity?: number;
  /** Names of the three axes in the triad (default z₁, z₂, z₃). */
  axisNames?: readonly [string, string, string];
  /** Draw no legend (e.g. for many classes whose colours are explained elsewhere; default false). */
  hideLegend?: boolean;
}

function readPoints3(op: string, points: unknown): Float64Array {
  if (!(points instanceof Tensor)) throw new ValueError(`[${op}] points must be a Tensor [n,3]: got ${points === null ? 'null' : typeof points}`);
  if (points.ndim !== 2 || points.shape[1] !== 3) throw new ShapeError(`[${op}] points must have shape [n,3]: got ${fmtShape(points.shape)}`);
  const n = points.shape[0]!, rs = points.strides[0]!, cs = points.strides[1]!;
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = points.data[points.offset + i * rs + c * cs]!;
      if (!Number.isFinite(v)) throw new ValueError(`[${op}] point ${i} is not finite: coordinate ${c} is ${v}`);
      out[3 * i + c] = v;
    }
  }
  return out;
}

/**
 * The screen basis of a view: right r = (−sin φ, cos φ, 0), up u = (−sin θ cos φ, −sin θ sin φ, cos θ) and the
 * direction towards the camera c = (cos θ cos φ, cos θ sin φ, sin θ), for azimuth φ and elevation θ.
 */
export function viewBasis(view: View3d): { right: number[]; up: number[]; toward: number[] } {
  const f = Math.PI / 180, a = view.azimuth * f, e = view.elevation * f;
  return {
    right: [-Math.sin(a), Math.cos(a), 0],
    up: [-Math.sin(e) * Math.cos(a), -Math.sin(e) * Math.sin(a), Math.cos(e)],
    toward: [Math.cos(e) * Math.cos(a), Math.cos(e) * Math.sin(a), Math.sin(e)],
  };
}

/**
 * A standalone SVG document of 3-D `points` [n, 3] coloured by `labels`, one orthographic panel per view. All
 * panels share the centre (the points' mean) and the scale (the largest distance from it fills the panel), so
 * distances compare across views. In each panel the points are drawn far to near; the frame's corner holds the
 * projected unit axes. Deterministic; all text escaped.
 */
export function scatter3dSvg(points: Tensor, labels: ArrayLike<number>, opts: Scatter3dOptions = {}): string {
  const op = 'scatter3dSvg';
  const p = readPoints3(op, points);
  const n = p.length / 3;
  if (labels === null || typeof labels !== 'object' || labels.length !== n) {
    throw new ValueError(`[${op}] labels must be an array of ${n} numbers (one per point): got ${labels === null || typeof labels !== 'object' ? String(labels) : `${labels.length} entries`}`);
  }
  const lab = Float64Array.from({ length: n }, (_, i) => {
    const v = labels[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`[${op}] labels[${i}] must be a finite number: got ${String(v)}`);
    return v;
  });
  const views = opts.views ?? [{ azimuth: 30, elevation: 20 }, { azimuth: 120, elevation: 60 }];
  if (views.length === 0) throw new ValueError(`[${op}] views must hold at least one view`);
  for (const [i, v] of views.entries()) {
    if (!Number.isFinite(v?.azimuth) || !Number.isFinite(v?.elevation)) throw new ValueError(`[${op}] views[${i}] must have finite azimuth and elevation`);
  }
  const size = opts.panelSize ?? 360;
  if (!(typeof size === 'number' && size >= 80 && Number.isFinite(size))) throw new ValueError(`[${op}] panelSize must be a number ≥ 80: got ${String(size)}`);
  const radius = opts.pointRadius ?? (n <= 500 ? 3 : 2);
  if (!(typeof radius === 'number' && radius > 0 && Number.isFinite(radius))) throw new ValueError(`[${op}] pointRadius must be a positive number: got ${String(radius)}`);
  const opacity = opts.pointOpacity ?? 0.85;
  if (!(typeof opacity === 'number' && opacity >= 0 && opacity <= 1)) throw new ValueError(`[${op}] pointOpacity must be in [0, 1]: got ${String(opacity)}`);

  const classes = [...new Set(lab)].sort((a, b) => a - b);
  const byValue = classes.every((c) => Number.isInteger(c) && c >= 0);
  const color = new Map<number, string>();
  classes.forEach((c, rank) => {
    const given = opts.colors === undefined ? undefined : (opts.colors as Record<number, string | undefined>)[c];
    color.set(c, typeof given === 'string' ? given : TABLEAU10[(byValue ? c : rank) % TABLEAU10.length]!);
  });
  const legend: LegendEntry[] = opts.hideLegend ? [] : classes.map((c) => ({ label: opts.classNames?.[c] ?? String(c), color: color.get(c)! }));
  const legendWidth = legend.length === 0 ? 0 : 18 + Math.max(...legend.map((e) => textWidth(e.label, 12))) + 16;

  const top = opts.title ? 40 : 12, gap = 12;
  const width = gap + views.length * (size + gap) + legendWidth;
  const height = Math.max(top + size + 28, top + legend.length * 18 + 12);

  const centre = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) centre[c]! += p[3 * i + c]! / n;
  let reach = 0;
  for (let i = 0; i < n; i++) reach = Math.max(reach, Math.hypot(p[3 * i]! - centre[0]!, p[3 * i + 1]! - centre[1]!, p[3 * i + 2]! - centre[2]!));
  const scale = reach > 0 ? (size / 2 - 14) / reach : 1;
  const names = opts.axisNames ?? ['z₁', 'z₂', 'z₃'];

  let out = svgOpen(width, height);
  if (opts.title) {
    out += `<title>${escapeXml(opts.title)}</title>\n`;
    out += `<text class="title" x="${num(width / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="bold" fill="#111111">${escapeXml(opts.title)}</text>\n`;
  }
  views.forEach((view, k) => {
    const left = gap + k * (size + gap), cx = left + size / 2, cy = top + size / 2;
    const { right, up, toward } = viewBasis(view);
    const sx = new Float64Array(n), sy = new Float64Array(n), depth = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let a = 0, b = 0, d = 0;
      for (let c = 0; c < 3; c++) {
        const z = p[3 * i + c]! - centre[c]!;
        a += z * right[c]!;
        b += z * up[c]!;
        d += z * toward[c]!;
      }
      sx[i] = cx + a * scale;
      sy[i] = cy - b * scale;
      depth[i] = d;
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => depth[i]! - depth[j]! || i - j);
    const dots = order.map((i) => `<circle cx="${num(sx[i]!)}" cy="${num(sy[i]!)}" r="${num(radius)}" fill="${escapeXml(color.get(lab[i]!))}"/>`);
    out += `<g class="panel">\n<rect x="${num(left)}" y="${num(top)}" width="${num(size)}" height="${num(size)}" fill="none" stroke="#333333" stroke-width="1"/>\n`;
    out += `<g class="points" fill-opacity="${num(opacity)}" stroke="#ffffff" stroke-width="0.4">\n${dots.join('\n')}${n > 0 ? '\n' : ''}</g>\n`;
    // The triad: each unit axis projected, 22 px long when it lies in the screen plane.
    const ox = left + 30, oy = top + size - 30;
    const triad: string[] = [];
    for (let c = 0; c < 3; c++) {
      const ex = ox + 22 * right[c]!, ey = oy - 22 * up[c]!;
      triad.push(`<path d="M${num(ox)} ${num(oy)}L${num(ex)} ${num(ey)}" stroke="#555555" stroke-width="1.2"/>`);
      triad.push(`<text x="${num(ox + 30 * right[c]!)}" y="${num(oy - 30 * up[c]! + 4)}" text-anchor="middle" font-size="10" fill="#555555">${escapeXml(names[c])}</text>`);
    }
    out += `<g class="triad">${triad.join('')}</g>\n`;
    out += `<text x="${num(cx)}" y="${num(top + size + 18)}" text-anchor="middle" fill="#333333">view: azimuth ${num(view.azimuth, 1)}°, elevation ${num(view.elevation, 1)}°</text>\n</g>\n`;
  });
  if (legend.length > 0) out += drawLegend(legend, gap + views.length * (size + gap) + 4, top);
  return out + '</svg>\n';
}
