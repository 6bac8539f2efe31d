/**
 * The real ONNX clients the export tests check against: onnxruntime-web (its WebAssembly build, run in Node,
 * single-threaded) and Debian's python3-onnx (`onnx.checker`), found at /usr/bin/python3.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import type { Tensor } from '@tsgrad/tensor';

// The .wasm and its loader sit beside the package's entry point; one thread, so no worker is started.
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = fileURLToPath(new URL('../packages/nn/node_modules/onnxruntime-web/dist/', import.meta.url));

export { ort };

/** Runs an ONNX model in onnxruntime-web on one input; returns the output's shape and values (a `toBeAllclose` operand). */
export async function runOnnx(bytes: Uint8Array, x: Tensor, names = { input: 'input', output: 'output' }): Promise<{ shape: number[]; data: Float32Array | Float64Array }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ [names.input]: new ort.Tensor(x.dtype, x.contiguous().toTypedArray(), x.shape) });
    const y = out[names.output]!;
    return { shape: [...y.dims], data: y.data as Float32Array | Float64Array };
  } finally {
    await session.release();
  }
}

/** Debian's Python, which has onnx and torch (the pyenv python3 first on PATH has neither). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Whether SYSTEM_PYTHON can import `module`. */
export function pythonHas(module: string): boolean {
  return spawnSync(SYSTEM_PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' }).status === 0;
}

/** Runs a Python script with SYSTEM_PYTHON in `cwd`; throws with its stderr when it fails; returns stdout. */
export function runPython(script: string, cwd?: string): string {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', script], { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** What onnx says of one model: the checker's verdict, whether onnx re-serialises it to the same bytes, its initialisers. */
export interface OnnxReport {
  /** null when `onnx.checker.check_model(model, full_check=True)` passes, else its message. */
  error: string | null;
  /** The model parsed by onnx and serialised again is byte for byte the file. */
  sameBytes: boolean;
  /** Initialiser names, in order. */
  initializers: string[];
  /** Output shape as ONNX's shape inference gives it (a dim_param as its name). */
  outputShape: (number | string)[];
  /** The file's IR version and default-domain opset. */
  irVersion: number;
  opset: number;
}

/** Checks every model with the onnx Python package, in one Python process. */
export function onnxReports(models: Uint8Array[]): OnnxReport[] {
  const dir = mkdtempSync(join(tmpdir(), 'tsgrad-onnx-'));
  try {
    const files = models.map((m, i) => {
      const f = join(dir, `m${i}.onnx`);
      writeFileSync(f, m);
      return f;
    });
    const script = `
import json, sys, onnx
out = []
for path in ${JSON.stringify(files)}:
    data = open(path, 'rb').read()
    model = onnx.load_from_string(data)
    try:
        onnx.checker.check_model(model, full_check=True)
        error = None
    except Exception as e:
        error = str(e)
    inferred = onnx.shape_inference.infer_shapes(model)
    dims = [d.dim_param if d.HasField('dim_param') else d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
    out.append({'error': error, 'sameBytes': model.SerializeToString() == data,
                'initializers': [t.name for t in model.graph.initializer], 'outputShape': dims,
                'irVersion': model.ir_version, 'opset': next(o.version for o in model.opset_import if o.domain == '')})
print(json.dumps(out))
`;
    return JSON.parse(runPython(script)) as OnnxReport[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
