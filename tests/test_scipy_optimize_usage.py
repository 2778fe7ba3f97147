"""funcgrad.scipy.optimize as users call it: the tangent solve they choose (dense, GMRES, CG,
their own), composition with vmap and jit, and the errors of bad input: a traced value held in
a closure, arguments of the wrong shape, non-float parameters, a tangent solve that fails."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.errors import TracerConversionError
from funcgrad.transforms.vmap import BatchedConversionError

pytest.importorskip("scipy")
import funcgrad.scipy.optimize as fopt  # noqa: E402
from funcgrad.transforms.implicit import ConvergenceError  # noqa: E402

TOL = dict(rtol=1e-8, atol=1e-10)
M = np.array([[4.0, 3.0, 0.0], [-2.0, 3.0, 1.0], [0.0, -1.5, 2.0]])  # not symmetric
S = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])    # symmetric positive definite


def cubic(x, m, b):
    return m @ x + 0.1 * x ** 3 - b


def cubic_jacobian(x, m):
    return m + np.diag(0.3 * x ** 2)


def objective(x, c):
    return 0.5 * x @ S @ x + 0.25 * fnp.sum(x ** 4) - c @ x


def objective_hessian(x):
    return S + np.diag(3.0 * x ** 2)


# -- the tangent solve the user chooses ---------------------------------------------------

def my_solve(matvec, b):
    """A user's own linear solver on flat NumPy vectors: the dense matrix from its columns."""
    columns = np.stack([matvec(e) for e in np.eye(b.size)], axis=1)
    return np.linalg.solve(columns, b)


@pytest.mark.parametrize("tangent_solve", ["dense", "gmres", "bicgstab", "lgmres", my_solve])
@pytest.mark.parametrize("jacobian", [fg.jacfwd, fg.jacrev])
def test_root_with_each_tangent_solve(tangent_solve, jacobian):
    b = np.array([1.0, 2.0, 3.0])

    def solution(b):
        return fopt.root(cubic, np.zeros(3), args=(M, b), tol=1e-14,
                         tangent_solve=tangent_solve).x
    x = np.asarray(solution(b))
    np.testing.assert_allclose(jacobian(solution)(b), np.linalg.inv(cubic_jacobian(x, M)), **TOL)


@pytest.mark.parametrize("tangent_solve", ["dense", "cg", "minres", "gmres"])
def test_minimize_with_each_tangent_solve_first_and_second_order(tangent_solve):
    def solution(c):
        return fopt.minimize(objective, np.zeros(3), args=(c,), method="Newton-CG",
                             options={"xtol": 1e-14}, tangent_solve=tangent_solve).x
    c = np.array([1.0, -0.5, 2.0])
    x = np.asarray(solution(c))
    inverse = np.linalg.inv(objective_hessian(x))
    np.testing.assert_allclose(fg.jacrev(solution)(c), inverse, **TOL)
    np.testing.assert_allclose(fg.jacfwd(solution)(c), inverse, **TOL)
    # d2 x_0 / dc dc: differentiate dx/dc = H(x)^-1 once more, d(H^-1) = -H^-1 dH H^-1 with
    # dH = diag(6 x dx)
    second = np.zeros((3, 3))
    for k in range(3):
        d_hessian = np.diag(6.0 * x * inverse[:, k])
        second[:, k] = -(inverse @ d_hessian @ inverse)[0]
    np.testing.assert_allclose(fg.hessian(lambda c: solution(c)[0])(c), second, **TOL)


def test_cg_on_a_non_symmetric_jacobian_raises_instead_of_a_wrong_answer():
    with pytest.raises(ConvergenceError, match="symmetric"):
        fg.jacrev(lambda b: fopt.root(cubic, np.zeros(3), args=(M, b),
                                      tangent_solve="cg").x)(np.ones(3))


def test_a_user_tangent_solve_that_returns_garbage_raises():
    with pytest.raises(ConvergenceError, match="not a solution"):
        fg.jacrev(lambda b: fopt.root(cubic, np.zeros(3), args=(M, b),
                                      tangent_solve=lambda matvec, b: b * 0.5).x)(np.ones(3))


def test_unknown_tangent_solve_is_named():
    with pytest.raises(ValueError, match="tangent_solve='spsolve'"):
        fg.jacrev(lambda b: fopt.root(cubic, np.zeros(3), args=(M, b),
                                      tangent_solve="spsolve").x)(np.ones(3))


def test_large_non_symmetric_root_goes_matrix_free():
    n = 700  # above the dense limit: "auto" is GMRES on jvp's and vjp's of F, no n x n matrix
    rng = np.random.default_rng(3)
    diagonal = 3.0 + rng.random(n)
    off = rng.normal(size=n - 1) * 0.5

    def F(x, b):  # tridiagonal, not symmetric: (D + U) x + 0.1 x^3 = b
        return diagonal * x + fnp.concatenate([off * x[1:], np.zeros(1)]) + 0.1 * x ** 3 - b

    def solution(b):
        return fopt.root(F, np.zeros(n), args=(b,), method="krylov", tol=1e-13).x
    b = rng.normal(size=n)
    x = np.asarray(solution(b))
    jac = np.diag(diagonal + 0.3 * x ** 2) + np.diag(off, 1)
    w = rng.normal(size=n)
    np.testing.assert_allclose(fg.grad(lambda b: fnp.sum(w * solution(b)))(b),
                               np.linalg.solve(jac.T, w), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fg.jvp(solution, (b,), (w,))[1], np.linalg.solve(jac, w),
                               rtol=1e-7, atol=1e-9)


# -- vmap and jit -------------------------------------------------------------------------

def test_vmap_and_jit_of_root_and_its_derivatives():
    bs = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.2]])

    def solution(b):
        return fopt.root(cubic, np.zeros(3), args=(M, b), tol=1e-12).x
    xs = np.asarray(fg.vmap(solution)(bs))
    for x, b in zip(xs, bs):
        np.testing.assert_allclose(np.asarray(cubic(x, M, b)), 0.0, atol=1e-12)
    jacobians = fg.vmap(fg.jacrev(solution))(bs)
    for jac, x in zip(jacobians, xs):
        np.testing.assert_allclose(jac, np.linalg.inv(cubic_jacobian(x, M)), **TOL)
    jitted = fg.jit(fg.jacfwd(solution))
    for jac, x, b in zip(jacobians, xs, bs):
        np.testing.assert_allclose(jitted(b), jac, **TOL)
    np.testing.assert_allclose(fg.jit(fg.vmap(solution))(bs), xs, **TOL)


def test_vmap_and_jit_of_minimize_least_squares_and_root_scalar():
    cs = np.array([[1.0, -0.5, 2.0], [0.2, 0.3, -1.0]])

    def minimiser(c):
        return fopt.minimize(objective, np.zeros(3), args=(c,), method="BFGS",
                             options={"gtol": 1e-10}).x
    grads = fg.vmap(fg.grad(lambda c: minimiser(c)[1]))(cs)
    for g, c in zip(grads, cs):
        x = np.asarray(minimiser(c))
        np.testing.assert_allclose(g, np.linalg.inv(objective_hessian(x))[1], **TOL)
        np.testing.assert_allclose(fg.jit(fg.grad(lambda c: minimiser(c)[1]))(c), g, **TOL)

    design = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    ys = np.array([[0.1, 1.1, 1.9, 3.2], [1.0, 0.0, -1.0, -2.5]])

    def fit(y):
        return fopt.least_squares(lambda w, y: design @ w - y, np.zeros(2), args=(y,),
                                  xtol=1e-15, ftol=1e-15, gtol=1e-15).x
    for jac in fg.vmap(fg.jacrev(fit))(ys):
        np.testing.assert_allclose(jac, np.linalg.pinv(design), **TOL)
    np.testing.assert_allclose(fg.jit(fg.vmap(fit))(ys), ys @ np.linalg.pinv(design).T, **TOL)

    def cube_root(a):
        return fopt.root_scalar(lambda x, a: x ** 3 - a, args=(a,), bracket=(0.0, 10.0),
                                xtol=1e-15).root
    a = np.array([1.0, 8.0, 27.0])
    np.testing.assert_allclose(fg.vmap(fg.grad(cube_root))(a), 1.0 / (3.0 * np.cbrt(a) ** 2),
                               **TOL)
    np.testing.assert_allclose(fg.jit(fg.grad(cube_root))(8.0), 1.0 / 12.0, **TOL)


# -- bad input ----------------------------------------------------------------------------

CLOSURES = {
    "root": lambda a: fopt.root(lambda x: x ** 3 - a, np.ones(2)).x,
    "minimize": lambda a: fopt.minimize(lambda x: fnp.sum((x - a) ** 2), np.zeros(2)).x,
    "least_squares": lambda a: fopt.least_squares(lambda x: x - a, np.zeros(2)).x,
    "root_scalar": lambda a: fopt.root_scalar(lambda x: x - a[0], bracket=(-5.0, 5.0)).root,
    "constraint": lambda a: fopt.minimize(
        lambda x, c: fnp.sum((x - c) ** 2), np.zeros(2), args=(np.ones(2),), method="SLSQP",
        constraints=[{"type": "eq", "fun": lambda x: fnp.sum(x) - a[0]}]).x,
    "fixed_point": lambda a: fg.fixed_point(lambda x: fnp.cos(a * x), np.full(2, 0.5)),
    # the solver reads nothing traced; only the residual holds the closure
    "custom_root": lambda a: fg.custom_root(lambda x, b: a * x - b,
                                            lambda x, b: b / 2.0)(np.zeros(2), np.ones(2)),
}


@pytest.mark.parametrize("name", sorted(CLOSURES))
@pytest.mark.parametrize("transform", [fg.jacrev, fg.jacfwd])
def test_a_traced_value_in_a_closure_says_to_pass_it_in_args(name, transform):
    with pytest.raises(TracerConversionError, match="closes over a value traced by jac.*args"):
        transform(lambda a: fnp.sum(CLOSURES[name](a)))(np.array([2.0, 2.0]))


def test_a_batched_value_in_a_closure_says_to_pass_it_in_args():
    with pytest.raises(BatchedConversionError, match="closes over a value traced by vmap"):
        fg.vmap(CLOSURES["minimize"])(np.ones((3, 2)))
    with pytest.raises(BatchedConversionError, match="pass it in args|Pass it in args"):
        fg.vmap(CLOSURES["custom_root"])(np.full((3, 2), 2.0))


def test_a_closure_under_jit_alone_is_fine():
    # jit traces with values and guards on them: nothing is lost
    jitted = fg.jit(lambda a: fg.fixed_point(lambda x: fnp.cos(a * x), 0.5))
    for a in (0.8, 1.0):
        np.testing.assert_allclose(jitted(a), fg.fixed_point(lambda x, a: fnp.cos(a * x), 0.5, a),
                                   atol=1e-12)


def test_non_differentiating_use_under_no_transform_is_unchanged():
    theta = np.array([2.0, 2.0])  # a plain closure is a constant, as in SciPy
    np.testing.assert_allclose(CLOSURES["root"](theta), np.cbrt(theta), rtol=1e-10)
    np.testing.assert_allclose(CLOSURES["custom_root"](2.0), 0.5)


def test_arguments_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(3,\)|\(4,\)"):
        fg.jacrev(lambda b: fopt.root(cubic, np.zeros(3), args=(M, b)).x)(np.ones(4))
    with pytest.raises((TypeError, ValueError), match="shape"):  # SciPy's check or ours
        fg.jacrev(lambda b: fopt.root(lambda x, b: fnp.sum(x) - b, np.zeros(3),
                                      args=(b,)).x)(1.0)
    with pytest.raises(ValueError, match="pairs"):
        fopt.minimize(objective, np.zeros(3), args=(np.ones(3),), bounds=[(0, 1)] * 2)
    with pytest.raises(TypeError):  # a non-scalar objective
        fg.grad(lambda c: fnp.sum(fopt.minimize(lambda x, c: x - c, np.zeros(3),
                                                args=(c,)).x))(np.ones(3))


def test_non_float_parameters():
    # an integer argument is a constant of the problem; derivatives in the float ones work
    def solution(b, scale):
        return fopt.root(lambda x, b, k: k * x - b, np.zeros(3), args=(b, scale)).x
    np.testing.assert_allclose(fg.jacrev(solution)(np.ones(3), 2), np.eye(3) / 2, **TOL)
    with pytest.raises(TypeError, match="int"):
        fg.grad(lambda k: fnp.sum(solution(np.ones(3), k)))(2)
    with pytest.raises(TypeError, match="complex"):
        fg.jacrev(lambda b: fopt.root(lambda x, b: x - b, np.zeros(2), args=(b,)).x,
                  holomorphic=True)(np.ones(2) + 0j)


def test_root_found_to_rounding_is_accepted_a_failed_one_raises():
    # hybr reports "not making good progress" at this exact root (F = 1e-16): accepted
    m = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
    b = np.array([0.5, -1.0, 0.2])
    result = fopt.root(lambda x, b: m @ x - b, np.zeros(3), args=(b,))
    assert not result.success  # SciPy's own verdict is kept in the result
    np.testing.assert_allclose(result.x, np.linalg.solve(m, b), atol=1e-14)
    np.testing.assert_allclose(fg.jacrev(lambda b: fopt.root(lambda x, b: m @ x - b, np.zeros(3),
                                                             args=(b,)).x)(b),
                               np.linalg.inv(m), **TOL)
    # x^2 + a = 0 has no real root: hybr fails with |F| near a, which raises
    with pytest.raises(ConvergenceError, match="did not converge"):
        fopt.root(lambda x, a: x ** 2 + a, np.ones(1), args=(1.0,))
