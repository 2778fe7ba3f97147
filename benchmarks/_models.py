"""The models several benchmarks share (an MLP and a scalar chain), each with its gradient
written out in NumPy."""
from __future__ import annotations

import math

import numpy as np


def mlp_setup(dtype, sizes=(784, 512, 512, 10), batch=128):
    """Parameters (scaled normal weights, zero biases), a batch and its one-hot labels."""
    rng = np.random.default_rng(0)
    params = [(rng.standard_normal((m, n)).astype(dtype) / math.sqrt(m), np.zeros(n, dtype))
              for m, n in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((batch, sizes[0])).astype(dtype)
    onehot = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], batch)]
    return params, x, onehot


def mlp_by_hand(params, x, onehot):
    """The loss and its gradient written out in NumPy, keeping only what the backward pass reads."""
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
    del logits, shifted, logp, g_logits
    for i in range(len(params) - 2, -1, -1):
        g = g * (1 - hs[i + 1] * hs[i + 1])
        hs[i + 1] = None  # its last reader has run
        grads[i] = (hs[i].T @ g, g.sum(0))
        if i:
            g = g @ params[i][0].T
    return loss, grads


CHAIN_STEPS = 300  # five primitives a step


def chain(x, xp, steps=CHAIN_STEPS):
    """x <- x + 0.01 sin(x) cos(x), `steps` times, in the namespace `xp` (NumPy, funcgrad, torch...)."""
    for _ in range(steps):
        x = x + 0.01 * xp.sin(x) * xp.cos(x)
    return x


def chain_by_hand(x0, steps=CHAIN_STEPS):
    """The chain's derivative written out in NumPy scalars: the forward pass, then the backward."""
    xs = []
    x = x0
    for _ in range(steps):
        xs.append(x)
        x = x + 0.01 * np.sin(x) * np.cos(x)
    g = 1.0
    for x in reversed(xs):
        g = g * (1.0 + 0.01 * (np.cos(x) * np.cos(x) - np.sin(x) * np.sin(x)))
    return g
