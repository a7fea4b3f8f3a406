"""Reference absorbance for Tests/Conformance/AbsorbanceConformanceTests.swift, with numpy and scipy.

Reads on stdin
  {"wavelengths": [...], "dark": [...], "reference": [...], "sample": [...], "max_count": float,
   "min_reference": float, "cases": [{"k": int, "bands": [[low, high], ...]}, ...]}
and prints
  {"numpy": version, "scipy": version, "results": [per case:
     {"smoothed": {"dark": [...], "reference": [...], "sample": [...]},  # explicit convolution
      "uniform": {"dark": [...], ...},      # scipy.ndimage.uniform_filter1d, mode="reflect"
      "status": [0 valid | 1 saturated | 2 no reference | 3 opaque, ...],
      "absorbance": [float or null, ...],
      "bands": [float, ...]}]}               # numpy.interp at the edges, numpy.trapezoid over the band

The boxcar is the mean over the 2k + 1 pixels around each pixel that lie inside the spectrum
(np.convolve with a window of ones, divided by the same convolution of ones); scipy's
uniform_filter1d agrees with it wherever the window lies wholly inside, which the Swift test
checks. A pixel is saturated when any raw dark, reference or sample count in its window is at or
above the maximum count; A = -log10((S - D) / (R - D)) where R - D > min_reference and S - D > 0.
"""
import json
import sys

import numpy as np
import scipy
from scipy.ndimage import uniform_filter1d


def boxcar(x, k):
    if k == 0:
        return x.copy()
    window = np.ones(2 * k + 1)
    return np.convolve(x, window, mode="same") / np.convolve(np.ones_like(x), window, mode="same")


def spectrum(request, k):
    d, r, s = (np.asarray(request[name], dtype=np.float64) for name in ("dark", "reference", "sample"))
    clipped = (d >= request["max_count"]) | (r >= request["max_count"]) | (s >= request["max_count"])
    spread = np.convolve(clipped.astype(np.float64), np.ones(2 * k + 1), mode="same") > 0
    ds, rs, ss = boxcar(d, k), boxcar(r, k), boxcar(s, k)
    light, transmitted = rs - ds, ss - ds
    status = np.where(spread, 1, np.where(light <= request["min_reference"], 2, np.where(transmitted <= 0, 3, 0)))
    valid = status == 0
    absorbance = np.full(d.shape, np.nan)
    absorbance[valid] = -np.log10(transmitted[valid] / light[valid])
    uniform = {name: uniform_filter1d(x, size=2 * k + 1, mode="reflect") for name, x in
               (("dark", d), ("reference", r), ("sample", s))}
    return {"dark": ds, "reference": rs, "sample": ss}, uniform, status, absorbance


def band_mean(x, y, low, high):
    if high == low:
        return float(np.interp(low, x, y))
    inside = x[(x > low) & (x < high)]
    nodes = np.concatenate(([low], inside, [high]))
    return float(np.trapezoid(np.interp(nodes, x, y), nodes) / (high - low))


def main():
    request = json.load(sys.stdin)
    x = np.asarray(request["wavelengths"], dtype=np.float64)
    results = []
    for case in request["cases"]:
        smoothed, uniform, status, absorbance = spectrum(request, case["k"])
        bands = [band_mean(x, absorbance, low, high) for low, high in case["bands"]]
        results.append({
            "smoothed": {name: v.tolist() for name, v in smoothed.items()},
            "uniform": {name: v.tolist() for name, v in uniform.items()},
            "status": status.tolist(),
            "absorbance": [None if np.isnan(v) else float(v) for v in absorbance],
            "bands": bands,
        })
    json.dump({"numpy": np.__version__, "scipy": scipy.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
