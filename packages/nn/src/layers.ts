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

export interface LayerOptions {
  /** Generator for the initial weights (default: the process default). */
  generator?: Generator;
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
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LayerOptions & { bias?: boolean } = {}) {
    super();
    checkCount('Linear', 'inFeatures', inFeatures);
    checkCount('Linear', 'outFeatures', outFeatures);
    const g = opts.generator ?? defaultGenerator();
    this.weight = new Parameter(kaimingUniform([outFeatures, inFeatures], { a: Math.sqrt(5), generator: g, dtype: opts.dtype }));
    this.bias = opts.bias === false ? null : initBias(outFeatures, inFeatures, g, opts.dtype);
  }
  forward(x: Variable): Variable {
    if (x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new NNError(`[Linear] input has shape ${fmtShape(x.shape)}, but the layer expects ${this.inFeatures} features on its last axis`);
    }
    const y = A.matmul(x, A.transpose(this.weight));
    return this.bias ? A.add(y, this.bias) : y;
  }
}

export interface Conv2dLayerOptions extends LayerOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  bias?: boolean;
}

/** 2-D convolution layer over NCHW input (see @tsgrad/tensor's conv2d for the formula). */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly stride: number | [number, number];
  readonly padding: number | [number, number];
  readonly dilation: number | [number, number];
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
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
  forward(x: Variable): Variable {
    return A.conv2d(x, this.weight, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ...(this.bias ? { bias: this.bias } : {}),
    });
  }
}

/** Max pooling layer. */
export class MaxPool2d extends Module {
  constructor(readonly options: Pool2dOptions) {
    super();
  }
  forward(x: Variable): Variable {
    return A.maxPool2d(x, this.options);
  }
}

/** Average pooling layer (the paper's "subsampling"). */
export class AvgPool2d extends Module {
  constructor(readonly options: AvgPool2dOptions) {
    super();
  }
  forward(x: Variable): Variable {
    return A.avgPool2d(x, this.options);
  }
}

/** Flattens axes startAxis..endAxis (default 1..−1: everything but the batch). */
export class Flatten extends Module {
  constructor(readonly startAxis = 1, readonly endAxis = -1) {
    super();
  }
  forward(x: Variable): Variable {
    return A.flatten(x, this.startAxis, this.endAxis);
  }
}

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Variable): Variable {
    return A.relu(x);
  }
}

/** tanh x. */
export class Tanh extends Module {
  forward(x: Variable): Variable {
    return A.tanh(x);
  }
}

/** σ(x). */
export class Sigmoid extends Module {
  forward(x: Variable): Variable {
    return A.sigmoid(x);
  }
}

/** Modules applied in order; children are named 0, 1, 2, ... as in PyTorch. */
export class Sequential extends Module {
  readonly layers: Module[];
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
  forward(x: Variable): Variable {
    let y = x;
    for (const l of this.layers) y = l.forward(y);
    return y;
  }
}
