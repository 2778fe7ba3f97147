"""Derivatives through SciPy's solvers (issue 12), timed side by side in one run.

    python benchmarks/scipy_solvers.py [section ...]      (sections: see SECTIONS; default all)

Each section is one function printing its own table; add a section by writing a function and
listing it in SECTIONS.

bilevel: the gradient of a validation loss in the ridge penalty of the training problem,
    w*(lam) = argmin_w |X w - y|^2 / (2 n) + lam / 2 |w|^2    (L-BFGS-B, funcgrad's exact jac)
    loss(lam) = |X_val w*(lam) - y_val|^2 / (2 n_val),
through `funcgrad.scipy.optimize.minimize` (implicit function theorem), against the solve itself
(the same call on plain values: target at most 1.5x), SciPy's minimize with a hand-written NumPy
gradient, and unrolled reverse mode through a fixed-iteration solver written with funcgrad
(Nesterov's accelerated gradient, as many steps as it needs to match the solve to 1e-8).

ode: a small neural ODE in NumPy, dy/dt = W3 tanh(W2 tanh(W1 y + b1) + b2) + b3 with y in R^2 and
    30 hidden units (1,082 parameters), RK45 at rtol 1e-6, atol 1e-8 on [0, 2] with 11 output
    times, loss = sum of squares of the trajectory. Ratios: CPU time / one forward solve
    (funcgrad.scipy.integrate.odeint on plain values). Targets: the adjoint gradient at most 5x,
    forward sensitivities at most (1 + #params/5)x. torchdiffeq's odeint_adjoint (dopri5,
    float64) and JAX's jax.experimental.ode.odeint (jit, float64) on the same problem and
    tolerances, each against its own forward solve, where installed.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import compare, optional, report, steady_malloc  # noqa: E402  (pins BLAS threads first)

import numpy as np  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402


# -- bilevel: a ridge penalty fitted through minimize -----------------------------------------

def ridge_problem(n=400, d=60, seed=0):
    """Training and validation data of a linear model with noise."""
    rng = np.random.default_rng(seed)
    w_true = rng.normal(size=d) * (rng.random(d) < 0.3)
    X, X_val = rng.normal(size=(n, d)), rng.normal(size=(n // 2, d))
    y = X @ w_true + 0.5 * rng.normal(size=n)
    y_val = X_val @ w_true + 0.5 * rng.normal(size=n // 2)
    return X, y, X_val, y_val


def bilevel():
    import scipy.optimize as sopt

    import funcgrad.scipy.optimize as fopt
    X, y, X_val, y_val = ridge_problem()
    n, d = X.shape
    options = {"gtol": 1e-10, "ftol": 1e-15, "maxiter": 1000}

    def training(w, lam):
        r = X @ w - y
        return 0.5 * (r @ r) / n + 0.5 * lam * (w @ w)

    def validation(w):
        r = X_val @ w - y_val
        return 0.5 * (r @ r) / X_val.shape[0]

    def loss(lam):
        w = fopt.minimize(training, np.zeros(d), args=(lam,), method="L-BFGS-B",
                          options=options).x
        return validation(w)

    def by_hand_solve(lam):  # SciPy with a hand-written NumPy objective and gradient
        def f(w):
            r = X @ w - y
            return 0.5 * (r @ r) / n + 0.5 * lam * (w @ w), X.T @ r / n + lam * w
        return sopt.minimize(f, np.zeros(d), jac=True, method="L-BFGS-B", options=options).x

    # unrolled: Nesterov's accelerated gradient, written with funcgrad, a fixed step count
    step_count = 400
    hessian_bound = np.linalg.eigvalsh(X.T @ X / n)[[0, -1]]

    def unrolled_loss(lam):
        mu, L = hessian_bound[0] + lam, hessian_bound[1] + lam
        momentum = (fnp.sqrt(L) - fnp.sqrt(mu)) / (fnp.sqrt(L) + fnp.sqrt(mu))
        w = previous = fnp.zeros(d)
        for _ in range(step_count):
            v = w + momentum * (w - previous)
            previous, w = w, v - (X.T @ (X @ v - y) / n + lam * v) / L
        return validation(w)

    lam = 0.05
    closed = np.linalg.solve(X.T @ X / n + lam * np.eye(d), X.T @ y / n)
    dw = -np.linalg.solve(X.T @ X / n + lam * np.eye(d), closed)  # dw*/dlam
    exact = (X_val.T @ (X_val @ closed - y_val) / X_val.shape[0]) @ dw
    grad_implicit = fg.grad(loss)
    grad_unrolled = fg.grad(unrolled_loss)
    for name, value in (("implicit", grad_implicit(lam)), ("unrolled", grad_unrolled(lam))):
        error = abs(float(value) - exact) / abs(exact)
        assert error < 1e-6, f"{name} gradient off by {error:.2g}"
    np.testing.assert_allclose(by_hand_solve(lam), closed, atol=1e-7)

    contenders = {
        "solve (minimize, no grad)": lambda: loss(lam),
        "grad through minimize": lambda: grad_implicit(lam),
        "scipy + numpy gradient": lambda: by_hand_solve(lam),
        f"grad unrolled ({step_count} NAG)": lambda: grad_unrolled(lam),
    }
    medians = compare(contenders, rounds=5, min_time=0.2)
    print(f"\nbilevel ridge penalty, X {n}x{d}, L-BFGS-B to gtol 1e-10 ({steady_malloc()}); "
          f"d loss / d lam = {exact:.6g}, implicit and unrolled agree to 1e-6")
    report("gradient of the validation loss in lam, CPU time per call", medians,
           "solve (minimize, no grad)")
    ratio = medians["grad through minimize"] / medians["solve (minimize, no grad)"]
    print(f"  grad / solve = {ratio:.2f}x (target <= 1.5x): "
          f"{'met' if ratio <= 1.5 else 'NOT met'};  unrolled / implicit grad = "
          f"{medians[f'grad unrolled ({step_count} NAG)'] / medians['grad through minimize']:.1f}x")
    return medians


# -- ODE: adjoint and forward sensitivities of a neural ODE -----------------------------------

ODE_STATES, ODE_HIDDEN = 2, 30
ODE_TOL = dict(rtol=1e-6, atol=1e-8)
ODE_TIMES = np.linspace(0.0, 2.0, 11)


def neural_ode_weights(seed=0):
    rng = np.random.default_rng(seed)
    n, h = ODE_STATES, ODE_HIDDEN
    return (rng.standard_normal((h, n)) / np.sqrt(n), 0.1 * rng.standard_normal(h),
            rng.standard_normal((h, h)) / np.sqrt(h), 0.1 * rng.standard_normal(h),
            rng.standard_normal((n, h)) / np.sqrt(h), 0.1 * rng.standard_normal(n))


def neural_rhs(y, t, w1, b1, w2, b2, w3, b3):
    z = fnp.tanh(w1 @ y + b1)
    z = fnp.tanh(w2 @ z + b2)
    return w3 @ z + b3


def ode_section():
    import funcgrad.scipy.integrate as fint
    weights = neural_ode_weights()
    y0 = np.array([1.0, -0.5])
    n_params = sum(w.size for w in weights)

    def solve(*w, sensitivity="adjoint"):
        return fint.odeint(neural_rhs, y0, ODE_TIMES, *w, sensitivity=sensitivity, **ODE_TOL)

    def loss(w, sensitivity="adjoint"):
        return fnp.sum(solve(*w, sensitivity=sensitivity) ** 2)

    adjoint = fg.grad(loss)
    forward = fg.grad(lambda w: loss(w, "forward"))
    g_adj, g_fwd = adjoint(weights), forward(weights)
    gap = max(np.max(np.abs(a - b)) / (np.max(np.abs(b)) + 1e-30) for a, b in zip(g_adj, g_fwd))
    contenders = {
        "funcgrad forward solve": lambda: solve(*weights),
        "funcgrad grad (adjoint)": lambda: adjoint(weights),
        "funcgrad grad (forward sens.)": lambda: forward(weights),
    }
    peers = {}
    torch_pair = _torchdiffeq(weights, y0)
    if torch_pair is not None:
        contenders["torchdiffeq forward solve"], contenders["torchdiffeq odeint_adjoint"] = \
            torch_pair
        peers["torchdiffeq odeint_adjoint"] = "torchdiffeq forward solve"
    jax_pair = _jax_odeint(weights, y0)
    if jax_pair is not None:
        contenders["jax odeint forward (jit)"], contenders["jax grad(odeint) (jit)"] = jax_pair
        peers["jax grad(odeint) (jit)"] = "jax odeint forward (jit)"
    medians = compare(contenders, rounds=5, min_time=0.2)
    report(f"ODE: neural ODE, {ODE_STATES} states, {n_params} parameters, RK45 rtol 1e-6 "
           f"(adjoint vs forward-sensitivity gradients agree to {gap:.1e} relative)", medians,
           "funcgrad forward solve")
    base = medians["funcgrad forward solve"]
    print(f"  targets: adjoint <= 5x -> {medians['funcgrad grad (adjoint)'] / base:.2f}x; "
          f"forward sensitivities <= {1 + n_params / 5:.0f}x -> "
          f"{medians['funcgrad grad (forward sens.)'] / base:.2f}x")
    for peer, own in peers.items():
        print(f"  {peer}: {medians[peer] / medians[own]:.2f}x its own forward solve, "
              f"{medians[peer] / medians['funcgrad grad (adjoint)']:.2f}x funcgrad's adjoint")
    return medians


def _torchdiffeq(weights, y0):
    torch = optional("torch")
    torchdiffeq = optional("torchdiffeq")
    if torch is None or torchdiffeq is None:
        print("torchdiffeq not installed: skipped")
        return None
    torch.set_num_threads(1)

    class Field(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.ParameterList([torch.nn.Parameter(torch.tensor(w)) for w in weights])

        def forward(self, t, y):
            w1, b1, w2, b2, w3, b3 = self.w
            z = torch.tanh(w1 @ y + b1)
            z = torch.tanh(w2 @ z + b2)
            return w3 @ z + b3

    field = Field()
    y = torch.tensor(y0)
    ts = torch.tensor(ODE_TIMES)

    def forward():
        with torch.no_grad():
            return torchdiffeq.odeint(field, y, ts, method="dopri5", **ODE_TOL)

    def gradient():
        field.zero_grad()
        ys = torchdiffeq.odeint_adjoint(field, y, ts, method="dopri5", **ODE_TOL)
        (ys ** 2).sum().backward()
        return [p.grad for p in field.parameters()]
    return forward, gradient


def _jax_odeint(weights, y0):
    jax = optional("jax")
    if jax is None:
        print("jax not installed: skipped")
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.experimental.ode import odeint

    def rhs(y, t, w1, b1, w2, b2, w3, b3):
        z = jnp.tanh(w1 @ y + b1)
        z = jnp.tanh(w2 @ z + b2)
        return w3 @ z + b3

    w = tuple(jnp.asarray(x) for x in weights)
    y, ts = jnp.asarray(y0), jnp.asarray(ODE_TIMES)
    forward = jax.jit(lambda w: odeint(rhs, y, ts, *w, **ODE_TOL))
    gradient = jax.jit(jax.grad(lambda w: jnp.sum(odeint(rhs, y, ts, *w, **ODE_TOL) ** 2)))
    return (lambda: forward(w).block_until_ready(),
            lambda: jax.block_until_ready(gradient(w)))


SECTIONS = {"bilevel": bilevel, "ode": ode_section}


def main(argv=()):
    names = list(argv) or list(SECTIONS)
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    for name in names:
        SECTIONS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
