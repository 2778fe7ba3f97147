"""add_along_axis adds through one flat index when updates and indices match the output off
the axis: the same values as numpy.add.at with the index tuple (repeats accumulate in the same
order), negative indices counted from the end, and IndexError for indices out of range."""
from __future__ import annotations

import numpy as np
import pytest

from funcgrad.primitives.indexing import _add_along_impl, along_axis_index


def _reference(updates, indices, axis, shape):
    out = np.zeros(shape, dtype=np.result_type(updates))
    np.add.at(out, along_axis_index(indices, axis, shape), updates)
    return out


@pytest.mark.parametrize("shape, axis, k", [((4, 3, 10), 2, 6), ((5, 7), 0, 9), ((2, 8, 3), 1, 8),
                                            ((6,), 0, 20), ((3, 1, 4), 1, 5)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_flat_index_adds_as_the_index_tuple(shape, axis, k, dtype):
    rng = np.random.default_rng(k)
    n = shape[axis]
    idx_shape = shape[:axis] + (k,) + shape[axis + 1:]
    indices = rng.integers(-n, n, idx_shape)  # repeats and negative indices
    updates = (rng.standard_normal(idx_shape) * 1e3).astype(dtype)
    got = _add_along_impl(updates, indices, axis, shape)
    expected = _reference(updates, indices, axis, shape)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)  # the same adds in the same order: same bits


def test_out_of_range_and_broadcast_indices_take_the_index_tuple():
    with pytest.raises(IndexError):
        _add_along_impl(np.ones((2, 3)), np.array([[0, 1, 3], [0, 0, 0]]), 1, (2, 3))
    updates, indices = np.ones((2, 3)), np.array([[0, 1, 1]])  # indices broadcast over rows
    np.testing.assert_array_equal(_add_along_impl(updates, indices, 1, (2, 3)),
                                  _reference(updates, indices, 1, (2, 3)))
