# Benchmark peer only (never product code): the seed's stack, FastAPI + uvicorn + PyTorch, serving the same
# autoencoder (weights exported from dfp's ONNX initializers by bench/serve/weights.ts) with the same API shape.
import json
import math
import sys
from typing import Dict, Optional

import torch
import uvicorn
from fastapi import FastAPI, HTTPException

torch.set_num_threads(1)
spec = json.load(open(sys.argv[1]))
port = int(sys.argv[2])
meta = spec["metadata"]
pre = meta["preprocess"]
columns = pre["columns"]
index = {c: j for j, c in enumerate(columns)}
index["REBOOT"] = index.get("REBOOT_PERMISSION")
F_ = len(columns)
kinds = pre["kinds"]
is_count = torch.tensor([k == "count" for k in kinds])
is_bin = torch.tensor([k == "binary" for k in kinds])
active = torch.tensor([1.0 if a else 0.0 for a in pre["active"]])
fill = torch.tensor(pre["fill"])
center = torch.tensor(pre["center"])
scale = torch.tensor(pre["scale"])
clip = float(pre["clip"])
weights = torch.tensor(spec["feature_weights"])
stats = meta.get("error_stats")
err_mean = torch.tensor(stats["mean"]) if stats else None
err_std = torch.tensor(stats["std"]) if stats else None
threshold = float(meta["threshold"])
top_k = int(meta.get("top_k", 5))

layers = []
for i, l in enumerate(spec["layers"]):
    lin = torch.nn.Linear(l["in"], l["out"])
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(l["W"]).reshape(l["in"], l["out"]).T)
        lin.bias.copy_(torch.tensor(l["b"]))
    layers.append(lin)
    if i < len(spec["layers"]) - 1:
        layers.append(torch.nn.ReLU())
net = torch.nn.Sequential(*layers).eval()


def forward(x):
    filled = torch.where(x > -1, x, fill)
    logged = torch.where(is_count, torch.log1p(filled), filled)
    z = ((logged - center) * scale).clamp(-clip, clip)
    flag = (x > 0.5).float()
    zin = torch.where(is_bin, flag, z) * active
    out = net(zin)
    d = out - zin
    bce = torch.relu(out) - out * zin + torch.log1p(torch.exp(-out.abs()))
    e = torch.where(is_bin, bce, d * d)
    return (e * weights).sum(1), e


app = FastAPI()


@app.post("/v1/score")
def score(body: Dict[str, Optional[float]]):
    x = torch.full((1, F_), float("nan"))
    for k, v in body.items():
        j = index.get(k)
        if j is None:
            raise HTTPException(400, {"code": "INPUT_INVALID", "field": k, "message": f"unknown feature {k}"})
        if v is not None:
            if v < 0 or math.isnan(v):
                raise HTTPException(400, {"code": "INPUT_INVALID", "field": k, "message": "bad value"})
            x[0, j] = v
    with torch.no_grad():
        s, e = forward(x)
    top = []
    if err_mean is not None:
        zs = ((e[0] - err_mean) / err_std) * (active > 0)
        idx = torch.topk(zs.abs(), top_k).indices.tolist()
        top = [{"name": columns[j], "z": round(float(zs[j]), 4)} for j in idx]
    sc = float(s[0])
    return {"score": sc, "is_malware": sc > threshold, "threshold": threshold, "model": {"name": "peer", "version": "1"}, "top_features": top}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", workers=1)
