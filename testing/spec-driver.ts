/**
 * The spec-table driver: `describeOps(rows)` turns every row of ./op-spec.ts into one float32 and one float64
 * property test. Each draw checks
 * - the function form against the naive float64 reference (shape, dtype, values within the row's tolerance);
 * - the method form against the function form, bit for bit (NaN-aware);
 * - that no input tensor's storage changed (ops never mutate their inputs).
 * Each test also counts its non-trivial draws, so none passes vacuously on empty outputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '@tsgrad/tensor';
import { DTYPES } from './arbitraries.js';
import { tolOf, type AnyOpSpec, type OpOutput, type RefOutput } from './op-spec.js';
import type { Nd } from './reference.js';

/** Draws per op and dtype. */
export const NUM_RUNS = 60;

function outputList(out: OpOutput): Tensor[] {
  if (out instanceof Tensor) return [out];
  if (Array.isArray(out)) return out;
  return [out.values, out.indices];
}

function refList(out: RefOutput): Nd[] {
  if (Array.isArray(out)) return out;
  if ('values' in out) return [out.values, out.indices];
  return [out];
}

/** Every tensor inside an argument list (including arrays of tensors and option objects such as { bias }). */
function tensorsIn(v: unknown, acc: Tensor[] = []): Tensor[] {
  if (v instanceof Tensor) acc.push(v);
  else if (Array.isArray(v)) v.forEach((e) => tensorsIn(e, acc));
  else if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) Object.values(v).forEach((e) => tensorsIn(e, acc));
  return acc;
}

/** True when two storages hold the same bits (NaN payloads included). */
function sameStorage(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** One describe block per row, one property test per dtype. */
export function describeOps(rows: readonly AnyOpSpec[], numRuns = NUM_RUNS): void {
  describe.each(rows.map((s) => [s.name, s] as const))('%s', (_name, spec) => {
    it.each(DTYPES)('%s: function and method forms match the float64 reference and leave inputs untouched', (dtype) => {
      let nonEmpty = 0, methodCalls = 0;
      fc.assert(
        fc.property(spec.args(dtype), (args) => {
          const inputs = tensorsIn(args);
          const before = inputs.map((t) => t.data.slice());
          const got = outputList(spec.fn(...args));
          const want = refList(spec.ref(...args));
          expect(got.length).toBe(want.length);
          const tol = tolOf(spec, dtype, args);
          got.forEach((g, i) => {
            expect(g).toBeInstanceOf(Tensor);
            expect(g.dtype).toBe(dtype);
            expect(g.strides.length).toBe(g.shape.length);
            expect(g).toBeAllclose(want[i]!, tol);
          });
          if (got.some((g) => g.size > 0)) nonEmpty++;
          const m = spec.method?.(...args);
          if (m !== undefined) {
            methodCalls++;
            const viaMethod = outputList(m);
            expect(viaMethod.length).toBe(got.length);
            viaMethod.forEach((v, i) => {
              expect(v.dtype).toBe(dtype);
              expect(v).toBeAllclose(got[i]!, { rtol: 0, atol: 0 });
            });
          }
          inputs.forEach((t, i) => expect(sameStorage(t.data, before[i]!), `input ${i} of ${spec.name} was modified`).toBe(true));
        }),
        { numRuns },
      );
      expect(nonEmpty).toBeGreaterThanOrEqual(numRuns / 3);
      if (spec.method !== null) expect(methodCalls).toBeGreaterThanOrEqual(numRuns / 3);
    });
  });
}
