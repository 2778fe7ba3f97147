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


@pytest.mark.parametrize("x", [3.0, np.float64(3.0), np.array(3.0), np.float32(3.0)])
@pytest.mark.parametrize("f", [lambda x: x * x, fnp.sum, lambda x: 2.0 + 0 * x,
                               lambda x: fnp.sin(x) * fnp.sum(x), lambda x: fnp.ones(()) * x])
def test_the_gradient_at_a_scalar_is_a_numpy_scalar_whichever_rule_made_it(f, x):
    # np.sum's rule used to give a 0-d array, x * x's a NumPy scalar: json.dumps, isinstance(g,
    # float) and printing told them apart
    for g in (fg.grad(f)(x), fg.vjp(f, x)[1](np.ones((), np.asarray(x).dtype))[0], fg.jit(fg.grad(f))(x),
              fg.value_and_grad(f)(x)[1], fg.grad(lambda d: f(d["x"]))({"x": x})["x"]):
        assert isinstance(g, np.generic) and g.dtype == np.asarray(x).dtype, (type(g), g.dtype)
