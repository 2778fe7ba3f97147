"""funcgrad.numpy as a user meets it: NumPy's signatures, values and derivatives."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads


def test_prod_gradient_is_exact_with_one_and_with_two_zeros():
    assert np.array_equal(fg.grad(fnp.prod)(np.array([2.0, 0.0, 3.0])), [0.0, 6.0, 0.0])
    assert np.array_equal(fg.grad(fnp.prod)(np.array([0.0, 0.0, 3.0])), [0.0, 0.0, 0.0])
    # the second derivative is exact too: d2/dx0 dx1 prod(0, 0, 3) = 0 * 3 = 0, d2/dx0 dx2 = 0
    h = fg.hessian(fnp.prod)(np.array([0.0, 2.0, 3.0]))
    np.testing.assert_array_equal(h, [[0.0, 3.0, 2.0], [3.0, 0.0, 0.0], [2.0, 0.0, 0.0]])


def test_cumprod_gradient_at_zeros_matches_finite_differences():
    check_grads(lambda x: fnp.cumprod(x, axis=1), (np.array([[0.0, 2.0, 0.0], [1.5, 0.0, -2.0]]),))


def test_cumsum_gradient_is_the_reversed_cumulative_sum():
    g = fg.grad(lambda x: fnp.sum(fnp.cumsum(x) * np.array([1.0, 2.0, 3.0])))(np.zeros(3))
    np.testing.assert_array_equal(g, [6.0, 5.0, 3.0])


def test_repeated_integer_indices_sum_their_cotangents():
    g = fg.grad(lambda x: fnp.sum(x[np.array([0, 0, 2, 0])]))(np.zeros(3))
    np.testing.assert_array_equal(g, [3.0, 0.0, 1.0])


def test_boolean_mask_indexing_and_its_gradient():
    x = np.array([-1.0, 2.0, -3.0, 4.0])
    assert fg.grad(lambda x: fnp.sum(x[x > 0] ** 2))(x).tolist() == [0.0, 4.0, 0.0, 8.0]


def test_indexing_with_slices_none_ellipsis_and_arrays_matches_numpy():
    x = np.arange(24.0).reshape(2, 3, 4)
    for index in [(Ellipsis, None, 1), (slice(None, None, -1), 0), (0, np.array([2, 0]), slice(1, 3)),
                  (np.array([1, 0]), slice(None), np.array([3, 3])), (x[..., 0] > 5,)]:
        np.testing.assert_array_equal(fnp.getitem(x, index), x[index])
        check_grads(lambda x: x[index], (x,), order=1)


def test_sort_gradient_follows_the_permutation():
    x = np.array([3.0, 1.0, 2.0])
    jac = fg.jacrev(fnp.sort)(x)
    np.testing.assert_array_equal(jac, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(fnp.argsort(x), [1, 2, 0])


def test_einsum_general_forms():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((2, 3, 4))
    for spec, ops in [("ii", (a,)), ("ii->i", (a,)), ("ij,jk", (a, a)), ("...jk->...k", (b,)),
                      ("bij,i->bj", (b, np.ones(3))), ("ij,ij->", (a, a)), ("i,j->ij", (a[0], a[1]))]:
        np.testing.assert_allclose(fnp.einsum(spec, *ops), np.einsum(spec, *ops), rtol=1e-12)
        check_grads(lambda *o: fnp.einsum(spec, *o), ops, order=2)


def test_dot_tensordot_inner_outer_match_numpy():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4, 2))
    np.testing.assert_allclose(fnp.dot(a, b), np.dot(a, b))
    np.testing.assert_allclose(fnp.tensordot(a, b, axes=([2], [1])), np.tensordot(a, b, ([2], [1])))
    np.testing.assert_allclose(fnp.inner(a, b[:, :, 0]), np.inner(a, b[:, :, 0]))
    np.testing.assert_allclose(fnp.outer(a[0, 0], b[0, 0]), np.outer(a[0, 0], b[0, 0]))


def test_array_and_asarray_accept_tracers_and_lists_of_tracers():
    def f(x):
        m = fnp.array([[x[0], x[1]], [x[1] * 2.0, 1.0]])
        assert fnp.asarray(x) is x
        return fnp.sum(m ** 2)
    np.testing.assert_allclose(fg.grad(f)(np.array([1.0, 2.0])), [2.0, 4.0 + 16.0])


def test_creation_functions_return_plain_arrays():
    x = np.ones((2, 3), np.float32)
    seen = {}

    def f(x):
        seen["zeros_like"] = fnp.zeros_like(x)
        seen["full_like"] = fnp.full_like(x, 7.0)
        seen["shape"] = (fnp.shape(x), fnp.ndim(x), fnp.size(x))
        return fnp.sum(x)
    fg.grad(f)(x)
    assert type(seen["zeros_like"]) is np.ndarray and seen["zeros_like"].dtype == np.float32
    assert seen["full_like"].tolist() == [[7.0] * 3] * 2
    assert seen["shape"] == ((2, 3), 2, 6)
    assert fnp.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]] and fnp.arange(3).tolist() == [0, 1, 2]
    assert fnp.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0] and fnp.zeros(2).shape == (2,)


def test_var_and_std_with_ddof_and_dtype():
    x = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 3.0]], np.float32)
    np.testing.assert_allclose(fnp.var(x, axis=1, ddof=1), np.var(x, axis=1, ddof=1), rtol=1e-6)
    assert fnp.std(x, dtype=np.float64).dtype == np.float64
    check_grads(lambda x: fnp.std(x, axis=0, ddof=1), (x.astype(np.float64),))


def test_tracer_methods():
    def f(x):
        assert x.argmax() == 3 and x.reshape(2, 3).argmin(axis=0).shape == (3,)
        assert bool(x.any()) and not bool((x > 100).all())
        y = x.reshape(2, 3).swapaxes(0, 1).flatten()
        return (x.prod() + x.cumsum()[-1] + x.cumprod(axis=0)[-1] + y[0] + x.reshape(2, 3).trace()
                + x.reshape(2, 3).diagonal().sum() + x.squeeze().sum() + x.ravel().mean())
    x = np.array([1.0, 2.0, 0.5, 3.0, 1.5, 2.5])
    check_grads(f, (x,), order=1)


def test_shape_functions_match_numpy():
    x = np.arange(12.0).reshape(3, 4)
    cases = [(fnp.squeeze, np.squeeze, (x[None],)), (fnp.flip, np.flip, (x,)),
             (lambda a: fnp.tile(a, (2, 1, 2)), lambda a: np.tile(a, (2, 1, 2)), (x,)),
             (lambda a: fnp.repeat(a, [1, 0, 2], axis=0), lambda a: np.repeat(a, [1, 0, 2], axis=0), (x,)),
             (lambda a: fnp.hstack([a, a]), lambda a: np.hstack([a, a]), (x,)),
             (lambda a: fnp.vstack([a[0], a[1]]), lambda a: np.vstack([a[0], a[1]]), (x,)),
             (lambda a: fnp.array_split(a, 3, axis=1)[2], lambda a: np.array_split(a, 3, axis=1)[2], (x,)),
             (lambda a: fnp.roll(a, -1, axis=1), lambda a: np.roll(a, -1, axis=1), (x,)),
             (lambda a: fnp.tril(a, -1), lambda a: np.tril(a, -1), (x,)),
             (lambda a: fnp.triu(a, 1), lambda a: np.triu(a, 1), (x,)),
             (fnp.diag, np.diag, (x[0],)), (lambda a: fnp.diag(a, 1), lambda a: np.diag(a, 1), (x,)),
             (lambda a: fnp.trace(a, 1), lambda a: np.trace(a, 1), (x,)),
             (lambda a: fnp.take(a, [2, 0], axis=1), lambda a: np.take(a, [2, 0], axis=1), (x,))]
    for ours, theirs, args in cases:
        np.testing.assert_array_equal(ours(*args), theirs(*args))
        check_grads(ours, args, order=1)


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_argmax_and_argmin_match_numpy(axis):
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    np.testing.assert_array_equal(fnp.argmax(x, axis=axis), np.argmax(x, axis=axis))
    np.testing.assert_array_equal(fnp.argmin(x, axis=axis, keepdims=True),
                                  np.argmin(x, axis=axis, keepdims=True))


def test_nan_reductions_of_integers_are_the_plain_ones_as_numpys():
    # the NaN fill (-inf) overflowed for integers: OverflowError from nanmax of an int array
    ints, bools = np.array([1, -2, 3]), np.array([True, False])
    for name in ("nanmax", "nanmin", "nanargmax", "nanargmin"):
        for a in (ints, bools):
            ours, numpys = getattr(fnp, name)(a), getattr(np, name)(a)
            assert ours == numpys and np.asarray(ours).dtype == np.asarray(numpys).dtype, name


def test_comparisons_of_boolean_arrays_as_numpys():
    a, b = np.array([True, False]), np.array([True, True])
    np.testing.assert_array_equal(fnp.isclose(a, b), np.isclose(a, b))
    for name in ("allclose", "array_equal", "array_equiv"):
        assert getattr(fnp, name)(a, b) is bool(getattr(np, name)(a, b)), name
        assert getattr(fnp, name)(a, a) is True, name
    assert fnp.array_equal([1.0, np.nan], [1.0, np.nan], equal_nan=True)
    assert not fnp.array_equal([1.0, np.nan], [1.0, np.nan])


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_triangles_of_a_vector_are_squares_as_numpys(name):
    v = np.array([1.0, 2.0, 3.0])
    for k in (-1, 0, 1):
        np.testing.assert_array_equal(getattr(fnp, name)(v, k), getattr(np, name)(v, k))
    mask = getattr(np, name)(np.ones((3, 3)))
    np.testing.assert_array_equal(fg.grad(lambda v: fnp.sum(getattr(fnp, name)(v)))(v),
                                  mask.sum(axis=0))


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast_takes_several_arrays_as_numpys(name):
    ours, numpys = getattr(fnp, name)(1.0, [2.0, 3.0]), getattr(np, name)(1.0, [2.0, 3.0])
    assert type(ours) is tuple and len(ours) == 2
    for o, n in zip(ours, numpys):
        np.testing.assert_array_equal(o, n)
    assert fg.grad(lambda x: fnp.sum(getattr(fnp, name)(x, 2 * x)[1]))(1.0) == 2.0


@pytest.mark.parametrize("name", ["ascontiguousarray", "asfortranarray", "cumulative_sum",
                                  "cumulative_prod"])
def test_functions_taking_a_0d_array_as_one_entry_do_so_traced(name):
    x = np.array(0.4)
    expected = np.array([0.4])  # one entry; NumPy's own answer where this NumPy has the function
    if hasattr(np, name):  # (cumulative_sum/prod are NumPy 2.1's)
        np.testing.assert_array_equal(getattr(np, name)(x), expected)
    for transformed in (fg.jit(getattr(fnp, name)), lambda y: fg.vjp(getattr(fnp, name), y)[0]):
        out = transformed(x)
        assert np.shape(out) == expected.shape == (1,)
        np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(fg.jacrev(getattr(fnp, name))(x), [1.0])


def test_histogram_bin_edges_under_vmap_refuses_instead_of_reading_the_whole_batch():
    from funcgrad.transforms.vmap import BatchedConversionError
    batch = np.random.default_rng(0).normal(size=(3, 8))
    for bins in (5, "auto"):  # the range (and 'auto''s count) differ per example
        with pytest.raises(BatchedConversionError):
            fg.vmap(lambda v: fnp.histogram_bin_edges(v, bins))(batch)
        np.testing.assert_allclose(fnp.histogram_bin_edges(batch[0], bins),
                                   np.histogram_bin_edges(batch[0], bins))
