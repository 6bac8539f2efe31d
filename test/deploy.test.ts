/**
 * The README's "Deploy the map (ONNX)" section: its Python snippet, taken from README.md as it stands, loads a
 * tsgrad-saved model.safetensors into the DrLIM network written in PyTorch (Debian's /usr/bin/python3, torch
 * 1.13) and embeds digits saved with saveSafetensors; the embeddings must be tsgrad's forward. (The section's
 * TypeScript block runs in test/docs.test.ts, with every other block of the README.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as A from '@tsgrad/autograd';
import { drlimNetwork } from '@tsgrad/contrastive';
import { saveSafetensors } from '@tsgrad/nn';
import { Generator } from '@tsgrad/tensor';
import { pythonHas, runPython } from '../testing/onnx.js';
import { forward32Sum } from '../testing/tolerances.js';

const root = resolve(import.meta.dirname, '..');

/** The first ```python block of the README section headed `heading` (up to the next `## `). */
export function pythonSnippet(readme: string, heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const next = readme.indexOf('\n## ', start + heading.length + 2);
  const section = readme.slice(start, next < 0 ? undefined : next);
  const m = /\n```python\n([\s\S]*?)\n```\n/.exec(section);
  if (!m) throw new Error(`README.md's section "${heading}" has no python block`);
  return m[1]!;
}

const hasTorch = pythonHas('torch');
const work = mkdtempSync(join(tmpdir(), 'tsgrad-deploy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('README: Deploy the map (ONNX)', () => {
  it('has a python snippet in the section', () => {
    expect(pythonSnippet(readFileSync(join(root, 'README.md'), 'utf8'), '## Deploy the map (ONNX)')).toMatch(/load_state_dict/);
  });

  it.skipIf(!hasTorch)(
    `its PyTorch snippet embeds digits as tsgrad does${hasTorch ? '' : ' (skipped: /usr/bin/python3 cannot import torch)'}`,
    () => {
      const snippet = pythonSnippet(readFileSync(join(root, 'README.md'), 'utf8'), '## Deploy the map (ONNX)');
      // A map with weights of its own (not the constructor's), saved as the DrLIM CLI saves it, with metadata.
      const net = drlimNetwork({ generator: new Generator(5) });
      const g = new Generator(6);
      for (const p of net.parameters()) p.copyInPlace(g.normal(p.shape, { std: 0.3 }));
      writeFileSync(join(work, 'model.safetensors'), saveSafetensors(net.stateDict(), { experiment: 'drlim-mnist' }));
      const digits = g.uniform([7, 1, 32, 32]);
      writeFileSync(join(work, 'digits.safetensors'), saveSafetensors({ digits }));

      const out = runPython(`${snippet}\nimport json as _json\nprint('EMBEDDING', _json.dumps(embedding.tolist()))\n`, work);
      const line = out.split('\n').find((l) => l.startsWith('EMBEDDING '));
      expect(line, `the snippet printed:\n${out}`).toBeDefined();
      const embedding = JSON.parse(line!.slice('EMBEDDING '.length)) as number[][];
      const want = A.noGrad(() => net.forward(A.variable(digits))).value;
      expect(embedding).toBeAllclose(want, forward32Sum);
    },
    120_000,
  );
});
