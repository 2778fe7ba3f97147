"""funcgrad.scipy.special and funcgrad.scipy.stats.norm: values equal SciPy's; derivatives match
finite differences to second order in both modes; edge points are safe."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

scipy_special = pytest.importorskip("scipy.special")
scipy_stats = pytest.importorskip("scipy.stats")
import funcgrad.scipy.special as fsp  # noqa: E402
from funcgrad.scipy.stats import norm  # noqa: E402
from tests._numeric import check_scalar  # noqa: E402

X = np.array([0.3, -0.7, 1.5])
POS = np.array([0.4, 1.7, 3.2])
PROB = np.array([0.1, 0.45, 0.8])
UNARY = [("erf", X), ("erfc", X), ("erfinv", PROB - 0.3), ("gammaln", POS), ("digamma", POS),
         ("psi", POS), ("gamma", POS), ("expit", X), ("logit", PROB), ("i0", X), ("i0e", X),
         ("i1", X), ("i1e", X), ("log_ndtr", X), ("ndtr", X), ("ndtri", PROB), ("entr", POS)]


@pytest.mark.parametrize("name, x", UNARY, ids=[u[0] for u in UNARY])
def test_unary_values_and_derivatives(name, x):
    np.testing.assert_allclose(getattr(fsp, name)(x), getattr(scipy_special, name)(x), rtol=1e-12)
    check_scalar(lambda a: fnp.sum(getattr(fsp, name)(a) * np.array([1.0, -2.0, 0.5])), x)


@pytest.mark.parametrize("name, args", [
    ("beta", (POS, POS[::-1])), ("betaln", (POS, POS[::-1])), ("xlogy", (X, POS)),
    ("xlog1py", (X, POS)), ("rel_entr", (POS, POS[::-1]))])
def test_binary_values_and_derivatives(name, args):
    np.testing.assert_allclose(getattr(fsp, name)(*args), getattr(scipy_special, name)(*args),
                               rtol=1e-12)
    check_scalar(lambda a: fnp.sum(getattr(fsp, name)(a, args[1])), args[0])
    check_scalar(lambda b: fnp.sum(getattr(fsp, name)(args[0], b)), args[1])


def test_polygamma():
    for n in range(4):
        np.testing.assert_allclose(fsp.polygamma(n, POS), scipy_special.polygamma(n, POS))
    check_scalar(lambda x: fnp.sum(fsp.polygamma(2, x)), POS)


def test_logsumexp_softmax_match_scipy():
    a = np.array([[0.3, -1.0, 2.0], [-np.inf, -np.inf, -np.inf]])
    b = np.array([1.0, 2.0, 0.5])
    np.testing.assert_allclose(fsp.logsumexp(a, axis=1), scipy_special.logsumexp(a, axis=1))
    np.testing.assert_allclose(fsp.logsumexp(a[0], b=b), scipy_special.logsumexp(a[0], b=b))
    out, sign = fsp.logsumexp(a[0], b=-b, return_sign=True)
    want, want_sign = scipy_special.logsumexp(a[0], b=-b, return_sign=True)
    np.testing.assert_allclose(out, want)
    assert sign == want_sign
    np.testing.assert_allclose(fsp.softmax(a[0]), scipy_special.softmax(a[0]))
    np.testing.assert_allclose(fsp.softmax(X.reshape(3, 1)), scipy_special.softmax(X.reshape(3, 1)))
    np.testing.assert_allclose(fsp.log_softmax(a[0], axis=0), scipy_special.log_softmax(a[0], axis=0))
    g = fg.grad(lambda x: fsp.logsumexp(x))(np.full(3, -np.inf))
    assert np.all(np.isfinite(g))
    assert np.all(np.isfinite(fg.grad(lambda x: fnp.sum(fsp.softmax(x) * b))(np.array([1e3, 0.0, -1e3]))))


def test_edge_points_are_safe():
    gx, gy = fg.grad(fsp.xlogy, argnums=(0, 1))(0.0, 0.0)
    assert gx == 0 and gy == 0 and fsp.xlogy(0.0, 0.0) == 0
    gx, gy = fg.grad(fsp.xlogy, argnums=(0, 1))(0.0, 2.0)
    assert gx == pytest.approx(np.log(2.0)) and gy == 0
    assert fg.grad(lambda y: fsp.xlog1py(0.0, y))(-1.0) == 0
    assert np.isfinite(fg.grad(fsp.log_ndtr)(-40.0))  # deep in the tail: no 0/0
    assert fg.grad(fsp.log_ndtr)(-40.0) == pytest.approx(40.0, rel=1e-3)
    assert fg.grad(fsp.i1)(0.0) == 0.5 and fg.grad(fsp.i1e)(0.0) == 0.5


@pytest.mark.parametrize("name", ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"])
def test_norm_matches_scipy_and_differentiates_in_every_argument(name):
    loc, scale = 0.4, 1.7
    np.testing.assert_allclose(getattr(norm, name)(X, loc, scale),
                               getattr(scipy_stats.norm, name)(X, loc, scale), rtol=1e-12)
    f = getattr(norm, name)
    check_scalar(lambda x: fnp.sum(f(x, loc, scale)), X)
    check_scalar(lambda p: fnp.sum(f(X, p[0], p[1])), np.array([loc, scale]))
    np.testing.assert_allclose(norm.ppf(PROB, loc, scale), scipy_stats.norm.ppf(PROB, loc, scale))


def test_against_torch():
    torch = pytest.importorskip("torch")
    xt = torch.tensor(POS, requires_grad=True)
    (torch.special.gammaln(xt) * torch.special.erf(xt) + torch.special.i0e(xt)).sum().backward()
    g = fg.grad(lambda x: fnp.sum(fsp.gammaln(x) * fsp.erf(x) + fsp.i0e(x)))(POS)
    np.testing.assert_allclose(g, xt.grad.numpy(), rtol=1e-10)
