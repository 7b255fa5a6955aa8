# Test peer only (never product code): scikit-learn's metrics on the cases a TypeScript test writes, as an
# independent reference. Reads a JSON file {"cases": [{"labels", "scores", "threshold"}]} and prints JSON results.
import json
import sys

import numpy as np
from sklearn.metrics import (average_precision_score, f1_score, precision_recall_curve, precision_score, recall_score,
                             roc_auc_score, roc_curve)


def check(case):
    y = np.asarray(case["labels"], dtype=np.int64)
    s = np.asarray(case["scores"], dtype=np.float64)
    pred = (s > case["threshold"]).astype(np.int64)  # dfp's rule: strictly greater is flagged
    neg = y == 0
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    prec, rec, _ = precision_recall_curve(y, s)
    # Brute force over candidate thresholds: the smallest benign score whose rate #{benign > t}/n meets the target.
    negs = s[neg]
    ok = [t for t in np.unique(negs) if (negs > t).mean() <= case["target_fpr"]]
    return {
        "roc_fpr": fpr.tolist(),
        "roc_tpr": tpr.tolist(),
        # scikit-learn orders the PR curve by increasing threshold and appends (recall 0, precision 1): reverse it.
        "pr_precision": prec[::-1].tolist(),
        "pr_recall": rec[::-1].tolist(),
        "threshold_for_fpr": float(min(ok)) if ok and case["target_fpr"] < 1 else None,
        "roc_auc": float(roc_auc_score(y, s)),
        "pr_auc": float(average_precision_score(y, s)),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "fpr": float(pred[neg].sum() / neg.sum()),
    }


with open(sys.argv[1]) as f:
    cases = json.load(f)["cases"]
print(json.dumps([check(c) for c in cases]))
