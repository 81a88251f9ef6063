# Reference values for statistics.test.ts, computed by SciPy and NumPy, an
# implementation independent of the runner's. Regenerate with:
#   "$(bash scripts/ensure-pypi-tool.sh pydata)" runner/src/results/testdata/reference-statistics.py > runner/src/results/testdata/reference-statistics.json
import json
import random

import numpy as np
from scipy import stats

rng = random.Random(20261201)
samples = {
    "empty": [],
    "one": [3.5],
    "two": [1.0, 2.0],
    "constant": [4.25] * 5,
    "seeds of a point": [0.347, 0.412, 0.298, 0.377, 0.401, 0.356, 0.389, 0.322, 0.364, 0.395],
    "negative and positive": [-12.5, 3.25, 0.0, 7.75, -1.5, 22.0],
    "large offset (cancellation)": [1e9 + x for x in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)],
    "integers": [1440, 1409, 1391, 1452, 1433],
    "30 draws": [rng.gauss(10.0, 3.0) for _ in range(30)],
    "1000 draws": [rng.expovariate(0.5) for _ in range(1000)],
}


def describe(xs):
    n = len(xs)
    out = {"n": n}
    if n == 0:
        return out
    a = np.array(xs, dtype=np.float64)
    out.update(mean=float(np.mean(a)), min=float(np.min(a)), max=float(np.max(a)))
    if n < 2:
        return out
    sd = float(np.std(a, ddof=1))
    se = float(stats.sem(a))
    out.update(sd=sd, se=se)
    if se > 0:
        low, high = stats.t.interval(0.95, n - 1, loc=np.mean(a), scale=se)
    else:
        low = high = float(np.mean(a))
    out.update(ciLow=float(low), ciHigh=float(high))
    return out


quantiles = [
    {"p": p, "df": df, "t": float(stats.t.ppf(p, df))}
    for df in (1, 2, 3, 4, 9, 29, 99, 9999)
    for p in (0.975, 0.995)
]
print(json.dumps({
    "samples": [{"name": k, "values": v, "expected": describe(v)} for k, v in samples.items()],
    "quantiles": quantiles,
}, indent=1))
