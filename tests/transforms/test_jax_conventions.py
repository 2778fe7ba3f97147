"""grad, vjp, jvp, linearize and linear_transpose follow JAX's conventions: expected values
written out, so these run without JAX (tests/transforms/test_jax_conformance.py compares with it)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def test_argnums_out_of_range_is_both_type_and_value_error():
    for error in (TypeError, ValueError):  # JAX raises TypeError; funcgrad used ValueError
        with pytest.raises(error, match="argnums=2"):
            fg.grad(lambda x, y: x * y, argnums=2)(2.0, 3.0)
    with pytest.raises(TypeError):
        fg.grad(lambda: 1.0)()
    assert float(fg.grad(lambda x, y: x * y, argnums=-1)(2.0, 3.0)) == 2.0


def test_argnums_twice_and_non_functions_are_errors():
    with pytest.raises(ValueError, match="twice"):
        fg.grad(lambda x, y: x * y, argnums=(0, 0))(2.0, 3.0)
    for transform in (fg.grad, fg.value_and_grad, fg.vmap):
        with pytest.raises(TypeError, match="function"):
            transform(3)
    with pytest.raises(TypeError, match="function"):
        fg.jvp(3, (1.0,), (1.0,))
    with pytest.raises(TypeError, match="in_axes"):  # a dict describes one argument: wrap it
        fg.vmap(lambda d: d["a"], in_axes={"a": 0})({"a": np.ones((2, 2))})
    out = fg.vmap(lambda d: d["a"], in_axes=({"a": 0},))({"a": np.ones((2, 2))})
    assert out.shape == (2, 2)


def test_allow_int_gives_float0_gradients():
    gx, gn = fg.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert float(gx) == 3.0 and gn.dtype == fg.float0 and gn.shape == ()
    with pytest.raises(TypeError, match="allow_int"):
        fg.grad(lambda x: x * 1.0)(1)
    value, g = fg.value_and_grad(lambda d: fnp.sum(d["x"] * d["k"]), allow_int=True)(
        {"x": 2.0, "k": np.arange(3)})
    assert float(value) == 6.0 and float(g["x"]) == 3.0
    assert g["k"].dtype == fg.float0 and g["k"].shape == (3,)


def test_vjp_of_integer_inputs_gives_float0_and_cotangents_have_the_primals_dtype():
    out, pullback = fg.vjp(lambda x, n: x * n, np.ones(3), np.arange(3))
    gx, gn = pullback(np.ones(3))
    assert gx.tolist() == [0.0, 1.0, 2.0] and gn.dtype == fg.float0 and gn.shape == (3,)
    (g,) = fg.vjp(lambda x: x * 2, 3.0)[1](1.0)  # a Python number cotangent
    assert isinstance(g, (np.ndarray, np.generic)) and g.dtype == np.float64 and float(g) == 2.0
    (g32,) = fg.vjp(lambda x: x * 2, np.float32(1))[1](1.0)
    assert g32.dtype == np.float32


def test_vjp_cotangent_checks():
    _, pullback = fg.vjp(lambda x: x * 2, np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        pullback(np.ones(2))
    with pytest.raises(ValueError, match="dtype"):
        pullback(np.ones(3, np.complex128))  # does not convert exactly: refused, as in JAX
    with pytest.raises(ValueError, match="structure"):
        fg.vjp(lambda x: (x, x), np.ones(3))[1]([np.ones(3), np.ones(3)])
    # funcgrad (unlike JAX) takes a cotangent that converts exactly, and converts it
    (g,) = pullback(np.ones(3, np.float32))
    assert g.dtype == np.float64 and g.tolist() == [2.0, 2.0, 2.0]
    _, pullback32 = fg.vjp(lambda x: x * 2, np.ones(3, np.float32))
    with pytest.raises(ValueError, match="dtype"):
        pullback32(np.ones(3))  # float64 into float32 would round


def test_jvp_tangent_checks_and_integer_primals():
    with pytest.raises(ValueError, match="shape"):
        fg.jvp(fnp.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="float0"):
        fg.jvp(lambda x: x * 2, (np.ones(3, int),), (np.zeros(3, int),))
    with pytest.raises(TypeError, match="tangent"):  # JAX: TypeError; funcgrad: also ValueError
        fg.jvp(fnp.sin, (1.0,), (1.0, 2.0))
    with pytest.raises(TypeError, match="dtype"):
        fg.jvp(fnp.sin, (np.ones(2, np.float32),), (np.ones(2),))
    y, t = fg.jvp(lambda x, n: x * n, (2.0, np.int64(3)), (1.0, np.zeros((), fg.float0)))
    assert float(y) == 6.0 and float(t) == 3.0
    (y, flag), (t, t_flag) = fg.jvp(lambda x: (x * 2, x > 0), (1.0,), (1.0,))
    assert t_flag.dtype == fg.float0 and float(t) == 2.0
    _, t = fg.jvp(lambda x: fg.lax.while_loop(lambda c: c < 5, lambda c: c * 2, x), (1.0,), (1.0,))
    assert isinstance(t, (np.ndarray, np.generic)) and float(t) == 8.0


def test_linearize_and_linear_transpose():
    _, f_jvp = fg.linearize(lambda x: x ** 2, np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        f_jvp(np.ones(2))
    with pytest.raises(TypeError, match="structure"):
        f_jvp(np.ones(3), np.ones(3))
    _, f_jvp = fg.linearize(lambda x, y: (x * y, x), 3.0, 2.0)
    a, b = f_jvp(1.0, 1.0)
    assert float(a) == 5.0 and isinstance(b, np.ndarray) and float(b) == 1.0
    (c,) = fg.linear_transpose(lambda x: 2 * x, 1)(3)
    assert c.dtype == np.int64 and int(c) == 6  # integer linear maps transpose too
    (c32,) = fg.linear_transpose(lambda x: 2 * x, np.zeros(2, np.float32))(np.ones(2, np.float32))
    assert c32.dtype == np.float32 and c32.tolist() == [2.0, 2.0]


def test_has_aux_errors_name_what_was_returned():
    with pytest.raises(TypeError, match=r"a single value \(f64\[\]\)"):
        fg.grad(lambda x: x, has_aux=True)(1.0)
    with pytest.raises(TypeError, match="a tuple of length 3"):
        fg.grad(lambda x: (x, 1, 2), has_aux=True)(1.0)

