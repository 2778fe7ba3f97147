"""minimize with constraints: the derivative of the minimiser through the KKT system (SLSQP and
trust-constr, equality and inequality constraints, with and without bounds), against closed
forms to 1e-8 in both modes and to second order."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

pytest.importorskip("scipy")
from scipy.optimize import LinearConstraint, NonlinearConstraint  # noqa: E402

import funcgrad.scipy.optimize as fopt  # noqa: E402
from funcgrad.transforms.implicit import ConvergenceError  # noqa: E402

TOL = dict(rtol=1e-8, atol=1e-9)
OPTIONS = {"SLSQP": {"ftol": 1e-15, "maxiter": 500},
           "trust-constr": {"gtol": 1e-12, "xtol": 1e-14, "barrier_tol": 1e-12, "maxiter": 5000}}


def distance(x, a):
    return fnp.sum((x - a) ** 2)


def sphere(center, kind, method):
    """|x - center|^2 = 1 in the form each method takes."""
    if method == "SLSQP":
        return [{"type": kind, "fun": lambda x: 1.0 - fnp.sum((x - center) ** 2)}]
    if kind == "eq":
        return [NonlinearConstraint(lambda x: fnp.sum((x - center) ** 2), 1.0, 1.0)]
    return [NonlinearConstraint(lambda x: fnp.sum((x - center) ** 2), -np.inf, 1.0)]


def projection_jacobian(a):
    """d(a / |a|)/da = (I - u u^T) / |a|."""
    u = a / np.linalg.norm(a)
    return (np.eye(a.size) - np.outer(u, u)) / np.linalg.norm(a)


@pytest.mark.parametrize("method", ["SLSQP", "trust-constr"])
def test_projection_onto_a_sphere_first_and_second_order(method):
    def nearest(a):
        return fopt.minimize(distance, np.array([0.5, 0.5, 0.5]), args=(a,), method=method,
                             constraints=sphere(np.zeros(3), "eq", method),
                             options=OPTIONS[method]).x
    a = np.array([1.0, 2.0, -1.0])
    np.testing.assert_allclose(nearest(a), a / np.linalg.norm(a), rtol=1e-9)
    np.testing.assert_allclose(fg.jacrev(nearest)(a), projection_jacobian(a), **TOL)
    np.testing.assert_allclose(fg.jacfwd(nearest)(a), projection_jacobian(a), **TOL)
    closed = fg.hessian(lambda a: a[0] / fnp.sqrt(fnp.sum(a ** 2)))(a)
    np.testing.assert_allclose(fg.hessian(lambda a: nearest(a)[0])(a), closed, **TOL)
    np.testing.assert_allclose(fg.jacfwd(fg.grad(lambda a: nearest(a)[0]))(a), closed, **TOL)


@pytest.mark.parametrize("method", ["SLSQP", "trust-constr"])
def test_nonlinear_equality_with_an_active_bound(method):
    # the sphere about (0, 0, 0.5) with x2 >= 0 held at its bound: the circle x0^2 + x1^2 = 3/4
    # at x2 = 0, whose constraint gradient has a component along the bounded x2 (its multiplier
    # must be fitted on the free components only)
    center = np.array([0.0, 0.0, 0.5])

    def nearest(a):
        return fopt.minimize(distance, np.array([0.5, 0.5, 0.5]), args=(a,), method=method,
                             bounds=[(None, None), (None, None), (0.0, None)],
                             constraints=sphere(center, "eq", method),
                             options=OPTIONS[method]).x
    a = np.array([1.0, 2.0, -1.0])
    radius = np.sqrt(0.75)
    expected = np.zeros((3, 3))
    expected[:2, :2] = radius * projection_jacobian(a[:2])
    np.testing.assert_allclose(nearest(a)[:2], radius * a[:2] / np.linalg.norm(a[:2]), rtol=1e-9)
    np.testing.assert_allclose(fg.jacrev(nearest)(a), expected, **TOL)
    np.testing.assert_allclose(fg.jacfwd(nearest)(a), expected, **TOL)


@pytest.mark.parametrize("method", ["SLSQP", "trust-constr"])
def test_inequality_inside_and_on_the_ball(method):
    def nearest(a):
        return fopt.minimize(distance, np.full(3, 0.1), args=(a,), method=method,
                             constraints=sphere(np.zeros(3), "ineq", method),
                             options=OPTIONS[method]).x
    outside = np.array([1.0, 2.0, -1.0])   # the constraint is active: the projection
    inside = np.array([0.2, -0.1, 0.3])    # inactive: x = a, the identity
    np.testing.assert_allclose(fg.jacrev(nearest)(outside), projection_jacobian(outside), **TOL)
    np.testing.assert_allclose(fg.jacfwd(nearest)(outside), projection_jacobian(outside), **TOL)
    np.testing.assert_allclose(fg.jacrev(nearest)(inside), np.eye(3), **TOL)
    np.testing.assert_allclose(fg.jacfwd(nearest)(inside), np.eye(3), **TOL)


Q = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 1.5]])
E = np.array([[1.0, 1.0, 1.0], [1.0, -1.0, 0.0]])


def qp(x, c):
    return 0.5 * x @ Q @ x - c @ x


@pytest.mark.parametrize("method", ["SLSQP", "trust-constr"])
def test_equality_qp_in_the_linear_term_and_the_right_hand_side(method):
    # min 1/2 x'Qx - c'x s.t. E x = d: [x; -lambda] = [[Q, E'], [E, 0]]^-1 [c; d]
    def solution(c, d):
        if method == "SLSQP":
            constraints = [{"type": "eq", "fun": lambda x, d: E @ x - d, "args": (d,)}]
        else:  # LinearConstraint bounds are constants: d enters through the objective only
            constraints = [LinearConstraint(E, np.asarray(d), np.asarray(d))]
        return fopt.minimize(qp, np.zeros(3), args=(c,), method=method, constraints=constraints,
                             options=OPTIONS[method]).x
    kkt_inverse = np.linalg.inv(np.block([[Q, E.T], [E, np.zeros((2, 2))]]))
    c, d = np.array([1.0, 0.3, -0.4]), np.array([0.5, 0.1])
    np.testing.assert_allclose(solution(c, d), (kkt_inverse @ np.concatenate([c, d]))[:3],
                               atol=1e-8)
    np.testing.assert_allclose(fg.jacrev(solution)(c, d), kkt_inverse[:3, :3], **TOL)
    np.testing.assert_allclose(fg.jacfwd(solution)(c, d), kkt_inverse[:3, :3], **TOL)
    if method == "SLSQP":
        np.testing.assert_allclose(fg.jacrev(solution, argnums=1)(c, d), kkt_inverse[:3, 3:],
                                   **TOL)
        np.testing.assert_allclose(fg.jacfwd(solution, argnums=1)(c, d), kkt_inverse[:3, 3:],
                                   **TOL)
    # second order: the solution is linear in (c, d)
    np.testing.assert_allclose(fg.hessian(lambda c: solution(c, d)[0])(c), np.zeros((3, 3)),
                               atol=1e-8)


def test_a_constrained_solver_that_fails_raises():
    with pytest.raises(ConvergenceError, match="did not converge"):
        fg.grad(lambda a: fnp.sum(fopt.minimize(
            distance, np.array([3.0, -2.0, 1.0]), args=(a,), method="SLSQP",
            constraints=sphere(np.zeros(3), "eq", "SLSQP"), options={"maxiter": 1}).x))(
            np.array([1.0, 2.0, -1.0]))
