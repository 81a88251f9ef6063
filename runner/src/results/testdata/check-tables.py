# Loads a result set's tables as an analyst would (pyarrow, pandas) and
# checks them against the run files and SciPy, independently of the runner:
#   python check-tables.py RESULT_SET_DIR
# Prints one JSON object: {"problems": [...], "rows": N, "statistics": N, ...}.
import json
import math
import os
import sys

import pandas as pd
import pyarrow.parquet as pq
from scipy import stats

root = sys.argv[1]
problems = []


def close(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return False
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


manifest = json.load(open(os.path.join(root, "manifest.json")))
table = pq.read_table(os.path.join(root, "results.parquet"))
meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
if meta.get("swarmlab.manifest_digest") != manifest["digest"]:
    problems.append(f"parquet metadata manifest digest {meta.get('swarmlab.manifest_digest')}")
results = table.to_pandas()
from_csv = pd.read_csv(os.path.join(root, "results.csv"))
if list(from_csv.columns) != list(results.columns) or len(from_csv) != len(results):
    problems.append("results.csv and results.parquet differ in shape or columns")
types = {f.name: str(f.type) for f in table.schema}

if list(results["run_id"]) != [r["run_id"] for r in manifest["runs"]]:
    problems.append("rows are not the manifest's runs in order")

for i, run in enumerate(manifest["runs"]):
    row = results.iloc[i]
    if row["status"] != run["status"]:
        problems.append(f"{run['run_id']}: status {row['status']}")
    if run["status"] == "failed":
        if row["error_code"] != run["error"]["code"]:
            problems.append(f"{run['run_id']}: error_code {row['error_code']}")
        continue
    if row["seed"] != run["seed"] or row["index"] != run["index"]:
        problems.append(f"{run['run_id']}: seed or index")
    for name, value in run["params"].items():
        if not close(row[f"param.{name}"], value):
            problems.append(f"{run['run_id']}: param.{name} {row[f'param.{name}']} != {value}")
    summary = json.load(open(os.path.join(root, "runs", run["run_id"], "summary.json")))
    if row["events"] != summary["engine"]["events"] or row["end_reason"] != summary["engine"]["end_reason"]:
        problems.append(f"{run['run_id']}: engine")
    for name, value in summary["final_metrics"].items():
        if not close(row[f"metric.{name}"], value):
            problems.append(f"{run['run_id']}: metric.{name} {row[f'metric.{name}']} != {value}")
    for instance, res in summary["results"].items():
        stack = [(f"summary.{instance}", res)]
        while stack:
            path, v = stack.pop()
            if isinstance(v, dict):
                stack.extend((f"{path}.{k}", x) for k, x in v.items())
            elif isinstance(v, bool):
                if row[path] != v:
                    problems.append(f"{run['run_id']}: {path} {row[path]} != {v}")
            elif isinstance(v, (int, float)):
                if types[path] == "double" and not close(row[path], v):
                    problems.append(f"{run['run_id']}: {path} {row[path]} != {v}")
            elif isinstance(v, str) and row[path] != v:
                problems.append(f"{run['run_id']}: {path} {row[path]} != {v}")

statistics = pq.read_table(os.path.join(root, "statistics.parquet")).to_pandas()
metrics = sorted(c[len("metric."):] for c in results.columns if c.startswith("metric."))
checked = 0
for point, runs in results.groupby("point", sort=True):
    for metric in metrics:
        got = statistics[(statistics["point"] == point) & (statistics["metric"] == metric)]
        if len(got) != 1:
            problems.append(f"point {point} {metric}: {len(got)} statistics rows")
            continue
        got = got.iloc[0]
        values = runs[f"metric.{metric}"].dropna().to_numpy(dtype=float)
        n = len(values)
        want = {"runs": len(runs), "n": n, "mean": None, "sd": None, "se": None, "ci95_low": None, "ci95_high": None, "min": None, "max": None}
        if n > 0:
            want.update(mean=float(values.mean()), min=float(values.min()), max=float(values.max()))
        if n > 1:
            sd = float(values.std(ddof=1))
            se = float(stats.sem(values))
            half = float(stats.t.ppf(0.975, n - 1)) * se
            want.update(sd=sd, se=se, ci95_low=want["mean"] - half, ci95_high=want["mean"] + half)
        for k, v in want.items():
            g = got[k]
            g = None if g is None or (isinstance(g, float) and math.isnan(g)) else float(g)
            if not close(g, v):
                problems.append(f"point {point} {metric} {k}: {g}, SciPy {v}")
        checked += 1

print(json.dumps({"problems": problems[:50], "rows": len(results), "columns": len(results.columns), "statistics": checked, "types": types}))
