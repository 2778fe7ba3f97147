"""RMSprop, Adagrad and Adadelta: steps scaled by running sums of squared gradients, with
PyTorch's update rules and state names."""
from __future__ import annotations

import numpy as np

from funcgrad.torch.optim._checks import check_hyperparameters
from funcgrad.torch.optim.optimizer import Optimizer, bump, count_step, regularised_gradient
from funcgrad.torch.tensor import Tensor


def _filled_like(p, value):
    return Tensor._make(np.full_like(p._data, value))


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_hyperparameters(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                              alpha=alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, capturable=capturable,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
            buffers = (("square_avg",) + (("momentum_buffer",) if momentum > 0 else ())
                       + (("grad_avg",) if group["centered"] else ()))
            for p, g in self._params_with_grad(group):
                g = regularised_gradient(group, p, g)
                state = self.state.setdefault(p, {})
                count_step(state, p, buffers)
                square = state["square_avg"]._data
                square *= alpha
                square += (1 - alpha) * g * g  # v = alpha v + (1 - alpha) g^2
                if group["centered"]:
                    mean = state["grad_avg"]._data
                    mean *= alpha
                    mean += (1 - alpha) * g
                    avg = np.sqrt(square - mean * mean) + eps
                else:
                    avg = np.sqrt(square) + eps
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= momentum
                    buf += g / avg
                    p._data -= (lr * buf).astype(p._data.dtype)
                else:
                    p._data -= (lr * g / avg).astype(p._data.dtype)
                bump(p)
        return loss


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_hyperparameters(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                              initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        for group in self.param_groups:  # PyTorch makes the state at construction
            for p in group["params"]:
                self.state[p] = {"step": Tensor._make(np.asarray(0.0, np.float32)),
                                 "sum": _filled_like(p, group["initial_accumulator_value"])}

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for p, g in self._params_with_grad(group):
                g = regularised_gradient(group, p, g)
                state = self.state[p]
                t = count_step(state, p)
                rate = group["lr"] / (1 + (t - 1) * group["lr_decay"])
                total = state["sum"]._data
                total += g * g
                p._data -= (rate * g / (np.sqrt(total) + group["eps"])).astype(p._data.dtype)
                bump(p)
        return loss


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_hyperparameters(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, capturable=capturable, maximize=maximize,
                                      differentiable=differentiable))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            rho, eps = group["rho"], group["eps"]
            for p, g in self._params_with_grad(group):
                g = regularised_gradient(group, p, g)
                state = self.state.setdefault(p, {})
                count_step(state, p, ("square_avg", "acc_delta"))
                square, acc = state["square_avg"]._data, state["acc_delta"]._data
                square *= rho
                square += (1 - rho) * g * g
                delta = np.sqrt(acc + eps) / np.sqrt(square + eps) * g
                acc *= rho
                acc += (1 - rho) * delta * delta
                p._data -= (group["lr"] * delta).astype(p._data.dtype)
                bump(p)
        return loss
