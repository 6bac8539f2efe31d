/**
 * End to end: a small MLP learns two interleaved moons (generated from a seeded Generator) to ≥ 97% held-out
 * accuracy with Adam on shuffled minibatches, and the whole run is a pure function of the seed, bit for bit.
 * (examples/mlp-moons runs the same task as a script.)
 */
import { describe, expect, it } from 'vitest';
import { Generator, Tensor } from '@tsgrad/tensor';
import * as A from '@tsgrad/autograd';
import { Linear, Sequential, Tanh, loadSafetensors, optim, saveSafetensors } from '@tsgrad/nn';

interface Dataset { x: Float32Array; y: Float32Array; n: number }

/**
 * n points alternating between the two moons of scikit-learn's make_moons, with N(0, noise²) added to each coordinate:
 * class 0 on (cos t, sin t), class 1 on (1 − cos t, ½ − sin t), t uniform in [0, π].
 */
function moons(n: number, noise: number, g: Generator): Dataset {
  const x = new Float32Array(2 * n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2, t = Math.PI * g.random();
    x[2 * i] = (c === 0 ? Math.cos(t) : 1 - Math.cos(t)) + noise * g.nextNormal();
    x[2 * i + 1] = (c === 0 ? Math.sin(t) : 0.5 - Math.sin(t)) + noise * g.nextNormal();
    y[i] = c;
  }
  return { x, y, n };
}

function accuracy(model: Sequential, d: Dataset): number {
  const z = A.noGrad(() => model.forward(new A.Variable(new Tensor(d.x, [d.n, 2])))).value.toTypedArray();
  let correct = 0;
  for (let i = 0; i < d.n; i++) if ((z[i]! > 0 ? 1 : 0) === d.y[i]) correct++;
  return correct / d.n;
}

/** Mean binary cross-entropy on logits z: softplus(z) − y·z. */
const bceWithLogits = (z: A.Variable, y: Tensor): A.Variable => A.mean(A.sub(A.softplus(z), A.mul(y, z)));

function trainMoons(seed: number): { model: Sequential; test: Dataset; losses: number[] } {
  const g = new Generator(seed);
  const train = moons(512, 0.1, g), test = moons(512, 0.1, g);
  const model = new Sequential(
    new Linear(2, 16, { generator: g }), new Tanh(), new Linear(16, 16, { generator: g }), new Tanh(), new Linear(16, 1, { generator: g }),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
  const losses: number[] = [];
  const batch = 64;
  for (let epoch = 0; epoch < 40; epoch++) {
    const order = g.permutation(train.n);
    let total = 0;
    for (let s = 0; s < train.n; s += batch) {
      const m = Math.min(batch, train.n - s);
      const xb = new Float32Array(2 * m), yb = new Float32Array(m);
      for (let k = 0; k < m; k++) {
        const i = order[s + k]!;
        xb[2 * k] = train.x[2 * i]!;
        xb[2 * k + 1] = train.x[2 * i + 1]!;
        yb[k] = train.y[i]!;
      }
      opt.zeroGrad();
      const loss = bceWithLogits(model.forward(new A.Variable(new Tensor(xb, [m, 2]))), new Tensor(yb, [m, 1]));
      loss.backward();
      opt.step();
      total += loss.item() * m;
    }
    losses.push(total / train.n);
  }
  return { model, test, losses };
}

const weightBytes = (m: Sequential): Uint8Array[] => m.parameters().map((p) => new Uint8Array(p.value.toTypedArray().buffer));

describe('an MLP on two moons', () => {
  const first = trainMoons(2006);

  it('reaches ≥ 97% accuracy on a held-out split, its loss falling from ~ln 2', () => {
    const acc = accuracy(first.model, first.test);
    expect(acc).toBeGreaterThanOrEqual(0.97);
    expect(first.losses[0]!).toBeLessThan(Math.LN2 + 0.05);
    expect(first.losses.at(-1)!).toBeLessThan(0.05);
  });

  it('two runs with the same seed give the same weights, bit for bit; another seed does not', () => {
    const again = trainMoons(2006);
    expect(weightBytes(again.model)).toEqual(weightBytes(first.model));
    expect(again.losses).toEqual(first.losses);
    const other = trainMoons(2007);
    expect(weightBytes(other.model)).not.toEqual(weightBytes(first.model));
  });

  it('the trained model survives a safetensors round trip with the same predictions', () => {
    const fresh = new Sequential(new Linear(2, 16), new Tanh(), new Linear(16, 16), new Tanh(), new Linear(16, 1));
    fresh.loadStateDict(loadSafetensors(saveSafetensors(first.model.stateDict())));
    expect(weightBytes(fresh)).toEqual(weightBytes(first.model));
    expect(accuracy(fresh, first.test)).toBe(accuracy(first.model, first.test));
  });
});
