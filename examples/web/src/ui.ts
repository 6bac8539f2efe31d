/** Small DOM helpers for the controls: labelled sliders (linear or logarithmic), seed fields, transport buttons. */

export interface SliderSpec {
  id: string;
  label: string;
  /** A short line under the label: what the knob does. */
  hint: string;
  min: number;
  max: number;
  value: number;
  /** Step on the slider's own scale (of log10(value) when `log`). */
  step: number;
  /** Slide over log10 of the value: learning rates span decades. */
  log?: boolean;
  format: (v: number) => string;
}

export interface Control {
  readonly value: number;
  set(v: number): void;
  /** While dragging (live), and once released (committed). */
  onInput(fn: (v: number) => void): void;
  onChange(fn: (v: number) => void): void;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no element #${id}`);
  return e as T;
}

/** A range input with its label, current value and hint, appended to `parent`. */
export function slider(parent: HTMLElement, spec: SliderSpec): Control {
  const wrap = el('label', { class: 'control', for: spec.id });
  const head = el('span', { class: 'control-head' });
  const name = el('span', { class: 'control-name' }, spec.label);
  const out = el('output', { class: 'control-value', for: spec.id });
  head.append(name, out);
  const toScale = (v: number): number => (spec.log ? Math.log10(v) : v);
  const fromScale = (s: number): number => (spec.log ? Number((10 ** s).toPrecision(3)) : s);
  const input = el('input', {
    type: 'range', id: spec.id, min: String(toScale(spec.min)), max: String(toScale(spec.max)), step: String(spec.step),
  });
  input.value = String(toScale(spec.value));
  wrap.append(head, input, el('span', { class: 'control-hint' }, spec.hint));
  parent.append(wrap);
  let value = spec.value;
  const show = (): void => {
    out.textContent = spec.format(value);
  };
  show();
  const read = (): number => (value = fromScale(Number(input.value)));
  return {
    get value() {
      return value;
    },
    set(v: number) {
      value = v;
      input.value = String(toScale(v));
      show();
    },
    onInput(fn) {
      input.addEventListener('input', () => (read(), show(), fn(value)));
    },
    onChange(fn) {
      input.addEventListener('change', () => (read(), show(), fn(value)));
    },
  };
}

/** An integer field for a seed, with a button that draws the next seed. */
export function seedField(parent: HTMLElement, id: string, value: number): Control {
  const wrap = el('label', { class: 'control', for: id });
  const head = el('span', { class: 'control-head' });
  head.append(el('span', { class: 'control-name' }, 'seed'));
  const row = el('span', { class: 'seed-row' });
  const input = el('input', { type: 'number', id, min: '0', max: '999999', step: '1', inputmode: 'numeric' });
  input.value = String(value);
  const next = el('button', { type: 'button', class: 'ghost', id: `${id}-next`, title: 'next seed' }, '+1');
  row.append(input, next);
  wrap.append(head, row, el('span', { class: 'control-hint' }, 'weights, pair draws, layout: all from this'));
  parent.append(wrap);
  let current = value;
  const inputs: ((v: number) => void)[] = [];
  const commit = (): void => {
    const v = Math.max(0, Math.min(999999, Math.round(Number(input.value) || 0)));
    input.value = String(v);
    if (v === current) return;
    current = v;
    for (const fn of inputs) fn(v);
  };
  input.addEventListener('change', commit);
  next.addEventListener('click', () => {
    input.value = String(current + 1);
    commit();
  });
  return {
    get value() {
      return current;
    },
    set(v: number) {
      current = v;
      input.value = String(v);
    },
    onInput(fn) {
      inputs.push(fn);
    },
    onChange(fn) {
      inputs.push(fn);
    },
  };
}

/** A button with an icon glyph and a label. */
export function button(parent: HTMLElement, id: string, label: string, opts: { primary?: boolean; title?: string } = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', id, class: opts.primary ? 'primary' : 'secondary', title: opts.title ?? label }, label);
  parent.append(b);
  return b;
}

/** Sets a stat's text by id (the `<dd>` in the stats lists). */
export function stat(id: string, text: string): void {
  byId(id).textContent = text;
}

export const fmt = {
  fixed: (d: number) => (v: number): string => v.toFixed(d),
  percent: (v: number): string => `${(100 * v).toFixed(1)} %`,
  int: (v: number): string => Math.round(v).toLocaleString('en-US'),
};
