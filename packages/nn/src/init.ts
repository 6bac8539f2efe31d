/**
 * Weight initialisers, following PyTorch's `torch.nn.init` formulas. Each returns a new tensor of the given
 * shape drawn from the given Generator (the process default when omitted), so a seed reproduces a model.
 *
 * Fans: for a weight of shape [out, in, ...kernel], fanIn = in · Π kernel and fanOut = out · Π kernel
 * (a 1-D shape has fanIn = fanOut = its size).
 */
import { Generator, Tensor, defaultGenerator, full, type DType } from '@tsgrad/tensor';
import { NNError } from './module.js';

/** Options of every initialiser. */
export interface InitOptions {
  /** Source of the random draws (default: the process-wide default generator). */
  generator?: Generator;
  /** dtype of the result (default 'float32'). */
  dtype?: DType;
}

/** [fanIn, fanOut] of a weight shape. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) throw new NNError(`[init] fans need a shape of rank >= 1: got []`);
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1]! * receptive, shape[0]! * receptive];
}

/** The gain PyTorch recommends for a nonlinearity (calculate_gain). */
export function gain(nonlinearity: 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu', negativeSlope = 0.01): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
      return Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
    default:
      throw new NNError(`[init.gain] unknown nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

function gen(o: InitOptions): Generator {
  return o.generator ?? defaultGenerator();
}

function nonEmptyFan(op: string, fan: number, shape: readonly number[]): number {
  if (fan === 0) throw new NNError(`[init.${op}] cannot initialise a tensor with a zero fan: shape [${shape.join(',')}]`);
  return fan;
}

/** U(−b, b) with b = gain · √(6 / (fanIn + fanOut)) (Glorot & Bengio, 2010). */
export function xavierUniform(shape: readonly number[], opts: InitOptions & { gain?: number } = {}): Tensor {
  const [fi, fo] = fans(shape);
  const b = (opts.gain ?? 1) * Math.sqrt(6 / nonEmptyFan('xavierUniform', fi + fo, shape));
  return gen(opts).uniform(shape, { low: -b, high: b, dtype: opts.dtype });
}

/** N(0, σ²) with σ = gain · √(2 / (fanIn + fanOut)). */
export function xavierNormal(shape: readonly number[], opts: InitOptions & { gain?: number } = {}): Tensor {
  const [fi, fo] = fans(shape);
  const std = (opts.gain ?? 1) * Math.sqrt(2 / nonEmptyFan('xavierNormal', fi + fo, shape));
  return gen(opts).normal(shape, { std, dtype: opts.dtype });
}

/** Options of the Kaiming (He) initialisers. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (0 for ReLU); PyTorch's layers use √5. */
  a?: number;
  /** Preserve the variance of the forward pass ('fanIn', default) or of the backward pass ('fanOut'). */
  mode?: 'fanIn' | 'fanOut';
  /** 'leakyRelu' (default, with slope a) or 'relu'. */
  nonlinearity?: 'leakyRelu' | 'relu';
}

function kaimingStd(op: string, shape: readonly number[], opts: KaimingOptions): number {
  const [fi, fo] = fans(shape);
  const fan = nonEmptyFan(op, opts.mode === 'fanOut' ? fo : fi, shape);
  const g = opts.nonlinearity === 'relu' ? Math.SQRT2 : gain('leakyRelu', opts.a ?? 0);
  return g / Math.sqrt(fan);
}

/** U(−b, b) with b = gain · √(3 / fan), gain = √(2 / (1 + a²)) (He et al., 2015). */
export function kaimingUniform(shape: readonly number[], opts: KaimingOptions = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd('kaimingUniform', shape, opts);
  return gen(opts).uniform(shape, { low: -b, high: b, dtype: opts.dtype });
}

/** N(0, σ²) with σ = gain / √fan. */
export function kaimingNormal(shape: readonly number[], opts: KaimingOptions = {}): Tensor {
  return gen(opts).normal(shape, { std: kaimingStd('kaimingNormal', shape, opts), dtype: opts.dtype });
}

/** N(0, 1/fanIn) (LeCun et al., 1998; an untruncated normal). */
export function lecunNormal(shape: readonly number[], opts: InitOptions = {}): Tensor {
  const [fi] = fans(shape);
  return gen(opts).normal(shape, { std: 1 / Math.sqrt(nonEmptyFan('lecunNormal', fi, shape)), dtype: opts.dtype });
}

/** U(low, high). */
export function uniform(shape: readonly number[], opts: InitOptions & { low?: number; high?: number } = {}): Tensor {
  return gen(opts).uniform(shape, { low: opts.low ?? 0, high: opts.high ?? 1, dtype: opts.dtype });
}

/** N(mean, std²). */
export function normal(shape: readonly number[], opts: InitOptions & { mean?: number; std?: number } = {}): Tensor {
  return gen(opts).normal(shape, { mean: opts.mean ?? 0, std: opts.std ?? 1, dtype: opts.dtype });
}

/** All zeros. */
export function zeros(shape: readonly number[], opts: InitOptions = {}): Tensor {
  return full(shape, 0, { dtype: opts.dtype });
}

/** All ones. */
export function ones(shape: readonly number[], opts: InitOptions = {}): Tensor {
  return full(shape, 1, { dtype: opts.dtype });
}
