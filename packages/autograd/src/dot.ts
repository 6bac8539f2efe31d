/** Graphviz pictures of a graph. */
import { fmtShape } from '@tsgrad/tensor';
import type { Node, Variable } from './graph.js';

function esc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/**
 * Graphviz DOT of the graph that made `output`: one box per op (its name and output shape), one ellipse per
 * leaf (its name, if any, and shape; filled when it requires a gradient), edges from inputs to ops.
 * Render with `dot -Tsvg`. A freed graph shows the freed node without its inputs.
 */
export function toDot(output: Variable, opts: { name?: string } = {}): string {
  const lines = [`digraph ${JSON.stringify(opts.name ?? 'tsgrad')} {`, '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];'];
  const ids = new Map<Variable, string>();
  const seen = new Set<Node>();
  const idOf = (v: Variable): string => {
    let id = ids.get(v);
    if (id === undefined) {
      id = `v${ids.size}`;
      ids.set(v, id);
      if (v.node === null) {
        // Escape the user's name only: the `\n` before the shape is DOT's line break, one backslash in the file.
        const label = `${v.name ? `${esc(v.name)}\\n` : ''}${fmtShape(v.shape)}`;
        const style = v.requiresGrad ? ', style=filled, fillcolor="#dbe9f6"' : '';
        lines.push(`  ${id} [shape=ellipse, label="${label}"${style}];`);
      } else {
        lines.push(`  ${id} [shape=box, label="${v.node.prim}\\n${fmtShape(v.shape)}"];`);
      }
    }
    return id;
  };
  const stack: Variable[] = [output];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const id = idOf(v);
    const node = v.node;
    if (node === null || seen.has(node)) continue;
    seen.add(node);
    for (const x of node.inputs ?? []) {
      lines.push(`  ${idOf(x)} -> ${id};`);
      stack.push(x);
    }
  }
  lines.push('}');
  return lines.join('\n');
}
