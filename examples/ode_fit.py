"""Fit the four parameters of a Lotka-Volterra predator-prey model to noisy observations.

The model is solved by SciPy's `solve_ivp` (through funcgrad.scipy.integrate), and the gradient of
the least-squares misfit with respect to the parameters comes from the adjoint method: one
backward solve per gradient, whatever the number of parameters. SciPy's L-BFGS-B then fits the
logarithms of the parameters (which keeps them positive).

    python examples/ode_fit.py
"""
import time

import numpy as np
import scipy.optimize

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.scipy.integrate as fint


def lotka_volterra(t, y, theta):
    """dy/dt for prey y[0] and predators y[1]: theta = (alpha, beta, delta, gamma)."""
    alpha, beta, delta, gamma = theta[0], theta[1], theta[2], theta[3]
    return fnp.stack([alpha * y[0] - beta * y[0] * y[1],
                      delta * y[0] * y[1] - gamma * y[1]])


TRUE_THETA = np.array([1.1, 0.4, 0.1, 0.4])
Y0 = np.array([10.0, 5.0])
TIMES = np.linspace(0.0, 15.0, 31)
TOL = dict(rtol=1e-8, atol=1e-8)


def simulate(theta):
    return fint.solve_ivp(lotka_volterra, (TIMES[0], TIMES[-1]), Y0, t_eval=TIMES,
                          args=(theta,), **TOL).y


def misfit(log_theta, data):
    """Mean squared error of the simulated populations against the observations."""
    return fnp.mean((simulate(fnp.exp(log_theta)) - data) ** 2)


def main():
    rng = np.random.default_rng(0)
    data = simulate(TRUE_THETA) + rng.normal(0.0, 0.2, size=(2, TIMES.size))
    value_and_grad = fg.value_and_grad(misfit)

    def objective(log_theta):
        value, gradient = value_and_grad(log_theta, data)
        return float(value), np.asarray(gradient, np.float64)

    start = np.log(np.array([0.8, 0.3, 0.15, 0.6]))
    began = time.perf_counter()
    result = scipy.optimize.minimize(objective, start, jac=True, method="L-BFGS-B")
    seconds = time.perf_counter() - began
    theta = np.exp(result.x)
    print(f"fitted in {seconds:.1f} s, {result.nit} iterations, {result.nfev} gradients "
          f"(adjoint method), misfit {result.fun:.4f} (noise variance 0.04)")
    for name, got, true in zip(("alpha", "beta", "delta", "gamma"), theta, TRUE_THETA):
        print(f"  {name:5s} = {got:.4f}   (true {true})")
    return theta


if __name__ == "__main__":
    main()
