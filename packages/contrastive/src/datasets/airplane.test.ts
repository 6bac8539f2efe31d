/**
 * The airplane renderer: pinned bytes (CRC-32 of a few images), determinism, its deterministic sin/cos/sqrt
 * against Math's, the grid's indexing, the pose-neighbour rule against a naive one, the lighting's effect on
 * pixel distances (the property that makes the experiment hard) and the errors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValueError } from '@tsgrad/tensor';
import { expectError } from '../../../../testing/errors.js';
import { crc32 } from '../plot/png.js';
import {
  AIRPLANE_AZIMUTHS, AIRPLANE_ELEVATIONS, AIRPLANE_LIGHTINGS, airplaneDataset, airplanePosePairs, cosDeg,
  renderAirplane, sinDeg, sqrtDet,
} from './airplane.js';

describe('sinDeg, cosDeg, sqrtDet', () => {
  it('agree with Math.sin/cos/sqrt to a few ulps', () => {
    fc.assert(
      fc.property(fc.double({ min: -2000, max: 2000, noNaN: true }), (d) => {
        const r = (d * Math.PI) / 180;
        expect(Math.abs(sinDeg(d) - Math.sin(r))).toBeLessThan(1e-13);
        expect(Math.abs(cosDeg(d) - Math.cos(r))).toBeLessThan(1e-13);
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (x) => {
        expect(Math.abs(sqrtDet(x) - Math.sqrt(x))).toBeLessThanOrEqual(2 * Number.EPSILON * Math.sqrt(x));
      }),
    );
    // Exact at the grid's angles where the value is exact.
    expect([sinDeg(0), sinDeg(90), sinDeg(180), sinDeg(270), cosDeg(0), cosDeg(90)]).toEqual([0, 1, 0, -1, 1, 0]);
    expect(sinDeg(30)).toBeCloseTo(0.5, 15);
    expect(sqrtDet(0)).toBe(0);
    expect(sqrtDet(4)).toBe(2);
  });

  it('errors', () => {
    expectError(() => sinDeg(Infinity), ValueError, '[sinDeg] the angle must be finite: got Infinity');
    expectError(() => sqrtDet(-1), ValueError, '[sqrtDet] needs a finite x ≥ 0: got -1');
  });
});

describe('renderAirplane', () => {
  it('gives the same bytes on every run and platform (pinned CRC-32s)', () => {
    // If these change, the renderer changed: every figure of examples/drlim-airplane and docs/drlim.md §9 with it.
    const crcs = [
      [0, 30, 0], [20, 30, 1], [160, 50, 2], [340, 70, 3], [100, 45, 4], [260, 65, 5],
    ].map(([a, e, l]) => crc32(renderAirplane(a!, e!, l!)).toString(16).padStart(8, '0'));
    expect(crcs).toEqual(PINNED);
    // Twice in one process: identical.
    expect(renderAirplane(20, 30, 1)).toEqual(renderAirplane(20, 30, 1));
  });

  it('draws the airplane on a uniform background, lit differently by each condition', () => {
    const size = 48;
    const img = renderAirplane(40, 45, 0);
    expect(img.length).toBe(size * size);
    const bg = img[0]!;
    for (const corner of [0, size - 1, size * (size - 1), size * size - 1]) expect(img[corner]).toBe(bg);
    // The centre is the fuselage, not background; the airplane covers a sizeable but partial area.
    let covered = 0;
    for (const v of img) if (v !== bg) covered++;
    expect(covered / img.length).toBeGreaterThan(0.08);
    expect(covered / img.length).toBeLessThan(0.6);
    // Anti-aliasing: edge pixels take intermediate values, so there are many distinct grey levels.
    expect(new Set(img).size).toBeGreaterThan(30);
    // The six conditions differ in mean brightness of the airplane by a wide range.
    const means = Array.from({ length: AIRPLANE_LIGHTINGS }, (_, l) => {
      const im = renderAirplane(40, 45, l);
      let s = 0, c = 0;
      for (let k = 0; k < im.length; k++) if (im[k] !== bg) { s += im[k]!; c++; }
      return s / c;
    });
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(80);
    // Turning the turntable by 360° is the same picture; the silhouette does not depend on lighting.
    expect(renderAirplane(400, 45, 2)).toEqual(renderAirplane(40, 45, 2));
    const mask = (im: Uint8Array): boolean[] => Array.from(im, (v) => v !== bg);
    expect(mask(renderAirplane(40, 45, 1)).filter((m, k) => m !== mask(img)[k]).length).toBeLessThan(0.02 * img.length);
    // Size and supersampling are honoured.
    expect(renderAirplane(0, 30, 0, { size: 16, supersample: 2 }).length).toBe(256);
  });

  it('errors', () => {
    expectError(() => renderAirplane(NaN, 30, 0), ValueError, '[renderAirplane] azimuth must be a finite number of degrees: got NaN');
    expectError(() => renderAirplane(0, 91, 0), ValueError, '[renderAirplane] elevation must be in [-90, 90] degrees: got 91');
    expectError(() => renderAirplane(0, 30, 6), ValueError, '[renderAirplane] lighting must be an integer in [0, 5]: got 6');
    expectError(() => renderAirplane(0, 30, 0, { size: 2 }), ValueError, '[renderAirplane] size must be an integer in [4, 1024]: got 2');
    expectError(() => renderAirplane(0, 30, 0, { supersample: 0 }), ValueError, '[renderAirplane] supersample must be an integer in [1, 16]: got 0');
  });
});

const PINNED = ['fd41d41d', '9c528a91', '1bc8ead2', '0ccacb08', 'e4331084', 'a714d913'];

describe('airplaneDataset', () => {
  const small = airplaneDataset({ azimuths: [0, 20, 40, 60], elevations: [30, 35, 40], lightings: [0, 2, 3], size: 24 });

  it('lays the grid out as (elevation, azimuth, lighting), lightings of one pose consecutive', () => {
    expect(small.images.shape).toEqual([36, 24, 24]);
    expect(small.pixels.length).toBe(36 * 576);
    for (let i = 0; i < 36; i++) {
      const l = i % 3, a = Math.floor(i / 3) % 4, e = Math.floor(i / 12);
      expect([small.lighting[i], small.azimuth[i], small.elevation[i], small.pose[i]]).toEqual([[0, 2, 3][l], a, e, e * 4 + a]);
    }
    // Image 3·(1·4 + 2) + 1: elevation 35, azimuth 40, lighting 2.
    expect(Array.from(small.pixels.subarray(19 * 576, 20 * 576))).toEqual(Array.from(renderAirplane(40, 35, 2, { size: 24 })));
    const x = small.images.data;
    for (let k = 0; k < 576; k++) expect(x[19 * 576 + k]).toBeCloseTo(small.pixels[19 * 576 + k]! / 255, 7);
    const full = airplaneDataset({ size: 8, supersample: 1 });
    expect(full.images.shape).toEqual([972, 8, 8]);
    expect([AIRPLANE_AZIMUTHS.length, AIRPLANE_ELEVATIONS.length, AIRPLANE_AZIMUTHS.at(-1), AIRPLANE_ELEVATIONS.at(-1)]).toEqual([18, 9, 340, 70]);
  });

  it('pose pairs: same or adjacent pose (azimuth wrapping, elevation not), any lighting; against a naive rule', () => {
    const { a, b } = airplanePosePairs(small);
    const naive: string[] = [];
    for (let i = 0; i < 36; i++) {
      for (let j = i + 1; j < 36; j++) {
        const ai = small.azimuth[i]!, aj = small.azimuth[j]!, ei = small.elevation[i]!, ej = small.elevation[j]!;
        const da = Math.min((ai - aj + 4) % 4, (aj - ai + 4) % 4);
        if ((ei === ej && da <= 1) || (ai === aj && Math.abs(ei - ej) === 1)) naive.push(`${i},${j}`);
      }
    }
    expect(Array.from(a, (v, k) => `${v},${b[k]}`).sort()).toEqual(naive.sort());
    // Without wrapping, azimuth 0 and 60 are no longer neighbours.
    const open = airplanePosePairs(small, { wrapAzimuth: false });
    expect(open.a.length).toBeLessThan(a.length);
    // A subset keeps only pairs inside it.
    const sub = airplanePosePairs(small, { subset: [0, 1, 2, 3, 35] });
    expect(Array.from(sub.a, (v, k) => `${v},${sub.b[k]}`)).toEqual(['0,1', '0,2', '0,3', '1,2', '1,3', '2,3']);
  });

  it('lighting moves images farther in pixels than a step in elevation does, sometimes farther than a step in azimuth', () => {
    const d = airplaneDataset({ azimuths: [0, 20, 100, 120, 200, 220], elevations: [40, 45] });
    const P = 48 * 48, x = d.images.data;
    const dist = (i: number, j: number): number => {
      let s = 0;
      for (let k = 0; k < P; k++) s += (x[i * P + k]! - x[j * P + k]!) ** 2;
      return Math.sqrt(s);
    };
    const id = (e: number, a: number, l: number): number => (e * 6 + a) * 6 + l;
    let lighting = 0, nL = 0, elStep = 0, n = 0, beatsAz = 0, beatsEl = 0, pairs = 0;
    for (const a of [0, 2, 4]) {
      for (let l = 0; l < 6; l++) {
        elStep += dist(id(0, a, l), id(1, a, l));
        n++;
        for (let m = 0; m < 6; m++) {
          if (m === l) continue;
          lighting += dist(id(0, a, l), id(0, a, m));
          nL++;
          pairs++;
          if (dist(id(0, a, l), id(0, a, m)) > dist(id(0, a, l), id(0, a + 1, l))) beatsAz++;
          if (dist(id(0, a, l), id(0, a, m)) > dist(id(0, a, l), id(1, a, l))) beatsEl++;
        }
      }
    }
    expect(lighting / nL).toBeGreaterThan(1.5 * (elStep / n));
    expect(beatsEl / pairs).toBeGreaterThan(0.75);
    expect(beatsAz / pairs).toBeGreaterThan(0.1);
  });

  it('errors', () => {
    expectError(() => airplaneDataset({ azimuths: [] }), ValueError, '[airplaneDataset] azimuths must be a non-empty array');
  });
});
