import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * DType, FloatArray and allocation live in their own module (src/dtype.ts), which depends on nothing but the
 * error types; every other module takes them from there (or through tensor.ts, which re-exports them), never
 * from a kernel's file.
 */
const src = import.meta.dirname;
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.generated.ts') ? [p] : [];
  });
}

describe('the tensor package layout', () => {
  it('keeps DType and FloatArray in dtype.ts, imported from there and not from a kernel', () => {
    const dtype = readFileSync(join(src, 'dtype.ts'), 'utf8');
    expect([...dtype.matchAll(/from '([^']+)'/g)].map((m) => m[1])).toEqual(['./errors.js']);
    for (const f of files(src)) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/import (?:type )?\{([^}]*)\} from '([^']+)'/g)) {
        const names = m[1]!.split(',').map((n) => n.replace(/^\s*type\s+/, '').trim());
        if (!names.some((n) => n === 'FloatArray' || n === 'DType')) continue;
        expect(/kernels\/|\.\/gemm\.js|\.\/conv/.test(m[2]!), `${relative(src, f)} imports FloatArray/DType from ${m[2]}`).toBe(false);
      }
    }
  });
});
