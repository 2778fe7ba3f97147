"""funcgrad.scipy.signal.convolve/correlate (n-d, modes full/same/valid) against scipy.signal,
with check_grads in both inputs (forward and reverse, second order)."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.scipy.signal as fsig
from funcgrad.testing import check_grads

signal = pytest.importorskip("scipy.signal")

SHAPES = [((7,), (3,)), ((3,), (7,)), ((5, 4), (2, 3)), ((2, 3), (4, 5)), ((3, 4, 3), (2, 2, 2))]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_matches_scipy_and_differentiates(name, mode, shapes):
    rng = np.random.default_rng(0)
    a, v = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    ours, theirs = getattr(fsig, name), getattr(signal, name)
    want = theirs(a, v, mode)
    got = ours(a, v, mode)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    check_grads(lambda x, y: ours(x, y, mode), (a, v), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_complex_inputs(mode):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    v = rng.standard_normal(3) - 2j * rng.standard_normal(3)
    for name in ("convolve", "correlate"):
        for x, y in ((a, v), (v, a)):
            np.testing.assert_allclose(getattr(fsig, name)(x, y, mode), getattr(signal, name)(x, y, mode),
                                       atol=1e-12)


def test_two_d_names_and_errors():
    rng = np.random.default_rng(2)
    a, v = rng.standard_normal((4, 5)), rng.standard_normal((2, 2))
    np.testing.assert_allclose(fsig.convolve2d(a, v, "same"), signal.convolve2d(a, v, "same"), atol=1e-12)
    np.testing.assert_allclose(fsig.correlate2d(a, v, "valid"), signal.correlate2d(a, v, "valid"), atol=1e-12)
    np.testing.assert_allclose(fsig.fftconvolve(a, v), signal.fftconvolve(a, v), atol=1e-12)
    with pytest.raises(ValueError, match="at least as large"):
        fsig.convolve(np.ones((4, 2)), np.ones((2, 4)), "valid")
    with pytest.raises(ValueError, match="mode"):
        fsig.convolve(a, v, "circular")
