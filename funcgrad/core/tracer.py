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

from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

import numpy as np

from funcgrad.backends.compute import checked_concrete
from funcgrad.backends.namespace import NATIVE_TYPES, is_foreign, numpy_dtype
from funcgrad.errors import TracerConversionError, describe, short_dtype, where


class Interpreter:
    """One active transform. Subclasses say what applying a primitive to their tracers means."""

    __slots__ = ("level",)

    def process(self, primitive, args: tuple, params: dict):
        raise NotImplementedError

    def concretize(self, tracer: "Tracer"):
        """The concrete value behind `tracer`, for Python control flow (`if`, `float()`...)."""
        return tracer.value

    def check_conversion(self, tracer: "Tracer", conversion: str) -> None:
        """Raise if making the floating `tracer` a constant by `conversion` (`float()`, `.item()`,
        `numpy.asarray()`...) would drop a derivative this transform computes. Nothing by
        default: only differentiating transforms refuse (see docs/sharp_bits.md)."""

    def describe_level(self) -> str:
        return type(self).__name__

    def retire(self) -> None:
        """Called when the transform returns; from then on its tracers must not act."""


_T = TypeVar("_T", bound="Tracer")


class Tracer:
    """Base class of everything a primitive dispatches on instead of computing directly."""

    __slots__ = ("_owner",)
    __array_priority__ = 1000

    if TYPE_CHECKING:  # installed at import by primitives/operators.py; declared for checkers
        def __add__(self: _T, other: Any) -> _T: ...
        def __radd__(self: _T, other: Any) -> _T: ...
        def __sub__(self: _T, other: Any) -> _T: ...
        def __rsub__(self: _T, other: Any) -> _T: ...
        def __mul__(self: _T, other: Any) -> _T: ...
        def __rmul__(self: _T, other: Any) -> _T: ...
        def __truediv__(self: _T, other: Any) -> _T: ...
        def __rtruediv__(self: _T, other: Any) -> _T: ...
        def __pow__(self: _T, other: Any) -> _T: ...
        def __rpow__(self: _T, other: Any) -> _T: ...
        def __matmul__(self: _T, other: Any) -> _T: ...
        def __rmatmul__(self: _T, other: Any) -> _T: ...
        def __floordiv__(self: _T, other: Any) -> _T: ...
        def __rfloordiv__(self: _T, other: Any) -> _T: ...
        def __mod__(self: _T, other: Any) -> _T: ...
        def __rmod__(self: _T, other: Any) -> _T: ...
        def __lt__(self: _T, other: Any) -> _T: ...
        def __le__(self: _T, other: Any) -> _T: ...
        def __gt__(self: _T, other: Any) -> _T: ...
        def __ge__(self: _T, other: Any) -> _T: ...
        def __and__(self: _T, other: Any) -> _T: ...
        def __or__(self: _T, other: Any) -> _T: ...
        def __xor__(self: _T, other: Any) -> _T: ...
        def __neg__(self: _T) -> _T: ...
        def __pos__(self: _T) -> _T: ...
        def __abs__(self: _T) -> _T: ...
        def __invert__(self: _T) -> _T: ...
        def __getitem__(self: _T, index: Any) -> _T: ...
        def __getattr__(self, name: str) -> Any: ...  # NumPy's methods, installed likewise

    # -- the concrete value behind this tracer (one level down) -------------------------------
    @property
    def value(self):
        raise NotImplementedError

    @property
    def shape(self) -> tuple:
        value = self.value
        try:  # what np.shape does, without its dispatch: reverse rules ask on every cotangent
            return value.shape
        except AttributeError:  # a Python number
            return np.shape(value)

    @property
    def dtype(self):
        value = self.value
        try:
            dtype = value.dtype
        except AttributeError:  # a Python number
            return np.asarray(value).dtype
        return dtype if isinstance(dtype, np.dtype) else numpy_dtype(dtype)  # (array_api_strict)

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
        count = len(self)  # TypeError now for a 0-d value, as NumPy's (numpy.iterable is False)
        return (self[i] for i in range(count))

    # -- Python control flow sees the concrete value -------------------------------------------
    # Decisions whose derivative is zero almost everywhere (bool, int, an index) always may;
    # making a floating value a constant (float, complex, item, tolist, numpy.asarray) is
    # refused by a differentiating transform when the value carries a derivative.
    def __bool__(self) -> bool:
        return bool(checked_concrete(self._owner.concretize(self)))

    def __float__(self) -> float:
        return float(checked_concrete(constant(self, "float()")))

    def __int__(self) -> int:
        return int(checked_concrete(self._owner.concretize(self)))

    def __complex__(self) -> complex:
        return complex(checked_concrete(constant(self, "complex()")))

    def __index__(self) -> int:
        return int(np.asarray(concretize(self)).__index__())

    def item(self):
        return np.asarray(checked_concrete(constant(self, ".item()"))).item()

    def tolist(self):
        return np.asarray(checked_concrete(constant(self, ".tolist()"))).tolist()

    # a traced array is not hashable, as NumPy arrays are not (typeshed's idiom for it: object's
    # __hash__ declared a method, set to None)
    __hash__ = None  # pyright: ignore[reportAssignmentType]

    def __array__(self, dtype=None, copy=None):
        # NumPy asks for this when a tracer is an index (F[i]), a count, or is assigned into an
        # array: integer and boolean values have no derivative and are given; floating ones only
        # where no derivative is dropped
        value = np.asarray(checked_concrete(constant(self, _ARRAY_CONVERSION)))
        return value if dtype is None else value.astype(dtype, copy=False)

    def __setitem__(self, index, value):
        raise TypeError(
            f"a traced value ({describe(self)}) does not support item assignment{where()}: traced "
            "arrays are immutable, as JAX's are. Write y = x.at[index].set(value) (or .add, "
            ".multiply...) and use y, or build the array with funcgrad.numpy.stack / "
            "funcgrad.numpy.where.")

    def __repr__(self) -> str:
        value = concrete_value(self)
        if type(value) not in NATIVE_TYPES and is_foreign(value):  # printing must not compute
            return f"Traced<{describe(value)}> {value!r}"
        body = np.array2string(np.asarray(value), threshold=20, edgeitems=2)
        shape = ",".join(map(str, np.shape(value)))
        return f"Traced<{short_dtype(np.asarray(value).dtype)}[{shape}]> {body}"

    __str__ = __repr__


def concretize(x):
    """The concrete value of `x` for Python control flow, asking each level's interpreter (vmap
    refuses, jit records a guard)."""
    while isinstance(x, Tracer):
        x = x._owner.concretize(x)
    return checked_concrete(x)


def constant(x, conversion: str):
    """The concrete value of `x` for `conversion`, which makes it a constant: each level checks
    that no derivative is dropped (a floating value under grad refuses) before making it
    concrete (jit records a guard, vmap refuses)."""
    if not isinstance(x, Tracer):
        return x
    check = np.dtype(x.dtype).kind in "fc"  # integer and boolean values carry no derivative
    while isinstance(x, Tracer):
        owner = x._owner
        if check:
            owner.check_conversion(x, conversion)
        x = owner.concretize(x)
    return x


_ARRAY_CONVERSION = "numpy.asarray() (or numpy.float64(), or an assignment into a NumPy array)"


def refuse_conversion(tracer, conversion: str, transform: str) -> NoReturn:
    """The error for a conversion that would drop the derivative `transform` computes."""
    assignment = conversion in ("float()", _ARRAY_CONVERSION)
    err = TracerConversionError(
        f"a traced value ({describe(tracer)}) was converted by {conversion}{where()} under "
        f"{transform}, which would make it a constant and silently drop its derivative. Keep the "
        "value traced (funcgrad.numpy, import funcgrad.numpy as fnp, instead of math or a plain "
        "NumPy conversion); call funcgrad.stop_gradient(x) first if a constant is really meant"
        + ("; to place traced values in an array, build it with fnp.stack / fnp.array or "
           "x.at[index].set(value) instead of assigning into a NumPy array" if assignment else "")
        + ". (Comparisons, int() and integer indices are fine: they carry no derivative.)")
    err.tracer = tracer  # (whose transform it is: funcgrad.custom_root names a closure by it)
    raise err


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


_I = TypeVar("_I", bound=Interpreter)


class running(Generic[_I]):
    """`with running(interpreter):` the interpreter is on top of the stack for the duration of
    the block, then retired. (A class rather than a generator-based context manager: entering
    it is on the fixed cost of every transform call.)"""

    __slots__ = ("interpreter",)

    def __init__(self, interpreter: _I):
        self.interpreter = interpreter

    def __enter__(self) -> _I:
        interpreter = self.interpreter
        push_interpreter(interpreter)
        return interpreter

    def __exit__(self, *exc_info) -> None:
        interpreter = self.interpreter
        pop_interpreter(interpreter)
        interpreter.retire()
