import { adamUpdate, type FloatArray, type Tensor } from '@tsgrad/tensor';
import { NNError, type Parameter } from '../module.js';
import { Optimizer, checkHyper, withDefaults, type ParamGroupInput } from './optimizer.js';

/** SGD's hyper-parameters (PyTorch's names and defaults). */
export interface SGDOptions {
  /** Learning rate γ (required). */
  lr: number;
  /** Momentum μ (default 0: plain SGD). */
  momentum: number;
  /** Dampening τ of the momentum buffer's update (default 0). */
  dampening: number;
  /** L2 weight decay λ, added to the gradient as λθ (default 0). */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0; default false). */
  nesterov: boolean;
  /** Ascend instead of descend (default false). */
  maximize: boolean;
}

/**
 * Stochastic gradient descent with momentum (PyTorch's SGD). Per step, with g = ∇θ (−∇θ if maximize):
 *   g ← g + λθ                                  (weight decay λ)
 *   b ← g on the first step, else μb + (1 − τ)g  (momentum μ, dampening τ)
 *   g ← g + μb if nesterov, else b
 *   θ ← θ − γg                                  (learning rate γ)
 */
export class SGD extends Optimizer<SGDOptions> {
  /** SGD over `params` (a list, or groups with their own options); `lr` is required. */
  constructor(params: Parameter[] | ParamGroupInput<SGDOptions>[], opts: Partial<SGDOptions> & { lr: number }) {
    super(params, withDefaults<SGDOptions>({ lr: opts.lr, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, opts), 'SGD');
  }
  protected validate(h: SGDOptions): void {
    checkHyper('SGD', 'lr', h.lr);
    checkHyper('SGD', 'momentum', h.momentum);
    checkHyper('SGD', 'weightDecay', h.weightDecay);
    checkHyper('SGD', 'dampening', h.dampening);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new NNError(`[SGD] nesterov needs momentum > 0 and dampening 0: got momentum ${h.momentum}, dampening ${h.dampening}`);
    }
  }
  /** The momentum buffer b, kept only when momentum is on. */
  protected override stateBuffers(h: SGDOptions): Record<string, 'number' | 'tensor'> {
    return h.momentum !== 0 ? { momentumBuffer: 'tensor' } : {};
  }
  step(): void {
    for (const { params, options: h } of this.paramGroups) {
      for (const p of params) {
        if (p.grad === null) continue;
        let buf: FloatArray | null = null;
        let first = false;
        if (h.momentum !== 0) {
          const s = this.stateOf(p);
          if (s.momentumBuffer === undefined) {
            s.momentumBuffer = this.zerosLike(p);
            first = true;
          }
          buf = (s.momentumBuffer as Tensor).data;
        }
        sgdUpdate(p.value.data, this.gradValues(p), buf, first, h.lr, h.momentum, h.dampening, h.weightDecay, h.nesterov, h.maximize);
      }
    }
  }
}

function sgdUpdate(
  w: FloatArray, grad: FloatArray, buf: FloatArray | null, first: boolean,
  lr: number, mu: number, tau: number, wd: number, nesterov: boolean, maximize: boolean,
): void {
  const n = w.length;
  for (let i = 0; i < n; i++) {
    let g = maximize ? -grad[i]! : grad[i]!;
    if (wd !== 0) g += wd * w[i]!;
    if (buf !== null) {
      const b = first ? g : mu * buf[i]! + (1 - tau) * g;
      buf[i] = b;
      g = nesterov ? g + mu * buf[i]! : buf[i]!;
    }
    w[i] = w[i]! - lr * g;
  }
}

/** Adam's and AdamW's hyper-parameters (PyTorch's names and defaults). */
export interface AdamOptions {
  /** Learning rate γ (default 1e-3). */
  lr: number;
  /** Decay rates (β₁, β₂) of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** ε added to the denominator (default 1e-8). */
  eps: number;
  /** Weight decay λ: L2 in Adam (default 0), decoupled in AdamW (default 0.01). */
  weightDecay: number;
  /** Use the running maximum of v (AMSGrad; default false). */
  amsgrad: boolean;
  /** Ascend instead of descend (default false). */
  maximize: boolean;
}

/**
 * Adam (Kingma & Ba, 2015), as PyTorch computes it. Per step t, with g = ∇θ (+ λθ for Adam's L2 decay):
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  (amsgrad: v̂max ← max(v̂max, v))
 *   θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 * AdamW replaces the L2 term by decoupled decay θ ← θ(1 − γλ) before the update (Loshchilov & Hutter, 2019).
 */
export class Adam extends Optimizer<AdamOptions> {
  /** Whether weight decay is decoupled (AdamW) rather than added to the gradient (Adam). */
  protected readonly decoupled: boolean = false;
  /** Adam over `params`; `name` and `defaultDecay` let AdamW reuse this constructor. */
  constructor(params: Parameter[] | ParamGroupInput<AdamOptions>[], opts: Partial<AdamOptions> = {}, name = 'Adam', defaultDecay = 0) {
    super(params, withDefaults<AdamOptions>({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: defaultDecay, amsgrad: false, maximize: false }, opts), name);
  }
  protected validate(h: AdamOptions): void {
    const name = this.constructor.name;
    checkHyper(name, 'lr', h.lr);
    checkHyper(name, 'eps', h.eps);
    checkHyper(name, 'weightDecay', h.weightDecay);
    if (!Array.isArray(h.betas) || h.betas.length !== 2) throw new NNError(`[${name}] betas must be a pair: got ${JSON.stringify(h.betas)}`);
    checkHyper(name, 'betas[0]', h.betas[0], 0, 1);
    checkHyper(name, 'betas[1]', h.betas[1], 0, 1);
  }
  /** step, m and v, and v̂max under amsgrad. */
  protected override stateBuffers(h: AdamOptions): Record<string, 'number' | 'tensor'> {
    return h.amsgrad ? { step: 'number', expAvg: 'tensor', expAvgSq: 'tensor', maxExpAvgSq: 'tensor' } : { step: 'number', expAvg: 'tensor', expAvgSq: 'tensor' };
  }
  step(): void {
    for (const { params, options: h } of this.paramGroups) {
      for (const p of params) {
        if (p.grad === null) continue;
        const s = this.stateOf(p);
        if (s.step === undefined) {
          s.step = 0;
          s.expAvg = this.zerosLike(p);
          s.expAvgSq = this.zerosLike(p);
          if (h.amsgrad) s.maxExpAvgSq = this.zerosLike(p);
        }
        const t = (s.step as number) + 1;
        s.step = t;
        const [b1, b2] = h.betas;
        const bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
        adamUpdate(
          p.value.data, this.gradValues(p), (s.expAvg as Tensor).data, (s.expAvgSq as Tensor).data,
          h.amsgrad ? (s.maxExpAvgSq as Tensor).data : null,
          {
            lr: h.lr, beta1: b1, beta2: b2, eps: h.eps, weightDecay: h.weightDecay, decoupled: this.decoupled,
            maximize: h.maximize, stepSize: h.lr / bc1, sqrtBiasCorrection2: Math.sqrt(bc2),
          },
        );
      }
    }
  }
}

/** Adam with decoupled weight decay (default λ = 0.01, as PyTorch's AdamW). */
export class AdamW extends Adam {
  /** AdamW decays the weights directly: θ ← θ(1 − γλ). */
  protected override readonly decoupled: boolean = true;
  /** AdamW over `params`, with weight decay 0.01 unless given. */
  constructor(params: Parameter[] | ParamGroupInput<AdamOptions>[], opts: Partial<AdamOptions> = {}) {
    super(params, opts, 'AdamW', 0.01);
  }
}
