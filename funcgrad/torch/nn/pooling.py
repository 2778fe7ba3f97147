"""More pooling: power-average pooling (lp_pool1d/2d/3d), max pooling's `*_with_indices`
spellings, 3-d max pooling with indices, adaptive max pooling in 3-d, and max unpooling in 1-d
and 3-d, with their modules.

Where a max is taken, the window's winner is found on the values (NumPy, first maximum in
scan order as PyTorch's kernels) and the output is a gather of the input at those indices, so
the gradient is the gather's registry rule and goes where PyTorch's goes."""
from __future__ import annotations

import math

import numpy as np

from funcgrad.primitives import shape as shp
from funcgrad.primitives.indexing import getitem_p, index_add_p
from funcgrad.torch import _ops
from funcgrad.torch._composite import composite
from funcgrad.torch.nn import functional as F
from funcgrad.torch.nn.module import Module
from funcgrad.torch.tensor import Tensor, apply


def _tuple(v, n):
    return (int(v),) * n if isinstance(v, (int, np.integer)) else tuple(int(i) for i in v)


# -- power-average pooling ------------------------------------------------------------------------

def _lp(pooled, norm_type, area):
    # PyTorch's: (sign(out) * relu(|out|)) * area, to the power 1 / p
    return (_ops.sign(pooled) * F.relu(_ops.abs(pooled))).mul(area).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    from funcgrad.torch.nn.spatial import avg_pool1d
    pooled = avg_pool1d(input.pow(norm_type), kernel_size,
                        stride if stride is not None else kernel_size, 0, ceil_mode)
    return _lp(pooled, norm_type, _tuple(kernel_size, 1)[0])


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kh, kw = _tuple(kernel_size, 2)
    pooled = F.avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(pooled, norm_type, kh * kw)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    from funcgrad.torch.nn.volumetric import avg_pool3d
    pooled = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(pooled, norm_type, math.prod(_tuple(kernel_size, 3)))


# -- max pooling with indices ----------------------------------------------------------------------

def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    from funcgrad.torch.nn.spatial import max_pool1d
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    from funcgrad.torch.nn.volumetric import max_pool3d
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    from funcgrad.torch.nn.spatial import adaptive_max_pool1d
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    from funcgrad.torch.nn.spatial import adaptive_max_pool2d
    return adaptive_max_pool2d(input, output_size, True)


def _pool_sizes(shape, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's output sizes (a ceil_mode window must start inside the input or its left
    padding) and how much to add at the end so that every window exists."""
    sizes, extra = [], []
    for n, k, s, p, d in zip(shape, kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        out = (-(-(n + 2 * p - span) // s) if ceil_mode else (n + 2 * p - span) // s) + 1
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1
        sizes.append(out)
        extra.append(max((out - 1) * s + span - (n + 2 * p), 0))
    return sizes, extra


def _window_argmax(data, kernel, stride, padding, dilation, ceil_mode):
    """For each output position of a max pooling of data (N, C, *spatial), the flat index (in
    the unpadded spatial volume) of its window's first maximum."""
    spatial = data.shape[2:]
    sizes, extra = _pool_sizes(spatial, kernel, stride, padding, dilation, ceil_mode)
    if min(sizes) <= 0:
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, data.shape[1:]))}). Calculated "
                           f"output size: ({'x'.join(map(str, [data.shape[1]] + sizes))}). Output "
                           "size is too small")
    widths = ((0, 0), (0, 0)) + tuple((p, p + e) for p, e in zip(padding, extra))
    low = -np.inf if data.dtype.kind == "f" else np.iinfo(data.dtype).min
    padded = np.pad(data, widths, constant_values=low)
    best = np.full(data.shape[:2] + tuple(sizes), low, data.dtype)
    where = np.zeros(best.shape, np.int64)
    strides = np.cumprod((1,) + spatial[::-1])[:-1][::-1]  # of the unpadded volume
    for offset in np.ndindex(*kernel):
        window = tuple(slice(o * d, o * d + (m - 1) * s + 1, s)
                       for o, d, m, s in zip(offset, dilation, sizes, stride))
        values = padded[(slice(None), slice(None)) + window]
        better = (values > best) | (np.isnan(values) & ~np.isnan(best))  # NaN wins, as PyTorch's
        best = np.where(better, values, best)
        flat = 0
        for axis, (o, d, m, s, p, st) in enumerate(zip(offset, dilation, sizes, stride, padding,
                                                       strides)):
            position = np.arange(m) * s + o * d - p
            flat = flat + (position * st).reshape((-1,) + (1,) * (len(sizes) - 1 - axis))
        where = np.where(better, flat, where)
    return where


def _gathered(input, where, name):
    """input (N, C, *spatial) at the flat spatial indices `where` (N, C, *out), one node."""
    n, c = input.shape[:2]
    flat = _ops.reshape(input, (n, c, -1))
    grid = (np.arange(n).reshape((-1,) + (1,) * (where.ndim - 1)),
            np.arange(c).reshape((1, -1) + (1,) * (where.ndim - 2)), where)
    return apply(getitem_p, (flat,), {"index": grid}, name)


def max_pool3d_indices(input, kernel_size, stride, padding, dilation, ceil_mode):
    """max_pool3d's (values, indices), the values gathered at the indices."""
    unbatched = input.ndim == 4
    if unbatched:
        input = _ops.unsqueeze(input, 0)
    kernel = _tuple(kernel_size, 3)
    stride = kernel if stride is None or stride == [] else _tuple(stride, 3)
    where = _window_argmax(np.asarray(input.detach()._data), kernel, stride,
                           _tuple(padding, 3), _tuple(dilation, 3), ceil_mode)
    name = "MaxPool3DWithIndicesBackward0"
    out, indices = _gathered(input, where, name), Tensor._make(where)
    if unbatched:  # (PyTorch pools a 4-d input directly: its node is the pooling's)
        return _ops.reshape(out, out.shape[1:], name=name), _ops.squeeze(indices, 0)
    return out, indices


# -- adaptive max pooling in 3-d ---------------------------------------------------------------------

def adaptive_max_pool3d(input, output_size, return_indices=False):
    from funcgrad.torch.nn.spatial import _adaptive_windows
    unbatched = input.ndim == 4
    if unbatched:
        input = _ops.unsqueeze(input, 0)
    spatial = tuple(input.shape[2:])
    sizes = tuple(n if o is None else int(o) for n, o in zip(
        spatial, (output_size,) * 3 if isinstance(output_size, (int, np.integer)) else output_size))
    data = np.asarray(input.detach()._data)
    windows = [_adaptive_windows(n, o) for n, o in zip(spatial, sizes)]
    where = np.zeros(data.shape[:2] + sizes, np.int64)
    for i, j, k in np.ndindex(*sizes):
        (d0, d1), (h0, h1), (w0, w1) = windows[0][i], windows[1][j], windows[2][k]
        block = data[:, :, d0:d1, h0:h1, w0:w1].reshape(data.shape[:2] + (-1,))
        bd, rest = np.divmod(block.argmax(-1), (h1 - h0) * (w1 - w0))
        bh, bw = np.divmod(rest, w1 - w0)
        where[:, :, i, j, k] = ((d0 + bd) * spatial[1] + h0 + bh) * spatial[2] + w0 + bw
    name = "AdaptiveMaxPool3DBackward0"
    out, indices = _gathered(input, where, name), Tensor._make(where)
    if unbatched:
        out, indices = _ops.reshape(out, out.shape[1:], name=name), _ops.squeeze(indices, 0)
    return (out, indices) if return_indices else out


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool3d(input, output_size, True)


# -- max unpooling -----------------------------------------------------------------------------------

def _unpooled_sizes(spatial, kernel, stride, padding, output_size):
    """PyTorch's _unpool_output_size: the default sizes, or output_size (the spatial sizes,
    or N and C too) within a stride of them."""
    default = [(n - 1) * s - 2 * p + k for n, k, s, p in zip(spatial, kernel, stride, padding)]
    if output_size is None:
        return default
    given = output_size
    if len(output_size) == len(kernel) + 2:
        output_size = output_size[2:]
    if len(output_size) != len(kernel):
        raise ValueError(f"output_size should be a sequence containing {len(kernel)} or "
                         f"{len(kernel) + 2} elements, but it has a length of '{len(output_size)}'")
    for dim, (size, middle, s) in enumerate(zip(output_size, default, stride)):
        if not middle - s < size < middle + s:
            raise ValueError(f'invalid output_size "{given}" (dim {dim} must be between '
                             f"{middle - s} and {middle + s})")
    return [int(v) for v in output_size]


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    kernel = _tuple(kernel_size, 3)
    stride = kernel if stride is None else _tuple(stride, 3)
    unbatched = input.ndim == 4
    if unbatched:
        input, indices = _ops.unsqueeze(input, 0), _ops.unsqueeze(indices, 0)
    n, c = input.shape[:2]
    sizes = _unpooled_sizes(tuple(input.shape[2:]), kernel, stride, _tuple(padding, 3),
                            output_size)
    where = np.asarray(indices._data).reshape(n, c, -1)
    volume = math.prod(sizes)
    invalid = ((where < 0) | (where >= volume)).reshape(-1)
    if invalid.any():
        bad = where.reshape(-1)[np.argmax(invalid)]  # the first, as PyTorch's loop finds it
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, sizes))})")
    zeros = np.zeros((n, c, volume), input._data.dtype)
    grid = (np.arange(n)[:, None, None], np.arange(c)[None, :, None], where)

    def fn(x):
        flat = index_add_p.bind(zeros, shp.reshape(x, (n, c, -1)), index=grid)
        return shp.reshape(flat, (n, c) + tuple(sizes))
    out = composite("MaxUnpool3DBackward0", fn, input)
    return _ops.squeeze(out, 0) if unbatched else out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    # PyTorch's: the 2-d unpooling of (..., L, 1)
    from funcgrad.torch.nn.blocks import max_unpool2d
    k = _tuple(kernel_size, 1)[0]
    s = k if stride is None else _tuple(stride, 1)[0]
    p = _tuple(padding, 1)[0]
    unbatched = input.ndim == 2
    if unbatched:
        input, indices = _ops.unsqueeze(input, 0), _ops.unsqueeze(indices, 0)
    (length,) = _unpooled_sizes((input.shape[-1],), (k,), (s,), (p,), output_size)
    where = np.asarray(indices._data)
    invalid = ((where < 0) | (where >= length)).reshape(-1)
    if invalid.any():
        raise RuntimeError(f"Found an invalid max index: {where.reshape(-1)[np.argmax(invalid)]} "
                           "(output volumes are of "
                           f"size {length}x1)")
    out = max_unpool2d(_ops.unsqueeze(input, -1), _ops.unsqueeze(indices, -1), (k, 1), (s, 1),
                       (p, 0), (length, 1))
    out = _ops.squeeze(out, -1)
    return _ops.squeeze(out, 0) if unbatched else out


# -- modules -----------------------------------------------------------------------------------------

class _LPPoolNd(Module):
    """A power-average pooling module around `_pool`."""

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return self._pool(input, float(self.norm_type), self.kernel_size, self.stride,
                          self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """Power-average pooling over one dimension: (sum of x^p over the window)^(1/p)."""

    _pool = staticmethod(lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over two dimensions: (sum of x^p over the window)^(1/p)."""

    _pool = staticmethod(lp_pool2d)


class LPPool3d(_LPPoolNd):
    """Power-average pooling over three dimensions: (sum of x^p over the window)^(1/p)."""

    _pool = staticmethod(lp_pool3d)


class AdaptiveMaxPool3d(Module):
    """Max pooling over adaptive windows to a fixed (D, H, W) output size."""

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class _MaxUnpoolNd(Module):
    _dims = 1

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _tuple(kernel_size, self._dims)
        self.stride = _tuple(stride if stride is not None else kernel_size, self._dims)
        self.padding = _tuple(padding, self._dims)

    def forward(self, input, indices, output_size=None):
        return self._unpool(input, indices, self.kernel_size, self.stride, self.padding,
                            output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: each value put back where its maximum was, zeros
    elsewhere."""

    _dims, _unpool = 1, staticmethod(max_unpool1d)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d: each value put back where its maximum was, zeros
    elsewhere."""

    _dims, _unpool = 3, staticmethod(max_unpool3d)
