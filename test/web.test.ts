/**
 * examples/web in a real browser. Builds the page as a user would (type-check, then `vite build` on the built
 * packages), serves the output from a small node:http server on a free loopback port, and drives Debian's
 * Chromium through playwright-core: the spring model steps, replays exactly after a reset and follows a dragged
 * point; MNIST trains in its worker until the loss has fallen and the map has moved, replays its first batches
 * exactly after a reset, and shows a digit under the pointer. Any console error or uncaught page error fails
 * the test. A screenshot goes to out/web/page.png.
 *
 * Skipped, with the reason, only where /usr/bin/chromium is missing outside CI; in CI (.ci/run installs
 * Chromium) it always runs.
 *
 * The README's screenshot (docs/img/web.png) is made by the same test after a longer run:
 *   TSGRAD_README_SCREENSHOT=1 pnpm exec vitest run test/web.test.ts
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const web = join(root, 'examples/web');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const README_SHOT = process.env.TSGRAD_README_SCREENSHOT === '1';

const skipNote = !existsSync(CHROMIUM) && !process.env.CI
  ? `${CHROMIUM} is missing (apt-get install chromium); CI installs it and runs this test`
  : null;

/** What the page's window.__tsgrad hooks return (examples/web/src/spring/view.ts and mnist/view.ts). */
interface SpringState { step: number; loss: number; playing: boolean; positions: number[]; screen: number[] }
interface MnistState {
  run: number; step: number; playing: boolean; losses: number[]; accuracy: number;
  baselines: {
    pca: number; pixels: number; kernels: { backend: string; threads: number; isolated: boolean };
    network: { name: string; parameters: number };
  } | null; points: number[]; initialPoints: number[]; screen: number[];
}
type Hooks = { __tsgrad?: { spring(): SpringState | null; mnist(): MnistState | null } };
// These run in the page: globalThis there is the window, where the page put its hooks.
const springState = (page: Page): Promise<SpringState> => page.evaluate(() => (globalThis as Hooks).__tsgrad!.spring()!);
const mnistState = (page: Page): Promise<MnistState> => page.evaluate(() => (globalThis as Hooks).__tsgrad!.mnist()!);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json',
  '.bin': 'application/octet-stream', '.png': 'image/png', '.svg': 'image/svg+xml',
};

/**
 * Serves the files under `dir` (GET only, nothing outside it) on 127.0.0.1 at a free port, cross-origin isolated
 * as `vite preview` serves it (COOP + COEP: the page needs SharedArrayBuffer for the kernels' worker pool).
 */
async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = resolve(dir, '.' + (path.endsWith('/') ? path + 'index.html' : path));
    if (req.method !== 'GET' || !file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('examples/web in Chromium', () => {
  const work = mkdtempSync(join(tmpdir(), 'tsgrad-web-'));
  const dist = join(work, 'dist');
  let server: Server | null = null;
  let url = '';
  let context: BrowserContext | null = null;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    if (skipNote) return;
    // The page as a user builds it: its own type-checks (browser code, and the Node-side Vite config) and Vite,
    // on the packages' built dist/ (the test command builds them first), run side by side. NODE_ENV=test (set by
    // vitest) would make Vite build in test mode, so it is set to production.
    const env = { ...process.env, NODE_ENV: 'production' };
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const vite = join(web, 'node_modules/vite/bin/vite.js');
    await Promise.all([
      run('tsc -p tsconfig.json', [tsc, '-p', join(web, 'tsconfig.json')]),
      run('tsc -p tsconfig.node.json', [tsc, '-p', join(web, 'tsconfig.node.json')]),
      run('vite build', [vite, 'build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn']),
    ]);
    function run(name: string, args: string[]): Promise<void> {
      return new Promise((done, fail) => {
        execFile(process.execPath, args, { cwd: web, env }, (err, stdout, stderr) =>
          err ? fail(new Error(`${name} in examples/web failed:\n${stdout}${stderr}`)) : done());
      });
    }
    ({ server, url } = await serve(dist));
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1440, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('crash', () => errors.push('the page crashed'));
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    rmSync(work, { recursive: true, force: true });
  });

  it('trains both demos in workers, replays them from their seeds, and logs no error', async (ctx) => {
    if (skipNote) ctx.skip(skipNote);
    // A failure further down (a timeout, say) is often caused by an error in the page: show both, and the page.
    ctx.onTestFailed(async () => {
      if (errors.length) console.error(`errors in the page:\n${errors.join('\n')}`);
      mkdirSync(join(root, 'out/web'), { recursive: true });
      await page.screenshot({ path: join(root, 'out/web/page-failed.png'), fullPage: true });
    });
    await page.goto(url);
    // Ready: both workers have posted a first frame, and the MNIST baselines are in.
    await page.waitForFunction(() => {
      const h = (globalThis as Hooks).__tsgrad;
      return !!h?.spring() && !!h.mnist()?.baselines;
    }, undefined, { timeout: 30_000 });
    // The training runs off the main thread: one dedicated worker per demo (module workers, named by their
    // bundled script), plus the tensor kernels' pool workers (Blob URLs) that the demos' workers start.
    const urls = page.workers().map((w) => w.url());
    expect(urls.filter((u) => !u.startsWith('blob:'))).toHaveLength(2);

    // --- The spring model: five steps lower the loss, and a reset replays them exactly.
    const spring = page.locator('#spring');
    const springSteps = async (count: number): Promise<void> => {
      for (let c = 0; c < count; c++) await page.click('#spring-step-once');
      await expect.poll(() => spring.getAttribute('data-step')).toBe(String(count));
    };
    const s0 = await springState(page);
    expect(s0.step).toBe(0);
    await springSteps(5);
    const s5 = await springState(page);
    expect(s5.loss).toBeLessThan(s0.loss);
    await page.click('#spring-reset');
    await expect.poll(() => spring.getAttribute('data-step')).toBe('0');
    expect((await springState(page)).positions).toEqual(s0.positions);
    await springSteps(5);
    const again = await springState(page);
    expect(again.loss).toBe(s5.loss);
    expect(again.positions).toEqual(s5.positions);

    // Dragging point 0 by (60, 40) px moves it there in the worker (y up in data, down on screen).
    const [sx, sy] = [again.screen[0]!, again.screen[1]!];
    await page.mouse.move(sx, sy);
    await page.mouse.down();
    await page.mouse.move(sx + 30, sy + 20, { steps: 3 });
    await page.mouse.move(sx + 60, sy + 40, { steps: 3 });
    await page.mouse.up();
    await expect.poll(async () => {
      const s = await springState(page);
      return [Math.round(s.screen[0]! - sx), Math.round(s.screen[1]! - sy)];
    }).toEqual([60, 40]);
    const dragged = await springState(page);
    expect(dragged.positions[0]!).toBeGreaterThan(again.positions[0]!);
    expect(dragged.positions[1]!).toBeLessThan(again.positions[1]!);

    // --- MNIST: train until the loss has fallen and the map has moved.
    const m0 = await mnistState(page);
    expect(m0.step).toBe(0);
    expect(m0.baselines!.pixels).toBeGreaterThan(0.8);
    // The page is served cross-origin isolated, so its worker trains on the wasm SIMD kernels with a thread pool of
    // one thread per core (capped at 8), and what it trains is the paper's convolutional network.
    const cores = await page.evaluate(() => (globalThis as unknown as { navigator: { hardwareConcurrency: number } }).navigator.hardwareConcurrency);
    expect(m0.baselines!.kernels).toEqual({ backend: 'wasm', threads: Math.min(cores, 8), isolated: true });
    expect(m0.baselines!.network).toEqual({ name: 'drlimNetwork', parameters: 15 * 36 + 15 + 30 * 15 * 81 + 30 + 30 * 2 + 2 });
    expect(m0.baselines!.pca).toBeGreaterThan(0.5);
    await page.click('#mnist-play');
    await page.waitForFunction(() => {
      const m = (globalThis as Hooks).__tsgrad!.mnist()!;
      const l = m.losses;
      if (m.step < 12 || l.length < 12) return false;
      const first = (l[0]! + l[1]! + l[2]!) / 3, last = (l.at(-1)! + l.at(-2)! + l.at(-3)! + l.at(-4)!) / 4;
      return last < 0.7 * first;
    }, undefined, { timeout: 120_000, polling: 250 });
    await page.click('#mnist-play'); // pause
    await expect.poll(() => page.locator('#mnist').getAttribute('data-state'), { timeout: 10_000 }).toBe('paused');
    const m1 = await mnistState(page);
    expect(m1.losses.length).toBe(m1.step);
    expect(m1.losses.every(Number.isFinite)).toBe(true);
    expect(mean(m1.losses.slice(-4))).toBeLessThan(0.7 * mean(m1.losses.slice(0, 3)));
    expect(m1.accuracy).toBeGreaterThanOrEqual(0);
    expect(m1.accuracy).toBeLessThanOrEqual(1);
    // The map moved: the mean displacement of a digit is a sizeable share of the map's current extent.
    const n = m1.points.length / 2;
    let moved = 0, lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) {
      moved += Math.hypot(m1.points[2 * i]! - m1.initialPoints[2 * i]!, m1.points[2 * i + 1]! - m1.initialPoints[2 * i + 1]!) / n;
      lo = Math.min(lo, m1.points[2 * i]!, m1.points[2 * i + 1]!);
      hi = Math.max(hi, m1.points[2 * i]!, m1.points[2 * i + 1]!);
    }
    expect(moved).toBeGreaterThan(0.05 * (hi - lo));

    // Hovering a held-out digit shows it, with its label.
    await page.waitForTimeout(300); // the map's easing to the last frame (180 ms)
    const hovered = await mnistState(page);
    const test0 = n - 1; // the last held-out digit
    await page.mouse.move(hovered.screen[2 * test0]!, hovered.screen[2 * test0 + 1]!);
    const tooltip = page.locator('#mnist-tooltip');
    await expect.poll(() => tooltip.isVisible()).toBe(true);
    expect(await tooltip.locator('.tip-sub').textContent()).toMatch(/^held-out digit #\d+$/);
    expect(await tooltip.locator('.tip-title').textContent()).toMatch(/^a [49]$/);

    // Reset replays the run: the same first batch losses, bit for bit.
    await page.click('#mnist-reset');
    await expect.poll(async () => (await mnistState(page)).run).toBe(m1.run + 1);
    for (let c = 0; c < 3; c++) await page.click('#mnist-step-once');
    await expect.poll(async () => (await mnistState(page)).step, { timeout: 20_000 }).toBe(3);
    expect((await mnistState(page)).losses).toEqual(m1.losses.slice(0, 3));

    mkdirSync(join(root, 'out/web'), { recursive: true });
    await page.screenshot({ path: join(root, 'out/web/page.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  // Only on request (see the header), so the suite does not list it as skipped: a longer run for the README's
  // picture, from a fresh load.
  if (README_SHOT) it('takes the README screenshot after a longer run', async (ctx) => {
    if (skipNote) ctx.skip(skipNote);
    await page.reload();
    await page.waitForFunction(() => !!(globalThis as Hooks).__tsgrad?.mnist()?.baselines, undefined, { timeout: 30_000 });
    await page.click('#spring-play');
    await page.click('#mnist-play');
    await page.waitForFunction(() => (globalThis as Hooks).__tsgrad!.mnist()!.step >= 500, undefined, { timeout: 480_000, polling: 1000 });
    await page.click('#spring-play');
    await page.click('#mnist-play');
    await expect.poll(() => page.locator('#mnist').getAttribute('data-state'), { timeout: 10_000 }).toBe('paused');
    await expect.poll(() => page.locator('#spring').getAttribute('data-state')).toBe('paused');
    // Pull one point out of its cluster: its stretched springs and the repulsion it meets show as long arrows.
    const s = await springState(page);
    await page.mouse.move(s.screen[0]!, s.screen[1]!);
    await page.mouse.down();
    await page.mouse.move(s.screen[0]! + 70, s.screen[1]! - 55, { steps: 5 });
    await page.mouse.up();
    await page.waitForTimeout(300);
    // Hover the held-out digit nearest the middle of the map, so the tooltip shows.
    const m = await mnistState(page);
    const box = (await page.locator('#mnist-canvas').boundingBox())!;
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    const nTest = 200, n = m.screen.length / 2;
    let best = n - 1;
    for (let i = n - nTest; i < n; i++) {
      if (Math.hypot(m.screen[2 * i]! - cx, m.screen[2 * i + 1]! - cy) < Math.hypot(m.screen[2 * best]! - cx, m.screen[2 * best + 1]! - cy)) best = i;
    }
    await page.mouse.move(m.screen[2 * best]!, m.screen[2 * best + 1]!);
    await expect.poll(() => page.locator('#mnist-tooltip').isVisible()).toBe(true);
    mkdirSync(join(root, 'docs/img'), { recursive: true });
    await page.screenshot({ path: join(root, 'docs/img/web.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 600_000);
});
