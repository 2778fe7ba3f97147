"""When Python asks for the value of a lazy array: refuse, unless the user has allowed it.

`if x > 0:` or `float(x)` on a traced Dask value would compute everything the value depends on
(the whole graph above it, perhaps hours of cluster time) in the middle of tracing. funcgrad
raises `ConcretizationError` instead, pointing to `fg.lax.cond` and `fnp.where`, which keep the
choice in the graph. Inside `with funcgrad.backends.allow_compute():` the value is computed.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

from funcgrad.backends.namespace import NATIVE_TYPES, library_name, namespace_of_type
from funcgrad.errors import ConcretizationError, describe, where


class _Policy(threading.local):
    allowed = False


_policy = _Policy()


@contextmanager
def allow_compute(allowed: bool = True):
    """Let Python control flow on lazy (Dask) values compute them, within the block.

    >>> import funcgrad as fg
    >>> with fg.backends.allow_compute():
    ...     pass  # `if traced_dask_value > 0:` computes it here instead of raising
    """
    previous = _policy.allowed
    _policy.allowed = allowed
    try:
        yield
    finally:
        _policy.allowed = previous


def checked_concrete(value):
    """`value`, once it is clear that using it concretely will not silently run a lazy graph."""
    cls = type(value)
    if cls in NATIVE_TYPES or _policy.allowed:
        return value
    xp = namespace_of_type(cls, value)
    if xp is None or not _is_lazy(value):
        return value
    raise ConcretizationError(
        f"Python needed the concrete value of a lazy {library_name(xp)} array ({describe(value)})"
        f"{where()}, e.g. for `if`, `while`, float() or int(); computing it would run the whole "
        "graph it depends on, in the middle of tracing. Keep the choice in the graph with "
        "funcgrad.numpy.where(condition, a, b) or funcgrad.lax.cond(pred, f_true, f_false, x), "
        "or, if computing here is what you want, run the call inside "
        "`with funcgrad.backends.allow_compute():`.")


def _is_lazy(value) -> bool:
    import array_api_compat
    if array_api_compat.is_dask_array(value):
        return True
    try:
        return bool(array_api_compat.is_lazy_array(value))
    except Exception:  # noqa: BLE001 - a module named like a library it is not (tests' sparse)
        return False
