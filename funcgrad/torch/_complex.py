"""Complex numbers: real and imaginary parts, conjugate, angle, and building complex tensors,
each one registry primitive (or composite) with PyTorch's node name."""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.core.primitive import registry
from funcgrad.torch._composite import composite
from funcgrad.torch._views import ViewFunction
from funcgrad.torch.tensor import apply


def real(input):
    """The real part: a view of a complex tensor (writing it changes the tensor), as PyTorch."""
    if input._data.dtype.kind != "c":
        return input
    return apply(registry["real"], (input,), {}, "RealBackward0", view_of=input)


def imag(input):
    """The imaginary part: a view of a complex tensor, as PyTorch."""
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(registry["imag"], (input,), {}, "ImagBackward0", view_of=input)


def conj(input):
    if input._data.dtype.kind != "c":
        return input
    return apply(registry["conjugate"], (input,), {}, "ConjBackward0")


def angle(input):
    return composite("AngleBackward0", lambda x: fnp.angle(x), input)


def complex(real, imag):  # noqa: A001 - PyTorch's name
    return apply(registry["complex"], (real, imag), {}, "ComplexBackward0")


def polar(abs, angle):  # noqa: A002
    from funcgrad.torch._ops import cos, sin
    return complex(abs * cos(angle), abs * sin(angle))


def _as_real_view(x):
    return x[..., None].view(x.real.dtype)  # (..., 1) complex -> (..., 2) real, same memory


def _as_complex_view(x):
    return x.view(np.result_type(x.dtype, np.complex64))[..., 0]


_view_as_real = ViewFunction(
    "ViewAsRealBackward0", lambda x: fnp.stack([fnp.real(x), fnp.imag(x)], -1), _as_real_view,
    embed=lambda parent, value: view_as_complex(value))
_view_as_complex = ViewFunction(
    "ViewAsComplexBackward0", lambda x: registry["complex"].bind(x[..., 0], x[..., 1]),
    _as_complex_view, embed=lambda parent, value: view_as_real(value))


def view_as_real(input):
    """A complex tensor's (real, imaginary) pairs as a last axis of 2: a view, as PyTorch."""
    if input._data.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return _view_as_real(input)


def view_as_complex(input):
    """A float tensor whose last axis is 2 (real, imaginary) seen as complex: a view."""
    if input._data.dtype not in (np.float32, np.float64):
        raise RuntimeError("view_as_complex is only supported for float and double tensors, but "
                           f"got a tensor of scalar type: {input.dtype}")
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    data = input._data
    if isinstance(data, np.ndarray) and data.strides[-1] != data.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    return _view_as_complex(input)
