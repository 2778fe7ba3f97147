"""Singular points that used to raise or give NaN: std of equal values, logaddexp at equal
infinities, division by a Python-float zero, det at singular matrices (issue 9, sections 5-6)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.primitives.linalg import adjugate, adjugate_cotangent, adjugate_tangent


@pytest.mark.parametrize("std", [fnp.std, fnp.nanstd])
@pytest.mark.parametrize("x", [np.array([2.0]), np.array([1.5, 1.5, 1.5])])
def test_std_of_equal_values_has_gradient_zero_in_both_modes_and_second_order(std, x):
    np.testing.assert_array_equal(fg.grad(std)(x), np.zeros_like(x))
    np.testing.assert_array_equal(fg.jacfwd(std)(x), np.zeros_like(x))
    for hessian in (fg.hessian, fg.jacrev(fg.jacrev(std)), fg.jacfwd(fg.jacfwd(std))):
        h = hessian(std)(x) if hessian is fg.hessian else hessian(x)
        np.testing.assert_array_equal(h, np.zeros((x.size, x.size)))


def test_std_away_from_equal_values_is_unchanged():
    x = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(fg.grad(fnp.std)(x), (x - 1) / (3 * np.sqrt(2 / 3)))


@pytest.mark.parametrize("inf", [-np.inf, np.inf])
def test_logaddexp_at_equal_infinities_splits_evenly_without_warning(inf):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            g = fg.grad(fnp.logaddexp, argnums=(0, 1))(inf, inf)
            _, t = fg.jvp(fnp.logaddexp, (inf, inf), (1.0, 3.0))
    assert g == (0.5, 0.5)
    assert t == 2.0


@pytest.mark.parametrize("f", [lambda x: x / 0.0, lambda x: fnp.divide(x, 0.0),
                               lambda x: x / np.zeros(()), lambda x: 2.0 * x / 0.0])
def test_division_by_a_float_zero_is_ieee_in_eager_and_jit(f):
    with np.errstate(divide="ignore", invalid="ignore"):
        eager = fg.grad(f)(1.0)
        jitted = fg.jit(fg.grad(f))(1.0)
        _, tangent = fg.jvp(f, (1.0,), (1.0,))
    assert eager == np.inf and jitted == np.inf and tangent == np.inf


def test_division_by_zero_warns_as_numpy():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert fg.grad(lambda x: x / 0.0)(1.0) == np.inf


_OPERATOR_FUNCTIONS = ["add", "subtract", "multiply", "divide", "true_divide", "floor_divide",
                       "power", "remainder", "mod", "equal", "less", "greater_equal"]
_PYTHON_NUMBERS = st.one_of(st.booleans(), st.integers(-3, 3),
                            st.sampled_from([0.0, -0.0, 1.0, -8.0, 0.5, 400.0, np.inf, np.nan]))


def _outcome(function, *args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            value = function(*args)
        except Exception as err:  # noqa: BLE001 - the exception type is the outcome compared
            return type(err)
    return type(value), np.asarray(value).dtype, repr(np.asarray(value).tolist())


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(_OPERATOR_FUNCTIONS), x=_PYTHON_NUMBERS, y=_PYTHON_NUMBERS)
def test_python_numbers_get_numpys_arithmetic_not_pythons(name, x, y):
    # Python's operators raise on 1.0 / 0.0, give complex for (-8.0) ** (1/3), 2 for True + True
    assert _outcome(getattr(fnp, name), x, y) == _outcome(getattr(np, name), x, y)


@pytest.mark.parametrize("x, y", [(-8.0, 1 / 3), (0.0, -1.0), (10.0, 400.0), (2, -1)])
def test_power_of_python_numbers_is_numpys(x, y):
    assert _outcome(fnp.power, x, y) == _outcome(np.power, x, y)
    assert _outcome(lambda a, b: fnp.negative(a) ** b, x, y) == _outcome(
        lambda a, b: np.negative(a) ** b, x, y)


def _cofactors(a):
    n = a.shape[0]
    return np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1))
                      for j in range(n)] for i in range(n)])


SINGULAR = [np.array([[1.0, 2.0], [2.0, 4.0]]),
            np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
            np.outer([1.0, -2.0, 0.5], [3.0, 1.0, -1.0]),
            np.zeros((3, 3)), np.zeros((1, 1))]


@pytest.mark.parametrize("a", SINGULAR, ids=["2x2", "rank2", "rank1", "zero", "1x1"])
def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix(a):
    expected = _cofactors(a) if a.shape[0] > 1 else np.ones((1, 1))
    np.testing.assert_allclose(fg.grad(fnp.linalg.det)(a), expected, atol=1e-12)
    np.testing.assert_allclose(fg.jacfwd(fnp.linalg.det)(a), expected, atol=1e-12)


@pytest.mark.parametrize("a", SINGULAR[:4], ids=["2x2", "rank2", "rank1", "zero"])
def test_det_hessian_at_singular_matrices_matches_differences_of_the_exact_gradient(a):
    n = a.shape[0]
    eps = 1e-5
    expected = np.zeros((n, n, n, n))
    for i in range(n):
        for j in range(n):
            e = np.zeros_like(a)
            e[i, j] = eps
            expected[..., i, j] = (_cofactors(a + e) - _cofactors(a - e)) / (2 * eps)
    for h in (fg.hessian(fnp.linalg.det), fg.jacrev(fg.jacrev(fnp.linalg.det)),
              fg.jacfwd(fg.jacfwd(fnp.linalg.det))):
        np.testing.assert_allclose(h(a), expected, atol=1e-7)


def test_det_batched_vmapped_and_jitted():
    rng = np.random.default_rng(0)
    b = np.concatenate([rng.standard_normal((3, 3, 3)), SINGULAR[1][None]])
    expected = np.stack([_cofactors(m) for m in b])
    np.testing.assert_allclose(fg.grad(lambda m: fnp.sum(fnp.linalg.det(m)))(b), expected,
                               atol=1e-10)
    np.testing.assert_allclose(fg.vmap(fg.grad(fnp.linalg.det))(b), expected, atol=1e-10)
    np.testing.assert_allclose(fg.jit(fg.grad(lambda m: fnp.sum(fnp.linalg.det(m))))(b),
                               expected, atol=1e-10)


def test_det_gradient_of_complex_matrices_keeps_the_holomorphic_convention():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    (g,) = fg.vjp(fnp.linalg.det, a)[1](1.0 + 0j)
    np.testing.assert_allclose(g, np.linalg.det(a) * np.linalg.inv(a).T, atol=1e-12)


def test_adjugate_and_its_derivative_maps():
    rng = np.random.default_rng(2)
    a = SINGULAR[1] + 0.0
    np.testing.assert_allclose(adjugate(a) @ a, np.linalg.det(a) * np.eye(3), atol=1e-12)
    np.testing.assert_allclose(adjugate(a), _cofactors(a).T, atol=1e-12)
    t, g = rng.standard_normal((2, 3, 3))
    # each map is the other's transpose: <G, L(T)> = <L^T(G), T>
    np.testing.assert_allclose(np.sum(g * adjugate_tangent(a, t)),
                               np.sum(adjugate_cotangent(a, g) * t))


def test_third_derivative_of_det_says_it_is_not_implemented():
    third = fg.jacfwd(fg.jacfwd(fg.jacfwd(fnp.linalg.det)))
    with pytest.raises(NotImplementedError, match="third derivative of det"):
        third(np.eye(2))
