/**
 * Every code block of README.md and docs/*.md runs here, so the guides cannot drift from the code.
 *
 * Conventions for the Markdown files:
 * - A fenced block whose language is `ts`, `typescript`, `js` or `javascript` is a program: it is written to a file
 *   of its own and imported, with `@tsgrad/*` resolved to the packages' sources (vitest.config.ts's aliases), and
 *   it must finish without throwing. It must also type-check (tsconfig.test.json's options, strict). Blocks do
 *   not share variables; each one imports what it uses.
 * - A block that is not meant to run (shell commands, formulas, pseudocode, excerpts of the sources) uses another
 *   fence language: `sh`, `text`, `math`.
 * - `console.log(expr); // value` asserts: what that line prints must read `value`, up to whitespace. The
 *   expected text may go on over the following lines that hold only a `//` comment (for multi-line tensors),
 *   and may end with prose after the value (`// tensor([2., 4.]) = 2x`): the printed text must be a prefix of it.
 *   A leading `→` is ignored. A `console.log` without such a comment asserts nothing. Blocks print nothing to
 *   the test output: console.log is captured while a block runs.
 * - Blocks stay small and fast: the whole file runs in well under 30 s.
 *
 * Two more checks keep the prose honest: every relative link points at a file that exists, and a link whose text
 * names code (`[\`contrastiveLoss\`](../packages/contrastive/src/loss.ts)`) names something that file contains;
 * and the block sizes docs/tensor.md and its gemm picture quote are the constants of the kernels.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { format } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const RUNNABLE: Record<string, 'ts' | 'js'> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' };

interface Block {
  /** Path of the Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
}

/** Fenced blocks (``` or ~~~, possibly indented inside a list) with their language and position. */
export function extractBlocks(markdown: string, file: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trim().startsWith(fence[0]!.repeat(fence.length)) && l.trim().replace(/[`~]/g, '') === '') break;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
    }
    blocks.push({ file, line: i + 1, lang: lang.toLowerCase(), code: body.join('\n') });
    i = j;
  }
  return blocks;
}

interface Expectation {
  /** 0-based line in the block. */
  line: number;
  expected: string;
}

/**
 * Finds `console.log(...); // expected` lines and rewrites their `console.log(` into `__docLog(<line>, ` so
 * each printed value is attributed to its line, whatever the order or repetition of the calls.
 */
export function instrument(code: string): { code: string; expectations: Expectation[] } {
  const lines = code.split('\n');
  const expectations: Expectation[] = [];
  const out = lines.map((l, i) => {
    const m = /^(.*?)console\.log\((.*\)\s*;?)\s*\/\/\s?(.*)$/.exec(l);
    if (!m || /\/\//.test(m[2]!.replace(/(['"`]).*?\1/g, ''))) return l;
    const parts = [m[3]!];
    for (let k = i + 1; k < lines.length && /^\s*\/\/(?!\/)/.test(lines[k]!); k++) parts.push(lines[k]!.replace(/^\s*\/\/\s*/, ''));
    expectations.push({ line: i, expected: parts.join(' ').replace(/^→\s*/, '') });
    return `${m[1]}__docLog(${i}, ${m[2]} // ${m[3]}`;
  });
  return { code: out.join('\n'), expectations };
}

/** Whitespace-free form of a printed or expected value, so alignment and line breaks do not matter. */
const squash = (s: string): string => s.replace(/\s+/g, '');

const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const blocks = docs.flatMap((f) => extractBlocks(readFileSync(join(root, f), 'utf8'), f));
const runnable = blocks.filter((b) => b.lang in RUNNABLE);

// The blocks are written inside the repository so that Vite transforms them like any test file.
const work = join(root, 'test', `.docs-blocks-${process.pid}`);
mkdirSync(work, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

type DocLog = (line: number, ...args: unknown[]) => void;
const g = globalThis as typeof globalThis & { __docLog?: DocLog };

describe('code blocks in README.md and docs/', () => {
  it('finds a runnable block in the README and in every guide', () => {
    for (const f of docs) {
      expect(runnable.some((b) => b.file === f), `${f} has a runnable block`).toBe(true);
    }
  });

  it.each(runnable.map((b) => [`${b.file}:${b.line}`, b] as const))('%s runs and prints what it says', async (name, block) => {
    const { code, expectations } = instrument(block.code);
    const printed = new Map<number, string[]>();
    g.__docLog = (line, ...args) => {
      const list = printed.get(line) ?? [];
      list.push(format(...args));
      printed.set(line, list);
    };
    const path = join(work, `${name.replace(/[^\w]+/g, '_')}.${RUNNABLE[block.lang]}`);
    writeFileSync(path, `// ${name} (extracted by test/docs.test.ts)\n${code}\n`);
    const log = console.log;
    console.log = () => {};
    try {
      await import(/* @vite-ignore */ path);
    } catch (e) {
      throw new Error(`${name}: the block threw (${relative(root, path)}):\n${(e as Error).stack ?? String(e)}`);
    } finally {
      console.log = log;
      delete g.__docLog;
    }
    for (const { line, expected } of expectations) {
      const out = printed.get(line);
      const where = `${block.file}:${block.line + 1 + line}`;
      expect(out, `${where} never printed`).toBeDefined();
      for (const text of out!) {
        expect(squash(expected).startsWith(squash(text)), `${where} printed\n${text}\nbut the comment says\n${expected}`).toBe(true);
      }
    }
  });
});

/** Markdown links `[text](target)` outside code blocks, with the line they are on. */
function links(markdown: string): { text: string; target: string; line: number }[] {
  const out: { text: string; target: string; line: number }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((l, i) => {
    if (/^\s*(`{3,}|~{3,})/.test(l)) fenced = !fenced;
    if (fenced) return;
    for (const m of l.matchAll(/(!?)\[((?:[^\]`]|`[^`]*`)*)\]\(([^)\s]+)\)/g)) out.push({ text: m[2]!, target: m[3]!, line: i + 1 });
  });
  return out;
}

describe('types in README.md and docs/', () => {
  // Running a block does not check its types (esbuild strips them), and a misspelt option is silently ignored at
  // run time; so every ts block is also compiled, with the tests' compiler options (tsconfig.test.json). The
  // packages' types come from their built declarations (packages/*/dist, which the test command builds first):
  // checking against the sources would type-check all of them again, three times slower. Without a build the
  // sources are used.
  it('every ts block type-checks against the packages', () => {
    const dir = join(work, 'types');
    mkdirSync(dir, { recursive: true });
    const files = runnable
      .filter((b) => RUNNABLE[b.lang] === 'ts')
      .map((b) => {
        const path = join(dir, `${b.file.replace(/[^\w]+/g, '_')}_${b.line}.ts`);
        // `export {}` makes each block a module of its own, as it is when it runs.
        writeFileSync(path, `${b.code}\nexport {};\n`);
        return { path, block: b };
      });
    const config = ts.readConfigFile(join(root, 'tsconfig.test.json'), ts.sys.readFile.bind(ts.sys));
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const names = ['tensor', 'autograd', 'nn', 'contrastive'];
    const built = names.every((n) => existsSync(join(root, 'packages', n, 'dist/index.d.ts')));
    const paths: Record<string, string[]> = Object.fromEntries(names.map((n) => [`@tsgrad/${n}`, [join(root, 'packages', n, built ? 'dist/index.d.ts' : 'src/index.ts')]]));
    paths['@tsgrad/contrastive/node'] = [join(root, 'packages/contrastive', built ? 'dist/node/index.d.ts' : 'src/node/index.ts')];
    // tsconfig.test.json's other paths (onnxruntime-web, which only @tsgrad/nn depends on) stay.
    const program = ts.createProgram(files.map((f) => f.path), { ...options, paths: { ...options.paths, ...paths }, noEmit: true });
    const problems = files.flatMap(({ path, block }) =>
      [...program.getSyntacticDiagnostics(program.getSourceFile(path)), ...program.getSemanticDiagnostics(program.getSourceFile(path))].map((d) => {
        const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
        return `${block.file}:${block.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      }),
    );
    expect(problems, problems.join('\n')).toEqual([]);
  }, 60_000);
});

describe('links in README.md and docs/', () => {
  it.each(docs)('%s: relative links resolve, and code named in a link is in the linked file', (file) => {
    const md = readFileSync(join(root, file), 'utf8');
    for (const { text, target, line } of links(md)) {
      if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
      const path = resolve(root, dirname(file), target.split('#')[0]!);
      expect(existsSync(path), `${file}:${line} links to ${target}, which does not exist`).toBe(true);
      if (!statSync(path).isFile() || !/\.(ts|mjs|js)$/.test(path)) continue;
      const source = readFileSync(path, 'utf8');
      // The identifier each `code` span of the link text starts with must occur in the file.
      for (const [, code] of text.matchAll(/`([^`]+)`/g)) {
        const id = /^[A-Za-z_$][\w$]*/.exec(code!)?.[0];
        if (!id || /\/|\.(ts|mjs|js)$/.test(code!)) continue; // a path or a file name, not an identifier
        expect(new RegExp(`\\b${id.replace(/\$/g, '\\$')}\\b`).test(source), `${file}:${line}: \`${id}\` is not in ${target}`).toBe(true);
      }
    }
  });
});

describe('docs/tensor.md quotes the kernels as they are', () => {
  const constant = (file: string, name: string): number => {
    const m = new RegExp(`const ${name} = (\\d+);`).exec(readFileSync(join(root, 'packages/tensor/src/kernels', file), 'utf8'));
    if (!m) throw new Error(`${name} is no longer a numeric constant in kernels/${file}: update this test and docs/tensor.md`);
    return Number(m[1]);
  };
  const [MR, NR, KC, MC, NC] = ['MR', 'NR', 'KC', 'MC', 'NC'].map((n) => constant('gemm.ts', n)) as [number, number, number, number, number];
  const TARGET_COLS = constant('conv-im2col.ts', 'TARGET_COLS');

  it('states gemm\'s block sizes and conv2d\'s chunk width', () => {
    const md = readFileSync(join(root, 'docs/tensor.md'), 'utf8');
    for (const s of [`KC = ${KC}`, `MC = ${MC}`, `NC = ${NC}`, `MR × NR = ${MR} × ${NR}`, `TARGET_COLS = ${TARGET_COLS}`]) {
      expect(md.includes(s), `docs/tensor.md should say "${s}"`).toBe(true);
    }
  });

  it('draws them in docs/img/gemm-blocking.svg', () => {
    const svg = readFileSync(join(root, 'docs/img/gemm-blocking.svg'), 'utf8');
    for (const s of [`KC = ${KC}`, `= ${MC}`, `NC = ${NC}`, `MR × NR = ${MR} × ${NR}`, `${MR} × ${KC}`, `${KC} × ${NR}`]) {
      expect(svg.includes(s), `docs/img/gemm-blocking.svg should say "${s}"`).toBe(true);
    }
  });
});

describe('the block extractor', () => {
  it('reads languages, positions and indented fences', () => {
    const md = ['# t', '```ts', 'a();', '```', '', '  ```sh', '  npm test', '  ```', '~~~js', 'b();', '~~~'].join('\n');
    expect(extractBlocks(md, 'x.md')).toEqual([
      { file: 'x.md', line: 2, lang: 'ts', code: 'a();' },
      { file: 'x.md', line: 6, lang: 'sh', code: 'npm test' },
      { file: 'x.md', line: 9, lang: 'js', code: 'b();' },
    ]);
  });

  it('attributes console.log lines with expected values, including continuation comments', () => {
    const { code, expectations } = instrument(
      ['console.log(f(1)); // → [1, 2]', 'console.log(a.toString()); // tensor([[1., 2.],', '                           //         [3., 4.]])', 'console.log(x);', 'console.log("//", y); // z'].join('\n'),
    );
    expect(expectations).toEqual([
      { line: 0, expected: '[1, 2]' },
      { line: 1, expected: 'tensor([[1., 2.], [3., 4.]])' },
      { line: 4, expected: 'z' },
    ]);
    expect(code.split('\n')[0]).toBe('__docLog(0, f(1)); // → [1, 2]');
    expect(code.split('\n')[3]).toBe('console.log(x);');
  });
});
