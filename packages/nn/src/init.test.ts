/**
 * init: fans and gains as torch.nn.init computes them, and each initialiser's documented distribution checked
 * statistically on large tensors (bounds exactly; mean, spread and shape within several standard errors).
 */
import { describe, expect, it } from 'vitest';
import { Generator, Tensor, manualSeed } from '@tsgrad/tensor';
import { NNError, init } from '@tsgrad/nn';
import { expectError } from '../../../testing/errors.js';

function moments(t: Tensor): { n: number; min: number; max: number; mean: number; std: number; within1Std: number } {
  const v = t.toTypedArray();
  const n = v.length;
  let min = Infinity, max = -Infinity, s = 0;
  for (const x of v) {
    min = Math.min(min, x);
    max = Math.max(max, x);
    s += x;
  }
  const mean = s / n;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  const std = Math.sqrt(ss / n);
  let inside = 0;
  for (const x of v) if (Math.abs(x - mean) <= std) inside++;
  return { n, min, max, mean, std, within1Std: inside / n };
}

/** U(−b, b): exact bounds, extremes near them, mean 0 and std b/√3 within a few standard errors (n ≥ 150 000 draws). */
function expectUniform(t: Tensor, b: number): void {
  const m = moments(t);
  expect(m.min).toBeGreaterThanOrEqual(-b);
  expect(m.max).toBeLessThan(b);
  expect(m.min).toBeLessThan(-0.995 * b);
  expect(m.max).toBeGreaterThan(0.995 * b);
  const sd = b / Math.sqrt(3);
  expect(Math.abs(m.mean)).toBeLessThan((5 * sd) / Math.sqrt(m.n));
  expect(Math.abs(m.std / sd - 1)).toBeLessThan(0.01); // standard error ≈ 0.1% at these sizes
  expect(m.within1Std).toBeCloseTo(1 / Math.sqrt(3), 2); // a uniform has 57.7% of its mass within one std
}

/** N(0, σ²): mean 0 and std σ within a few standard errors, 68.3% of the mass within one std (n ≥ 250 000 draws). */
function expectNormal(t: Tensor, sigma: number): void {
  const m = moments(t);
  expect(Math.abs(m.mean)).toBeLessThan((5 * sigma) / Math.sqrt(m.n));
  expect(Math.abs(m.std / sigma - 1)).toBeLessThan(0.01);
  expect(Math.abs(m.within1Std - 0.6827)).toBeLessThan(0.005);
  expect(m.max).toBeGreaterThan(3.5 * sigma); // an unbounded tail (not a truncated or uniform draw)
}

describe('fans and gains', () => {
  it('fans: [out, in, ...kernel] → [in·Πkernel, out·Πkernel]; a vector has fanIn = fanOut = its length', () => {
    expect(init.fans([5, 2])).toEqual([2, 5]);
    expect(init.fans([3, 4, 5, 6])).toEqual([120, 90]);
    expect(init.fans([7])).toEqual([7, 7]);
    expectError(() => init.fans([]), NNError, '[init] fans need a shape of rank >= 1: got []');
  });

  it('gain follows calculate_gain', () => {
    expect(init.gain('linear')).toBe(1);
    expect(init.gain('sigmoid')).toBe(1);
    expect(init.gain('tanh')).toBe(5 / 3);
    expect(init.gain('relu')).toBe(Math.SQRT2);
    expect(init.gain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(init.gain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expectError(() => init.gain('swish' as 'relu'), NNError, '[init.gain] unknown nonlinearity "swish"');
  });
});

describe('distributions', () => {
  const g = new Generator(2024);

  it('xavierUniform: U(±gain·√(6/(fanIn + fanOut)))', () => {
    expectUniform(init.xavierUniform([300, 500], { generator: g }), Math.sqrt(6 / 800));
    expectUniform(init.xavierUniform([300, 500], { generator: g, gain: 2, dtype: 'float64' }), 2 * Math.sqrt(6 / 800));
  });

  it('xavierNormal: N(0, (gain·√(2/(fanIn + fanOut)))²)', () => {
    expectNormal(init.xavierNormal([300, 500], { generator: g }), Math.sqrt(2 / 800));
    expectNormal(init.xavierNormal([40, 60, 5, 5], { generator: g, gain: 5 / 3 }), (5 / 3) * Math.sqrt(2 / (1500 + 1000)));
  });

  it('kaimingUniform: U(±gain·√(3/fan)), gain √(2/(1 + a²)), fan = fanIn or fanOut', () => {
    // a = 0 (the default): gain √2, fanIn = 100·3·3 = 900.
    expectUniform(init.kaimingUniform([400, 100, 3, 3], { generator: g }), Math.sqrt(2) * Math.sqrt(3 / 900));
    // fanOut = 400·9 = 3600.
    expectUniform(init.kaimingUniform([400, 100, 3, 3], { generator: g, mode: 'fanOut' }), Math.sqrt(2) * Math.sqrt(3 / 3600));
    // a = 1: gain 1.
    expectUniform(init.kaimingUniform([600, 500], { generator: g, a: 1 }), Math.sqrt(3 / 500));
    // nonlinearity 'relu' ignores a.
    expectUniform(init.kaimingUniform([600, 500], { generator: g, a: 3, nonlinearity: 'relu' }), Math.sqrt(2) * Math.sqrt(3 / 500));
  });

  it('kaimingNormal: N(0, (gain/√fan)²)', () => {
    expectNormal(init.kaimingNormal([500, 500], { generator: g }), Math.sqrt(2 / 500));
    expectNormal(init.kaimingNormal([250, 1000], { generator: g, mode: 'fanOut' }), Math.sqrt(2 / 250));
    expectNormal(init.kaimingNormal([250, 1000], { generator: g, a: Math.sqrt(5) }), Math.sqrt(1 / 3) / Math.sqrt(1000));
  });

  it('lecunNormal: N(0, 1/fanIn)', () => {
    expectNormal(init.lecunNormal([400, 625], { generator: g }), 1 / 25);
    expectNormal(init.lecunNormal([1024, 16, 4, 4], { generator: g, dtype: 'float64' }), 1 / 16);
  });

  it('uniform and normal with their parameters; zeros and ones', () => {
    const u = moments(init.uniform([200_000], { generator: g, low: 2, high: 5 }));
    expect(u.min).toBeGreaterThanOrEqual(2);
    expect(u.max).toBeLessThan(5);
    expect(Math.abs(u.mean - 3.5)).toBeLessThan(0.01); // 5 standard errors
    const z = moments(init.normal([200_000], { generator: g, mean: -1, std: 0.5 }));
    expect(Math.abs(z.mean + 1)).toBeLessThan(0.006); // 5 standard errors
    expect(Math.abs(z.std / 0.5 - 1)).toBeLessThan(0.01);
    expect(init.zeros([2, 3], { dtype: 'float64' }).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(init.ones([2]).toArray()).toEqual([1, 1]);
    expect(init.ones([2], { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('shapes and dtypes are as asked', () => {
    const t = init.kaimingNormal([4, 3, 2, 2], { generator: g, dtype: 'float64' });
    expect([t.shape, t.dtype]).toEqual([[4, 3, 2, 2], 'float64']);
    expect(init.xavierUniform([5, 6], { generator: g }).dtype).toBe('float32');
  });
});

describe('seeding', () => {
  it('the same seed gives the same tensor; the default generator follows manualSeed', () => {
    const a = init.xavierNormal([8, 8], { generator: new Generator(3) });
    const b = init.xavierNormal([8, 8], { generator: new Generator(3) });
    expect(Array.from(a.toTypedArray())).toEqual(Array.from(b.toTypedArray()));
    manualSeed(11);
    const c = init.kaimingUniform([8, 8]);
    manualSeed(11);
    const d = init.kaimingUniform([8, 8]);
    expect(Array.from(c.toTypedArray())).toEqual(Array.from(d.toTypedArray()));
    expect(Array.from(c.toTypedArray())).toEqual(Array.from(init.kaimingUniform([8, 8], { generator: new Generator(11) }).toTypedArray()));
  });
});

describe('errors', () => {
  it.each([
    ['kaimingUniform with fanIn 0', () => init.kaimingUniform([5, 0]), '[init.kaimingUniform] cannot initialise a tensor with a zero fan: shape [5,0]'],
    ['kaimingNormal with fanOut 0', () => init.kaimingNormal([0, 5], { mode: 'fanOut' }), '[init.kaimingNormal] cannot initialise a tensor with a zero fan: shape [0,5]'],
    ['lecunNormal with fanIn 0', () => init.lecunNormal([3, 0, 2]), '[init.lecunNormal] cannot initialise a tensor with a zero fan: shape [3,0,2]'],
    ['xavierUniform of an empty vector', () => init.xavierUniform([0]), '[init.xavierUniform] cannot initialise a tensor with a zero fan: shape [0]'],
    ['xavierNormal of a scalar', () => init.xavierNormal([]), '[init] fans need a shape of rank >= 1: got []'],
  ] as [string, () => unknown, string][])('%s', (_n, make, message) => expectError(make, NNError, message));
});
