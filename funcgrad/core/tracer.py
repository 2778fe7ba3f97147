"""Tracers, interpreters and the per-thread stack of active transforms.

A `Tracer` stands in for an array while a transform runs. It belongs to one `Interpreter`
(its owner), and every primitive applied to it is handed to that owner's `process`. Each active
transform has its own interpreter at its own level; when a primitive sees tracers of several
levels, the highest (innermost) one processes it first and passes the lower ones on as values.
That is what keeps `grad(lambda x: x * grad(lambda y: x + y)(1.0))(1.0)` equal to 1.0.

The stack of active interpreters is the only mutable global state in funcgrad, and it is kept
per thread.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy as np

from funcgrad.errors import TracerConversionError, describe, short_dtype, where


class Interpreter:
    """One active transform. Subclasses say what applying a primitive to their tracers means."""

    __slots__ = ("level",)

    def process(self, primitive, args: tuple, params: dict):
        raise NotImplementedError

    def concretize(self, tracer: "Tracer"):
        """The concrete value behind `tracer`, for Python control flow (`if`, `float()`...)."""
        return tracer.value

    def describe_level(self) -> str:
        return type(self).__name__

    def retire(self) -> None:
        """Called when the transform returns; from then on its tracers must not act."""


class Tracer:
    """Base class of everything a primitive dispatches on instead of computing directly."""

    __slots__ = ("_owner",)
    __array_priority__ = 1000

    # -- the concrete value behind this tracer (one level down) -------------------------------
    @property
    def value(self):
        raise NotImplementedError

    @property
    def shape(self) -> tuple:
        return np.shape(self.value)

    @property
    def dtype(self):
        value = self.value
        return value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError(f"len() of a 0-d traced value ({describe(self)}){where()}")
        return shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # -- Python control flow sees the concrete value -------------------------------------------
    def __bool__(self) -> bool:
        return bool(self._owner.concretize(self))

    def __float__(self) -> float:
        return float(self._owner.concretize(self))

    def __int__(self) -> int:
        return int(self._owner.concretize(self))

    def __complex__(self) -> complex:
        return complex(self._owner.concretize(self))

    def __index__(self) -> int:
        return int(np.asarray(concretize(self)).__index__())

    def item(self):
        return np.asarray(concretize(self)).item()

    def tolist(self):
        return np.asarray(concretize(self)).tolist()

    __hash__ = None  # a traced array is not hashable, as NumPy arrays are not

    def __array__(self, dtype=None, copy=None):
        raise TracerConversionError(
            f"a traced value ({describe(self)}) was converted to a plain NumPy array{where()}, "
            "which would silently drop its derivative. Use funcgrad.numpy (import funcgrad.numpy "
            "as fnp) for this operation, or call funcgrad.stop_gradient(x) first if no "
            "derivative is wanted.")

    def __repr__(self) -> str:
        value = concrete_value(self)
        body = np.array2string(np.asarray(value), threshold=20, edgeitems=2)
        shape = ",".join(map(str, np.shape(value)))
        return f"Traced<{short_dtype(np.asarray(value).dtype)}[{shape}]> {body}"

    __str__ = __repr__


def concretize(x):
    """The concrete value of `x` for Python control flow, asking each level's interpreter (vmap
    refuses, jit records a guard)."""
    while isinstance(x, Tracer):
        x = x._owner.concretize(x)
    return x


def concrete_value(x):
    """Strip every level of tracer from `x` (for printing and Python control flow)."""
    while isinstance(x, Tracer):
        x = x.value
    return x


# ---------------------------------------------------------------------------------------------
# the per-thread stack of active interpreters

class _TransformStack(threading.local):
    def __init__(self):
        self.interpreters: list[Interpreter] = []


_stack = _TransformStack()


def push_interpreter(interpreter: Interpreter) -> Interpreter:
    interpreter.level = len(_stack.interpreters) + 1
    _stack.interpreters.append(interpreter)
    return interpreter


def pop_interpreter(interpreter: Interpreter) -> None:
    popped = _stack.interpreters.pop()
    assert popped is interpreter, "transforms were exited out of order"


def active_interpreters() -> tuple:
    return tuple(_stack.interpreters)


@contextmanager
def running(interpreter: Interpreter):
    """The interpreter on top of the stack for the duration of the block, then retired."""
    push_interpreter(interpreter)
    try:
        yield interpreter
    finally:
        pop_interpreter(interpreter)
        interpreter.retire()
