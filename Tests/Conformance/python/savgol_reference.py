"""Reference Savitzky–Golay smoothing for Tests/Conformance/SignalConformanceTests.swift.

Reads {"cases": [{"window": int, "order": int, "x": [float, ...]}, ...]} on stdin and
prints {"scipy": version, "results": [[float, ...], ...]}: each case smoothed by
scipy.signal.savgol_filter(x, window, order, mode="interp").
"""
import json
import sys

import numpy as np
import scipy
from scipy.signal import savgol_filter


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        x = np.asarray(case["x"], dtype=np.float64)
        y = savgol_filter(x, case["window"], case["order"], mode="interp")
        results.append([float(v) for v in y])
    json.dump({"scipy": scipy.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
