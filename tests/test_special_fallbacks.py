"""erf, erfc and gammaln without SciPy: Python's math module, element by element.

They are what the torch layer's GELU and the normal distribution's pieces stand on, so they must not
need the optional SciPy. The fallback is forced here whether or not SciPy is installed.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp  # noqa: F401  (the public namespace is loaded as users load it)
from funcgrad.primitives import special


@pytest.fixture
def without_scipy(monkeypatch):
    monkeypatch.setattr(special, "_SCIPY_FOUND", False)


POINTS = np.array([-30.0, -3.0, -1.0, -0.5, 0.0, 1e-10, 0.3, 1.0, 2.5, 6.0, 30.0, np.inf, -np.inf])


@pytest.mark.parametrize("prim,scalar", [(special.erf, math.erf), (special.erfc, math.erfc)])
def test_error_functions_match_math(without_scipy, prim, scalar):
    out = prim.impl(POINTS)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [scalar(v) for v in POINTS])
    assert np.isnan(prim.impl(np.array([np.nan]))[0])
    assert prim.impl(np.float32(0.5)).dtype == np.float32
    assert prim.impl(np.float64(0.5)) == scalar(0.5)


def test_log_gamma_matches_math_and_is_inf_at_the_poles(without_scipy):
    x = np.array([0.5, 1.0, 3.7, 100.0])
    np.testing.assert_array_equal(special.gammaln.impl(x), [math.lgamma(v) for v in x])
    np.testing.assert_array_equal(special.gammaln.impl(np.array([0.0, -2.0])), [np.inf, np.inf])


def test_derivatives_need_no_scipy(without_scipy):
    d = fg.grad(lambda x: special.erf(x))(0.5)
    assert d == pytest.approx(2 / math.sqrt(math.pi) * math.exp(-0.25), rel=1e-15)
    d2 = fg.grad(fg.grad(lambda x: special.erfc(x)))(0.5)
    assert d2 == pytest.approx(4 / math.sqrt(math.pi) * 0.5 * math.exp(-0.25), rel=1e-14)


def test_the_same_values_as_scipy():
    scipy_special = pytest.importorskip("scipy.special")
    x = np.linspace(-5, 5, 101)
    special._SCIPY_FOUND = False
    try:
        ours = [special.erf.impl(x), special.erfc.impl(x), special.gammaln.impl(x[x > 0])]
    finally:
        special._SCIPY_FOUND = None
    np.testing.assert_allclose(ours[0], scipy_special.erf(x), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(ours[1], scipy_special.erfc(x), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(ours[2], scipy_special.gammaln(x[x > 0]), rtol=1e-13)
