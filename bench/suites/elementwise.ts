/**
 * Elementwise ops and reductions on 1M float32 elements (1000×1000), in millions of elements per second
 * (elements of the output for elementwise ops, of the input for reductions).
 */
import { add, exp, mul, sum, type Tensor } from '@tsgrad/tensor';
import type { CaseDef, SuiteDef } from '../lib/harness.js';
import { tf, useBackend } from '../lib/tfjs.js';
import { TFJS, fromTf, fromTs, generator, normal, toTf } from './common.js';

const N = 1000;

interface Op {
  row: string;
  inQuick: boolean;
  inputs: number[][];
  ts(...xs: Tensor[]): Tensor;
  tfjs(...xs: tf.Tensor[]): tf.Tensor;
}

const OPS: Op[] = [
  { row: 'add, 1000×1000 + 1000×1000', inQuick: true, inputs: [[N, N], [N, N]], ts: (a, b) => add(a!, b!), tfjs: (a, b) => tf.add(a!, b!) },
  { row: 'mul, 1000×1000 · 1000 (broadcast over rows)', inQuick: false, inputs: [[N, N], [N]], ts: (a, b) => mul(a!, b!), tfjs: (a, b) => tf.mul(a!, b!) },
  { row: 'exp, 1000×1000', inQuick: false, inputs: [[N, N]], ts: (a) => exp(a!), tfjs: (a) => tf.exp(a!) },
  { row: 'sum over axis 1, 1000×1000 → 1000', inQuick: true, inputs: [[N, N]], ts: (a) => sum(a!, { axis: 1 }), tfjs: (a) => tf.sum(a!, 1) },
  { row: 'sum over axis 0, 1000×1000 → 1000', inQuick: false, inputs: [[N, N]], ts: (a) => sum(a!, { axis: 0 }), tfjs: (a) => tf.sum(a!, 0) },
];

function opCases(op: Op, seed: number): CaseDef[] {
  const g = generator(seed);
  const xs = op.inputs.map((s) => normal(s, g));
  const work = N * N;
  const out: CaseDef[] = [{
    row: op.row, engine: 'tsgrad', work,
    setup: () => ({ run: () => void op.ts(...xs), result: () => [fromTs(op.ts(...xs))] }),
  }];
  for (const engine of TFJS) {
    out.push({
      row: op.row, engine, work,
      setup: () => {
        const txs = xs.map((x) => toTf(x, engine));
        return {
          run: () => { useBackend(engine); tf.dispose(op.tfjs(...txs)); },
          result: () => { useBackend(engine); const y = op.tfjs(...txs); const r = fromTf(y); y.dispose(); return [r]; },
          dispose: () => tf.dispose(txs),
        };
      },
    });
  }
  return out;
}

export const elementwiseSuite: SuiteDef = {
  id: 'elementwise',
  title: 'elementwise ops and reductions, float32, 1M elements',
  unit: 'M elements/s',
  scale: 1e6,
  tolerance: { rtol: 1e-5, atol: 1e-5 },
  cases: (quick) => OPS.filter((op) => !quick || op.inQuick).flatMap((op, i) => opCases(op, 300 + i)),
};
