/**
 * What every optimiser shares: parameters without a gradient are skipped, zeroGrad, parameter groups with their
 * own hyper-parameters, and stateDict/loadStateDict exact enough that training resumes bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { Generator, Tensor, tensor } from '@tsgrad/tensor';
import * as A from '@tsgrad/autograd';
import { Linear, NNError, Parameter, Sequential, Tanh, loadSafetensors, optim, safetensorsMetadata, saveSafetensors } from '@tsgrad/nn';
import { expectError } from '../../../../testing/errors.js';
import { forward64 } from '../../../../testing/tolerances.js';

const { SGD, Adam, AdamW, StepLR } = optim;

const param64 = (values: number[]): Parameter => new Parameter(tensor(values, { dtype: 'float64' }));
const setGrad = (p: Parameter, g: number[]): void => {
  p.grad = tensor(g, { dtype: 'float64' });
};
const values = (p: Parameter): number[] => Array.from(p.value.toTypedArray());

describe('parameters without a gradient', () => {
  it.each([
    ['SGD with momentum', (ps: Parameter[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 0.1 })],
    ['Adam', (ps: Parameter[]) => new Adam(ps, { lr: 0.1 })],
    ['AdamW', (ps: Parameter[]) => new AdamW(ps, { lr: 0.1, weightDecay: 0.5 })],
  ] as const)('%s leaves them untouched and keeps no state for them', (_name, make) => {
    const a = param64([1, 2]), b = param64([3, 4]);
    const opt = make([a, b]);
    for (let t = 0; t < 3; t++) {
      setGrad(a, [0.5, -0.5]);
      opt.step();
    }
    expect(values(b)).toEqual([3, 4]); // not even weight decay touches a parameter whose grad is null
    expect(values(a)).not.toEqual([1, 2]);
    expect(Object.keys(opt.stateDict().state)).toEqual(['0']);
  });

  it('Adam counts steps per parameter: a parameter that joins late takes a first step of size lr', () => {
    const a = param64([0]), b = param64([0]);
    const opt = new Adam([a, b], { lr: 0.05, eps: 0 });
    for (let t = 0; t < 4; t++) {
      setGrad(a, [1]);
      opt.step();
    }
    setGrad(b, [-3]);
    opt.step();
    // b's bias correction uses t = 1: m̂ = g, v̂ = g², so the step is lr·sign(g).
    expect(values(b)[0]).toBeCloseTo(0.05, 15);
    expect(opt.stateDict().state).toMatchObject({ 0: { step: 5 }, 1: { step: 1 } });
  });
});

describe('zeroGrad', () => {
  it('clears the gradient of every parameter in every group', () => {
    const a = param64([1]), b = param64([2]), c = param64([3]);
    const opt = new SGD([{ params: [a, b] }, { params: [c], lr: 1 }], { lr: 0.1 });
    for (const p of [a, b, c]) setGrad(p, [1]);
    opt.zeroGrad();
    expect([a.grad, b.grad, c.grad]).toEqual([null, null, null]);
  });

  it('after backward, so the next backward does not accumulate onto the old gradient', () => {
    const w = param64([2]);
    const opt = new SGD([w], { lr: 0.1 });
    A.mul(w, w).sum().backward(); // d(w²)/dw = 4
    opt.zeroGrad();
    A.mul(w, 3).sum().backward(); // 3, not 7
    expect(values(w)).toEqual([2]);
    expect(w.grad!.toTypedArray()[0]).toBe(3);
  });
});

describe('parameter groups', () => {
  it('each group uses its own lr and inherits the other options from the defaults', () => {
    const a = param64([1, 1]), b = param64([1, 1]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => g.options)).toEqual([
      { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
      { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
    ]);
    for (let t = 0; t < 2; t++) {
      setGrad(a, [1, -2]);
      setGrad(b, [1, -2]);
      opt.step();
    }
    // Two steps of momentum 0.9 with a constant gradient g: θ = 1 − γ(g + (0.9g + g)) = 1 − 2.9γg.
    expect(a.value).toBeAllclose([1 - 0.29, 1 + 0.58], forward64);
    expect(b.value).toBeAllclose([1 - 1.45, 1 + 2.9], forward64);
    expect(opt.lr).toBe(0.1);
  });

  it('Adam groups with different betas and weight decay', () => {
    const a = param64([1]), b = param64([1]);
    const opt = new Adam([{ params: [a], weightDecay: 0 }, { params: [b], betas: [0.5, 0.5], weightDecay: 1 }], { lr: 0.1, eps: 0 });
    setGrad(a, [2]);
    setGrad(b, [2]);
    opt.step();
    // First Adam step: lr·sign(g + λθ) in both cases.
    expect(values(a)[0]).toBeCloseTo(0.9, 15);
    expect(values(b)[0]).toBeCloseTo(0.9, 15);
    setGrad(a, [-1]);
    setGrad(b, [-1]);
    opt.step();
    // b, step 1: g = 2 + 1·1 = 3, m = 0.5·3 = 1.5, v = 0.5·9 = 4.5.
    // b, step 2: g = −1 + 1·0.9 = −0.1; m = 0.5·1.5 + 0.5·(−0.1) = 0.7; v = 0.5·4.5 + 0.5·0.01 = 2.255;
    // m̂ = 0.7 / (1 − 0.5²), v̂ = 2.255 / (1 − 0.5²); θ = 0.9 − 0.1·m̂/√v̂.
    const mHat = 0.7 / 0.75, vHat = 2.255 / 0.75;
    expect(values(b)[0]).toBeCloseTo(0.9 - (0.1 * mHat) / Math.sqrt(vHat), 14);
  });
});

describe('stateDict', () => {
  it('indexes state and groups like PyTorch’s (parameters numbered across groups)', () => {
    const a = param64([1, 2]), b = param64([3]), c = param64([4]);
    const opt = new SGD([{ params: [a, b] }, { params: [c], lr: 0.3 }], { lr: 0.1, momentum: 0.5 });
    setGrad(a, [1, 1]);
    setGrad(c, [2]);
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0', '2']);
    expect(sd.state[0]!.momentumBuffer).toBeAllclose([1, 1], forward64);
    expect(sd.state[2]!.momentumBuffer).toBeAllclose([2], forward64);
    expect(sd.paramGroups).toEqual([
      { lr: 0.1, momentum: 0.5, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, params: [0, 1] },
      { lr: 0.3, momentum: 0.5, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, params: [2] },
    ]);
  });

  it('is a deep copy: mutating it changes neither the buffers nor the hyper-parameters', () => {
    const a = param64([1, 2]);
    const opt = new Adam([a], { lr: 0.1 });
    setGrad(a, [1, 1]);
    opt.step();
    const sd = opt.stateDict();
    (sd.state[0]!.expAvg as Tensor).data.fill(99);
    sd.paramGroups[0]!.betas[0] = 0.5;
    sd.paramGroups[0]!.lr = 7;
    const again = opt.stateDict();
    expect(again.state[0]!.expAvg).toBeAllclose([0.1, 0.1], forward64);
    expect(again.paramGroups[0]!.betas).toEqual([0.9, 0.999]);
    expect(opt.paramGroups[0]!.options.lr).toBe(0.1);
  });

  it('loadStateDict copies: the loaded dict can be changed afterwards without affecting the optimiser', () => {
    const a = param64([1, 2]);
    const opt = new Adam([a], { lr: 0.1 });
    setGrad(a, [1, 1]);
    opt.step();
    const sd = opt.stateDict();
    const b = param64([1, 2]);
    const opt2 = new Adam([b], { lr: 0.1 });
    opt2.loadStateDict(sd);
    (sd.state[0]!.expAvg as Tensor).data.fill(99);
    sd.paramGroups[0]!.betas[1] = 0.5;
    expect(opt2.stateDict().state[0]!.expAvg).toBeAllclose([0.1, 0.1], forward64);
    expect(opt2.paramGroups[0]!.options.betas).toEqual([0.9, 0.999]);
  });
});

describe('loadStateDict errors', () => {
  const trained = (): { opt: InstanceType<typeof Adam>; sd: ReturnType<InstanceType<typeof Adam>['stateDict']> } => {
    const a = param64([1, 2]), b = param64([3]);
    const opt = new Adam([a, b], { lr: 0.1 });
    setGrad(a, [1, 1]);
    setGrad(b, [1]);
    opt.step();
    return { opt, sd: opt.stateDict() };
  };

  it('a different number of groups', () => {
    const { sd } = trained();
    const opt = new Adam([{ params: [param64([1, 2])] }, { params: [param64([3])] }]);
    expectError(() => opt.loadStateDict(sd), NNError, '[loadStateDict] the state has 1 parameter groups, this optimiser has 2');
  });

  it('a group with a different number of parameters', () => {
    const { sd } = trained();
    const opt = new Adam([param64([1, 2])]);
    expectError(() => opt.loadStateDict(sd), NNError, '[loadStateDict] group 0 has 2 parameters in the state, 1 here');
  });

  it('a buffer whose shape differs from its parameter’s', () => {
    const { sd } = trained();
    const opt = new Adam([param64([1, 2, 3]), param64([3])]);
    expectError(() => opt.loadStateDict(sd), NNError, "[loadStateDict] 'expAvg' of parameter 0 has shape [2], the parameter is [3]");
  });

  it('state for a parameter index that does not exist', () => {
    const { sd } = trained();
    sd.state[5] = { step: 1 };
    const opt = new Adam([param64([1, 2]), param64([3])]);
    expectError(() => opt.loadStateDict(sd), NNError, '[loadStateDict] state for parameter 5, which does not exist');
  });

  it('a state missing a buffer the algorithm needs fails on load, not at the next step', () => {
    const { sd } = trained();
    delete sd.state[1]!.expAvgSq;
    const opt = new Adam([param64([1, 2]), param64([3])]);
    expectError(() => opt.loadStateDict(sd), NNError, "[loadStateDict] the state of parameter 1 has no tensor 'expAvgSq'");
    const s2 = trained().sd;
    s2.state[0]!.step = Number.NaN;
    expectError(() => opt.loadStateDict(s2), NNError, "[loadStateDict] the state of parameter 0 has no number 'step'");
    // The loaded groups' hyper-parameters win (as in PyTorch): a state whose group says amsgrad needs v̂max too.
    const s3 = trained().sd;
    (s3.paramGroups[0] as { amsgrad: boolean }).amsgrad = true;
    expectError(() => opt.loadStateDict(s3), NNError, "[loadStateDict] the state of parameter 0 has no tensor 'maxExpAvgSq'");
    const a = param64([1, 2]);
    const sgd = new optim.SGD([a], { lr: 0.1, momentum: 0.9 });
    expectError(() => sgd.loadStateDict({ paramGroups: sgd.stateDict().paramGroups, state: { 0: { momentumBuffer: 3 } } }), NNError, "[loadStateDict] the state of parameter 0 has no tensor 'momentumBuffer'");
  });

  it('a bad hyper-parameter is rejected and leaves the optimiser exactly as it was', () => {
    const { opt, sd } = trained();
    const before = opt.stateDict();
    const bad = opt.stateDict();
    bad.paramGroups[0]!.lr = -1;
    bad.state = {};
    expectError(() => opt.loadStateDict(bad), NNError, '[Adam] lr must be a finite number >= 0: got -1');
    const after = opt.stateDict();
    expect(Object.keys(after.state)).toEqual(['0', '1']);
    expect(after.state[0]!.step).toBe(1);
    expect(after.state[0]!.expAvg).toBeAllclose(before.state[0]!.expAvg as Tensor, { rtol: 0, atol: 0 });
    expect(after.paramGroups).toEqual(sd.paramGroups);
  });
});

// ---- exact resume ----------------------------------------------------------------------------------------

/** Optimiser state to bytes: buffers as safetensors tensors, step counts and groups as JSON metadata. */
function saveOptimizerState(sd: optim.OptimizerState<object>): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  const scalars: Record<string, Record<string, number>> = {};
  for (const [i, s] of Object.entries(sd.state)) {
    for (const [k, v] of Object.entries(s)) {
      if (v instanceof Tensor) tensors[`state.${i}.${k}`] = v;
      else (scalars[i] ??= {})[k] = v;
    }
  }
  return saveSafetensors(tensors, { scalars: JSON.stringify(scalars), paramGroups: JSON.stringify(sd.paramGroups) });
}

/** The inverse of saveOptimizerState. */
function loadOptimizerState<H>(bytes: Uint8Array): optim.OptimizerState<H> {
  const metadata = safetensorsMetadata(bytes);
  const state: Record<number, Record<string, number | Tensor>> = {};
  for (const [i, s] of Object.entries(JSON.parse(metadata.scalars!) as Record<string, Record<string, number>>)) state[Number(i)] = { ...s };
  for (const [key, t] of Object.entries(loadSafetensors(bytes))) {
    const [, i, k] = key.split('.');
    (state[Number(i)] ??= {})[k!] = t;
  }
  return { state, paramGroups: JSON.parse(metadata.paramGroups!) as optim.OptimizerState<H>['paramGroups'] };
}

const data = (() => {
  const g = new Generator(3);
  const x = g.normal([32, 2]);
  const xs = x.toTypedArray();
  const y = new Float32Array(32);
  for (let i = 0; i < 32; i++) y[i] = Math.sin(xs[2 * i]!) + xs[2 * i + 1]! ** 2;
  return { x, y: new Tensor(y, [32, 1]) };
})();

const buildModel = (seed: number): Sequential => {
  const g = new Generator(seed);
  return new Sequential(new Linear(2, 8, { generator: g }), new Tanh(), new Linear(8, 1, { generator: g }));
};

interface Run {
  model: Sequential;
  opt: optim.Optimizer<{ lr: number }>;
  sched: optim.LRScheduler;
}

function trainSteps(run: Run, steps: number): void {
  for (let s = 0; s < steps; s++) {
    run.opt.zeroGrad();
    const err = A.sub(run.model.forward(new A.Variable(data.x)), data.y);
    A.mean(A.mul(err, err)).backward();
    run.opt.step();
    run.sched.step();
  }
}

const weightBytes = (m: Sequential): Uint8Array[] => m.parameters().map((p) => new Uint8Array(p.value.toTypedArray().slice().buffer));

describe('training resumes exactly from saved state', () => {
  const optimisers: [string, (ps: Parameter[]) => optim.Optimizer<{ lr: number }>][] = [
    ['SGD (Nesterov momentum, weight decay)', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ['Adam (amsgrad)', (ps) => new Adam(ps, { lr: 0.02, amsgrad: true })],
    ['AdamW', (ps) => new AdamW(ps, { lr: 0.02, weightDecay: 0.1 })],
  ];
  const N = 12, K = 5;

  it.each(optimisers)('%s: N steps = K steps, save to bytes, rebuild, load, N − K steps (bit for bit)', (_name, makeOpt) => {
    const fresh = (seed: number): Run => {
      const model = buildModel(seed);
      const opt = makeOpt(model.parameters());
      return { model, opt, sched: new StepLR(opt, { stepSize: 4, gamma: 0.5 }) };
    };

    const straight = fresh(1);
    trainSteps(straight, N);

    const first = fresh(1);
    trainSteps(first, K);
    const modelBytes = saveSafetensors(first.model.stateDict());
    const optBytes = saveOptimizerState(first.opt.stateDict());
    const schedState = JSON.stringify(first.sched.stateDict());

    // Everything rebuilt from scratch, with other initial weights, so only the loaded state can make them agree.
    const resumed = fresh(99);
    expect(weightBytes(resumed.model)).not.toEqual(weightBytes(first.model));
    resumed.model.loadStateDict(loadSafetensors(modelBytes));
    resumed.opt.loadStateDict(loadOptimizerState(optBytes));
    resumed.sched.loadStateDict(JSON.parse(schedState) as { epoch: number; baseLrs: number[] });
    expect(resumed.opt.lr).toBe(first.opt.lr);
    trainSteps(resumed, N - K);
    expect(weightBytes(resumed.model)).toEqual(weightBytes(straight.model));

    // And the optimiser state matters: resuming with a fresh optimiser does not reproduce the run.
    const forgetful = fresh(99);
    forgetful.model.loadStateDict(loadSafetensors(modelBytes));
    forgetful.sched.loadStateDict(JSON.parse(schedState) as { epoch: number; baseLrs: number[] });
    trainSteps(forgetful, N - K);
    expect(weightBytes(forgetful.model)).not.toEqual(weightBytes(straight.model));
  });
});
