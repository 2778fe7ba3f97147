"""The rest of NumPy's elementwise namespace: values equal NumPy's, derivatives match finite
differences (second order, both modes), edge points follow the documented conventions, and every
NumPy ufunc either dispatches on a tracer or names itself in a MissingRuleError."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.errors import MissingRuleError
from tests._numeric import check_scalar

X = np.array([0.3, -0.7, 1.6, -2.2])
Y = np.array([1.3, 0.6, -1.1, 0.9])
W = np.array([1.0, -2.0, 0.5, 1.5])

DIFFERENTIABLE = [
    ("fabs", lambda xp, x: xp.fabs(x)), ("sinc", lambda xp, x: xp.sinc(x)),
    ("deg2rad", lambda xp, x: xp.deg2rad(x)), ("rad2deg", lambda xp, x: xp.rad2deg(x)),
    ("radians", lambda xp, x: xp.radians(x)), ("degrees", lambda xp, x: xp.degrees(x)),
    ("logaddexp2", lambda xp, x: xp.logaddexp2(x, Y)), ("fmod", lambda xp, x: xp.fmod(x, Y)),
    ("copysign", lambda xp, x: xp.copysign(x, Y)), ("float_power", lambda xp, x: xp.float_power(np.abs(Y), x)),
    ("heaviside", lambda xp, x: xp.heaviside(Y, x)), ("i0", lambda xp, x: xp.i0(x)),
    ("nan_to_num", lambda xp, x: xp.nan_to_num(x, nan=1.0)),
    ("ldexp", lambda xp, x: xp.ldexp(x, np.array([1, -2, 0, 3]))),
    ("modf", lambda xp, x: xp.modf(x)[0] * 2 + xp.modf(x)[1]),
    ("frexp", lambda xp, x: xp.frexp(x)[0]), ("positive", lambda xp, x: xp.positive(x)),
    ("angle", lambda xp, x: xp.angle(x * (1 + 2j))),
    ("vecdot", lambda xp, x: xp.vecdot(x.reshape(2, 2), Y.reshape(2, 2))),
    ("matvec", lambda xp, x: xp.matvec(x.reshape(2, 2), Y[:2])),
    ("vecmat", lambda xp, x: xp.vecmat(Y[:2], x.reshape(2, 2))),
]


@pytest.mark.parametrize("name, f", DIFFERENTIABLE, ids=[d[0] for d in DIFFERENTIABLE])
def test_values_and_derivatives(name, f):
    if name == "i0":  # its derivative, i1, comes from SciPy
        pytest.importorskip("scipy")
    with np.errstate(all="ignore"):
        try:
            want = f(np, X)
        except AttributeError:  # newer than this NumPy (matvec, vecmat: 2.2): derivatives only
            want = f(fnp, X)
    np.testing.assert_allclose(f(fnp, X), want, rtol=1e-12)
    check_scalar(lambda x: fnp.sum(f(fnp, x) * W[: np.size(want)].reshape(np.shape(want))), X)


def test_edge_points():
    assert fg.grad(fnp.sinc)(0.0) == 0
    assert fg.grad(fg.grad(fnp.sinc))(0.0) == pytest.approx(-np.pi ** 2 / 3)
    assert fg.grad(fnp.fabs)(0.0) == 0
    g = fg.grad(lambda x: fnp.sum(fnp.nan_to_num(x)))(np.array([np.nan, np.inf, -np.inf, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(fnp.nan_to_num(np.array([np.nan, np.inf, -np.inf])),
                                  np.nan_to_num(np.array([np.nan, np.inf, -np.inf])))
    assert fg.grad(lambda x: fnp.logaddexp2(x, -np.inf))(1.0) == 1.0
    assert fg.grad(lambda h: fnp.heaviside(0.0, h))(0.3) == 1.0
    assert fg.grad(lambda x: fnp.copysign(x, -1.0))(2.0) == -1.0


def test_integer_and_boolean_arrays_pass_through():
    ints = np.array([3, 5, 12])
    np.testing.assert_array_equal(fnp.gcd(ints, 6), np.gcd(ints, 6))
    np.testing.assert_array_equal(fnp.bitwise_xor(ints, 1), np.bitwise_xor(ints, 1))
    np.testing.assert_array_equal(fnp.invert(ints > 4), ~(ints > 4))

    def f(x):
        mask = fnp.signbit(x)
        shifted = fnp.left_shift(ints, 1)
        return fnp.sum(fnp.where(mask, x * shifted, x))
    np.testing.assert_allclose(fg.grad(f)(np.array([-1.0, 2.0, -3.0])), [6.0, 1.0, 24.0])


def _sample_args(ufunc):
    sample = {"f": 0.37, "d": 0.37, "e": 0.37, "g": 0.37, "F": 0.3 + 0.1j, "D": 0.3 + 0.1j,
              "l": 3, "q": 3, "i": 3, "?": True}
    for types in ufunc.types:
        ins = types.split("->")[0]
        if all(c in sample for c in ins) and "d" in ins:
            return [np.array(sample[c]) for c in ins]
    return None


UFUNCS = sorted(n for n in dir(np) if isinstance(getattr(np, n), np.ufunc))


@pytest.mark.parametrize("name", UFUNCS)
def test_every_numpy_ufunc_dispatches_or_names_itself(name):
    ufunc = getattr(np, name)
    args = _sample_args(ufunc)
    if args is None or ufunc.nout != 1 or name in ("matmul", "vecdot", "matvec", "vecmat"):
        pytest.skip("no float64 loop with scalar inputs")

    def f(x):
        out = ufunc(x, *args[1:])
        return fnp.sum(fnp.real(out * 1.0) if np.iscomplexobj(out) else out * 1.0)
    try:
        with np.errstate(all="ignore"):
            value = f(args[0])
            traced = fg.value_and_grad(f)(args[0].astype(float))[0]
    except MissingRuleError as err:
        assert f"numpy.{name}" in str(err)
        return
    np.testing.assert_allclose(traced, value, rtol=1e-12, equal_nan=True)


def test_polyval_and_unwrap():
    p, x = np.array([0.1, 2.0, -1.0]), np.array([0.3, 1.5])
    np.testing.assert_allclose(fnp.polyval(p, x), np.polyval(p, x))
    check_scalar(lambda q: fnp.sum(fnp.polyval(q, x) ** 2), p)
    check_scalar(lambda y: fnp.sum(fnp.polyval(p, y) ** 2), x)
    phase = np.cumsum([0.1, 3.0, 3.5, -6.0, 0.2])
    np.testing.assert_allclose(fnp.unwrap(phase), np.unwrap(phase))
    np.testing.assert_allclose(fg.grad(lambda q: fnp.sum(fnp.unwrap(q) * W[:4].sum()))(phase),
                               np.full(5, W[:4].sum()))


def test_whole_array_comparisons_and_counts():
    a = np.array([1.0, np.nan, np.inf, 2.0])
    b = np.array([1.0000001, np.nan, np.inf, 2.1])
    np.testing.assert_array_equal(fnp.isclose(a, b, equal_nan=True), np.isclose(a, b, equal_nan=True))
    assert fnp.allclose(X, X + 1e-12) and not fnp.array_equal(X, X[:2])
    assert fnp.array_equiv(X[:1], np.full(3, X[0]))
    assert fnp.iscomplexobj(X * 1j) and fnp.isrealobj(X)
    m = np.array([[0.0, 1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(fnp.count_nonzero(m, axis=0), np.count_nonzero(m, axis=0))

    def f(x):
        assert fnp.allclose(x, x) and fnp.count_nonzero(x) == 4
        return fnp.sum(x)
    assert fg.grad(f)(X).tolist() == [1.0] * 4
