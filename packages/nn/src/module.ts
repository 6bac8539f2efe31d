import { Variable } from '@tsgrad/autograd';
import { Tensor, TsgradError, fmtShape } from '@tsgrad/tensor';

/** A misuse of a module or optimiser: a missing or unexpected state key, a shape mismatch, a bad option. */
export class NNError extends TsgradError {}

/**
 * A learnable tensor: a leaf Variable that requires a gradient. Its storage is private and contiguous, so
 * optimisers can update it in place.
 */
export class Parameter extends Variable {
  /** Takes `value` as the parameter's storage (a private contiguous copy if it is a view); requires a gradient. */
  constructor(value: Tensor, name?: string) {
    super(value.isContiguous() && value.offset === 0 && value.data.length === value.size ? value : value.clone(), true, name);
  }

  /**
   * Overwrites the values in place with `t` (same shape; converted to this dtype). Used by loadStateDict and
   * optimisers' state restore; the only in-place write besides optimiser steps.
   */
  copyInPlace(t: Tensor): void {
    if (t.ndim !== this.ndim || t.shape.some((d, i) => d !== this.shape[i])) {
      throw new NNError(`[Parameter.copyInPlace] shape ${fmtShape(t.shape)} does not match the parameter's ${fmtShape(this.shape)}`);
    }
    this.value.data.set(t.dtype === this.dtype ? t.toTypedArray() : t.astype(this.dtype).toTypedArray());
  }
}

/** A child entry of a module: a module, a parameter, or an array of either (like PyTorch's ModuleList). */
type Child = Module | Parameter | readonly (Module | Parameter)[];

/**
 * Base of every layer and model. Parameters and submodules are discovered from the instance's own fields
 * (including arrays of modules), in declaration order, and named with dots as PyTorch names them
 * (`fc.weight`, `layers.0.bias`). Subclasses implement `forward`.
 */
export abstract class Module {
  /** Training mode (default) or evaluation mode; layers whose behaviour differs read it. */
  training = true;

  /** The module's function of its inputs, built from differentiable ops so backward reaches every parameter. */
  abstract forward(...inputs: Variable[]): Variable;

  /** The (name, child) pairs under this module: own fields holding modules, parameters or arrays of them. */
  namedChildren(): [string, Module | Parameter][] {
    const out: [string, Module | Parameter][] = [];
    for (const [key, value] of Object.entries(this) as [string, Child][]) {
      if (value instanceof Module || value instanceof Parameter) out.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v instanceof Module || v instanceof Parameter) out.push([`${key}.${i}`, v]);
        });
      }
    }
    return out;
  }

  /** Every parameter with its dotted name, depth first, each parameter once (shared ones under their first name). */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const visit = (m: Module, pre: string): void => {
      for (const [name, child] of m.namedChildren()) {
        const full = pre ? `${pre}.${name}` : name;
        if (child instanceof Parameter) {
          if (!seen.has(child)) {
            seen.add(child);
            out.push([full, child]);
          }
        } else visit(child, full);
      }
    };
    visit(this, prefix);
    return out;
  }

  /** Every parameter, in the order of namedParameters(). */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** This module and every submodule, depth first. */
  modules(): Module[] {
    const out: Module[] = [this];
    for (const [, child] of this.namedChildren()) if (child instanceof Module) out.push(...child.modules());
    return out;
  }

  /** Sets training mode on this module and all submodules. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (train(false)). */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Copies of the parameters by dotted name, in order (what saveSafetensors writes). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, p] of this.namedParameters()) out[name] = p.value.clone();
    return out;
  }

  /**
   * Loads parameter values by name, in place. Strict (default): every key must match a parameter and every
   * parameter must be given; shapes must match exactly. Non-strict loads the keys that match and reports the rest.
   */
  loadStateDict(state: Record<string, Tensor>, opts: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    const strict = opts.strict ?? true;
    const params = new Map(this.namedParameters());
    const missing = [...params.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !params.has(k));
    if (strict && missing.length > 0) throw new NNError(`[loadStateDict] missing key(s): ${missing.map((k) => `'${k}'`).join(', ')}`);
    if (strict && unexpected.length > 0) throw new NNError(`[loadStateDict] unexpected key(s): ${unexpected.map((k) => `'${k}'`).join(', ')}`);
    for (const [name, p] of params) {
      const t = state[name];
      if (t === undefined) continue;
      if (!(t instanceof Tensor)) throw new NNError(`[loadStateDict] '${name}' must be a Tensor`);
      if (t.ndim !== p.ndim || t.shape.some((d, i) => d !== p.shape[i])) {
        throw new NNError(`[loadStateDict] shape mismatch for '${name}': the file has ${fmtShape(t.shape)}, the parameter is ${fmtShape(p.shape)}`);
      }
    }
    for (const [name, p] of params) {
      const t = state[name];
      if (t !== undefined) p.copyInPlace(t);
    }
    return { missing, unexpected };
  }

  /** Number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }
}
