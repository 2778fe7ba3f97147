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


def steady_malloc():
    """Keep glibc from handing freed memory back to the OS between calls (both contenders alike).

    With its default, dynamic thresholds glibc trims the heap whenever a burst of large arrays is
    freed, and the next call page-faults all of it back in: a cost of the allocator, not of the code
    measured, and one that lands on whichever contender happens to free the larger burst. Set
    FUNCGRAD_BENCH_DEFAULT_MALLOC=1 to measure with the defaults instead.
    """
    if os.environ.get("FUNCGRAD_BENCH_DEFAULT_MALLOC"):
        return "default glibc malloc"
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_trim_threshold, 1 << 30)
        libc.mallopt(m_mmap_threshold, 1 << 25)
        return "glibc malloc with fixed trim/mmap thresholds"
    except (OSError, AttributeError):
        return "default malloc"


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
