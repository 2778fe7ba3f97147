"""PyTorch's dtype objects (`torch.float32`...), each standing for one NumPy dtype.

A `dtype` has a `.dtype` attribute holding its NumPy dtype, so NumPy accepts it wherever it takes a
dtype (`np.zeros(3, torch.float32)`), and it compares equal to that NumPy dtype: the core's
rules, which read `x.dtype`, work unchanged on tensors.
"""
from __future__ import annotations

import builtins

import numpy as np


class dtype:
    __slots__ = ("name", "dtype", "is_floating_point", "itemsize")

    def __init__(self, name, np_dtype):
        self.name = name
        self.dtype = np.dtype(np_dtype)
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


def to_torch(np_dtype) -> dtype:
    """The torch dtype for a NumPy dtype (or a torch dtype, returned as is)."""
    if isinstance(np_dtype, dtype):
        return np_dtype
    return _BY_NUMPY[np.dtype(np_dtype)]


def to_numpy(d):
    """The NumPy dtype for a torch dtype, NumPy dtype, Python type or None (None stays None)."""
    if d is None:
        return None
    if isinstance(d, dtype):
        return d.dtype
    if d is builtins.float:
        return np.dtype(np.float32)  # PyTorch's default float dtype
    if d is builtins.int:
        return np.dtype(np.int64)
    return np.dtype(d)
