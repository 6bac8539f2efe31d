/** spreadRatio, circularCorrelation, fitCylinder, angleDifference: against naive formulas and synthetic cylinders. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, Tensor, ValueError, tensor } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { angleDifference, circularCorrelation, fitCylinder, spreadRatio } from './cylinder.js';

const DEG = Math.PI / 180;

/** A rotation of 3-D space (from three angles) applied to rows [x, y, z], optionally mirrored. */
function rotate(rows: number[][], a: number, b: number, c: number, mirror = false): Tensor {
  const R = (t: number, i: number, j: number): number[][] => {
    const m = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    m[i]![i] = Math.cos(t);
    m[j]![j] = Math.cos(t);
    m[i]![j] = -Math.sin(t);
    m[j]![i] = Math.sin(t);
    return m;
  };
  const mul = (A: number[][], B: number[][]): number[][] => A.map((r) => B[0]!.map((_, j) => r.reduce((s, v, k) => s + v * B[k]![j]!, 0)));
  const M = mul(mul(R(a, 0, 1), R(b, 1, 2)), R(c, 0, 2));
  const out = rows.map((p) => M.map((r) => r[0]! * (mirror ? -p[0]! : p[0]!) + r[1]! * p[1]! + r[2]! * p[2]!));
  return new Tensor(Float64Array.from(out.flat()), [rows.length, 3]);
}

/** Views on a cylinder: azimuth every 20°, 9 heights; radius 2, step 0.5 in height, optional twist per unit height. */
function cylinder(g: Generator, twist = 0, noise = 0.02): { rows: number[][]; az: number[]; el: number[] } {
  const rows: number[][] = [], az: number[] = [], el: number[] = [];
  for (let e = 0; e < 9; e++) {
    for (let a = 0; a < 18; a++) {
      const phi = 20 * a * DEG, h = 0.5 * e, t = phi + twist * h;
      rows.push([2 * Math.cos(t) + noise * g.nextNormal(), 2 * Math.sin(t) + noise * g.nextNormal(), h + 3 + noise * g.nextNormal()]);
      az.push(phi);
      el.push(30 + 5 * e);
    }
  }
  return { rows, az, el };
}

describe('spreadRatio', () => {
  it('is the mean within-group distance over the mean between-group distance (naive reference)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 25 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 999 }), (n, d, seed) => {
        const g = new Generator(seed);
        const pts = Array.from({ length: n }, () => Array.from({ length: d }, () => g.nextNormal()));
        const groups = Array.from({ length: n }, (_, i) => i % 3);
        let w = 0, nw = 0, b = 0, nb = 0;
        for (let i = 0; i < n; i++) {
          for (let j = i + 1; j < n; j++) {
            const dist = Math.hypot(...pts[i]!.map((v, c) => v - pts[j]![c]!));
            if (groups[i] === groups[j]) [w, nw] = [w + dist, nw + 1];
            else [b, nb] = [b + dist, nb + 1];
          }
        }
        const X = new Tensor(Float64Array.from(pts.flat()), [n, d]);
        expect(spreadRatio(X, groups)).toBeCloseTo(w / nw / (b / nb), 10);
        // Scaling and translating the map leave it unchanged.
        expect(spreadRatio(X.mul(3.5).add(7), groups)).toBeCloseTo(w / nw / (b / nb), 8);
      }),
      { numRuns: 30 },
    );
  });

  it('is 0 when each group is one point and about 1 when groups are random', () => {
    const g = new Generator(4);
    const pts = Array.from({ length: 60 }, (_, i) => [i % 10, (i % 10) ** 2, 0]);
    expect(spreadRatio(tensor(pts), pts.map((_, i) => i % 10))).toBe(0);
    const cloud = g.normal([400, 3]);
    const r = spreadRatio(cloud, Array.from({ length: 400 }, (_, i) => i % 7));
    expect(Math.abs(r - 1)).toBeLessThan(0.05);
  });

  it('errors', () => {
    const x = tensor([[0, 0], [1, 1], [2, 2]]);
    expectError(() => spreadRatio(x, [0, 1, 2]), ValueError, '[spreadRatio] no group has two points: the within-group spread is undefined');
    expectError(() => spreadRatio(x, [0, 0, 0]), ValueError, '[spreadRatio] all points are in one group: the between-group spread is undefined');
    expectError(() => spreadRatio(x, [0, 1]), ValueError, '[spreadRatio] groups has 2 entries but there are 3 points');
  });
});

describe('circularCorrelation', () => {
  it('matches the O(n²) Fisher–Lee sum', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true })), { minLength: 3, maxLength: 30 }), (pairs) => {
        const a = pairs.map((p) => p[0]), b = pairs.map((p) => p[1]);
        let top = 0, da = 0, db = 0;
        for (let i = 0; i < a.length; i++) {
          for (let j = i + 1; j < a.length; j++) {
            top += Math.sin(a[i]! - a[j]!) * Math.sin(b[i]! - b[j]!);
            da += Math.sin(a[i]! - a[j]!) ** 2;
            db += Math.sin(b[i]! - b[j]!) ** 2;
          }
        }
        if (da < 1e-6 || db < 1e-6) return;
        expect(circularCorrelation(a, b)).toBeCloseTo(top / Math.sqrt(da * db), 8);
      }),
    );
  });

  it('is 1 for a rotation, −1 for a reflection, near 0 for independent angles, on evenly spread azimuths', () => {
    const az = Array.from({ length: 18 }, (_, i) => 20 * i * DEG);
    expect(circularCorrelation(az, az.map((t) => t + 1.234))).toBeCloseTo(1, 12);
    expect(circularCorrelation(az, az.map((t) => 0.5 - t))).toBeCloseTo(-1, 12);
    const g = new Generator(2);
    const u = Array.from(g.uniform([2000], { high: 2 * Math.PI, dtype: 'float64' }).data);
    const v = Array.from(g.uniform([2000], { high: 2 * Math.PI, dtype: 'float64' }).data);
    expect(Math.abs(circularCorrelation(u, v))).toBeLessThan(0.1);
  });

  it('errors', () => {
    expectError(() => circularCorrelation([1], [2]), ValueError, '[circularCorrelation] needs at least 2 angles: got 1');
    expectError(() => circularCorrelation([1, 1 + Math.PI], [0, 2]), ValueError, '[circularCorrelation] the angles of one sample are all equal modulo π: the correlation is undefined');
    expectError(() => circularCorrelation([1, 2], [0]), ValueError, '[circularCorrelation] beta has 1 entries but there are 2 points');
  });
});

describe('fitCylinder', () => {
  it('reads azimuth and height back from a rotated (and mirrored) noisy cylinder, for new points too', () => {
    for (const mirror of [false, true]) {
      const g = new Generator(mirror ? 1 : 0);
      const train = cylinder(g), unseen = cylinder(g);
      const fitted = fitCylinder(rotate(train.rows, 0.7, -1.1, 0.4, mirror), train.el, train.az);
      expect(fitted.sign).toBe(mirror ? -1 : 1);
      const r = fitted.read(rotate(unseen.rows, 0.7, -1.1, 0.4, mirror));
      for (let i = 0; i < unseen.az.length; i++) {
        expect(angleDifference(r.angle[i]!, unseen.az[i]!)).toBeLessThan(2 * DEG);
        expect(Math.abs(r.height[i]! - (0.5 * Math.floor(i / 18) - 2))).toBeLessThan(0.15); // centred heights, −2 … 2
      }
      expect(circularCorrelation(r.angle, unseen.az)).toBeGreaterThan(0.99);
    }
  });

  it('fits a twisted cylinder only when allowed to', () => {
    const g = new Generator(5);
    const c = cylinder(g, 1.2); // 1.2 rad per unit height: 4.8 rad over the four units of height
    const X = rotate(c.rows, 0.3, 0.2, -0.5);
    const within20 = (angle: Float64Array): number => angle.filter((t, i) => angleDifference(t, c.az[i]!) < 20 * DEG).length / angle.length;
    expect(within20(fitCylinder(X, c.el, c.az).read(X).angle)).toBeLessThan(0.5);
    const twisted = fitCylinder(X, c.el, c.az, { twist: true });
    expect(Math.abs(Math.abs(twisted.twist) - 1.2)).toBeLessThan(0.02);
    expect(within20(twisted.read(X).angle)).toBe(1);
  });

  it('errors', () => {
    expectError(() => fitCylinder(tensor([[0, 0], [1, 1], [2, 2]]), [0, 1, 2], [0, 1, 2]), ValueError, '[fitCylinder] points must be [n, 3]: got [3,2]');
    expectError(() => fitCylinder(tensor([[0, 0, 0], [1, 1, 1], [2, 0, 2]]), [1, 1, 1], [0, 1, 2]), ValueError, '[fitCylinder] the map does not move with the height label: no axis');
  });
});

describe('angleDifference', () => {
  it('is the distance on the circle, in [0, π]', () => {
    expect(angleDifference(0.1, 2 * Math.PI - 0.1)).toBeCloseTo(0.2, 12);
    expect(angleDifference(-3, 3)).toBeCloseTo(2 * Math.PI - 6, 12);
    expect(angleDifference(1, 1 + 5 * Math.PI)).toBeCloseTo(Math.PI, 12);
  });
});
