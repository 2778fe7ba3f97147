"""eval_shape and ShapeDtypeStruct: the shapes and dtypes a function returns, JAX's way.

funcgrad has no abstract evaluation: `eval_shape` runs the function once on zeros of the given
shapes and dtypes (NumPy's floating-point warnings silenced) and keeps only the shapes and dtypes
of the result.
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import ShapedArray
from funcgrad.core.tracer import Tracer
from funcgrad.tree_util import tree_map


class ShapeDtypeStruct(ShapedArray):
    """A stand-in for an array: its shape and dtype only (a pytree leaf); JAX's name for the
    abstract values of funcgrad's shape rules."""

    __slots__ = ()

    def __init__(self, shape, dtype):
        super().__init__(tuple(int(n) for n in shape), dtype)

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"


def zeros_for(x):
    """x itself, or zeros standing for a ShapeDtypeStruct."""
    return np.zeros(x.shape, x.dtype) if isinstance(x, ShapeDtypeStruct) else x


def _struct_of(x):
    if isinstance(x, ShapeDtypeStruct):
        return x
    if isinstance(x, Tracer) or hasattr(x, "dtype"):
        return ShapeDtypeStruct(np.shape(x) if not isinstance(x, Tracer) else x.shape, x.dtype)
    return ShapeDtypeStruct((), np.asarray(x).dtype)


def eval_shape(fun, *args, **kwargs):
    """The pytree of ShapeDtypeStructs `fun(*args, **kwargs)` would return; arguments may be
    arrays or ShapeDtypeStructs.

    >>> import numpy as np, funcgrad as fg
    >>> fg.eval_shape(lambda x: x @ x.T, fg.ShapeDtypeStruct((3, 2), np.float32))
    ShapeDtypeStruct(shape=(3, 3), dtype=float32)
    """
    args, kwargs = tree_map(zeros_for, (args, kwargs))
    with np.errstate(all="ignore"):
        out = fun(*args, **kwargs)
    return tree_map(_struct_of, out)


__all__ = ["ShapeDtypeStruct", "eval_shape", "zeros_for"]
