"""Every exception funcgrad raises on purpose, and the helpers that word them.

Messages are written for the person calling funcgrad: what went wrong in their terms,
where in *their* code it happened, and what to do instead.
"""
from __future__ import annotations

import os
import sys
from typing import Any

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class FuncgradError(Exception):
    """Base class of funcgrad's own exceptions."""


class TracerLeakError(FuncgradError, RuntimeError):
    """A traced value was used after the transform that made it had returned."""


class TracerConversionError(FuncgradError, TypeError):
    """A traced value was turned into a plain NumPy array, which would lose its derivative."""

    tracer: Any  # the tracer converted (set where it is raised)


class NonDifferentiableError(FuncgradError, TypeError):
    """A derivative was asked of something that has none (an integer input, say)."""


class OpError(FuncgradError, ValueError):
    """A primitive rejected its inputs (shapes or dtypes that do not fit).

    The exception raised is also of the type NumPy raised (`op_error` makes the pair), so
    `except numpy.linalg.LinAlgError`, `except IndexError` and `except FloatingPointError` work
    as without funcgrad, and `except OpError` catches them all."""

    original_type = ValueError  # the type NumPy raised

    def __reduce__(self):  # the pair types are made at run time: rebuild them by their base
        return _rebuild_op_error, (self.original_type, str(self))


_OP_ERROR_TYPES: dict = {ValueError: OpError}


def _op_error_type(original: type):
    """OpError joined with `original` (named as it, so a traceback reads as NumPy's), or None
    when the two cannot be one class (an exception with its own memory layout)."""
    original = getattr(original, "original_type", original)
    kind = _OP_ERROR_TYPES.get(original, False)
    if kind is False:
        try:
            kind = type(original.__name__, (OpError, original),
                        {"__module__": original.__module__, "__qualname__": original.__qualname__,
                         "__doc__": f"{original.__name__} raised by a funcgrad primitive (also an "
                                    "OpError).", "original_type": original})
        except TypeError:
            kind = None
        _OP_ERROR_TYPES[original] = kind
    return kind


def _rebuild_op_error(original, message):
    kind = _op_error_type(original)
    return kind(message) if kind is not None else original(message)


def op_error(message: str, err: BaseException) -> BaseException:
    """The exception for a primitive whose implementation raised `err`: `message` (funcgrad's
    context: the operation, shapes, the user's line) on an exception of err's own type that is
    also an OpError. Where no such type can be made, `err` itself with the message as a note."""
    kind = _op_error_type(type(err))
    if kind is not None:
        try:
            return kind(message)
        except Exception:  # noqa: BLE001 - a constructor with other arguments: note instead
            pass
    if sys.version_info >= (3, 11):
        err.add_note(message)
    return err


class MissingRuleError(FuncgradError, NotImplementedError):
    """A NumPy function was called on a traced value, but funcgrad has no rule for it."""


class BackendError(FuncgradError, NotImplementedError):
    """A primitive was applied to arrays of a library (Dask, CuPy, array_api_strict...) that
    cannot run it; funcgrad never moves such arrays to NumPy behind the user's back."""


class ConcretizationError(FuncgradError, TypeError):
    """Python control flow (`if`, `float()`) asked for the value of a lazy array (Dask), which
    would compute everything it depends on."""


def user_frame() -> str:
    """'file.py:LINE' of the innermost stack frame outside funcgrad, or '' when there is none."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR) and "<frozen" not in filename:
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return ""


def user_stacklevel() -> int:
    """The `stacklevel` for `warnings.warn`, called where this is called, that points at the
    user's line (the innermost frame outside funcgrad)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR) and "<frozen" not in filename:
            return level
        frame = frame.f_back
        level += 1
    return 1


def where() -> str:
    """' (at file.py:LINE)' for the user's line, to append to a message."""
    frame = user_frame()
    return f" (at {frame})" if frame else ""


def describe(value) -> str:
    """A short 'f64[3,2]'-style description of any value funcgrad handles."""
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is None or dtype is None:
        return type(value).__name__
    return f"{short_dtype(dtype)}[{','.join(map(str, shape))}]"


_SHORT = {"float64": "f64", "float32": "f32", "float16": "f16", "int64": "i64", "int32": "i32",
          "int16": "i16", "int8": "i8", "uint8": "u8", "bool": "bool", "complex128": "c128",
          "complex64": "c64"}


def short_dtype(dtype) -> str:
    name = getattr(dtype, "name", str(dtype))
    return _SHORT.get(name, name)
