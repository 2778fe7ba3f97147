"""funcgrad.scipy.linalg against scipy.linalg: values at SciPy's signatures, check_grads in every
array argument (forward and reverse, second order)."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.scipy.linalg as fla
from funcgrad.testing import check_grads

sla = pytest.importorskip("scipy.linalg")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 3)) + 4 * np.eye(3)
SPD = A @ A.T + np.eye(3)
B = RNG.standard_normal((3, 2))


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("trans", [0, 1, "T"])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(lower, trans, unit):
    kw = dict(lower=lower, trans=trans, unit_diagonal=unit)
    np.testing.assert_allclose(fla.solve_triangular(A, B, **kw), sla.solve_triangular(A, B, **kw), rtol=1e-12)
    check_grads(lambda a, b: fla.solve_triangular(a, b, **kw), (A, B), order=2)


@pytest.mark.parametrize("lower", [False, True])
def test_cho_factor_and_solve(lower):
    c, low = fla.cho_factor(SPD, lower=lower)
    c_ref, low_ref = sla.cho_factor(SPD, lower=lower)
    assert low == low_ref
    np.testing.assert_allclose(c, c_ref, rtol=1e-12)  # the other triangle holds a's entries, as SciPy's
    np.testing.assert_allclose(fla.cho_solve((c, low), B), sla.cho_solve((c_ref, low_ref), B), rtol=1e-12)
    np.testing.assert_allclose(fla.cholesky(SPD, lower=lower), sla.cholesky(SPD, lower=lower), rtol=1e-12)
    check_grads(lambda a: fla.cho_factor(a, lower=lower)[0], (SPD,), order=2)
    check_grads(lambda a, b: fla.cho_solve(fla.cho_factor(a, lower=lower), b), (SPD, B), order=2)


@pytest.mark.parametrize("scale", [0.1, 1.0, 30.0])
def test_expm(scale):
    a = scale * RNG.standard_normal((3, 3))
    np.testing.assert_allclose(fla.expm(a), sla.expm(a), rtol=1e-10)
    check_grads(fla.expm, (a / max(scale, 1.0),), order=2)
    # d/dt expm(t A) = A expm(t A)
    d = fg.jvp(lambda t: fla.expm(t * a), (1.0,), (1.0,))[1]
    np.testing.assert_allclose(d, a @ sla.expm(a), rtol=1e-8)
    stack = np.stack([a, -a])
    np.testing.assert_allclose(fla.expm(stack), np.stack([sla.expm(a), sla.expm(-a)]), rtol=1e-10)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4)])
def test_lu(shape):
    a = RNG.standard_normal(shape)
    p, l, u = fla.lu(a)
    p_ref, l_ref, u_ref = sla.lu(a)
    for got, want in ((p, p_ref), (l, l_ref), (u, u_ref)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    pl, u2 = fla.lu(a, permute_l=True)
    np.testing.assert_allclose(pl, sla.lu(a, permute_l=True)[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(fla.lu(a, p_indices=True)[0], sla.lu(a, p_indices=True)[0])
    check_grads(lambda m: fla.lu(m)[1:], (a,), order=2)


def test_sqrtm():
    np.testing.assert_allclose(fla.sqrtm(SPD), sla.sqrtm(SPD), rtol=1e-10)
    nonsymmetric = A  # positive eigenvalue real parts: a real principal root
    np.testing.assert_allclose(fla.sqrtm(nonsymmetric), sla.sqrtm(nonsymmetric), rtol=1e-10)
    check_grads(fla.sqrtm, (SPD,), order=2)
    check_grads(fla.sqrtm, (nonsymmetric,), order=2)
    # the root's square is the input, to second order along any direction
    x = fg.jacfwd(lambda m: fnp.sum(fla.sqrtm(m) @ fla.sqrtm(m)))(SPD)
    np.testing.assert_allclose(x, np.ones((3, 3)), rtol=1e-8)
    with pytest.raises(Exception, match="square root"):
        fla.sqrtm(-np.eye(2) + 0.0)


def test_signature_errors():
    with pytest.raises(ValueError, match="square"):
        fla.expm(np.ones((2, 3)))
    with pytest.raises(ValueError, match="trans"):
        fla.solve_triangular(A, B, trans="X")


@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_expm_under_vmap_picks_enough_squarings_for_every_example(in_axis):
    # the 1-norm that picks the squarings was read from the batched values, summing over
    # whichever axis came first
    stack = np.random.default_rng(4).normal(size=(3, 6, 6)) * np.array([0.1, 3.0, 12.0])[:, None, None]
    batched = fg.vmap(fla.expm, in_axes=in_axis)(np.moveaxis(stack, 0, in_axis))
    for got, a in zip(batched, stack):
        want = sla.expm(a)
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12 * np.abs(want).max())


def test_lu_under_vmap_refuses_the_batch_whose_pivots_differ():
    from funcgrad.transforms.vmap import BatchedConversionError
    with pytest.raises(BatchedConversionError):
        fg.vmap(lambda a: fla.lu(a)[2])(np.random.default_rng(0).normal(size=(3, 4, 4)))


def test_jit_of_expm_traces_again_when_a_call_needs_more_squarings():
    # the count of squarings was read from the first call's values: a later call with a larger
    # norm ran with too few (relative error 7e-9 instead of 1e-15)
    a = np.random.default_rng(0).normal(size=(6, 6))
    compiled = fg.jit(fla.expm)
    for scale in (0.01, 8.0, 0.02):
        want = sla.expm(a * scale)
        np.testing.assert_allclose(compiled(a * scale), want, rtol=1e-12, atol=1e-13 * np.abs(want).max())
    assert compiled.trace_count == 2  # 0.01 and 0.02 need none, 8.0 needs some
