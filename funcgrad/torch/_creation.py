"""Creating tensors: `tensor`, `zeros`, `ones`, `full`, `arange`, `eye`, `*_like`, `from_numpy`."""
from __future__ import annotations

import builtins

import numpy as np

from funcgrad.core.tracer import Tracer
from funcgrad.torch import _dtype
from funcgrad.torch._meta import MetaArray, wants_meta
from funcgrad.torch._ops import _sizes
from funcgrad.torch.tensor import Tensor, _nested_data



def _default_dtype(data: np.ndarray):
    """Python floats become float32, ints int64, as in PyTorch (NumPy arrays keep their dtype)."""
    if data.dtype == np.float64:
        return _dtype.DEFAULT[0]
    if data.dtype == np.complex128 and _dtype.DEFAULT[0] != np.float64:
        return np.dtype(np.complex64)
    return data.dtype


def _finish(data, requires_grad):
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def meta(shape, dtype, requires_grad=False):
    """A tensor on the meta device: `shape` and `dtype` (NumPy's), no data."""
    return _finish(MetaArray(shape, _dtype.to_numpy(dtype)), requires_grad)


def on_device(t, device):
    """`t` as a factory given `device` returns it: on the meta device when asked (or by default
    inside `with torch.device("meta")`), else as it is."""
    if wants_meta(device):
        return meta(t.shape, t._data.dtype, t._requires_grad)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of `data` (a number, nested lists, an array, a tensor)."""
    if isinstance(data, Tensor):
        array = np.array(data._data, copy=True)
    elif isinstance(data, Tracer):
        array = data
    elif isinstance(data, np.ndarray):
        array = np.array(data, copy=True)
    else:
        try:
            array = np.array(_nested_data(data))
        except ValueError:
            _raise_ragged(data)
            raise
        if dtype is None:
            array = array.astype(_default_dtype(array), copy=False)
    if dtype is not None:
        array = array.astype(_dtype.to_numpy(dtype), copy=False)
    if array.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    return on_device(_finish(array, requires_grad), device)


def _raise_ragged(data, dim=0):
    """PyTorch's ValueError for nested sequences of different lengths."""
    if not isinstance(data, (list, tuple)) or not data:
        return
    lengths = [len(d) if isinstance(d, (list, tuple)) else None for d in data]
    first = lengths[0]
    for n in lengths[1:]:
        if n != first:
            raise ValueError(f"expected sequence of length {first} at dim {dim + 1} (got {n})")
    for d in data:
        _raise_ragged(d, dim + 1)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == _dtype.to_numpy(dtype)):
        return Tensor._make(data)
    return tensor(data, dtype=dtype)


def from_numpy(array):
    return Tensor._make(array)


def _filled(value):
    def make(*size, dtype=None, requires_grad=False, device=None, out=None, **_):
        d = _dtype.to_numpy(dtype) or _dtype.DEFAULT[0]
        if wants_meta(device):
            return meta(_sizes(size), d, requires_grad)
        return _finish(np.full(_sizes(size), value, dtype=d), requires_grad)
    return make


zeros = _filled(0)
ones = _filled(1)


def empty(*size, dtype=None, requires_grad=False, device=None, **_):
    return zeros(*size, dtype=dtype, requires_grad=requires_grad, device=device)


def full(size, fill_value, *, dtype=None, requires_grad=False, device=None, **_):
    if dtype is None:
        dtype = (_dtype.bool if isinstance(fill_value, bool) else
                 _dtype.int64 if isinstance(fill_value, int) else _dtype.get_default_dtype())
    if wants_meta(device):
        return meta(tuple(size), dtype, requires_grad)
    return _finish(np.full(tuple(size), fill_value, dtype=_dtype.to_numpy(dtype)), requires_grad)


def like_device(input, device):
    """The device a `*_like` factory makes its tensor on: the input's unless given."""
    return input.device if device is None else device


def zeros_like(input, *, dtype=None, requires_grad=False, device=None, **_):
    return zeros(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad,
                 device=like_device(input, device))


def ones_like(input, *, dtype=None, requires_grad=False, device=None, **_):
    return ones(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad,
                device=like_device(input, device))


def empty_like(input, *, dtype=None, requires_grad=False, device=None, **_):
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad, device=device)


def full_like(input, fill_value, *, dtype=None, requires_grad=False, device=None, **_):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype,
                requires_grad=requires_grad, device=like_device(input, device))


def arange(start, end=None, step=1, *, dtype=None, requires_grad=False, device=None, **_):
    if end is None:
        start, end = 0, start
    values = (start, end, step)
    if dtype is None:
        is_int = builtins.all(isinstance(v, (int, np.integer)) for v in values)
        dtype = _dtype.int64 if is_int else _dtype.get_default_dtype()
    data = np.arange(start, end, step).astype(_dtype.to_numpy(dtype))
    return on_device(_finish(data, requires_grad), device)


def linspace(start, end, steps, *, dtype=None, requires_grad=False, device=None, **_):
    data = np.linspace(start, end, steps).astype(_dtype.to_numpy(dtype) or _dtype.DEFAULT[0])
    return on_device(_finish(data, requires_grad), device)


def eye(n, m=None, *, dtype=None, requires_grad=False, device=None, **_):
    if wants_meta(device):
        return meta((n, n if m is None else m), dtype or _dtype.get_default_dtype(),
                    requires_grad)
    return _finish(np.eye(n, m, dtype=_dtype.to_numpy(dtype) or _dtype.DEFAULT[0]), requires_grad)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input) -> int:
    return input.numel()
