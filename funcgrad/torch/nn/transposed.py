"""Transposed convolutions (conv_transpose1d/2d/3d and their modules): the registry's adjoint of
conv2d in its input (`conv2d_input_grad`) applied to the input, one node as in PyTorch."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import nn as nnp, shape as shp
from funcgrad.primitives.indexing import getitem_p
from funcgrad.torch import _kernel_dtypes, _ops
from funcgrad.torch._composite import composite
from funcgrad.torch.nn import functional as F
from funcgrad.torch.nn.layers import _ConvNd
from funcgrad.torch.nn.parameter import new_parameter


def _transposed(x, w, b, groups, out_shape, params):
    """The adjoint of the grouped convolution: each group of input channels spread back through
    its slice of the kernels, the groups' outputs side by side, plus the bias."""
    n, c_in = np.shape(x)[:2]
    per_in, per_out = c_in // groups, np.shape(w)[1]
    parts = []
    for g in range(groups):
        xs = getitem_p.bind(x, index=(slice(None), slice(g * per_in, (g + 1) * per_in)))
        ws = getitem_p.bind(w, index=(slice(g * per_in, (g + 1) * per_in),))
        parts.append(nnp.conv2d_input_grad(xs, ws, x_shape=(n, per_out) + out_shape, **params))
    out = parts[0] if groups == 1 else shp.concatenate(parts, axis=1)
    return out if b is None else out + shp.reshape(b, (1, -1, 1, 1))


def _checked_transposed_bias(input, weight, bias):
    """PyTorch's checks; a bias of another dtype is cast to the input's (as PyTorch adds it)."""
    _kernel_dtypes.check_conv_transpose(input, weight, bias)
    if bias is not None and bias._data.dtype != input._data.dtype:
        return bias.to(input.dtype)
    return bias


def conv_transpose2d(input, weight, bias=None, stride: F._Size = 1, padding: F._Size = 0,
                     output_padding: F._Size = 0, groups=1, dilation: F._Size = 1):
    bias = _checked_transposed_bias(input, weight, bias)
    unbatched = input.ndim == 3
    if unbatched:
        input = _ops.unsqueeze(input, 0)
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = (F._pair(v) for v in (stride, padding,
                                                                   output_padding, dilation))
    h, w = input.shape[2:]
    kh, kw = weight.shape[2:]
    out_shape = ((h - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1,
                 (w - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1)
    params = {"stride": (sh, sw), "padding": (ph, pw), "dilation": (dh, dw)}
    out = composite("ConvolutionBackward0",
                    lambda x, k, b: _transposed(x, k, b, groups, out_shape, params),
                    input, weight, bias)
    return _ops.squeeze(out, 0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride: F._Size = 1, padding: F._Size = 0,
                     output_padding: F._Size = 0, groups=1, dilation: F._Size = 1):
    bias = _checked_transposed_bias(input, weight, bias)
    unbatched = input.ndim == 2
    if unbatched:
        input = _ops.unsqueeze(input, 0)
    s, p, op, d = (F._pair(v)[0] for v in (stride, padding, output_padding, dilation))
    length, k = input.shape[2], weight.shape[2]
    out_len = (length - 1) * s - 2 * p + d * (k - 1) + op + 1
    params = {"stride": (1, s), "padding": (0, p), "dilation": (1, d)}

    def fn(x, w, b):
        n, c = np.shape(x)[:2]
        plane = _transposed(shp.reshape(x, (n, c, 1, length)),
                            shp.reshape(w, np.shape(w)[:2] + (1, k)), b, groups, (1, out_len),
                            params)
        return shp.reshape(plane, (n, np.shape(plane)[1], out_len))
    out = composite("ConvolutionBackward0", fn, input, weight, bias)
    return _ops.squeeze(out, 0) if unbatched else out


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    from funcgrad.torch.nn.volumetric import _triple
    bias = _checked_transposed_bias(input, weight, bias)
    unbatched = input.ndim == 4
    if unbatched:
        input = _ops.unsqueeze(input, 0)
    (sd, sh, sw), (pd, ph, pw), (od, oh, ow), (dd, dh, dw) = (
        _triple(v) for v in (stride, padding, output_padding, dilation))
    n, depth, h, w = input.shape[0], input.shape[2], input.shape[3], input.shape[4]
    kd, kh, kw = weight.shape[2:]
    plane_shape = ((h - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1,
                   (w - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1)
    full_depth = (depth - 1) * sd + dd * (kd - 1) + od + 1  # before the padding is cut off
    params = {"stride": (sh, sw), "padding": (ph, pw), "dilation": (dh, dw)}

    def fn(x, k, b):
        # each input plane d, spread through kernel plane j, lands on output plane d sd + j dd
        planes = [None] * full_depth
        for d in range(depth):
            xd = getitem_p.bind(x, index=(slice(None), slice(None), d))
            for j in range(kd):
                term = _transposed(xd, getitem_p.bind(k, index=(slice(None), slice(None), j)),
                                   None, groups, plane_shape, params)
                at = d * sd + j * dd
                planes[at] = term if planes[at] is None else planes[at] + term
        zeros = np.zeros((n, np.shape(k)[1] * groups) + plane_shape, input._data.dtype)
        kept = [zeros if p is None else p for p in planes[pd:full_depth - pd]]
        out = shp.stack(kept, 2)
        return out if b is None else out + shp.reshape(b, (1, -1, 1, 1, 1))
    out = composite("ConvolutionBackward0", fn, input, weight, bias)
    return _ops.squeeze(out, 0) if unbatched else out


class _ConvTranspose(_ConvNd):
    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__()
        from funcgrad.torch.nn.volumetric import _triple
        tup = {1: lambda v: (F._pair(v)[0],), 2: F._pair, 3: _triple}[self._dims]
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding = tup(kernel_size), tup(stride), tup(padding)
        self.output_padding, self.dilation = tup(output_padding), tup(dilation)
        self.padding_mode = padding_mode
        self.weight = new_parameter(in_channels, out_channels // groups, *self.kernel_size)
        self.bias = new_parameter(out_channels) if bias else None
        self.reset_parameters()

    transposed = True

    def forward(self, input, output_size=None):
        fn = {1: conv_transpose1d, 2: conv_transpose2d, 3: conv_transpose3d}[self._dims]
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                  self.groups, self.dilation)


class ConvTranspose2d(_ConvTranspose):
    _dims = 2


class ConvTranspose1d(_ConvTranspose):
    _dims = 1


class ConvTranspose3d(_ConvTranspose):
    """The transposed 3-d convolution (the adjoint of Conv3d in its input)."""

    _dims = 3
