# Benchmark peer only (never product code): PyTorch CPU training of the same autoencoder, batch and optimizer as dfp.
# Runs as a long-lived child of bench/train-engine/run.ts, which interleaves its repeats with dfp's.
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F


def build(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())  # hidden ReLU, linear output: the same net dfp trains
    return torch.nn.Sequential(*layers)


class Bench:
    """One model + optimizer per thread count, kept across requests so repeats interleave with dfp's."""

    def __init__(self, sizes, batch, threads, warmup):
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        self.batch = batch
        self.threads = threads
        self.model = build(sizes)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)  # default for-loop Adam; foreach measured no faster
        self.pool = [torch.rand(batch, sizes[0]) for _ in range(16)]
        self.i = 0
        self.run(warmup)

    def step(self):
        x = self.pool[self.i % len(self.pool)]
        self.i += 1
        self.opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(self.model(x), x)
        loss.backward()
        self.opt.step()
        return loss.item()  # dfp also reads the loss back every step

    def run(self, steps):
        torch.set_num_threads(self.threads)
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        return steps * self.batch / (time.perf_counter() - t0)


def main():
    # Protocol: one JSON request per stdin line {"threads", "steps"}; one JSON reply per line with the rate.
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="480,256,64,256,480")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--warmup", type=int, default=30)
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    benches = {}
    print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        t = req["threads"]
        if t not in benches:
            benches[t] = Bench(sizes, a.batch, t, a.warmup)
        print(json.dumps({"threads": t, "rate": benches[t].run(req["steps"])}), flush=True)


if __name__ == "__main__":
    main()
