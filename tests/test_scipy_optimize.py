"""Implicit derivatives of solvers (funcgrad.custom_root, fixed_point, funcgrad.scipy.optimize)
against closed forms, to 1e-8, in both modes and to second order."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

pytest.importorskip("scipy")
import funcgrad.scipy.optimize as fopt  # noqa: E402
from funcgrad.transforms.implicit import (ConvergenceError, ConvergenceWarning,  # noqa: E402
                                          SingularJacobianError)

TOL = dict(rtol=1e-8, atol=1e-10)
TANGENT_SOLVES = ["dense", "gmres"]

A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
B = np.array([1.0, 2.0, 3.0])


def linear_residual(x, m, b):
    return m @ x - b


# -- linear systems: x = M^-1 b ------------------------------------------------------------

@pytest.mark.parametrize("tangent_solve", TANGENT_SOLVES)
@pytest.mark.parametrize("jacobian", [fg.jacfwd, fg.jacrev])
def test_root_of_linear_system_has_the_inverse_as_jacobian(tangent_solve, jacobian):
    def solution(b):
        return fopt.root(linear_residual, np.zeros(3), args=(A, b),
                         tangent_solve=tangent_solve).x
    np.testing.assert_allclose(jacobian(solution)(B), np.linalg.inv(A), **TOL)


@pytest.mark.parametrize("tangent_solve", TANGENT_SOLVES)
def test_root_of_linear_system_matrix_gradient_and_hessian(tangent_solve):
    def loss(m, b, solve):
        return fnp.sum(solve(m + fnp.outer(b, b), b) ** 2)

    def by_root(m, b):
        return fopt.root(linear_residual, np.zeros(3), args=(m, b),
                         tangent_solve=tangent_solve).x

    closed = fnp.linalg.solve
    np.testing.assert_allclose(fg.grad(loss)(A, B, by_root), fg.grad(loss)(A, B, closed), **TOL)
    np.testing.assert_allclose(fg.hessian(loss, argnums=1)(A, B, by_root),
                               fg.hessian(loss, argnums=1)(A, B, closed), **TOL)
    np.testing.assert_allclose(fg.jacfwd(fg.grad(loss, argnums=1), argnums=1)(A, B, by_root),
                               fg.hessian(loss, argnums=1)(A, B, closed), **TOL)


def test_custom_root_decorator_and_pytree_arguments():
    @fg.custom_root(lambda x, p: p["m"] @ x - p["b"])
    def solve(x0, p):
        return np.linalg.solve(p["m"], p["b"])

    def loss(p):
        return fnp.sum(solve(np.zeros(3), p) ** 3)
    params = {"m": A, "b": B}
    expected = fg.grad(lambda p: fnp.sum(fnp.linalg.solve(p["m"], p["b"]) ** 3))(params)
    got = fg.grad(loss)(params)
    for key in params:
        np.testing.assert_allclose(got[key], expected[key], **TOL)


def test_matrix_free_large_system_uses_iterative_solve():
    n = 600  # above the dense limit: "auto" goes matrix-free (CG: symmetric)
    rng = np.random.default_rng(0)
    q = rng.normal(size=(n, n)) / np.sqrt(n)
    m = q @ q.T + np.eye(n)
    b = rng.normal(size=n)

    def solution(c):
        return fopt.minimize(lambda x, c: 0.5 * x @ m @ x - c @ x, np.zeros(n), args=(c,),
                             method="Newton-CG", options={"xtol": 1e-14}).x
    w = rng.normal(size=n)
    g = fg.grad(lambda c: fnp.sum(w * solution(c)))(b)
    np.testing.assert_allclose(g, np.linalg.solve(m, w), rtol=1e-7, atol=1e-9)


# -- quadratic programs ------------------------------------------------------------------

Q = np.array([[2.0, 0.5], [0.5, 1.0]])


def qp_objective(x, c):
    return 0.5 * x @ Q @ x - c @ x


@pytest.mark.parametrize("jacobian", [fg.jacfwd, fg.jacrev])
def test_equality_constrained_qp_matches_kkt_inverse(jacobian):
    def solution(c):
        return fopt.minimize(qp_objective, np.zeros(2), args=(c,), method="SLSQP",
                             constraints=[{"type": "eq", "fun": lambda x: fnp.sum(x) - 1.0}],
                             options={"ftol": 1e-15, "maxiter": 200}).x
    kkt = np.block([[Q, np.ones((2, 1))], [np.ones((1, 2)), np.zeros((1, 1))]])
    np.testing.assert_allclose(jacobian(solution)(np.array([1.0, 0.3])),
                               np.linalg.inv(kkt)[:2, :2], **TOL)


def test_inequality_qp_active_and_inactive_constraints_and_constraint_args():
    def solution(c, r):
        return fopt.minimize(qp_objective, np.zeros(2), args=(c,), method="SLSQP",
                             constraints=[{"type": "ineq", "fun": lambda x, r: r - fnp.sum(x),
                                           "args": (r,)}],
                             options={"ftol": 1e-15, "maxiter": 200}).x
    kkt = np.block([[Q, np.ones((2, 1))], [np.ones((1, 2)), np.zeros((1, 1))]])
    inv = np.linalg.inv(kkt)
    c = np.array([1.0, 0.3])
    # active (unconstrained optimum Q^-1 c has sum > 0.2): x = inv @ (c, r)
    np.testing.assert_allclose(fg.jacrev(solution)(c, 0.2), inv[:2, :2], **TOL)
    np.testing.assert_allclose(fg.jacfwd(solution, argnums=1)(c, 0.2), inv[:2, 2], **TOL)
    # inactive: x = Q^-1 c, independent of r
    np.testing.assert_allclose(fg.jacfwd(solution)(c, 10.0), np.linalg.inv(Q), **TOL)
    np.testing.assert_allclose(fg.grad(lambda r: fnp.sum(solution(c, r)))(10.0), 0.0, atol=1e-12)


@pytest.mark.parametrize("method,options", [("L-BFGS-B", {"gtol": 1e-12, "ftol": 1e-15}),
                                            ("SLSQP", {"ftol": 1e-15}),
                                            ("TNC", {"gtol": 1e-12, "xtol": 1e-14})])
def test_bound_constrained_qp(method, options):
    def solution(c):
        return fopt.minimize(qp_objective, np.array([0.5, 0.5]), args=(c,), method=method,
                             bounds=[(0.0, 10.0), (0.0, 10.0)], options=options).x
    c = np.array([1.0, -0.5])  # x1 is held at its lower bound 0, x0 = c0 / Q00
    np.testing.assert_allclose(solution(c), [0.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(fg.jacrev(solution)(c), [[0.5, 0.0], [0.0, 0.0]], **TOL)
    np.testing.assert_allclose(fg.jacfwd(solution)(c), [[0.5, 0.0], [0.0, 0.0]], **TOL)


# -- fixed points x = cos(theta x) --------------------------------------------------------

def cos_map(x, theta):
    return fnp.cos(theta * x)


def _dx(x, theta):
    s = np.sin(theta * x)
    return -x * s / (1.0 + theta * s)


@pytest.mark.parametrize("method", ["iteration", "del2"])
@pytest.mark.parametrize("tangent_solve", TANGENT_SOLVES)
def test_fixed_point_of_cos_first_and_second_derivative(method, tangent_solve):
    def x_of(theta):
        return fg.fixed_point(cos_map, 0.5, theta, method=method, tangent_solve=tangent_solve)
    theta = 0.8
    x = float(x_of(theta))
    assert abs(x - np.cos(theta * x)) < 1e-12
    np.testing.assert_allclose(fg.grad(x_of)(theta), _dx(x, theta), **TOL)
    np.testing.assert_allclose(fg.jvp(x_of, (theta,), (1.0,))[1], _dx(x, theta), **TOL)
    # second derivative: d/dtheta of _dx(x(theta), theta), by the chain rule on the closed form
    def h(x, t):
        s = fnp.sin(t * x)
        return -x * s / (1.0 + t * s)
    second = fg.grad(h, 0)(x, theta) * _dx(x, theta) + fg.grad(h, 1)(x, theta)
    np.testing.assert_allclose(fg.grad(fg.grad(x_of))(theta), second, **TOL)
    np.testing.assert_allclose(fg.jacfwd(fg.jacrev(x_of))(theta), second, **TOL)


def test_fixed_point_vector_vmap_and_jit():
    thetas = np.array([0.3, 0.8, 1.1])
    xs = fg.vmap(lambda t: fg.fixed_point(cos_map, 0.5, t))(thetas)
    np.testing.assert_allclose(xs, np.cos(thetas * xs), atol=1e-12)
    grads = fg.vmap(fg.grad(lambda t: fg.fixed_point(cos_map, 0.5, t)))(thetas)
    np.testing.assert_allclose(grads, _dx(xs, thetas), **TOL)
    vector = fg.jacfwd(lambda t: fg.fixed_point(cos_map, np.full(3, 0.5), t))(thetas)
    np.testing.assert_allclose(vector, np.diag(_dx(xs, thetas)), **TOL)
    jitted = fg.jit(fg.grad(lambda t: fg.fixed_point(cos_map, 0.5, t)))
    for t in thetas:
        np.testing.assert_allclose(jitted(t), _dx(np.asarray(fg.fixed_point(cos_map, 0.5, t)), t),
                                   **TOL)


# -- the Rosenbrock minimum (a, a^2) as a function of (a, b) ------------------------------

def rosenbrock(x, a, b):
    return (a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2


@pytest.mark.parametrize("method,options", [("BFGS", {"gtol": 1e-11}),
                                            ("Newton-CG", {"xtol": 1e-14}),
                                            ("trust-exact", {"gtol": 1e-12}),
                                            ("L-BFGS-B", {"gtol": 1e-13, "ftol": 1e-16})])
def test_rosenbrock_minimum_in_its_parameters(method, options):
    def minimum(a, b):
        return fopt.minimize(rosenbrock, np.array([-1.0, 1.5]), args=(a, b), method=method,
                             options=options).x
    a, b = 1.3, 50.0
    np.testing.assert_allclose(minimum(a, b), [a, a * a], rtol=1e-7)
    np.testing.assert_allclose(fg.jacrev(minimum)(a, b), [1.0, 2 * a], **TOL)
    np.testing.assert_allclose(fg.jacfwd(minimum)(a, b), [1.0, 2 * a], **TOL)
    np.testing.assert_allclose(fg.jacfwd(minimum, argnums=1)(a, b), [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(fg.hessian(lambda a: minimum(a, b)[1])(a), 2.0, **TOL)
    np.testing.assert_allclose(fg.grad(fg.grad(lambda a: minimum(a, b)[0]))(a), 0.0, atol=1e-8)


def test_minimize_value_is_differentiable_by_the_envelope_theorem():
    def value(a):
        return fopt.minimize(lambda x, a: fnp.sum((x - a) ** 2) + fnp.sum(x ** 4), np.zeros(2),
                             args=(a,), method="BFGS", options={"gtol": 1e-11}).fun
    a = np.array([0.5, 1.0])
    x = np.asarray(fopt.minimize(lambda x, a: fnp.sum((x - a) ** 2) + fnp.sum(x ** 4),
                                 np.zeros(2), args=(a,), method="BFGS",
                                 options={"gtol": 1e-11}).x)
    np.testing.assert_allclose(fg.grad(value)(a), -2 * (x - a), **TOL)


# -- least_squares and root_scalar --------------------------------------------------------

@pytest.mark.parametrize("method", ["trf", "lm", "dogbox"])
def test_least_squares_linear_fit_matches_normal_equations(method):
    rng = np.random.default_rng(1)
    design = rng.normal(size=(8, 3))

    def fit(y):
        return fopt.least_squares(lambda w, y: design @ w - y, np.zeros(3), args=(y,),
                                  method=method, xtol=1e-15, ftol=1e-15, gtol=1e-15).x
    y = rng.normal(size=8)
    np.testing.assert_allclose(fg.jacrev(fit)(y), np.linalg.pinv(design), **TOL)
    np.testing.assert_allclose(fg.jacfwd(fit)(y), np.linalg.pinv(design), **TOL)


@pytest.mark.parametrize("kwargs", [dict(bracket=(0.0, 5.0)), dict(method="brentq", bracket=(0, 5)),
                                    dict(method="newton", x0=1.0), dict(method="halley", x0=1.0),
                                    dict(method="secant", x0=1.0, x1=2.0)])
def test_root_scalar_square_root(kwargs):
    def r(a):
        return fopt.root_scalar(lambda x, a: x * x - a, args=(a,), xtol=1e-14, **kwargs).root
    np.testing.assert_allclose(r(4.0), 2.0, rtol=1e-10)
    np.testing.assert_allclose(fg.grad(r)(4.0), 0.25, **TOL)
    np.testing.assert_allclose(fg.jvp(r, (4.0,), (1.0,))[1], 0.25, **TOL)
    np.testing.assert_allclose(fg.grad(fg.grad(r))(4.0), -1.0 / 32.0, **TOL)


@pytest.mark.parametrize("method", ["hybr", "lm", "krylov", "broyden1", "df-sane"])
def test_root_methods_agree(method):
    def solution(a):
        return fopt.root(lambda x, a: x ** 3 + x - a, np.ones(2), args=(a,), method=method,
                         tol=1e-13).x
    a = np.array([2.0, 10.0])
    x = np.asarray(solution(a))
    np.testing.assert_allclose(fg.jacrev(solution)(a), np.diag(1 / (3 * x ** 2 + 1)),
                               rtol=1e-7, atol=1e-9)


def test_scipy_result_fields_are_kept():
    result = fopt.root(linear_residual, np.zeros(3), args=(A, B))
    assert result.success and hasattr(result, "nfev")
    np.testing.assert_allclose(result.x, np.linalg.solve(A, B))


# -- bad input ----------------------------------------------------------------------------

def test_non_convergence_raises_or_warns():
    def f(x, a):
        return fnp.sum((a - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)
    with pytest.raises(ConvergenceError, match="did not converge"):
        fg.grad(lambda a: fopt.minimize(f, np.array([-1.0, 1.0]), args=(a,), method="BFGS",
                                        options={"maxiter": 2}).x[0])(1.0)
    with pytest.warns(ConvergenceWarning):
        fopt.minimize(f, np.array([-1.0, 1.0]), args=(1.0,), method="BFGS",
                      options={"maxiter": 2}, on_failure="warn")
    with pytest.raises(ConvergenceError, match="fixed_point"):
        fg.fixed_point(lambda x, a: a * x + 1.0, 0.0, 2.0, maxiter=20)  # not a contraction
    with pytest.raises(ConvergenceError), pytest.warns(RuntimeWarning):  # SciPy's own warning
        fopt.root_scalar(lambda x, a: x * x + a, args=(1.0,), method="newton", x0=1.0,
                         maxiter=5)


def test_singular_jacobian_is_named():
    # x^2 = a at a = 0: the root x = 0 has dF/dx = 0 (a double root)
    def newton(x, a):
        return np.zeros_like(np.asarray(x, float))
    square_root = fg.custom_root(lambda x, a: x * x - a, newton)
    with pytest.raises(SingularJacobianError, match="singular"):
        fg.grad(lambda a: square_root(1.0, a))(0.0)
    with pytest.raises(SingularJacobianError):
        fg.jacfwd(lambda a: square_root(np.ones(2), a))(np.zeros(2))
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises((SingularJacobianError, ConvergenceError)):
        fg.grad(lambda b: fnp.sum(fg.custom_root(
            lambda x, b: singular @ x - b, lambda x, b: np.zeros(2),
            tangent_solve="gmres", tangent_maxiter=20)(np.zeros(2), b)))(np.ones(2))
    assert issubclass(SingularJacobianError, np.linalg.LinAlgError)


def test_wrong_shapes_and_non_float_parameters():
    with pytest.raises(ValueError, match="x's shape"):
        fg.grad(lambda a: fnp.sum(fg.custom_root(lambda x, a: fnp.sum(x) - a,
                                                 lambda x, a: np.ones(2))(np.zeros(2), a)))(1.0)
    with pytest.raises(ValueError, match="shaped like x0"):
        fg.grad(lambda a: fnp.sum(fg.custom_root(lambda x, a: x - a,
                                                 lambda x, a: np.ones(3))(np.zeros(2), a)))(1.0)
    with pytest.raises(ValueError):  # args of the wrong shape for the user's function
        fg.grad(lambda b: fnp.sum(fopt.root(linear_residual, np.zeros(3), args=(A, b)).x))(
            np.ones(4))
    with pytest.raises(TypeError, match="integer|int"):  # grad of an integer parameter
        fg.grad(lambda a: fg.fixed_point(cos_map, 0.5, a))(1)
    # an integer argument is a constant: solving works, and so do derivatives in the others
    x = fg.fixed_point(lambda x, a, n: fnp.cos(a * x) / n, 0.5, 1.0, 2)
    np.testing.assert_allclose(x, np.cos(x) / 2, atol=1e-12)
    with pytest.raises(TypeError, match="complex"):
        fg.vmap(lambda a: fg.fixed_point(cos_map, 0.5, a))(np.array([1.0 + 0j]))
    with pytest.raises(ValueError, match="on_failure"):
        fg.fixed_point(lambda x, a: a * x + 1.0, 0.0, 2.0, maxiter=2, on_failure="ignore")


def test_the_user_arrays_are_not_mutated():
    m, b = A.copy(), B.copy()
    fg.jacrev(lambda m: fopt.root(linear_residual, np.zeros(3), args=(m, b)).x)(m)
    np.testing.assert_array_equal(m, A)
    np.testing.assert_array_equal(b, B)


def test_without_scipy_the_module_names_the_extra():
    code = ("import sys; sys.modules['scipy'] = None; sys.modules['scipy.optimize'] = None\n"
            "try:\n    import funcgrad.scipy.optimize\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(__import__("pathlib").Path(__file__).parent.parent))
    assert "pip install funcgrad[scipy]" in out.stdout, out.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fg.fixed_point(cos_map, 0.5, 1.0) is not None  # no SciPy needed for this one
