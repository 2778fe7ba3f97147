"""Layer, group, instance and RMS normalisation: functions and modules.

Each function is one composite node (PyTorch's `NativeLayerNormBackward0`...) built from
registry primitives, so its backward is their reverse rules.
"""
from __future__ import annotations

import numpy as np

from funcgrad.torch._dtype import default_float

from funcgrad.primitives import elementwise as ew, nn as nnp, shape as shp
from funcgrad.torch import _kernel_dtypes
from funcgrad.torch._composite import composite
from funcgrad.torch.nn.module import Module
from funcgrad.torch.nn.parameter import new_parameter
from funcgrad.torch.tensor import Tensor


def _standardize(x, axes, eps):
    centred = x - nnp.mean(x, axis=axes, keepdims=True)
    variance = nnp.mean(centred * centred, axis=axes, keepdims=True)
    return centred / ew.sqrt(variance + eps)


def _shape_tuple(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    shape = _shape_tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, "
            f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    _kernel_dtypes.check_norm(input, weight, bias, name="layer_norm")

    def fn(x, w, b):
        out = _standardize(x, axes, eps)
        if w is not None:
            out = out * w
        return out if b is None else out + b
    return composite("NativeLayerNormBackward0", fn, input, weight, bias)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {input.shape} and num_groups={num_groups}")
    shape = tuple(input.shape)
    channel = (1, c) + (1,) * (input.ndim - 2)
    _kernel_dtypes.check_norm(input, weight, bias, name="group_norm")

    def fn(x, w, b):
        grouped = shp.reshape(x, (n, num_groups, -1))
        out = shp.reshape(_standardize(grouped, (2,), eps), shape)
        if w is not None:
            out = out * shp.reshape(w, channel)
        return out if b is None else out + shp.reshape(b, channel)
    return composite("NativeGroupNormBackward0", fn, input, weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    if not use_input_stats and running_mean is not None:
        from funcgrad.torch.nn.functional import batch_norm
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    axes = tuple(range(2, input.ndim))
    channel = (1, -1) + (1,) * (input.ndim - 2)
    _kernel_dtypes.check_norm(input, weight, bias, running_mean, running_var)
    if running_mean is not None:  # the batch's per-channel statistics, averaged over samples
        data = np.asarray(input.detach()._data)
        count = int(np.prod(data.shape[2:]))
        mean = data.mean(axis=axes).mean(0)
        var = (data.var(axis=axes) * count / max(count - 1, 1)).mean(0)
        running_mean._data[...] = (1 - momentum) * running_mean._data + momentum * mean
        running_var._data[...] = (1 - momentum) * running_var._data + momentum * var
        running_mean._counter[0] += 1
        running_var._counter[0] += 1

    def fn(x, w, b):
        out = _standardize(x, axes, eps)
        if w is not None:
            out = out * shp.reshape(w, channel)
        return out if b is None else out + shp.reshape(b, channel)
    return composite("NativeBatchNormBackward0", fn, input, weight, bias)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    shape = _shape_tuple(normalized_shape)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    eps = float(np.finfo(input._data.dtype).eps) if eps is None else eps

    def fn(x, w):
        out = x / ew.sqrt(nnp.mean(x * x, axis=axes, keepdims=True) + eps)
        return out if w is None else out * w
    return composite("MulBackward0", fn, input, weight)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    from funcgrad.torch.nn.functional import avg_pool2d, pad
    squares = (input * input).unsqueeze(1)
    squares = pad(squares, (0, 0, 0, 0, size // 2, (size - 1) // 2) if input.ndim == 4 else
                  (0, 0, size // 2, (size - 1) // 2))
    if input.ndim == 4:
        n, c, h, w = input.shape
        window = avg_pool2d(squares.reshape(n, 1, c + size - 1, h * w), (size, 1), 1)
        window = window.reshape(n, c, h, w)
    else:
        window = avg_pool2d(squares, (size, 1), 1).squeeze(1)
    return input / (window * alpha + k) ** beta


# -- modules --------------------------------------------------------------------------------

def _reset_affine(module):
    from funcgrad.torch.nn import init
    if module.weight is not None:
        init.ones_(module.weight)
    if getattr(module, "bias", None) is not None:
        init.zeros_(module.bias)


class LayerNorm(Module):
    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = new_parameter(*self.normalized_shape, fill=1.0) if elementwise_affine else None
        self.bias = new_parameter(*self.normalized_shape) if elementwise_affine and bias else None

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, bias=True, device=None,
                 dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                    eps, affine)
        self.weight = new_parameter(num_channels, fill=1.0) if affine else None
        self.bias = new_parameter(num_channels) if affine and bias else None

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = new_parameter(*self.normalized_shape, fill=1.0) if elementwise_affine else None

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class _NormBase(Module):
    """What batch and instance normalisation share: per-channel affine parameters and, when
    `track_running_stats`, the running mean and variance buffers."""

    def __init__(self, num_features, eps, momentum, affine, track_running_stats, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = new_parameter(num_features, fill=1.0) if affine else None
        self.bias = new_parameter(num_features) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._make(np.zeros(num_features, default_float())))
            self.register_buffer("running_var", Tensor._make(np.ones(num_features, default_float())))
            self.register_buffer("num_batches_tracked", Tensor._make(np.zeros((), np.int64)))
        else:
            self.running_mean = self.running_var = None

    def reset_running_stats(self):
        if self.track_running_stats:
            for name, value in (("running_mean", 0), ("running_var", 1), ("num_batches_tracked", 0)):
                buffer = self._buffers[name]
                buffer._data[...] = value
                buffer._counter[0] += 1

    def reset_parameters(self):
        self.reset_running_stats()
        _reset_affine(self)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _InstanceNorm(_NormBase):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, bias=True, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, bias)

    def forward(self, input):
        unbatched = input.ndim == self._dims + 1
        if unbatched:
            input = input.unsqueeze(0)
        out = instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats, self.momentum,
                            self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    _dims = 1


class InstanceNorm2d(_InstanceNorm):
    _dims = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W): each sample's channel over
    its volume."""

    _dims = 3


class LocalResponseNorm(Module):
    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


__all__ = ["layer_norm", "group_norm", "instance_norm", "rms_norm", "local_response_norm",
           "LayerNorm", "GroupNorm", "RMSNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
           "LocalResponseNorm"]
