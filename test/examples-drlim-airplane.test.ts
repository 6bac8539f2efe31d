/**
 * examples/drlim-airplane runs as a user would run it (plain Node on the built packages, through the workspace
 * links; the test command builds first) at a tiny budget: a 9-azimuth × 3-elevation × 6-lighting grid of 24×24
 * images (162), 50 held out, 20 epochs, a few seconds. Beyond the plumbing (exit 0, the table, well-formed SVGs,
 * a PNG, results.json), it asserts the finding on that small grid: the DrLIM map is far more invariant to lighting
 * than LLE's and PCA's, and reads the azimuth of held-out images back where they cannot.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkXml } from '../packages/contrastive/src/plot/test-utils/xml.js';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tsgrad-drlim-airplane-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Measures { lighting: number; within20: number; circular: number; elevation: number; lightingKnn: number }
interface Results { results: Record<'drlim' | 'pca' | 'lle', { train: Measures; heldOut: Measures }>; pairs: number }

describe('examples/drlim-airplane', () => {
  it('at a tiny budget: DrLIM\'s map ignores the lighting and keeps the azimuth; LLE\'s and PCA\'s do neither', () => {
    const out = join(work, 'out');
    const stdout = execFileSync(
      process.execPath,
      [join(root, 'examples/drlim-airplane/main.mjs'), '--azimuths', '9', '--elevations', '3', '--size', '24', '--held-out', '50', '--epochs', '20', '--out', out],
      { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
    ); // throws unless the exit code is 0

    expect(stdout).toMatch(/^rendered 162 images \(9 azimuths × 3 elevations × 6 lightings\), 24×24/m);
    expect(stdout).toMatch(/^112 training and 50 held-out images; \d+ similar pairs from the pose grid/m);
    // The printed rows: six pairs of numbers (train, held-out) per map.
    for (const name of ['DrLIM', 'PCA', 'LLE \\(k=10\\)']) expect(stdout).toMatch(new RegExp(`^  ${name}(?: +-?[\\d.]+°?){12}$`, 'm'));

    const { results: r, pairs } = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    expect(pairs).toBeGreaterThan(500);
    for (const set of ['train', 'heldOut'] as const) {
      // Lighting: one pose's lightings sit close together in DrLIM's map, several times closer than in the baselines'.
      expect(r.drlim[set].lighting).toBeLessThan(0.2);
      expect(r.drlim[set].lighting * 2).toBeLessThan(r.lle[set].lighting);
      expect(r.drlim[set].lighting * 2).toBeLessThan(r.pca[set].lighting);
      // Azimuth round the fitted cylinder: DrLIM's reads back, the baselines' barely better than chance (1/9 of the circle).
      expect(r.drlim[set].within20).toBeGreaterThan(0.85);
      expect(r.drlim[set].circular).toBeGreaterThan(0.9);
      expect(r.lle[set].within20).toBeLessThan(0.6);
      expect(r.pca[set].within20).toBeLessThan(0.6);
      expect(r.drlim[set].circular).toBeGreaterThan(r.lle[set].circular + 0.3);
      // Nearest neighbours in DrLIM's map share a pose, not a lighting: at or below chance (1/6).
      expect(r.drlim[set].lightingKnn).toBeLessThan(0.25);
    }

    for (const name of ['drlim', 'lle', 'pca']) {
      for (const colouring of ['azimuth', 'lighting']) {
        const file = join(out, `${name}-${colouring}.svg`);
        expect(stdout).toContain(file);
        const svg = readFileSync(file, 'utf8');
        expect(checkXml(svg).counts.get('circle')).toBe(2 * 162); // every image, in each of the two views
        expect(svg).not.toMatch(/NaN|undefined|Infinity/);
        expect(svg).toContain(colouring === 'azimuth' ? 'azimuth 40°' : 'lighting 5');
      }
    }
    checkXml(readFileSync(join(out, 'loss.svg'), 'utf8'));
    const png = readFileSync(join(out, 'images.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
  });
});
