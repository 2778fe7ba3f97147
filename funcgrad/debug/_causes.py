"""What a NaN/inf check says: a summary of the inputs, and the likely cause of known patterns.

Pure functions of a primitive's name, its input values and its output: they only run once a
check has found a non-finite value, so they may take their time.
"""
from __future__ import annotations

import numpy as np

from funcgrad.errors import describe

_DOUBLE_WHERE = (
    "the double-where trick: make the unselected branch's input safe before the operation, e.g. "
    "safe = fnp.where(cond, x, 1.0); y = fnp.where(cond, fnp.sqrt(safe), 0.0) (where's "
    "derivative sends a zero cotangent to the unselected branch, and 0 * inf is nan)")


def is_float_array(x) -> bool:
    dtype = getattr(x, "dtype", None)
    return dtype is not None and np.issubdtype(dtype, np.inexact) and isinstance(
        x, (np.ndarray, np.generic))


def bad_mask(x, check_infs=True):
    x = np.asarray(x)
    return ~np.isfinite(x) if check_infs else np.isnan(x)


def all_finite(values) -> bool:
    return all(bool(np.all(np.isfinite(v))) for v in values if is_float_array(v))


def what(out, check_infs=True) -> str:
    out = np.asarray(out)
    kinds = []
    if np.isnan(out).any():
        kinds.append("nan")
    if check_infs and np.isposinf(out).any():
        kinds.append("inf")
    if check_infs and np.isneginf(out).any():
        kinds.append("-inf")
    return "/".join(kinds)


def summary(value) -> str:
    """'f64[3] min=-1 max=2, 1 zero' (or the value itself when small)."""
    if not isinstance(value, (np.ndarray, np.generic)):
        return repr(value)[:60]
    a = np.asarray(value)
    if a.size == 0 or not np.issubdtype(a.dtype, np.number):
        return describe(a)
    if a.size <= 4:
        text = np.array2string(a, precision=6, separator=", ").replace("\n", "")
        return f"{describe(a)} {text}"
    real = np.real(a) if np.iscomplexobj(a) else a
    parts = [f"{describe(a)} min={real.min():.6g} max={real.max():.6g}"]
    zeros = int(np.count_nonzero(a == 0))
    if zeros:
        parts.append(f"{zeros} zero{'s' if zeros > 1 else ''}")
    return ", ".join(parts)


def first_bad(out, check_infs=True):
    """The index of the first non-finite element of `out` (a tuple), or ()."""
    mask = bad_mask(out, check_infs)
    if mask.ndim == 0:
        return ()
    return tuple(int(i) for i in np.argwhere(mask)[0])


def element(value, index, shape):
    """value[index] after broadcasting value to `shape` (for scalars and broadcast inputs)."""
    if not isinstance(value, (np.ndarray, np.generic, float, int)):
        return None
    try:
        return np.broadcast_to(np.asarray(value), shape)[index]
    except ValueError:
        return None


def forward_cause(name: str, values, out) -> str:
    """The likely cause of a non-finite output of `name` from finite inputs."""
    index = first_bad(out)
    shape = np.shape(out)
    at = [element(v, index, shape) for v in values]
    x = at[0] if at else None
    y = at[1] if len(at) > 1 else None
    if name in ("log", "log2", "log10"):
        return (f"{name} at {x}: {name}(0) = -inf and {name} of a negative number is nan"
                if x is not None else f"{name} at 0 or below")
    if name == "log1p":
        return f"log1p at {x}: log1p(-1) = -inf, and below -1 it is nan"
    if name in ("sqrt", "rsqrt"):
        return f"{name} of the negative number {x} is nan (for real inputs)"
    if name in ("divide", "true_divide", "floor_divide", "remainder", "reciprocal"):
        return (f"division by zero: {x} / {y}" if y is not None else f"division by zero at {x}")
    if name in ("power", "float_power"):
        if x is not None and y is not None:
            if x == 0 and y < 0:
                return f"0 raised to the negative power {y} is inf"
            if x < 0:
                return f"the negative base {x} raised to the non-integer power {y} is nan"
        return "power outside its domain (0 to a negative power, or a negative base)"
    if name in ("arcsin", "arccos", "arctanh"):
        return f"{name} of {x}, outside [-1, 1]"
    if name in ("exp", "expm1", "cosh", "sinh", "exp2"):
        return f"{name} overflowed: its input {x} is too large for the dtype"
    if name in ("multiply", "add", "subtract", "matmul", "dot", "sum", "square"):
        return "overflow: the result is larger than the dtype's largest value"
    return "the operation is not defined (or overflows) at these inputs"


def backward_cause(name: str, cotangent, args, answer, consumers) -> str:
    """The likely cause of a non-finite cotangent from the reverse rule of `name`."""
    index = first_bad(cotangent)
    shape = np.shape(cotangent)
    args_at = [element(v, index, shape) for v in args]
    x = args_at[0] if args_at else None
    singular = {"sqrt": "the derivative of sqrt at 0 is infinite",
                "log": "the derivative of log at 0 is infinite (1/x)",
                "log2": "the derivative of log2 at 0 is infinite",
                "log10": "the derivative of log10 at 0 is infinite",
                "power": "the derivative of x ** p at x = 0 is infinite for p < 1",
                "divide": "the derivative of a / b at b = 0 is infinite",
                "arcsin": "the derivative of arcsin at +-1 is infinite",
                "arccos": "the derivative of arccos at +-1 is infinite",
                "arctanh": "the derivative of arctanh at +-1 is infinite",
                "rsqrt": "the derivative of 1/sqrt(x) at 0 is infinite"}
    parts = []
    if name in singular:
        parts.append(f"{singular[name]} (the input here is {x})")
    if "where" in consumers:
        parts.append("this value feeds a `where`: if it is in the unselected branch, its "
                     "cotangent is 0 and 0 * inf = nan. Fix: " + _DOUBLE_WHERE)
    elif name in singular:
        parts.append("if the value is masked out later (a where, a multiplication by 0), use " +
                     _DOUBLE_WHERE)
    return "; ".join(parts) if parts else "the local derivative is not finite at these inputs"


def where_hint(name: str) -> str:
    if name in ("log", "log2", "log10", "sqrt", "power", "divide", "arcsin", "arccos",
                "arctanh", "rsqrt", "log1p"):
        return (" If this value is meant to be discarded by a where, its gradient will be nan "
                "too: use " + _DOUBLE_WHERE + ".")
    return ""
