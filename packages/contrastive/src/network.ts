import { Conv2d, Flatten, Linear, AvgPool2d, Sequential, Tanh, ReLU, type Module } from '@tsgrad/nn';
import { Generator } from '@tsgrad/tensor';

/** Options of `drlimNetwork`. */
export interface DrlimNetworkOptions {
  /** Output dimension of the map (the paper uses 2). */
  dim?: number;
  /** Seed source of the initial weights (default: a Generator seeded with 0). */
  generator?: Generator;
  /** Nonlinearity after each convolution (default 'tanh'). */
  activation?: 'tanh' | 'relu';
}

/**
 * The paper's MNIST network G_W for 32×32 inputs (28×28 digits padded):
 * conv 15 maps 6×6 (→ 27×27), 3×3 average subsampling (→ 9×9), conv 30 maps 9×9 (→ 1×1), fully connected
 * to `dim` outputs, with a squashing nonlinearity after each convolution.
 */
export function drlimNetwork(opts: DrlimNetworkOptions = {}): Module {
  const g = opts.generator ?? new Generator(0);
  const act = (): Module => (opts.activation === 'relu' ? new ReLU() : new Tanh());
  return new Sequential(
    new Conv2d(1, 15, 6, { generator: g }),
    act(),
    new AvgPool2d({ kernelSize: 3 }),
    new Conv2d(15, 30, 9, { generator: g }),
    act(),
    new Flatten(),
    new Linear(30, opts.dim ?? 2, { generator: g }),
  );
}
