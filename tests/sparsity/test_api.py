"""The public surface: options, transforms around it, SciPy's solvers, and bad input."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.sparse import pattern as pattern_module


def neighbours(x):
    return fnp.concatenate([x[:1] ** 2, x[1:] * fnp.sin(x[:-1])])


X = np.linspace(0.1, 1.0, 8)


def test_argnums_pytrees_and_has_aux():
    def f(a, params, scale):
        out = {"u": params["w"] * a, "v": fnp.sum(params["b"] ** 2)[None] * scale}
        return out, "aux"

    a, params = np.arange(1.0, 4.0), {"w": np.ones(3), "b": np.array([1.0, 2.0])}
    J, aux = fg.sparse_jacobian(f, argnums=(0, 1), has_aux=True)(a, params, 2.0)
    assert aux == "aux"

    def flat(a, b, w):  # the same function, inputs and outputs flattened in order
        out = f(a, {"w": w, "b": b}, 2.0)[0]
        return fnp.concatenate([out["u"], out["v"]])
    dense = np.concatenate([fg.jacfwd(flat, argnums=k)(a, params["b"], params["w"])
                            for k in (0, 1, 2)], axis=1)
    np.testing.assert_allclose(J.toarray(), dense, rtol=1e-12)
    pattern, aux = fg.jacobian_sparsity(f, argnums=(0, 1), has_aux=True)(a, params, 2.0)
    np.testing.assert_array_equal(pattern.toarray(), dense != 0)


def test_under_jit_with_a_given_pattern_and_detected():
    pattern = fg.jacobian_sparsity(neighbours)(X)
    for jac in (fg.jit(fg.sparse_jacobian(neighbours, sparsity=pattern)),
                fg.jit(fg.sparse_jacobian(neighbours))):
        for x in (X, X + 1.0):
            J = jac(x)
            pytest.importorskip("scipy.sparse")
            assert type(J).__name__ == "csr_array"
            np.testing.assert_allclose(J.toarray(), fg.jacfwd(neighbours)(x), rtol=1e-12)


def test_under_vmap_a_batch_with_one_pattern():
    xs = np.stack([X, X * 2.0, X - 1.0])
    for sparsity in (None, fg.jacobian_sparsity(neighbours)(X)):
        J = fg.vmap(fg.sparse_jacobian(neighbours, sparsity=sparsity))(xs)
        assert isinstance(J, fg.sparse.COOMatrix) and np.shape(J.data) == (3, J.nnz)
        np.testing.assert_allclose(J.toarray(), fg.vmap(fg.jacfwd(neighbours))(xs), rtol=1e-12)


def test_hessian_with_aux_under_jit():
    def f(x):
        return fnp.sum(x[1:] ** 2 * x[:-1]), {"n": 3}

    H, aux = fg.sparse_hessian(f, has_aux=True)(X)
    assert aux == {"n": 3}
    np.testing.assert_allclose(H.toarray(), fg.hessian(lambda x: f(x)[0])(X), rtol=1e-12)
    H = fg.jit(fg.sparse_hessian(lambda x: f(x)[0]))(X)
    np.testing.assert_allclose(H.toarray(), fg.hessian(lambda x: f(x)[0])(X), rtol=1e-12)


def test_a_coloring_is_reusable_and_chunks_give_the_same_values():
    colors = fg.sparse.coloring(fg.jacobian_sparsity(neighbours)(X), mode="rev")
    assert colors.mode == "rev" and colors.n_colors == 2
    expected = fg.jacfwd(neighbours)(X)
    for chunk_size in (None, 1):
        J = fg.sparse_jacobian(neighbours, sparsity=colors, chunk_size=chunk_size)(X)
        np.testing.assert_allclose(J.toarray(), expected, rtol=1e-12)


def test_without_scipy_a_documented_coo_result(monkeypatch):
    monkeypatch.setattr(pattern_module, "_scipy_sparse", lambda: None)
    J = fg.sparse_jacobian(neighbours)(X)
    assert isinstance(J, fg.sparse.COOMatrix)
    assert J.shape == (8, 8) and J.nnz == len(J.rows) == len(J.cols) == len(J.data)
    dense = np.zeros(J.shape)
    dense[J.rows, J.cols] = J.data
    np.testing.assert_allclose(dense, fg.jacfwd(neighbours)(X), rtol=1e-12)
    pattern = fg.jacobian_sparsity(neighbours)(X)
    assert isinstance(pattern, fg.sparse.COOMatrix) and pattern.data.dtype == bool
    assert fg.sparse.coloring(pattern).n_colors == 2
    with pytest.raises(ImportError, match="funcgrad\\[scipy\\]"):
        J.tocsr()


def test_scipy_least_squares_with_the_sparse_jacobian():
    optimize = pytest.importorskip("scipy.optimize")

    def residual(x):
        # a diagonally dominant tridiagonal system, plus a row coupling the ends
        inner = x[1:-1] ** 3 + 4.0 * x[1:-1] - x[:-2] - x[2:] - 1.0
        return fnp.concatenate([x[:1] - 0.5, inner, x[-1:] - 0.5, (x[:1] - x[-1:]) * 0.1])

    x0 = np.full(20, -0.5)
    pattern = fg.jacobian_sparsity(residual)(x0)
    result = optimize.least_squares(residual, x0, jac=fg.sparse_jacobian(residual, sparsity=pattern),
                                    jac_sparsity=pattern, method="trf", xtol=1e-12)
    assert result.success and result.cost < 1e-20
    np.testing.assert_allclose(residual(result.x), 0.0, atol=1e-10)


def test_scipy_trust_constr_with_the_sparse_hessian():
    optimize = pytest.importorskip("scipy.optimize")

    def f(x):
        return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    x0 = np.full(10, 0.5)
    result = optimize.minimize(f, x0, method="trust-constr", jac=fg.grad(f),
                               hess=fg.sparse_hessian(f), options={"gtol": 1e-10})
    np.testing.assert_allclose(result.x, np.ones(10), atol=1e-5)


# -- bad input -----------------------------------------------------------------------------

def test_a_pattern_missing_a_nonzero_is_caught_in_check_mode():
    wrong = np.eye(8, dtype=bool)   # misses the sub-diagonal
    J = fg.sparse_jacobian(neighbours, sparsity=wrong)(X)  # unchecked: what was asked for
    assert J.nnz == 8
    with pytest.raises(fg.sparse.SparsityPatternError, match="misses non-zeros"):
        fg.sparse_jacobian(neighbours, sparsity=wrong, check=True)(X)
    right = fg.jacobian_sparsity(neighbours)(X)
    fg.sparse_jacobian(neighbours, sparsity=right, check=True)(X)
    with pytest.raises(fg.sparse.SparsityPatternError, match="misses non-zeros"):
        fg.sparse_hessian(lambda x: fnp.sum(x[1:] * x[:-1]), sparsity=np.eye(8, dtype=bool),
                          check=True)(X)


def test_a_pattern_of_the_wrong_shape():
    with pytest.raises(fg.sparse.SparsityPatternError, match=r"shape \(8, 9\).*\(8, 8\)"):
        fg.sparse_jacobian(neighbours, sparsity=np.ones((8, 9), bool))(X)
    with pytest.raises(fg.sparse.SparsityPatternError, match="shape"):
        fg.sparse_hessian(lambda x: fnp.sum(x ** 2), sparsity=np.eye(3, dtype=bool))(X)


def test_non_differentiable_outputs_and_inputs():
    with pytest.raises(TypeError, match="output leaf 0 has dtype int"):
        fg.sparse_jacobian(lambda x: fnp.argmax(x)[None])(X)
    with pytest.raises(TypeError, match="dtype"):
        fg.sparse_jacobian(lambda x: x * 2)(np.arange(3))
    with pytest.raises(TypeError, match="scalar"):
        fg.sparse_hessian(neighbours)(X)


def test_bad_modes_and_colorings():
    with pytest.raises(ValueError, match="mode"):
        fg.sparse_jacobian(neighbours, mode="forward")
    star = fg.sparse.coloring(np.eye(8, dtype=bool), mode="star")
    with pytest.raises(ValueError, match="sparse_hessian"):
        fg.sparse_jacobian(neighbours, sparsity=star)
    with pytest.raises(ValueError, match="star"):
        fg.sparse_hessian(neighbours, sparsity=fg.sparse.coloring(np.eye(8, dtype=bool)))


def test_a_primitive_without_a_rule_is_dense_and_warns():
    block = fg.checkpoint(lambda x: fnp.sin(x) * 2.0)  # a custom rule: its own derivative decides
    with pytest.warns(fg.sparse.SparsityWarning, match="checkpoint"):
        pattern = fg.jacobian_sparsity(block)(X)
    assert pattern.toarray().all()
    with pytest.warns(fg.sparse.SparsityWarning, match="checkpoint"):
        jacobian = fg.sparse_jacobian(block)(X).toarray()
    np.testing.assert_allclose(jacobian, np.diag(2.0 * np.cos(X)), atol=1e-15)


def test_user_arrays_are_not_mutated():
    x = X.copy()
    x.flags.writeable = False
    fg.sparse_jacobian(neighbours)(x)
    fg.sparse_hessian(lambda v: fnp.sum(v ** 3))(x)
    np.testing.assert_array_equal(x, X)


def test_an_output_that_does_not_depend_on_the_input():
    J = fg.sparse_jacobian(lambda x: (x[:2] * 0.0 + 1.0, np.ones(3)))(X)
    assert J.shape == (5, 8) and J.nnz == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fg.jacobian_sparsity(lambda x: fnp.floor(x))(X).nnz == 0


def test_float32_scalars_and_constant_functions():
    x32 = X.astype(np.float32)
    J = fg.sparse_jacobian(neighbours, check=True)(x32)
    assert J.dtype == np.float32
    np.testing.assert_allclose(J.toarray(), fg.jacfwd(neighbours)(x32), rtol=1e-6)
    J = fg.sparse_jacobian(lambda t: fnp.stack([fnp.sin(t), t ** 2]))(0.5)
    np.testing.assert_allclose(J.toarray(), [[np.cos(0.5)], [1.0]])
    H = fg.sparse_hessian(lambda x: 3.0)(X)
    assert H.shape == (8, 8) and H.nnz == 0
    H = fg.sparse_hessian(lambda x: fnp.sum(2.0 * x))(X)
    assert H.nnz == 0


def test_scipy_solve_ivp_bdf_with_the_sparse_jacobian():
    integrate = pytest.importorskip("scipy.integrate")
    n = 30

    def rhs(y, t):  # stiff 1-d diffusion with a cubic reaction, Dirichlet ends
        padded = fnp.concatenate([np.zeros(1), y, np.zeros(1)])
        return (n + 1) ** 2 * (padded[2:] - 2.0 * y + padded[:-2]) - y ** 3 + fnp.sin(t)

    y0 = np.sin(np.linspace(0.0, np.pi, n))
    pattern = fg.jacobian_sparsity(rhs)(y0, 0.0)
    jac = fg.sparse_jacobian(rhs, sparsity=pattern)
    numeric = lambda t, y: np.asarray(rhs(y, t))  # noqa: E731
    exact = integrate.solve_ivp(numeric, (0.0, 1.0), y0, method="BDF", rtol=1e-8, atol=1e-10,
                                jac=lambda t, y: jac(y, t))
    by_differences = integrate.solve_ivp(numeric, (0.0, 1.0), y0, method="BDF", rtol=1e-8,
                                         atol=1e-10, jac_sparsity=pattern)
    assert exact.success and by_differences.success
    np.testing.assert_allclose(exact.y[:, -1], by_differences.y[:, -1], atol=1e-6)
