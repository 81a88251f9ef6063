"""Two-sample Kolmogorov-Smirnov test (SciPy) of the samples on stdin:
{"a": [...], "b": [...]} -> {"statistic": D, "pvalue": p}."""

import json
import sys

from scipy.stats import ks_2samp

samples = json.load(sys.stdin)
result = ks_2samp(samples["a"], samples["b"])
print(json.dumps({"statistic": float(result.statistic), "pvalue": float(result.pvalue)}))
