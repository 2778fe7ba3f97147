"""affine_grid and grid_sample (the spatial-transformer pair): sampling positions from an
affine map, and bilinear or nearest sampling of an image at them. The corner indices are
constants read from the grid's value; the interpolation weights are traced, so the gradient
reaches both the image and the grid through the registry's rules."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import contraction, elementwise as ew, nn as nnp, shape as shp
from funcgrad.primitives.indexing import getitem_p
from funcgrad.torch._composite import composite
from funcgrad.torch._math import _values


def _base(size, align_corners):
    """The normalised coordinates of `size` pixel centres (or corners) in [-1, 1]."""
    if align_corners:
        return np.linspace(-1, 1, size) if size > 1 else np.zeros(1)
    return (np.arange(size) * 2 + 1) / size - 1


def affine_grid(theta, size, align_corners=None):
    n, _, h, w = size
    xs, ys = np.meshgrid(_base(w, bool(align_corners)), _base(h, bool(align_corners)))
    points = np.stack([xs, ys, np.ones_like(xs)], -1).reshape(1, h * w, 3)
    points = points.astype(theta._data.dtype)

    def fn(t):  # (1, HW, 3) @ (N, 3, 2) -> (N, H, W, 2)
        return shp.reshape(contraction.matmul(points, shp.transpose(t, (0, 2, 1))), (n, h, w, 2))
    return composite("AffineGridGeneratorBackward0", fn, theta)


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _clip(p, limit):
    """p clipped to [0, limit], with no gradient at or beyond the bounds (PyTorch's rule)."""
    inside = (p > 0) & (p < limit)
    return ew.where(inside, p, ew.stop_gradient(nnp.clamp.bind(p, low=0.0, high=float(limit))))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    if padding_mode not in ("zeros", "border"):
        raise NotImplementedError(f"grid_sample: padding_mode={padding_mode!r} is not supported "
                                  "by funcgrad.torch (zeros and border are)")
    align = bool(align_corners)
    n, c, h, w = input.shape
    g = _values(grid)  # in the grid's own precision, so the cells match PyTorch's
    ix = _unnormalize(g[..., 0], g.dtype.type(w), align)
    iy = _unnormalize(g[..., 1], g.dtype.type(h), align)
    if padding_mode == "border":
        ix, iy = np.clip(ix, 0, w - 1), np.clip(iy, 0, h - 1)
    batch = np.arange(n)[:, None, None]

    def gather(x, rows, cols):
        """x[n, :, rows, cols] (zero outside the image) as (N, C, Ho, Wo)."""
        inside = ((rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)).astype(x.dtype)
        picked = getitem_p.bind(x, index=(batch, slice(None), np.clip(rows, 0, h - 1),
                                          np.clip(cols, 0, w - 1)))
        return shp.transpose(picked, (0, 3, 1, 2)) * inside[:, None]

    if mode == "nearest":
        rows, cols = np.rint(iy).astype(np.int64), np.rint(ix).astype(np.int64)
        return composite("GridSampler2DBackward0", lambda x: gather(x, rows, cols), input)
    x0, y0 = np.floor(ix).astype(np.int64), np.floor(iy).astype(np.int64)

    def fn(x, gr):
        px = _unnormalize(gr[..., 0], w, align)
        py = _unnormalize(gr[..., 1], h, align)
        if padding_mode == "border":
            px, py = _clip(px, w - 1), _clip(py, h - 1)
        fx, fy = px - x0, py - y0  # the traced fractional parts
        out = None
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                term = gather(x, y0 + dy, x0 + dx) * shp.reshape(wy * wx, (n, 1) + np.shape(ix)[1:])
                out = term if out is None else out + term
        return out
    return composite("GridSampler2DBackward0", fn, input, grid)
