"""Grad modes: whether new results record a graph (`no_grad`, `enable_grad`, `set_grad_enabled`,
`inference_mode`), as context managers and as decorators. The flag is kept per thread."""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar, overload

from funcgrad._typing import P, R

_G = TypeVar("_G", bound="_GradMode")


class _State(threading.local):
    def __init__(self):
        self.enabled = True


_state = _State()


def is_grad_enabled() -> bool:
    return _state.enabled


class _GradMode:
    """Base: a context manager (re-entrant) and a decorator setting the grad flag."""

    _mode = True

    @overload
    def __new__(cls: type[_G], mode: bool | None = None) -> _G: ...
    @overload
    def __new__(cls, mode: Callable[P, R]) -> Callable[P, R]: ...

    def __new__(cls, *args, **kwargs) -> Any:
        # `@torch.no_grad` without parentheses decorates the function directly
        if len(args) == 1 and callable(args[0]) and not isinstance(args[0], bool) \
                and cls is not set_grad_enabled:
            return cls()(args[0])
        return super().__new__(cls)

    def __init__(self, mode=None):
        self._saved = []
        if mode is not None:
            self._mode = bool(mode)

    def __enter__(self):
        self._saved.append(_state.enabled)
        _state.enabled = self._mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self._saved.pop()
        return False

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)(*self._args()):
                return fn(*args, **kwargs)
        return wrapper

    def _args(self):
        return ()


class no_grad(_GradMode):
    """Results computed inside do not require grad and record no graph."""
    _mode = False


class enable_grad(_GradMode):
    """Turn graph recording back on inside a `no_grad` block."""
    _mode = True


class inference_mode(_GradMode):
    """As `no_grad` (funcgrad keeps no separate inference tensors)."""

    def __init__(self, mode=True):
        super().__init__()
        self._mode = not mode
        self._flag = mode

    def _args(self):
        return (self._flag,)


class set_grad_enabled(_GradMode):
    """Set grad mode now (as a function call) or for a block (as a context manager)."""

    def __new__(cls, mode: bool) -> set_grad_enabled:  # (no decorator form without a mode)
        return object.__new__(cls)

    def __init__(self, mode):
        super().__init__(mode)
        self._previous = _state.enabled
        _state.enabled = self._mode  # takes effect immediately, as in PyTorch

    def __enter__(self):
        self._saved.append(self._previous)
        _state.enabled = self._mode
        return self

    def _args(self):
        return (self._mode,)
