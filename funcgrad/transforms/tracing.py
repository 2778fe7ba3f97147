"""make_trace: the expression list of a function, for reading (and for other interpreters)."""
from __future__ import annotations

from typing import Any, Callable

from funcgrad._typing import P
from funcgrad.transforms.reverse import record


def make_trace(fun: Callable[P, Any], has_aux: bool = False) -> Callable[P, Any]:
    """A function that records `fun` on the given arguments and returns its `Trace`.

    `print(fg.make_trace(f)(x))` shows one equation per primitive applied, with shapes and dtypes.
    """
    def traced(*args: P.args, **kwargs: P.kwargs) -> Any:
        if kwargs:
            raise TypeError(f"make_trace: pass {sorted(kwargs)} by position (the trace's inputs "
                            "are the positional arguments)")
        return record(fun, args, "make_trace", has_aux, differentiable=False)[0]
    traced.__name__ = f"make_trace({getattr(fun, '__name__', 'function')})"
    return traced
