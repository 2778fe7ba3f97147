"""Edge values where funcgrad.torch followed NumPy instead of PyTorch: sign of NaN is 0, and
F.pad with negative widths cuts the input (it raised)."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")


def _signs(T):
    x = T.tensor([-0.0, 0.0, 2.0, float("nan"), -3.0])
    return T.sign(x), T.sgn(x), x.sign(), T.sign(T.tensor([-2, 0, 3]))


def test_sign_of_nan_is_zero_as_pytorch():
    for ours, theirs in zip(_signs(ft), _signs(torch)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype) == str(theirs.dtype)


def _negative_pads(T):
    x = T.arange(12.0).view(3, 4).requires_grad_()
    y = T.nn.functional.pad(x, (1, -2, -1, -1), value=3.0)
    z = T.nn.functional.pad(x, (-1, 2))
    ((y * T.arange(3.0)).sum() + (z * T.arange(5.0)).sum()).backward()
    return y, z, x.grad, z.grad_fn.name()


def test_negative_padding_cuts_as_pytorch():
    ours, theirs = _negative_pads(ft), _negative_pads(torch)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert ours[3] == theirs[3]
    with pytest.raises(RuntimeError, match="negative output size"):
        ft.nn.functional.pad(ft.arange(4.0).view(1, 4), (-3, -2))
