"""PyTorch's result types with complex operands (an integer with complex64 stays complex64,
x + 1j is complex64, a zero-dimensional float64 does not widen complex64) and clamp of an
integer tensor by a float bound (a float result: the bound was truncated, silently). Against
PyTorch, every pair of 11 dtypes in four arrangements."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]
ARRANGEMENTS = {
    "both dimensioned": lambda T, A, B: T.ones(2, dtype=A) + T.ones(2, dtype=B),
    "a 0-d second": lambda T, A, B: T.ones(2, dtype=A) * T.ones((), dtype=B),
    "both 0-d": lambda T, A, B: T.ones((), dtype=A) * T.ones((), dtype=B),
    "where": lambda T, A, B: T.where(T.ones(2, dtype=T.bool), T.ones(2, dtype=A),
                                     T.ones((), dtype=B)),
}


@pytest.mark.parametrize("arrangement", ARRANGEMENTS)
@pytest.mark.parametrize("first", DTYPES)
def test_result_types_match_pytorch(first, arrangement):
    make = ARRANGEMENTS[arrangement]
    for second in DTYPES:
        if "float16" in (first, second) and "complex" in first + second \
                and str(make(torch, getattr(torch, first), getattr(torch, second)).dtype) \
                == "torch.complex32":
            continue  # NumPy has no complex32 (documented in docs/torch.md)
        ours = make(ft, getattr(ft, first), getattr(ft, second))
        theirs = make(torch, getattr(torch, first), getattr(torch, second))
        assert str(ours.dtype) == str(theirs.dtype), (first, second)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64", "float32", "float64"])
def test_python_complex_scalars(dtype):
    for scalar in (True, 2, 2.5, 1j):
        ours = ft.ones(2, dtype=getattr(ft, dtype)) + scalar
        theirs = torch.ones(2, dtype=getattr(torch, dtype)) + scalar
        assert str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def _clamps(T):
    x = T.tensor([0, 1, 2])
    return (T.clamp(x, 0.5), T.clamp(x, max=1.5), x.clamp(min=0.5, max=1.5), x.clip(0.5),
            T.clamp(x, 0, 1), T.clamp(T.tensor([True, False]), 0, 3),
            T.clamp(x, T.tensor(0.5)))


def test_clamp_of_integers_by_float_bounds_is_float():
    for ours, theirs in zip(_clamps(ft), _clamps(torch)):
        assert str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for T in (ft, torch):
        with pytest.raises(RuntimeError, match="can't be cast"):
            T.tensor([0, 1, 2]).clamp_(0.5)
