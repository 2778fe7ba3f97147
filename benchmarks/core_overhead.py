"""Per-op overhead of the core: grad of a 300-step scalar chain and of an MLP loss.

    python benchmarks/core_overhead.py

Prints medians and ratios measured side by side in one run (funcgrad vs hand-written NumPy,
HIPS autograd and PyTorch eager when installed). Issue-2 targets: scalar chain <= 0.5x autograd
and <= 1.0x PyTorch eager; MLP grad <= 1.15x hand-written NumPy.
"""
from __future__ import annotations

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import compare, optional, report  # noqa: E402  (pins BLAS threads first)

import numpy as np  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402

STEPS = 300


def chain(x, np_like):
    for _ in range(STEPS):
        x = x + 0.01 * np_like.sin(x) * np_like.cos(x)
    return x


def chain_by_hand(x0):
    """Forward and backward of the chain written out in NumPy scalars."""
    xs = []
    x = x0
    for _ in range(STEPS):
        xs.append(x)
        x = x + 0.01 * np.sin(x) * np.cos(x)
    g = 1.0
    for x in reversed(xs):
        g = g * (1.0 + 0.01 * (np.cos(x) * np.cos(x) - np.sin(x) * np.sin(x)))
    return g


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
    report(f"grad of a {STEPS}-step scalar chain (5 primitives a step)", medians, "funcgrad grad")
    per_op = medians["funcgrad grad"] / (5 * STEPS) * 1e6
    print(f"  funcgrad: {per_op:.2f} us per primitive, forward + backward")


def mlp_setup(dtype):
    rng = np.random.default_rng(0)
    sizes = [784, 512, 512, 10]
    params = [(rng.standard_normal((m, n)).astype(dtype) / math.sqrt(m), np.zeros(n, dtype))
              for m, n in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((128, 784)).astype(dtype)
    labels = rng.integers(0, 10, 128)
    onehot = np.eye(10, dtype=dtype)[labels]
    return params, x, onehot


def mlp_loss(params, x, onehot):
    h = x
    for w, b in params[:-1]:
        h = fnp.tanh(h @ w + b)
    w, b = params[-1]
    logits = h @ w + b
    return -fnp.sum(onehot * fnp.log_softmax(logits, axis=-1)) / x.shape[0]


def mlp_by_hand(params, x, onehot):
    hs = [x]
    h = x
    for w, b in params[:-1]:
        h = np.tanh(h @ w + b)
        hs.append(h)
    w, b = params[-1]
    logits = h @ w + b
    shifted = logits - logits.max(axis=-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    loss = -np.sum(onehot * logp) / x.shape[0]
    g_logits = (np.exp(logp) - onehot) / x.shape[0]
    grads = [None] * len(params)
    grads[-1] = (hs[-1].T @ g_logits, g_logits.sum(0))
    g = g_logits @ w.T
    for i in range(len(params) - 2, -1, -1):
        g = g * (1 - hs[i + 1] * hs[i + 1])
        grads[i] = (hs[i].T @ g, g.sum(0))
        if i:  # no gradient for the input batch itself
            g = g @ params[i][0].T
    return loss, grads


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
    mlp(np.float64)
    mlp(np.float32)
