"""Implementations that take a faster NumPy route than the obvious call give NumPy's values:
sums over a short last axis (added slice by slice), gathers x[:, idx] (numpy.take), index_add
on a broadcast array, concatenate's joint forward rule, and batch axes kept last by vmap."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.primitives.indexing import _getitem_impl, _index_add_impl
from funcgrad.primitives.reductions import _sum_impl, short_last_axis


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.longdouble, np.complex128,
                                   np.float16, np.int64])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 8])
def test_sum_over_a_short_last_axis_has_numpys_bits(dtype, n):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal((500, n)) * 3).astype(dtype)
    strided = np.ascontiguousarray(np.moveaxis(np.stack([x, x]), 0, -1))[..., 0]  # not C order
    for a in (x, strided, x[::-1]):
        for keepdims in (False, True):
            got, want = _sum_impl(a, (1,), keepdims), np.add.reduce(a, axis=(1,), keepdims=keepdims)
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)


def test_short_last_axis_only_for_many_rows_of_real_floats():
    f64 = np.dtype(np.float64)
    assert short_last_axis((1000, 3), f64, (1,))
    assert not short_last_axis((1000, 3), f64, (0,))          # not the last axis
    assert not short_last_axis((10, 3), f64, (1,))            # too few rows to pay off
    assert not short_last_axis((1000, 8), f64, (1,))          # NumPy pairs 8 or more terms
    assert not short_last_axis((1000, 3), np.dtype(np.complex128), (1,))


@pytest.mark.parametrize("index", [(np.array([2, 0, 2, 1]),), (slice(None), np.array([[1], [0]])),
                                   (slice(None), slice(None), np.array([-1, 0]))])
def test_gather_by_take_equals_fancy_indexing_and_is_c_contiguous(index):
    x = np.arange(60.0).reshape(3, 4, 5).transpose(1, 2, 0)  # a transposed view
    got = _getitem_impl(x, index)
    np.testing.assert_array_equal(got, x[index])
    assert got.flags.c_contiguous
    with pytest.raises(IndexError):
        _getitem_impl(x, (slice(None), np.array([9])))


def test_index_add_into_a_broadcast_array():
    x = np.broadcast_to(np.arange(3.0), (4, 3))
    updates = np.ones((4, 2))
    got = _index_add_impl(x, (slice(None), slice(0, 2)), updates)
    want = np.array(x)
    want[:, 0:2] += 1
    np.testing.assert_array_equal(got, want)
    assert got.flags.writeable and not np.shares_memory(got, x)


def test_concatenate_forward_mode_with_constant_inputs():
    def f(x):
        return fnp.concatenate([x, np.full(2, 5.0), 2 * x])
    x = np.array([1.0, 2.0])
    value, tangent = fg.jvp(f, (x,), (np.array([1.0, -1.0]),))
    np.testing.assert_array_equal(value, [1, 2, 5, 5, 2, 4])
    np.testing.assert_array_equal(tangent, [1, -1, 0, 0, 2, -2])
    np.testing.assert_array_equal(fg.jacfwd(f)(x), fg.jacrev(f)(x))


def test_gather_of_small_rows_under_vmap_keeps_the_batch_last():
    rng = np.random.default_rng(0)
    table = rng.standard_normal((5, 20, 3))                  # batch of 5 tables of 20 rows
    idx = rng.integers(0, 20, 50)

    def f(t):
        return fnp.reshape(t[idx] * 2.0, (-1,))
    got = fg.vmap(f)(table)
    np.testing.assert_array_equal(got, np.stack([f(t) for t in table]))
    np.testing.assert_array_equal(fg.vmap(f, out_axes=1)(table), got.T)
    jac = fg.jacfwd(lambda t: f(t).sum() * f(t))(table[0])
    np.testing.assert_allclose(jac, fg.jacrev(lambda t: f(t).sum() * f(t))(table[0]), rtol=1e-12)


def test_matmul_of_a_matrix_by_a_batch_whose_axis_is_last():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2, 6))  # 6 examples, last
    got = fg.vmap(lambda m: a @ m, in_axes=2)(b)
    np.testing.assert_allclose(got, np.stack([a @ b[..., i] for i in range(6)]), rtol=1e-12)
