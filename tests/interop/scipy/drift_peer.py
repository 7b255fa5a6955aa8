"""SciPy, the reference for dfp's drift statistics (a test peer, never product code).

stdin: {"pairs": [{"a": [...], "b": [...]}], "flags": [[onesA, nA, onesB, nB], ...], "p": [...]}
stdout: {"ks": [{"statistic", "asymp_p"}], "chi2": [{"statistic", "p"}], "bh": [...]}
"""
import json
import sys

import numpy as np
from scipy import stats

req = json.load(sys.stdin)
out = {"ks": [], "chi2": []}
for pair in req["pairs"]:
    a, b = np.asarray(pair["a"], dtype=float), np.asarray(pair["b"], dtype=float)
    r = stats.ks_2samp(a, b)
    en = len(a) * len(b) / (len(a) + len(b))
    # dfp's p-value is Kolmogorov's limiting distribution at sqrt(en) * D.
    out["ks"].append({"statistic": float(r.statistic), "asymp_p": float(stats.kstwobign.sf(np.sqrt(en) * r.statistic))})
for oa, na, ob, nb in req["flags"]:
    chi2, p, _, _ = stats.chi2_contingency([[oa, na - oa], [ob, nb - ob]], correction=False)
    out["chi2"].append({"statistic": float(chi2), "p": float(p)})
out["bh"] = [float(q) for q in stats.false_discovery_control(np.asarray(req["p"]), method="bh")]
print(json.dumps(out))
