"""Jacobian of tanh(W @ x + b), n = 256: funcgrad jacrev/jacfwd (one batched replay) vs peers.

    python benchmarks/jacobian.py

Ratios are time / hand-written NumPy of the same Jacobian, medians of interleaved rounds in one
process, one BLAS thread. Issue-5 targets: jacrev and jacfwd at most 40x, and at most 5x by
not writing out the identity seed (funcgrad/transforms/diagonal.py).
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

N = 256


def main():
    rng = np.random.default_rng(0)
    W, b, x = rng.standard_normal((N, N)) / np.sqrt(N), rng.standard_normal(N), rng.standard_normal(N)

    def by_hand():
        return (1 - np.tanh(W @ x + b) ** 2)[:, None] * W

    f = lambda x: fnp.tanh(W @ x + b)  # noqa: E731
    jit_rev, jit_fwd = fg.jit(fg.jacrev(f)), fg.jit(fg.jacfwd(f))
    contenders = {
        "numpy by hand": by_hand,
        "funcgrad jacrev": lambda: fg.jacrev(f)(x),
        "funcgrad jacfwd": lambda: fg.jacfwd(f)(x),
        "funcgrad jit(jacrev)": lambda: jit_rev(x),
        "funcgrad jit(jacfwd)": lambda: jit_fwd(x),
    }
    for name in ("funcgrad jacrev", "funcgrad jacfwd", "funcgrad jit(jacrev)", "funcgrad jit(jacfwd)"):
        np.testing.assert_allclose(contenders[name](), by_hand(), rtol=1e-10, atol=1e-12)
    ag = optional("autograd")
    if ag is not None:
        import autograd.numpy as anp
        contenders["autograd jacobian"] = lambda: ag.jacobian(lambda x: anp.tanh(W @ x + b))(x)
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(1)
        import torch.func
        Wt, bt, xt = (torch.from_numpy(a) for a in (W, b, x))
        contenders["torch.func.jacrev"] = lambda: torch.func.jacrev(lambda x: torch.tanh(Wt @ x + bt))(xt)
        contenders["torch.func.jacfwd"] = lambda: torch.func.jacfwd(lambda x: torch.tanh(Wt @ x + bt))(xt)
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        Wj, bj, xj = (jnp.asarray(a) for a in (W, b, x))
        g = lambda x: jnp.tanh(Wj @ x + bj)  # noqa: E731
        jj, jf = jax.jit(jax.jacrev(g)), jax.jit(jax.jacfwd(g))
        contenders["jax jacrev (eager)"] = lambda: jax.jacrev(g)(xj).block_until_ready()
        contenders["jax jacfwd (eager)"] = lambda: jax.jacfwd(g)(xj).block_until_ready()
        contenders["jax jit(jacrev)"] = lambda: jj(xj).block_until_ready()
        contenders["jax jit(jacfwd)"] = lambda: jf(xj).block_until_ready()
    medians = compare(contenders)
    report(f"Jacobian of tanh(W @ x + b), n = {N}", medians, "numpy by hand")


if __name__ == "__main__":
    main()
