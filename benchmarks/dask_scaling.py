"""Gradient of the logistic loss on chunked Dask data, against the hand-written Dask gradient.

    python benchmarks/dask_scaling.py [GB ...]        (default: 0.25 0.5 1)

A local cluster of 2 worker processes (127.0.0.1, 1 thread each, 1 GiB memory limit each) is
started and closed here. For each size, the design matrix X (n x 64 float64, chunks of 64 MB) is
generated lazily on the workers, never on the client; the loss and its gradient are

    funcgrad:  fg.value_and_grad(nll)(w, X, y), then dask.compute(value, g)
    by hand:   dask.compute(nll, X.T @ (sigmoid(X @ w) - y) / n)

timed in alternating rounds (medians), with the peak memory of each worker process over the
whole computation, read from the workers themselves. Issue-10 targets: within 1.3x of the
hand-written time at every size; peak worker memory flat in the data size.
"""
from __future__ import annotations

import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402

FEATURES = 64
CHUNK_ROWS = 125_000  # 64 MB chunks of float64


def nll(w, X, y):
    z = X @ w
    return fnp.mean(fnp.logaddexp(0.0, z) - y * z)


def by_hand(w, X, y, da):
    z = X @ w
    value = da.mean(da.logaddexp(0.0, z) - y * z)
    p = 1.0 / (1.0 + da.exp(-z))
    return value, X.T @ (p - y) / X.shape[0]


def data(gigabytes, da):
    rows = int(gigabytes * 2**30 / (8 * FEATURES)) // CHUNK_ROWS * CHUNK_ROWS
    if rows == 0:
        raise SystemExit(f"{gigabytes} GB is less than one chunk of {CHUNK_ROWS} x {FEATURES} "
                         f"float64 ({CHUNK_ROWS * FEATURES * 8 / 2**30:.3f} GB): ask for more")
    rng = da.random.default_rng(0)
    X = rng.standard_normal((rows, FEATURES), chunks=(CHUNK_ROWS, FEATURES))
    y = (X @ np.linspace(-1.0, 1.0, FEATURES) > 0).astype("f8")
    return X, y


class PeakMemory:
    """Samples every worker's process memory (RSS) while the block runs; `.peak` per worker."""

    def __init__(self, client):
        self.client = client
        self.peak = {}

    def __enter__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            for addr, rss in self.client.run(_rss).items():
                self.peak[addr] = max(self.peak.get(addr, 0), rss)
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _rss():
    import psutil
    return psutil.Process().memory_info().rss


def main(sizes):
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, memory_limit="1GiB", silence_logs=40)
    client = Client(cluster)
    try:
        w = np.linspace(0.5, -0.5, FEATURES) * 0.1
        print(f"2 workers x 1 thread, memory_limit 1 GiB each; chunks {CHUNK_ROWS} x {FEATURES}")
        print(f"{'data':>8} {'by hand':>10} {'funcgrad':>10} {'ratio':>7} "
              f"{'peak MiB (hand)':>17} {'peak MiB (funcgrad)':>20}")
        for gb in sizes:
            X, y = data(gb, da)
            contenders = {
                "hand": lambda: dask.compute(*by_hand(w, X, y, da)),
                "funcgrad": lambda: dask.compute(*fg.value_and_grad(nll)(w, X, y)),
            }
            (v1, g1), (v2, g2) = contenders["hand"](), contenders["funcgrad"]()  # also a warm-up
            np.testing.assert_allclose(g2, g1, rtol=1e-9)
            np.testing.assert_allclose(v2, v1, rtol=1e-12)
            times = {k: [] for k in contenders}
            peaks = {}
            for _ in range(3):
                for name, run in contenders.items():
                    with PeakMemory(client) as memory:
                        start = time.perf_counter()
                        run()
                        times[name].append(time.perf_counter() - start)
                    peaks[name] = max(peaks.get(name, 0), max(memory.peak.values()))
            hand, ours = statistics.median(times["hand"]), statistics.median(times["funcgrad"])
            print(f"{gb:>6.2f}GB {hand:>9.2f}s {ours:>9.2f}s {ours / hand:>6.2f}x "
                  f"{peaks['hand'] / 2**20:>17.0f} {peaks['funcgrad'] / 2**20:>20.0f}")
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [0.25, 0.5, 1.0])
