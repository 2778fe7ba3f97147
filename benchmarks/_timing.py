"""Side-by-side timing helpers: interleaved repeats, medians, ratios (the machine is shared and noisy).

Times are CPU seconds of this process (time.process_time), with every BLAS pinned to one thread:
other work on the machine then slows a measurement far less than it slows the wall clock.
"""
from __future__ import annotations

import os
import statistics
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def time_call(fn, min_time=0.05):
    """Seconds per call of fn(), from enough calls to last at least min_time."""
    fn()
    n = 1
    while True:
        start = time.process_time()
        for _ in range(n):
            fn()
        elapsed = time.process_time() - start
        if elapsed >= min_time:
            return elapsed / n
        n *= 2


def compare(contenders: dict, rounds=7, min_time=0.05):
    """Median seconds per call of each contender, measured in interleaved rounds."""
    samples = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            samples[name].append(time_call(fn, min_time))
    return {name: statistics.median(s) for name, s in samples.items()}


def report(title, medians, baseline):
    print(f"\n{title}")
    base = medians[baseline]
    for name, t in medians.items():
        print(f"  {name:<28} {t * 1e3:9.3f} ms   {t / base:6.2f}x {baseline}")


def optional(module_name):
    try:
        return __import__(module_name)
    except ImportError:
        return None
