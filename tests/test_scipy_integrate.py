"""Sensitivities of ODE solutions (funcgrad.scipy.integrate): the adjoint method, forward
sensitivities, finite differences, closed forms (y' = A y: expm) and reverse mode through a
fixed-step RK4 written with funcgrad, on Lotka-Volterra, Robertson (stiff: BDF, Radau) and a
linear system. The solves run at rtol = atol = 1e-10 (1e-8 for Robertson); derivatives agree
to the tolerances stated at each check (a few times the solve tolerance, relative)."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

scipy = pytest.importorskip("scipy")
import scipy.linalg  # noqa: E402

import funcgrad.scipy.integrate as fint  # noqa: E402
from funcgrad.errors import TracerConversionError  # noqa: E402
from funcgrad.transforms.implicit import ConvergenceError, ConvergenceWarning  # noqa: E402

TIGHT = dict(rtol=1e-10, atol=1e-10)
CLOSE = dict(rtol=1e-7, atol=1e-9)   # derivative vs derivative, both from 1e-10 solves

A = np.array([[-0.5, 1.0, 0.0], [-1.0, -0.3, 0.2], [0.1, 0.0, -0.8]])
Y0 = np.array([1.0, 0.5, -0.2])
TS = np.linspace(0.0, 2.0, 6)


def linear(y, t, a):
    return a @ y


def lotka_volterra(y, t, theta):
    alpha, beta, delta, gamma = theta[0], theta[1], theta[2], theta[3]
    prey, predator = y[0], y[1]
    return fnp.stack([alpha * prey - beta * prey * predator,
                      delta * prey * predator - gamma * predator])


THETA = np.array([1.1, 0.4, 0.1, 0.4])
LV_Y0 = np.array([10.0, 5.0])
LV_TS = np.linspace(0.0, 5.0, 11)


def robertson(y, t, k):
    return fnp.stack([-k[0] * y[0] + k[2] * y[1] * y[2],
                      k[0] * y[0] - k[1] * y[1] ** 2 - k[2] * y[1] * y[2],
                      k[1] * y[1] ** 2])


K = np.array([0.04, 3e7, 1e4])
ROB_Y0 = np.array([1.0, 0.0, 0.0])
ROB_TS = np.array([0.0, 0.1, 1.0, 10.0, 40.0])


def rk4(rhs, y0, ts, *params, steps=200):
    """A fixed-step RK4 written with funcgrad: differentiated by ordinary reverse mode."""
    out, y = [y0], y0
    for t0, t1 in zip(ts[:-1], ts[1:]):
        h = (t1 - t0) / steps
        t = t0
        for _ in range(steps):
            k1 = rhs(y, t, *params)
            k2 = rhs(y + h / 2 * k1, t + h / 2, *params)
            k3 = rhs(y + h / 2 * k2, t + h / 2, *params)
            k4 = rhs(y + h * k3, t + h, *params)
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            t = t + h
        out.append(y)
    return fnp.stack(out)


def finite_differences(fun, x, eps=1e-6):
    x = np.asarray(x, np.float64)
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * eps))
    return np.moveaxis(np.array(cols), 0, -1).reshape(np.shape(fun(x)) + x.shape)


def expm_solution(a, y0=Y0, ts=TS):
    return np.stack([scipy.linalg.expm(a * t) @ y0 for t in ts])


# -- values -----------------------------------------------------------------------------------

def test_linear_system_equals_the_matrix_exponential():
    np.testing.assert_allclose(fint.odeint(linear, Y0, TS, A, **TIGHT), expm_solution(A),
                               rtol=1e-9, atol=1e-10)


def test_plain_call_returns_numpy_and_solve_ivp_matches_scipy():
    ys = fint.odeint(linear, Y0, TS, A, **TIGHT)
    assert type(ys) is np.ndarray and ys.shape == (6, 3)
    ref = scipy.integrate.solve_ivp(lambda t, y: A @ y, (0.0, 2.0), Y0, t_eval=TS, **TIGHT)
    sol = fint.solve_ivp(lambda t, y, a: a @ y, (0.0, 2.0), Y0, t_eval=TS, args=(A,), **TIGHT)
    np.testing.assert_allclose(sol.y, ref.y, rtol=1e-12, atol=1e-14)
    assert sol.success and sol.y.shape == (3, 6)


# -- the linear system: closed-form derivatives ----------------------------------------------

def _expm_loss(a):
    return np.sum(expm_solution(a) ** 2)


@pytest.mark.parametrize("sensitivity", ["adjoint", "forward"])
def test_linear_system_gradient_in_the_matrix_equals_the_closed_form(sensitivity):
    def loss(a):
        return fnp.sum(fint.odeint(linear, Y0, TS, a, sensitivity=sensitivity, **TIGHT) ** 2)
    want = finite_differences(_expm_loss, A)   # of the closed form expm(A t) y0
    np.testing.assert_allclose(fg.grad(loss)(A), want, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("jacobian", [fg.jacfwd, fg.jacrev])
def test_linear_system_jacobian_in_y0_is_the_matrix_exponential(jacobian):
    jac = jacobian(lambda y0: fint.odeint(linear, y0, TS, A, **TIGHT))(Y0)
    want = np.stack([scipy.linalg.expm(A * t) for t in TS])
    np.testing.assert_allclose(jac, want, rtol=1e-8, atol=1e-9)


def test_linear_system_derivative_in_the_output_times():
    # d/dt expm(A t) y0 = A expm(A t) y0; the first time moves the start: -expm(A t) A y0
    def final(ts):
        return fint.odeint(linear, Y0, ts, A, **TIGHT)
    ts = np.array([0.3, 1.0, 2.0])
    jac_f = fg.jacfwd(final)(ts)
    jac_r = fg.jacrev(final)(ts)
    want = np.zeros((3, 3, 3))
    for i, t in enumerate(ts):
        if i:
            want[i, :, i] = A @ scipy.linalg.expm(A * (t - ts[0])) @ Y0
            want[i, :, 0] = -scipy.linalg.expm(A * (t - ts[0])) @ A @ Y0
    np.testing.assert_allclose(jac_f, want, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(jac_r, want, rtol=1e-8, atol=1e-9)


def test_linear_system_hessian_in_every_mode():
    def loss(a):
        return fnp.sum(fint.odeint(linear, Y0, TS[:3], a, **TIGHT) ** 2)
    small = A[:2, :2]

    def loss2(a):
        return fnp.sum(fint.odeint(linear, Y0[:2], TS[:3], a, **TIGHT) ** 2)
    gradient = fg.grad(loss2)
    want = finite_differences(lambda a: np.asarray(gradient(a)), small, eps=1e-5)
    np.testing.assert_allclose(fg.hessian(loss2)(small), want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(fg.jacrev(fg.grad(loss2))(small), want, rtol=1e-6, atol=1e-7)
    assert np.isfinite(loss(A))


# -- Lotka-Volterra: adjoint vs forward vs finite differences vs RK4 by reverse mode ------------

def _lv_loss(theta, solve):
    ys = solve(lotka_volterra, LV_Y0, LV_TS, theta)
    return fnp.sum(ys[:, 0] ** 2 + 0.5 * ys[:, 1] ** 2) / 100.0


def test_lotka_volterra_adjoint_forward_differences_and_rk4_agree():
    def odeint(sensitivity):
        return lambda *a: fint.odeint(*a, sensitivity=sensitivity, **TIGHT)
    adjoint = fg.grad(lambda th: _lv_loss(th, odeint("adjoint")))(THETA)
    forward = fg.grad(lambda th: _lv_loss(th, odeint("forward")))(THETA)
    jvp_mode = fg.jacfwd(lambda th: _lv_loss(th, odeint("adjoint")))(THETA)
    fd = finite_differences(lambda th: float(_lv_loss(th, odeint("adjoint"))), THETA, eps=1e-6)
    rk4_grad = fg.grad(lambda th: _lv_loss(th, lambda *a: rk4(*a, steps=100)))(THETA)
    np.testing.assert_allclose(adjoint, forward, **CLOSE)
    np.testing.assert_allclose(adjoint, jvp_mode, **CLOSE)
    np.testing.assert_allclose(adjoint, fd, rtol=1e-6, atol=1e-7)
    # RK4 with h = 0.005 has its own error (h^4 ~ 6e-10, times the solution's derivatives)
    np.testing.assert_allclose(adjoint, rk4_grad, rtol=1e-6, atol=1e-7)


def test_lotka_volterra_jacobians_in_y0_and_theta_agree_across_modes():
    def traj(y0, th):
        return fint.odeint(lotka_volterra, y0, LV_TS, th, **TIGHT)
    jf = fg.jacfwd(traj, argnums=(0, 1))(LV_Y0, THETA)
    jr = fg.jacrev(traj, argnums=(0, 1))(LV_Y0, THETA)
    for a, b in zip(jf, jr):
        np.testing.assert_allclose(a, b, **CLOSE)
    fd = finite_differences(lambda th: traj(LV_Y0, th), THETA)
    np.testing.assert_allclose(jf[1], fd, rtol=1e-6, atol=1e-6)


def test_solve_ivp_signature_gradient_and_forward_sensitivity():
    def final(th, sensitivity):
        sol = fint.solve_ivp(lambda t, y, th: lotka_volterra(y, t, th), (0.0, 5.0), LV_Y0,
                             t_eval=LV_TS, args=(th,), sensitivity=sensitivity, **TIGHT)
        return fnp.sum(sol.y[0] ** 2 + 0.5 * sol.y[1] ** 2) / 100.0
    want = fg.grad(lambda th: _lv_loss(th, lambda *a: fint.odeint(*a, **TIGHT)))(THETA)
    for sensitivity in ("adjoint", "forward"):
        np.testing.assert_allclose(fg.grad(lambda th: final(th, sensitivity))(THETA), want,
                                   **CLOSE)


def test_solve_ivp_with_t_eval_after_the_start_solves_from_t_span_0():
    ts = np.array([0.5, 1.0, 2.0])
    sol = fint.solve_ivp(lambda t, y, a: a @ y, (0.0, 2.0), Y0, t_eval=ts, args=(A,), **TIGHT)
    np.testing.assert_allclose(sol.y.T, expm_solution(A, ts=ts), rtol=1e-9, atol=1e-10)
    np.testing.assert_array_equal(sol.t, ts)

    def final(a):
        return fint.solve_ivp(lambda t, y, a: a @ y, (0.0, 2.0), Y0, t_eval=ts, args=(a,),
                              **TIGHT).y[0, 0]
    want = finite_differences(lambda a: expm_solution(a, ts=ts)[0, 0], A)
    np.testing.assert_allclose(fg.grad(final)(A), want, rtol=1e-7, atol=1e-8)


def test_solve_ivp_without_t_eval_differentiates_at_the_solvers_steps():
    def final(th):
        sol = fint.solve_ivp(lambda t, y, th: lotka_volterra(y, t, th), (0.0, 2.0), LV_Y0,
                             args=(th,), **TIGHT)
        return sol.y[0, -1]
    fd = finite_differences(lambda th: float(final(th)), THETA)
    np.testing.assert_allclose(fg.grad(final)(THETA), fd, rtol=1e-6, atol=1e-7)
    sol = fint.solve_ivp(lambda t, y, th: lotka_volterra(y, t, th), (0.0, 2.0), LV_Y0,
                         args=(THETA,), **TIGHT)
    assert sol.t[0] == 0.0 and sol.t[-1] == 2.0 and sol.y.shape == (2, sol.t.size)


def test_lotka_volterra_hessian_forward_over_reverse_and_reverse_over_reverse():
    def loss(th):
        return _lv_loss(th, lambda rhs, y0, ts, p: fint.odeint(rhs, y0, ts[:4], p, **TIGHT))
    gradient = fg.grad(loss)
    want = finite_differences(lambda th: np.asarray(gradient(th)), THETA, eps=1e-5)
    np.testing.assert_allclose(fg.hessian(loss)(THETA), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fg.jacrev(gradient)(THETA), want, rtol=1e-5, atol=1e-6)


# -- Robertson: stiff, BDF and Radau -------------------------------------------------------------

@pytest.mark.parametrize("method", ["BDF", "Radau"])
def test_robertson_stiff_adjoint_and_forward_match_finite_differences(method):
    tol = dict(rtol=1e-8, atol=1e-12)

    def loss(logk, sensitivity="adjoint"):
        ys = fint.odeint(robertson, ROB_Y0, ROB_TS, fnp.exp(logk), method=method,
                         sensitivity=sensitivity, **tol)
        return fnp.sum(ys[:, 0] + 1e4 * ys[:, 1] + ys[:, 2] ** 2)
    logk = np.log(K)
    adjoint = fg.grad(loss)(logk)
    forward = fg.grad(lambda lk: loss(lk, "forward"))(logk)
    jvp_mode = fg.jacfwd(loss)(logk)
    fd = finite_differences(lambda lk: float(loss(lk)), logk, eps=1e-5)
    np.testing.assert_allclose(adjoint, forward, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(adjoint, jvp_mode, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(adjoint, fd, rtol=1e-4, atol=1e-6)


# -- vmap and jit -----------------------------------------------------------------------------

def test_vmap_of_solutions_and_gradients():
    mats = np.stack([A, 0.5 * A, 1.5 * A])
    got = fg.vmap(lambda a: fint.odeint(linear, Y0, TS, a, **TIGHT))(mats)
    np.testing.assert_allclose(got, np.stack([expm_solution(a) for a in mats]), rtol=1e-8,
                               atol=1e-10)
    y0s = np.stack([Y0, 2 * Y0])
    got = fg.vmap(lambda y0: fint.odeint(linear, y0, TS, A, **TIGHT))(y0s)
    np.testing.assert_allclose(got[1], 2 * got[0], rtol=1e-8, atol=1e-10)

    def loss(a):
        return fnp.sum(fint.odeint(linear, Y0, TS, a, **TIGHT) ** 2)
    grads = fg.vmap(fg.grad(loss))(mats)
    for a, g in zip(mats, grads):
        np.testing.assert_allclose(g, fg.grad(loss)(a), **CLOSE)


def test_jit_of_the_solution_and_of_its_gradient():
    def loss(a):
        return fnp.sum(fint.odeint(linear, Y0, TS, a, **TIGHT) ** 2)
    jitted, gradient = fg.jit(loss), fg.jit(fg.grad(loss))
    for a in (A, 0.5 * A):
        np.testing.assert_allclose(jitted(a), _expm_loss(a), rtol=1e-9)
        np.testing.assert_allclose(gradient(a), finite_differences(_expm_loss, a), rtol=1e-7,
                                   atol=1e-8)
    assert gradient.cache_info()["trace_count"] == 1


# -- bad input --------------------------------------------------------------------------------

def test_closure_held_traced_parameters_are_refused_with_what_to_do():
    with pytest.raises(TracerConversionError, match="pass them in args / as params"):
        fg.grad(lambda k: fnp.sum(fint.odeint(lambda y, t: -k * y, Y0, TS)))(1.0)
    with pytest.raises(TracerConversionError, match="pass them in args"):
        fg.grad(lambda k: fint.solve_ivp(lambda t, y: -k * y, (0.0, 1.0), Y0,
                                         t_eval=TS[:2]).y[0, -1])(1.0)


def test_non_float_parameters_and_states_are_refused():
    with pytest.raises(TypeError, match="floating-point"):
        fint.odeint(linear, Y0, TS, A.astype(int))
    with pytest.raises(TypeError, match="floating-point"):
        fint.odeint(linear, np.array([1, 2, 3]), TS, A)
    with pytest.raises(TypeError, match="complex"):
        fint.odeint(linear, Y0, TS, A + 0j)


def test_wrong_shapes_of_parameters_and_times_are_refused():
    with pytest.raises(ValueError, match=r"parameters of shapes \(2, 2\)"):
        fint.odeint(linear, Y0, TS, A[:2, :2])          # the matmul itself refuses
    with pytest.raises(ValueError, match=r"returned shape \(2,\)"):
        fint.odeint(lambda y, t, a: a @ y, Y0, TS, A[:2])
    with pytest.raises(ValueError, match="strictly increasing"):
        fint.odeint(linear, Y0, TS[::-1], A)
    with pytest.raises(ValueError, match="1-d"):
        fint.odeint(linear, Y0, np.zeros((2, 2)), A)
    with pytest.raises(TypeError, match="args must be a tuple"):
        fint.solve_ivp(lambda t, y, a: a @ y, (0.0, 1.0), Y0, args=A)
    with pytest.raises(ValueError, match="1-d"):
        fint.solve_ivp(lambda t, y: y, (0.0, 1.0), np.ones((2, 2)))
    with pytest.raises(ValueError, match="sensitivity"):
        fg.grad(lambda a: fnp.sum(fint.odeint(linear, Y0, TS, a, sensitivity="both")))(A)


def test_a_failed_solve_raises_or_warns_as_asked():
    blowup = lambda y, t, c: c * y ** 2            # y = 1 / (1 - t): singular at t = 1
    ts = np.array([0.0, 0.5, 2.0])
    with pytest.raises(ConvergenceError, match="failed"):
        fg.grad(lambda c: fnp.sum(fint.odeint(blowup, 1.0, ts, c)))(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            fint.odeint(blowup, 1.0, ts, 1.0, on_failure="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ys = fint.odeint(blowup, 1.0, ts, 1.0, on_failure="warn")
    assert np.isclose(ys[1], 2.0) and np.isnan(ys[2])


def test_dense_output_and_events_are_not_differentiable():
    with pytest.raises(ValueError, match="dense_output"):
        fg.grad(lambda a: fint.solve_ivp(lambda t, y, a: a @ y, (0.0, 1.0), Y0, args=(a,),
                                         dense_output=True).y[0, -1])(A)


def test_missing_scipy_names_the_extra():
    code = ("import sys; sys.modules['scipy'] = None; sys.modules['scipy.integrate'] = None\n"
            "try:\n    import funcgrad.scipy.integrate\nexcept ImportError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(__import__("pathlib").Path(__file__).parent.parent))
    assert "funcgrad[scipy]" in out.stdout, out.stdout + out.stderr


def test_the_ode_fit_example_recovers_the_parameters():
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    env = dict(__import__("os").environ, PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, str(root / "examples" / "ode_fit.py")],
                         capture_output=True, text=True, cwd=str(root), env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    fitted = dict(re.findall(r"(alpha|beta|delta|gamma)\s+= (\S+)", out.stdout))
    true = {"alpha": 1.1, "beta": 0.4, "delta": 0.1, "gamma": 0.4}
    assert set(fitted) == set(true), out.stdout
    for name, value in true.items():
        assert abs(float(fitted[name]) - value) < 0.1 * value, out.stdout
