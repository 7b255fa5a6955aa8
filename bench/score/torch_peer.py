# PyTorch peer of `dfp score` for bench/score/run.ts: the same ONNX graph (nodes and weights exported to
# JSON by the benchmark) evaluated with torch ops in batches, over the same raw KronoDroid CSV read with
# the stdlib csv module, writing sha256,score,is_malware,top_features like dfp. Prints one JSON line.
import csv
import json
import math
import sys
import time

import numpy as np
import torch


def tensor(init):
    dtype = {1: np.float32, 7: np.int64, 9: np.bool_}[init["data_type"]]
    arr = np.array(init["values"], dtype=dtype).reshape(init["dims"])
    return torch.from_numpy(arr)


def run_graph(nodes, env):
    for n in nodes:
        a = [env[i] for i in n["input"]]
        op = n["op_type"]
        if op == "Gemm":
            y = a[0] @ a[1]
            if len(a) > 2:
                y = y + a[2]
        elif op == "Where":
            y = torch.where(a[0], a[1], a[2])
        elif op == "Greater":
            y = a[0] > a[1]
        elif op == "Add":
            y = a[0] + a[1]
        elif op == "Sub":
            y = a[0] - a[1]
        elif op == "Mul":
            y = a[0] * a[1]
        elif op == "Div":
            y = a[0] / a[1]
        elif op == "Log":
            y = torch.log(a[0])
        elif op == "Exp":
            y = torch.exp(a[0])
        elif op == "Abs":
            y = torch.abs(a[0])
        elif op == "Neg":
            y = -a[0]
        elif op == "Relu":
            y = torch.relu(a[0])
        elif op == "Sigmoid":
            y = torch.sigmoid(a[0])
        elif op == "Tanh":
            y = torch.tanh(a[0])
        elif op == "IsNaN":
            y = torch.isnan(a[0])
        elif op == "ReduceSum":
            y = a[0].sum(dim=[int(d) for d in a[1].tolist()], keepdim=bool(n.get("keepdims", 1)))
        else:
            raise SystemExit(f"torch_peer: unsupported op {op}")
        env[n["output"][0]] = y
    return env


def main():
    graph_path, input_path, out_path = sys.argv[1:4]
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 4096
    torch.set_grad_enabled(False)
    g = json.load(open(graph_path))
    consts = {i["name"]: tensor(i) for i in g["initializers"]}
    features = g["features"]
    threshold = g["threshold"]
    stats = g.get("error_stats")
    mean = torch.tensor(stats["mean"], dtype=torch.float32) if stats else None
    std = torch.tensor(stats["std"], dtype=torch.float32) if stats else None
    active = torch.tensor(g["active"], dtype=torch.bool)
    top_k = g.get("top_k", 5)

    started = time.perf_counter()
    rows = 0
    with open(input_path, newline="") as f, open(out_path, "w", newline="") as out:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader)]
        # REBOOT (permission) is REBOOT_PERMISSION in dfp's feature list; the syscall is lower-case reboot.
        header = ["REBOOT_PERMISSION" if h in ("REBOOT", "REBOOT_1") else h for h in header]
        pos = {h: i for i, h in enumerate(header)}
        cols = [pos.get(c, -1) for c in features]
        key = pos["sha256"]
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["sha256", "score", "is_malware", "top_features"])

        def flush(shas, buf):
            x = torch.from_numpy(np.array(buf, dtype=np.float32))
            env = run_graph(g["nodes"], dict(consts, x=x))
            score = env["score"]
            tops = [None] * len(shas)
            if mean is not None and "feature_error" in env:
                z = (env["feature_error"] - mean) / std
                mag = torch.where(active, z.abs(), torch.full_like(z, -1.0))
                idx = torch.topk(mag, top_k, dim=1).indices
                zv = torch.gather(z, 1, idx)
                tops = [json.dumps([{"name": features[j], "z": round(float(v), 4)} for j, v in zip(ji, zi)], separators=(",", ":")) for ji, zi in zip(idx.tolist(), zv.tolist())]
            for s, v, t in zip(shas, score.tolist(), tops):
                writer.writerow([s, repr(v), "true" if v > threshold else "false", t or ""])

        def num(v):
            try:
                return float(v)
            except ValueError:
                return math.nan

        shas, buf = [], []
        for rec in reader:
            shas.append(rec[key].strip().lower())
            buf.append([num(rec[c]) if c >= 0 else math.nan for c in cols])
            if len(buf) == batch:
                flush(shas, buf)
                rows += len(buf)
                shas, buf = [], []
        if buf:
            flush(shas, buf)
            rows += len(buf)
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows, "seconds": seconds, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
