"""funcgrad.scipy.stats against scipy.stats: values at the same arguments (same signatures), and
derivatives in every float parameter by check_grads (forward and reverse, second order)."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.scipy.stats as fst
from funcgrad.errors import MissingRuleError
from funcgrad.testing import check_grads

stats = pytest.importorskip("scipy.stats")

X = np.array([0.3, 1.1, 2.4])
UNIT = np.array([0.15, 0.5, 0.8])
COUNTS = np.array([0.0, 1.0, 3.0, 6.0])

# (distribution, function, points, float parameters (differentiated), parameters held fixed)
CONTINUOUS = [
    ("norm", f, X, (0.4, 1.7), {}) for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
] + [
    ("expon", f, X, (0.1, 1.7), {}) for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
] + [
    ("laplace", f, X, (0.2, 1.3), {}) for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
] + [
    ("cauchy", f, X, (0.2, 1.3), {}) for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
] + [
    ("t", f, X, (3.5, 0.2, 1.3), {}) for f in ("logpdf", "pdf")
] + [
    ("gamma", f, X, (2.5, 0.1, 1.3), {}) for f in ("logpdf", "pdf")
] + [
    ("beta", f, UNIT, (2.5, 1.7, 0.0, 1.0), {}) for f in ("logpdf", "pdf")
]
# CDFs whose shape parameter is held fixed (their derivative in it raises MissingRuleError)
SHAPED_CDFS = [
    ("t", f, X, (0.2, 1.3), {"df": 3.5}) for f in ("cdf", "sf", "logcdf", "logsf")
] + [
    ("gamma", f, X, (0.1, 1.3), {"a": 2.5}) for f in ("cdf", "sf", "logcdf", "logsf")
] + [
    ("beta", f, UNIT, (0.0, 1.0), {"a": 2.5, "b": 1.7}) for f in ("cdf", "sf", "logcdf", "logsf")
]
SHAPE_FIRST = {"t": ("df",), "gamma": ("a",), "beta": ("a", "b")}


def _call(module, name, function, x, params, fixed):
    shapes = [fixed[p] for p in SHAPE_FIRST.get(name, ()) if p in fixed]
    return getattr(module, function)(x, *shapes, *params)


@pytest.mark.parametrize("name,function,x,params,fixed", CONTINUOUS + SHAPED_CDFS,
                         ids=lambda v: v if isinstance(v, str) else "")
def test_continuous_values_and_derivatives(name, function, x, params, fixed):
    ours, theirs = getattr(fst, name), getattr(stats, name)
    np.testing.assert_allclose(_call(ours, name, function, x, params, fixed),
                               _call(theirs, name, function, x, params, fixed), rtol=1e-10, atol=1e-12)

    def f(x, *params):
        return _call(ours, name, function, x, params, fixed)
    check_grads(f, (x,) + tuple(np.float64(p) for p in params), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name,function", [("t", "cdf"), ("gamma", "cdf"), ("beta", "cdf")])
def test_cdf_derivative_in_a_shape_parameter_raises(name, function):
    fixed = {"t": (X, 3.5), "gamma": (X, 2.5), "beta": (UNIT, 2.5, 1.7)}[name]
    with pytest.raises(MissingRuleError, match="parameter"):
        fg.grad(lambda s: fnp.sum(getattr(getattr(fst, name), function)(fixed[0], s, *fixed[2:])))(fixed[1])


def test_outside_the_support():
    np.testing.assert_array_equal(fst.expon.logpdf(np.array([-1.0, 0.5])), stats.expon.logpdf([-1.0, 0.5]))
    np.testing.assert_array_equal(fst.gamma.logpdf(np.array([-1.0]), 2.0), stats.gamma.logpdf([-1.0], 2.0))
    np.testing.assert_array_equal(fst.beta.logpdf(np.array([-0.5, 1.5]), 2.0, 3.0),
                                  stats.beta.logpdf([-0.5, 1.5], 2.0, 3.0))
    g = fg.grad(lambda x: fnp.sum(fst.expon.logpdf(x)))(np.array([-1.0, 0.5]))
    assert g.tolist() == [0.0, -1.0]  # no NaN from the masked branch


DISCRETE = [("poisson", f, COUNTS, (2.3,)) for f in ("logpmf", "pmf", "cdf", "sf", "logcdf", "logsf")] + \
    [("bernoulli", f, np.array([0.0, 1.0]), (0.3,)) for f in ("logpmf", "pmf", "cdf", "sf")]


@pytest.mark.parametrize("name,function,k,params", DISCRETE, ids=lambda v: v if isinstance(v, str) else "")
def test_discrete_values_and_derivatives(name, function, k, params):
    ours, theirs = getattr(getattr(fst, name), function), getattr(getattr(stats, name), function)
    np.testing.assert_allclose(ours(k, *params), theirs(k, *params), rtol=1e-10, atol=1e-14)
    check_grads(lambda *p: ours(k, *p), tuple(np.float64(p) for p in params), order=2)


def test_discrete_outside_the_support():
    k = np.array([-1.0, 0.5, 2.0])
    np.testing.assert_array_equal(fst.poisson.logpmf(k, 2.0), stats.poisson.logpmf(k, 2.0))
    np.testing.assert_array_equal(fst.bernoulli.logpmf(k, 0.3), stats.bernoulli.logpmf(k, 0.3))
    np.testing.assert_allclose(fst.poisson.cdf(np.array([-1.0, 2.5]), 2.0), stats.poisson.cdf([-1.0, 2.5], 2.0))
    # d/dmu cdf(k) = -pmf(floor(k))
    assert fg.grad(lambda mu: fst.poisson.cdf(2.5, mu))(2.0) == pytest.approx(-stats.poisson.pmf(2, 2.0))


def test_dirichlet():
    alpha = np.array([1.5, 2.0, 3.0])
    x = np.array([[0.2, 0.5], [0.3, 0.25], [0.5, 0.25]])  # components along the first axis
    for f in ("logpdf", "pdf"):
        np.testing.assert_allclose(getattr(fst.dirichlet, f)(x, alpha), getattr(stats.dirichlet, f)(x, alpha))
        np.testing.assert_allclose(getattr(fst.dirichlet, f)(x[:, 0], alpha),
                                   getattr(stats.dirichlet, f)(x[:, 0], alpha))
    np.testing.assert_allclose(fst.dirichlet.logpdf(x[:2], alpha), stats.dirichlet.logpdf(x[:2], alpha))
    check_grads(lambda a: fst.dirichlet.logpdf(x, a), (alpha,), order=2)
    check_grads(lambda v: fst.dirichlet.logpdf(v, alpha), (x[:2],), order=2)


def test_multivariate_normal():
    rng = np.random.default_rng(0)
    root = rng.standard_normal((3, 3))
    cov = root @ root.T + 3 * np.eye(3)
    mean = np.array([0.1, -0.2, 0.3])
    points = rng.standard_normal((4, 3))
    for f in ("logpdf", "pdf"):
        for x in (points, points[0]):
            np.testing.assert_allclose(getattr(fst.multivariate_normal, f)(x, mean, cov),
                                       getattr(stats.multivariate_normal, f)(x, mean, cov), rtol=1e-10)
    for c in (2.0, np.array([1.0, 2.0, 3.0])):  # scalar and diagonal covariances
        np.testing.assert_allclose(fst.multivariate_normal.logpdf(points, mean, c),
                                   stats.multivariate_normal.logpdf(points, mean, c), rtol=1e-10)
    one_d = np.array([0.3, 1.0, -0.5])  # k = 1: each entry is a point
    np.testing.assert_allclose(fst.multivariate_normal.logpdf(one_d, 0.5, 2.0),
                               stats.multivariate_normal.logpdf(one_d, 0.5, 2.0))
    check_grads(lambda x, m, c: fst.multivariate_normal.logpdf(x, m, c), (points, mean, cov), order=2)
    assert fst.multivariate_normal.logpdf(points[0], mean, cov).shape == ()


@pytest.mark.parametrize("name", ["cauchy", "expon", "norm"])
def test_ppf_outside_and_at_the_ends_of_0_1_is_scipys(name):
    # cauchy's gave finite values for q outside [0, 1] and +-1.6e16 at 0 and 1, expon's a finite
    # value for q < 0
    q = np.array([-0.1, 0.0, 0.3, 0.5, 1.0, 1.1])
    with np.errstate(all="ignore"):
        ours = getattr(fst, name).ppf(q, 0.5, 2.0)
        theirs = getattr(stats, name).ppf(q, 0.5, 2.0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    step = 1e-6
    slope = (getattr(stats, name).ppf(0.3 + step, 0.5, 2.0)
             - getattr(stats, name).ppf(0.3 - step, 0.5, 2.0)) / (2 * step)
    assert fg.grad(lambda p: getattr(fst, name).ppf(p, 0.5, 2.0))(0.3) == pytest.approx(slope, rel=1e-6)


@pytest.mark.parametrize("name, args, points", [
    ("poisson", (2.5,), [-1.0, 0.0, 3.0, 10.0, 20.0, 40.0]),
    ("beta", (2.0, 3.0), [0.1, 0.5, 0.9, 0.999999, 1 - 1e-12]),
    ("cauchy", (), [-1e12, -1e8, -3.0, 0.0, 2.0, 1e8, 1e12])])
def test_tails_keep_their_digits_as_scipys(name, args, points):
    # sf was 1 - cdf (poisson's sf(40) was 0, not 5.4e-35; beta's 0 near 1) and cauchy's cdf
    # 1/2 + arctan(z)/pi (2e-4 off at 1e12)
    x = np.array(points)
    for method in ("cdf", "sf"):
        np.testing.assert_allclose(getattr(getattr(fst, name), method)(x, *args),
                                   getattr(getattr(stats, name), method)(x, *args), rtol=1e-12)
    if name != "poisson":
        inner = x[np.abs(x) < 1e3]
        np.testing.assert_allclose(fg.vmap(fg.grad(lambda v: getattr(fst, name).sf(v, *args)))(inner),
                                   -getattr(stats, name).pdf(inner, *args), rtol=1e-10)
    else:
        step = 1e-6
        slope = (stats.poisson.sf(3, 2.5 + step) - stats.poisson.sf(3, 2.5 - step)) / (2 * step)
        assert fg.grad(lambda mu: fst.poisson.sf(3.0, mu))(2.5) == pytest.approx(slope, rel=1e-7)
