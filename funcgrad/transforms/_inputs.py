"""What every transform does to its arguments: argnums, pytrees, checking what can be differentiated."""
from __future__ import annotations

import numpy as np

from funcgrad.backends.namespace import numpy_dtype
from funcgrad.core.tracer import Tracer
from funcgrad.errors import FuncgradError, NonDifferentiableError, describe, where
from funcgrad.tree_util import tree_flatten

# the dtype of the (empty) derivative of an integer or boolean value, as JAX's float0
float0 = np.dtype([("float0", np.void, 0)])


class TransformArgumentError(FuncgradError, TypeError, ValueError):
    """Arguments a transform cannot use (argnums out of range, tangents or cotangents that do not
    match the primals). JAX raises TypeError for some of these and ValueError for others: this
    is both."""


def float0_zeros(x):
    """The derivative of an integer or boolean leaf: zeros of dtype float0 with its shape."""
    return np.zeros(tuple(np.shape(x)), float0)


def is_inexact(x) -> bool:
    dtype = numpy_dtype(x.dtype) if hasattr(x, "dtype") else np.asarray(x).dtype
    return dtype.kind in "fc"  # np.issubdtype(dtype, np.inexact), without its cost per call


def is_weak(x) -> bool:
    """A Python number: weakly typed, it takes the dtype of the value it meets (as in JAX)."""
    return isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic)


def check_callable(fun, transform: str):
    if not callable(fun):
        raise TypeError(f"{transform}: expected a function to transform, got "
                        f"{type(fun).__name__} {fun!r:.60}{where()}.")


def normalize_argnums(argnums, num_args: int, name: str):
    """(tuple of argnums, whether a single int was given)."""
    if type(argnums) is int and 0 <= argnums < num_args:  # the common case, argnums=0
        return (argnums,), True
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(int(a) for a in argnums)
    for a in nums:
        if not -num_args <= a < num_args:
            raise TransformArgumentError(
                f"{name}: argnums={argnums!r} is out of range for a function called with {num_args} "
                f"positional argument{'s' if num_args != 1 else ''}{where()}. Valid argnums are "
                f"0..{num_args - 1}.")
    normalized = tuple(a % num_args for a in nums)
    if len(set(normalized)) != len(normalized):
        raise TransformArgumentError(
            f"{name}: argnums={argnums!r} names an argument twice{where()}; list each once.")
    return normalized, single


def with_fixed_args(fun, args, argnums):
    """fun as a function of the args at `argnums` only, the others held fixed (fun itself when
    argnums names every argument in order)."""
    if len(argnums) == len(args) and all(i == a for i, a in enumerate(argnums)):
        return fun
    def partial(*diff_args):
        full = list(args)
        for i, value in zip(argnums, diff_args):
            full[i] = value
        return fun(*full)
    partial.__name__ = getattr(fun, "__name__", "function")
    return partial


def as_array(x, name: str, transform: str, differentiable: bool = True):
    """A leaf as the array the transform will trace; Python numbers become float64/int64 arrays."""
    original = x
    if isinstance(x, Tracer):
        dtype = x.dtype
    else:
        if isinstance(x, (bool, int, float, complex, np.generic, list)) or not hasattr(x, "dtype"):
            try:
                x = np.asarray(x)
            except Exception:  # noqa: BLE001 - reported below
                x = None
            if x is None or x.dtype == object:
                raise TypeError(
                    f"{transform}: {name} is a {type(original).__name__}, which is neither an array nor a "
                    "container funcgrad knows. Pass NumPy arrays, Python numbers, or tuples/lists/"
                    "dicts of them; for your own class, call funcgrad.tree_util."
                    "register_pytree_node first.")
        dtype = x.dtype if isinstance(x.dtype, np.dtype) else numpy_dtype(x.dtype)
        if dtype.kind not in "biufc":  # strings, bytes, dates: not values a transform can trace
            raise TypeError(
                f"{transform}: {name} is a {type(original).__name__} ({original!r:.40}, dtype "
                f"{dtype}), which is not a number or a numeric array{where()}. Only numbers and "
                "numeric arrays can be traced: hold such a value fixed outside the function (a "
                "closure or functools.partial), or leave it out of the traced arguments.")
    if differentiable and dtype.kind not in "fc":  # not np.issubdtype(dtype, np.inexact)
        raise NonDifferentiableError(
            f"{transform}: {name} has dtype {dtype} ({describe(x)}){where()}, and only floating or "
            f"complex inputs have derivatives. Pass a float array (e.g. x.astype(float) or 1.0 "
            f"instead of 1), leave this argument out of argnums, or pass allow_int=True to get "
            f"a float0 (empty) derivative for it.")
    return x


def flat_arrays(tree, transform: str, differentiable: bool = True, what: str = "argument"):
    leaves, treedef = tree_flatten(tree)
    if len(leaves) == 1:
        return [as_array(leaves[0], what, transform, differentiable)], treedef
    return [as_array(x, f"{what} leaf {i}", transform, differentiable)
            for i, x in enumerate(leaves)], treedef


def _kind(result) -> str:
    if isinstance(result, (tuple, list)):
        return f"a {type(result).__name__} of length {len(result)}"
    if isinstance(result, Tracer) or hasattr(result, "dtype"):
        return f"a single value ({describe(result)})"
    return type(result).__name__


def split_aux(result, has_aux: bool, transform: str):
    if not has_aux:
        return result, None
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError(
            f"{transform}(..., has_aux=True): the function must return a pair (output, aux), but it "
            f"returned {_kind(result)}{where()}. "
            "Return `output, aux` or drop has_aux=True.")
    return result[0], result[1]
