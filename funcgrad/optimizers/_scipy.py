"""minimize: scipy.optimize.minimize (L-BFGS-B, BFGS, CG...) over a pytree of parameters.

The pytree is flattened with ravel_pytree, the objective and its gradient come from one
value_and_grad per evaluation, and the result is unflattened. SciPy is an optional extra.
"""
from __future__ import annotations

import numpy as np

from funcgrad.flatten_util import ravel_pytree


def minimize(fun, params, *args, method="L-BFGS-B", tol=None, options=None, jit=False,
             **kwargs):
    """Minimise scalar `fun(params, *args)` over the pytree `params` with
    scipy.optimize.minimize; returns (best params as a pytree, SciPy's OptimizeResult).

    `jit=True` compiles the value-and-gradient function with funcgrad.jit first. Other keyword
    arguments (bounds as a flat sequence, callback...) go to SciPy.

    >>> import funcgrad.numpy as fnp
    >>> best, info = minimize(lambda p: fnp.sum((p["x"] - 3.0) ** 2), {"x": fnp.zeros(2)})
    >>> best["x"].round(6).tolist(), bool(info.success)
    ([3.0, 3.0], True)
    """
    try:
        from scipy.optimize import minimize as scipy_minimize
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("funcgrad.optimizers.minimize needs SciPy: pip install "
                          "funcgrad[scipy]") from err
    from funcgrad.transforms import jit as fg_jit, value_and_grad

    flat, unravel = ravel_pytree(params)
    flat = np.asarray(flat, np.float64)
    value_and_grad_fun = value_and_grad(lambda v: fun(unravel(v), *args))
    if jit:
        value_and_grad_fun = fg_jit(value_and_grad_fun)

    def objective(vector):
        value, gradient = value_and_grad_fun(np.asarray(vector, flat.dtype))
        return float(value), np.asarray(gradient, np.float64)

    result = scipy_minimize(objective, flat, jac=True, method=method, tol=tol, options=options,
                            **kwargs)
    return unravel(np.asarray(result.x, flat.dtype)), result
