/**
 * SGD, Adam and AdamW step by step against the algorithms in PyTorch's documentation (torch.optim.SGD, Adam,
 * AdamW), written out below in float64 on plain arrays, over several steps of a gradient that depends on the
 * current parameters (so a rule that reads θ at the wrong time shows), compared to 1e-12.
 */
import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@tsgrad/tensor';
import { NNError, Parameter, optim } from '@tsgrad/nn';
import { expectError } from '../../../../testing/errors.js';
import { forward64 } from '../../../../testing/tolerances.js';

const { SGD, Adam, AdamW } = optim;

// ---- the objective: ∇f(θ)ᵢ at step t = cᵢθᵢ + dᵢ·s(t), with a large first gradient so v can shrink (amsgrad) --

const THETA0 = [0.8, -1.2, 0.3, 2.0, -0.05];
const C = [0.5, 2.0, -1.5, 3.0, 0.25];
const D = [0.1, -0.3, 0.7, 0.0, -0.9];
const scale = (t: number): number => (t === 1 ? 10 : 1 / t);
const gradAt = (theta: readonly number[], t: number): number[] => theta.map((v, i) => C[i]! * v + D[i]! * scale(t));

const STEPS = 6;

function param64(values: readonly number[]): Parameter {
  return new Parameter(tensor(values.slice(), { dtype: 'float64' }));
}

function setGrad(p: Parameter, g: readonly number[]): void {
  p.grad = tensor(g.slice(), { dtype: 'float64' });
}

/** Runs an optimiser on THETA0 for STEPS steps, the gradient computed from the parameter's current values. */
function runTsgrad(make: (p: Parameter) => { step(): void }): number[][] {
  const p = param64(THETA0);
  const opt = make(p);
  const trajectory: number[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    setGrad(p, gradAt(Array.from(p.value.toTypedArray()), t));
    opt.step();
    trajectory.push(Array.from(p.value.toTypedArray()));
  }
  return trajectory;
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, t) => row.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[t]![i]!)))));
  return m;
}

// ---- PyTorch's documented algorithms, literally ----------------------------------------------------------

interface SgdHyper { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean }

/**
 * torch.optim.SGD's documented algorithm:
 *   g_t ← ∇f(θ_{t−1});  if λ ≠ 0: g_t ← g_t + λθ_{t−1}
 *   if μ ≠ 0: b_t ← g_t (t = 1) or μb_{t−1} + (1 − τ)g_t;  g_t ← g_t + μb_t (nesterov) or b_t
 *   θ_t ← θ_{t−1} + γg_t (maximize) or θ_{t−1} − γg_t
 * (With maximize and weight decay PyTorch's code negates the gradient first instead; see the test below.)
 */
function sgdReference(h: SgdHyper): number[][] {
  let theta = THETA0.slice();
  let b: number[] = [];
  const out: number[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    let g = gradAt(theta, t);
    if (h.weightDecay !== 0) g = g.map((v, i) => v + h.weightDecay * theta[i]!);
    if (h.momentum !== 0) {
      b = t > 1 ? b.map((bv, i) => h.momentum * bv + (1 - h.dampening) * g[i]!) : g.slice();
      g = h.nesterov ? g.map((v, i) => v + h.momentum * b[i]!) : b.slice();
    }
    theta = h.maximize ? theta.map((v, i) => v + h.lr * g[i]!) : theta.map((v, i) => v - h.lr * g[i]!);
    out.push(theta.slice());
  }
  return out;
}

interface AdamHyper { lr: number; betas: [number, number]; eps: number; weightDecay: number; amsgrad: boolean; maximize: boolean }

/**
 * torch.optim.Adam's documented algorithm (and AdamW's, `decoupled`):
 *   g_t ← ±∇f(θ_{t−1})  (− when maximizing)
 *   Adam: if λ ≠ 0: g_t ← g_t + λθ_{t−1}          AdamW: θ_t ← θ_{t−1} − γλθ_{t−1}
 *   m_t ← β₁m_{t−1} + (1 − β₁)g_t;   v_t ← β₂v_{t−1} + (1 − β₂)g_t²;   m̂_t ← m_t / (1 − β₁ᵗ)
 *   amsgrad: v_t^max ← max(v_{t−1}^max, v_t);  v̂_t ← v_t^max / (1 − β₂ᵗ)     else v̂_t ← v_t / (1 − β₂ᵗ)
 *   θ_t ← θ_t − γ m̂_t / (√v̂_t + ε)
 */
function adamReference(h: AdamHyper, decoupled: boolean): number[][] {
  let theta = THETA0.slice();
  const n = theta.length;
  let m = new Array<number>(n).fill(0), v = new Array<number>(n).fill(0), vmax = new Array<number>(n).fill(0);
  const [b1, b2] = h.betas;
  const out: number[][] = [];
  for (let t = 1; t <= STEPS; t++) {
    let g = gradAt(theta, t);
    if (h.maximize) g = g.map((x) => -x);
    if (h.weightDecay !== 0) {
      if (decoupled) theta = theta.map((x) => x - h.lr * h.weightDecay * x);
      else g = g.map((x, i) => x + h.weightDecay * theta[i]!);
    }
    m = m.map((x, i) => b1 * x + (1 - b1) * g[i]!);
    v = v.map((x, i) => b2 * x + (1 - b2) * g[i]! * g[i]!);
    const mHat = m.map((x) => x / (1 - Math.pow(b1, t)));
    let vHat: number[];
    if (h.amsgrad) {
      vmax = vmax.map((x, i) => Math.max(x, v[i]!));
      vHat = vmax.map((x) => x / (1 - Math.pow(b2, t)));
    } else vHat = v.map((x) => x / (1 - Math.pow(b2, t)));
    theta = theta.map((x, i) => x - (h.lr * mHat[i]!) / (Math.sqrt(vHat[i]!) + h.eps));
    out.push(theta.slice());
  }
  return out;
}

// ---- SGD -------------------------------------------------------------------------------------------------

const SGD_BASE: SgdHyper = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };

describe('SGD follows PyTorch’s documented update, step by step', () => {
  const plain = sgdReference(SGD_BASE);
  const cases: [string, Partial<SgdHyper>][] = [
    ['plain', {}],
    ['momentum 0.9', { momentum: 0.9 }],
    ['momentum 0.9 with dampening 0.3', { momentum: 0.9, dampening: 0.3 }],
    ['Nesterov momentum 0.8', { momentum: 0.8, nesterov: true }],
    ['weight decay 0.05', { weightDecay: 0.05 }],
    ['weight decay 0.05 with momentum 0.5 and dampening 0.1', { weightDecay: 0.05, momentum: 0.5, dampening: 0.1 }],
    ['maximize', { maximize: true }],
    ['maximize with Nesterov momentum', { maximize: true, momentum: 0.7, nesterov: true }],
  ];
  it.each(cases)('%s', (_name, over) => {
    const h = { ...SGD_BASE, ...over };
    const expected = sgdReference(h);
    const actual = runTsgrad((p) => new SGD([p], h));
    actual.forEach((theta, t) => expect(theta, `step ${t + 1}`).toBeAllclose(expected[t]!, forward64));
    // Each option changes the trajectory (by far more than the 1e-12 tolerance), so matching it is no accident.
    if (Object.keys(over).length > 0) expect(maxAbsDiff(expected, plain)).toBeGreaterThan(1e-5);
  });

  it('maximize with weight decay negates the gradient before adding λθ (PyTorch’s code), so decay still shrinks θ', () => {
    // θ = 1, ∇f = 0.5, λ = 0.1, γ = 0.1: g = −0.5 + 0.1·1 = −0.4, θ ← 1 − 0.1·(−0.4) = 1.04.
    // (The documentation's pseudo-code, which adds γ(∇f + λθ) at the end, would give 1.06.)
    const p = param64([1]);
    const opt = new SGD([p], { lr: 0.1, weightDecay: 0.1, maximize: true });
    setGrad(p, [0.5]);
    opt.step();
    expect(p.value.toTypedArray()[0]).toBeCloseTo(1.04, 14);
  });

  it('keeps the momentum buffer in its state: b₁ = g₁, b₂ = μb₁ + (1 − τ)g₂', () => {
    const p = param64([1, -1]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.25 });
    setGrad(p, [2, -4]);
    opt.step();
    expect(opt.stateDict().state[0]!.momentumBuffer as Tensor).toBeAllclose([2, -4], forward64);
    setGrad(p, [1, 1]);
    opt.step();
    expect(opt.stateDict().state[0]!.momentumBuffer as Tensor).toBeAllclose([0.9 * 2 + 0.75, 0.9 * -4 + 0.75], forward64);
  });
});

// ---- Adam / AdamW ----------------------------------------------------------------------------------------

const ADAM_BASE: AdamHyper = { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };

describe('Adam follows PyTorch’s documented update, step by step', () => {
  const plain = adamReference(ADAM_BASE, false);
  const cases: [string, Partial<AdamHyper>][] = [
    ['with bias correction (defaults)', {}],
    ['betas (0.5, 0.9), eps 1e-3', { betas: [0.5, 0.9], eps: 1e-3 }],
    ['L2 weight decay 0.1', { weightDecay: 0.1 }],
    ['amsgrad', { amsgrad: true }],
    ['amsgrad with L2 weight decay and maximize', { amsgrad: true, weightDecay: 0.1, maximize: true }],
  ];
  it.each(cases)('%s', (_name, over) => {
    const h = { ...ADAM_BASE, ...over };
    const expected = adamReference(h, false);
    const actual = runTsgrad((p) => new Adam([p], h));
    actual.forEach((theta, t) => expect(theta, `step ${t + 1}`).toBeAllclose(expected[t]!, forward64));
    if (Object.keys(over).length > 0) expect(maxAbsDiff(expected, plain)).toBeGreaterThan(1e-5);
  });

  it('the first step moves each coordinate by lr·sign(g) (m̂₁/√v̂₁ = g/|g|), whatever the gradient’s size', () => {
    const p = param64([0, 0, 0]);
    const opt = new Adam([p], { lr: 0.01, eps: 0 });
    setGrad(p, [1e-3, -250, 7]);
    opt.step();
    expect(p.value).toBeAllclose([-0.01, 0.01, -0.01], forward64);
  });
});

describe('AdamW follows PyTorch’s documented update (decoupled weight decay), step by step', () => {
  it.each([
    ['default decay 0.01', {}],
    ['decay 0.3', { weightDecay: 0.3 }],
    ['decay 0.3, amsgrad', { weightDecay: 0.3, amsgrad: true }],
  ] as [string, Partial<AdamHyper>][])('%s', (_name, over) => {
    const h = { ...ADAM_BASE, weightDecay: 0.01, ...over };
    const expected = adamReference(h, true);
    // Without weightDecay in the options, AdamW must supply its default (0.01).
    const { weightDecay, ...rest } = h;
    const actual = runTsgrad((p) => new AdamW([p], over.weightDecay === undefined ? rest : { ...rest, weightDecay }));
    actual.forEach((theta, t) => expect(theta, `step ${t + 1}`).toBeAllclose(expected[t]!, forward64));
    // Decoupled decay is not L2 decay through the moments.
    expect(maxAbsDiff(expected, adamReference(h, false))).toBeGreaterThan(1e-6);
  });

  it('defaults to weight decay 0.01 (PyTorch’s AdamW default); Adam defaults to 0', () => {
    expect(new AdamW([param64([1])]).paramGroups[0]!.options.weightDecay).toBe(0.01);
    expect(new Adam([param64([1])]).paramGroups[0]!.options).toEqual({
      lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false,
    });
  });

  it('an option passed as undefined takes its default, as if it were left out', () => {
    const opts: Partial<optim.AdamOptions> = { lr: 0.1, weightDecay: undefined, betas: undefined };
    expect(new AdamW([param64([1])], opts).paramGroups[0]!.options).toMatchObject({ weightDecay: 0.01, betas: [0.9, 0.999] });
    const sgd = new SGD([{ params: [param64([1])], momentum: undefined }], { lr: 0.1, momentum: 0.5, dampening: undefined });
    expect(sgd.paramGroups[0]!.options).toMatchObject({ momentum: 0.5, dampening: 0 });
  });

  it('with a zero gradient only the decay acts: θ ← θ(1 − γλ) each step', () => {
    const p = param64([2, -4]);
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.5 });
    for (let t = 0; t < 3; t++) {
      setGrad(p, [0, 0]);
      opt.step();
    }
    expect(p.value).toBeAllclose([2 * 0.95 ** 3, -4 * 0.95 ** 3], forward64);
  });
});

// ---- hyper-parameter validation --------------------------------------------------------------------------

describe('bad hyper-parameters are NNErrors that name the optimiser, the option and the value', () => {
  const p = (): Parameter => param64([1]);
  const rows: [string, () => unknown, string][] = [
    ['SGD negative lr', () => new SGD([p()], { lr: -0.1 }), '[SGD] lr must be a finite number >= 0: got -0.1'],
    ['SGD missing lr', () => new SGD([p()], {} as { lr: number }), '[SGD] lr must be a finite number >= 0: got undefined'],
    ['SGD NaN momentum', () => new SGD([p()], { lr: 0.1, momentum: NaN }), '[SGD] momentum must be a finite number >= 0: got NaN'],
    ['SGD negative weight decay', () => new SGD([p()], { lr: 0.1, weightDecay: -1 }), '[SGD] weightDecay must be a finite number >= 0: got -1'],
    ['SGD infinite dampening', () => new SGD([p()], { lr: 0.1, dampening: Infinity }), '[SGD] dampening must be a finite number >= 0: got Infinity'],
    [
      'SGD Nesterov without momentum', () => new SGD([p()], { lr: 0.1, nesterov: true }),
      '[SGD] nesterov needs momentum > 0 and dampening 0: got momentum 0, dampening 0',
    ],
    [
      'SGD Nesterov with dampening', () => new SGD([p()], { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }),
      '[SGD] nesterov needs momentum > 0 and dampening 0: got momentum 0.9, dampening 0.1',
    ],
    ['Adam beta1 = 1', () => new Adam([p()], { betas: [1, 0.999] }), '[Adam] betas[0] must be a finite number in [0, 1): got 1'],
    ['Adam negative beta2', () => new Adam([p()], { betas: [0.9, -0.5] }), '[Adam] betas[1] must be a finite number in [0, 1): got -0.5'],
    ['Adam betas not a pair', () => new Adam([p()], { betas: [0.9] as unknown as [number, number] }), '[Adam] betas must be a pair: got [0.9]'],
    ['Adam negative eps', () => new Adam([p()], { eps: -1e-8 }), '[Adam] eps must be a finite number >= 0: got -1e-8'],
    ['AdamW negative lr', () => new AdamW([p()], { lr: -1 }), '[AdamW] lr must be a finite number >= 0: got -1'],
    ['AdamW negative weight decay', () => new AdamW([p()], { weightDecay: -0.01 }), '[AdamW] weightDecay must be a finite number >= 0: got -0.01'],
    ['no parameters', () => new SGD([], { lr: 0.1 }), '[SGD] expected a non-empty list of parameters'],
    ['a non-parameter', () => new Adam([p(), tensor([1]) as unknown as Parameter]), '[Adam] parameter group 0 holds something that is not a Parameter'],
    [
      'a group with a bad lr',
      () => new SGD([{ params: [p()] }, { params: [p()], lr: -2 }], { lr: 0.1 }),
      '[SGD] lr must be a finite number >= 0: got -2',
    ],
    [
      'a parameter in two groups',
      () => { const q = p(); return new SGD([{ params: [q] }, { params: [q] }], { lr: 0.1 }); },
      '[SGD] a parameter appears in more than one group (group 1)',
    ],
    ['a group without params', () => new SGD([{ lr: 0.1 } as unknown as { params: Parameter[] }], { lr: 0.1 }), '[SGD] parameter group 0 has no params array'],
  ];
  it.each(rows)('%s', (_name, make, message) => expectError(make, NNError, message));
});
