"""Fits the same curves with scipy.optimize.curve_fit (the independent implementation),
from the same starting values, with the same weights (sigma = 1/sqrt(w),
absolute_sigma=False), converged tightly. Reads a JSON list of datasets on stdin and
prints, per dataset, the parameters, their standard errors and the residual standard error."""
import json
import sys

import numpy as np
from scipy.optimize import curve_fit


def four_pl(x, a, b, c, d):
    return d + (a - d) / (1 + (x / c) ** b)


def five_pl(x, a, b, c, d, g):
    return d + (a - d) / (1 + (x / c) ** b) ** g


def linear(x, slope, intercept):
    return intercept + slope * x


MODELS = {"4pl": four_pl, "5pl": five_pl, "linear": linear}

out = []
for case in json.load(sys.stdin):
    x = np.array(case["x"], dtype=float)
    y = np.array(case["y"], dtype=float)
    sigma = None if case.get("weights") is None else 1 / np.sqrt(np.array(case["weights"], dtype=float))
    params, cov = curve_fit(MODELS[case["model"]], x, y, p0=case["start"], sigma=sigma, absolute_sigma=False,
                            method="lm", ftol=1e-15, xtol=1e-15, gtol=1e-15, maxfev=100000)
    residuals = y - MODELS[case["model"]](x, *params)
    w = np.ones_like(x) if sigma is None else 1 / sigma ** 2
    rse = float(np.sqrt(np.sum(w * residuals ** 2) / (len(x) - len(params))))
    out.append({"params": params.tolist(), "se": np.sqrt(np.diag(cov)).tolist(), "rse": rse})
print(json.dumps(out))
