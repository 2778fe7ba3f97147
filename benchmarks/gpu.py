"""funcgrad on CuPy arrays (a GPU) against the hand-written CuPy gradient of the same loss.

    python benchmarks/gpu.py

Runs only where CuPy and a GPU exist (it says so and exits otherwise). The gradient of the
logistic loss over a 1,000,000 x 64 float32 design matrix on the GPU: funcgrad's value_and_grad
vs `X.T @ (sigmoid(X @ w) - y) / n` written with CuPy; both synchronised before the clock stops.
Checks that funcgrad's results are CuPy arrays (nothing was copied to the host) and agree.
"""
from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402


def nll(w, X, y):
    z = X @ w
    return fnp.mean(fnp.logaddexp(0.0, z) - y * z)


def main():
    try:
        import cupy as cp
        cp.cuda.runtime.getDeviceCount()
    except Exception as err:  # noqa: BLE001 - no CuPy, or no GPU
        print(f"benchmarks/gpu.py: needs CuPy and a GPU ({type(err).__name__}: {err}); skipped")
        return
    rows, features = 1_000_000, 64
    X = cp.random.standard_normal((rows, features), dtype=cp.float32)
    y = (X @ cp.linspace(-1, 1, features, dtype=cp.float32) > 0).astype(cp.float32)
    w = cp.zeros(features, dtype=cp.float32)

    def by_hand():
        z = X @ w
        value = cp.mean(cp.logaddexp(0.0, z) - y * z)
        return value, X.T @ (1 / (1 + cp.exp(-z)) - y) / rows

    def ours():
        return fg.value_and_grad(nll)(w, X, y)

    (v1, g1), (v2, g2) = by_hand(), ours()
    assert isinstance(g2, cp.ndarray) and isinstance(v2, cp.ndarray), (type(v2), type(g2))
    cp.testing.assert_allclose(g2, g1, rtol=1e-4)
    times = {"by hand": [], "funcgrad": []}
    for _ in range(20):
        for name, run in (("by hand", by_hand), ("funcgrad", ours)):
            cp.cuda.Stream.null.synchronize()
            start = time.perf_counter()
            run()
            cp.cuda.Stream.null.synchronize()
            times[name].append(time.perf_counter() - start)
    hand, mine = statistics.median(times["by hand"]), statistics.median(times["funcgrad"])
    print(f"logistic loss gradient, {rows} x {features} float32 on the GPU")
    print(f"  by hand (CuPy)   {hand * 1e3:8.2f} ms   1.00x")
    print(f"  funcgrad         {mine * 1e3:8.2f} ms   {mine / hand:.2f}x")


if __name__ == "__main__":
    main()
