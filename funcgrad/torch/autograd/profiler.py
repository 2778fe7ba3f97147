"""torch.autograd.profiler: the same profiler as torch.profiler."""
from __future__ import annotations

from funcgrad.torch.profiler import (EventList, FunctionEvent, FunctionEventAvg,  # noqa: F401
                                     profile, record_function)

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "profile", "record_function"]
