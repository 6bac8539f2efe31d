/**
 * Optimisers, following the algorithms in PyTorch's documentation step for step (same order of operations, so
 * results agree to rounding). Parameters are updated in place, on their storage: the one place, with
 * Parameter.copyInPlace, where tsgrad writes into an existing tensor.
 */
import { Tensor, fmtShape, type FloatArray } from '@tsgrad/tensor';
import { NNError, Parameter } from '../module.js';

/** One group of parameters sharing hyper-parameters. */
export interface ParamGroup<H> {
  /** The parameters this group updates. */
  params: Parameter[];
  /** The group's hyper-parameters (defaults filled in); schedules write `lr` here. */
  options: H;
}

/** A group as the user gives it: its parameters plus any hyper-parameters that differ from the defaults. */
export type ParamGroupInput<H> = { params: Parameter[] } & Partial<H>;

/** What an optimiser's stateDict holds: per-parameter state by index, and each group's hyper-parameters. */
export interface OptimizerState<H> {
  /** Per-parameter state (step count, buffers), keyed by the parameter's index across all groups. */
  state: Record<number, Record<string, number | Tensor>>;
  /** Each group's hyper-parameters, with its parameters as indices. */
  paramGroups: (H & { params: number[] })[];
}

/** Base of SGD, Adam and AdamW: parameter groups, zeroGrad, and exact state save/restore. */
export abstract class Optimizer<H extends { lr: number }> {
  /** The parameter groups, each with its own hyper-parameters. */
  readonly paramGroups: ParamGroup<H>[];
  /** Per-parameter state (buffers as Float64-or-32 arrays of the parameter's dtype, plus the step count). */
  protected readonly state = new Map<Parameter, Record<string, number | Tensor>>();

  /**
   * `params` is a list of parameters (one group) or of groups, each overriding some of `defaults`; a parameter
   * may appear in one group only. `name` prefixes error messages.
   */
  constructor(params: Parameter[] | ParamGroupInput<H>[], defaults: H, name: string) {
    if (!Array.isArray(params) || params.length === 0) throw new NNError(`[${name}] expected a non-empty list of parameters`);
    const groups: ParamGroupInput<H>[] = params[0] instanceof Parameter ? [{ params: params as Parameter[] } as ParamGroupInput<H>] : (params as ParamGroupInput<H>[]);
    const seen = new Set<Parameter>();
    this.paramGroups = groups.map((g, gi) => {
      if (!g || !Array.isArray(g.params)) throw new NNError(`[${name}] parameter group ${gi} has no params array`);
      for (const p of g.params) {
        if (!(p instanceof Parameter)) throw new NNError(`[${name}] parameter group ${gi} holds something that is not a Parameter`);
        if (seen.has(p)) throw new NNError(`[${name}] a parameter appears in more than one group (group ${gi})`);
        seen.add(p);
      }
      const { params: ps, ...rest } = g;
      const options = copyOptions(withDefaults(defaults, rest as unknown as Partial<H>));
      this.validate(options);
      return { params: ps.slice(), options };
    });
  }

  /** Throws an NNError for an invalid hyper-parameter. */
  protected abstract validate(h: H): void;

  /**
   * The buffers one parameter's state must hold under hyper-parameters `h` (name → number or tensor), checked
   * by `loadStateDict` so that a state missing a buffer fails on load, not at the next `step`. None by default.
   */
  protected stateBuffers(_h: H): Record<string, 'number' | 'tensor'> {
    return {};
  }

  /** Updates every parameter that has a gradient. */
  abstract step(): void;

  /** Clears the gradients of every parameter. */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad();
  }

  /** The learning rate of the first group (schedules set every group's). */
  get lr(): number {
    return this.paramGroups[0]!.options.lr;
  }

  /** A deep copy of the state (step counts, buffers) and hyper-parameters, indexed like PyTorch's. */
  stateDict(): OptimizerState<H> {
    const state: Record<number, Record<string, number | Tensor>> = {};
    const paramGroups: (H & { params: number[] })[] = [];
    let index = 0;
    for (const g of this.paramGroups) {
      const ids: number[] = [];
      for (const p of g.params) {
        const s = this.state.get(p);
        if (s) state[index] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? v.clone() : v]));
        ids.push(index++);
      }
      paramGroups.push({ ...copyOptions(g.options), params: ids });
    }
    return { state, paramGroups };
  }

  /** Restores a stateDict taken from an optimiser over parameters of the same shapes, in the same order. */
  loadStateDict(sd: OptimizerState<H>): void {
    if (!sd || !Array.isArray(sd.paramGroups) || sd.paramGroups.length !== this.paramGroups.length) {
      throw new NNError(`[loadStateDict] the state has ${sd?.paramGroups?.length ?? 'no'} parameter groups, this optimiser has ${this.paramGroups.length}`);
    }
    const byIndex: Parameter[] = [];
    this.paramGroups.forEach((g, gi) => {
      if (sd.paramGroups[gi]!.params.length !== g.params.length) {
        throw new NNError(`[loadStateDict] group ${gi} has ${sd.paramGroups[gi]!.params.length} parameters in the state, ${g.params.length} here`);
      }
      byIndex.push(...g.params);
    });
    const restored = new Map<Parameter, Record<string, number | Tensor>>();
    for (const [key, s] of Object.entries(sd.state)) {
      const p = byIndex[Number(key)];
      if (!p) throw new NNError(`[loadStateDict] state for parameter ${key}, which does not exist`);
      const copy: Record<string, number | Tensor> = {};
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor) {
          if (v.ndim !== p.ndim || v.shape.some((d, i) => d !== p.shape[i])) {
            throw new NNError(`[loadStateDict] '${k}' of parameter ${key} has shape ${fmtShape(v.shape)}, the parameter is ${fmtShape(p.shape)}`);
          }
          copy[k] = v.astype(p.dtype);
        } else copy[k] = v;
      }
      restored.set(p, copy);
    }
    // Validate every group before changing anything, so a bad state leaves the optimiser as it was.
    const options = this.paramGroups.map((g, gi) => {
      const { params: _ids, ...h } = sd.paramGroups[gi]!;
      void _ids;
      const o = copyOptions({ ...g.options, ...(h as unknown as H) });
      this.validate(o);
      return o;
    });
    let index = 0;
    this.paramGroups.forEach((g, gi) => {
      const buffers = Object.entries(this.stateBuffers(options[gi]!));
      for (const p of g.params) {
        const s = restored.get(p);
        if (s !== undefined) {
          for (const [k, kind] of buffers) {
            const v = s[k];
            const ok = kind === 'tensor' ? v instanceof Tensor : typeof v === 'number' && Number.isFinite(v);
            if (!ok) throw new NNError(`[loadStateDict] the state of parameter ${index} has no ${kind} '${k}'`);
          }
        }
        index++;
      }
    });
    this.state.clear();
    for (const [p, s] of restored) this.state.set(p, s);
    this.paramGroups.forEach((g, gi) => {
      g.options = options[gi]!;
    });
  }

  /** The state record of a parameter, created on first use. */
  protected stateOf(p: Parameter): Record<string, number | Tensor> {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** A zero buffer shaped like the parameter. */
  protected zerosLike(p: Parameter): Tensor {
    return p.value.mul(0);
  }

  /**
   * The gradient's values in order, for reading: the gradient's own array when it is contiguous from its start
   * (its first p.value.size elements; no copy), else a contiguous copy.
   */
  protected gradValues(p: Parameter): FloatArray {
    const g = p.grad!;
    return g.isContiguous() && g.offset === 0 ? g.data : g.toTypedArray();
  }
}

/** A copy of a group's hyper-parameters that shares no array (such as Adam's betas) with the original. */
function copyOptions<H extends object>(h: H): H {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.slice() : v])) as H;
}

/** `defaults` overridden by the options given; an option passed as `undefined` keeps its default. */
export function withDefaults<H extends object>(defaults: H, opts: Partial<H>): H {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Throws unless v is a finite number ≥ min (and < max when given). */
export function checkHyper(op: string, name: string, v: unknown, min = 0, maxExclusive?: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (maxExclusive !== undefined && v >= maxExclusive)) {
    const range = maxExclusive === undefined ? `>= ${min}` : `in [${min}, ${maxExclusive})`;
    throw new NNError(`[${op}] ${name} must be a finite number ${range}: got ${String(v)}`);
  }
}
