"""Complex numbers: real and imaginary parts, conjugate, angle, and building complex tensors,
each one registry primitive (or composite) with PyTorch's node name."""
from __future__ import annotations

import funcgrad.numpy as fnp
from funcgrad.core.primitive import registry
from funcgrad.torch._composite import composite
from funcgrad.torch._math import _renamed
from funcgrad.torch.tensor import apply


def real(input):
    if input._data.dtype.kind != "c":
        return input
    return apply(registry["real"], (input,), {}, "RealBackward0")


def imag(input):
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(registry["imag"], (input,), {}, "ImagBackward0")


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


def view_as_real(input):
    from funcgrad.torch._ops import stack
    return _renamed(stack([real(input), imag(input)], -1), "ViewAsRealBackward0")


def view_as_complex(input):
    return complex(input[..., 0], input[..., 1])
