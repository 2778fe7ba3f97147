"""Side-by-side timing helpers: interleaved repeats, medians, ratios (the machine is shared and noisy)."""
from __future__ import annotations

import statistics
import time


def time_call(fn, min_time=0.05):
    """Seconds per call of fn(), from enough calls to last at least min_time."""
    fn()
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - start
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
