"""Adamax, NAdam and RAdam: Adam's moments with an infinity norm, Nesterov momentum, or a
rectified variance, as PyTorch updates them."""
from __future__ import annotations

import math

import numpy as np

from funcgrad.torch.optim.adam import update_moments
from funcgrad.torch.optim._checks import check_hyperparameters
from funcgrad.torch.optim.optimizer import Optimizer, bump, count_step, regularised_gradient
from funcgrad.torch.tensor import Tensor


class _AdamFamily(Optimizer):
    def __init__(self, params, defaults):
        checked = dict(lr=defaults["lr"], eps=defaults["eps"], betas=defaults["betas"],
                       weight_decay=defaults["weight_decay"])
        if "momentum_decay" in defaults:
            checked["momentum_decay"] = defaults["momentum_decay"]
        check_hyperparameters(**checked)
        super().__init__(params, defaults)

    def _gradient(self, group, p, g):
        return regularised_gradient(group, p, g, decoupled=group.get("decoupled_weight_decay"))


class Adamax(_AdamFamily):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            (beta1, beta2), eps = group["betas"], group["eps"]
            for p, g in self._params_with_grad(group):
                g = self._gradient(group, p, g)
                state = self.state.setdefault(p, {})
                t = count_step(state, p, ("exp_avg", "exp_inf"))
                m, u = state["exp_avg"]._data, state["exp_inf"]._data
                m += (1 - beta1) * (g - m)
                np.maximum(u * beta2, np.abs(g) + eps, out=u)  # u = max(beta2 u, |g| + eps)
                rate = group["lr"] / (1 - beta1 ** t)
                p._data -= (rate * m / u).astype(p._data.dtype)
                bump(p)
        return loss


class NAdam(_AdamFamily):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            (beta1, beta2), eps, lr = group["betas"], group["eps"], group["lr"]
            decay = group["momentum_decay"]
            for p, g in self._params_with_grad(group):
                g = self._gradient(group, p, g)
                state = self.state.setdefault(p, {})
                if not state:
                    state["mu_product"] = Tensor._make(np.asarray(1.0, np.float32))
                t = count_step(state, p, ("exp_avg", "exp_avg_sq"))
                mu = beta1 * (1 - 0.5 * 0.96 ** (t * decay))
                mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * decay))
                state["mu_product"]._data *= mu
                product = float(state["mu_product"]._data)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                update_moments(m, v, g, beta1, beta2)
                denom = np.sqrt(v / (1 - beta2 ** t)) + eps
                update = lr * (1 - mu) / (1 - product) * g / denom \
                    + lr * mu_next / (1 - product * mu_next) * m / denom
                p._data -= update.astype(p._data.dtype)
                bump(p)
        return loss


class RAdam(_AdamFamily):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            (beta1, beta2), eps, lr = group["betas"], group["eps"], group["lr"]
            rho_inf = 2 / (1 - beta2) - 1
            for p, g in self._params_with_grad(group):
                g = self._gradient(group, p, g)
                state = self.state.setdefault(p, {})
                t = count_step(state, p, ("exp_avg", "exp_avg_sq"))
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                update_moments(m, v, g, beta1, beta2)
                corrected = m / (1 - beta1 ** t)
                correction2 = 1 - beta2 ** t
                rho = rho_inf - 2 * t * beta2 ** t / correction2  # the variance's tractability
                if rho > 5:
                    rect = math.sqrt((rho - 4) * (rho - 2) * rho_inf
                                     / ((rho_inf - 4) * (rho_inf - 2) * rho))
                    update = corrected * lr * rect * math.sqrt(correction2) / (np.sqrt(v) + eps)
                else:
                    update = corrected * lr
                p._data -= update.astype(p._data.dtype)
                bump(p)
        return loss
