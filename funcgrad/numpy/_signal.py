"""Differences, integrals, convolutions, interpolation and window functions of NumPy's main
namespace, built from primitives: diff, ediff1d, gradient, trapezoid, convolve, correlate, interp,
and the windows bartlett, blackman, hamming, hanning, kaiser.
"""
from __future__ import annotations

import numpy as np

from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, normalize_axis, shape_of
from funcgrad.primitives.contraction import matmul
from funcgrad.primitives.indexing import getitem, take_along_axis_p
from funcgrad.primitives.reductions import sum as _sum
from funcgrad.primitives.shape import broadcast_to, concatenate, flip, ravel, reshape
from funcgrad.primitives.special import i0
from funcgrad.numpy._assembly import _array, _slice, _static
from funcgrad.numpy._statistics import searchsorted


# -- differences, integrals, signals -----------------------------------------------------------

def diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    """The n-th discrete difference along `axis`, as `numpy.diff`."""
    a = _array(a)
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    if n == 0:
        return a
    axis = normalize_axis(axis, len(shape_of(a)))[0]
    parts = []
    for extra in (prepend, a, append):
        if extra is a:
            parts.append(a)
        elif extra is not np._NoValue:
            extra = _array(extra)
            if not shape_of(extra):
                shape = list(shape_of(a))
                shape[axis] = 1
                extra = broadcast_to(extra, tuple(shape))
            parts.append(extra)
    a = concatenate(parts, axis=axis) if len(parts) > 1 else a
    step = ew.not_equal if dtype_of(a) == np.bool_ else (lambda later, earlier: later - earlier)
    for _ in range(n):
        a = step(_slice(a, axis, 1), _slice(a, axis, None, -1))
    return a


def ediff1d(ary, to_end=None, to_begin=None):
    d = diff(ravel(_array(ary)))
    parts = [ravel(_array(v)) for v in (to_begin,) if v is not None] + [d] + \
        [ravel(_array(v)) for v in (to_end,) if v is not None]
    return concatenate(parts) if len(parts) > 1 else d


def _gradient_axis(f, axis, spacing, edge_order):
    n = shape_of(f)[axis]
    if n < edge_order + 1:
        raise ValueError("gradient: shape of the array too small to calculate a numerical gradient, "
                         "at least (edge_order + 1) elements are required")

    def at(start, stop=None):
        return _slice(f, axis, start, stop)

    def along(v):
        return reshape(v, (-1,) + (1,) * (len(shape_of(f)) - axis - 1))

    spacing = _array(spacing)
    if not shape_of(spacing):  # uniform spacing h
        h = spacing
        interior = (at(2) - at(None, -2)) / (2.0 * h)
        if edge_order == 1:
            first, last = (at(1, 2) - at(0, 1)) / h, (at(-1) - at(-2, -1)) / h
        else:
            first = (-1.5 * at(0, 1) + 2.0 * at(1, 2) - 0.5 * at(2, 3)) / h
            last = (0.5 * at(-3, -2) - 2.0 * at(-2, -1) + 1.5 * at(-1)) / h
        return concatenate([first, interior, last], axis=axis)
    if len(shape_of(spacing)) != 1 or shape_of(spacing)[0] != n:
        raise ValueError("gradient: when 1d, distances must match the length of the corresponding dimension")
    dx = diff(spacing)
    h1, h2 = along(getitem(dx, (slice(None, -1),))), along(getitem(dx, (slice(1, None),)))
    # second-order interior stencil for uneven steps h1 (behind) and h2 (ahead)
    interior = (-h2 / (h1 * (h1 + h2)) * at(None, -2) + (h2 - h1) / (h1 * h2) * at(1, -1)
                + h1 / (h2 * (h1 + h2)) * at(2))
    d = [getitem(dx, (i,)) for i in (0, 1, -2, -1)]
    if edge_order == 1:
        first, last = (at(1, 2) - at(0, 1)) / d[0], (at(-1) - at(-2, -1)) / d[3]
    else:
        a0, b0 = d[0], d[1]
        first = (-(2.0 * a0 + b0) / (a0 * (a0 + b0)) * at(0, 1) + (a0 + b0) / (a0 * b0) * at(1, 2)
                 - a0 / (b0 * (a0 + b0)) * at(2, 3))
        a1, b1 = d[2], d[3]
        last = (b1 / (a1 * (a1 + b1)) * at(-3, -2) - (a1 + b1) / (a1 * b1) * at(-2, -1)
                + (a1 + 2.0 * b1) / (b1 * (a1 + b1)) * at(-1))
    return concatenate([first, interior, last], axis=axis)


def gradient(f, *varargs, axis=None, edge_order=1):
    """Second-order central differences inside, first- or second-order ones at the edges, as
    `numpy.gradient` (spacings as scalars or coordinate arrays; one array per axis, or a list)."""
    f = _array(f)
    if not np.issubdtype(dtype_of(f), np.inexact):
        f = ew.astype(f, np.float64)
    ndim = len(shape_of(f))
    axes = list(range(ndim)) if axis is None else list(normalize_axis(axis, ndim))
    if edge_order not in (1, 2):
        raise ValueError("gradient: 'edge_order' greater than 2 not supported")
    spacings = list(varargs) if len(varargs) != 1 else list(varargs) * len(axes)
    spacings = spacings or [1.0] * len(axes)
    if len(spacings) != len(axes):
        raise TypeError("gradient: invalid number of arguments")
    outs = [_gradient_axis(f, k, h, edge_order) for k, h in zip(axes, spacings)]
    return outs[0] if len(outs) == 1 else tuple(outs)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral by the trapezoidal rule along `axis`, as `numpy.trapezoid`."""
    y = _array(y)
    axis = normalize_axis(axis, len(shape_of(y)))[0]
    if x is None:
        d = dx
    else:
        x = _array(x)
        d = diff(x, axis=-1 if len(shape_of(x)) == 1 else axis)
        if len(shape_of(x)) == 1:
            d = reshape(d, (-1,) + (1,) * (len(shape_of(y)) - axis - 1))
    return _sum(d * (_slice(y, axis, 1) + _slice(y, axis, None, -1)), axis=axis) / 2.0


trapz = trapezoid


def _full_convolution(a, v):
    """out[k] = sum_j a[k - j] v[j] for 0 <= k < len(a) + len(v) - 1, as a gather and a product."""
    n, m = shape_of(a)[0], shape_of(v)[0]
    zeros = np.zeros(m - 1, dtype_of(a))
    padded = concatenate([zeros, a, zeros])
    windows = getitem(padded, (np.arange(n + m - 1)[:, None] + np.arange(m)[None, :],))
    return matmul(windows, flip(v, 0))


def _convolution(a, v, mode, name):
    a, v = _array(a), _array(v)
    if len(shape_of(a)) != 1 or len(shape_of(v)) != 1:
        raise ValueError(f"{name}: both inputs must be 1-d")
    if not shape_of(a)[0] or not shape_of(v)[0]:
        raise ValueError(f"{name}: inputs cannot be empty")
    swapped = shape_of(v)[0] > shape_of(a)[0]
    if swapped:
        a, v = v, a
    n, m = shape_of(a)[0], shape_of(v)[0]
    full = _full_convolution(a, v)
    if mode == "full":
        return full, swapped
    if mode == "same":
        start = (m - 1) // 2
        return getitem(full, (slice(start, start + n),)), swapped
    if mode == "valid":
        return getitem(full, (slice(m - 1, n),)), swapped
    raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', not {mode!r}")


def convolve(a, v, mode="full"):
    """Discrete linear convolution of two 1-d arrays, as `numpy.convolve` (modes full/same/valid)."""
    return _convolution(a, v, mode, "convolve")[0]


def correlate(a, v, mode="valid"):
    """Cross-correlation sum_n a[n + k] conj(v[n]) of two 1-d arrays, as `numpy.correlate`."""
    a, v = _array(a), _array(v)
    v = flip(ew.conj(v), 0) if np.iscomplexobj(np.empty(0, dtype_of(v))) else flip(v, 0)
    return _convolution(a, v, mode, "correlate")[0]  # correlating is convolving with conj(v) reversed


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation, as `numpy.interp`; differentiable in x, xp and fp.

    At a knot the derivative in x is the slope of the segment to its right; beyond the last knot
    (and at it) the value is constant, so the derivative there is 0 (see docs/conventions.md).
    """
    x, xp, fp = _array(x), _array(xp), _array(fp)
    if len(shape_of(xp)) != 1 or shape_of(xp) != shape_of(fp):
        raise ValueError("interp: fp and xp are not of the same length")
    if not shape_of(xp)[0]:
        raise ValueError("interp: array of sample points is empty")
    if period is not None:
        if period == 0:
            raise ValueError("interp: period must be a non-zero value")
        period = abs(period)
        x, xp = ew.remainder(x, period), ew.remainder(xp, period)
        order = np.argsort(_static(xp), kind="stable")
        xp, fp = getitem(xp, (order,)), getitem(fp, (order,))
        xp = concatenate([getitem(xp, (slice(-1, None),)) - period, xp, getitem(xp, (slice(0, 1),)) + period])
        fp = concatenate([getitem(fp, (slice(-1, None),)), fp, getitem(fp, (slice(0, 1),))])
        left = right = None
    n = shape_of(xp)[0]
    first, last = getitem(xp, (0,)), getitem(xp, (-1,))
    if n == 1:
        out = broadcast_to(getitem(fp, (0,)), tuple(shape_of(x))) + 0 * x
    else:
        # the segment of each x: the last knot at or below it, kept inside [0, n - 2]
        segment = reshape(searchsorted(xp, x, side="right") - 1, (-1,))
        segment = ew.minimum(ew.maximum(segment, 0), n - 2)
        shape = tuple(shape_of(x))

        def pick(values, start):
            return reshape(take_along_axis_p.bind(values, segment + start, axis=0), shape)

        x0, x1, f0, f1 = pick(xp, 0), pick(xp, 1), pick(fp, 0), pick(fp, 1)
        out = f0 + (x - x0) / (x1 - x0) * (f1 - f0)
        out = ew.where(ew.greater_equal(x, last), getitem(fp, (-1,)) + 0 * x, out)
    below = getitem(fp, (0,)) if left is None else _array(left)
    above = getitem(fp, (-1,)) if right is None else _array(right)
    out = ew.where(ew.less(x, first), below, out)
    return ew.where(ew.greater(x, last), above, out)


# -- windows (of a static length M; kaiser is differentiable in beta) ---------------------------

def bartlett(M):
    return np.bartlett(M)


def blackman(M):
    return np.blackman(M)


def hamming(M):
    return np.hamming(M)


def hanning(M):
    return np.hanning(M)


def kaiser(M, beta):
    """The Kaiser window, as `numpy.kaiser`: I0(beta sqrt(1 - (2n/(M-1) - 1)^2)) / I0(beta)."""
    if M < 2:
        return np.ones(max(M, 0)) + 0 * _array(beta) if M == 1 else np.ones(0)
    ratio = 2.0 * np.arange(M) / (M - 1) - 1.0
    return i0(_array(beta) * np.sqrt(1.0 - ratio ** 2)) / i0(_array(beta))


__all__ = ["bartlett", "blackman", "convolve", "correlate", "diff", "ediff1d", "gradient",
           "hamming", "hanning", "interp", "kaiser", "trapezoid", "trapz"]
