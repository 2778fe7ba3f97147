"""Three-dimensional convolution and pooling (Conv3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d).

A 3-d convolution is a sum over the kernel's depth of 2-d convolutions of depth slices (the
registry's conv2d); max and average pooling are separable, so they pool each plane in 2-d and
then along depth. Every derivative comes from those primitives' rules."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import contraction, shape as shp
from funcgrad.primitives.indexing import getitem_p, index_add_p
from funcgrad.torch import _kernel_dtypes, _ops
from funcgrad.torch._composite import composite
from funcgrad.torch._math import _renamed
from funcgrad.torch.nn import functional as F
from funcgrad.torch.nn.layers import _AdaptiveAvgPoolNd, _AvgPoolNd, _ConvNd, _MaxPoolNd
from funcgrad.torch.nn.parameter import new_parameter
from funcgrad.torch.nn.spatial import _adaptive_matrix


def _triple(v):
    return (int(v),) * 3 if isinstance(v, (int, np.integer)) else tuple(int(i) for i in v)


def conv3d(input, weight, bias=None, stride: F._Size = 1, padding: F._Size | str = 0,
           dilation: F._Size = 1, groups=1):
    _kernel_dtypes.check_conv(input, weight, bias)
    unbatched = input.ndim == 4
    if unbatched:
        input = _ops.unsqueeze(input, 0)
    (sd, sh, sw), (pd, ph, pw), (dd, dh, dw) = _triple(stride), _triple(padding), _triple(dilation)
    n, c, depth = input.shape[:3]
    kd = weight.shape[2]
    out_depth = (depth + 2 * pd - dd * (kd - 1) - 1) // sd + 1
    params = {"stride": (sh, sw), "padding": (ph, pw), "dilation": (dh, dw)}
    padded_shape = (n, c, depth + 2 * pd) + tuple(input.shape[3:])
    zeros = np.zeros(padded_shape, input._data.dtype)

    def fn(x, w, b):
        x = index_add_p.bind(zeros, x, index=(slice(None), slice(None), slice(pd, pd + depth)))
        planes = []
        for od in range(out_depth):
            total = None
            for k in range(kd):
                plane = getitem_p.bind(x, index=(slice(None), slice(None), od * sd + k * dd))
                kernel = getitem_p.bind(w, index=(slice(None), slice(None), k))
                term = F._grouped_conv(plane, kernel, None, groups, params)
                total = term if total is None else total + term
            planes.append(total)
        out = shp.stack(planes, 2)
        return out if b is None else out + shp.reshape(b, (1, -1, 1, 1, 1))
    out = composite("ConvolutionBackward0", fn, input, weight, bias)
    return _ops.squeeze(out, 0) if unbatched else out


def _pool3d(pool2d, pool1d, name, input, kernel_size, stride, padding, **options):
    unbatched = input.ndim == 4
    if unbatched:
        input = _ops.unsqueeze(input, 0)
    kernel = _triple(kernel_size)
    stride = kernel if stride is None or stride == [] else _triple(stride)
    padding = _triple(padding)
    n, c, d, h, w = input.shape
    planes = pool2d(input.reshape(n, c * d, h, w), kernel[1:], stride[1:], padding[1:], **options)
    ho, wo = planes.shape[-2:]
    along = planes.reshape(n, c, d, ho, wo).permute(0, 1, 3, 4, 2).reshape(n, c * ho * wo, d)
    pooled = pool1d(along, kernel[0], stride[0], padding[0], **options)
    out = pooled.reshape(n, c, ho, wo, -1).permute(0, 1, 4, 2, 3)
    out = _renamed(out, name)
    return _ops.squeeze(out, 0) if unbatched else out


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if return_indices:  # (the separable pooling below knows no indices: a gather at them)
        from funcgrad.torch.nn.pooling import max_pool3d_indices
        return max_pool3d_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    dd, dh, dw = _triple(dilation)
    from funcgrad.torch.nn.spatial import max_pool1d
    return _pool3d(lambda x, k, s, p: F.max_pool2d(x, k, s, p, (dh, dw), ceil_mode),
                   lambda x, k, s, p: max_pool1d(x, k, s, p, dd, ceil_mode),
                   "MaxPool3DWithIndicesBackward0", input, kernel_size, stride, padding)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    if not count_include_pad or divisor_override is not None:
        raise NotImplementedError("avg_pool3d: count_include_pad=False and divisor_override are "
                                  "not supported by funcgrad.torch")
    from funcgrad.torch.nn.spatial import avg_pool1d
    return _pool3d(lambda x, k, s, p: F.avg_pool2d(x, k, s, p, ceil_mode),
                   lambda x, k, s, p: avg_pool1d(x, k, s, p, ceil_mode),
                   "AvgPool3DBackward0", input, kernel_size, stride, padding)


def adaptive_avg_pool3d(input, output_size):
    sizes = _triple(output_size)
    mats = [_adaptive_matrix(n, o, input._data.dtype) for n, o in zip(input.shape[-3:], sizes)]

    def fn(x):  # average along each axis with its adaptive-window matrix
        x = contraction.matmul(contraction.matmul(mats[1], x), mats[2].T)
        return _depth(x, mats[0])
    return composite("AdaptiveAvgPool3DBackward0", fn, input)


def _depth(x, matrix):
    """Apply `matrix` along the third-from-last axis."""
    lead = tuple(range(np.ndim(x) - 3))
    k = len(lead)
    y = shp.transpose(x, lead + (k + 1, k + 2, k))  # depth last
    y = contraction.matmul(y, matrix.T)
    return shp.transpose(y, lead + (k + 2, k, k + 1))


class Conv3d(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _triple(kernel_size), _triple(stride)
        self.padding, self.dilation = _triple(padding), _triple(dilation)
        self.weight = new_parameter(out_channels, in_channels // groups, *self.kernel_size)
        self.bias = new_parameter(out_channels) if bias else None
        self.reset_parameters()

    def forward(self, input):
        return conv3d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


class MaxPool3d(_MaxPoolNd):
    _pool = staticmethod(max_pool3d)


class AvgPool3d(_AvgPoolNd):
    _pool = staticmethod(avg_pool3d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    _pool = staticmethod(adaptive_avg_pool3d)
