"""The optimiser interface: a pair of pure functions over pytrees (optax's design).

    opt = adam(1e-3)
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = apply_updates(params, updates)

`update` returns the *updates* (already scaled by the learning rate and negated), so every
optimiser is a `chain` of small transformations of the gradient.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from funcgrad.core.tracer import Tracer
from funcgrad.tree_util import tree_map


class GradientTransformation(NamedTuple):
    """init(params) -> state and update(grads, state, params=None) -> (updates, state)."""
    init: Callable[[Any], Any]
    update: Callable[..., tuple]


class EmptyState(NamedTuple):
    """The state of a transformation that keeps none."""


def _same_dtype(new, like):
    """`new` with the dtype of `like` (a float32 parameter keeps float32 updates)."""
    dtype = getattr(like, "dtype", None)
    if dtype is None or getattr(new, "dtype", None) == dtype:
        return new
    return new.astype(dtype) if isinstance(new, Tracer) else np.asarray(new, dtype)


def apply_updates(params, updates):
    """params + updates, leaf by leaf (each result keeps its parameter's dtype)."""
    return tree_map(lambda p, u: p if u is None else _same_dtype(p + u, p), params, updates)


def chain(*transformations):
    """Apply the transformations one after the other; the state is the tuple of their states."""
    def init(params):
        return tuple(t.init(params) for t in transformations)

    def update(grads, state, params=None):
        new_state = []
        for t, s in zip(transformations, state):
            grads, s = t.update(grads, s, params)
            new_state.append(s)
        return grads, tuple(new_state)
    return GradientTransformation(init, update)


def zeros_like_tree(params):
    return tree_map(lambda p: np.zeros(np.shape(p), getattr(p, "dtype", np.float64)), params)
