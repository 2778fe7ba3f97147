"""Per-op overhead of the core: the scalar chain (grad and jvp), the fixed cost of one call, an MLP.

    python benchmarks/core_overhead.py

Prints medians and ratios measured side by side in one run (funcgrad vs hand-written NumPy,
HIPS autograd, PyTorch eager and JAX eager when installed). Issue-2 targets: scalar chain
<= 0.5x autograd and <= 1.0x PyTorch eager; MLP grad <= 1.15x hand-written NumPy. Issue 15:
at most 2.0 us per primitive for grad and for jvp of the chain (PyTorch eager about 6.7 us on the
machine of docs/benchmarks.md: a ratio of 0.3x PyTorch), and at most 12 us for one call of
grad of sum(x ** 2) with three elements (hand-written NumPy about 4 us there).
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import compare, optional, report  # noqa: E402  (pins BLAS threads first)

from _models import CHAIN_STEPS, chain, chain_by_hand, mlp_by_hand, mlp_setup  # noqa: E402

import numpy as np  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402


def scalar_chain():
    x0 = np.float64(0.3)
    contenders = {
        "numpy by hand": lambda: chain_by_hand(x0),
        "funcgrad grad": lambda: fg.grad(lambda x: chain(x, fnp))(x0),
    }
    ag = optional("autograd")
    if ag is not None:
        import autograd.numpy as anp
        contenders["autograd grad"] = lambda: ag.grad(lambda x: chain(x, anp))(0.3)
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(1)

        def torch_eager():
            x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
            chain(x, torch).backward()
            return x.grad
        contenders["pytorch eager backward"] = torch_eager
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        contenders["jax grad (eager)"] = lambda: jax.grad(lambda x: chain(x, jnp))(0.3)
    np.testing.assert_allclose(fg.grad(lambda x: chain(x, fnp))(x0), chain_by_hand(x0), rtol=1e-10)
    medians = compare(contenders)
    report(f"grad of a {CHAIN_STEPS}-step scalar chain (5 primitives a step)", medians, "funcgrad grad")
    per_primitive(medians, "forward + backward")


def per_primitive(medians, what):
    """The same medians per primitive of the chain (5 a step), in microseconds."""
    print(f"  per primitive, {what}:")
    for name, t in medians.items():
        print(f"    {name:<28} {t / (5 * CHAIN_STEPS) * 1e6:8.2f} us")


def chain_jvp_by_hand(x0):
    """The chain's value and tangent (seed 1.0), forward mode written out in NumPy scalars."""
    x, t = x0, 1.0
    for _ in range(CHAIN_STEPS):
        s, c = np.sin(x), np.cos(x)
        x, t = x + 0.01 * s * c, t * (1.0 + 0.01 * (c * c - s * s))
    return x, t


def scalar_chain_jvp():
    x0, one = np.float64(0.3), np.float64(1.0)
    contenders = {
        "numpy by hand": lambda: chain_jvp_by_hand(x0),
        "funcgrad jvp": lambda: fg.jvp(lambda x: chain(x, fnp), (x0,), (one,)),
    }
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(1)
        import torch.autograd.forward_ad as fwad

        def torch_forward_ad():
            with fwad.dual_level():
                x = fwad.make_dual(torch.tensor(0.3, dtype=torch.float64),
                                   torch.tensor(1.0, dtype=torch.float64))
                return fwad.unpack_dual(chain(x, torch)).tangent
        contenders["pytorch forward AD"] = torch_forward_ad
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        contenders["jax jvp (eager)"] = lambda: jax.jvp(lambda x: chain(x, jnp), (0.3,), (1.0,))
    np.testing.assert_allclose(fg.jvp(lambda x: chain(x, fnp), (x0,), (one,))[1],
                               chain_jvp_by_hand(x0)[1], rtol=1e-10)
    medians = compare(contenders)
    report(f"jvp of the {CHAIN_STEPS}-step scalar chain", medians, "funcgrad jvp")
    per_primitive(medians, "forward mode")


def fixed_cost():
    """One call of grad of sum(x ** 2), x of three elements: two primitives, so nearly all of
    the time is the fixed cost of a call (arguments, checks, set-up, assembling the result)."""
    x = np.array([0.5, -1.0, 2.0])
    loss_grad = fg.grad(lambda x: fnp.sum(x ** 2))
    contenders = {
        "numpy by hand": lambda: (np.sum(x ** 2), 2.0 * x),
        "funcgrad grad": lambda: loss_grad(x),
    }
    ag = optional("autograd")
    if ag is not None:
        import autograd.numpy as anp
        ag_grad = ag.grad(lambda x: anp.sum(x ** 2))
        contenders["autograd grad"] = lambda: ag_grad(x)
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(1)

        def torch_eager():
            xt = torch.from_numpy(x).requires_grad_()
            (xt ** 2).sum().backward()
            return xt.grad
        contenders["pytorch eager backward"] = torch_eager
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        jax_grad = jax.grad(lambda x: jnp.sum(x ** 2))
        contenders["jax grad (eager)"] = lambda: jax.block_until_ready(jax_grad(x))
    np.testing.assert_allclose(loss_grad(x), 2.0 * x)
    medians = compare(contenders, min_time=0.1)
    report("fixed cost: one call of grad of sum(x ** 2), three elements", medians, "numpy by hand")
    print("  per call:")
    for name, t in medians.items():
        print(f"    {name:<28} {t * 1e6:8.1f} us")


def mlp_loss(params, x, onehot):
    h = x
    for w, b in params[:-1]:
        h = fnp.tanh(h @ w + b)
    w, b = params[-1]
    logits = h @ w + b
    return -fnp.sum(onehot * fnp.log_softmax(logits, axis=-1)) / x.shape[0]


def _mlp_peers(params, x, onehot):
    """The same gradient by PyTorch eager and by JAX (eager and jit), when they are installed."""
    peers = {}
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(1)
        tparams = [(torch.from_numpy(w).requires_grad_(), torch.from_numpy(b).requires_grad_())
                   for w, b in params]
        tx, tonehot = torch.from_numpy(x), torch.from_numpy(onehot)

        def torch_eager():
            h = tx
            for w, b in tparams[:-1]:
                h = torch.tanh(h @ w + b)
            w, b = tparams[-1]
            loss = -(tonehot * torch.log_softmax(h @ w + b, dim=-1)).sum() / x.shape[0]
            return torch.autograd.grad(loss, [p for pair in tparams for p in pair])
        peers["pytorch eager"] = torch_eager
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        def jax_loss(params, x, onehot):
            h = x
            for w, b in params[:-1]:
                h = jnp.tanh(h @ w + b)
            w, b = params[-1]
            return -jnp.sum(onehot * jax.nn.log_softmax(h @ w + b, axis=-1)) / x.shape[0]
        jparams = jax.tree_util.tree_map(jnp.asarray, params)
        jx, jonehot = jnp.asarray(x), jnp.asarray(onehot)
        jitted = jax.jit(jax.grad(jax_loss))
        peers["jax grad (eager)"] = lambda: jax.block_until_ready(jax.grad(jax_loss)(jparams, jx, jonehot))
        peers["jax jit(grad)"] = lambda: jax.block_until_ready(jitted(jparams, jx, jonehot))
    return peers


def mlp(dtype):
    params, x, onehot = mlp_setup(dtype)
    fg_grads = fg.grad(mlp_loss)(params, x, onehot)
    _, hand = mlp_by_hand(params, x, onehot)
    for (gw, gb), (hw, hb) in zip(fg_grads, hand):
        np.testing.assert_allclose(gw, hw, rtol=1e-3 if dtype == np.float32 else 1e-9, atol=1e-6)
        assert gw.dtype == dtype
    contenders = {
        "numpy by hand": lambda: mlp_by_hand(params, x, onehot),
        "funcgrad grad": lambda: fg.grad(mlp_loss)(params, x, onehot),
    }
    contenders.update(_mlp_peers(params, x, onehot))
    medians = compare(contenders, rounds=5, min_time=0.2)
    report(f"grad of an MLP loss (784-512-512-10, batch 128, {np.dtype(dtype).name})",
           medians, "numpy by hand")


if __name__ == "__main__":
    from _timing import steady_malloc
    print("allocator:", steady_malloc())
    scalar_chain()
    scalar_chain_jvp()
    fixed_cost()
    mlp(np.float64)
    mlp(np.float32)
