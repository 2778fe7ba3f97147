"""jacrev/jacfwd/hessian as one batched replay: values, pytree structure, chunking."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

rng = np.random.default_rng(1)


def test_jacobian_of_a_layer_matches_the_formula_in_both_modes():
    n = 16
    W, b, x = rng.standard_normal((n, n)) / 4, rng.standard_normal(n), rng.standard_normal(n)
    f = lambda x: fnp.tanh(W @ x + b)  # noqa: E731
    expected = (1 - np.tanh(W @ x + b) ** 2)[:, None] * W
    for jac in (fg.jacrev, fg.jacfwd):
        np.testing.assert_allclose(jac(f)(x), expected, rtol=1e-12)
        np.testing.assert_allclose(jac(f, chunk_size=5)(x), expected, rtol=1e-12)


def test_hessian_of_softplus_regression_matches_the_formula():
    A, x = rng.standard_normal((20, 10)), rng.standard_normal(10)
    f = lambda x: fnp.sum(fnp.log1p(fnp.exp(A @ x))) + 0.5 * x @ x  # noqa: E731
    s = 1 / (1 + np.exp(-A @ x))
    expected = A.T @ ((s * (1 - s))[:, None] * A) + np.eye(10)
    np.testing.assert_allclose(fg.hessian(f)(x), expected, rtol=1e-10)
    np.testing.assert_allclose(fg.hessian(f, chunk_size=3)(x), expected, rtol=1e-10)


@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd])
def test_pytree_inputs_and_outputs_keep_their_structure(jac):
    def f(p, x):
        return {"y": fnp.sin(p["w"] * x), "s": fnp.sum(p["b"] * x)}
    p = {"w": rng.standard_normal(3), "b": rng.standard_normal(3)}
    x = rng.standard_normal(3)
    J = jac(f)(p, x)
    assert set(J) == {"y", "s"} and set(J["y"]) == {"w", "b"}
    assert J["y"]["w"].shape == (3, 3) and J["s"]["b"].shape == (3,)
    np.testing.assert_allclose(J["y"]["w"], np.diag(np.cos(p["w"] * x) * x), rtol=1e-12)
    np.testing.assert_allclose(J["y"]["b"], np.zeros((3, 3)))
    np.testing.assert_allclose(J["s"]["b"], x)
    J01 = jac(f, argnums=(0, 1))(p, x)
    np.testing.assert_allclose(J01["y"][1], np.diag(np.cos(p["w"] * x) * p["w"]), rtol=1e-12)


def test_matrix_input_and_output_shapes():
    M = rng.standard_normal((2, 3))
    f = lambda X: X @ M  # noqa: E731  (4, 2) -> (4, 3)
    X = rng.standard_normal((4, 2))
    for jac in (fg.jacrev, fg.jacfwd):
        J = jac(f)(X)
        assert J.shape == (4, 3, 4, 2)
        np.testing.assert_allclose(J[1, :, 1, :], M.T)
        assert np.all(J[0, :, 1, :] == 0)


def test_jacobian_has_aux_and_hessian_of_a_nested_function():
    f = lambda x: (fnp.sum(x ** 3), {"note": fnp.sum(x)})  # noqa: E731
    x = np.array([1.0, 2.0])
    J, aux = fg.jacrev(f, has_aux=True)(x)
    np.testing.assert_allclose(J, 3 * x ** 2)
    assert float(aux["note"]) == 3.0
    np.testing.assert_allclose(fg.hessian(lambda x: f(x)[0])(x), np.diag(6 * x))


def test_jacobians_compose_with_vmap_and_jit():
    f = lambda x: fnp.sin(x) * fnp.sum(x)  # noqa: E731
    xs = rng.standard_normal((3, 4))
    batched = fg.vmap(fg.jacrev(f))(xs)
    np.testing.assert_allclose(batched, np.stack([fg.jacfwd(f)(x) for x in xs]), rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.jacrev(f))(xs[0]), fg.jacfwd(f)(xs[0]), rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.hessian(lambda x: fnp.sum(f(x))))(xs[0]),
                               fg.hessian(lambda x: fnp.sum(f(x)))(xs[0]), rtol=1e-12)


def test_output_independent_of_input_gives_zeros():
    J = fg.jacrev(lambda x: np.ones(2))(np.ones(3))
    assert J.shape == (2, 3) and not J.any()
    J = fg.jacfwd(lambda x: (x, np.ones(2)))(np.ones(3))
    assert J[1].shape == (2, 3) and not J[1].any()
