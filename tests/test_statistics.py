"""Statistics (funcgrad/numpy/_statistics.py): values equal NumPy's, derivatives match finite
differences to second order in both modes, and the tie and NaN conventions of docs/conventions.md."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

RNG = np.random.default_rng(5)
V = RNG.standard_normal(7)
M = RNG.standard_normal((3, 4))
T = RNG.standard_normal((2, 3, 4))
NAN = M.copy()
NAN[0, 1] = NAN[2, 3] = NAN[2, 0] = np.nan
MISSING = np.isnan(NAN)


def _with_nans(x):
    """x with NaN at the fixed places (so finite differences never move them)."""
    return fnp.where(MISSING, np.nan, x) if not isinstance(x, np.ndarray) else np.where(MISSING, np.nan, x)


CASES = [
    ("ptp", lambda xp, x: xp.ptp(x, axis=1), M),
    ("ptp_all", lambda xp, x: xp.ptp(x), M),
    ("median", lambda xp, x: xp.median(x), V),
    ("median_even_axis", lambda xp, x: xp.median(x, axis=1, keepdims=True), M),
    ("median_axes", lambda xp, x: xp.median(x, axis=(0, 2)), T),
    ("quantile", lambda xp, x: xp.quantile(x, [0.1, 0.5, 0.93], axis=0), M),
    ("quantile_lower", lambda xp, x: xp.quantile(x, 0.3, axis=-1, method="lower"), M),
    ("quantile_higher", lambda xp, x: xp.quantile(x, 0.3, method="higher"), V),
    ("quantile_midpoint", lambda xp, x: xp.quantile(x, 0.4, axis=1, method="midpoint"), M),
    ("quantile_nearest", lambda xp, x: xp.quantile(x, [0.2, 0.75], method="nearest"), V),
    ("percentile", lambda xp, x: xp.percentile(x, [25.0, 80.0], axis=2, keepdims=True), T),
    ("partition", lambda xp, x: np.sort(xp.partition(x, 2, axis=1)[:, :2], axis=1) * 1 + xp.partition(x, 2, axis=1)[:, 2:3], M),
    ("cov", lambda xp, x: xp.cov(x), M),
    ("cov_rowvar_bias", lambda xp, x: xp.cov(x, rowvar=False, bias=True), M),
    ("cov_y_ddof", lambda xp, x: xp.cov(x, M[:2] * 2 + 1, ddof=0), M[1:]),
    ("cov_weights", lambda xp, x: xp.cov(x, fweights=[1, 2, 1, 3], aweights=[0.5, 1.0, 2.0, 1.0]), M),
    ("cov_1d", lambda xp, x: xp.cov(x), V),
    ("corrcoef", lambda xp, x: xp.corrcoef(x), M),
    ("corrcoef_y", lambda xp, x: xp.corrcoef(x, M[0] ** 2), M[1:]),
    ("nansum", lambda xp, x: xp.nansum(_with_nans(x), axis=0), M),
    ("nanmean", lambda xp, x: xp.nanmean(_with_nans(x), axis=1), M),
    ("nanprod", lambda xp, x: xp.nanprod(_with_nans(x), axis=1), M),
    ("nanmax", lambda xp, x: xp.nanmax(_with_nans(x), axis=0), M),
    ("nanmin", lambda xp, x: xp.nanmin(_with_nans(x)), M),
    ("nanvar", lambda xp, x: xp.nanvar(_with_nans(x), axis=1, ddof=1), M),
    ("nanstd", lambda xp, x: xp.nanstd(_with_nans(x), axis=0), M),
    ("nancumsum", lambda xp, x: xp.nancumsum(_with_nans(x), axis=1), M),
    ("nancumprod", lambda xp, x: xp.nancumprod(_with_nans(x)), M),
    ("nanmedian", lambda xp, x: xp.nanmedian(_with_nans(x), axis=1), M),
    ("nanquantile", lambda xp, x: xp.nanquantile(_with_nans(x), [0.3, 0.6], axis=0), M),
    ("nanpercentile", lambda xp, x: xp.nanpercentile(_with_nans(x), 70.0), M),
    ("unique", lambda xp, x: xp.unique(x * 0 + np.array([3.0, 1, 3, 2]) + x * 1e-3 * (x > 10)) * x[0], M[0]),
    ("union1d", lambda xp, x: xp.union1d(x, M[1]), M[0]),
    ("intersect1d", lambda xp, x: xp.intersect1d(x, x[::-2]), M[0]),
    ("setxor1d", lambda xp, x: xp.setxor1d(x, x[1:3]), M[0]),
    ("sort_complex", lambda xp, x: xp.real(xp.sort_complex(x)), V),
    ("histogram_weights", lambda xp, x: xp.histogram(V, 3, weights=x)[0], V),
    ("histogram_density", lambda xp, x: xp.histogram(V, 3, weights=x, density=True)[0], V ** 2),
]


@pytest.mark.parametrize("name, f, x", CASES, ids=[c[0] for c in CASES])
def test_values_and_derivatives(name, f, x):
    with np.errstate(all="ignore"):
        want = f(np, x)
    np.testing.assert_allclose(f(fnp, x), want, rtol=1e-12, atol=1e-12)
    fg.testing.check_grads(lambda x: f(fnp, x), (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name, f, x", CASES, ids=[c[0] for c in CASES])
def test_plain_numpy_dispatches(name, f, x):
    primal, tangent = fg.jvp(lambda x: f(np, x), (x,), (np.ones_like(x),))
    want_primal, want_tangent = fg.jvp(lambda x: f(fnp, x), (x,), (np.ones_like(x),))
    np.testing.assert_allclose(primal, want_primal, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tangent, want_tangent, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanprod", "nanmax", "nanmin", "nanvar",
                                  "nanstd", "nanmedian", "nanquantile", "nanpercentile"])
def test_nan_entries_get_zero_gradient(name):
    extra = {"nanquantile": (0.4,), "nanpercentile": (40.0,)}.get(name, ())
    g = fg.grad(lambda x: fnp.sum(getattr(fnp, name)(x, *extra)))(NAN)
    assert np.all(g[MISSING] == 0)
    assert np.all(np.isfinite(g))


def test_all_nan_slice_is_nan_with_zero_gradient():
    x = np.array([[np.nan, np.nan], [1.0, 2.0]])
    for name in ["nanmean", "nanmax", "nanmin", "nanmedian"]:
        out = getattr(fnp, name)(x, axis=1)
        assert np.isnan(out[0]) and np.isfinite(out[1]), name
        g = fg.grad(lambda x: getattr(fnp, name)(x, axis=1)[1])(x)
        np.testing.assert_allclose(g[0], 0.0, err_msg=name)


def test_median_ties_follow_the_stable_sort():
    # odd count: the middle slot is the first of the tied 2.0s (in their original order)
    np.testing.assert_allclose(fg.grad(fnp.median)(np.array([2.0, 1.0, 2.0])), [1.0, 0.0, 0.0])
    # even count: the two middle slots split the gradient, whichever entries fill them
    np.testing.assert_allclose(fg.grad(fnp.median)(np.array([2.0, 2.0, 1.0, 3.0])), [0.5, 0.5, 0.0, 0.0])
    # the gradient always sums to 1, as the median of x + c is median(x) + c
    g = fg.grad(lambda x: fnp.percentile(x, 37.0))(np.array([1.0, 1.0, 1.0, 0.0, 2.0]))
    np.testing.assert_allclose(np.sum(g), 1.0)


def test_quantile_is_differentiable_in_q():
    x = np.array([3.0, 1.0, 2.0, 5.0])
    # between sorted[1] = 2 and sorted[2] = 3 the quantile grows by (3 - 2) * (n - 1) per unit of q
    np.testing.assert_allclose(fg.grad(lambda q: fnp.quantile(x, q))(0.5), 3.0)


def test_partition_gradient_follows_the_permutation():
    x = np.array([4.0, 1.0, 3.0, 2.0])
    g = fg.grad(lambda x: fnp.partition(x, 1)[1])(x)
    np.testing.assert_allclose(g, [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(fnp.argpartition(x, 1)[1], 3)


def test_positions_and_counts():
    a = np.array([1.0, 2.0, 2.0, 4.0])
    v = np.array([[0.0, 2.0], [3.0, 5.0]])
    for side in ("left", "right"):
        np.testing.assert_array_equal(fnp.searchsorted(a, v, side=side), np.searchsorted(a, v, side=side))
    np.testing.assert_array_equal(fnp.searchsorted(a[::-1], 2.0, sorter=[3, 2, 1, 0]),
                                  np.searchsorted(a[::-1], 2.0, sorter=[3, 2, 1, 0]))
    np.testing.assert_array_equal(fnp.digitize(v, a, right=True), np.digitize(v, a, right=True))
    x = np.array([0, 2, 2, 5])
    np.testing.assert_array_equal(fnp.bincount(x, minlength=7), np.bincount(x, minlength=7))
    for name in ["nonzero", "flatnonzero", "argwhere"]:
        np.testing.assert_array_equal(getattr(fnp, name)(M > 0), getattr(np, name)(M > 0))
    np.testing.assert_array_equal(fnp.lexsort([V, V > 0]), np.lexsort([V, V > 0]))


def test_bincount_is_differentiable_in_the_weights():
    x = np.array([0, 2, 2, 5])
    w = np.array([0.5, 1.0, -2.0, 3.0])
    np.testing.assert_allclose(fnp.bincount(x, w), np.bincount(x, w))
    fg.testing.check_grads(lambda w: fnp.bincount(x, w, minlength=8), (w,), order=2)


def test_vmap_batches_the_nan_reductions_and_quantiles():
    batch = np.stack([NAN, NAN[::-1] * 2])
    for name, f in [("nanmean", lambda x: fnp.nanmean(x, axis=1)), ("nanmax", lambda x: fnp.nanmax(x)),
                    ("nanvar", lambda x: fnp.nanvar(x, axis=0)), ("median", lambda x: fnp.median(x, axis=1)),
                    ("quantile", lambda x: fnp.quantile(x, [0.2, 0.9])), ("ptp", lambda x: fnp.ptp(x, 0))]:
        with np.errstate(all="ignore"):
            want = np.stack([f(x) for x in batch])
        np.testing.assert_allclose(fg.vmap(f)(batch), want, err_msg=name)


@settings(max_examples=20, deadline=None)
@given(rows=st.integers(1, 4), cols=st.integers(1, 5), axis=st.sampled_from([None, 0, 1, -1]),
       q=st.lists(st.floats(0, 1), min_size=1, max_size=3),
       method=st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"]), seed=st.integers(0, 99))
def test_quantile_matches_numpy_for_any_shape(rows, cols, axis, q, method, seed):
    x = np.random.default_rng(seed).standard_normal((rows, cols)).round(1)  # rounding makes ties
    np.testing.assert_allclose(fnp.quantile(x, q, axis=axis, method=method),
                               np.quantile(x, q, axis=axis, method=method), rtol=1e-12, atol=1e-12)
    g = fg.grad(lambda x: fnp.sum(fnp.quantile(x, q, axis=axis, method=method)))(x)
    np.testing.assert_allclose(np.sum(g), len(q) * (cols if axis in (0,) else rows if axis in (1, -1) else 1))


def test_unique_values_take_their_first_occurrence():
    g = fg.grad(lambda a: fnp.sum(fnp.unique(a) * np.arange(4.0)))(np.array([3.0, 1.0, 3.0, 2.0, 1.0, 5.0]))
    np.testing.assert_allclose(g, [2.0, 0.0, 0.0, 1.0, 0.0, 3.0])
    np.testing.assert_array_equal(fnp.isin(M, M[0]), np.isin(M, M[0]))


@settings(max_examples=25, deadline=None)
@given(a=st.lists(st.integers(-3, 3), max_size=8), v=st.lists(st.integers(-4, 4), min_size=1, max_size=6),
       side=st.sampled_from(["left", "right"]))
def test_searchsorted_matches_numpy_with_ties(a, v, side):
    a, v = np.sort(np.array(a, float)), np.array(v, float)
    np.testing.assert_array_equal(fnp.searchsorted(a, v, side=side), np.searchsorted(a, v, side=side))
    np.testing.assert_array_equal(fg.vmap(lambda v: fnp.searchsorted(a, v, side=side))(v.reshape(-1, 1)),
                                  np.searchsorted(a, v, side=side).reshape(-1, 1))


COMPLEX = np.array([[1 + 2j, -0.5j, 3.0], [2 - 1j, 0.25, 1j]])


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_spread_of_complex_values_is_real_as_numpys(name, axis):
    # the mean of |z - mean|^2: z * z was used, which is complex and not a spread
    ours, numpys = getattr(fnp, name)(COMPLEX, axis=axis), getattr(np, name)(COMPLEX, axis=axis)
    assert np.asarray(ours).dtype == np.asarray(numpys).dtype == np.float64
    np.testing.assert_allclose(ours, numpys, rtol=1e-13)
    check_grads(lambda x, y: getattr(fnp, name)(x + 1j * y, axis=axis),
                (COMPLEX.real, COMPLEX.imag), order=2, modes=("fwd", "rev"))


def test_take_reads_boolean_indices_as_integers_as_numpy():
    x = np.arange(3.0)
    for indices in ([True, False], np.array([True, True, False])):
        np.testing.assert_array_equal(fnp.take(x, indices), np.take(x, indices))
    np.testing.assert_array_equal(fg.grad(lambda x: fnp.sum(fnp.take(x, [True, True])))(x),
                                  [0.0, 2.0, 0.0])


def test_cov_without_degrees_of_freedom_is_nan_with_numpys_warning():
    for x in (np.zeros((0,)), np.array([1.0])):
        with pytest.warns(RuntimeWarning, match="Degrees of freedom"), \
                np.errstate(invalid="ignore", divide="ignore"):
            assert np.isnan(fnp.cov(x))


def test_average_with_weights_of_another_shape_needs_an_axis():
    # found by pyright (None used as the axes): NumPy's TypeError, not "NoneType is not iterable"
    x, w = np.ones((2, 3)), np.array([1.0, 2.0, 3.0])
    for a in (x, fnp.asarray(x)):
        with pytest.raises(TypeError, match="axis must be specified"):
            fnp.average(a, weights=w)
    with pytest.raises(TypeError, match="axis must be specified"):
        fg.grad(lambda a: fnp.average(a, weights=w).sum())(x)
    assert np.allclose(fg.grad(lambda a: fnp.average(a, axis=1, weights=w).sum())(x),
                       np.broadcast_to(w / w.sum(), x.shape))
