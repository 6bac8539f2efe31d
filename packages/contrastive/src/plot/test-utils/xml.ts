/**
 * A tiny XML well-formedness checker for the SVG tests, written as a character scanner (no regular
 * expressions, no DOM): one root element, balanced and properly nested tags, quoted and unique attributes,
 * no raw `<` in attribute values, every `&` starting a known entity or a character reference, comments and
 * processing instructions closed. It throws an Error naming the offset on the first problem and otherwise
 * returns the root's name and how many elements of each name there are.
 */
export interface XmlSummary {
  root: string;
  counts: Map<string, number>;
}

const isNameStart = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c > 127;
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const ENTITIES = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);

export function checkXml(doc: string): XmlSummary {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`XML error at offset ${pos}: ${what} (near ${JSON.stringify(doc.slice(Math.max(0, pos - 20), pos + 20))})`);
  };
  const at = (s: string): boolean => doc.startsWith(s, pos);
  const skipSpace = (): void => {
    while (pos < doc.length && isSpace(doc.charCodeAt(pos))) pos++;
  };
  const name = (): string => {
    const start = pos;
    if (pos >= doc.length || !isNameStart(doc.charCodeAt(pos))) fail('expected a name');
    pos++;
    while (pos < doc.length && isNameChar(doc.charCodeAt(pos))) pos++;
    return doc.slice(start, pos);
  };
  /** Checks the character data in [start, end) for stray `<` and bad `&` references. */
  const checkText = (start: number, end: number, inAttr: boolean): void => {
    for (let i = start; i < end; i++) {
      const c = doc.charCodeAt(i);
      if (c === 60) {
        pos = i;
        fail(`raw '<' in ${inAttr ? 'an attribute value' : 'text'}`);
      }
      if (c < 32 && c !== 9 && c !== 10 && c !== 13) {
        pos = i;
        fail(`control character ${c}`);
      }
      if (c === 38) {
        const semi = doc.indexOf(';', i);
        if (semi < 0 || semi > end) {
          pos = i;
          fail(`unterminated '&'`);
        }
        const ref = doc.slice(i + 1, semi);
        let ok = ENTITIES.has(ref);
        if (!ok && ref.length > 1 && ref[0] === '#') {
          const hex = ref[1] === 'x';
          const digits = ref.slice(hex ? 2 : 1);
          ok = digits.length > 0 && [...digits].every((ch) => (hex ? '0123456789abcdefABCDEF' : '0123456789').includes(ch));
        }
        if (!ok) {
          pos = i;
          fail(`unknown reference &${ref};`);
        }
        i = semi;
      }
    }
  };

  const counts = new Map<string, number>();
  const stack: string[] = [];
  let root = '';
  if (at('<?xml')) {
    const end = doc.indexOf('?>', pos);
    if (end < 0) fail('unterminated XML declaration');
    pos = end + 2;
  }
  while (pos < doc.length) {
    if (at('<!--')) {
      const end = doc.indexOf('-->', pos + 4);
      if (end < 0) fail('unterminated comment');
      if (doc.slice(pos + 4, end).includes('--')) fail("'--' inside a comment");
      pos = end + 3;
    } else if (at('<?')) {
      const end = doc.indexOf('?>', pos);
      if (end < 0) fail('unterminated processing instruction');
      pos = end + 2;
    } else if (at('<!')) {
      fail('DOCTYPE/CDATA are not expected in these documents');
    } else if (at('</')) {
      pos += 2;
      const n = name();
      skipSpace();
      if (!at('>')) fail(`expected '>' closing </${n}`);
      pos++;
      const open = stack.pop();
      if (open !== n) fail(open === undefined ? `</${n}> closes nothing` : `</${n}> closes <${open}>`);
    } else if (at('<')) {
      pos++;
      const n = name();
      if (stack.length === 0) {
        if (root !== '') fail(`second root element <${n}>`);
        root = n;
      }
      counts.set(n, (counts.get(n) ?? 0) + 1);
      const attrs = new Set<string>();
      for (;;) {
        const before = pos;
        skipSpace();
        if (at('/>')) {
          pos += 2;
          break;
        }
        if (at('>')) {
          pos++;
          stack.push(n);
          break;
        }
        if (pos === before) fail('expected whitespace before an attribute');
        const a = name();
        if (attrs.has(a)) fail(`duplicate attribute ${a} on <${n}>`);
        attrs.add(a);
        skipSpace();
        if (!at('=')) fail(`attribute ${a} has no value`);
        pos++;
        skipSpace();
        const q = doc[pos];
        if (q !== '"' && q !== "'") fail(`attribute ${a} is not quoted`);
        const end = doc.indexOf(q!, pos + 1);
        if (end < 0) fail(`unterminated value of ${a}`);
        checkText(pos + 1, end, true);
        pos = end + 1;
      }
    } else {
      const end = doc.indexOf('<', pos);
      const stop = end < 0 ? doc.length : end;
      if (stack.length === 0) {
        for (let i = pos; i < stop; i++) {
          if (!isSpace(doc.charCodeAt(i))) {
            pos = i;
            fail('text outside the root element');
          }
        }
      }
      checkText(pos, stop, false);
      if (doc.slice(pos, stop).includes(']]>')) fail("']]>' in text");
      pos = stop;
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1]}>`);
  if (root === '') fail('no root element');
  return { root, counts };
}

/** How many times `needle` occurs in `hay` (non-overlapping). */
export function countOf(hay: string, needle: string): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) n++;
  return n;
}
