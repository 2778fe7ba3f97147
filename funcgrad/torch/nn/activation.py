"""More activations: the functions of torch.nn.functional (selu, mish, glu, hardswish...) and
their modules. Each function is a composite of registry primitives recorded as one node with
PyTorch's name, or plain tensor operations where PyTorch records several nodes too."""
from __future__ import annotations

import numpy as np

from funcgrad.torch._dtype import default_float

from funcgrad.primitives import elementwise as ew, nn as nnp
from funcgrad.torch import _kernel_dtypes, _ops
from funcgrad.torch._composite import composite
from funcgrad.torch.nn.module import Module
from funcgrad.torch.nn.parameter import Parameter
from funcgrad.torch.tensor import Tensor

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _elu(x, alpha, scale=1.0, input_scale=1.0):
    # scale x above 0, scale alpha (exp(input_scale x) - 1) below
    negative = alpha * (ew.exp(nnp.clamp.bind(x, low=-np.inf, high=0.0) * input_scale) - 1)
    return scale * ew.where(x > 0, x, negative)


def selu(input, inplace=False):
    if inplace:
        from funcgrad.torch.nn.inplace_activations import selu_
        return selu_(input)
    return composite("EluBackward0", lambda x: _elu(x, _SELU_ALPHA, _SELU_SCALE), input)


def celu(input, alpha=1.0, inplace=False):
    if inplace:
        from funcgrad.torch.nn.inplace_activations import celu_
        return celu_(input, alpha)
    return composite("CeluBackward0", lambda x: _elu(x, alpha, 1.0, 1.0 / alpha), input)


def mish(input, inplace=False):
    return composite("MishBackward0", lambda x: x * ew.tanh(nnp.softplus(x)), input)


def hardsigmoid(input, inplace=False):
    # x / 6 + 1 / 2 strictly inside (-3, 3), constant outside (no gradient at the bounds)
    return composite("HardsigmoidBackward0", lambda x: ew.where(
        (x > -3) & (x < 3), x / 6 + 0.5, ew.stop_gradient(nnp.clamp.bind(x / 6 + 0.5, low=0.0, high=1.0))),
        input)


def hardswish(input, inplace=False):
    # x relu6(x + 3) / 6; the gradient is x / 3 + 1 / 2 on [-3, 3] (PyTorch's convention)
    def fn(x):
        inside = x * (x + 3) / 6
        return ew.where(x <= -3, 0.0 * x, ew.where(x >= 3, x, inside))
    return composite("HardswishBackward0", fn, input)


def softsign(input):
    return input / (1 + _ops.abs(input))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return _ops.softmax(-input, dim, dtype)


def glu(input, dim=-1):
    half = input.shape[dim] // 2
    axis = dim % input.ndim

    def fn(x):
        a = _take(x, axis, 0, half)
        return a * nnp.sigmoid(_take(x, axis, half, 2 * half))
    return composite("GluBackward0", fn, input)


def _take(x, axis, start, stop):
    from funcgrad.primitives.indexing import getitem_p
    return getitem_p.bind(x, index=(slice(None),) * axis + (slice(start, stop),))


def threshold(input, threshold, value, inplace=False):
    if inplace:
        from funcgrad.torch.nn.inplace_activations import threshold_
        return threshold_(input, threshold, value)
    return composite("ThresholdBackward0",
                     lambda x: ew.where(x > threshold, x, ew.stop_gradient(0.0 * x) + value), input)


def prelu(input, weight):
    _kernel_dtypes.check_prelu(input, weight)
    shape = (1, -1) + (1,) * (input.ndim - 2) if input.ndim >= 2 and weight.numel() > 1 else (-1,)

    def fn(x, w):
        w = w if np.size(w) == 1 else _reshape(w, shape)
        return ew.where(x > 0, x, w * x)
    return composite("PreluKernelBackward0", fn, input, weight)


def _reshape(x, shape):
    from funcgrad.primitives import shape as shp
    return shp.reshape(x, shape)


def tanhshrink(input):
    return input - _ops.tanh(input)


def softshrink(input, lambd=0.5):
    return composite("SoftshrinkBackward0", lambda x: ew.where(
        x > lambd, x - lambd, ew.where(x < -lambd, x + lambd, 0.0 * x)), input)


def hardshrink(input, lambd=0.5):
    return composite("HardshrinkBackward0", lambda x: ew.where(
        (x > lambd) | (x < -lambd), x, 0.0 * x), input)


def logsigmoid(input):
    return composite("LogSigmoidBackward0", lambda x: -nnp.softplus(-x), input)


# -- modules ------------------------------------------------------------------------------------

def _module(name, fn, fields=(), defaults=()):
    """An activation module whose constructor takes `fields` (with `defaults`) and whose
    forward is fn(input, *fields); its repr lists the fields as PyTorch's does."""
    def __init__(self, *args, inplace=False, **kwargs):
        Module.__init__(self)
        values = dict(zip(fields, defaults))
        values.update(zip(fields, args))
        values.update(kwargs)
        for k in fields:
            object.__setattr__(self, k, values[k])
        self.inplace = inplace

    def forward(self, input):
        return fn(input, *[getattr(self, k) for k in fields])

    def extra_repr(self):
        text = ", ".join(f"{k}={getattr(self, k)!r}" if isinstance(getattr(self, k), str)
                         else f"{k}={getattr(self, k)}" for k in fields)
        if self.inplace:
            text = "inplace=True" if not text else text + ", inplace=True"
        return text
    return type(name, (Module,), {"__init__": __init__, "forward": forward,
                                  "extra_repr": extra_repr})


def _relu6(x):
    from funcgrad.torch.nn.functional import relu6
    return relu6(x)


def _hardtanh(x, min_val, max_val):
    from funcgrad.torch.nn.functional import hardtanh
    return hardtanh(x, min_val, max_val)


ReLU6 = _module("ReLU6", _relu6)
SELU = _module("SELU", selu)
CELU = _module("CELU", celu, ("alpha",), (1.0,))
Mish = _module("Mish", mish)
Softsign = _module("Softsign", softsign)
Softmin = _module("Softmin", softmin, ("dim",), (None,))
Hardtanh = _module("Hardtanh", _hardtanh, ("min_val", "max_val"), (-1.0, 1.0))
Hardsigmoid = _module("Hardsigmoid", hardsigmoid)
Hardswish = _module("Hardswish", hardswish)
Hardshrink = _module("Hardshrink", hardshrink, ("lambd",), (0.5,))
Softshrink = _module("Softshrink", softshrink, ("lambd",), (0.5,))
Hardshrink.extra_repr = Softshrink.extra_repr = lambda self: f"{self.lambd}"
Tanhshrink = _module("Tanhshrink", tanhshrink)
LogSigmoid = _module("LogSigmoid", logsigmoid)
Threshold = _module("Threshold", threshold, ("threshold", "value"), (None, None))
GLU = _module("GLU", glu, ("dim",), (-1,))


class PReLU(Module):
    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(Tensor._make(np.full(num_parameters, init, default_float())))

    def reset_parameters(self):
        from funcgrad.torch.nn.init import constant_
        constant_(self.weight, self.init)

    def forward(self, input):
        return prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


__all__ = ["selu", "celu", "mish", "hardsigmoid", "hardswish", "softsign", "softmin", "glu",
           "threshold", "prelu", "tanhshrink", "softshrink", "hardshrink", "logsigmoid",
           "ReLU6", "SELU", "CELU", "Mish", "Softsign", "Softmin", "Hardtanh", "Hardsigmoid",
           "Hardswish", "Hardshrink", "Softshrink", "Tanhshrink", "LogSigmoid", "Threshold", "GLU",
           "PReLU", "module_with_fields"]

module_with_fields = _module
