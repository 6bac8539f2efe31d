/**
 * The schema subset of schema.ts is ONNX's own: each message, field (name, number, type, label, packing) and
 * enum value in it is compared with the onnx.proto that Debian's python3-onnx ships, parsed by protobufjs's
 * full build. And the ONNX sources stay browser-safe: they import only the workspace and protobufjs's light build.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { pythonHas, runPython } from '../../../../testing/onnx.js';
import { onnxSchema } from './schema.js';

type Json = { fields?: Record<string, { type: string; id: number; rule?: string; options?: { packed: boolean } }>; values?: Record<string, number>; nested?: Record<string, Json> };

const protoPath = pythonHas('onnx')
  ? runPython("import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), 'onnx.proto'))").trim()
  : '';
const hasProto = protoPath !== '' && existsSync(protoPath);

describe.skipIf(!hasProto)(`schema.ts against onnx.proto${hasProto ? ` (${protoPath})` : ': skipped, /usr/bin/python3 has no onnx package'}`, () => {
  const reference = hasProto ? protobuf.parse(readFileSync(protoPath, 'utf8'), { keepCase: true }).root : new protobuf.Root();
  const ours = protobuf.Root.fromJSON(onnxSchema);
  reference.resolveAll();
  ours.resolveAll();

  /** Every message and enum of the descriptor, by full name, depth first. */
  const entries = (nested: Record<string, Json>, prefix: string): [string, Json][] =>
    Object.entries(nested).flatMap(([name, j]) => [[`${prefix}.${name}`, j] as [string, Json], ...entries(j.nested ?? {}, `${prefix}.${name}`)]);
  const all = entries(onnxSchema.nested.onnx.nested as Record<string, Json>, 'onnx');

  it('covers the messages an exported model is made of', () => {
    expect(all.map(([n]) => n).filter((n) => !/\.(AttributeType|DataType)$/.test(n)).sort()).toEqual([
      'onnx.AttributeProto', 'onnx.GraphProto', 'onnx.ModelProto', 'onnx.NodeProto', 'onnx.OperatorSetIdProto',
      'onnx.StringStringEntryProto', 'onnx.TensorProto', 'onnx.TensorShapeProto', 'onnx.TensorShapeProto.Dimension',
      'onnx.TypeProto', 'onnx.TypeProto.Tensor', 'onnx.ValueInfoProto',
    ]);
  });

  it.each(all.filter(([, j]) => j.fields).map(([n]) => [n]))('%s: every field has onnx.proto\'s number, type, label and packing', (name) => {
    const mine = ours.lookupType(name), theirs = reference.lookupType(name);
    // Packing only means something for repeated numbers (strings and messages are always length-delimited).
    const summary = (f: protobuf.Field): object => ({
      id: f.id,
      type: f.resolvedType?.fullName ?? f.type,
      repeated: f.repeated,
      packed: f.repeated && f.type in protobuf.types.packed ? f.packed : 'n/a',
    });
    for (const f of mine.fieldsArray) {
      const ref = theirs.fields[f.name];
      expect(ref, `${name}.${f.name} is in onnx.proto`).toBeDefined();
      expect(summary(f), `${name}.${f.name}`).toEqual(summary(ref!));
    }
  });

  it.each(all.filter(([, j]) => j.values).map(([n]) => [n]))('%s: the enum has exactly onnx.proto\'s values', (name) => {
    expect(ours.lookupEnum(name).values).toEqual(reference.lookupEnum(name).values);
  });
});

describe('the ONNX sources are browser-safe', () => {
  it('import nothing but the workspace, their siblings and protobufjs/light.js', () => {
    const dir = new URL('./', import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(sources.sort()).toEqual(['export.ts', 'schema.ts']);
    for (const f of sources) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      const specifiers = [...text.matchAll(/^import[^;]*?from '([^']+)'/gm)].map((m) => m[1]!);
      for (const s of specifiers) expect(s, `${f} imports ${s}`).toMatch(/^(@tsgrad\/(tensor|autograd)|\.\.?\/[\w./-]+\.js|protobufjs\/light\.js)$/);
    }
  });
});
