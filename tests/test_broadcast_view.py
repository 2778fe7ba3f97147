"""broadcast_to's implementation makes the view from strides for C-contiguous arrays: the
same values, shape, dtype, strides and read-only flag as numpy.broadcast_to, sharing memory,
and NumPy's error for shapes that do not broadcast."""
from __future__ import annotations

import numpy as np
import pytest

from funcgrad.primitives.shape import _broadcast_to_impl

_CASES = [((), (2000,)), ((), ()), ((1,), (3,)), ((3,), (2, 3)), ((2, 1), (2, 5)),
          ((1, 1), (4, 1, 3)), ((1, 3), (0, 3)), ((2, 3), (2, 3)), ((0,), (0,)),
          ((1,), (2, 0, 1))]


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_, np.complex64, object])
@pytest.mark.parametrize("have, want", _CASES)
def test_view_is_numpys(have, want, dtype):
    x = np.asarray(np.random.default_rng(0).standard_normal(have)).astype(dtype)
    got, expected = _broadcast_to_impl(x, want), np.broadcast_to(x, want)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert got.strides == expected.strides and not got.flags.writeable
    np.testing.assert_array_equal(got, expected)
    assert got.size == 0 or np.shares_memory(got, x)


def test_views_of_views_and_refusals():
    x = np.arange(6.0).reshape(2, 3)[:, ::2]  # not contiguous: NumPy's function
    np.testing.assert_array_equal(_broadcast_to_impl(x, (4, 2, 2)), np.broadcast_to(x, (4, 2, 2)))
    row = np.broadcast_to(np.ones(3), (2, 3))[:1]  # read-only
    np.testing.assert_array_equal(_broadcast_to_impl(row, (5, 3)), np.broadcast_to(row, (5, 3)))
    for have, want in [((2,), (3,)), ((3,), (1,)), ((2, 3), (3,))]:
        with pytest.raises(ValueError):
            _broadcast_to_impl(np.ones(have), want)
