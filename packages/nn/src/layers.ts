/**
 * Layers. Weight layouts and default initialisation match PyTorch's, so a state dict moves between the two:
 * Linear.weight is [out, in]; Conv2d.weight is [out, in, kH, kW]; both start Kaiming-uniform with a = √5
 * (bound 1/√fanIn) and a bias uniform in ±1/√fanIn.
 */
import * as A from '@tsgrad/autograd';
import type { Variable } from '@tsgrad/autograd';
import { Generator, defaultGenerator, fmtShape, type AvgPool2dOptions, type DType, type Pool2dOptions } from '@tsgrad/tensor';
import { fans, kaimingUniform } from './init.js';
import { Module, NNError, Parameter } from './module.js';

/** Options every layer with weights takes. */
export interface LayerOptions {
  /** Generator for the initial weights (default: the process default). */
  generator?: Generator;
  /** dtype of the weights (default 'float32'). */
  dtype?: DType;
}

function checkCount(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new NNError(`[${op}] ${name} must be a positive integer: got ${String(v)}`);
  return v;
}

function initBias(size: number, fanIn: number, g: Generator, dtype?: DType): Parameter {
  const b = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return new Parameter(b > 0 ? g.uniform([size], { low: -b, high: b, dtype }) : g.uniform([size], { dtype }).mul(0));
}

/**
 * y = x·Wᵀ + b, for x of shape [..., in]. W is [out, in], b is [out].
 * VJP (through autograd): ∂/∂x = g·W, ∂/∂W = gᵀ·x, ∂/∂b = Σ g over the leading axes.
 */
export class Linear extends Module {
  /** W, [outFeatures, inFeatures] (PyTorch's layout). */
  weight: Parameter;
  /** b, [outFeatures]; null when made with `bias: false`. */
  bias: Parameter | null;
  /** A layer from `inFeatures` to `outFeatures`; `bias: false` drops b. Weights drawn as described above. */
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LayerOptions & { bias?: boolean } = {}) {
    super();
    checkCount('Linear', 'inFeatures', inFeatures);
    checkCount('Linear', 'outFeatures', outFeatures);
    const g = opts.generator ?? defaultGenerator();
    this.weight = new Parameter(kaimingUniform([outFeatures, inFeatures], { a: Math.sqrt(5), generator: g, dtype: opts.dtype }));
    this.bias = opts.bias === false ? null : initBias(outFeatures, inFeatures, g, opts.dtype);
  }
  /** x·Wᵀ + b over the last axis of x ([..., in] → [..., out]); the VJPs are in the class comment. */
  forward(x: Variable): Variable {
    if (x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new NNError(`[Linear] input has shape ${fmtShape(x.shape)}, but the layer expects ${this.inFeatures} features on its last axis`);
    }
    const y = A.matmul(x, A.transpose(this.weight));
    return this.bias ? A.add(y, this.bias) : y;
  }
}

/** Options of the Conv2d layer: conv2d's geometry, and whether to learn a bias. */
export interface Conv2dLayerOptions extends LayerOptions {
  /** Step between windows, one number or [sh, sw] (default 1). */
  stride?: number | [number, number];
  /** Zeros added on each side, one number or [ph, pw] (default 0). */
  padding?: number | [number, number];
  /** Spacing between kernel taps, one number or [dh, dw] (default 1). */
  dilation?: number | [number, number];
  /** Whether to learn a bias (default true). */
  bias?: boolean;
}

/** 2-D convolution layer over NCHW input (see @tsgrad/tensor's conv2d for the formula). */
export class Conv2d extends Module {
  /** W, [outChannels, inChannels, kH, kW] (OIHW, PyTorch's layout). */
  weight: Parameter;
  /** b, [outChannels], added to every position of its output channel; null when made with `bias: false`. */
  bias: Parameter | null;
  /** Step between windows, one number or [sh, sw]. */
  readonly stride: number | [number, number];
  /** Zeros added on each side, one number or [ph, pw]. */
  readonly padding: number | [number, number];
  /** Spacing between kernel taps, one number or [dh, dw]. */
  readonly dilation: number | [number, number];
  /** A layer with `outChannels` kernels of size `kernelSize` over `inChannels` channels; options as conv2d's. */
  constructor(
    /** C, the channels of the input. */
    readonly inChannels: number,
    /** O, the channels of the output (one kernel each). */
    readonly outChannels: number,
    /** KH×KW, one number for a square kernel. */
    readonly kernelSize: number | [number, number],
    opts: Conv2dLayerOptions = {},
  ) {
    super();
    checkCount('Conv2d', 'inChannels', inChannels);
    checkCount('Conv2d', 'outChannels', outChannels);
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    checkCount('Conv2d', 'kernelSize', kh!);
    checkCount('Conv2d', 'kernelSize', kw!);
    const g = opts.generator ?? defaultGenerator();
    const shape = [outChannels, inChannels, kh!, kw!];
    this.weight = new Parameter(kaimingUniform(shape, { a: Math.sqrt(5), generator: g, dtype: opts.dtype }));
    this.bias = opts.bias === false ? null : initBias(outChannels, fans(shape)[0], g, opts.dtype);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
  }
  /** conv2d(x, W) + b for x of shape [N, in, H, W] (see @tsgrad/tensor's conv2d for the output size). */
  forward(x: Variable): Variable {
    return A.conv2d(x, this.weight, this.options());
  }
  /**
   * relu(conv2d(x, W) + b) as one op (conv2d's `activation: 'relu'`): the values and gradients of a ReLU after
   * this layer, in one pass over the output, without keeping the pre-activation. {@link Sequential} runs a
   * Conv2d followed by a ReLU this way.
   */
  forwardRelu(x: Variable): Variable {
    return A.conv2d(x, this.weight, { ...this.options(), activation: 'relu' });
  }
  /**
   * avgPool2d(relu(conv2d(x, W) + b), pool) as one op (autograd's conv2dReluAvgPool): the values and gradients
   * of a ReLU and an AvgPool2d after this layer, without keeping the rectified output (the VJP needs only a bit
   * mask of where it is positive). {@link Sequential} runs a Conv2d, a ReLU and an AvgPool2d this way.
   */
  forwardReluAvgPool(x: Variable, pool: AvgPool2dOptions): Variable {
    return A.conv2dReluAvgPool(x, this.weight, { ...this.options(), pool });
  }
  private options(): A.Conv2dForwardOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ...(this.bias ? { bias: this.bias } : {}) };
  }
}

/** Max pooling layer. */
export class MaxPool2d extends Module {
  /** A layer that max-pools with these window options. */
  constructor(readonly options: Pool2dOptions) {
    super();
  }
  /** Each window's maximum; the gradient flows to the window's winner. */
  forward(x: Variable): Variable {
    return A.maxPool2d(x, this.options);
  }
}

/** Average pooling layer (the paper's "subsampling"). */
export class AvgPool2d extends Module {
  /** A layer that average-pools with these window options. */
  constructor(readonly options: AvgPool2dOptions) {
    super();
  }
  /** Each window's mean; every input in a window receives 1/|window| of its gradient. */
  forward(x: Variable): Variable {
    return A.avgPool2d(x, this.options);
  }
}

/** Flattens axes startAxis..endAxis (default 1..−1: everything but the batch). */
export class Flatten extends Module {
  /** Merges axes startAxis..endAxis (inclusive; negatives count from the end). */
  constructor(readonly startAxis = 1, readonly endAxis = -1) {
    super();
  }
  /** x with axes startAxis..endAxis merged (a reshape, so the gradient is g reshaped back). */
  forward(x: Variable): Variable {
    return A.flatten(x, this.startAxis, this.endAxis);
  }
}

/** max(x, 0). */
export class ReLU extends Module {
  /** max(x, 0) elementwise; derivative [x > 0]. */
  forward(x: Variable): Variable {
    return A.relu(x);
  }
}

/** tanh x. */
export class Tanh extends Module {
  /** tanh x elementwise; derivative 1 − tanh² x. */
  forward(x: Variable): Variable {
    return A.tanh(x);
  }
}

/** σ(x). */
export class Sigmoid extends Module {
  /** σ(x) = 1/(1 + e⁻ˣ) elementwise; derivative σ(x)(1 − σ(x)). */
  forward(x: Variable): Variable {
    return A.sigmoid(x);
  }
}

/** GELU, the Gaussian error linear unit, in its exact form (PyTorch's default `approximate='none'`). */
export class GELU extends Module {
  /** x·Φ(x) = ½·x·(1 + erf(x/√2)) elementwise; derivative Φ(x) + x·φ(x), φ the standard normal density. */
  forward(x: Variable): Variable {
    return A.gelu(x);
  }
}

/** Modules applied in order; children are named 0, 1, 2, ... as in PyTorch. */
export class Sequential extends Module {
  /** The modules, in the order they are applied. */
  readonly layers: Module[];
  /** Chains `layers`: the output of each is the input of the next. */
  constructor(...layers: Module[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Module)) throw new NNError(`[Sequential] argument ${i} is not a Module`);
    });
    this.layers = layers;
  }
  override namedChildren(): [string, Module][] {
    return this.layers.map((l, i) => [String(i), l]);
  }
  /**
   * The layers applied in order: `layers[k](… layers[1](layers[0](x)))`. A Conv2d followed by a ReLU runs as
   * one op ({@link Conv2d.forwardRelu}: the same values and gradients), and a Conv2d, a ReLU and an AvgPool2d
   * as one ({@link Conv2d.forwardReluAvgPool}), unless one of the classes' methods is overridden.
   */
  forward(x: Variable): Variable {
    let y = x;
    const ls = this.layers;
    for (let k = 0; k < ls.length; k++) {
      const l = ls[k]!;
      if (fusesWithRelu(l, ls[k + 1]) && fusesAsPool(l, ls[k + 2])) {
        y = (l as Conv2d).forwardReluAvgPool(y, (ls[k + 2] as AvgPool2d).options);
        k += 2;
      } else if (fusesWithRelu(l, ls[k + 1])) {
        y = (l as Conv2d).forwardRelu(y);
        k++;
      } else {
        y = l.forward(y);
      }
    }
    return y;
  }
}

/** True when `c` is an AvgPool2d with its class's forward, after Conv2d `a` with its forwardReluAvgPool. */
function fusesAsPool(a: Module, c: Module | undefined): boolean {
  return c instanceof AvgPool2d && c.forward === AvgPool2d.prototype.forward &&
    (a as Conv2d).forwardReluAvgPool === Conv2d.prototype.forwardReluAvgPool;
}

/** True when `a` is a Conv2d and `b` a ReLU, both with the methods of their classes (so fusing them is exact). */
function fusesWithRelu(a: Module, b: Module | undefined): boolean {
  return a instanceof Conv2d && b instanceof ReLU && a.forward === Conv2d.prototype.forward &&
    a.forwardRelu === Conv2d.prototype.forwardRelu && b.forward === ReLU.prototype.forward;
}
