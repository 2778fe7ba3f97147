"""Adam and AdamW (decoupled weight decay), with amsgrad, as PyTorch updates them."""
from __future__ import annotations

import math

import numpy as np

from funcgrad.torch.optim._checks import check_beta_types, check_hyperparameters
from funcgrad.torch.optim.optimizer import Optimizer, bump, count_step, regularised_gradient


def update_moments(m, v, g, beta1, beta2):
    """Adam's running moments, in place: m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2."""
    m += (1 - beta1) * (g - m)
    v *= beta2
    v += (1 - beta2) * g * g


class Adam(Optimizer):
    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay: float = 0,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        check_beta_types(betas)
        betas = tuple(float(b) for b in betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable,
                                      fused=fused))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            moments = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())
            for p, g in self._params_with_grad(group):
                g = regularised_gradient(group, p, g, decoupled=self._decoupled)
                state = self.state.setdefault(p, {})
                t = count_step(state, p, moments)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                update_moments(m, v, g, beta1, beta2)
                if group["amsgrad"]:
                    np.maximum(state["max_exp_avg_sq"]._data, v, out=state["max_exp_avg_sq"]._data)
                    v = state["max_exp_avg_sq"]._data
                step_size = lr / (1 - beta1 ** t)
                denom = np.sqrt(v) / math.sqrt(1 - beta2 ** t) + eps
                p._data -= (step_size * m / denom).astype(p._data.dtype)
                bump(p)
        return loss


class AdamW(Adam):
    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, **kwargs):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, **kwargs)
