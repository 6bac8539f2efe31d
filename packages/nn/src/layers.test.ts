/**
 * Layers against naive reference computations written here (Linear as loops over x·Wᵀ + b, Conv2d as the seven
 * loops, pooling as loops over windows), PyTorch's default initialisation (bounds and distribution), seeded
 * reproducibility, and float64 gradient checks through small Sequentials w.r.t. the input and every parameter.
 */
import { describe, expect, it } from 'vitest';
import { Generator, Tensor } from '@tsgrad/tensor';
import * as A from '@tsgrad/autograd';
import {
  AvgPool2d, Conv2d, Flatten, GELU, Linear, MaxPool2d, Module, NNError, Parameter, ReLU, Sequential, Sigmoid, Tanh, init,
} from '@tsgrad/nn';
import { expectError } from '../../../testing/errors.js';
import { forward64, gradcheck64 } from '../../../testing/tolerances.js';

const f64 = { dtype: 'float64' } as const;
const arr = (t: Tensor | A.Variable): Float64Array => Float64Array.from(t instanceof Tensor ? t.toTypedArray() : t.value.toTypedArray());
const run = (m: Module, x: Tensor): Tensor => A.noGrad(() => m.forward(new A.Variable(x))).value;

// ---- Linear ----------------------------------------------------------------------------------------------

/** y[r, o] = Σ_i x[r, i]·W[o, i] + b[o] over the rows r of x flattened to [rows, in]. */
function linearRef(x: Tensor, w: Tensor, b: Tensor | null): Float64Array {
  const [O, I] = w.shape as [number, number];
  const xs = arr(x), ws = arr(w), bs = b ? arr(b) : null;
  const rows = xs.length / I;
  const y = new Float64Array(rows * O);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < O; o++) {
      let s = bs ? bs[o]! : 0;
      for (let i = 0; i < I; i++) s += xs[r * I + i]! * ws[o * I + i]!;
      y[r * O + o] = s;
    }
  return y;
}

describe('Linear', () => {
  const g = new Generator(100);
  it.each([
    ['a batch [5,3] → [5,4]', [5, 3], 3, 4, true],
    ['batched leading axes [2,5,3] → [2,5,4]', [2, 5, 3], 3, 4, true],
    ['a single vector [3] → [4]', [3], 3, 4, true],
    ['without bias', [6, 7], 7, 2, false],
  ] as [string, number[], number, number, boolean][])('%s equals x·Wᵀ + b computed naively', (_n, shape, inF, outF, bias) => {
    const layer = new Linear(inF, outF, { ...f64, generator: g, bias });
    const x = g.normal(shape, f64);
    const y = run(layer, x);
    expect(y.shape).toEqual([...shape.slice(0, -1), outF]);
    expect(y.dtype).toBe('float64');
    expect(arr(y)).toBeAllclose(linearRef(x, layer.weight.value, layer.bias?.value ?? null), forward64);
    expect(layer.bias === null).toBe(!bias);
    expect(layer.weight.shape).toEqual([outF, inF]);
  });

  it('rejects an input with the wrong number of features', () => {
    const layer = new Linear(3, 2);
    expectError(
      () => layer.forward(new A.Variable(new Generator(0).normal([5, 2]))),
      NNError,
      '[Linear] input has shape [5,2], but the layer expects 3 features on its last axis',
    );
  });
});

// ---- Conv2d ----------------------------------------------------------------------------------------------

interface ConvGeom { stride: [number, number]; padding: [number, number]; dilation: [number, number] }

/** The seven loops: y[n,o,i,j] = b[o] + Σ_{c,p,q} x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw]·w[o,c,p,q], zero padding. */
function conv2dRef(x: Tensor, w: Tensor, b: Tensor | null, { stride: [sh, sw], padding: [ph, pw], dilation: [dh, dw] }: ConvGeom): { shape: number[]; data: Float64Array } {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , KH, KW] = w.shape as [number, number, number, number];
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  const xs = arr(x), ws = arr(w), bs = b ? arr(b) : null;
  const y = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let s = bs ? bs[o]! : 0;
          for (let c = 0; c < C; c++)
            for (let p = 0; p < KH; p++)
              for (let q = 0; q < KW; q++) {
                const h = i * sh - ph + p * dh, v = j * sw - pw + q * dw;
                if (h >= 0 && h < H && v >= 0 && v < W) s += xs[((n * C + c) * H + h) * W + v]! * ws[((o * C + c) * KH + p) * KW + q]!;
              }
          y[((n * O + o) * OH + i) * OW + j] = s;
        }
  return { shape: [N, O, OH, OW], data: y };
}

describe('Conv2d', () => {
  const g = new Generator(200);
  const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);
  it.each([
    ['3×3, defaults', 2, 3, 3, {}, [2, 2, 5, 5]],
    ['stride 2, padding 1', 3, 4, 3, { stride: 2, padding: 1 }, [2, 3, 7, 6]],
    ['dilation 2, padding 2, 2×3 kernel, stride [1,2]', 2, 2, [2, 3], { dilation: 2, padding: 2, stride: [1, 2] }, [1, 2, 6, 7]],
    ['1×1 kernel without bias', 4, 2, 1, { bias: false }, [3, 4, 2, 3]],
    ['stride [2,1], padding [0,1], dilation [1,3]', 1, 2, 2, { stride: [2, 1], padding: [0, 1], dilation: [1, 3] }, [2, 1, 5, 8]],
  ] as [string, number, number, number | [number, number], { stride?: number | [number, number]; padding?: number | [number, number]; dilation?: number | [number, number]; bias?: boolean }, number[]][])(
    '%s equals the seven-loop convolution + bias',
    (_n, cin, cout, k, opts, xShape) => {
      const layer = new Conv2d(cin, cout, k, { ...opts, ...f64, generator: g });
      const x = g.normal(xShape, f64);
      const y = run(layer, x);
      const ref = conv2dRef(x, layer.weight.value, layer.bias?.value ?? null, {
        stride: pair(opts.stride ?? 1), padding: pair(opts.padding ?? 0), dilation: pair(opts.dilation ?? 1),
      });
      expect(y).toBeAllclose(ref, forward64);
      expect(layer.weight.shape).toEqual([cout, cin, ...pair(k)]);
      expect(layer.bias === null).toBe(opts.bias === false);
    },
  );
});

// ---- pooling, Flatten, activations -----------------------------------------------------------------------

/** Max or average over windows at (i·sh − ph, j·sw − pw); padding is −∞ for max and 0 for average. */
function poolRef(x: Tensor, k: number, s: number, pad: number, mode: 'max' | 'avg', countIncludePad = true): { shape: number[]; data: Float64Array } {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = Math.floor((H + 2 * pad - k) / s) + 1, OW = Math.floor((W + 2 * pad - k) / s) + 1;
  const xs = arr(x);
  const y = new Float64Array(N * C * OH * OW);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let m = -Infinity, sum = 0, inside = 0;
          for (let p = 0; p < k; p++)
            for (let q = 0; q < k; q++) {
              const h = i * s - pad + p, v = j * s - pad + q;
              if (h < 0 || h >= H || v < 0 || v >= W) continue;
              const val = xs[((n * C + c) * H + h) * W + v]!;
              m = Math.max(m, val);
              sum += val;
              inside++;
            }
          y[((n * C + c) * OH + i) * OW + j] = mode === 'max' ? m : sum / (countIncludePad ? k * k : inside);
        }
  return { shape: [N, C, OH, OW], data: y };
}

describe('pooling layers', () => {
  const g = new Generator(300);
  const x = g.normal([2, 3, 7, 6], f64);
  it.each([
    ['MaxPool2d k2 (stride = kernel, the odd row dropped)', new MaxPool2d({ kernelSize: 2 }), poolRef(x, 2, 2, 0, 'max')],
    ['MaxPool2d k3 s2 p1', new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }), poolRef(x, 3, 2, 1, 'max')],
    ['AvgPool2d k2 s1', new AvgPool2d({ kernelSize: 2, stride: 1 }), poolRef(x, 2, 1, 0, 'avg')],
    ['AvgPool2d k3 s2 p1 (padding counted, PyTorch’s default)', new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }), poolRef(x, 3, 2, 1, 'avg')],
    [
      'AvgPool2d k3 s2 p1 countIncludePad false',
      new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }),
      poolRef(x, 3, 2, 1, 'avg', false),
    ],
  ] as [string, Module, { shape: number[]; data: Float64Array }][])('%s equals the window loops', (_n, layer, ref) => {
    expect(run(layer, x)).toBeAllclose(ref, forward64);
  });
});

describe('Flatten', () => {
  const x = new Generator(400).normal([2, 3, 4, 5], f64);
  it.each([
    ['default: all but the batch axis', new Flatten(), [2, 60]],
    ['from axis 0: everything', new Flatten(0), [120]],
    ['axes 1..2', new Flatten(1, 2), [2, 12, 5]],
    ['axes -2..-1', new Flatten(-2, -1), [2, 3, 20]],
  ] as [string, Flatten, number[]][])('%s', (_n, layer, shape) => {
    const y = run(layer, x);
    expect(y.shape).toEqual(shape);
    expect(Array.from(y.toTypedArray())).toEqual(Array.from(x.toTypedArray())); // row-major order kept
  });
});

describe('activations', () => {
  // Values away from relu's kink at 0.
  const x = new Tensor(Float64Array.from([-3, -1.25, -0.5, 0.25, 0.75, 2, 4.5, -7]), [2, 4]);
  it.each([
    ['ReLU', new ReLU(), (v: number) => Math.max(v, 0)],
    ['Tanh', new Tanh(), Math.tanh],
    ['Sigmoid', new Sigmoid(), (v: number) => 1 / (1 + Math.exp(-v))],
  ] as [string, Module, (v: number) => number][])('%s is applied elementwise', (_n, layer, f) => {
    const y = run(layer, x);
    expect(y.shape).toEqual([2, 4]);
    expect(y).toBeAllclose({ shape: [2, 4], data: Array.from(x.toTypedArray(), f) }, forward64);
  });

  it("GELU is PyTorch's exact form, ½x(1 + erf(x/√2)): values and gradients from torch.nn.functional.gelu (float64)", () => {
    const v = new Tensor(Float64Array.from([-3, -1.5, -0.5, 0, 0.3, 1, 2.5, 4]), [8]);
    const torchValue = [-0.00404969409489031, -0.10021080190328704, -0.15426876936299344, 0, 0.1853734266566858, 0.841344746068543, 2.4844758366855597, 3.9998733150326675];
    const torchGrad = [-0.01194564720418392, -0.1274691922299796, 0.13250487534383712, 0.5, 0.7323277668271099, 1.0833154705876864, 1.037611085908145, 1.0005036496612265];
    const xv = A.variable(v, { requiresGrad: true });
    const y = new GELU().forward(xv);
    expect(y.value).toBeAllclose(torchValue, { rtol: 1e-14, atol: 1e-15 });
    A.sum(y).backward();
    expect(xv.grad).toBeAllclose(torchGrad, { rtol: 1e-13, atol: 1e-15 });
    expect(A.gradcheck((u) => new GELU().forward(u), [x])).toBe(true);
    expect(A.gradgradcheck((u) => new GELU().forward(u), [x])).toBe(true);
  });
});

// ---- default initialisation ------------------------------------------------------------------------------

interface Stats { min: number; max: number; mean: number; variance: number; histogram: number[] }
function stats(t: Tensor, bound: number, bins = 10): Stats {
  const v = arr(t);
  let min = Infinity, max = -Infinity, s = 0;
  for (const x of v) {
    min = Math.min(min, x);
    max = Math.max(max, x);
    s += x;
  }
  const mean = s / v.length;
  let ss = 0;
  const histogram = new Array<number>(bins).fill(0);
  for (const x of v) {
    ss += (x - mean) ** 2;
    histogram[Math.min(bins - 1, Math.floor(((x + bound) / (2 * bound)) * bins))]!++;
  }
  return { min, max, mean, variance: ss / v.length, histogram };
}

describe('default initialisation matches PyTorch’s (Kaiming-uniform a = √5 weights, U(±1/√fanIn) bias)', () => {
  it('Linear(1000, 400): weights fill U(−b, b), b = 1/√1000: bounds, variance b²/3, flat histogram', () => {
    const layer = new Linear(1000, 400, { generator: new Generator(1) });
    const b = 1 / Math.sqrt(1000);
    const n = 400_000;
    const w = stats(layer.weight.value, b);
    expect(w.min).toBeGreaterThanOrEqual(-b);
    expect(w.max).toBeLessThan(b);
    // With 400 000 draws the extremes sit within ~1e-5·b of the bounds; 1% is a loose check that the range is right.
    expect(w.min).toBeLessThan(-0.99 * b);
    expect(w.max).toBeGreaterThan(0.99 * b);
    expect(Math.abs(w.mean)).toBeLessThan((5 * b) / Math.sqrt(3 * n)); // 5 standard errors
    expect(w.variance / (b * b / 3)).toBeCloseTo(1, 1); // within 5% (the standard error is 0.14%)
    for (const count of w.histogram) expect(Math.abs(count / (n / 10) - 1)).toBeLessThan(0.03); // std error 0.5%

    const bias = stats(layer.bias!.value, b);
    expect(bias.min).toBeGreaterThanOrEqual(-b);
    expect(bias.max).toBeLessThan(b);
    expect(bias.max - bias.min).toBeGreaterThan(1.8 * b); // 400 draws span nearly the whole interval
  });

  it('Conv2d(8, 16, [3,5]): fanIn = 8·3·5 = 120, so weights and bias lie in ±1/√120', () => {
    const layer = new Conv2d(8, 16, [3, 5], { generator: new Generator(2) });
    const b = 1 / Math.sqrt(120);
    const w = stats(layer.weight.value, b);
    expect(w.min).toBeGreaterThanOrEqual(-b);
    expect(w.max).toBeLessThan(b);
    expect(w.min).toBeLessThan(-0.95 * b);
    expect(w.max).toBeGreaterThan(0.95 * b);
    expect(w.variance / (b * b / 3)).toBeGreaterThan(0.93); // 1920 draws: std error of the variance ≈ 2%
    expect(w.variance / (b * b / 3)).toBeLessThan(1.07);
    const bias = stats(layer.bias!.value, b);
    expect(bias.min).toBeGreaterThanOrEqual(-b);
    expect(bias.max).toBeLessThan(b);
  });

  it('draws the weight first, then the bias, from the layer’s generator', () => {
    const layer = new Linear(6, 3, { generator: new Generator(42), ...f64 });
    const g = new Generator(42), b = 1 / Math.sqrt(6);
    // kaimingUniform's bound √3·√(2/(1 + a²))/√fanIn equals 1/√fanIn up to rounding, hence the call itself here.
    expect(layer.weight.value).toBeAllclose(init.kaimingUniform([3, 6], { a: Math.sqrt(5), generator: g, ...f64 }), { rtol: 0, atol: 0 });
    expect(layer.bias!.value).toBeAllclose(g.uniform([3], { low: -b, high: b, ...f64 }), { rtol: 0, atol: 0 });
  });

  it('dtype float64 gives float64 parameters', () => {
    const layer = new Conv2d(1, 2, 3, f64);
    expect([layer.weight.dtype, layer.bias!.dtype]).toEqual(['float64', 'float64']);
    expect(new Linear(2, 2).weight.dtype).toBe('float32');
  });
});

describe('a seed reproduces a model exactly', () => {
  const build = (seed: number): Sequential => {
    const g = new Generator(seed);
    return new Sequential(
      new Conv2d(1, 4, 3, { generator: g, padding: 1 }), new ReLU(), new MaxPool2d({ kernelSize: 2 }), new Flatten(),
      new Linear(4 * 4 * 4, 10, { generator: g }), new Tanh(), new Linear(10, 2, { generator: g }),
    );
  };
  const bytes = (m: Module): Record<string, number[]> =>
    Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(new Uint8Array(t.toTypedArray().buffer))]));

  it('two models from new Generator(7) have identical stateDicts, bit for bit', () => {
    const a = build(7), b = build(7);
    expect(Object.keys(a.stateDict())).toEqual(['0.weight', '0.bias', '4.weight', '4.bias', '6.weight', '6.bias']);
    expect(bytes(a)).toEqual(bytes(b));
    const x = new Generator(0).normal([3, 1, 8, 8]);
    expect(Array.from(run(a, x).toTypedArray())).toEqual(Array.from(run(b, x).toTypedArray()));
  });

  it('another seed gives other weights', () => {
    const a = bytes(build(7)), c = bytes(build(8));
    for (const k of Object.keys(a)) expect(c[k], k).not.toEqual(a[k]);
  });
});

describe('Sequential runs a Conv2d followed by a ReLU (and an AvgPool2d) as one op', () => {
  // A ReLU and an AvgPool2d whose forwards are their own (the same functions): Sequential must not fuse them.
  class OwnReLU extends ReLU {
    override forward(x: A.Variable): A.Variable {
      return A.relu(x);
    }
  }
  class OwnAvgPool2d extends AvgPool2d {
    override forward(x: A.Variable): A.Variable {
      return A.avgPool2d(x, this.options);
    }
  }
  const build = (relu: () => Module, bias = true, pool: () => Module = () => new AvgPool2d({ kernelSize: 2 })): Sequential => {
    const g = new Generator(3);
    return new Sequential(new Conv2d(1, 6, 5, { generator: g, bias }), relu(), pool(), new Flatten(), new Linear(6 * 6 * 6, 2, { generator: g }));
  };
  const same = (a: Tensor, b: Tensor): boolean => a.toTypedArray().every((v, i) => Object.is(v, b.toTypedArray()[i]));
  const x = new Generator(1).normal([5, 1, 16, 16]);
  /** The primitives from the output back to the first layer, along first inputs. */
  const chain = (y: A.Variable): string[] => {
    const out: string[] = [];
    for (let n = y.node; n !== null; n = n.inputs?.[0]?.node ?? null) out.push(n.prim);
    return out;
  };

  it('with the values and gradients of the layers one after the other, bit for bit', () => {
    for (const bias of [true, false]) {
      const grads = (m: Sequential): Tensor[] => {
        const y = m.forward(new A.Variable(x));
        y.square().sum().backward();
        return [y.value, ...m.parameters().map((p) => p.grad!)];
      };
      const apart = grads(build(() => new OwnReLU(), bias, () => new OwnAvgPool2d({ kernelSize: 2 })));
      for (const fused of [build(() => new ReLU(), bias), build(() => new ReLU(), bias, () => new OwnAvgPool2d({ kernelSize: 2 }))]) {
        grads(fused).forEach((t, i) => expect(same(t, apart[i]!), `tensor ${i}, bias ${bias}`).toBe(true));
      }
    }
  });

  it('as the conv2dBiasReluAvgPool or conv2dBiasRelu primitive, keeping every layer (stateDict names, ONNX layers)', () => {
    const m = build(() => new ReLU());
    expect((m.layers[0] as Conv2d).forwardRelu(new A.Variable(x)).node!.prim).toBe('conv2dBiasRelu');
    expect(chain(m.forward(new A.Variable(x))).at(-1)).toBe('conv2dBiasReluAvgPool');
    expect(Object.keys(m.stateDict())).toEqual(['0.weight', '0.bias', '4.weight', '4.bias']);
    // With the overriding AvgPool2d, a conv2dBiasRelu and an avgPool2d; with the overriding ReLU, no fusion.
    expect(chain(build(() => new ReLU(), true, () => new OwnAvgPool2d({ kernelSize: 2 })).forward(new A.Variable(x))).slice(-2))
      .toEqual(['avgPool2d', 'conv2dBiasRelu']);
    expect(chain(build(() => new OwnReLU()).forward(new A.Variable(x))).slice(-3)).toEqual(['avgPool2d', 'relu', 'conv2dBias']);
    // Without a bias: relu after conv2d, then avgPool2d.
    expect(chain(build(() => new ReLU(), false).forward(new A.Variable(x))).slice(-3)).toEqual(['avgPool2d', 'relu', 'conv2d']);
  });
});

// ---- gradient checks through Sequentials -----------------------------------------------------------------

/**
 * Runs `fn` with the model's parameters replaced by `values` (in parameters() order), like torch.func.functional_call:
 * gradcheck perturbs its own copies of the inputs, so the parameters have to be swapped in for each evaluation.
 */
function withParameters(model: Module, values: readonly A.Variable[], fn: () => A.Variable): A.Variable {
  const order = model.parameters();
  const slots: { owner: Record<string, unknown>; key: string; value: Parameter }[] = [];
  for (const m of model.modules()) {
    for (const [key, v] of Object.entries(m)) if (v instanceof Parameter) slots.push({ owner: m as unknown as Record<string, unknown>, key, value: v });
  }
  expect(slots.length).toBe(order.length);
  for (const s of slots) s.owner[s.key] = values[order.indexOf(s.value)];
  try {
    return fn();
  } finally {
    for (const s of slots) s.owner[s.key] = s.value;
  }
}

/** The swapped-in values are the ones used (else the parameter checks would compare zero with zero): zeroed parameters give 0. */
function expectSwapMatters(model: Module, f: (x: A.Variable, ...ps: A.Variable[]) => A.Variable, x: Tensor): void {
  const zeroed = model.parameters().map((p) => new A.Variable(p.value.mul(0)));
  expect(Array.from(arr(f(new A.Variable(x), ...zeroed)), Math.abs)).toEqual(new Array(run(model, x).size).fill(0));
  expect(arr(run(model, x)).some((v) => v !== 0)).toBe(true);
}

describe('gradcheck (float64) through small Sequentials, w.r.t. the input and every parameter', () => {
  it('Linear → Tanh → Linear', () => {
    const g = new Generator(500);
    const model = new Sequential(new Linear(3, 4, { ...f64, generator: g }), new Tanh(), new Linear(4, 2, { ...f64, generator: g }));
    const x = g.normal([4, 3], f64);
    const f = function mlp(xv: A.Variable, ...ps: A.Variable[]): A.Variable {
      return withParameters(model, ps, () => model.forward(xv));
    };
    expectSwapMatters(model, f, x);
    expect(A.gradcheck(f, [x, ...model.parameters().map((p) => p.value)], gradcheck64)).toBe(true);
  });

  it('Conv2d → AvgPool2d → Flatten → Linear', () => {
    const g = new Generator(501);
    const model = new Sequential(
      new Conv2d(1, 2, 3, { ...f64, generator: g, padding: 1 }),
      new AvgPool2d({ kernelSize: 2 }),
      new Flatten(),
      new Linear(2 * 2 * 2, 3, { ...f64, generator: g }),
    );
    const x = g.normal([2, 1, 4, 4], f64);
    const f = function convNet(xv: A.Variable, ...ps: A.Variable[]): A.Variable {
      return withParameters(model, ps, () => model.forward(xv));
    };
    expect(model.parameters().map((p) => p.shape)).toEqual([[2, 1, 3, 3], [2], [3, 8], [3]]);
    expectSwapMatters(model, f, x);
    expect(A.gradcheck(f, [x, ...model.parameters().map((p) => p.value)], gradcheck64)).toBe(true);
  });

  it('backward fills each parameter’s .grad with the same gradient gradcheck verified', () => {
    const g = new Generator(502);
    const model = new Sequential(new Linear(3, 2, { ...f64, generator: g }), new Tanh(), new Linear(2, 1, { ...f64, generator: g }));
    const x = g.normal([5, 3], f64);
    A.sum(model.forward(new A.Variable(x))).backward();
    const ps = model.parameters().map((p) => new A.Variable(p.value, true));
    const y = withParameters(model, ps, () => A.sum(model.forward(new A.Variable(x))));
    const grads = A.gradients(y, ps);
    model.parameters().forEach((p, i) => expect(p.grad!, `parameter ${i}`).toBeAllclose(grads[i]!.value, forward64));
  });
});
