"""SALib's Sobol' and Morris analysers on swarmlab's samples and outputs.

Reads JSON from stdin: {"method": "sobol"|"morris", "parameters": D,
"second_order": bool, "levels": int, "X": [[...]], "Y": [...]}; prints
SALib's indices as JSON. The independent check of runner/src/analysis.
"""
import json
import sys

import numpy as np
from SALib.analyze import morris, sobol

doc = json.load(sys.stdin)
d = doc["parameters"]
problem = {"num_vars": d, "names": [f"x{i + 1}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
y = np.asarray(doc["Y"], dtype=float)
if doc["method"] == "sobol":
    si = sobol.analyze(problem, y, calc_second_order=doc["second_order"], num_resamples=1000, conf_level=0.95, seed=12345)
    out = {k: np.asarray(si[k]).tolist() for k in ("S1", "S1_conf", "ST", "ST_conf")}
    if doc["second_order"]:
        s2 = np.asarray(si["S2"])
        out["S2"] = [s2[j, k] for j in range(d) for k in range(j + 1, d)]
else:
    x = np.asarray(doc["X"], dtype=float)
    si = morris.analyze(problem, x, y, num_resamples=1000, conf_level=0.95, num_levels=doc["levels"], seed=12345)
    out = {k: np.asarray(si[k], dtype=float).tolist() for k in ("mu", "mu_star", "sigma", "mu_star_conf")}
print(json.dumps(out))
