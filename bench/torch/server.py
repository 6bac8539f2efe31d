"""PyTorch's side of the tsgrad bench: sets cases up from the bench's numbers, computes their results for the
check against tsgrad, and times them with its own loop, so no call crosses the process boundary while it is
timed. bench/lib/torch.ts starts this script once per run and speaks one JSON object per line with it:

  stdin   {"cmd": "setup", "id": ..., "kind": "matmul" | "conv" | "conv-forward" | "drlim",
           "tensors": {name: {"file": path, "shape": [...], "dtype": "float32" | "int32"}}, "params": {...}}
          {"cmd": "result", "id": ..., "dir": path}      results written there as raw little-endian float32
          {"cmd": "warmup", "id": ..., "threads": n, "seconds": s}
          {"cmd": "time", "id": ..., "threads": n, "minSamples": k, "maxTime": s}
          {"cmd": "drop", "id": ...}
  stdout  {"ready": true, "torch": ..., ...} once, then one reply per command: {"ok": ...} or {"error": ...}

Tensors arrive as raw little-endian files (float32, or int32 indices) named in a manifest, in tsgrad's layouts,
which are PyTorch's: NCHW images, OIHW conv weights, [out, in] Linear weights. The timing loop mirrors
benny's (Benchmark.js): a sample is as many calls as last at least 50 ms (one, for a slow case), and samples are
taken until there are at least minSamples of them and maxTime seconds have passed; each sample's seconds per
call are returned, and the bench takes their median as it does benny's.
"""

import json
import math
import sys
import time
import traceback

MIN_SAMPLE_SECONDS = 0.05


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    try:
        import numpy as np
        import torch
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001 - any import failure means "no PyTorch here"
        reply({"ready": False, "error": f"{type(e).__name__}: {e}"})
        return

    config = torch.__config__.show()
    blas = next((part.split("=", 1)[1] for part in config.replace(",", " ").split() if part.startswith("BLAS_INFO=")), "unknown")
    reply({
        "ready": True,
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "blas": blas,
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
        "parallel": torch.__config__.parallel_info().splitlines()[-1].strip(),
    })

    def load(spec):
        arr = np.fromfile(spec["file"], dtype="<f4" if spec["dtype"] == "float32" else "<i4")
        t = torch.from_numpy(arr.reshape(spec["shape"]).copy())
        return t.long() if spec["dtype"] == "int32" else t

    class Matmul:
        """a · b, with either operand stored transposed and read through a transposed view (as tsgrad does)."""

        def __init__(self, t, p):
            self.a = t["a"].t() if p.get("ta") else t["a"]
            self.b = t["b"].t() if p.get("tb") else t["b"]

        def step(self):
            return torch.matmul(self.a, self.b)

        def result(self):
            return [self.step()]

    class ConvForward:
        """conv2d forward, no bias, unit stride, no padding, outside autograd."""

        def __init__(self, t, p):
            self.x, self.w = t["x"], t["w"]

        def step(self):
            with torch.no_grad():
                return F.conv2d(self.x, self.w)

        def result(self):
            return [self.step()]

    class ConvGrads:
        """conv2d forward and both gradients for a given ∂y, as the bench's tsgrad case (autograd.grad: no accumulation)."""

        def __init__(self, t, p):
            self.x = t["x"].requires_grad_(True)
            self.w = t["w"].requires_grad_(True)
            self.gy = t["gy"]

        def step(self):
            y = F.conv2d(self.x, self.w)
            dx, dw = torch.autograd.grad(y, (self.x, self.w), self.gy)
            return [y.detach(), dx, dw]

        def result(self):
            return self.step()

    class Drlim:
        """
        The demo's training step, as @tsgrad/contrastive's trainStep runs it: gather the batch's distinct samples
        from the data, embed them once with drlimNetwork (conv 1→15 6×6, ReLU, 3×3 average pooling, conv 15→30
        9×9, ReLU, flatten, linear 30→dim), D = ‖z[left] − z[right]‖ per pair, the contrastive loss
        L = mean((1 − Y)·½·D² + Y·½·max(0, m − D)²), zero the gradients, backward, one Adam step, loss.item().
        """

        def __init__(self, t, p):
            self.initial = [t[f"p{i}"] for i in range(p["parameters"])]
            self.data, self.samples, self.left, self.right, self.y = t["data"], t["samples"], t["left"], t["right"], t["y"]
            self.margin, self.lr, self.dim = p["margin"], p["lr"], p["dim"]
            self.net, self.opt = self.fresh()

        def fresh(self):
            net = torch.nn.Sequential(
                torch.nn.Conv2d(1, 15, 6), torch.nn.ReLU(), torch.nn.AvgPool2d(3),
                torch.nn.Conv2d(15, 30, 9), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(30, self.dim),
            )
            params = list(net.parameters())
            if len(params) != len(self.initial):
                raise ValueError(f"drlimNetwork has {len(self.initial)} parameters, the PyTorch network {len(params)}")
            with torch.no_grad():
                for k, (q, v) in enumerate(zip(params, self.initial)):
                    if tuple(q.shape) != tuple(v.shape):
                        raise ValueError(f"parameter {k}: tsgrad's has shape {list(v.shape)}, PyTorch's {list(q.shape)}")
                    q.copy_(v)
            return net, torch.optim.Adam(params, lr=self.lr, betas=(0.9, 0.999), eps=1e-8)

        def loss_and_step(self, net, opt):
            net.train()
            z = net(self.data.index_select(0, self.samples))
            d = (z.index_select(0, self.left) - z.index_select(0, self.right)).pow(2).sum(-1).sqrt()
            loss = ((1 - self.y) * 0.5 * d.pow(2) + self.y * 0.5 * torch.relu(self.margin - d).pow(2)).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return loss.item()

        def step(self):
            return self.loss_and_step(self.net, self.opt)

        def result(self):
            # From the initial weights, like every engine's check: the loss and the gradients of the first step.
            net, opt = self.fresh()
            loss = self.loss_and_step(net, opt)
            return [torch.tensor([loss])] + [q.grad for q in net.parameters()]

    kinds = {"matmul": Matmul, "conv-forward": ConvForward, "conv": ConvGrads, "drlim": Drlim}
    cases = {}

    def warm_up(case, seconds):
        """One call at least, up to three within `seconds`; seconds per call."""
        t0 = time.perf_counter()
        calls = 0
        while True:
            case.step()
            calls += 1
            if calls >= 3 or time.perf_counter() - t0 >= seconds:
                return (time.perf_counter() - t0) / calls

    def time_case(case, min_samples, max_time):
        per_call = warm_up(case, 0)
        calls = max(1, math.ceil(MIN_SAMPLE_SECONDS / per_call))
        samples = []
        start = time.perf_counter()
        while len(samples) < min_samples or time.perf_counter() - start < max_time:
            t0 = time.perf_counter()
            for _ in range(calls):
                case.step()
            samples.append((time.perf_counter() - t0) / calls)
        return samples

    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        try:
            cmd = msg["cmd"]
            if cmd == "setup":
                tensors = {name: load(spec) for name, spec in msg["tensors"].items()}
                cases[msg["id"]] = kinds[msg["kind"]](tensors, msg.get("params", {}))
                reply({"ok": True})
            elif cmd == "result":
                out = []
                for k, r in enumerate(cases[msg["id"]].result()):
                    path = f"{msg['dir']}/result-{msg['id']}-{k}.f32"
                    r.detach().contiguous().numpy().astype("<f4").tofile(path)
                    out.append({"file": path, "size": r.numel()})
                reply({"ok": out})
            elif cmd == "warmup":
                torch.set_num_threads(msg["threads"])
                reply({"ok": warm_up(cases[msg["id"]], msg["seconds"])})
            elif cmd == "time":
                torch.set_num_threads(msg["threads"])
                reply({"ok": time_case(cases[msg["id"]], msg["minSamples"], msg["maxTime"])})
            elif cmd == "drop":
                cases.pop(msg["id"], None)
                reply({"ok": True})
            else:
                raise ValueError(f"unknown command {cmd!r}")
        except Exception:  # noqa: BLE001 - reported to the bench, which stops the run with it
            reply({"error": traceback.format_exc()})


if __name__ == "__main__":
    main()
