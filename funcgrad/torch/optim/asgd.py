"""ASGD: stochastic gradient descent with a decaying step and a running average of the
parameters kept in the state as `ax` (PyTorch's update rule and state names)."""
from __future__ import annotations

import numpy as np

from funcgrad.torch.optim._checks import check_hyperparameters
from funcgrad.torch.optim.optimizer import Optimizer, bump, regularised_gradient
from funcgrad.torch.tensor import Tensor


def _scalar(value):
    return Tensor._make(np.asarray(value, np.float32))


class ASGD(Optimizer):
    """torch.optim.ASGD: averaged SGD (Polyak and Juditsky), averaging from step t0 on."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_hyperparameters(lr=lr, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
            for p, g in self._params_with_grad(group):
                state = self.state.setdefault(p, {})
                if "step" not in state:
                    state["step"] = _scalar(0.0)
                    state["eta"] = _scalar(lr)
                    state["mu"] = _scalar(1.0)
                    state["ax"] = Tensor._make(np.zeros_like(p._data))
                state["step"]._data += 1
                step = float(state["step"]._data)
                g = regularised_gradient(group, p, g)
                eta = float(state["eta"]._data)
                p._data *= p._data.dtype.type(1 - lambd * eta)  # the decay term
                p._data -= (eta * g).astype(p._data.dtype)
                ax, mu = state["ax"]._data, float(state["mu"]._data)
                if mu != 1:
                    ax += (p._data - ax) * ax.dtype.type(mu)
                else:
                    ax[...] = p._data
                state["eta"]._data[...] = lr / ((1 + lambd * lr * step) ** alpha)
                state["mu"]._data[...] = 1 / max(1, step - t0)
                bump(p)
        return loss
