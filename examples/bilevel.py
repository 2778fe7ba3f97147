"""A ridge-regression penalty fitted by gradient descent through scipy.optimize.minimize.

    python examples/bilevel.py

The inner problem fits the weights on training data for a penalty lam = exp(t):
    w*(t) = argmin_w |X w - y|^2 / (2 n) + exp(t) / 2 |w|^2      (SciPy's L-BFGS-B)
and the outer problem picks t to minimise the validation error |X_val w*(t) - y_val|^2 / (2 m).
`funcgrad.scipy.optimize.minimize` runs the real SciPy solver; the derivative of w*(t) comes from
the implicit function theorem on grad_w = 0 (one linear solve with the Hessian), not from
unrolling L-BFGS-B. The fitted penalty is checked against a grid search.
"""
import os
import sys

# a 50-unknown problem: threads of the BLAS only cost (L-BFGS-B's small products on a busy
# machine were several times slower with them)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.scipy.optimize as fopt  # noqa: E402


def make_data(n=100, d=50, seed=0):
    """A sparse linear model with noise: training and validation sets."""
    rng = np.random.default_rng(seed)
    w_true = rng.normal(size=d) * (rng.random(d) < 0.25)
    X, X_val = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    y = X @ w_true + 2.0 * rng.normal(size=n)
    y_val = X_val @ w_true + 2.0 * rng.normal(size=n)
    return X, y, X_val, y_val


X, y, X_val, y_val = make_data()


def training_loss(w, log_lam):
    r = X @ w - y
    return 0.5 * (r @ r) / len(y) + 0.5 * fg.numpy.exp(log_lam) * (w @ w)


def weights(log_lam):
    return fopt.minimize(training_loss, np.zeros(X.shape[1]), args=(log_lam,),
                         method="L-BFGS-B", options={"gtol": 1e-9, "ftol": 1e-13}).x


def validation_loss(log_lam):
    r = X_val @ weights(log_lam) - y_val
    return 0.5 * (r @ r) / len(y_val)


def fit(log_lam=np.log(1e-2), steps=25, learning_rate=1.0):
    """Gradient descent on the validation loss in t = log lam."""
    value_and_grad = fg.value_and_grad(validation_loss)
    for step in range(steps):
        value, slope = value_and_grad(log_lam)
        if step % 5 == 0:
            print(f"  step {step:2d}: lam = {np.exp(log_lam):.4g}, validation loss = "
                  f"{float(value):.5f}, d loss / d log lam = {float(slope):+.3g}")
        log_lam = log_lam - learning_rate * float(slope)
    return log_lam


def main():
    print("fitting the ridge penalty by gradient descent through minimize:")
    log_lam = fit()
    grid = np.linspace(np.log(1e-4), np.log(10.0), 100)
    losses = [float(validation_loss(t)) for t in grid]
    best = grid[int(np.argmin(losses))]
    print(f"fitted lam = {np.exp(log_lam):.4g} (validation loss {float(validation_loss(log_lam)):.5f})")
    print(f"grid search over 100 values: lam = {np.exp(best):.4g} "
          f"(validation loss {min(losses):.5f})")
    print(f"unpenalised (lam = 1e-4): validation loss {losses[0]:.5f}")
    return float(np.exp(log_lam)), float(np.exp(best))


if __name__ == "__main__":
    main()
