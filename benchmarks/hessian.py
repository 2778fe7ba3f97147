"""Hessian of sum(log1p(exp(A @ x))) + 0.5 x @ x, A 200x100: funcgrad hessian vs peers.

    python benchmarks/hessian.py

Ratios are time / hand-written NumPy (A.T diag(s(1-s)) A + I). Issue-5 targets: at most 15x eager,
at most 2.5x under jit.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import compare, optional, report  # noqa: E402  (pins BLAS threads first)

import numpy as np  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402


def main():
    rng = np.random.default_rng(0)
    A, x = rng.standard_normal((200, 100)), rng.standard_normal(100)
    eye = np.eye(100)

    def by_hand():
        s = 1 / (1 + np.exp(-(A @ x)))
        return A.T @ ((s * (1 - s))[:, None] * A) + eye

    f = lambda x: fnp.sum(fnp.log1p(fnp.exp(A @ x))) + 0.5 * x @ x  # noqa: E731
    jitted = fg.jit(fg.hessian(f))
    contenders = {
        "numpy by hand": by_hand,
        "funcgrad hessian": lambda: fg.hessian(f)(x),
        "funcgrad jit(hessian)": lambda: jitted(x),
    }
    for name in ("funcgrad hessian", "funcgrad jit(hessian)"):
        np.testing.assert_allclose(contenders[name](), by_hand(), rtol=1e-9, atol=1e-9)
    ag = optional("autograd")
    if ag is not None:
        import autograd.numpy as anp
        contenders["autograd hessian"] = lambda: ag.hessian(
            lambda x: anp.sum(anp.log1p(anp.exp(A @ x))) + 0.5 * x @ x)(x)
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(1)
        import torch.func
        At, xt = torch.from_numpy(A), torch.from_numpy(x)
        contenders["torch.func.hessian"] = lambda: torch.func.hessian(
            lambda x: torch.sum(torch.log1p(torch.exp(At @ x))) + 0.5 * x @ x)(xt)
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        Aj, xj = jnp.asarray(A), jnp.asarray(x)
        g = lambda x: jnp.sum(jnp.log1p(jnp.exp(Aj @ x))) + 0.5 * x @ x  # noqa: E731
        jh = jax.jit(jax.hessian(g))
        contenders["jax hessian (eager)"] = lambda: jax.hessian(g)(xj).block_until_ready()
        contenders["jax jit(hessian)"] = lambda: jh(xj).block_until_ready()
    medians = compare(contenders)
    report("Hessian of sum(log1p(exp(A @ x))) + 0.5 x @ x, A 200x100", medians, "numpy by hand")


if __name__ == "__main__":
    main()
