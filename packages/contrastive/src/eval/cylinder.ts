/**
 * Measures of a map of views of one object (DrLIM's airplane, §4.3): how much it ignores a nuisance such as the
 * lighting, and how well a cylinder in it reads back the pose — the azimuth around the axis, the elevation along it.
 */
import { Tensor, ValueError, eigh, fmtShape } from '@tsgrad/tensor';
import { toMatrix } from './validate.js';

function readNumbers(op: string, name: string, v: unknown, n: number): Float64Array {
  if (v === null || typeof v !== 'object' || typeof (v as ArrayLike<unknown>).length !== 'number') {
    throw new ValueError(`[${op}] ${name} must be an array of numbers`);
  }
  const list = v as ArrayLike<unknown>;
  if (list.length !== n) throw new ValueError(`[${op}] ${name} has ${list.length} entries but there are ${n} points`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = list[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ValueError(`[${op}] ${name}[${i}] must be a finite number: got ${String(x)}`);
    out[i] = x;
  }
  return out;
}

/**
 * The nuisance spread of a map: how far apart the views of one pose lie, relative to views of different poses.
 *
 *   ratio = mean_{i<j, g_i = g_j} ‖z_i − z_j‖  /  mean_{i<j, g_i ≠ g_j} ‖z_i − z_j‖
 *
 * over the points `z` [n, d] with group ids `groups` (e.g. the pose, the same for the 6 lightings of one view).
 * 0: every group is a single point (the map is invariant to what varies within a group); about 1: groups are as
 * spread as the whole map (no invariance); above 1: the map separates the group's members more than it separates
 * groups, i.e. it is organised by the nuisance. Invariant to scaling, rotating and translating the map. Pairs
 * with Euclidean distances, in float64; O(n²·d).
 */
export function spreadRatio(points: Tensor, groups: ArrayLike<number>): number {
  const op = 'spreadRatio';
  const m = toMatrix(op, 'points', points);
  const g = readNumbers(op, 'groups', groups, m.rows);
  const { data, rows: n, cols: d } = m;
  let within = 0, nWithin = 0, between = 0, nBetween = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = data[i * d + c]! - data[j * d + c]!;
        s += t * t;
      }
      const dist = Math.sqrt(s);
      if (g[i] === g[j]) {
        within += dist;
        nWithin++;
      } else {
        between += dist;
        nBetween++;
      }
    }
  }
  if (nWithin === 0) throw new ValueError(`[${op}] no group has two points: the within-group spread is undefined`);
  if (nBetween === 0) throw new ValueError(`[${op}] all points are in one group: the between-group spread is undefined`);
  if (between === 0) throw new ValueError(`[${op}] all points coincide: the ratio is undefined`);
  return within / nWithin / (between / nBetween);
}

/**
 * Fisher & Lee's (1983) circular correlation of two angle samples (radians):
 *
 *   ρ = Σ_{i<j} sin(α_i − α_j)·sin(β_i − β_j) / √(Σ_{i<j} sin²(α_i − α_j) · Σ_{i<j} sin²(β_i − β_j)).
 *
 * In [−1, 1]; +1 exactly when β = α + c (a rotation), −1 when β = −α + c (a reflection); unchanged by rotating
 * either sample. Unlike the Jammalamadaka–SenGupta coefficient it needs no mean direction, which is undefined
 * for angles spread evenly round the circle (the 18 azimuths every 20°). Computed in O(n) from the expansion
 * sin(a_i − a_j) = sin a_i cos a_j − cos a_i sin a_j.
 */
export function circularCorrelation(alpha: ArrayLike<number>, beta: ArrayLike<number>): number {
  const op = 'circularCorrelation';
  const n = alpha.length;
  const a = readNumbers(op, 'alpha', alpha, n), b = readNumbers(op, 'beta', beta, n);
  if (n < 2) throw new ValueError(`[${op}] needs at least 2 angles: got ${n}`);
  // With x = sin a, y = cos a, u = sin b, v = cos b: sin(a_i − a_j) = x_i·y_j − y_i·x_j, and summing over all
  // ordered (i, j) (each unordered pair twice, i = j adding 0, so the ratio is unchanged):
  //   Σ (x_i y_j − y_i x_j)(u_i v_j − v_i u_j) = 2·(Σxu·Σyv − Σxv·Σyu),
  //   Σ (x_i y_j − y_i x_j)² = 2·(Σx²·Σy² − (Σxy)²), and the same for β.
  let xu = 0, xv = 0, yu = 0, yv = 0, xx = 0, yy = 0, xy = 0, uu = 0, vv = 0, uv = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.sin(a[i]!), y = Math.cos(a[i]!), u = Math.sin(b[i]!), v = Math.cos(b[i]!);
    xu += x * u;
    xv += x * v;
    yu += y * u;
    yv += y * v;
    xx += x * x;
    yy += y * y;
    xy += x * y;
    uu += u * u;
    vv += v * v;
    uv += u * v;
  }
  const top = 2 * (xu * yv - xv * yu);
  const da = 2 * (xx * yy - xy * xy), db = 2 * (uu * vv - uv * uv);
  if (!(da > 0) || !(db > 0)) throw new ValueError(`[${op}] the angles of one sample are all equal modulo π: the correlation is undefined`);
  return top / Math.sqrt(da * db);
}

/** A cylinder read out of a 3-D map: its axis, and where each point sits around and along it. */
export interface CylinderReading {
  /** The centre (mean of the fitted points) and the unit axis: the direction along which the map moves with the height label. */
  centre: Float64Array;
  axis: Float64Array;
  /** The two unit directions spanning the plane across the axis. */
  plane: [Float64Array, Float64Array];
  /** Orientation fitted against the true angles: angle = sign·atan2(plane coordinates) + offset + twist·height. */
  sign: 1 | -1;
  offset: number;
  /** Radians of rotation per unit of height along the axis (0 unless fitted with `twist`). */
  twist: number;
  /** For points [m, 3]: the angle round the axis (radians, aligned to the truth, in (−π, π]) and the height along it. */
  read: (points: Tensor) => { angle: Float64Array; height: Float64Array };
}

/**
 * Fits a cylinder to a 3-D map `points` [n, 3] of views labelled with their `height` (e.g. elevation) and true
 * `angle` (e.g. azimuth, radians):
 *
 * 1. the centre c is the mean, and the axis a is the direction along which the map moves with the height label:
 *    a ∝ Σ_i (z_i − c)(h_i − h̄), the slope of the least-squares line z ≈ c + b·(h − h̄) (so the height read
 *    along it correlates positively with the label);
 * 2. the cross-section is spanned by p and q, the two principal directions of the points projected onto the
 *    plane ⊥ a;
 * 3. each point's raw angle is θ = atan2((z − c)·q, (z − c)·p) and its height h = (z − c)·a, and the map's
 *    orientation is fitted to the truth: for s = ±1, δ = arg Σ_i exp(i(φ_i − s·θ_i)) (the circular mean of the
 *    differences), keeping the s whose resultant |Σ exp(i(φ − sθ))| is larger. With `twist`, the angle may also
 *    turn linearly along the axis, φ ≈ sθ + δ + τh (a twisted cylinder: each ring rotated a little more than the
 *    one below, which the pairs — only neighbours close — do not forbid); τ is fitted by the same criterion.
 *
 * `read` then applies the same centre, directions and orientation to any points, e.g. held-out views.
 */
export function fitCylinder(
  points: Tensor, height: ArrayLike<number>, angle: ArrayLike<number>, opts: { twist?: boolean } = {},
): CylinderReading {
  const op = 'fitCylinder';
  const m = toMatrix(op, 'points', points);
  if (m.cols !== 3) throw new ValueError(`[${op}] points must be [n, 3]: got ${fmtShape(points.shape)}`);
  const n = m.rows;
  if (n < 3) throw new ValueError(`[${op}] needs at least 3 points: got ${n}`);
  const h = readNumbers(op, 'height', height, n), phi = readNumbers(op, 'angle', angle, n);
  const x = m.data;
  const centre = new Float64Array(3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) centre[c] = centre[c]! + x[i * 3 + c]! / n;
  // The axis: the direction along which the map moves with the height label, b = Σ (z_i − c)(h_i − h̄), i.e. the
  // least-squares line z ≈ c + b·(h − h̄) through the centre.
  let hm = 0;
  for (let i = 0; i < n; i++) hm += h[i]! / n;
  const axis = new Float64Array(3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) axis[c] = axis[c]! + (x[i * 3 + c]! - centre[c]!) * (h[i]! - hm);
  const len = Math.hypot(axis[0]!, axis[1]!, axis[2]!);
  if (!(len > 0)) throw new ValueError(`[${op}] the map does not move with the height label: no axis`);
  for (let c = 0; c < 3; c++) axis[c] = axis[c]! / len;
  // The cross-section: principal directions of the points projected onto the plane ⊥ axis (the top two of their
  // covariance; the third is the axis, with variance 0).
  const cov = new Float64Array(9);
  for (let i = 0; i < n; i++) {
    const z = [0, 1, 2].map((c) => x[i * 3 + c]! - centre[c]!);
    const along = z[0]! * axis[0]! + z[1]! * axis[1]! + z[2]! * axis[2]!;
    for (let c = 0; c < 3; c++) z[c] = z[c]! - along * axis[c]!;
    for (let a2 = 0; a2 < 3; a2++) for (let b2 = 0; b2 < 3; b2++) cov[a2 * 3 + b2] = cov[a2 * 3 + b2]! + (z[a2]! * z[b2]!) / n;
  }
  // The two largest eigenpairs (eigh's last two columns), largest first.
  const q = eigh(new Tensor(cov, [3, 3]), { subsetByIndex: [1, 2] }).eigenvectors.data;
  const rest: [Float64Array, Float64Array] = [Float64Array.of(q[1]!, q[3]!, q[5]!), Float64Array.of(q[0]!, q[2]!, q[4]!)];
  const project = (pts: Tensor): { theta: Float64Array; height: Float64Array } => {
    const q = toMatrix(op, 'points', pts);
    if (q.cols !== 3) throw new ValueError(`[${op}] points must be [n, 3]: got ${fmtShape(pts.shape)}`);
    const theta = new Float64Array(q.rows), hh = new Float64Array(q.rows);
    for (let i = 0; i < q.rows; i++) {
      let u = 0, v = 0, w = 0;
      for (let c = 0; c < 3; c++) {
        const z = q.data[i * 3 + c]! - centre[c]!;
        u += z * rest[0][c]!;
        v += z * rest[1][c]!;
        w += z * axis[c]!;
      }
      theta[i] = Math.atan2(v, u);
      hh[i] = w;
    }
    return { theta, height: hh };
  };
  const { theta, height: hRead } = project(points);
  // Orientation: for each s = ±1 and twist τ, the best offset is the circular mean of φ − sθ − τh, and its
  // resultant length R says how well it fits; keep the largest R. τ is searched on a grid of total twists over the
  // fitted height range from −2π to 2π (721 steps of 0.5°), refined ±1 step by 40 more, when `twist` is set.
  let hMin = Infinity, hMax = -Infinity;
  for (let i = 0; i < n; i++) {
    hMin = Math.min(hMin, hRead[i]!);
    hMax = Math.max(hMax, hRead[i]!);
  }
  const span = hMax - hMin;
  const fitOffset = (s: 1 | -1, tau: number): [number, number] => {
    let re = 0, im = 0;
    for (let i = 0; i < n; i++) {
      const r = phi[i]! - s * theta[i]! - tau * hRead[i]!;
      re += Math.cos(r);
      im += Math.sin(r);
    }
    return [Math.hypot(re, im), Math.atan2(im, re)];
  };
  let sign: 1 | -1 = 1, offset = 0, twistRate = 0, bestR = -1;
  const consider = (s: 1 | -1, tau: number): void => {
    const [r, off] = fitOffset(s, tau);
    if (r > bestR) {
      bestR = r;
      sign = s;
      offset = off;
      twistRate = tau;
    }
  };
  for (const s of [1, -1] as const) {
    if (!opts.twist || !(span > 0)) {
      consider(s, 0);
      continue;
    }
    const step = (2 * Math.PI) / 360 / span;
    for (let t = -360; t <= 360; t++) consider(s, t * step);
  }
  if (opts.twist && span > 0) {
    const step = (2 * Math.PI) / 360 / span, centreTau = twistRate, s0 = sign;
    for (let t = -20; t <= 20; t++) consider(s0, centreTau + (t * step) / 20);
  }
  const wrap = (t: number): number => {
    let v = t;
    while (v > Math.PI) v -= 2 * Math.PI;
    while (v <= -Math.PI) v += 2 * Math.PI;
    return v;
  };
  const read = (pts: Tensor): { angle: Float64Array; height: Float64Array } => {
    const p = project(pts);
    return { angle: p.theta.map((t, i) => wrap(sign * t + offset + twistRate * p.height[i]!)), height: p.height };
  };
  return { centre, axis, plane: rest, sign, offset, twist: twistRate, read };
}

/** The absolute difference of two angles (radians) on the circle, in [0, π]. */
export function angleDifference(a: number, b: number): number {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return d > Math.PI ? 2 * Math.PI - d : d;
}
