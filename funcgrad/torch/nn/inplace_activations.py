"""The in-place activations of torch.nn.functional (elu_, celu_, selu_, hardtanh_, leaky_relu_,
threshold_, rrelu_) and randomized leaky ReLU (rrelu, nn.RReLU).

An in-place activation is the activation written into its input with the in-place rules of
funcgrad.torch's other in-place ops (version counter, views, leaves that require grad); its node
is PyTorch's in-place one (`EluBackward1`...)."""
from __future__ import annotations

from funcgrad.primitives import elementwise as ew
from funcgrad.torch._composite import composite
from funcgrad.torch.nn.module import Module


def _in_place(input, fn, name):
    from funcgrad.torch._math import _renamed
    return input._inplace(lambda t: _renamed(fn(t), name) if name else fn(t))


def elu_(input, alpha=1.0):
    from funcgrad.torch.nn.functional import elu
    return _in_place(input, lambda t: elu(t, alpha), "EluBackward1")


def celu_(input, alpha=1.0):
    from funcgrad.torch.nn.activation import celu
    return _in_place(input, lambda t: celu(t, alpha), "CeluBackward1")


def selu_(input):
    from funcgrad.torch.nn.activation import selu
    return _in_place(input, selu, "EluBackward1")


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    from funcgrad.torch.nn.functional import hardtanh
    return _in_place(input, lambda t: hardtanh(t, min_val, max_val), None)


def leaky_relu_(input, negative_slope=0.01):
    from funcgrad.torch.nn.functional import leaky_relu
    return _in_place(input, lambda t: leaky_relu(t, negative_slope), "LeakyReluBackward1")


def threshold_(input, threshold, value):
    from funcgrad.torch.nn.activation import threshold as threshold_of
    return _in_place(input, lambda t: threshold_of(t, threshold, value), "ThresholdBackward1")


def _slopes(input, lower, upper, training):
    """The negative part's slopes: drawn from U(lower, upper) per element in training (from
    funcgrad.torch's generator), their mean (lower + upper) / 2 otherwise."""
    if not training:
        return (lower + upper) / 2
    from funcgrad.torch.random import default_generator
    draws = default_generator.rng.uniform(lower, upper, tuple(input.shape))
    return draws.astype(input._data.dtype)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if inplace:
        return rrelu_(input, lower, upper, training)
    slopes = _slopes(input, lower, upper, training)
    return composite("RreluWithNoiseBackward0",
                     lambda x: ew.where(x > 0, x, x * slopes), input)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    slopes = _slopes(input, lower, upper, training)
    return _in_place(input, lambda t: composite("RreluWithNoiseBackward1",
                                                lambda x: ew.where(x > 0, x, x * slopes), t),
                     None)


class RReLU(Module):
    """Randomized leaky ReLU: in training each negative entry is scaled by its own slope drawn
    from U(lower, upper); in evaluation by (lower + upper) / 2."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


__all__ = ["elu_", "celu_", "selu_", "hardtanh_", "leaky_relu_", "threshold_", "rrelu",
           "rrelu_", "RReLU"]
