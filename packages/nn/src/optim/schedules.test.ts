/**
 * Learning-rate schedules: the closed forms at several epochs (written out here), every group scaled from its own
 * base rate, the rate the optimiser then uses, stateDict round trips, and option errors.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '@tsgrad/tensor';
import { NNError, Parameter, optim } from '@tsgrad/nn';
import { expectError } from '../../../../testing/errors.js';

const { SGD, Adam, StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup } = optim;

const param = (): Parameter => new Parameter(tensor([1], { dtype: 'float64' }));
/** An SGD optimiser with two groups, base rates 0.1 and 0.02. */
const twoGroups = (): InstanceType<typeof SGD> => new SGD([{ params: [param()] }, { params: [param()], lr: 0.02 }], { lr: 0.1 });

/** The rates after 0, 1, ..., n step() calls, one array per epoch. */
function rates(s: optim.LRScheduler, n: number): number[][] {
  const out = [s.getLastLr()];
  for (let e = 1; e <= n; e++) {
    s.step();
    out.push(s.getLastLr());
  }
  return out;
}

function expectRates(actual: number[][], closedForm: (base: number, e: number) => number, bases = [0.1, 0.02]): void {
  actual.forEach((lrs, e) => lrs.forEach((lr, g) => expect(lr, `epoch ${e}, group ${g}`).toBeCloseTo(closedForm(bases[g]!, e), 15)));
}

describe('closed forms', () => {
  it('StepLR: γ·gamma^⌊e / stepSize⌋', () => {
    const s = new StepLR(twoGroups(), { stepSize: 3, gamma: 0.5 });
    const r = rates(s, 10);
    expectRates(r, (b, e) => b * 0.5 ** Math.floor(e / 3));
    expect(r.map((x) => x[0])).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125]);
  });

  it('StepLR defaults to gamma 0.1', () => {
    const s = new StepLR(twoGroups(), { stepSize: 2 });
    expectRates(rates(s, 5), (b, e) => b * 0.1 ** Math.floor(e / 2));
  });

  it('ExponentialLR: γ·gamma^e', () => {
    const s = new ExponentialLR(twoGroups(), { gamma: 0.9 });
    expectRates(rates(s, 8), (b, e) => b * 0.9 ** e);
  });

  it('CosineAnnealingLR: η_min + (γ − η_min)(1 + cos(πe/T))/2 up to T, then η_min', () => {
    const etaMin = 0.001, T = 10;
    const s = new CosineAnnealingLR(twoGroups(), { tMax: T, etaMin });
    const r = rates(s, 14);
    expectRates(r, (b, e) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * Math.min(e, T)) / T))) / 2);
    // Landmarks: the base at 0, the midpoint at T/2, η_min at T and after.
    expect(r[0]![0]).toBe(0.1);
    expect(r[5]![0]).toBeCloseTo((0.1 + etaMin) / 2, 15);
    expect(r[10]![0]).toBeCloseTo(etaMin, 15);
    expect(r[14]![0]).toBeCloseTo(etaMin, 15);
  });

  it('LinearWarmup: γ(s + (1 − s)·min(e, W)/W)', () => {
    const s = new LinearWarmup(twoGroups(), { warmupSteps: 4, startFactor: 0.25 });
    const r = rates(s, 7);
    expectRates(r, (b, e) => b * (0.25 + (0.75 * Math.min(e, 4)) / 4));
    expect(r[0]![0]).toBeCloseTo(0.025, 15);
    expect(r[2]![0]).toBeCloseTo(0.0625, 15);
    expect(r[4]![0]).toBeCloseTo(0.1, 15);
  });

  it('LinearWarmup defaults to startFactor 1/3 (PyTorch’s LinearLR)', () => {
    const s = new LinearWarmup(twoGroups(), { warmupSteps: 5 });
    expectRates(rates(s, 6), (b, e) => b * (1 / 3 + ((2 / 3) * Math.min(e, 5)) / 5));
  });
});

describe('the optimiser uses the scheduled rate', () => {
  it('an SGD step after two StepLR epochs moves θ by the decayed rate times the gradient', () => {
    const p = param();
    const opt = new SGD([p], { lr: 0.4 });
    const s = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    s.step();
    s.step();
    expect(opt.lr).toBe(0.1);
    p.grad = tensor([2], { dtype: 'float64' });
    opt.step();
    expect(p.value.toTypedArray()[0]).toBeCloseTo(1 - 0.1 * 2, 15);
  });

  it('works with Adam’s groups too', () => {
    const opt = new Adam([{ params: [param()] }, { params: [param()], lr: 0.5 }], { lr: 0.01 });
    const s = new ExponentialLR(opt, { gamma: 0.5 });
    s.step();
    expect(opt.paramGroups.map((g) => g.options.lr)).toEqual([0.005, 0.25]);
  });
});

describe('stateDict round trip', () => {
  const schedules: [string, (o: InstanceType<typeof SGD>) => optim.LRScheduler][] = [
    ['StepLR', (o) => new StepLR(o, { stepSize: 2, gamma: 0.3 })],
    ['ExponentialLR', (o) => new ExponentialLR(o, { gamma: 0.8 })],
    ['CosineAnnealingLR', (o) => new CosineAnnealingLR(o, { tMax: 6, etaMin: 1e-4 })],
    ['LinearWarmup', (o) => new LinearWarmup(o, { warmupSteps: 5, startFactor: 0.1 })],
  ];
  it.each(schedules)('%s: a new schedule loaded after 3 epochs continues exactly like the original', (_name, make) => {
    const original = make(twoGroups());
    for (let e = 0; e < 3; e++) original.step();
    const saved = JSON.parse(JSON.stringify(original.stateDict())) as { epoch: number; baseLrs: number[] };
    expect(saved).toEqual({ epoch: 3, baseLrs: [0.1, 0.02] });

    const restoredOpt = twoGroups();
    const restored = make(restoredOpt);
    restored.loadStateDict(saved);
    expect(restored.epoch).toBe(3);
    expect(restored.getLastLr()).toEqual(original.getLastLr());
    expect(restoredOpt.paramGroups.map((g) => g.options.lr)).toEqual(original.getLastLr());
    expect(rates(restored, 5)).toEqual(rates(original, 5));
  });

  it('the state is a copy', () => {
    const s = new StepLR(twoGroups(), { stepSize: 2 });
    const sd = s.stateDict();
    sd.baseLrs[0] = 5;
    expect(s.baseLrs).toEqual([0.1, 0.02]);
  });

  it('a state for another number of groups is an NNError', () => {
    const s = new ExponentialLR(twoGroups(), { gamma: 0.5 });
    expectError(
      () => s.loadStateDict({ epoch: 1, baseLrs: [0.1] }),
      NNError,
      "[ExponentialLR.loadStateDict] the state does not match this schedule's 2 group(s)",
    );
  });

  it('a bad epoch or base rate is an NNError that leaves the schedule as it was', () => {
    const s = new ExponentialLR(twoGroups(), { gamma: 0.5 });
    s.step();
    const before = s.stateDict();
    expectError(() => s.loadStateDict({ epoch: 1.5, baseLrs: [0.1, 0.2] }), NNError, '[ExponentialLR.loadStateDict] epoch must be a non-negative integer: got 1.5');
    expectError(() => s.loadStateDict({ epoch: -1, baseLrs: [0.1, 0.2] }), NNError, '[ExponentialLR.loadStateDict] epoch must be a non-negative integer: got -1');
    expectError(
      () => s.loadStateDict({ epoch: 1, baseLrs: [0.1, Number.NaN] }),
      NNError,
      '[ExponentialLR.loadStateDict] base learning rate 1 must be a finite non-negative number: got NaN',
    );
    expectError(
      () => s.loadStateDict({ epoch: 1, baseLrs: ['0.1' as unknown as number, 0.2] }),
      NNError,
      '[ExponentialLR.loadStateDict] base learning rate 0 must be a finite non-negative number: got 0.1',
    );
    expect(s.stateDict()).toEqual(before);
  });
});

describe('bad options are NNErrors', () => {
  const rows: [string, () => unknown, string][] = [
    ['StepLR stepSize 0', () => new StepLR(twoGroups(), { stepSize: 0 }), '[StepLR] stepSize must be a positive integer: got 0'],
    ['StepLR fractional stepSize', () => new StepLR(twoGroups(), { stepSize: 1.5 }), '[StepLR] stepSize must be a positive integer: got 1.5'],
    ['StepLR negative gamma', () => new StepLR(twoGroups(), { stepSize: 2, gamma: -0.1 }), '[StepLR] gamma must be a positive number: got -0.1'],
    ['ExponentialLR NaN gamma', () => new ExponentialLR(twoGroups(), { gamma: NaN }), '[ExponentialLR] gamma must be a positive number: got NaN'],
    ['CosineAnnealingLR tMax 0', () => new CosineAnnealingLR(twoGroups(), { tMax: 0 }), '[CosineAnnealingLR] tMax must be a positive integer: got 0'],
    ['LinearWarmup warmupSteps -1', () => new LinearWarmup(twoGroups(), { warmupSteps: -1 }), '[LinearWarmup] warmupSteps must be a positive integer: got -1'],
    ['LinearWarmup startFactor 0', () => new LinearWarmup(twoGroups(), { warmupSteps: 3, startFactor: 0 }), '[LinearWarmup] startFactor must be in (0, 1]: got 0'],
    ['LinearWarmup startFactor 1.5', () => new LinearWarmup(twoGroups(), { warmupSteps: 3, startFactor: 1.5 }), '[LinearWarmup] startFactor must be in (0, 1]: got 1.5'],
  ];
  it.each(rows)('%s', (_name, make, message) => expectError(make, NNError, message));

  it('a rejected schedule leaves the optimiser’s rates alone', () => {
    const opt = twoGroups();
    expectError(() => new StepLR(opt, { stepSize: 0 }), NNError, '[StepLR] stepSize must be a positive integer: got 0');
    expect(opt.paramGroups.map((g) => g.options.lr)).toEqual([0.1, 0.02]);
  });
});
