/**
 * exportOnnx, checked by real ONNX clients: every model of the table below (and a fast-check family of
 * convolution and pooling geometries) runs in onnxruntime-web and matches tsgrad's forward over seeded random
 * inputs at several batch sizes (the dynamic batch axis); Debian's onnx checks each model with
 * `check_model(full_check=True)`, re-serialises it to the same bytes, and infers the same output shape. Every
 * rejected model and option has its message asserted.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, type DType, type Tensor } from '@tsgrad/tensor';
import * as A from '@tsgrad/autograd';
import {
  AvgPool2d, Conv2d, Flatten, GELU, Linear, MaxPool2d, Module, OnnxExportError, Parameter, ReLU, Sequential, Sigmoid, Tanh, exportOnnx,
} from '@tsgrad/nn';
import { expectError } from '../../../../testing/errors.js';
import { onnxReports, pythonHas, runOnnx, runPython } from '../../../../testing/onnx.js';
import { forward32Sum, forward64 } from '../../../../testing/tolerances.js';

const forward = (m: Module, x: Tensor): Tensor => A.noGrad(() => m.forward(new A.Variable(x))).value;

/** The DrLIM network of @tsgrad/contrastive (drlimNetwork), layer by layer: nn must not depend on contrastive. */
function drlimStack(g: Generator, act: () => Module = () => new Tanh(), dtype: DType = 'float32'): Sequential {
  return new Sequential(
    new Conv2d(1, 15, 6, { generator: g, dtype }),
    act(),
    new AvgPool2d({ kernelSize: 3 }),
    new Conv2d(15, 30, 9, { generator: g, dtype }),
    act(),
    new Flatten(),
    new Linear(30, 2, { generator: g, dtype }),
  );
}

/** A Sequential subclass that only sets up its layers: it keeps Sequential's forward, so it exports. */
class Encoder extends Sequential {
  constructor(g: Generator) {
    super(new Conv2d(1, 3, 3, { generator: g }), new Tanh());
  }
}

interface Case {
  name: string;
  build: (g: Generator) => Module;
  inputShape: number[];
  dtype?: DType;
}

const cases: Case[] = [
  {
    name: 'MLP: Linear, ReLU, Linear, Sigmoid (Gemm)',
    build: (g) => new Sequential(new Linear(5, 8, { generator: g }), new ReLU(), new Linear(8, 3, { generator: g }), new Sigmoid()),
    inputShape: [2, 5],
  },
  {
    name: 'MLP with GELU (Erf composition at the default opset)',
    build: (g) => new Sequential(new Linear(4, 6, { generator: g }), new GELU(), new Linear(6, 2, { generator: g })),
    inputShape: [2, 4],
  },
  { name: 'a lone Linear without bias (the model is a leaf)', build: (g) => new Linear(4, 3, { generator: g, bias: false }), inputShape: [1, 4] },
  {
    name: 'Linear on rank-3 inputs (MatMul + Add, MatMul alone without bias), Tanh',
    build: (g) => new Sequential(new Linear(4, 6, { generator: g }), new Tanh(), new Linear(6, 2, { generator: g, bias: false })),
    inputShape: [2, 3, 4],
  },
  { name: 'the DrLIM network (tanh)', build: (g) => drlimStack(g), inputShape: [1, 1, 32, 32] },
  { name: 'the DrLIM network (relu)', build: (g) => drlimStack(g, () => new ReLU()), inputShape: [1, 1, 32, 32] },
  {
    name: 'Conv2d with stride, padding, dilation; MaxPool2d with padding; Flatten; Linear',
    build: (g) =>
      new Sequential(
        new Conv2d(2, 4, 3, { generator: g, stride: 2, padding: 2, dilation: 2 }),
        new ReLU(),
        new MaxPool2d({ kernelSize: 3, stride: 1, padding: 1 }),
        new Flatten(),
        new Linear(4 * 6 * 5, 3, { generator: g }),
      ),
    inputShape: [1, 2, 11, 9],
  },
  {
    name: 'rectangular geometry, no conv bias; AvgPool2d without counting padding; Flatten(1, 2) (Reshape); Linear on rank 3',
    build: (g) =>
      new Sequential(
        new Conv2d(3, 5, [3, 2], { generator: g, stride: [2, 1], padding: [1, 0], dilation: [1, 2], bias: false }),
        new AvgPool2d({ kernelSize: [2, 3], stride: [2, 1], padding: [1, 1], countIncludePad: false }),
        new Sigmoid(),
        new Flatten(1, 2),
        new Linear(5, 2, { generator: g }),
      ),
    inputShape: [2, 3, 8, 7],
  },
  {
    name: 'AvgPool2d counting padding (tsgrad\'s and PyTorch\'s default, not ONNX\'s); Flatten(2) (Reshape)',
    build: (g) => new Sequential(new Conv2d(2, 3, 2, { generator: g }), new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }), new Flatten(2)),
    inputShape: [1, 2, 9, 8],
  },
  {
    name: 'nested Sequentials and a Sequential subclass that keeps its forward',
    build: (g) => new Sequential(new Encoder(g), new Sequential(new Flatten(), new Sequential(new Linear(3 * 6 * 6, 4, { generator: g }))), new ReLU()),
    inputShape: [1, 1, 8, 8],
  },
  {
    name: 'one Linear used twice (shared weights, stored once)',
    build: (g) => {
      const l = new Linear(4, 4, { generator: g });
      return new Sequential(l, new Tanh(), l);
    },
    inputShape: [3, 4],
  },
  {
    name: 'a float64 MLP (DOUBLE graph)',
    build: (g) => new Sequential(new Linear(3, 5, { generator: g, dtype: 'float64' }), new Tanh(), new Linear(5, 2, { generator: g, dtype: 'float64' })),
    inputShape: [2, 3],
  },
];

const BATCHES = [1, 3, 8];
/** The largest |onnxruntime − tsgrad| seen per case, for the report printed at the end. */
const worst = new Map<string, number>();

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Exports `model`, runs it in onnxruntime at each batch size on seeded normals, compares with tsgrad's forward. */
async function expectOrtMatches(name: string, model: Module, inputShape: number[], dtype: DType, seed: number, opts: { opset?: number; dtype?: DType } = {}): Promise<void> {
  const bytes = exportOnnx(model, { inputShape, ...opts });
  const g = new Generator(seed);
  for (const n of BATCHES) {
    const x = g.normal([n, ...inputShape.slice(1)], { dtype });
    const want = forward(model, x);
    const xIn = opts.dtype && opts.dtype !== dtype ? x.astype(opts.dtype) : x;
    const got = await runOnnx(bytes, xIn);
    expect(got.shape, `${name}: output shape at batch ${n}`).toEqual(want.shape);
    expect(got, `${name}: values at batch ${n}`).toBeAllclose(want, (opts.dtype ?? dtype) === 'float64' ? forward64 : forward32Sum);
    worst.set(name, Math.max(worst.get(name) ?? 0, maxAbsDiff(got.data, want.toTypedArray())));
  }
}

afterAll(() => {
  if (worst.size === 0) return;
  const lines = [...worst].map(([name, d]) => `  ${d.toExponential(2)}  ${name}`);
  console.log(`max |onnxruntime-web − tsgrad| over batches ${BATCHES.join(', ')}:\n${lines.join('\n')}`);
});

describe('exportOnnx: onnxruntime-web runs every model as tsgrad does, at any batch size', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (name, c, i) => {
    await expectOrtMatches(name, c.build(new Generator(10 + i)), c.inputShape, c.dtype ?? c.build(new Generator(0)).parameters()[0]!.dtype, 100 + i);
  });

  it('a float64 DrLIM network exported as float32 (dtype option) matches within float32 rounding', async () => {
    await expectOrtMatches('float64 DrLIM network as float32', drlimStack(new Generator(3), () => new Tanh(), 'float64'), [1, 1, 32, 32], 'float64', 7, { dtype: 'float32' });
  });

  it.each([13, 17, 19, 20, 21])('GELU at opset %i (Gelu from 20, Erf below)', async (opset) => {
    const model = new Sequential(new Linear(3, 5, { generator: new Generator(opset) }), new GELU());
    await expectOrtMatches(`GELU, opset ${opset}`, model, [2, 3], 'float32', opset, { opset });
  });

  it.each([13, 14, 15, 16, 17, 18, 19, 20, 21])('the DrLIM network at opset %i', async (opset) => {
    await expectOrtMatches(`DrLIM network, opset ${opset}`, drlimStack(new Generator(opset)), [1, 1, 32, 32], 'float32', opset, { opset });
  });

  it('custom names: the input, output and batch dimension are named as asked', async () => {
    const net = drlimStack(new Generator(1));
    const names = { input: 'digits', output: 'embedding', batch: 'n' };
    const bytes = exportOnnx(net, { inputShape: [1, 1, 32, 32], names });
    const x = new Generator(2).normal([4, 1, 32, 32]);
    const got = await runOnnx(bytes, x, names);
    expect(got).toBeAllclose(forward(net, x), forward32Sum);
  });

  it('property: random Conv2d → activation → pooling geometries (fast-check) match at random batch sizes', async () => {
    const geometry = fc.record({
      cin: fc.integer({ min: 1, max: 3 }), cout: fc.integer({ min: 1, max: 4 }),
      kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
      sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
      ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
      dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 3, max: 10 }), w: fc.integer({ min: 3, max: 10 }),
      bias: fc.boolean(),
      act: fc.constantFrom('relu', 'tanh', 'sigmoid'),
      pool: fc.constantFrom('max', 'avg', 'avg-exclude-pad', 'none'),
      pk: fc.integer({ min: 1, max: 3 }), ps: fc.integer({ min: 1, max: 2 }), pp: fc.integer({ min: 0, max: 1 }),
      batch: fc.integer({ min: 1, max: 5 }),
      seed: fc.integer({ min: 0, max: 1 << 20 }),
    });
    await fc.assert(
      fc.asyncProperty(geometry, async (p) => {
        const oh = Math.floor((p.h + 2 * p.ph - p.dh * (p.kh - 1) - 1) / p.sh) + 1;
        const ow = Math.floor((p.w + 2 * p.pw - p.dw * (p.kw - 1) - 1) / p.sw) + 1;
        const pp = Math.min(p.pp, Math.floor(p.pk / 2));
        fc.pre(oh >= 1 && ow >= 1 && (p.pool === 'none' || (oh + 2 * pp >= p.pk && ow + 2 * pp >= p.pk)));
        const g = new Generator(p.seed);
        const act = { relu: new ReLU(), tanh: new Tanh(), sigmoid: new Sigmoid() }[p.act];
        const pool = { kernelSize: p.pk, stride: p.ps, padding: pp };
        const layers: Module[] = [
          new Conv2d(p.cin, p.cout, [p.kh, p.kw], { generator: g, stride: [p.sh, p.sw], padding: [p.ph, p.pw], dilation: [p.dh, p.dw], bias: p.bias }),
          act,
        ];
        if (p.pool === 'max') layers.push(new MaxPool2d(pool));
        if (p.pool === 'avg') layers.push(new AvgPool2d(pool));
        if (p.pool === 'avg-exclude-pad') layers.push(new AvgPool2d({ ...pool, countIncludePad: false }));
        const net = new Sequential(...layers);
        const bytes = exportOnnx(net, { inputShape: [1, p.cin, p.h, p.w] });
        const x = g.normal([p.batch, p.cin, p.h, p.w]);
        const want = forward(net, x);
        const got = await runOnnx(bytes, x);
        expect(got).toBeAllclose(want, forward32Sum);
        worst.set('fast-check conv/pool geometries', Math.max(worst.get('fast-check conv/pool geometries') ?? 0, maxAbsDiff(got.data, want.toTypedArray())));
      }),
      { numRuns: 40, seed: 15 },
    );
  });
});

const hasOnnx = pythonHas('onnx');

describe.skipIf(!hasOnnx)(`onnx.checker (Debian's python3-onnx${hasOnnx ? '' : ': skipped, /usr/bin/python3 cannot import onnx'})`, () => {
  it('passes check_model(full_check=True) on every model; onnx re-serialises each to the same bytes; initialisers are the state dict', () => {
    const models = [...cases.map((c, i) => c.build(new Generator(10 + i))), drlimStack(new Generator(3), () => new Tanh(), 'float64')];
    const shapes = [...cases.map((c) => c.inputShape), [1, 1, 32, 32]];
    const bytes = models.map((m, i) => exportOnnx(m, { inputShape: shapes[i]!, ...(i === cases.length ? { dtype: 'float32' as const } : {}) }));
    const reports = onnxReports(bytes);
    reports.forEach((r, i) => {
      const what = i < cases.length ? cases[i]!.name : 'float64 DrLIM network as float32';
      expect(r.error, what).toBeNull();
      expect(r.sameBytes, `${what}: onnx serialises the parsed model to the same bytes`).toBe(true);
      expect(r.initializers, what).toEqual(Object.keys(models[i]!.stateDict()));
      const out = forward(models[i]!, new Generator(0).normal(shapes[i]!, { dtype: models[i]!.parameters()[0]!.dtype }));
      expect(r.outputShape, what).toEqual(['batch', ...out.shape.slice(1)]);
    });
  });

  it('checks every opset whose IR version the installed checker knows, and says so for the newer ones', () => {
    const opsets = [13, 14, 15, 16, 17, 18, 19, 20, 21];
    const reports = onnxReports(opsets.map((opset) => exportOnnx(drlimStack(new Generator(0)), { inputShape: [1, 1, 32, 32], opset })));
    const checkerIr = Number(runPython('import onnx; print(onnx.IR_VERSION)'));
    // onnx's own table of releases: (release, IR version, default-domain opset, ...), for the opsets it knows.
    const releases = JSON.parse(runPython('import onnx.helper, json; print(json.dumps(onnx.helper.VERSION_TABLE))')) as [string, number, number][];
    // onnx's VERSION_TABLE for the newer opsets, which the installed onnx predates.
    const later: Record<number, number> = { 18: 8, 19: 9, 20: 9, 21: 10 };
    opsets.forEach((opset, i) => {
      const r = reports[i]!;
      expect(r.opset).toBe(opset);
      expect(r.irVersion, `IR version of opset ${opset}`).toBe(releases.find(([, , o]) => o === opset)?.[1] ?? later[opset]);
      if (r.irVersion <= checkerIr) expect(r.error, `opset ${opset}`).toBeNull();
      else expect(r.error, `opset ${opset}`).toMatch(/ir_version is higher than the checker's/);
    });
    expect(checkerIr).toBeGreaterThanOrEqual(8); // opset 17, the default, is always checked
  });
});

describe('exportOnnx rejects what it cannot export faithfully, naming the layer, its path and the shape', () => {
  const net = (): Sequential => drlimStack(new Generator(0));

  it('a layer no rule covers, by class and path', () => {
    class Residual extends Module {
      inner = new Linear(4, 4);
      forward(x: A.Variable): A.Variable {
        return A.add(x, this.inner.forward(x));
      }
    }
    const m = new Sequential(new Linear(4, 4), new Sequential(new Residual()));
    expectError(() => exportOnnx(m, { inputShape: [1, 4] }), OnnxExportError,
      "[exportOnnx] cannot export layer '1.0' (Residual): no ONNX rule for it or a class it extends; the exporter knows Sequential, Linear, Conv2d, AvgPool2d, MaxPool2d, Flatten, ReLU, Tanh, Sigmoid, GELU");
  });

  it('a subclass of a known layer that overrides its forward', () => {
    class ScaledLinear extends Linear {
      override forward(x: A.Variable): A.Variable {
        return A.mul(super.forward(x), 2);
      }
    }
    expectError(() => exportOnnx(new Sequential(new ReLU(), new ScaledLinear(3, 2)), { inputShape: [1, 3] }), OnnxExportError,
      "[exportOnnx] cannot export layer '1' (ScaledLinear): it overrides Linear's forward, which the exporter cannot know; build it from Sequential, Linear, Conv2d, AvgPool2d, MaxPool2d, Flatten, ReLU, Tanh, Sigmoid, GELU");
    class Custom extends Sequential {
      override forward(x: A.Variable): A.Variable {
        return A.neg(super.forward(x));
      }
    }
    expectError(() => exportOnnx(new Custom(new Linear(3, 2)), { inputShape: [1, 3] }), OnnxExportError,
      "[exportOnnx] cannot export the model (Custom): it overrides Sequential's forward, which the exporter cannot know; build it from Sequential, Linear, Conv2d, AvgPool2d, MaxPool2d, Flatten, ReLU, Tanh, Sigmoid, GELU");
  });

  it('an input shape that does not fit, with the layer\'s own message', () => {
    expectError(() => exportOnnx(net(), { inputShape: [1, 1, 28, 28] }), OnnxExportError,
      "[exportOnnx] layer '3' (Conv2d) cannot take its input of shape [1,15,7,7]: [conv2d] kernel 9x9 (9x9 with dilation) does not fit the padded input 7x7 of input [1,15,7,7]");
    expectError(() => exportOnnx(net(), { inputShape: [2, 3, 32, 32] }), OnnxExportError,
      "[exportOnnx] layer '0' (Conv2d) cannot take its input of shape [2,3,32,32]: [conv2d] input [2,3,32,32] has 3 channels but weight [15,1,6,6] expects 1: axis 1 differs");
    expectError(() => exportOnnx(new Sequential(new Linear(4, 2)), { inputShape: [5, 3] }), OnnxExportError,
      "[exportOnnx] layer '0' (Linear) cannot take its input of shape [5,3]: [Linear] input has shape [5,3], but the layer expects 4 features on its last axis");
  });

  it('a Flatten that merges the batch axis', () => {
    expectError(() => exportOnnx(new Sequential(new Flatten(0), new Linear(12, 2)), { inputShape: [1, 3, 4] }), OnnxExportError,
      "[exportOnnx] layer '0' (Flatten) merges the batch axis (startAxis 0 of input [1,3,4]): the exported model takes any batch size, so axis 0 must stay the batch; flatten from axis 1");
  });

  it('a model with no parameters', () => {
    expectError(() => exportOnnx(new Sequential(new ReLU(), new Flatten()), { inputShape: [1, 4] }), OnnxExportError,
      '[exportOnnx] the model (Sequential) has no parameters: there is nothing learned to export');
  });

  it('a non-finite weight, by parameter, layer and index; a float64 weight that overflows float32', () => {
    const m = net();
    (m.layers[3] as Conv2d).weight.value.data[1 * 15 * 81 + 2 * 81 + 9 * 4 + 5] = Number.NaN;
    expectError(() => exportOnnx(m, { inputShape: [1, 1, 32, 32] }), OnnxExportError,
      "[exportOnnx] parameter '3.weight' of layer '3' (Conv2d) has a non-finite value (NaN) at [1,2,4,5] of [30,15,9,9]: fix or retrain the weights before exporting");
    const lin = new Sequential(new Sequential(new Linear(2, 2)));
    (lin.layers[0] as Sequential).layers[0]!.parameters()[1]!.value.data[1] = -Infinity;
    expectError(() => exportOnnx(lin, { inputShape: [1, 2] }), OnnxExportError,
      "[exportOnnx] parameter '0.0.bias' of layer '0.0' (Linear) has a non-finite value (-Infinity) at [1] of [2]: fix or retrain the weights before exporting");
    const big = new Linear(2, 1, { dtype: 'float64' });
    big.weight.value.data[0] = 1e300;
    expect(() => exportOnnx(big, { inputShape: [1, 2] })).not.toThrow();
    expectError(() => exportOnnx(big, { inputShape: [1, 2], dtype: 'float32' }), OnnxExportError,
      "[exportOnnx] parameter 'weight' of the model (Linear) has a non-finite value 1e+300, which overflows float32, at [0,0] of [1,2]: fix or retrain the weights before exporting");
  });

  it('parameters of mixed dtypes', () => {
    const m = new Sequential(new Linear(2, 2), new Linear(2, 2, { dtype: 'float64' }));
    expectError(() => exportOnnx(m, { inputShape: [1, 2] }), OnnxExportError,
      "[exportOnnx] the parameters mix dtypes: '0.weight' is float32, '1.weight' is float64; convert them to one dtype first");
  });

  it('bad options: inputShape, opset, dtype, names', () => {
    const m = net();
    const bad = (opts: unknown, message: string): void =>
      expectError(() => exportOnnx(m, opts as Parameters<typeof exportOnnx>[1]), OnnxExportError, message);
    bad(undefined, '[exportOnnx] options { inputShape } are required');
    bad({}, '[exportOnnx] inputShape must be an array of positive integers, batch first: got undefined');
    bad({ inputShape: [1, 0, 32, 32] }, '[exportOnnx] inputShape must be an array of positive integers, batch first: got [1,0,32,32]');
    bad({ inputShape: [1, 1.5] }, '[exportOnnx] inputShape must be an array of positive integers, batch first: got [1,1.5]');
    bad({ inputShape: [4] }, '[exportOnnx] inputShape [4] must have the batch axis first and at least one more axis: got rank 1');
    for (const opset of [12, 22, 17.5, '17']) {
      bad({ inputShape: [1, 1, 32, 32], opset }, `[exportOnnx] opset must be an integer from 13 to 21: got ${String(opset)}`);
    }
    bad({ inputShape: [1, 1, 32, 32], dtype: 'int32' }, '[exportOnnx] dtype must be \'float32\' or \'float64\': got "int32"');
    bad({ inputShape: [1, 1, 32, 32], names: { input: '' } }, '[exportOnnx] names.input must be a non-empty string: got ""');
    bad({ inputShape: [1, 1, 32, 32], names: { batch: 3 } }, '[exportOnnx] names.batch must be a non-empty string: got 3');
    bad({ inputShape: [1, 1, 32, 32], names: { input: 'x', output: 'x' } }, "[exportOnnx] names.input and names.output must differ: both are 'x'");
    bad({ inputShape: [1, 1, 32, 32], names: { output: '6.bias' } }, "[exportOnnx] names: '6.bias' is already the name of a parameter");
    expectError(() => exportOnnx({} as Module, { inputShape: [1, 2] }), OnnxExportError, '[exportOnnx] model must be a Module');
  });

  it('a Parameter reached by a layer but not registered in the model is an error, not a dangling input', () => {
    const l = new Linear(2, 2);
    // Replace the bias behind namedChildren's back: a non-enumerable field is not among the parameters.
    Object.defineProperty(l, 'bias', { value: new Parameter(new Generator(0).normal([2])), enumerable: false });
    expectError(() => exportOnnx(l, { inputShape: [1, 2] }), OnnxExportError,
      '[exportOnnx] the model (Linear) uses a parameter that is not among the model\'s parameters');
  });
});
