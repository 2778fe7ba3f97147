"""JAX's convolutions: lax.conv_general_dilated, lax.conv and lax.conv_with_general_padding.

One kernel does the work: the `conv2d` primitive (funcgrad/primitives/nn.py, the one funcgrad.torch
uses), whose rules give every derivative. Around it, only rearrangement written with funcgrad's
operations: dimension numbers are transposes; padding (asymmetric, or negative: cropping) and
input dilation (zeros between the samples) are concatenations, reshapes and slices; feature and
batch groups are slices and concatenations; one spatial dimension is a plane of height 1, and
three or more are sums of lower-dimensional convolutions over the first kernel axis.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.primitives.nn import conv2d

ConvDimensionNumbers = namedtuple("ConvDimensionNumbers", "lhs_spec rhs_spec out_spec")
ConvDimensionNumbers.__doc__ = ("Axis numbers of (batch, feature, spatial...) for lhs and out, and "
                                "(out feature, in feature, spatial...) for rhs, as JAX's.")


def _default_spec(ndim):
    return tuple(range(ndim))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers) -> ConvDimensionNumbers:
    """JAX's dimension numbers (None, a ConvDimensionNumbers, or strings like ('NHWC', 'HWIO',
    'NHWC')) as axis numbers."""
    ndim = len(lhs_shape)
    if dimension_numbers is None:
        spec = _default_spec(ndim)
        return ConvDimensionNumbers(spec, spec, spec)
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if len(dimension_numbers) != 3:
        raise TypeError("conv_general_dilated: dimension_numbers must be None, a "
                        "ConvDimensionNumbers or a tuple of three strings")
    lhs, rhs, out = dimension_numbers
    if not all(isinstance(s, str) for s in (lhs, rhs, out)):
        return ConvDimensionNumbers(*map(tuple, dimension_numbers))
    if not len(lhs) == len(rhs) == len(out) == ndim:
        raise TypeError(f"conv_general_dilated: dimension_numbers {dimension_numbers} must each "
                        f"have {ndim} letters (the rank of lhs)")
    spatial = [c for c in rhs if c not in "OI"]  # the spatial letters, in the kernel's order

    def numbers(spec, first, second):
        return (spec.index(first), spec.index(second)) + tuple(spec.index(c) for c in spatial)

    return ConvDimensionNumbers(numbers(lhs, "N", "C"), numbers(rhs, "O", "I"), numbers(out, "N", "C"))


def _padding_pairs(padding, in_sizes, kernel_sizes, strides, rhs_dilation):
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return [(0, 0)] * len(in_sizes)
        if mode not in ("SAME", "SAME_LOWER"):
            raise ValueError(f"conv_general_dilated: padding must be 'SAME', 'SAME_LOWER', 'VALID' or "
                             f"(low, high) pairs, not {padding!r}")
        pairs = []
        for n, k, s, d in zip(in_sizes, kernel_sizes, strides, rhs_dilation):
            out = -(-n // s)
            total = builtins_max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            low = total // 2 if mode == "SAME" else total - total // 2
            pairs.append((low, total - low))
        return pairs
    pairs = [tuple(int(v) for v in p) for p in padding]
    if len(pairs) != len(in_sizes) or any(len(p) != 2 for p in pairs):
        raise ValueError(f"conv_general_dilated: padding needs one (low, high) pair per spatial "
                         f"dimension ({len(in_sizes)}), got {padding!r}")
    return pairs


def builtins_max(a, b):
    return a if a > b else b


def _dilate(x, axis, factor):
    """Insert factor - 1 zeros between the entries of x along axis."""
    if factor == 1:
        return x
    n = x.shape[axis]
    moved = fnp.moveaxis(x, axis, -1)
    zeros = np.zeros(moved.shape + (factor - 1,), moved.dtype)
    spread = fnp.reshape(fnp.concatenate([moved[..., None], zeros], axis=-1), moved.shape[:-1] + (n * factor,))
    return fnp.moveaxis(spread[..., :(n - 1) * factor + 1], -1, axis)


def _pad(x, axis, low, high):
    """Zeros added (or, for a negative width, entries removed) at each end of axis."""
    if low < 0:
        x = fnp.moveaxis(fnp.moveaxis(x, axis, 0)[-low:], 0, axis)
        low = 0
    if high < 0:
        x = fnp.moveaxis(fnp.moveaxis(x, axis, 0)[:x.shape[axis] + high], 0, axis)
        high = 0
    if low or high:
        widths = [(0, 0)] * x.ndim
        widths[axis] = (low, high)
        x = fnp.pad(x, widths)
    return x


def _spatial_conv(x, w, strides, rhs_dilation):
    """Unpadded cross-correlation of x (N, C, *spatial) with w (O, C, *kernel)."""
    count = len(strides)
    if count == 2:
        return conv2d(x, w, stride=tuple(strides), padding=(0, 0), dilation=tuple(rhs_dilation))
    if count == 1:
        out = conv2d(fnp.expand_dims(x, 2), fnp.expand_dims(w, 2), stride=(1, strides[0]),
                     padding=(0, 0), dilation=(1, rhs_dilation[0]))
        return out[:, :, 0]
    if count == 0:
        return fnp.einsum("nc,oc->no", x, w)
    # three or more: out[:, :, i] = sum_j conv(x[:, :, i s + j d], w[:, :, j]) over the first axis
    size, kernel, step, spread = x.shape[2], w.shape[2], strides[0], rhs_dilation[0]
    length = (size - spread * (kernel - 1) - 1) // step + 1
    if length <= 0:
        raise ValueError("conv_general_dilated: the window is larger than the padded input")
    planes = []
    for i in range(length):
        total = 0.0
        for j in range(kernel):
            total = total + _spatial_conv(x[:, :, i * step + j * spread], w[:, :, j], strides[1:],
                                          rhs_dilation[1:])
        planes.append(total)
    return fnp.stack(planes, axis=2)


def _grouped(x, w, groups, strides, rhs_dilation):
    if groups == 1:
        return _spatial_conv(x, w, strides, rhs_dilation)
    c, o = x.shape[1] // groups, w.shape[0] // groups
    return fnp.concatenate([_spatial_conv(x[:, g * c:(g + 1) * c], w[g * o:(g + 1) * o], strides,
                                          rhs_dilation) for g in range(groups)], axis=1)


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                         dimension_numbers=None, feature_group_count=1, batch_group_count=1,
                         precision=None, preferred_element_type=None):
    """N-d convolution (a cross-correlation, as in JAX) with strides, padding ('SAME', 'VALID',
    'SAME_LOWER' or (low, high) pairs), input and kernel dilation, dimension numbers and
    feature/batch groups: `jax.lax.conv_general_dilated`, differentiable in lhs and rhs.

    >>> import numpy as np, funcgrad as fg, funcgrad.lax as lax
    >>> x, k = np.ones((1, 1, 4)), np.ones((1, 1, 2))
    >>> lax.conv_general_dilated(x, k, (1,), "VALID").tolist()
    [[[2.0, 2.0, 2.0]]]
    """
    lhs, rhs = fnp.asarray(lhs), fnp.asarray(rhs)
    if lhs.ndim != rhs.ndim or lhs.ndim < 2:
        raise TypeError(f"conv_general_dilated: lhs and rhs must have the same rank (>= 2), got "
                        f"shapes {lhs.shape} and {rhs.shape}")
    numbers = conv_dimension_numbers(lhs.shape, rhs.shape, dimension_numbers)
    x, w = fnp.transpose(lhs, numbers.lhs_spec), fnp.transpose(rhs, numbers.rhs_spec)
    count = x.ndim - 2
    strides = tuple(window_strides) if count else ()
    lhs_dilation = tuple(lhs_dilation or (1,) * count)
    rhs_dilation = tuple(rhs_dilation or (1,) * count)
    if not len(strides) == len(lhs_dilation) == len(rhs_dilation) == count:
        raise ValueError(f"conv_general_dilated: window_strides, lhs_dilation and rhs_dilation need "
                         f"{count} entries (one per spatial dimension)")
    groups, batch_groups = int(feature_group_count), int(batch_group_count)
    if x.shape[1] != w.shape[1] * groups:
        raise TypeError(f"conv_general_dilated: lhs feature dimension ({x.shape[1]}) must equal rhs "
                        f"input feature dimension ({w.shape[1]}) times feature_group_count ({groups})")
    if w.shape[0] % (groups * batch_groups) or x.shape[0] % batch_groups:
        raise ValueError("conv_general_dilated: the output features must divide into the groups "
                         "and the batch into batch_group_count")
    for axis, factor in enumerate(lhs_dilation):
        x = _dilate(x, axis + 2, int(factor))
    pairs = _padding_pairs(padding, x.shape[2:], w.shape[2:], strides, rhs_dilation)
    for axis, (low, high) in enumerate(pairs):
        x = _pad(x, axis + 2, low, high)
    if batch_groups == 1:
        out = _grouped(x, w, groups, strides, rhs_dilation)
    else:  # batch groups: the g-th slice of the batch meets the g-th slice of the output features
        n, o = x.shape[0] // batch_groups, w.shape[0] // batch_groups
        out = fnp.concatenate([_grouped(x[g * n:(g + 1) * n], w[g * o:(g + 1) * o], groups, strides,
                                        rhs_dilation) for g in range(batch_groups)], axis=1)
    if preferred_element_type is not None:
        out = fnp.astype(out, preferred_element_type)
    return fnp.transpose(out, np.argsort(numbers.out_spec))


def conv(lhs, rhs, window_strides, padding, precision=None, preferred_element_type=None):
    """`jax.lax.conv`: conv_general_dilated with (N, C, spatial...) inputs and (O, I, spatial...)
    kernels and no dilation."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                              precision=None, preferred_element_type=None):
    """`jax.lax.conv_with_general_padding`: conv_general_dilated in the default layout."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                precision=precision, preferred_element_type=preferred_element_type)


__all__ = ["ConvDimensionNumbers", "conv", "conv_dimension_numbers", "conv_general_dilated",
           "conv_with_general_padding"]
