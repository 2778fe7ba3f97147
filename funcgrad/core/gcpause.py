"""Pausing Python's cyclic garbage collector while a transform runs.

Tracing allocates a few small objects per primitive and keeps them alive until the replay ends,
which makes the cyclic collector run again and again over the whole heap: on a large heap (say,
with PyTorch imported) that costs more than the transform itself. The expression list holds no
reference cycles, so reference counting frees it all; the collector is only paused (never
disabled for good) and resumes when the outermost transform returns.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_depth = threading.local()


@contextmanager
def paused_gc():
    depth = getattr(_depth, "n", 0)
    was_enabled = depth == 0 and gc.isenabled()
    if was_enabled:
        gc.disable()
    _depth.n = depth + 1
    try:
        yield
    finally:
        _depth.n = depth
        if was_enabled:
            gc.enable()
