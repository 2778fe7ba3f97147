"""The legacy tensor types: `torch.FloatTensor([1, 2])`, `torch.LongTensor(2, 3)`,
`isinstance(t, torch.FloatTensor)`, `x.type(torch.LongTensor)`.

Each is a class standing for one dtype on the CPU: calling it makes a tensor of that dtype
(from data, or of the given sizes), and a tensor is an instance of it when it has that dtype.
"""
from __future__ import annotations

import numpy as np

from funcgrad.torch import _dtype
from funcgrad.torch.tensor import Tensor, _nested_data


class _LegacyTensorType(type):
    """The metaclass: instance checks compare dtypes, calls construct tensors."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.dtype

    def __call__(cls, *args, device=None):
        target = cls.dtype.dtype
        if not args:
            return Tensor._make(np.zeros((0,), target))
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = args[0]
            if isinstance(data, (tuple, list)) and data and all(
                    isinstance(n, (int, np.integer)) for n in data) and type(data).__name__ == "Size":
                return Tensor._make(np.zeros(tuple(data), target))
            return Tensor._make(np.array(_nested_data(data), dtype=target))
        return Tensor._make(np.zeros(tuple(int(n) for n in args), target))  # the sizes

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _legacy(name, dtype):
    return _LegacyTensorType(name, (), {"dtype": dtype, "is_cuda": False, "is_sparse": False,
                                        "__module__": "torch"})


FloatTensor = _legacy("FloatTensor", _dtype.float32)
DoubleTensor = _legacy("DoubleTensor", _dtype.float64)
HalfTensor = _legacy("HalfTensor", _dtype.float16)
ByteTensor = _legacy("ByteTensor", _dtype.uint8)
CharTensor = _legacy("CharTensor", _dtype.int8)
ShortTensor = _legacy("ShortTensor", _dtype.int16)
IntTensor = _legacy("IntTensor", _dtype.int32)
LongTensor = _legacy("LongTensor", _dtype.int64)
BoolTensor = _legacy("BoolTensor", _dtype.bool)

LEGACY_TYPES = {cls.__name__: cls for cls in (FloatTensor, DoubleTensor, HalfTensor, ByteTensor,
                                              CharTensor, ShortTensor, IntTensor, LongTensor,
                                              BoolTensor)}


def is_legacy_type(x) -> bool:
    return isinstance(x, _LegacyTensorType)
