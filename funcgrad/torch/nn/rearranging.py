"""Modules and functions that rearrange or resize a tensor's entries: channel_shuffle,
nn.ChannelShuffle, nn.PixelUnshuffle, nn.UpsamplingNearest2d / UpsamplingBilinear2d and the
deprecated F.upsample_nearest / F.upsample_bilinear; also nn.Softmax2d (a softmax over the
channels of an image)."""
from __future__ import annotations

import warnings

from funcgrad.primitives import shape as shp
from funcgrad.torch import _ops
from funcgrad.torch._composite import composite
from funcgrad.torch.nn.module import Module
from funcgrad.torch.nn.spatial import Upsample, interpolate, pixel_unshuffle


def channel_shuffle(input, groups):
    """(N, C, *) with its channels regrouped: the g-th of each group of C / groups channels,
    group after group (ShuffleNet's channel shuffle)."""
    groups = int(groups)
    if input.ndim < 3:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    n, c = input.shape[:2]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    rest = tuple(input.shape[2:])

    def fn(x):
        x = shp.reshape(x, (n, groups, c // groups) + rest)
        x = shp.transpose(x, (0, 2, 1) + tuple(range(3, 3 + len(rest))))
        return shp.reshape(x, (n, c) + rest)
    return composite("ChannelShuffleBackward0", fn, input)


native_channel_shuffle = channel_shuffle


class ChannelShuffle(Module):
    """Regroups the channels of (N, C, *) into `groups` interleaved groups."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class PixelUnshuffle(Module):
    """The inverse of PixelShuffle: (*, C, H r, W r) to (*, C r^2, H, W)."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour 2-d upsampling (Upsample with mode='nearest')."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear 2-d upsampling with align_corners=True (PyTorch's choice for this module)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(input, size, scale_factor, mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) at every position."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D "
                             "instead")
        return _ops.softmax(input, -3)
