import { Tensor, Generator } from '@tsgrad/tensor';
import { optim, Parameter } from '@tsgrad/nn';
import { Siamese, drlimNetwork } from '@tsgrad/contrastive';
const s = new Siamese(drlimNetwork({ dim: 2, generator: new Generator(0).spawn(), activation: 'relu' }));
const ps = s.parameters();
for (const p of ps) p.grad = p.value.mul(0.001);
const opt = new optim.Adam(ps, { lr: 0.002 });
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 500; i++) opt.step();
  console.log(((performance.now() - t0) / 500).toFixed(3), 'ms per step');
}
