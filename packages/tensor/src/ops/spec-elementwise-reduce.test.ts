/**
 * Spec-table property tests (testing/op-spec.ts, driven by testing/spec-driver.ts): elementwise ops and reductions,
 * float32 and float64, function and method forms, against the naive float64 references. The shape ops, linear
 * algebra and network ops are in spec-views-linalg-nn.test.ts (two files, so the runner spreads them over workers).
 */
import { describe, expect, it } from 'vitest';
import { OPS } from '../../../../testing/op-spec.js';
import { describeOps } from '../../../../testing/spec-driver.js';

describeOps(OPS.filter((s) => ['unary', 'binary', 'ternary', 'reduce'].includes(s.group)));

describe('the spec table', () => {
  it('covers every op of the tensor API, each once', () => {
    const names = OPS.map((s) => s.name);
    const required = [
      'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'equal', 'notEqual', 'greater', 'greaterEqual', 'less',
      'lessEqual', 'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin',
      'cos', 'tanh', 'sigmoid', 'relu', 'softplus', 'clamp', 'where', 'sum', 'mean', 'max', 'min', 'prod', 'variance',
      'logSumExp', 'norm', 'argmax', 'argmin', 'reshape', 'flatten', 'transpose', 'permute', 'expandDims', 'squeeze',
      'broadcastTo', 'slice', 'concat', 'stack', 'split', 'pad', 'gather', 'contiguous', 'matmul', 'cdist', 'topk',
      'softmax', 'logSoftmax', 'conv2d', 'maxPool2d', 'avgPool2d',
    ];
    expect(required.filter((n) => !names.includes(n))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    expect(OPS.every((s) => s.domain.length >= 1)).toBe(true);
  });
});
