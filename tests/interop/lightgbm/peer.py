"""LightGBM, the reference dfp's tree learner is held to (a test and benchmark peer, never product code).

Reads a data folder written by tests/interop/lightgbm/data.ts: meta.json (n_train, n_test, features, params),
x_train.f32 / x_test.f32 (row-major float32, NaN missing), y_train.u8 / y_test.u8. Trains with the equivalent
parameters and prints one JSON line: test ROC-AUC, test probabilities' path, training seconds.
"""
import json
import sys
import time

import lightgbm as lgb
import numpy as np
from sklearn.metrics import roc_auc_score

folder = sys.argv[1]
meta = json.load(open(f"{folder}/meta.json"))
F = meta["features"]
xtr = np.fromfile(f"{folder}/x_train.f32", dtype=np.float32).reshape(meta["n_train"], F)
ytr = np.fromfile(f"{folder}/y_train.u8", dtype=np.uint8)
p = meta["params"]
params = {
    "objective": "binary",
    "learning_rate": p["learningRate"],
    "num_leaves": p["maxLeaves"],
    "max_depth": p["maxDepth"] if p["maxDepth"] > 0 else -1,
    "min_data_in_leaf": p["minDataInLeaf"],
    "min_sum_hessian_in_leaf": p["minChildWeight"],
    "lambda_l2": p["lambdaL2"],
    "min_gain_to_split": p["minSplitGain"],
    "bagging_fraction": p["subsample"],
    "bagging_freq": 1 if p["subsample"] < 1 else 0,
    "feature_fraction": p["colsample"],
    "max_bin": p["maxBins"],
    "is_unbalance": p["classWeight"] == "balanced",
    "num_threads": meta.get("threads", 2),
    "seed": p["seed"],
    "deterministic": True,
    "verbose": -1,
}
started = time.perf_counter()
booster = lgb.train(params, lgb.Dataset(xtr, label=ytr), num_boost_round=p["iterations"])
seconds = time.perf_counter() - started
out = {"train_seconds": seconds}
if meta["n_test"] > 0:
    xte = np.fromfile(f"{folder}/x_test.f32", dtype=np.float32).reshape(meta["n_test"], F)
    yte = np.fromfile(f"{folder}/y_test.u8", dtype=np.uint8)
    prob = booster.predict(xte)
    out["roc_auc"] = float(roc_auc_score(yte, prob))
    prob.astype(np.float64).tofile(f"{folder}/lightgbm_test.f64")
print(json.dumps(out))
