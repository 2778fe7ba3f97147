"""Rprop: each parameter's step size grows while its gradient keeps its sign and shrinks when
the sign flips (PyTorch's update rule and state names)."""
from __future__ import annotations

import numpy as np

from funcgrad.torch.optim._checks import check_hyperparameters
from funcgrad.torch.optim.optimizer import Optimizer, bump
from funcgrad.torch.tensor import Tensor


class Rprop(Optimizer):
    """torch.optim.Rprop: resilient backpropagation, which uses only the gradient's sign."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_hyperparameters(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes,
                                      capturable=capturable, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            shrink, grow = group["etas"]
            smallest, largest = group["step_sizes"]
            for p, g in self._params_with_grad(group):
                g = -g if group["maximize"] else g
                state = self.state.setdefault(p, {})
                if "step" not in state:
                    state["step"] = Tensor._make(np.asarray(0.0, np.float32))
                    state["prev"] = Tensor._make(np.zeros_like(p._data))
                    state["step_size"] = Tensor._make(np.full_like(p._data, group["lr"]))
                state["step"]._data += 1
                agreement = np.sign(g * state["prev"]._data)
                factor = np.where(agreement > 0, grow, np.where(agreement < 0, shrink, 1.0))
                size = state["step_size"]._data
                np.clip(size * factor.astype(size.dtype), smallest, largest, out=size)
                g = np.where(agreement < 0, 0, g).astype(p._data.dtype)  # a flip: no step now
                p._data -= np.sign(g) * size
                state["prev"]._data[...] = g
                bump(p)
        return loss
