"""torch.autograd.detect_anomaly / set_detect_anomaly: PyTorch's anomaly mode.

While it is on, every graph node remembers the forward traceback that created it, and backward
checks each node's results: a NaN raises PyTorch's RuntimeError ("Function 'SqrtBackward0'
returned nan values in its 0th output."), and any error in a node's backward first warns with
that node's forward traceback, as PyTorch does. Off, nothing here runs: turning it on swaps in
recording/checking versions of `Node.__init__` and `Node.apply` (no per-node cost otherwise).
"""
from __future__ import annotations

import os
import traceback
import warnings
import weakref

import numpy as np

from funcgrad.torch.graph import Node

_FUNCGRAD_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_state = {"enabled": False, "check_nan": True}
_originals = {"init": Node.__init__, "apply": Node.apply}
_forward_stacks: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _recording_init(self, *args, **kwargs):
    _originals["init"](self, *args, **kwargs)
    # the user's frames only: PyTorch's traceback stops where its C++ operators begin
    frames = [f for f in traceback.extract_stack()[:-1]
              if not os.path.abspath(f.filename).startswith(_FUNCGRAD_DIR)]
    _forward_stacks[self] = "".join(traceback.format_list(frames))


def _has_nan(g) -> bool:
    data = getattr(g, "_data", g)
    if not isinstance(data, (np.ndarray, np.generic)) or not np.issubdtype(data.dtype, np.inexact):
        return False
    return bool(np.isnan(data).any())


def _warn_with_forward_trace(node):
    stack = _forward_stacks.get(node)
    if stack is not None:
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                      f"the error:\n{stack}", UserWarning, stacklevel=3)


def _checking_apply(self, grad, create_graph):
    try:
        results = _originals["apply"](self, grad, create_graph)
    except Exception:
        _warn_with_forward_trace(self)
        raise
    if _state["check_nan"]:
        for i, g in enumerate(results):
            if g is not None and _has_nan(g):
                _warn_with_forward_trace(self)
                raise RuntimeError(f"Function '{self.name()}' returned nan values in its {i}th "
                                   "output.")
    return results


def _set(enabled: bool, check_nan: bool):
    if enabled and not _state["enabled"]:
        Node.__init__ = _recording_init
        Node.apply = _checking_apply
    elif not enabled and _state["enabled"]:
        Node.__init__ = _originals["init"]
        Node.apply = _originals["apply"]
    _state["enabled"], _state["check_nan"] = enabled, check_nan


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on (torch.is_anomaly_enabled)."""
    return _state["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection also checks backward results for NaN."""
    return _state["check_nan"]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off (torch.set_anomaly_enabled)."""
    _set(bool(enabled), bool(check_nan))


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) turning anomaly detection on: backward raises at the
    first node returning NaN (check_nan=True) and shows the forward traceback of a failing
    node."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self.previous = (_state["enabled"], _state["check_nan"])
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self.previous = (_state["enabled"], _state["check_nan"])
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(*self.previous)
        return False

    def __call__(self, fun):
        import functools

        @functools.wraps(fun)
        def wrapped(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fun(*args, **kwargs)
        return wrapped


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off now; used as a context manager, restores the previous
    setting on exit."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.previous = (_state["enabled"], _state["check_nan"])
        _set(bool(mode), bool(check_nan))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(*self.previous)
        return False
