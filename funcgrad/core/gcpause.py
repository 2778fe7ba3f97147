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

_depth = threading.local()


class paused_gc:
    """`with paused_gc():` the collector is off for the block (a class rather than a
    generator-based context manager: entering it is on the fixed cost of every transform call)."""

    __slots__ = ("depth", "was_enabled")

    def __enter__(self):
        depth = self.depth = getattr(_depth, "n", 0)
        was_enabled = self.was_enabled = depth == 0 and gc.isenabled()
        if was_enabled:
            gc.disable()
        _depth.n = depth + 1

    def __exit__(self, *exc_info):
        _depth.n = self.depth
        if self.was_enabled:
            gc.enable()
