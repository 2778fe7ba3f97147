"""The small gradient transformations every optimiser is a chain of (optax's building blocks).

Each is a `GradientTransformation`; the formulas are PyTorch's where the two libraries agree, so
`adam`, `sgd`... follow torch.optim's trajectories (tests/test_optimizers.py checks to 1e-10).
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Union

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.errors import where
from funcgrad.optimizers._base import EmptyState, GradientTransformation, zeros_like_tree
from funcgrad.tree_util import tree_leaves, tree_map

_COUNT = np.int64

ScalarOrSchedule = Union[float, Callable[[Any], Any]]
"""A learning rate: a number, or a schedule giving it from the step count."""


def _count():
    return np.zeros((), _COUNT)


class ScaleByScheduleState(NamedTuple):
    count: Any


class TraceState(NamedTuple):
    count: Any
    trace: Any


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


class ScaleByRmsState(NamedTuple):
    nu: Any


class ScaleByRStdDevState(NamedTuple):
    mu: Any
    nu: Any


class ScaleByRssState(NamedTuple):
    sum_of_squares: Any


def scale(step_size):
    """updates * step_size."""
    def update(grads, state, params=None):
        return tree_map(lambda g: g * step_size, grads), state
    return GradientTransformation(lambda params: EmptyState(), update)


def scale_by_learning_rate(learning_rate: ScalarOrSchedule, flip_sign=True):
    """updates * -learning_rate (a number, or a schedule of the step count)."""
    sign = -1.0 if flip_sign else 1.0
    if not callable(learning_rate):
        return scale(sign * learning_rate)

    def init(params):
        return ScaleByScheduleState(_count())

    def update(grads, state, params=None):
        rate = sign * learning_rate(state.count)
        return tree_map(lambda g: g * rate, grads), ScaleByScheduleState(state.count + 1)
    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay=0.0):
    """updates + weight_decay * params (L2 regularisation folded into the gradient, or
    decoupled weight decay when it comes after the scaling, as in adamw)."""
    def update(grads, state, params=None):
        if params is None:
            raise ValueError(f"add_decayed_weights needs the params: call update(grads, state, "
                             f"params){where()}.")
        return tree_map(lambda g, p: g + weight_decay * p, grads, params), state
    return GradientTransformation(lambda params: EmptyState(), update)


def trace(decay, nesterov=False, dampening=0.0):
    """Momentum: t = decay * t + (1 - dampening) g, with t = g at the first step (PyTorch's
    rule; with dampening 0 it is optax's trace from zeros); the update is t, or g + decay * t
    with nesterov=True."""
    def init(params):
        return TraceState(_count(), zeros_like_tree(params))

    def update(grads, state, params=None):
        new = tree_map(lambda g, t: decay * t + (1.0 - dampening) * g, grads, state.trace)
        if dampening:
            first = state.count == 0
            new = tree_map(lambda g, t: fnp.where(first, g, t), grads, new)
        out = tree_map(lambda g, t: g + decay * t, grads, new) if nesterov else new
        return out, TraceState(state.count + 1, new)
    return GradientTransformation(init, update)


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, amsgrad=False):
    """Adam's rescaling: m_hat / (sqrt(v_hat + eps_root) + eps) with bias-corrected moments."""
    def init(params):
        zeros = zeros_like_tree(params)
        nu = (zeros, zeros_like_tree(params)) if amsgrad else zeros
        return ScaleByAdamState(_count(), zeros, nu)

    def update(grads, state, params=None):
        count = state.count + 1
        mu = tree_map(lambda m, g: b1 * m + (1.0 - b1) * g, state.mu, grads)
        nu_prev = state.nu[0] if amsgrad else state.nu
        nu = tree_map(lambda v, g: b2 * v + (1.0 - b2) * (g * fnp.conj(g)).real
                      if np.iscomplexobj(g) else b2 * v + (1.0 - b2) * g * g, nu_prev, grads)
        correction1 = 1.0 - b1 ** count
        correction2 = 1.0 - b2 ** count
        if amsgrad:
            top = tree_map(fnp.maximum, state.nu[1], nu)
            used, nu_state = top, (nu, top)
        else:
            used, nu_state = nu, nu
        out = tree_map(lambda m, v: (m / correction1) /
                       (fnp.sqrt(v / correction2 + eps_root) + eps), mu, used)
        return out, ScaleByAdamState(count, mu, nu_state)
    return GradientTransformation(init, update)


def scale_by_rms(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True):
    """g / sqrt(v + eps) (or g / (sqrt(v) + eps), PyTorch's RMSprop, with eps_in_sqrt=False),
    v the moving average of g^2."""
    def init(params):
        return ScaleByRmsState(tree_map(lambda p: np.full(np.shape(p), initial_scale,
                                                          getattr(p, "dtype", float)), params))

    def update(grads, state, params=None):
        nu = tree_map(lambda v, g: decay * v + (1.0 - decay) * g * g, state.nu, grads)
        out = tree_map(lambda g, v: g / (fnp.sqrt(v + eps) if eps_in_sqrt else fnp.sqrt(v) + eps),
                       grads, nu)
        return out, ScaleByRmsState(nu)
    return GradientTransformation(init, update)


def scale_by_stddev(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True):
    """Centred RMSprop: g / sqrt(v - m^2 + eps), m and v the moving averages of g and g^2."""
    def init(params):
        return ScaleByRStdDevState(zeros_like_tree(params), tree_map(
            lambda p: np.full(np.shape(p), initial_scale, getattr(p, "dtype", float)), params))

    def update(grads, state, params=None):
        mu = tree_map(lambda m, g: decay * m + (1.0 - decay) * g, state.mu, grads)
        nu = tree_map(lambda v, g: decay * v + (1.0 - decay) * g * g, state.nu, grads)
        out = tree_map(lambda g, m, v: g / (fnp.sqrt(v - m * m + eps) if eps_in_sqrt
                                            else fnp.sqrt(v - m * m) + eps), grads, mu, nu)
        return out, ScaleByRStdDevState(mu, nu)
    return GradientTransformation(init, update)


def scale_by_rss(initial_accumulator_value=0.0, eps=1e-10):
    """Adagrad's rescaling: g / (sqrt(sum of g^2) + eps)."""
    def init(params):
        return ScaleByRssState(tree_map(lambda p: np.full(
            np.shape(p), initial_accumulator_value, getattr(p, "dtype", float)), params))

    def update(grads, state, params=None):
        total = tree_map(lambda s, g: s + g * g, state.sum_of_squares, grads)
        out = tree_map(lambda g, s: g / (fnp.sqrt(s) + eps), grads, total)
        return out, ScaleByRssState(total)
    return GradientTransformation(init, update)


def _global_norm(tree):
    """The 2-norm of all the leaves of `tree` taken together (`optax.global_norm`): what
    `clip_by_global_norm` compares with its bound.

    Examples
    --------
    >>> import numpy as np
    >>> from funcgrad import optimizers
    >>> float(optimizers.global_norm({"w": np.array([3.0]), "b": np.array([4.0])}))
    5.0
    """
    leaves = tree_leaves(tree)
    if not leaves:
        return 0.0
    # the norm of the leaves' norms: norm's derivative convention (0 at the zero vector) then
    # holds for the whole tree, where sqrt of a sum of squares would give 0 * inf = nan
    return fnp.linalg.norm(fnp.stack([fnp.linalg.norm(fnp.ravel(g)) for g in leaves]))


global_norm = _global_norm


def clip_by_global_norm(max_norm):
    """Scale all updates down together so their global L2 norm is at most max_norm (PyTorch's
    clip_grad_norm_ and optax's clip_by_global_norm)."""
    def update(grads, state, params=None):
        norm = _global_norm(grads)
        factor = fnp.where(norm < max_norm, 1.0, max_norm / fnp.maximum(norm, max_norm))
        return tree_map(lambda g: g * factor, grads), state
    return GradientTransformation(lambda params: EmptyState(), update)


def clip(max_delta):
    """Clip every update elementwise to [-max_delta, max_delta] (PyTorch's clip_grad_value_)."""
    def update(grads, state, params=None):
        return tree_map(lambda g: fnp.clip(g, -max_delta, max_delta), grads), state
    return GradientTransformation(lambda params: EmptyState(), update)
