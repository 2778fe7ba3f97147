"""PyTorch's dtype objects (`torch.float32`...), each standing for one NumPy dtype.

A `dtype` has a `.dtype` attribute holding its NumPy dtype, so NumPy accepts it wherever it takes a
dtype (`np.zeros(3, torch.float32)`), and it compares equal to that NumPy dtype: the core's
rules, which read `x.dtype`, work unchanged on tensors.
"""
from __future__ import annotations

import builtins
from typing import Any, overload

import numpy as np


class dtype:
    __slots__ = ("name", "dtype", "is_floating_point", "itemsize")

    def __init__(self, name, np_dtype):
        self.name = name
        self.dtype: np.dtype[Any] = np.dtype(np_dtype)
        self.is_floating_point = self.dtype.kind == "f"
        self.itemsize = self.dtype.itemsize

    def __repr__(self):
        return f"torch.{self.name}"

    def __eq__(self, other):
        if isinstance(other, dtype):
            return self.dtype == other.dtype
        try:
            return self.dtype == np.dtype(other)
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.dtype)

    def __reduce__(self):
        return (to_torch, (self.dtype.name,))


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)
float64 = double = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)
int64 = long = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)  # noqa: A001 - PyTorch's name
complex64 = cfloat = dtype("complex64", np.complex64)
complex128 = cdouble = dtype("complex128", np.complex128)

_BY_NUMPY = {d.dtype: d for d in (float16, float32, float64, int8, uint8, int16, int32, int64,
                                  bool, complex64, complex128)}


# the dtype of new floating-point tensors (torch.set_default_dtype changes it)
DEFAULT: list[np.dtype[Any]] = [np.dtype(np.float32)]


def default_float():
    return DEFAULT[0]


def set_default_dtype(d):
    d = to_numpy(d)
    if d.kind != "f":
        raise TypeError("only floating-point types are supported as the default type")
    DEFAULT[0] = d


def to_torch(np_dtype) -> dtype:
    """The torch dtype for a NumPy dtype (or a torch dtype, returned as is)."""
    if isinstance(np_dtype, dtype):
        return np_dtype
    return _BY_NUMPY[np.dtype(np_dtype)]


@overload
def to_numpy(d: None) -> None: ...
@overload
def to_numpy(d: Any) -> np.dtype[Any]: ...
def to_numpy(d):
    """The NumPy dtype for a torch dtype, NumPy dtype, Python type or None (None stays None)."""
    if d is None:
        return None
    if isinstance(d, dtype):
        return d.dtype
    if d is builtins.float:
        return DEFAULT[0]  # PyTorch's default float dtype
    if d is builtins.int:
        return np.dtype(np.int64)
    return np.dtype(d)


# -- promotion and limits ----------------------------------------------------------------------------

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promote_types(type1, type2) -> dtype:
    """PyTorch's promotion: the higher category wins (bool < integer < float < complex);
    within one category, the wider type (NumPy's rule)."""
    a, b = to_numpy(type1), to_numpy(type2)
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return to_torch(a if ca > cb else b)
    return to_torch(np.promote_types(a, b))


def _python_default(value):
    if isinstance(value, builtins.bool):
        return bool
    if isinstance(value, builtins.int):
        return int64
    if isinstance(value, builtins.complex):
        return complex128 if DEFAULT[0] == np.float64 else complex64
    return get_default_dtype()


def result_type(tensor1, tensor2) -> dtype:
    """The dtype of an operation on these operands: dimensioned tensors count before
    zero-dimensional ones, which count before Python numbers, unless of a higher category."""
    ranked = []
    for x in (tensor1, tensor2):
        if hasattr(x, "_data"):
            ranked.append((2 if np.ndim(x._data) else 1, to_torch(x._data.dtype)))
        else:
            ranked.append((0, _python_default(x)))
    top = max(_CATEGORY[d.dtype.kind] for _, d in ranked)
    best = max(rank for rank, d in ranked if _CATEGORY[d.dtype.kind] == top)
    chosen = [d for rank, d in ranked if rank == best and _CATEGORY[d.dtype.kind] == top]
    out = chosen[0]
    for d in chosen[1:]:
        out = promote_types(out, d)
    return out


def can_cast(from_, to) -> builtins.bool:
    return _CATEGORY[to_numpy(from_).kind] <= _CATEGORY[to_numpy(to).kind]


def get_default_dtype() -> dtype:
    return to_torch(DEFAULT[0])


class finfo:  # noqa: N801 - PyTorch's name
    def __init__(self, type=None):  # noqa: A002
        d = get_default_dtype() if type is None else to_torch(to_numpy(type))
        info = np.finfo(d.dtype)
        self.dtype = d.name
        self.bits, self.eps, self.max, self.min = info.bits, builtins.float(info.eps), builtins.float(info.max), builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.tiny)
        self.resolution = builtins.float(info.resolution)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:  # noqa: N801
    def __init__(self, type):  # noqa: A002
        d = to_torch(to_numpy(type))
        info = np.iinfo(d.dtype)
        self.dtype, self.bits, self.max, self.min = d.name, info.bits, builtins.int(info.max), builtins.int(info.min)

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
