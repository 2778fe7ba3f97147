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
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import compare, report, steady_malloc  # noqa: E402  (pins BLAS threads first)

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


SECTIONS = {"bilevel": bilevel}


def main(argv=()):
    names = list(argv) or list(SECTIONS)
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    for name in names:
        SECTIONS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
