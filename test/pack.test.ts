/**
 * @tsgrad/tensor stands on its own: pack it as it would be published, install the tarball into a project
 * outside the workspace, import it from plain Node ESM and run an op.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tsgrad-pack-'));

/** pnpm as the test runner was started with it (npm_execpath), else from PATH. */
function pnpm(args: string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) return execFileSync(process.execPath, [execPath, ...args], { cwd, encoding: 'utf8' });
  return execFileSync('pnpm', args, { cwd, encoding: 'utf8' });
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('@tsgrad/tensor as a published package', () => {
  it('packs, installs outside the workspace and runs matmul from plain Node ESM', () => {
    pnpm(['pack', '--pack-destination', work], join(root, 'packages/tensor'));
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^tsgrad-tensor-\d+\.\d+\.\d+\.tgz$/);

    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(work, tarball!)], { cwd: app, encoding: 'utf8' });
    // ESM and its type declarations ship; the tests and nothing of the workspace do.
    const installed = join(app, 'node_modules/@tsgrad/tensor');
    expect(existsSync(join(installed, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist/index.d.ts'))).toBe(true);
    const shipped = readdirSync(installed, { recursive: true }).map(String);
    expect(shipped).toContain(join('src', 'ops', 'linalg.ts'));
    expect(shipped.filter((f) => f.endsWith('.test.ts'))).toEqual([]);
    writeFileSync(
      join(app, 'main.mjs'),
      [
        "import { tensor, matmul, Tensor } from '@tsgrad/tensor';",
        'const c = matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]]));',
        'console.log(JSON.stringify({ isTensor: c instanceof Tensor, shape: c.shape, values: c.toArray() }));',
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ isTensor: true, shape: [2, 1], values: [[17], [39]] });
  });
});
