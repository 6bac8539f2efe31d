/**
 * Module: PyTorch's dotted parameter names (fields, Sequential indices, arrays of modules, nesting), train/eval
 * propagation, stateDict copies, and loadStateDict's strict and non-strict behaviour with exact messages.
 */
import { describe, expect, it } from 'vitest';
import { Generator, Tensor, tensor, zeros } from '@tsgrad/tensor';
import * as A from '@tsgrad/autograd';
import { Conv2d, Flatten, Linear, MaxPool2d, Module, NNError, Parameter, ReLU, Sequential, Tanh } from '@tsgrad/nn';
import { expectError } from '../../../testing/errors.js';

/** A model with every kind of child: a field module, a bias-free layer, an array of modules, a Sequential, a bare parameter. */
class Net extends Module {
  fc: Linear;
  proj: Linear;
  blocks: Linear[];
  head: Sequential;
  scale: Parameter;
  readonly name = 'net'; // plain fields are not children
  constructor(g: Generator) {
    super();
    this.fc = new Linear(3, 4, { generator: g });
    this.proj = new Linear(4, 4, { generator: g, bias: false });
    this.blocks = [new Linear(4, 4, { generator: g }), new Linear(4, 4, { generator: g })];
    this.head = new Sequential(new Linear(4, 5, { generator: g }), new ReLU(), new Sequential(new Linear(5, 2, { generator: g })));
    this.scale = new Parameter(tensor([1.5]));
  }
  forward(x: A.Variable): A.Variable {
    let h = A.tanh(this.proj.forward(this.fc.forward(x)));
    for (const b of this.blocks) h = A.tanh(b.forward(h));
    return A.mul(this.head.forward(h), this.scale);
  }
}

const NET_NAMES = [
  'fc.weight', 'fc.bias',
  'proj.weight',
  'blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias',
  'head.0.weight', 'head.0.bias', 'head.2.0.weight', 'head.2.0.bias',
  'scale',
];

describe('parameter names', () => {
  it('Sequential children are numbered 0, 1, 2 ... (parameter-free layers keep their number)', () => {
    const g = new Generator(0);
    const m = new Sequential(new Linear(2, 3, { generator: g }), new ReLU(), new Linear(3, 1, { generator: g }));
    expect(m.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['0.weight', [3, 2]], ['0.bias', [3]], ['2.weight', [1, 3]], ['2.bias', [1]],
    ]);
    expect(Object.keys(m.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('fields, arrays of modules (blocks.0.weight), nested Sequentials and bare parameters, in declaration order', () => {
    const net = new Net(new Generator(1));
    expect(net.namedParameters().map(([n]) => n)).toEqual(NET_NAMES);
    expect(net.parameters()).toEqual(net.namedParameters().map(([, p]) => p));
    expect(net.numParameters()).toBe(12 + 4 + 16 + 20 + 20 + 20 + 5 + 10 + 2 + 1);
    expect(net.namedParameters('model').map(([n]) => n).slice(0, 2)).toEqual(['model.fc.weight', 'model.fc.bias']);
  });

  it('namedChildren lists direct children only', () => {
    const net = new Net(new Generator(1));
    expect(net.namedChildren().map(([n]) => n)).toEqual(['fc', 'proj', 'blocks.0', 'blocks.1', 'head', 'scale']);
    // net, fc, proj, blocks.0, blocks.1, head, head.0, head.1, head.2, head.2.0
    expect(net.modules().length).toBe(10);
  });

  it('a shared parameter or module is listed once, under its first name (as PyTorch does)', () => {
    const g = new Generator(2);
    const shared = new Linear(3, 3, { generator: g });
    const m = new Sequential(shared, new Tanh(), shared);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    class Tied extends Module {
      enc = new Linear(2, 2, { generator: g });
      w = this.enc.weight;
      forward(x: A.Variable): A.Variable {
        return this.enc.forward(x);
      }
    }
    expect(new Tied().namedParameters().map(([n]) => n)).toEqual(['enc.weight', 'enc.bias']);
  });

  it('parameter-free layers have no parameters', () => {
    for (const m of [new ReLU(), new Tanh(), new Flatten(), new MaxPool2d({ kernelSize: 2 })]) {
      expect(m.parameters()).toEqual([]);
      expect(m.stateDict()).toEqual({});
    }
  });
});

describe('train() and eval()', () => {
  it('propagate to every submodule, including those in arrays and nested Sequentials', () => {
    const net = new Net(new Generator(3));
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().map((m) => m.training)).toEqual(net.modules().map(() => false));
    expect(net.blocks[1]!.training).toBe(false);
    expect((net.head.layers[2] as Sequential).layers[0]!.training).toBe(false);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    net.head.train(false);
    expect([net.training, net.fc.training, net.head.training, net.head.layers[0]!.training]).toEqual([true, true, false, false]);
  });
});

describe('zeroGrad', () => {
  it('clears every parameter’s gradient', () => {
    const net = new Net(new Generator(4));
    A.sum(net.forward(A.variable(zeros([2, 3]).add(0.5)))).backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });
});

describe('stateDict', () => {
  it('holds copies: changing them does not change the model', () => {
    const m = new Linear(2, 2, { generator: new Generator(5) });
    const sd = m.stateDict();
    const before = Array.from(m.weight.value.toTypedArray());
    sd['weight']!.data.fill(42);
    expect(Array.from(m.weight.value.toTypedArray())).toEqual(before);
  });

  it('round trips into a differently initialised model of the same architecture', () => {
    const a = new Net(new Generator(6)), b = new Net(new Generator(7));
    expect(b.loadStateDict(a.stateDict())).toEqual({ missing: [], unexpected: [] });
    for (const [name, t] of Object.entries(a.stateDict())) expect(b.stateDict()[name], name).toBeAllclose(t, { rtol: 0, atol: 0 });
  });

  it('loads float64 values into a float32 model, converting them', () => {
    const m = new Linear(2, 1, { generator: new Generator(8) });
    m.loadStateDict({ weight: tensor([[0.1, -0.2]], { dtype: 'float64' }), bias: tensor([3], { dtype: 'float64' }) });
    expect(m.weight.dtype).toBe('float32');
    expect(m.weight.value).toBeAllclose([[Math.fround(0.1), Math.fround(-0.2)]], { rtol: 0, atol: 0 });
  });
});

describe('loadStateDict errors (strict)', () => {
  const model = (): Sequential => new Sequential(new Linear(3, 2, { generator: new Generator(9) }), new Tanh(), new Linear(2, 1, { generator: new Generator(10) }));

  it('a missing key names it', () => {
    const sd = model().stateDict();
    delete sd['2.bias'];
    expectError(() => model().loadStateDict(sd), NNError, "[loadStateDict] missing key(s): '2.bias'");
  });

  it('several missing keys are all named', () => {
    const sd = model().stateDict();
    delete sd['0.weight'];
    delete sd['2.bias'];
    expectError(() => model().loadStateDict(sd), NNError, "[loadStateDict] missing key(s): '0.weight', '2.bias'");
  });

  it('an unexpected key names it', () => {
    const sd = { ...model().stateDict(), '1.weight': zeros([2]) };
    expectError(() => model().loadStateDict(sd), NNError, "[loadStateDict] unexpected key(s): '1.weight'");
  });

  it('a shape mismatch names the key and both shapes', () => {
    const sd = { ...model().stateDict(), '0.weight': zeros([2, 4]) };
    expectError(
      () => model().loadStateDict(sd),
      NNError,
      "[loadStateDict] shape mismatch for '0.weight': the file has [2,4], the parameter is [2,3]",
    );
  });

  it('a transposed weight (same size, other shape) is a shape mismatch too', () => {
    const sd = { ...model().stateDict(), '0.weight': zeros([3, 2]) };
    expectError(
      () => model().loadStateDict(sd),
      NNError,
      "[loadStateDict] shape mismatch for '0.weight': the file has [3,2], the parameter is [2,3]",
    );
  });

  it('a value that is not a Tensor', () => {
    const sd = { ...model().stateDict(), '0.bias': [1, 2] as unknown as Tensor };
    expectError(() => model().loadStateDict(sd), NNError, "[loadStateDict] '0.bias' must be a Tensor");
  });

  it('a failed load changes nothing (every check happens before the first copy)', () => {
    const m = model();
    const before = m.stateDict();
    const sd = model().stateDict();
    for (const t of Object.values(sd)) t.data.fill(7);
    sd['2.weight'] = zeros([1, 3]); // checked after 0.weight and 0.bias would have been copied
    expectError(() => m.loadStateDict(sd), NNError, "[loadStateDict] shape mismatch for '2.weight': the file has [1,3], the parameter is [1,2]");
    for (const [k, t] of Object.entries(m.stateDict())) expect(t, k).toBeAllclose(before[k]!, { rtol: 0, atol: 0 });
  });
});

describe('loadStateDict non-strict', () => {
  it('loads the keys that match and returns the missing and unexpected ones', () => {
    const g = new Generator(11);
    const m = new Sequential(new Linear(2, 2, { generator: g }), new ReLU(), new Linear(2, 1, { generator: g }));
    const oldHeadWeight = Array.from(m.parameters()[2]!.value.toTypedArray());
    const result = m.loadStateDict(
      { '0.weight': tensor([[1, 2], [3, 4]]), '0.bias': tensor([5, 6]), 'extra.weight': zeros([3]) },
      { strict: false },
    );
    expect(result).toEqual({ missing: ['2.weight', '2.bias'], unexpected: ['extra.weight'] });
    expect(m.parameters()[0]!.value.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(m.parameters()[1]!.value.toArray()).toEqual([5, 6]);
    expect(Array.from(m.parameters()[2]!.value.toTypedArray())).toEqual(oldHeadWeight);
  });

  it('still rejects a shape mismatch on a key it would load', () => {
    const m = new Linear(2, 2, { generator: new Generator(12) });
    expectError(
      () => m.loadStateDict({ weight: zeros([2]) }, { strict: false }),
      NNError,
      "[loadStateDict] shape mismatch for 'weight': the file has [2], the parameter is [2,2]",
    );
  });
});

describe('Parameter', () => {
  it('owns contiguous storage even when made from a view', () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]]);
    const p = new Parameter(base.transpose());
    expect(p.value.isContiguous()).toBe(true);
    expect(p.value.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    p.value.data[0] = 100;
    expect(base.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
  });

  it('copyInPlace rejects another shape', () => {
    const p = new Parameter(zeros([2, 3]));
    expectError(() => p.copyInPlace(zeros([3, 2])), NNError, "[Parameter.copyInPlace] shape [3,2] does not match the parameter's [2,3]");
  });
});

describe('constructor errors', () => {
  it.each([
    ['Linear inFeatures 0', () => new Linear(0, 2), '[Linear] inFeatures must be a positive integer: got 0'],
    ['Linear fractional outFeatures', () => new Linear(2, 1.5), '[Linear] outFeatures must be a positive integer: got 1.5'],
    ['Conv2d outChannels -1', () => new Conv2d(1, -1, 3), '[Conv2d] outChannels must be a positive integer: got -1'],
    ['Conv2d kernel 0', () => new Conv2d(1, 1, [3, 0]), '[Conv2d] kernelSize must be a positive integer: got 0'],
    ['Sequential of a non-module', () => new Sequential(new ReLU(), (() => 1) as unknown as Module), '[Sequential] argument 1 is not a Module'],
  ] as [string, () => unknown, string][])('%s', (_name, make, message) => expectError(make, NNError, message));
});
