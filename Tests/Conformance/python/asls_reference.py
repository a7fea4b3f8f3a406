"""Reference asymmetric least squares baselines for Tests/Conformance/SignalConformanceTests.swift.

Reads {"cases": [{"lam": float, "p": float, "max_iter": int, "tol": float,
"y": [float, ...]}, ...]} on stdin and prints {"pybaselines": version, "results":
[{"baseline": [float, ...], "solves": int}, ...]}: each case fitted by
pybaselines.Baseline().asls(y, lam=lam, p=p, diff_order=2, max_iter=max_iter, tol=tol);
"solves" is the length of its tol_history (the number of linear solves it made).
"""
import json
import sys

import numpy as np
import pybaselines
from pybaselines import Baseline


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        y = np.asarray(case["y"], dtype=np.float64)
        fitter = Baseline(x_data=np.arange(y.size, dtype=np.float64))
        baseline, params = fitter.asls(y, lam=case["lam"], p=case["p"], diff_order=2,
                                       max_iter=case["max_iter"], tol=case["tol"])
        results.append({"baseline": [float(v) for v in baseline],
                        "solves": int(len(params["tol_history"]))})
    json.dump({"pybaselines": pybaselines.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
