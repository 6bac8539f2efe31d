/**
 * Learning-rate schedules, in closed form: after `step()` has been called e times, each group's rate is
 * f(e) · (its base rate), or the formula below. Call `step()` once per epoch (or per iteration), after the
 * optimiser's step, as in PyTorch.
 */
import { NNError } from '../module.js';
import type { Optimizer } from './optimizer.js';

/** Base of the schedules: sets every group's rate to lrAt(base, epoch) on each step(). */
export abstract class LRScheduler {
  /** The number of step() calls so far. */
  epoch = 0;
  /** Each group's rate when the schedule was made: the `base` of lrAt. */
  readonly baseLrs: number[];
  /** Reads the base rates of `optimizer`'s groups; subclasses then set the epoch-0 rates. */
  constructor(readonly optimizer: Optimizer<{ lr: number }>) {
    // Subclasses set their own fields, then call apply() to set the epoch-0 rate.
    this.baseLrs = optimizer.paramGroups.map((g) => g.options.lr);
  }
  /** The rate of a group whose initial rate is `base`, after `epoch` steps. */
  abstract lrAt(base: number, epoch: number): number;
  /** Advances one epoch and sets every group's rate. */
  step(): void {
    this.epoch++;
    this.apply();
  }
  /** The rates currently set, one per group. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.options.lr);
  }
  /** Sets every group's rate for the current epoch. */
  protected apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.options.lr = this.lrAt(this.baseLrs[i]!, this.epoch);
    });
  }
  /** The epoch count and base rates, for resuming. */
  stateDict(): { epoch: number; baseLrs: number[] } {
    return { epoch: this.epoch, baseLrs: this.baseLrs.slice() };
  }
  /** Restores a stateDict (same number of groups) and sets the rates it implies. */
  loadStateDict(s: { epoch: number; baseLrs: number[] }): void {
    const op = `${this.constructor.name}.loadStateDict`;
    if (!s || !Array.isArray(s.baseLrs) || s.baseLrs.length !== this.baseLrs.length) {
      throw new NNError(`[${op}] the state does not match this schedule's ${this.baseLrs.length} group(s)`);
    }
    if (!Number.isInteger(s.epoch) || s.epoch < 0) throw new NNError(`[${op}] epoch must be a non-negative integer: got ${String(s.epoch)}`);
    s.baseLrs.forEach((lr, i) => {
      if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
        throw new NNError(`[${op}] base learning rate ${i} must be a finite non-negative number: got ${String(lr)}`);
      }
    });
    this.epoch = s.epoch;
    this.baseLrs.splice(0, this.baseLrs.length, ...s.baseLrs);
    this.apply();
  }
}

function positive(op: string, name: string, v: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new NNError(`[${op}] ${name} must be a positive ${integer ? 'integer' : 'number'}: got ${String(v)}`);
  }
  return v;
}

/** γ·gamma^⌊e / stepSize⌋: decay by `gamma` every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  readonly stepSize: number;
  /** Multiplicative decay factor. */
  readonly gamma: number;
  /** Decays by `gamma` (default 0.1) every `stepSize` epochs. */
  constructor(optimizer: Optimizer<{ lr: number }>, opts: { stepSize: number; gamma?: number }) {
    const stepSize = positive('StepLR', 'stepSize', opts.stepSize, true);
    const gamma = positive('StepLR', 'gamma', opts.gamma ?? 0.1);
    super(optimizer);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.apply();
  }
  lrAt(base: number, e: number): number {
    return base * Math.pow(this.gamma, Math.floor(e / this.stepSize));
  }
}

/** γ·gamma^e. */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative decay factor. */
  readonly gamma: number;
  /** Decays by `gamma` every epoch. */
  constructor(optimizer: Optimizer<{ lr: number }>, opts: { gamma: number }) {
    const gamma = positive('ExponentialLR', 'gamma', opts.gamma);
    super(optimizer);
    this.gamma = gamma;
    this.apply();
  }
  lrAt(base: number, e: number): number {
    return base * Math.pow(this.gamma, e);
  }
}

/** η_min + (γ − η_min)·(1 + cos(π·e/T))/2 for e ≤ T, then η_min (SGDR without restarts). */
export class CosineAnnealingLR extends LRScheduler {
  /** T, the epochs of the half cosine. */
  readonly tMax: number;
  /** η_min, the final rate. */
  readonly etaMin: number;
  /** Anneals from the base rate to `etaMin` (default 0) over `tMax` epochs. */
  constructor(optimizer: Optimizer<{ lr: number }>, opts: { tMax: number; etaMin?: number }) {
    const tMax = positive('CosineAnnealingLR', 'tMax', opts.tMax, true);
    super(optimizer);
    this.tMax = tMax;
    this.etaMin = opts.etaMin ?? 0;
    this.apply();
  }
  lrAt(base: number, e: number): number {
    const t = Math.min(e, this.tMax);
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/**
 * Linear warm-up: γ·(s + (1 − s)·min(e, W)/W), rising from startFactor·γ to γ over `warmupSteps` steps,
 * then constant (PyTorch's LinearLR with endFactor 1).
 */
export class LinearWarmup extends LRScheduler {
  /** W, the steps of the ramp. */
  readonly warmupSteps: number;
  /** s ∈ (0, 1], the fraction of the base rate at step 0. */
  readonly startFactor: number;
  /** Ramps from `startFactor` (default 1/3) × the base rate to the base rate over `warmupSteps` steps. */
  constructor(optimizer: Optimizer<{ lr: number }>, opts: { warmupSteps: number; startFactor?: number }) {
    const warmupSteps = positive('LinearWarmup', 'warmupSteps', opts.warmupSteps, true);
    const startFactor = opts.startFactor ?? 1 / 3;
    if (!(startFactor > 0 && startFactor <= 1)) throw new NNError(`[LinearWarmup] startFactor must be in (0, 1]: got ${String(startFactor)}`);
    super(optimizer);
    this.warmupSteps = warmupSteps;
    this.startFactor = startFactor;
    this.apply();
  }
  lrAt(base: number, e: number): number {
    return base * (this.startFactor + ((1 - this.startFactor) * Math.min(e, this.warmupSteps)) / this.warmupSteps);
  }
}
