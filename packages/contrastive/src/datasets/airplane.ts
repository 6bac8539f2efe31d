/**
 * A toy airplane photographed on a turntable, rendered here: the stand-in for the NORB airplane of DrLIM's third
 * experiment (Hadsell, Chopra & LeCun 2006, §4.3), which cannot be downloaded here. The grid is NORB's: 18
 * azimuths (0°, 20°, …, 340°), 9 elevations (30°, 35°, …, 70°) and 6 lighting conditions, 972 images.
 *
 * The scene. The airplane is built from convex solids: a lofted fuselage (12-sided rings of varying radii, a
 * pointed nose, a capped tail), swept wings and tailplane (thin trapezoidal slabs) and a fin. It sits on a
 * turntable: the azimuth turns the airplane about the vertical axis, the camera looks down at the elevation
 * angle, and the lights stay fixed in the room, so turning the airplane also turns which of its sides is lit,
 * as in NORB. The projection is orthographic, the background uniform black.
 *
 * Shading is flat Lambertian plus ambient: a face with outward unit normal n, under lights of direction ℓ_k and
 * strength s_k, has grey level a + Σ_k s_k·max(0, n·ℓ_k), clamped to [0, 1]. The six lighting conditions switch
 * four room lights on and off, in combinations that move the bright side of the airplane around it (and one dim
 * one), so one pose under two lightings is often farther apart in pixels than two neighbouring poses under one
 * lighting: the nuisance that LLE, working from pixel distances, organises its map by.
 *
 * Rasterisation. Triangles are scan-converted with edge functions onto a grid supersampled `supersample` times in
 * each direction, with a z-buffer; each output pixel is the mean of its samples, rounded to 8 bits.
 *
 * Determinism: the same bytes on every run and platform. The per-sample path uses only +, −, × and ÷ on float64,
 * which IEEE 754 rounds exactly, in a fixed order (JavaScript never fuses a multiply-add). The only transcendental
 * values, the sines and cosines of the view angles and of the fuselage's ring, come from {@link sinDeg}, a Taylor
 * polynomial after an exact range reduction, and the normals' lengths from {@link sqrtDet}, a fixed Newton
 * iteration: neither calls Math.sin/cos/sqrt, whose last bits the language leaves to the platform. The 8-bit
 * rounding then makes a checksum of the images meaningful (the test pins one).
 *
 * No Node API: this runs unchanged in a browser.
 */
import { Tensor, ValueError } from '@tsgrad/tensor';

/** The 18 azimuths of the grid, in degrees: 0, 20, …, 340. */
export const AIRPLANE_AZIMUTHS: readonly number[] = Array.from({ length: 18 }, (_, i) => 20 * i);
/** The 9 elevations of the grid, in degrees: 30, 35, …, 70. */
export const AIRPLANE_ELEVATIONS: readonly number[] = Array.from({ length: 9 }, (_, i) => 30 + 5 * i);
/** The number of lighting conditions (indices 0 … 5). */
export const AIRPLANE_LIGHTINGS = 6;

// ---- deterministic arithmetic ------------------------------------------------------------------------------

const PI = 3.141592653589793;

/**
 * sin(d°), deterministic to the bit on every platform: d is reduced to r ∈ [−45°, 45°] and a quadrant by exact
 * arithmetic (for integer d the reduction is exact; otherwise it is one correctly rounded subtraction), then
 * sin or cos of r·π/180 comes from its Taylor polynomial to the x¹⁷ or x¹⁸ term (error < 1e-17 on [−π/4, π/4]),
 * evaluated by Horner's rule with + and × only.
 */
export function sinDeg(d: number): number {
  if (!Number.isFinite(d)) throw new ValueError(`[sinDeg] the angle must be finite: got ${String(d)}`);
  // q = nearest multiple of 90° (as a quadrant 0..3), r = d − 90·q ∈ [−45, 45].
  const k = Math.round(d / 90);
  const r = d - 90 * k;
  const q = ((k % 4) + 4) % 4;
  const x = (r * PI) / 180;
  const x2 = x * x;
  // sin x = x(1 − x²/3!(1 − x²/(4·5)(1 − …))) and cos x = 1 − x²/2!(1 − x²/(3·4)(1 − …)), nested.
  let s = 1, c = 1;
  for (let n = 8; n >= 1; n--) {
    s = 1 - (x2 / ((2 * n) * (2 * n + 1))) * s;
    c = 1 - (x2 / ((2 * n - 1) * (2 * n))) * c;
  }
  s *= x;
  const v = q === 0 ? s : q === 1 ? c : q === 2 ? -s : -c;
  return v + 0; // no −0
}

/** cos(d°), deterministic: sin(d° + 90°). */
export function cosDeg(d: number): number {
  return sinDeg(d + 90);
}

/**
 * √x for x ≥ 0, deterministic to the bit on every platform: x is scaled by an exact power of 4 into [1, 4), six
 * Newton steps y ← (y + x/y)/2 from y = 1.5 (the error squares each step: 0.5 → below 1e-16), and the result is
 * scaled back by the matching power of 2. Within one ulp of the correctly rounded root.
 */
export function sqrtDet(x: number): number {
  if (!(x >= 0) || !Number.isFinite(x)) throw new ValueError(`[sqrtDet] needs a finite x ≥ 0: got ${String(x)}`);
  if (x === 0) return 0;
  let m = x, scale = 1;
  while (m >= 4) {
    m /= 4;
    scale *= 2;
  }
  while (m < 1) {
    m *= 4;
    scale /= 2;
  }
  let y = 1.5;
  for (let i = 0; i < 6; i++) y = 0.5 * (y + m / y);
  return y * scale;
}

// ---- the model -----------------------------------------------------------------------------------------------

type Vec3 = readonly [number, number, number];

/** The airplane as flat triangles: 9 coordinates and an outward unit normal per triangle. */
interface Mesh {
  /** [x0 y0 z0 x1 y1 z1 x2 y2 z2] per triangle, in model space (x nose, y left wing, z up). */
  vertices: Float64Array;
  /** [nx ny nz] per triangle, unit length, pointing out of its solid. */
  normals: Float64Array;
  count: number;
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
function unit(a: Vec3): Vec3 {
  const l = sqrtDet(dot(a, a));
  return [a[0] / l, a[1] / l, a[2] / l];
}

class MeshBuilder {
  private vs: number[] = [];
  private ns: number[] = [];

  /** Adds triangle abc, its normal turned to point away from `inside` (a point inside the convex solid). */
  tri(a: Vec3, b: Vec3, c: Vec3, inside: Vec3): void {
    const n = cross(sub(b, a), sub(c, a));
    if (dot(n, n) === 0) return; // degenerate (e.g. a ring of radius 0 meeting the nose)
    const centroid: Vec3 = [(a[0] + b[0] + c[0]) / 3, (a[1] + b[1] + c[1]) / 3, (a[2] + b[2] + c[2]) / 3];
    const u = unit(dot(n, sub(centroid, inside)) < 0 ? [-n[0], -n[1], -n[2]] : n);
    this.vs.push(...a, ...b, ...c);
    this.ns.push(...u);
  }

  /** A convex polygon (listed around its boundary) as a triangle fan. */
  polygon(ps: readonly Vec3[], inside: Vec3): void {
    for (let i = 1; i + 1 < ps.length; i++) this.tri(ps[0]!, ps[i]!, ps[i + 1]!, inside);
  }

  /**
   * A slab: the convex polygon `outline` (points in the plane spanned by two axes) thickened by ±t/2 along the
   * third axis `axis` (0 x, 1 y, 2 z): both faces and the side walls.
   */
  slab(outline: readonly Vec3[], axis: 0 | 1 | 2, t: number): void {
    const off = (p: Vec3, s: number): Vec3 => [p[0] + (axis === 0 ? s : 0), p[1] + (axis === 1 ? s : 0), p[2] + (axis === 2 ? s : 0)];
    const lo = outline.map((p) => off(p, -t / 2)), hi = outline.map((p) => off(p, t / 2));
    const mean = (k: 0 | 1 | 2): number => outline.reduce((s, p) => s + p[k], 0) / outline.length;
    const c: Vec3 = [mean(0), mean(1), mean(2)];
    this.polygon(lo, c);
    this.polygon(hi, c);
    for (let i = 0; i < outline.length; i++) {
      const j = (i + 1) % outline.length;
      this.polygon([lo[i]!, lo[j]!, hi[j]!, hi[i]!], c);
    }
  }

  build(): Mesh {
    return { vertices: Float64Array.from(this.vs), normals: Float64Array.from(this.ns), count: this.ns.length / 3 };
  }
}

/** Fuselage stations: x, half-width, half-height and centre height of each 12-sided ring, tail to nose. */
const FUSELAGE: readonly (readonly [number, number, number, number])[] = [
  [-1.0, 0.04, 0.07, 0.1],
  [-0.7, 0.09, 0.11, 0.05],
  [-0.2, 0.13, 0.15, 0.0],
  [0.45, 0.13, 0.15, 0.0],
  [0.75, 0.1, 0.11, -0.01],
];
const NOSE: Vec3 = [1.0, 0, -0.02];
const RING = 12;

function buildAirplane(): Mesh {
  const m = new MeshBuilder();
  const rings = FUSELAGE.map(([x, ry, rz, zc]) =>
    Array.from({ length: RING }, (_, k): Vec3 => [x, ry * cosDeg((360 * k) / RING), zc + rz * sinDeg((360 * k) / RING)]),
  );
  for (let s = 0; s + 1 < rings.length; s++) {
    const a = rings[s]!, b = rings[s + 1]!;
    const inside: Vec3 = [(FUSELAGE[s]![0] + FUSELAGE[s + 1]![0]) / 2, 0, (FUSELAGE[s]![3] + FUSELAGE[s + 1]![3]) / 2];
    for (let k = 0; k < RING; k++) {
      const k1 = (k + 1) % RING;
      m.tri(a[k]!, b[k]!, b[k1]!, inside);
      m.tri(a[k]!, b[k1]!, a[k1]!, inside);
    }
  }
  const last = rings[rings.length - 1]!, lastStation = FUSELAGE[FUSELAGE.length - 1]!;
  const noseInside: Vec3 = [(lastStation[0] + NOSE[0]) / 2, 0, (lastStation[3] + NOSE[2]) / 2];
  for (let k = 0; k < RING; k++) m.tri(last[k]!, last[(k + 1) % RING]!, NOSE, noseInside);
  const tail = FUSELAGE[0]!;
  m.polygon(rings[0]!, [tail[0] + 0.1, 0, tail[3]]);
  // Wings: swept back, flat (no dihedral), a little below the fuselage's axis.
  for (const side of [1, -1]) {
    m.slab([[0.28, 0.1 * side, -0.06], [-0.2, 0.1 * side, -0.06], [-0.42, 1.05 * side, -0.06], [-0.22, 1.05 * side, -0.06]], 2, 0.035);
    // Tailplane.
    m.slab([[-0.72, 0.05 * side, 0.09], [-0.95, 0.05 * side, 0.09], [-1.02, 0.42 * side, 0.09], [-0.9, 0.42 * side, 0.09]], 2, 0.025);
  }
  // Fin: vertical, on top of the tail.
  m.slab([[-0.68, 0, 0.12], [-0.98, 0, 0.12], [-1.06, 0, 0.5], [-0.94, 0, 0.5]], 1, 0.025);
  return m.build();
}

let cachedMesh: Mesh | null = null;
const mesh = (): Mesh => (cachedMesh ??= buildAirplane());

// ---- lights --------------------------------------------------------------------------------------------------

/**
 * Four room lights, as unit directions towards each light in the room frame of `renderAirplane` (x towards the
 * camera, horizontally; y to the camera's right; z up).
 */
const ROOM_LIGHTS: readonly Vec3[] = ([
  [0.35, 0.9, 0.6], // upper right, a little in front
  [0.35, -0.9, 0.6], // upper left, a little in front
  [-0.9, 0.2, 0.4], // behind the airplane, low
  [0.5, 0.0, 1.0], // overhead, in front
] as const satisfies readonly Vec3[]).map((v) => unit(v));

/** Each condition: the ambient level and the strength of each of the four lights (0 = off). */
const CONDITIONS: readonly (readonly [number, number, number, number, number])[] = [
  [0.12, 0.95, 0, 0, 0], // right only
  [0.12, 0, 0.95, 0, 0], // left only
  [0.06, 0, 0, 0.9, 0], // back light: the visible side mostly in shade
  [0.15, 0, 0, 0, 0.9], // overhead
  [0.1, 0.5, 0.5, 0, 0.2], // both sides, softer
  [0.05, 0.3, 0, 0.3, 0], // dim: right and back at low power
];

/** Background grey level (uniform, as NORB's): black, so that every lit or shaded face stands out from it. */
const BACKGROUND = 0;

// ---- rendering -----------------------------------------------------------------------------------------------

/** Options of {@link renderAirplane}. */
export interface RenderOptions {
  /** Side of the square image in pixels (default 48). */
  size?: number;
  /** Samples per pixel along each axis, averaged (default 4: 16 samples a pixel). */
  supersample?: number;
}

function checkSize(op: string, name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new ValueError(`[${op}] ${name} must be an integer in [${lo}, ${hi}]: got ${String(v)}`);
  }
  return v;
}

/**
 * One grey image of the airplane, `size × size` bytes (row-major, top row first; 0 black, 255 white), seen from
 * `elevation` degrees above the horizon with the turntable at `azimuth` degrees, under lighting condition
 * `lighting` (0 … 5). Orthographic camera: the airplane's ±1.25 units fill the frame.
 *
 * Geometry, in the room frame (x towards the camera horizontally, y to its right, z up): the turntable turns a
 * model point p (x nose, y left wing, z up) by the azimuth φ about z, q = R_z(φ)·p; the camera looks at the
 * origin from the direction c = (cos θ, 0, sin θ) at elevation θ, so q lands at screen (q·r, q·u) with right
 * r = (0, 1, 0) and up u = (−sin θ, 0, cos θ), at depth q·c (larger is nearer). The lights are fixed in the room,
 * so what is lit depends on the azimuth too.
 */
export function renderAirplane(azimuth: number, elevation: number, lighting: number, opts: RenderOptions = {}): Uint8Array {
  const op = 'renderAirplane';
  if (typeof azimuth !== 'number' || !Number.isFinite(azimuth)) throw new ValueError(`[${op}] azimuth must be a finite number of degrees: got ${String(azimuth)}`);
  if (typeof elevation !== 'number' || !(elevation >= -90 && elevation <= 90)) throw new ValueError(`[${op}] elevation must be in [-90, 90] degrees: got ${String(elevation)}`);
  checkSize(op, 'lighting', lighting, 0, AIRPLANE_LIGHTINGS - 1);
  const size = checkSize(op, 'size', opts.size ?? 48, 4, 1024);
  const ss = checkSize(op, 'supersample', opts.supersample ?? 4, 1, 16);
  const S = size * ss;
  const { vertices, normals, count } = mesh();

  const ca = cosDeg(azimuth), sa = sinDeg(azimuth), ce = cosDeg(elevation), se = sinDeg(elevation);
  // Screen scale: model units to sample units; the ±1.25 box fills the image.
  const scale = S / 2.5, half = S / 2;
  const cond = CONDITIONS[lighting]!;

  // Project every vertex once: screen x, screen y (down), depth (towards the camera = larger).
  const nv = count * 3;
  const sx = new Float64Array(nv), sy = new Float64Array(nv), sz = new Float64Array(nv);
  for (let v = 0; v < nv; v++) {
    const x = vertices[3 * v]!, y = vertices[3 * v + 1]!, z = vertices[3 * v + 2]!;
    const qx = ca * x - sa * y, qy = sa * x + ca * y, qz = z;
    sx[v] = half + qy * scale; // r = (0, 1, 0)
    sy[v] = half - (-se * qx + ce * qz) * scale; // u = (−sin θ, 0, cos θ), screen y grows downwards
    sz[v] = ce * qx + se * qz; // c = (cos θ, 0, sin θ)
  }
  // Flat shade of every face, in the room frame.
  const shade = new Float64Array(count);
  for (let t = 0; t < count; t++) {
    const x = normals[3 * t]!, y = normals[3 * t + 1]!, z = normals[3 * t + 2]!;
    const n: Vec3 = [ca * x - sa * y, sa * x + ca * y, z];
    let g = cond[0];
    for (let k = 0; k < 4; k++) {
      const s = cond[k + 1]!;
      if (s === 0) continue;
      const d = dot(n, ROOM_LIGHTS[k]!);
      if (d > 0) g += s * d;
    }
    shade[t] = g > 1 ? 1 : g;
  }

  const depth = new Float64Array(S * S).fill(-Infinity);
  const color = new Float64Array(S * S).fill(BACKGROUND);
  for (let t = 0; t < count; t++) rasterise(t * 3, sx, sy, sz, shade[t]!, S, depth, color);

  // Box filter down to the output and round to 8 bits (round half up, exactly: the mean is a sum of at most
  // 256 grey levels over 16 or so samples, rounded once).
  const out = new Uint8Array(size * size);
  const inv = 255 / (ss * ss);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let s = 0;
      for (let dy = 0; dy < ss; dy++) {
        const row = (py * ss + dy) * S + px * ss;
        for (let dx = 0; dx < ss; dx++) s += color[row + dx]!;
      }
      out[py * size + px] = Math.floor(s * inv + 0.5);
    }
  }
  return out;
}

/**
 * Scan-converts triangle (v, v+1, v+2) into the S×S sample grid: each sample centre (x + ½, y + ½) inside the
 * triangle (all three edge functions of one sign, zero counting as inside) whose interpolated depth is nearer than
 * the z-buffer's takes the face's grey level. Strict comparison: on a depth tie the face drawn first stays.
 */
function rasterise(
  v: number, sx: Float64Array, sy: Float64Array, sz: Float64Array, grey: number,
  S: number, depth: Float64Array, color: Float64Array,
): void {
  const x0 = sx[v]!, y0 = sy[v]!, x1 = sx[v + 1]!, y1 = sy[v + 1]!, x2 = sx[v + 2]!, y2 = sy[v + 2]!;
  const area = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0);
  if (area === 0) return; // seen edge-on
  const sign = area > 0 ? 1 : -1;
  const z0 = sz[v]! / area, z1 = sz[v + 1]! / area, z2 = sz[v + 2]! / area;
  const xmin = Math.max(0, Math.floor(Math.min(x0, x1, x2))), xmax = Math.min(S - 1, Math.ceil(Math.max(x0, x1, x2)));
  const ymin = Math.max(0, Math.floor(Math.min(y0, y1, y2))), ymax = Math.min(S - 1, Math.ceil(Math.max(y0, y1, y2)));
  for (let y = ymin; y <= ymax; y++) {
    const py = y + 0.5;
    for (let x = xmin; x <= xmax; x++) {
      const px = x + 0.5;
      const w0 = (x2 - x1) * (py - y1) - (y2 - y1) * (px - x1);
      const w1 = (x0 - x2) * (py - y2) - (y0 - y2) * (px - x2);
      const w2 = (x1 - x0) * (py - y0) - (y1 - y0) * (px - x0);
      if (sign * w0 < 0 || sign * w1 < 0 || sign * w2 < 0) continue;
      const d = w0 * z0 + w1 * z1 + w2 * z2;
      const o = y * S + x;
      if (d > depth[o]!) {
        depth[o] = d;
        color[o] = grey;
      }
    }
  }
}

// ---- the data set --------------------------------------------------------------------------------------------

/** Options of {@link airplaneDataset}: a sub-grid, and the image size. */
export interface AirplaneDatasetOptions extends RenderOptions {
  /** Azimuths in degrees (default the 18 of the grid). */
  azimuths?: readonly number[];
  /** Elevations in degrees (default the 9 of the grid). */
  elevations?: readonly number[];
  /** Lighting conditions (default all 6: 0 … 5). */
  lightings?: readonly number[];
}

/** The rendered images and, for each, its place in the grid. */
export interface AirplaneDataset {
  /** [n, size, size] float32 grey levels in [0, 1] (the bytes / 255). */
  images: Tensor;
  /** The same images as bytes, n·size·size. */
  pixels: Uint8Array;
  /** Index into `azimuths` of each image. */
  azimuth: Int32Array;
  /** Index into `elevations` of each image. */
  elevation: Int32Array;
  /** Lighting condition of each image. */
  lighting: Int32Array;
  /** Pose id: elevation index × azimuths.length + azimuth index (the same for all lightings of one view). */
  pose: Int32Array;
  /** The grid's azimuths and elevations in degrees, and its lighting conditions. */
  azimuths: readonly number[];
  elevations: readonly number[];
  lightings: readonly number[];
  size: number;
}

/**
 * Renders the grid: image i = (e·A + a)·L + l for elevation index e, azimuth index a and lighting index l (A
 * azimuths, L lightings), i.e. the lightings of one pose are consecutive. The default is the full 18 × 9 × 6 = 972.
 */
export function airplaneDataset(opts: AirplaneDatasetOptions = {}): AirplaneDataset {
  const azimuths = opts.azimuths ?? AIRPLANE_AZIMUTHS;
  const elevations = opts.elevations ?? AIRPLANE_ELEVATIONS;
  const lightings = opts.lightings ?? Array.from({ length: AIRPLANE_LIGHTINGS }, (_, l) => l);
  for (const [name, list] of [['azimuths', azimuths], ['elevations', elevations], ['lightings', lightings]] as const) {
    if (!Array.isArray(list) || list.length === 0) throw new ValueError(`[airplaneDataset] ${name} must be a non-empty array`);
  }
  const size = opts.size ?? 48;
  const A = azimuths.length, E = elevations.length, L = lightings.length, n = A * E * L, px = size * size;
  const pixels = new Uint8Array(n * px);
  const azimuth = new Int32Array(n), elevation = new Int32Array(n), lighting = new Int32Array(n), pose = new Int32Array(n);
  for (let e = 0; e < E; e++) {
    for (let a = 0; a < A; a++) {
      for (let l = 0; l < L; l++) {
        const i = (e * A + a) * L + l;
        pixels.set(renderAirplane(azimuths[a]!, elevations[e]!, lightings[l]!, opts), i * px);
        azimuth[i] = a;
        elevation[i] = e;
        lighting[i] = lightings[l]!;
        pose[i] = e * A + a;
      }
    }
  }
  const grey = new Float32Array(n * px);
  for (let k = 0; k < grey.length; k++) grey[k] = pixels[k]! / 255;
  return {
    images: new Tensor(grey, [n, size, size]), pixels, azimuth, elevation, lighting, pose,
    azimuths: azimuths.slice(), elevations: elevations.slice(), lightings: lightings.slice(), size,
  };
}

/**
 * The pose-grid neighbourhood, DrLIM's prior knowledge for this experiment: images i and j (i ≠ j) are similar
 * when their poses are the same or adjacent — the same elevation and neighbouring azimuths (wrapping around, when
 * `wrapAzimuth`: the grid's azimuths close the circle), or the same azimuth and neighbouring elevations — whatever
 * their lightings. Returns the pairs (i < j) among the images listed in `subset` (default all), as indices into
 * the data set; pixel values play no part.
 */
export function airplanePosePairs(
  data: Pick<AirplaneDataset, 'azimuth' | 'elevation' | 'azimuths' | 'elevations'>,
  opts: { subset?: ArrayLike<number>; wrapAzimuth?: boolean } = {},
): { a: Int32Array; b: Int32Array } {
  const A = data.azimuths.length;
  const wrap = opts.wrapAzimuth ?? true;
  const idx = opts.subset ? Array.from(opts.subset) : Array.from({ length: data.azimuth.length }, (_, i) => i);
  const near = (i: number, j: number): boolean => {
    const da = Math.abs(data.azimuth[i]! - data.azimuth[j]!), de = Math.abs(data.elevation[i]! - data.elevation[j]!);
    const dAz = wrap ? Math.min(da, A - da) : da;
    return (de === 0 && dAz <= 1) || (dAz === 0 && de === 1);
  };
  const a: number[] = [], b: number[] = [];
  for (let x = 0; x < idx.length; x++) {
    for (let y = x + 1; y < idx.length; y++) {
      const i = idx[x]!, j = idx[y]!;
      if (i !== j && near(i, j)) {
        a.push(Math.min(i, j));
        b.push(Math.max(i, j));
      }
    }
  }
  return { a: Int32Array.from(a), b: Int32Array.from(b) };
}
