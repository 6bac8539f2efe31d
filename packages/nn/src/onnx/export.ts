/**
 * ONNX export: the bytes of an ONNX model that computes a module's forward, for any model built from this
 * package's layers, so a map trained with tsgrad runs in onnxruntime (Python, C++, mobile, the web), or in
 * any other engine that reads ONNX.
 *
 * How the model is walked. A table, `onnxRules`, holds one rule per layer class of layers.ts; its type
 * has a key for every class that module exports, so a new layer does not compile until it says how it maps to
 * ONNX. A module is exported by the rule of the nearest class in its prototype chain that has one, and only
 * if the module still uses that class's `forward`: a user subclass of `Sequential` that only sets up its layers
 * exports like a Sequential, but a class with a forward of its own (whose function the exporter cannot know)
 * is rejected with its class name and its path in the model. Leaf layers run their own forward once on a
 * traced input of `inputShape`, which both checks the shape with the layer's own error and gives the shape
 * of each value, written into the graph as value_info (so ONNX's shape inference cross-checks it).
 *
 * Layouts: weights go in as initialisers named by their state-dict keys (`0.weight`, `features.2.bias`), in
 * PyTorch's layouts (Linear [out, in], Conv2d OIHW), the same tensors `saveSafetensors` writes; axis 0 of the
 * input and of every value is the symbolic batch dimension.
 *
 * Encoding: protobufjs's light build with the JSON descriptor of schema.ts (see there for why).
 */
import protobuf from 'protobufjs/light.js';
import { noGrad, variable, type Variable } from '@tsgrad/autograd';
import { TsgradError, fmtShape, zeros, type DType } from '@tsgrad/tensor';
import * as layers from '../layers.js';
import { Module, NNError, Parameter } from '../module.js';
import { AttributeType, DataType, onnxSchema } from './schema.js';

/** A model (or options) that exportOnnx cannot turn into a faithful ONNX graph; nothing is returned. */
export class OnnxExportError extends NNError {}

/**
 * The opsets exportOnnx writes and the ONNX IR version each was released with (onnx's VERSION_TABLE). None of
 * the operators the rules use changed meaning from 13 to 21 (later versions only added element types).
 */
const IR_VERSION: Readonly<Record<number, number>> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };
const OPSET_MIN = Math.min(...Object.keys(IR_VERSION).map(Number));
const OPSET_MAX = Math.max(...Object.keys(IR_VERSION).map(Number));
/** The default opset: the newest that Debian's python3-onnx (1.12) checks, read by every runtime of the last years. */
export const DEFAULT_ONNX_OPSET = 17;

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /**
   * Shape of one input batch, batch axis first, e.g. `[1, 1, 32, 32]` for NCHW images. The batch size given
   * is only used to trace shapes: axis 0 is exported as the symbolic dimension `names.batch`, so the model
   * takes any batch size.
   */
  inputShape: readonly number[];
  /** ONNX opset of the default domain, an integer from 13 to 21 (default 17). */
  opset?: number;
  /** Names in the graph: of its input (default 'input'), its output ('output') and the batch dimension ('batch'). */
  names?: { input?: string; output?: string; batch?: string };
  /**
   * Element type of the graph (default: the parameters' dtype). `'float32'` from a float64 model rounds the
   * weights to float32: runtimes implement fewer operators in double (onnxruntime has no double Conv or pooling).
   */
  dtype?: DType;
}

/** A value flowing through the graph during export: its ONNX name and a traced tensor of its shape (axis 0 the batch). */
interface Traced {
  name: string;
  value: Variable;
}

/** How one layer class maps to ONNX: given the module, its input and its path, add nodes and return the output. */
export type OnnxRule<M extends Module> = (m: M, x: Traced, g: GraphBuilder, path: string) => Traced;

/** A node attribute value: an int, a list of ints, or a tensor (Constant's value). */
type Attr = number | readonly number[] | TensorJson;

interface TensorJson {
  name?: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

interface NodeJson {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  attribute: Record<string, unknown>[];
}

interface ValueInfoJson {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

const className = (m: object): string => (m.constructor as { name?: string }).name || 'an anonymous Module';
/** How messages name a module: `layer '1.0' (Conv2d)`, or `the model (Sequential)` at the root. */
const layerAt = (path: string, m: object): string => `${path === '' ? 'the model' : `layer '${path}'`} (${className(m)})`;
const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

function pair(v: number | readonly number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0]!, v[1]!];
}

/** Little-endian bytes of a float tensor (ONNX's raw_data is little-endian whatever the host). */
function rawData(values: ArrayLike<number>, dtype: DType | 'int64'): Uint8Array {
  const width = dtype === 'float32' ? 4 : 8;
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'float32') view.setFloat32(i * 4, values[i]!, true);
    else if (dtype === 'float64') view.setFloat64(i * 8, values[i]!, true);
    else view.setBigInt64(i * 8, BigInt(values[i]!), true);
  }
  return out;
}

/** Index of a flat offset in a C-ordered shape, printed as [i,j,...]. */
function indexOf(flat: number, shape: readonly number[]): string {
  const idx: number[] = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = flat % shape[k]!;
    flat = Math.floor(flat / shape[k]!);
  }
  return fmtShape(idx);
}

/** Collects nodes, initialisers and value infos while the model is walked; rules add to it. */
export class GraphBuilder {
  /** The nodes, in topological order (the order they were added). */
  readonly nodes: NodeJson[] = [];
  /** One initialiser per parameter used, named by its state-dict key. */
  readonly initializers: TensorJson[] = [];
  /** Shapes of the values layers hand on, for the graph's value_info. */
  readonly valueInfo: ValueInfoJson[] = [];
  private readonly used = new Set<string>();
  private readonly emitted = new Set<Parameter>();

  constructor(
    /** The opset the graph is written for. */
    readonly opset: number,
    /** Element type of the graph's values and initialisers. */
    readonly dtype: DType,
    /** Name of the symbolic batch dimension. */
    readonly batchName: string,
    private readonly paramNames: ReadonlyMap<Parameter, string>,
    reserved: readonly string[],
  ) {
    for (const r of reserved) this.used.add(r);
  }

  /** The ONNX element type of the model's values. */
  get elemType(): number {
    return this.dtype === 'float64' ? DataType.DOUBLE : DataType.FLOAT;
  }

  private fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node `opType(inputs)` with attributes, named after the layer's path as PyTorch's exporter does; returns its output. */
  node(path: string, opType: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}): string {
    const name = this.fresh(`/${path === '' ? '' : `${path.replace(/\./g, '/')}/`}${opType}`);
    const output = this.fresh(`${name}_output_0`);
    const attribute = Object.entries(attrs).map(([key, v]) => {
      if (typeof v === 'number') return { name: key, type: AttributeType.INT, i: v };
      if (Array.isArray(v)) return { name: key, type: AttributeType.INTS, ints: v as number[] };
      return { name: key, type: AttributeType.TENSOR, t: v };
    });
    this.nodes.push({ input: [...inputs], output: [output], name, op_type: opType, attribute });
    return output;
  }

  /** A constant int64 vector (Reshape's shape), as a Constant node; returns its output. */
  int64Constant(path: string, values: readonly number[]): string {
    return this.node(path, 'Constant', [], { value: { dims: [values.length], data_type: DataType.INT64, raw_data: rawData(values, 'int64') } });
  }

  /** A constant scalar of the graph's element type, as a Constant node; returns its output. */
  scalarConstant(path: string, value: number): string {
    return this.node(path, 'Constant', [], { value: { dims: [], data_type: this.elemType, raw_data: rawData([value], this.dtype) } });
  }

  /**
   * The initialiser holding parameter `p` of the layer at `path`, added on first use (a parameter shared by
   * two layers is stored once). A non-finite value is an error: ONNX would carry it into every prediction.
   */
  param(p: Parameter, m: Module, path: string): string {
    const name = this.paramNames.get(p);
    if (name === undefined) {
      throw new OnnxExportError(`[exportOnnx] ${layerAt(path, m)} uses a parameter that is not among the model's parameters`);
    }
    if (!this.emitted.has(p)) {
      const data = p.value.toTypedArray();
      const round = this.dtype === 'float32' ? Math.fround : (v: number): number => v;
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(round(data[i]!))) {
          const what = Number.isFinite(data[i]!) ? `${data[i]}, which overflows float32,` : `(${data[i]})`;
          throw new OnnxExportError(
            `[exportOnnx] parameter '${name}' of ${layerAt(path, m)} has a non-finite value ${what} at ${indexOf(i, p.shape)} of ${fmtShape(p.shape)}: fix or retrain the weights before exporting`,
          );
        }
      }
      this.emitted.add(p);
      this.initializers.push({ name, dims: [...p.shape], data_type: this.elemType, raw_data: rawData(data, this.dtype) });
    }
    return name;
  }

  /** The ONNX type of a value of `shape` whose axis 0 is the batch dimension. */
  valueType(shape: readonly number[]): ValueInfoJson['type'] {
    const dim = shape.map((d, i) => (i === 0 ? { dim_param: this.batchName } : { dim_value: d }));
    return { tensor_type: { elem_type: this.elemType, shape: { dim } } };
  }

  /** Records the shape of a value a layer hands on (value_info). */
  describe(t: Traced): void {
    this.valueInfo.push({ name: t.name, type: this.valueType(t.value.shape) });
  }

  /** Adds the nodes of module `m` at `path`, applied to `x`, by its rule; rejects a module no rule covers. */
  module(m: Module, x: Traced, path: string): Traced {
    return ruleFor(m, path)(m, x, this, path);
  }
}

/**
 * A rule for a layer that computes its output with its own forward: `emit` adds the nodes and returns the name
 * of their output; the layer's forward, run on the traced input, checks the input's shape (its error is
 * re-thrown naming the layer, its path and the shape) and gives the output's shape.
 */
function leaf<M extends Module>(emit: (m: M, x: Traced, g: GraphBuilder, path: string, y: Variable) => string): OnnxRule<M> {
  return (m, x, g, path) => {
    let y: Variable;
    try {
      y = noGrad(() => m.forward(x.value));
    } catch (e) {
      if (!(e instanceof TsgradError)) throw e;
      throw new OnnxExportError(`[exportOnnx] ${layerAt(path, m)} cannot take its input of shape ${fmtShape(x.value.shape)}: ${e.message}`);
    }
    const out: Traced = { name: emit(m, x, g, path, y), value: y };
    g.describe(out);
    return out;
  };
}

/** The elementwise activations: one ONNX op each, no attributes. */
const unary = <M extends Module>(op: string): OnnxRule<M> => leaf((_m, x, g, path) => g.node(path, op, [x.name]));

type LayerClasses = typeof layers;

/** One rule per layer class of layers.ts (a missing one is a compile error); exportOnnx's comment lists what each writes. */
export const onnxRules: { readonly [K in keyof LayerClasses]: OnnxRule<InstanceType<LayerClasses[K]>> } = {
  Sequential: (m, x, g, path) => m.layers.reduce((y, layer, i) => g.module(layer, y, join(path, String(i))), x),
  Linear: leaf((m, x, g, path) => {
    const w = g.param(m.weight, m, path);
    const b = m.bias ? g.param(m.bias, m, path) : null;
    if (x.value.ndim === 2) return g.node(path, 'Gemm', b ? [x.name, w, b] : [x.name, w], { transB: 1 });
    const y = g.node(path, 'MatMul', [x.name, g.node(path, 'Transpose', [w], { perm: [1, 0] })]);
    return b ? g.node(path, 'Add', [y, b]) : y;
  }),
  Conv2d: leaf((m, x, g, path) => {
    const w = g.param(m.weight, m, path);
    const inputs = m.bias ? [x.name, w, g.param(m.bias, m, path)] : [x.name, w];
    const [ph, pw] = pair(m.padding);
    return g.node(path, 'Conv', inputs, {
      kernel_shape: m.weight.shape.slice(2),
      strides: pair(m.stride),
      dilations: pair(m.dilation),
      pads: [ph, pw, ph, pw],
      group: 1,
    });
  }),
  AvgPool2d: leaf((m, x, g, path) => {
    const o = m.options;
    const [ph, pw] = pair(o.padding ?? 0);
    return g.node(path, 'AveragePool', [x.name], {
      kernel_shape: pair(o.kernelSize),
      strides: pair(o.stride ?? o.kernelSize),
      pads: [ph, pw, ph, pw],
      count_include_pad: (o.countIncludePad ?? true) ? 1 : 0,
      ceil_mode: 0,
    });
  }),
  MaxPool2d: leaf((m, x, g, path) => {
    const o = m.options;
    const [ph, pw] = pair(o.padding ?? 0);
    return g.node(path, 'MaxPool', [x.name], {
      kernel_shape: pair(o.kernelSize),
      strides: pair(o.stride ?? o.kernelSize),
      pads: [ph, pw, ph, pw],
      ceil_mode: 0,
    });
  }),
  Flatten: leaf((m, x, g, path, y) => {
    const r = x.value.ndim;
    const start = m.startAxis < 0 ? m.startAxis + r : m.startAxis;
    const end = m.endAxis < 0 ? m.endAxis + r : m.endAxis;
    if (start === 0) {
      throw new OnnxExportError(
        `[exportOnnx] ${layerAt(path, m)} merges the batch axis (startAxis ${m.startAxis} of input ${fmtShape(x.value.shape)}): the exported model takes any batch size, so axis 0 must stay the batch; flatten from axis 1`,
      );
    }
    if (start === 1 && end === r - 1) return g.node(path, 'Flatten', [x.name], { axis: 1 });
    // Reshape's shape: 0 copies the input's batch size; every other size is fixed.
    return g.node(path, 'Reshape', [x.name, g.int64Constant(path, y.shape.map((d, i) => (i === 0 ? 0 : d)))]);
  }),
  ReLU: unary('Relu'),
  Tanh: unary('Tanh'),
  Sigmoid: unary('Sigmoid'),
  // Opset 20 has Gelu (exact form by default); below it, ½·x·(1 + Erf(x/√2)) from Erf (opset 9+), the same formula.
  GELU: leaf((_m, x, g, path) => {
    if (g.opset >= 20) return g.node(path, 'Gelu', [x.name]);
    const erf = g.node(path, 'Erf', [g.node(path, 'Div', [x.name, g.scalarConstant(path, Math.SQRT2)])]);
    const onePlus = g.node(path, 'Add', [erf, g.scalarConstant(path, 1)]);
    return g.node(path, 'Mul', [g.node(path, 'Mul', [x.name, onePlus]), g.scalarConstant(path, 0.5)]);
  }),
};

const ruleTable = new Map<unknown, OnnxRule<Module>>(
  Object.entries(onnxRules).map(([name, rule]) => [layers[name as keyof LayerClasses], rule as OnnxRule<Module>]),
);
const knownLayers = Object.keys(onnxRules).join(', ');

function ruleFor(m: Module, path: string): OnnxRule<Module> {
  if (!(m instanceof Module)) throw new OnnxExportError(`[exportOnnx] ${path === '' ? 'the model' : `layer '${path}'`} is not a Module`);
  for (let proto: unknown = Object.getPrototypeOf(m); proto && proto !== Module.prototype; proto = Object.getPrototypeOf(proto)) {
    const cls = (proto as { constructor: unknown }).constructor;
    const rule = ruleTable.get(cls);
    if (rule === undefined) continue;
    if (m.forward !== (proto as Module).forward) {
      throw new OnnxExportError(
        `[exportOnnx] cannot export ${layerAt(path, m)}: it overrides ${(cls as { name: string }).name}'s forward, which the exporter cannot know; build it from ${knownLayers}`,
      );
    }
    return rule;
  }
  throw new OnnxExportError(
    `[exportOnnx] cannot export ${layerAt(path, m)}: no ONNX rule for it or a class it extends; the exporter knows ${knownLayers}`,
  );
}

let modelProto: protobuf.Type | undefined;

function checkName(what: string, v: unknown, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || v === '') throw new OnnxExportError(`[exportOnnx] names.${what} must be a non-empty string: got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The bytes of an ONNX model (a `.onnx` file) that computes `model`'s forward on inputs of
 * `[batch, ...inputShape.slice(1)]`, for any batch size.
 *
 * The model must be built from these layers (nested Sequentials, and subclasses that keep their class's
 * forward, included), which map to ONNX operators as follows:
 * - `Sequential`: its layers' nodes, in order (no node of its own).
 * - `Linear`: `Gemm(x, W, b; transB = 1)` for a 2-D input [N, in]; for any other rank
 *   `MatMul(x, Transpose(W)) (+ Add b)`, as Linear applies to the last axis. No bias: no C input, no Add.
 * - `Conv2d`: `Conv(x, W, b)` with kernel_shape, strides, dilations, pads [ph, pw, ph, pw], group 1.
 * - `AvgPool2d`: `AveragePool` with kernel_shape, strides, pads, count_include_pad = countIncludePad (tsgrad's
 *   default, 1, is not ONNX's default, so it is always written) and ceil_mode 0 (tsgrad floors, like PyTorch).
 * - `MaxPool2d`: `MaxPool` with kernel_shape, strides, pads (padding never wins, as in tsgrad), ceil_mode 0.
 * - `Flatten`: `Flatten(axis = 1)` when it merges every axis after the batch (the default), else `Reshape`
 *   to the merged shape with 0 (copy) for the batch size. A Flatten that merges the batch axis itself is
 *   rejected: the model would no longer take any batch size.
 * - `ReLU`, `Tanh`, `Sigmoid`: `Relu`, `Tanh`, `Sigmoid`.
 * - `GELU`: `Gelu` at opset 20 and above, else `Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)`.
 *
 * Weights are stored as initialisers named like the state dict, in PyTorch's layouts, as FLOAT (float32)
 * or DOUBLE (float64): the model's dtype unless `dtype` says otherwise. The graph has one input, `names.input`,
 * and one output, `names.output`, whose axis 0 is the symbolic dimension `names.batch`: every layer above
 * treats the samples of a batch independently, so the graph is valid for any batch size.
 *
 * Throws {@link OnnxExportError}, before anything is encoded, for a layer no rule covers or whose forward is
 * its own (naming its class and path), an input shape a layer rejects (naming the layer, its path and the
 * shape it got), a model without parameters, parameters of mixed dtypes, a non-finite weight (naming the
 * parameter and the index), a bad opset or bad names.
 *
 * @example
 * ```ts
 * const bytes = exportOnnx(net, { inputShape: [1, 1, 32, 32] }); // write it to model.onnx
 * ```
 */
export function exportOnnx(model: Module, options: ExportOnnxOptions): Uint8Array {
  if (!(model instanceof Module)) throw new OnnxExportError('[exportOnnx] model must be a Module');
  if (options === null || typeof options !== 'object') throw new OnnxExportError('[exportOnnx] options { inputShape } are required');
  const shape = options.inputShape;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new OnnxExportError(`[exportOnnx] inputShape must be an array of positive integers, batch first: got ${Array.isArray(shape) ? fmtShape(shape) : String(shape)}`);
  }
  if (shape.length < 2) {
    throw new OnnxExportError(`[exportOnnx] inputShape ${fmtShape(shape)} must have the batch axis first and at least one more axis: got rank ${shape.length}`);
  }
  const opset = options.opset ?? DEFAULT_ONNX_OPSET;
  if (!Number.isInteger(opset) || opset < OPSET_MIN || opset > OPSET_MAX) {
    throw new OnnxExportError(`[exportOnnx] opset must be an integer from ${OPSET_MIN} to ${OPSET_MAX}: got ${String(opset)}`);
  }
  const inputName = checkName('input', options.names?.input, 'input');
  const outputName = checkName('output', options.names?.output, 'output');
  const batchName = checkName('batch', options.names?.batch, 'batch');
  if (options.dtype !== undefined && options.dtype !== 'float32' && options.dtype !== 'float64') {
    throw new OnnxExportError(`[exportOnnx] dtype must be 'float32' or 'float64': got ${JSON.stringify(options.dtype)}`);
  }
  if (inputName === outputName) throw new OnnxExportError(`[exportOnnx] names.input and names.output must differ: both are '${inputName}'`);

  const named = model.namedParameters();
  if (named.length === 0) {
    throw new OnnxExportError(`[exportOnnx] the model (${className(model)}) has no parameters: there is nothing learned to export`);
  }
  const dtype = named[0]![1].dtype;
  const other = named.find(([, p]) => p.dtype !== dtype);
  if (other) {
    throw new OnnxExportError(`[exportOnnx] the parameters mix dtypes: '${named[0]![0]}' is ${dtype}, '${other[0]}' is ${other[1].dtype}; convert them to one dtype first`);
  }
  const graphDType = options.dtype ?? dtype;
  const paramNames = new Map(named.map(([name, p]) => [p, name] as const));
  for (const name of [inputName, outputName]) {
    if (named.some(([n]) => n === name)) throw new OnnxExportError(`[exportOnnx] names: '${name}' is already the name of a parameter`);
  }

  const g = new GraphBuilder(opset, graphDType, batchName, paramNames, [inputName, outputName, ...paramNames.values()]);
  const input: Traced = { name: inputName, value: variable(zeros(shape, { dtype })) };
  const out = g.module(model, input, '');
  // The last node writes the graph's output (an Identity if the model passed its input straight through).
  const last = g.nodes.find((n) => n.output[0] === out.name);
  if (last) last.output[0] = outputName;
  else g.nodes.push({ input: [out.name], output: [outputName], name: '/Identity', op_type: 'Identity', attribute: [] });
  const valueInfo = g.valueInfo.filter((v) => v.name !== out.name);

  const proto = {
    ir_version: IR_VERSION[opset],
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'tsgrad',
    doc_string: `${className(model)} exported by @tsgrad/nn exportOnnx`,
    graph: {
      name: className(model),
      node: g.nodes,
      initializer: g.initializers,
      input: [{ name: inputName, type: g.valueType(shape) }],
      output: [{ name: outputName, type: g.valueType(out.value.shape) }],
      value_info: valueInfo,
    },
  };
  modelProto ??= protobuf.Root.fromJSON(onnxSchema).lookupType('onnx.ModelProto');
  const bytes = modelProto.encode(modelProto.fromObject(proto)).finish();
  // In Node protobufjs writes into a (possibly pooled) Buffer; hand back a plain Uint8Array of our own.
  return new Uint8Array(bytes);
}
