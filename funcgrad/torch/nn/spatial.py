"""One-dimensional convolution and pooling, adaptive pooling, resizing (interpolate,
pixel_shuffle), non-constant padding and channel dropout: functions and modules.

1-d operations run the 2-d primitives on a height-1 plane; resizing and padding are index
gathers or products with fixed interpolation matrices, so every derivative is a registry rule.
"""
from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from funcgrad.primitives import contraction, shape as shp
from funcgrad.primitives.indexing import getitem_p
from funcgrad.torch import _kernel_dtypes, _ops
from funcgrad.torch._composite import composite
from funcgrad.torch.nn import functional as F
from funcgrad.torch.nn.layers import _ConvNd
from funcgrad.torch.nn.module import Module
from funcgrad.torch.nn.parameter import new_parameter
from funcgrad.torch.tensor import Tensor, apply


def _single(v):
    return int(v) if isinstance(v, (int, np.integer)) else int(tuple(v)[0])


def conv1d(input, weight, bias=None, stride: F._Size = 1, padding: F._Size | str = 0,
           dilation: F._Size = 1, groups=1):
    _kernel_dtypes.check_conv(input, weight, bias)
    unbatched = input.ndim == 2
    if unbatched:
        input = _ops.unsqueeze(input, 0)
    stride, dilation = _single(stride), _single(dilation)
    if isinstance(padding, str):
        total = dilation * (weight.shape[-1] - 1) if padding == "same" else 0
        if total % 2:
            input = F.pad(input, (total // 2, total - total // 2))
            padding = 0
        else:
            padding = total // 2
    params = {"stride": (1, stride), "padding": (0, _single(padding)), "dilation": (1, dilation)}

    def fn(x, w, b):  # the 2-d convolution of a height-1 plane
        n, c, length = np.shape(x)
        plane = F._grouped_conv(shp.reshape(x, (n, c, 1, length)),
                                shp.reshape(w, np.shape(w)[:2] + (1, np.shape(w)[2])), b, groups,
                                params)
        return shp.reshape(plane, (n, np.shape(plane)[1], np.shape(plane)[3]))
    out = composite("ConvolutionBackward0", fn, input, weight, bias)
    return _ops.squeeze(out, 0) if unbatched else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    stride = kernel_size if stride is None or stride == [] else stride
    out = F.max_pool2d(_ops.unsqueeze(input, -2), (1, _single(kernel_size)), (1, _single(stride)),
                       (0, _single(padding)), (1, _single(dilation)), ceil_mode, return_indices)
    if return_indices:
        return _ops.squeeze(out[0], -2), _ops.squeeze(out[1], -2)
    return _ops.squeeze(out, -2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    stride = kernel_size if stride is None or stride == [] else stride
    out = F.avg_pool2d(_ops.unsqueeze(input, -2), (1, _single(kernel_size)), (1, _single(stride)),
                       (0, _single(padding)), ceil_mode, count_include_pad)
    return _ops.squeeze(out, -2)


def _adaptive_windows(size, out):
    """PyTorch's adaptive windows: [floor(i size / out), ceil((i + 1) size / out))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _adaptive_matrix(size, out, dtype):
    averaging = np.zeros((out, size), dtype)
    for i, (start, stop) in enumerate(_adaptive_windows(size, out)):
        averaging[i, start:stop] = 1.0 / (stop - start)
    return averaging


def adaptive_avg_pool1d(input, output_size):
    size, out = input.shape[-1], _single(output_size)
    averaging = _adaptive_matrix(size, out, input._data.dtype).T
    return composite("SqueezeBackward1",
                     lambda x: contraction.matmul(x, averaging), input)


def adaptive_avg_pool2d(input, output_size):
    h, w = input.shape[-2:]
    oh, ow = F._pair(output_size) if output_size is not None else (h, w)
    oh, ow = oh or h, ow or w
    rows = _adaptive_matrix(h, oh, input._data.dtype)
    cols = _adaptive_matrix(w, ow, input._data.dtype).T
    return composite("AdaptiveAvgPool2DBackward0",
                     lambda x: contraction.matmul(contraction.matmul(rows, x), cols), input)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    h, w = input.shape[-2:]
    oh, ow = F._pair(output_size)
    data = np.asarray(input.detach()._data)
    rows, cols = _adaptive_windows(h, oh), _adaptive_windows(w, ow)
    index = np.zeros(data.shape[:-2] + (oh, ow), np.int64)
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            window = data[..., r0:r1, c0:c1].reshape(data.shape[:-2] + (-1,))
            best = window.argmax(-1)
            index[..., i, j] = (r0 + best // (c1 - c0)) * w + c0 + best % (c1 - c0)
    flat = _ops.reshape(input, tuple(input.shape[:-2]) + (h * w,))
    grids: list[Any] = list(np.indices(index.shape[:-2] + (oh * ow,), sparse=True))
    grids[-1] = index.reshape(index.shape[:-2] + (oh * ow,))
    picked = apply(getitem_p, (flat,), {"index": tuple(grids)}, "AdaptiveMaxPool2DBackward0")
    out = _ops.reshape(picked, index.shape, name="AdaptiveMaxPool2DBackward0")
    return (out, Tensor._make(index)) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    out = adaptive_max_pool2d(_ops.unsqueeze(input, -2), (1, _single(output_size)), return_indices)
    if return_indices:
        return _ops.squeeze(out[0], -2), _ops.squeeze(out[1], -2)
    return _ops.squeeze(out, -2)


# -- resizing -------------------------------------------------------------------------------------

def _out_sizes(input, size, scale_factor, dims):
    if size is not None:
        sizes = (size,) * dims if isinstance(size, (int, np.integer)) else tuple(size)
        return tuple(int(s) for s in sizes), None
    scales = (scale_factor,) * dims if not isinstance(scale_factor, (tuple, list)) else tuple(scale_factor)
    sizes = tuple(int(math.floor(n * s)) for n, s in zip(input.shape[-dims:], scales))
    return sizes, scales


def _linear_matrix(size, out, scale, align_corners, dtype):
    """The (out, size) matrix of 1-d linear interpolation (PyTorch's source coordinates)."""
    matrix = np.zeros((out, size), np.float64)
    for i in range(out):
        if align_corners:
            src = i * (size - 1) / (out - 1) if out > 1 else 0.0
        else:
            ratio = 1.0 / scale if scale is not None else size / out
            src = max((i + 0.5) * ratio - 0.5, 0.0)
        low = min(int(math.floor(src)), size - 1)
        high = min(low + 1, size - 1)
        frac = src - low
        matrix[i, low] += 1 - frac
        matrix[i, high] += frac
    return matrix.astype(dtype)


def _source(i, size, out, scale, align_corners):
    """PyTorch's source coordinate of output index i (before any clamping)."""
    if align_corners:
        return i * (size - 1) / (out - 1) if out > 1 else 0.0
    ratio = 1.0 / scale if scale is not None else size / out
    return (i + 0.5) * ratio - 0.5


def _cubic_matrix(size, out, scale, align_corners, dtype):
    """The (out, size) matrix of PyTorch's bicubic convolution (A = -0.75) along one axis,
    taps beyond the edges falling on the edge entries."""
    a = -0.75
    matrix = np.zeros((out, size), np.float64)
    for i in range(out):
        src = _source(i, size, out, scale, align_corners)
        low = int(math.floor(src))
        t = src - low
        weights = (((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                   ((a + 2) * t - (a + 3)) * t * t + 1,
                   ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                   ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a)
        for offset, w in zip((-1, 0, 1, 2), weights):
            matrix[i, min(max(low + offset, 0), size - 1)] += w
    return matrix.astype(dtype)


def _area_matrix(size, out, dtype):
    """The (out, size) matrix of adaptive average pooling (interpolate's mode='area')."""
    matrix = np.zeros((out, size), np.float64)
    for i in range(out):
        start, stop = (i * size) // out, -((-(i + 1) * size) // out)
        matrix[i, start:stop] = 1.0 / (stop - start)
    return matrix.astype(dtype)


# the input rank each mode takes, and PyTorch's node names (mode: (dims, name))
_MATRIX_MODES = {"linear": (1, "UpsampleLinear1DBackward0"),
                 "bilinear": (2, "UpsampleBilinear2DBackward0"),
                 "bicubic": (2, "UpsampleBicubic2DBackward0"),
                 "trilinear": (3, "UpsampleTrilinear3DBackward0")}


def _along_axes(x, matrices):
    """x with the k-th (out, size) matrix applied along spatial axis k (axis k + 2)."""
    for k, matrix in enumerate(matrices):
        axis = k + 2
        moved = shp.moveaxis(x, axis, -1)
        x = shp.moveaxis(contraction.matmul(moved, matrix.T), -1, axis)
    return x


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    dims = input.ndim - 2
    sizes, scales = _out_sizes(input, size, scale_factor, dims)
    if recompute_scale_factor:
        scales = None
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        grids = list(np.indices(tuple(input.shape[:2]) + (1,) * dims, sparse=True))[:2]
        for k, (n, out) in enumerate(zip(input.shape[2:], sizes)):
            ratio = 1.0 / scales[k] if scales is not None else n / out
            position = (np.arange(out) + 0.5) * ratio if exact else np.arange(out) * ratio
            source = np.minimum(np.floor(position).astype(np.int64), n - 1)
            grids.append(source.reshape((1, 1) + tuple(-1 if j == k else 1 for j in range(dims))))
        name = f"UpsampleNearest{'Exact' if exact else ''}{dims}DBackward0"
        return apply(getitem_p, (input,), {"index": tuple(grids)}, name)
    if mode == "area":
        mats = [_area_matrix(n, out, input._data.dtype) for n, out in zip(input.shape[2:], sizes)]
        # PyTorch's area is adaptive average pooling, whose 1-d form ends in a squeeze
        name = "SqueezeBackward1" if dims == 1 else f"AdaptiveAvgPool{dims}DBackward0"
        return composite(name, lambda x: _along_axes(x, mats), input)
    if mode == "lanczos":
        raise NotImplementedError("interpolate: mode='lanczos' is not supported by funcgrad.torch "
                                  "yet (nearest, nearest-exact, area, linear, bilinear, bicubic "
                                  "and trilinear are)")
    wanted, name = _MATRIX_MODES.get(mode, (None, None))
    if wanted is None or mode == "bicubic" and dims != wanted:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the "
            "modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})")
    if dims != wanted:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{wanted + 2}D input")
    dtype = input._data.dtype
    scale = (lambda k: None) if scales is None else (lambda k: scales[k])
    if mode == "bicubic":
        mats = [_cubic_matrix(n, out, scale(k), bool(align_corners), dtype)
                for k, (n, out) in enumerate(zip(input.shape[2:], sizes))]
    else:
        mats = [_linear_matrix(n, out, scale(k), bool(align_corners), dtype)
                for k, (n, out) in enumerate(zip(input.shape[2:], sizes))]
    if dims == 1:
        return composite(name, lambda x: contraction.matmul(x, mats[0].T), input)
    if dims == 2:
        return composite(name, lambda x: contraction.matmul(
            contraction.matmul(mats[0], x), mats[1].T), input)
    return composite(name, lambda x: _along_axes(x, mats), input)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def pixel_shuffle(input, upscale_factor):
    r = int(upscale_factor)
    n, c, h, w = input.shape[-4:] if input.ndim >= 4 else (1,) + tuple(input.shape)
    lead = tuple(input.shape[:-3])

    def fn(x):
        x = shp.reshape(x, lead + (c // (r * r), r, r, h, w))
        k = len(lead)
        x = shp.transpose(x, tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
        return shp.reshape(x, lead + (c // (r * r), h * r, w * r))
    return composite("PixelShuffleBackward0", fn, input)


def pixel_unshuffle(input, downscale_factor):
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.ndim} dimension(s)")
    c, h, w = input.shape[-3:]
    for side, axis, n in (("height", -2, h), ("width", -1, w)):
        if n % r:
            raise RuntimeError(f"pixel_unshuffle expects {side} to be divisible by "
                               f"downscale_factor, but input.size({axis})={n} is not divisible "
                               f"by {r}")
    lead = tuple(input.shape[:-3])

    def fn(x):
        x = shp.reshape(x, lead + (c, h // r, r, w // r, r))
        k = len(lead)
        x = shp.transpose(x, tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
        return shp.reshape(x, lead + (c * r * r, h // r, w // r))
    return composite("PixelUnshuffleBackward0", fn, input)


# -- padding by copying edges ----------------------------------------------------------------------

_NUMPY_MODES: dict[str, Literal["reflect", "edge", "wrap"]] = {
    "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
_PAD_NAMES = {"reflect": "ReflectionPad{}DBackward0", "replicate": "ReplicationPad{}DBackward0",
              "circular": "Circular"}


def pad(input, pad, mode="constant", value=None):
    if mode == "constant":
        return F._constant_pad(input, pad, 0.0 if value is None else value)
    if mode not in _NUMPY_MODES:
        raise NotImplementedError(f"pad: mode={mode!r} is not supported")
    grids = list(np.indices(tuple(input.shape), sparse=True))
    for i in range(len(pad) // 2):
        axis = input.ndim - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        source = np.pad(np.arange(input.shape[axis]), (before, after), mode=_NUMPY_MODES[mode])
        grids[axis] = source.reshape(tuple(-1 if j == axis else 1 for j in range(input.ndim)))
    name = _PAD_NAMES[mode].format(len(pad) // 2) if mode != "circular" else "IndexBackward0"
    return apply(getitem_p, (input,), {"index": tuple(grids)}, name)


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout(input, p, training, 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout(input, p, training, 4)


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout(input, p, training, 5)


def _channel_dropout(input, p, training, batched_ndim):
    """Whole channels zeroed with probability p, the rest scaled by 1 / (1 - p)."""
    if not training or p == 0:
        return input
    from funcgrad.torch.random import default_generator
    lead = 2 if input.ndim == batched_ndim else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    keep = default_generator.rng.random(shape) >= p
    scale = keep.astype(input._data.dtype) / input._data.dtype.type(max(1 - p, 1e-38))
    return input * Tensor._make(scale)


# -- modules ----------------------------------------------------------------------------------------

class Conv1d(_ConvNd):
    output_padding = (0,)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = (_single(kernel_size),), (_single(stride),)
        self.dilation = (_single(dilation),)
        self.padding = padding if isinstance(padding, str) else (_single(padding),)
        self.padding_mode = padding_mode
        self.weight = new_parameter(out_channels, in_channels // groups, self.kernel_size[0])
        self.bias = new_parameter(out_channels) if bias else None
        self.reset_parameters()

    def forward(self, input):
        if self.padding_mode != "zeros":
            p = self.padding[0]
            return conv1d(pad(input, (p, p), self.padding_mode), self.weight, self.bias,
                          self.stride, 0, self.dilation, self.groups)
        return conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


class _Pool1d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, *rest, **options):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.rest, self.options = padding, rest, options


class MaxPool1d(_Pool1d):
    def forward(self, input):
        return max_pool1d(input, self.kernel_size, self.stride, self.padding, *self.rest,
                          **self.options)

    def extra_repr(self):
        dilation = self.rest[0] if self.rest else self.options.get("dilation", 1)
        ceil = self.rest[2] if len(self.rest) > 2 else self.options.get("ceil_mode", False)
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={dilation}, ceil_mode={ceil}")


class AvgPool1d(_Pool1d):
    def forward(self, input):
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, *self.rest,
                          **self.options)

    def extra_repr(self):
        return (f"kernel_size=({_single(self.kernel_size)},), stride=({_single(self.stride)},), "
                f"padding=({_single(self.padding)},)")


def _adaptive_module(name, fn):
    def __init__(self, output_size, return_indices=False):
        Module.__init__(self)
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):
        if self.return_indices:
            return fn(input, self.output_size, True)
        return fn(input, self.output_size)
    return type(name, (Module,), {"__init__": __init__, "forward": forward,
                                  "extra_repr": lambda self: f"output_size={self.output_size}"})


AdaptiveAvgPool1d = _adaptive_module("AdaptiveAvgPool1d", adaptive_avg_pool1d)
AdaptiveMaxPool1d = _adaptive_module("AdaptiveMaxPool1d", adaptive_max_pool1d)
AdaptiveMaxPool2d = _adaptive_module("AdaptiveMaxPool2d", adaptive_max_pool2d)


class Upsample(Module):
    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size, self.scale_factor = size, None if scale_factor is None else float(scale_factor)
        self.mode, self.align_corners = mode, align_corners

    def forward(self, input):
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self):
        if self.scale_factor is not None:
            return f"scale_factor={self.scale_factor}, mode='{self.mode}'"
        return f"size={self.size}, mode='{self.mode}'"


class PixelShuffle(Module):
    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class _Pad(Module):
    _mode, _sides = "constant", 2

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = (padding,) * self._sides if isinstance(padding, int) else tuple(padding)
        self.value = value

    def forward(self, input):
        if self._mode == "constant":
            return pad(input, self.padding, "constant", self.value)
        return pad(input, self.padding, self._mode)

    def extra_repr(self):
        if type(self).__name__.startswith("Constant"):
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


def _pad_module(name, mode, sides):
    return type(name, (_Pad,), {"_mode": mode, "_sides": sides})


ConstantPad1d, ConstantPad2d = _pad_module("ConstantPad1d", "constant", 2), \
    _pad_module("ConstantPad2d", "constant", 4)
ZeroPad1d, ZeroPad2d = _pad_module("ZeroPad1d", "constant", 2), _pad_module("ZeroPad2d", "constant", 4)
ReflectionPad1d, ReflectionPad2d = _pad_module("ReflectionPad1d", "reflect", 2), \
    _pad_module("ReflectionPad2d", "reflect", 4)
ReplicationPad1d, ReplicationPad2d = _pad_module("ReplicationPad1d", "replicate", 2), \
    _pad_module("ReplicationPad2d", "replicate", 4)
CircularPad1d, CircularPad2d = _pad_module("CircularPad1d", "circular", 2), \
    _pad_module("CircularPad2d", "circular", 4)
ConstantPad3d, ZeroPad3d = _pad_module("ConstantPad3d", "constant", 6), \
    _pad_module("ZeroPad3d", "constant", 6)
ReflectionPad3d, ReplicationPad3d = _pad_module("ReflectionPad3d", "reflect", 6), \
    _pad_module("ReplicationPad3d", "replicate", 6)
CircularPad3d = _pad_module("CircularPad3d", "circular", 6)


def _dropout_module(name, fn):
    def __init__(self, p=0.5, inplace=False):
        Module.__init__(self)
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return fn(input, self.p, self.training)
    return type(name, (Module,), {"__init__": __init__, "forward": forward,
                                  "extra_repr": lambda self: f"p={self.p}, inplace={self.inplace}"})


Dropout1d = _dropout_module("Dropout1d", dropout1d)
Dropout2d = _dropout_module("Dropout2d", dropout2d)
Dropout3d = _dropout_module("Dropout3d", dropout3d)



def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """SELU's dropout: dropped units set to SELU's negative saturation, then an affine map
    a x + b that keeps the mean and variance (Klambauer et al.)."""
    return _alpha_dropout(input, p, training, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels: one draw per (sample, channel) of (N, C, *)."""
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _alpha_dropout(input, p, training, tuple(input.shape[:2]) + (1,) * (input.ndim - 2))


def _alpha_dropout(input, p, training, mask_shape):
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:  # (PyTorch multiplies by zero)
        return input * 0
    from funcgrad.torch.random import default_generator
    saturation = -1.7580993408473766  # -scale * alpha of SELU
    keep = (default_generator.rng.random(mask_shape) >= p).astype(input._data.dtype)
    a = (1 - p + p * saturation ** 2 * (1 - p)) ** -0.5
    b = -a * saturation * p
    dropped = Tensor._make((1 - keep) * saturation)
    return (input * Tensor._make(keep) + dropped) * a + b


AlphaDropout = _dropout_module("AlphaDropout", alpha_dropout)
FeatureAlphaDropout = _dropout_module("FeatureAlphaDropout", feature_alpha_dropout)
