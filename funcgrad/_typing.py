"""Type names of the public surface (annotations only: nothing here runs per operation)."""
from __future__ import annotations

from typing import Any, Callable, ParamSpec, Sequence, TypeVar, Union

P = ParamSpec("P")
R = TypeVar("R")

Array = Any
"""An array: a NumPy array or scalar, or a traced value standing for one (funcgrad.numpy's
functions take and return these)."""

ArgNums = Union[int, Sequence[int]]
"""Which positional arguments a transform differentiates: one index or several."""

AxisSpec = Any
"""vmap's in_axes/out_axes: an int, None, or a pytree of them matching the arguments."""

Pullback = Callable[..., tuple]
"""vjp's pullback: output cotangents -> a tuple with one cotangent per primal."""

__all__ = ["P", "R", "Array", "ArgNums", "AxisSpec", "Pullback", "Callable"]
