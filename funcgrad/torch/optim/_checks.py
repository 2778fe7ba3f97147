"""The checks PyTorch's optimizers make of their hyper-parameters, with PyTorch's messages.

Each optimizer names the values it checks, in PyTorch's order (the first bad one is reported):
`check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)`.
"""
from __future__ import annotations

from funcgrad.torch.tensor import Tensor


def _at_least_zero(v):
    return 0.0 <= v  # False for NaN: PyTorch writes `not 0.0 <= v`


def _not_negative(v):
    return not v < 0.0  # True for NaN: SGD writes `v < 0.0`


def _fraction(v):
    return 0.0 <= v <= 1.0


# name -> (the test a good value passes, PyTorch's message)
_RULES = {
    "lr": (_at_least_zero, "Invalid learning rate: {}"),
    "eps": (_at_least_zero, "Invalid epsilon value: {}"),
    "weight_decay": (_at_least_zero, "Invalid weight_decay value: {}"),
    "momentum": (_at_least_zero, "Invalid momentum value: {}"),
    "alpha": (_at_least_zero, "Invalid alpha value: {}"),
    "rho": (_fraction, "Invalid rho value: {}"),
    "lr_decay": (_at_least_zero, "Invalid lr_decay value: {}"),
    "initial_accumulator_value": (_at_least_zero, "Invalid initial_accumulator_value value: {}"),
    "momentum_decay": (_at_least_zero, "Invalid momentum_decay value: {}"),
}
_SGD_RULES = {"lr": (_not_negative, "Invalid learning rate: {}"),
              "momentum": (_not_negative, "Invalid momentum value: {}"),
              "weight_decay": (_not_negative, "Invalid weight_decay value: {}")}


def check_hyperparameters(*, sgd=False, **values):
    """Raise PyTorch's ValueError for the first value out of its range (in the order given)."""
    rules = _SGD_RULES if sgd else _RULES
    for name, value in values.items():
        if name == "betas":
            _check_betas(value)
            continue
        if name == "lr" and isinstance(value, Tensor) and value.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        test, message = rules[name]
        if not test(value):
            raise ValueError(message.format(value))


def _check_betas(betas):
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def check_beta_types(betas):
    """Adam and AdamW take betas as two floats or two tensors (never ints: `(0, 0.9)` is
    refused, as PyTorch refuses it)."""
    if not (all(isinstance(b, float) for b in betas[:2])
            or all(isinstance(b, Tensor) for b in betas[:2])):
        raise ValueError("betas must be either both floats or both Tensors")
    for i in (0, 1):
        if isinstance(betas[i], Tensor) and betas[i].numel() != 1:
            raise ValueError(f"Tensor betas[{i}] must be 1-element")
