"""Behaviour of the core transforms, as a user meets them."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def test_grad_of_sin_is_cos():
    assert fg.grad(fnp.sin)(0.3) == pytest.approx(np.cos(0.3))


def test_third_derivative_by_nesting():
    assert fg.grad(fg.grad(fg.grad(fnp.sin)))(1.0) == pytest.approx(-np.cos(1.0))


def test_perturbation_confusion_is_avoided():
    assert fg.grad(lambda x: x * fg.grad(lambda y: x + y)(1.0))(1.0) == 1.0


def test_pytree_gradient_has_the_structure_of_params():
    def loss(params, x, y):
        return fnp.mean((fnp.tanh(x @ params["w"] + params["b"]) - y) ** 2)

    rng = np.random.default_rng(0)
    params = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    g = fg.grad(loss)(params, x, y)
    assert set(g) == {"w", "b"} and g["w"].shape == (3, 2) and g["b"].shape == (2,)
    eps = 1e-6
    w2 = params["w"].copy()
    w2[1, 0] += eps
    numeric = (loss({"w": w2, "b": params["b"]}, x, y) - loss(params, x, y)) / eps
    assert g["w"][1, 0] == pytest.approx(numeric, rel=1e-4)


def test_jacrev_equals_jacfwd_and_hessian_is_symmetric():
    f = lambda x: fnp.tanh(x) * fnp.sum(x ** 2)  # noqa: E731
    x = np.array([0.1, -0.4, 0.7])
    np.testing.assert_allclose(fg.jacrev(f)(x), fg.jacfwd(f)(x), rtol=1e-12)
    h = fg.hessian(lambda x: fnp.sum(fnp.sin(x) * x[0]))(x)
    np.testing.assert_allclose(h, h.T, rtol=1e-12)


def test_make_trace_prints_one_equation_per_primitive():
    text = str(fg.make_trace(lambda x: fnp.sum(fnp.tanh(x) ** 2))(np.ones(3)))
    assert "tanh(a)" in text and "sum(" in text and "f64[3]" in text
