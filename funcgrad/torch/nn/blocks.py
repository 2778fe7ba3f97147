"""Sliding blocks (unfold = im2col, fold = col2im) and max unpooling: index gathers and
scatters of registry primitives, one node each as in PyTorch."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import shape as shp
from funcgrad.primitives.indexing import getitem_p, index_add_p
from funcgrad.torch._composite import composite
from funcgrad.torch.nn import functional as F
from funcgrad.torch.nn.module import Module
from funcgrad.torch.tensor import apply


def _block_index(channels, size, kernel, dilation, padding, stride):
    """Index arrays that pick every (channel, kernel offset) x (block position) from the padded
    plane, in PyTorch's order: rows c kh kw, columns the blocks row by row."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    h, w = size
    out_h = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    out_w = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    channel = np.repeat(np.arange(channels), kh * kw)
    ki = np.tile(np.repeat(np.arange(kh), kw), channels)
    kj = np.tile(np.arange(kw), channels * kh)
    rows = ki[:, None] * dh + (np.repeat(np.arange(out_h), out_w) * sh)[None, :]
    cols = kj[:, None] * dw + (np.tile(np.arange(out_w), out_h) * sw)[None, :]
    return channel[:, None], rows, cols


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    kernel, dilation, padding, stride = (F._pair(v) for v in (kernel_size, dilation, padding,
                                                              stride))
    n, c, h, w = input.shape
    channel, rows, cols = _block_index(c, (h, w), kernel, dilation, padding, stride)
    padded = F.pad(input, (padding[1], padding[1], padding[0], padding[0])) if any(padding) \
        else input
    index = (np.arange(n)[:, None, None], channel[None], rows[None], cols[None])
    return apply(getitem_p, (padded,), {"index": index}, "Im2ColBackward0")


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    kernel, dilation, padding, stride = (F._pair(v) for v in (kernel_size, dilation, padding,
                                                              stride))
    h, w = F._pair(output_size)
    n, rows_total = input.shape[0], input.shape[1]
    c = rows_total // (kernel[0] * kernel[1])
    channel, rows, cols = _block_index(c, (h, w), kernel, dilation, padding, stride)
    (ph, pw) = padding
    zeros = np.zeros((n, c, h + 2 * ph, w + 2 * pw), input._data.dtype)
    index = (np.arange(n)[:, None, None], channel[None], rows[None], cols[None])

    def fn(x):  # the blocks added back into the padded plane, then the padding cut off
        summed = index_add_p.bind(zeros, x, index=index)
        return getitem_p.bind(summed, index=(slice(None), slice(None), slice(ph, ph + h),
                                             slice(pw, pw + w)))
    return composite("Col2ImBackward0", fn, input)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    kernel = F._pair(kernel_size)
    stride = kernel if stride is None else F._pair(stride)
    (ph, pw) = F._pair(padding)
    n, c, h, w = input.shape
    if output_size is None:
        out_h, out_w = (h - 1) * stride[0] - 2 * ph + kernel[0], (w - 1) * stride[1] - 2 * pw + kernel[1]
    else:
        out_h, out_w = tuple(output_size)[-2:]
    zeros = np.zeros((n, c, out_h * out_w), input._data.dtype)
    where = (np.arange(n)[:, None, None], np.arange(c)[None, :, None],
             np.asarray(indices._data).reshape(n, c, -1))

    def fn(x):
        flat = index_add_p.bind(zeros, shp.reshape(x, (n, c, -1)), index=where)
        return shp.reshape(flat, (n, c, out_h, out_w))
    return composite("MaxUnpool2DBackward0", fn, input)


class Unfold(Module):
    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = (kernel_size, dilation,
                                                                      padding, stride)

    def forward(self, input):
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Unfold):
    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, input):
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self):
        return f"output_size={self.output_size}, " + super().extra_repr()


class MaxUnpool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding

    def extra_repr(self):
        pair = F._pair
        return (f"kernel_size={pair(self.kernel_size)}, stride={pair(self.stride)}, "
                f"padding={pair(self.padding)}")

    def forward(self, input, indices, output_size=None):
        return max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                            output_size)
