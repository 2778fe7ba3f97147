"""The optimisers users know, each a chain of `_transforms` (learning rates may be schedules)."""
from __future__ import annotations

from funcgrad.optimizers import _transforms as T
from funcgrad.optimizers._base import chain


def _decay(weight_decay):
    return (T.add_decayed_weights(weight_decay),) if weight_decay else ()


def sgd(learning_rate, momentum=None, nesterov=False, weight_decay=0.0, dampening=0.0):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay
    folded into the gradient (torch.optim.SGD's formulas)."""
    mass = () if not momentum else (T.trace(momentum, nesterov, dampening),)
    return chain(*_decay(weight_decay), *mass, T.scale_by_learning_rate(learning_rate))


def momentum(learning_rate, mass=0.9, weight_decay=0.0):
    """SGD with heavy-ball momentum `mass`."""
    return sgd(learning_rate, mass, False, weight_decay)


def nesterov(learning_rate, mass=0.9, weight_decay=0.0):
    """SGD with Nesterov momentum `mass`."""
    return sgd(learning_rate, mass, True, weight_decay)


def adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, weight_decay=0.0,
         amsgrad=False):
    """Adam (Kingma & Ba); weight_decay adds L2 to the gradient, as torch.optim.Adam's."""
    return chain(*_decay(weight_decay), T.scale_by_adam(b1, b2, eps, eps_root, amsgrad),
                 T.scale_by_learning_rate(learning_rate))


def adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, weight_decay=1e-4,
          amsgrad=False):
    """Adam with decoupled weight decay: p -= lr (adam_step + weight_decay p) (Loshchilov &
    Hutter; torch.optim.AdamW's and optax's formula; optax's default weight_decay)."""
    return chain(T.scale_by_adam(b1, b2, eps, eps_root, amsgrad),
                 T.add_decayed_weights(weight_decay), T.scale_by_learning_rate(learning_rate))


def rmsprop(learning_rate, decay=0.9, eps=1e-8, initial_scale=0.0, centered=False,
            momentum=None, nesterov=False, eps_in_sqrt=True, weight_decay=0.0):
    """RMSprop. eps_in_sqrt=True divides by sqrt(v + eps) (optax's default);
    eps_in_sqrt=False by sqrt(v) + eps with decay=0.99 is torch.optim.RMSprop."""
    scaling = (T.scale_by_stddev if centered else T.scale_by_rms)(decay, eps, initial_scale,
                                                                  eps_in_sqrt)
    mass = () if not momentum else (T.trace(momentum, nesterov),)
    return chain(*_decay(weight_decay), scaling, *mass, T.scale_by_learning_rate(learning_rate))


def adagrad(learning_rate, initial_accumulator_value=0.0, eps=1e-10, weight_decay=0.0):
    """Adagrad: g / (sqrt(sum of g^2) + eps) (torch.optim.Adagrad's defaults; optax's are
    initial_accumulator_value=0.1, eps=1e-7)."""
    return chain(*_decay(weight_decay), T.scale_by_rss(initial_accumulator_value, eps),
                 T.scale_by_learning_rate(learning_rate))
