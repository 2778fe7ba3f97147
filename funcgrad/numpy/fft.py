"""funcgrad.numpy.fft: numpy.fft, differentiable (with `n`/`s`, `axis`/`axes` and `norm`).

Padding and cropping to the requested length happen first (they are linear shape ops), then one
of the three FFT primitives of funcgrad.primitives.fft runs at that exact length.

>>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
>>> x = np.array([1.0, 2.0, 0.0, -1.0])
>>> fg.grad(lambda x: fnp.sum(fnp.abs(fnp.fft.fft(x, norm="ortho")) ** 2))(x)  # Parseval: 2 x
array([ 2.,  4.,  0., -2.])
"""
from __future__ import annotations

import numpy as np
from numpy.fft import fftfreq, rfftfreq  # noqa: F401  (no traced input: NumPy's own)

from funcgrad.primitives import fft as _fft
from funcgrad.primitives._util import shape_of
from funcgrad.primitives.elementwise import conjugate as _conjugate
from funcgrad.primitives.indexing import getitem
from funcgrad.primitives.shape import roll

_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm):
    norm = "backward" if norm is None else norm
    if norm not in _fft.NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')
    return norm


def _resize(x, axis, n):
    """x cropped or zero-padded along `axis` to length n."""
    length = shape_of(x)[axis]
    if n is None or n == length:
        return x
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    if n < length:
        nd = len(shape_of(x))
        return getitem(x, (slice(None),) * (axis % nd) + (slice(0, n),))
    return _fft._pad_axis(x, axis, n)


def _axes_and_sizes(a, s, axes):
    nd = len(shape_of(a))
    if axes is None:
        axes = tuple(range(nd)) if s is None else tuple(range(nd - len(s), nd))
    axes = tuple(int(ax) % nd for ax in axes)
    if s is None:
        s = tuple(shape_of(a)[ax] for ax in axes)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    return axes, tuple(s)


def fft(a, n=None, axis=-1, norm=None, out=None):
    return _fft.fft(_resize(a, axis, n), axes=(axis % len(shape_of(a)),), inverse=False,
                    norm=_norm(norm))


def ifft(a, n=None, axis=-1, norm=None, out=None):
    return _fft.fft(_resize(a, axis, n), axes=(axis % len(shape_of(a)),), inverse=True,
                    norm=_norm(norm))


def _c2c(a, s, axes, norm, inverse):
    axes, s = _axes_and_sizes(a, s, axes)
    for ax, n in zip(axes, s):
        a = _resize(a, ax, n)
    return _fft.fft(a, axes=axes, inverse=inverse, norm=_norm(norm))


def fftn(a, s=None, axes=None, norm=None, out=None):
    return _c2c(a, s, axes, norm, False)


def ifftn(a, s=None, axes=None, norm=None, out=None):
    return _c2c(a, s, axes, norm, True)


def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _c2c(a, s, axes, norm, False)


def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _c2c(a, s, axes, norm, True)


def rfft(a, n=None, axis=-1, norm=None, out=None):
    axis = axis % len(shape_of(a))
    return _fft.rfft(_resize(a, axis, n), axis=axis, norm=_norm(norm))


def irfft(a, n=None, axis=-1, norm=None, out=None):
    axis = axis % len(shape_of(a))
    n = 2 * (shape_of(a)[axis] - 1) if n is None else int(n)
    return _fft.irfft(_resize(a, axis, n // 2 + 1), axis=axis, n=n, norm=_norm(norm))


def rfftn(a, s=None, axes=None, norm=None, out=None):
    axes, s = _axes_and_sizes(a, s, axes)
    for ax, n in zip(axes, s):
        a = _resize(a, ax, n)
    out = _fft.rfft(a, axis=axes[-1], norm=_norm(norm))
    return _fft.fft(out, axes=axes[:-1], inverse=False, norm=_norm(norm)) if len(axes) > 1 else out


def irfftn(a, s=None, axes=None, norm=None, out=None):
    axes, sizes = _axes_and_sizes(a, s, axes)
    sizes = list(sizes)
    if s is None:
        sizes[-1] = 2 * (shape_of(a)[axes[-1]] - 1)
    return _irfftn(a, axes, sizes, norm)


def _irfftn(a, axes, s, norm):
    last = axes[-1]
    for ax, n in zip(axes[:-1], s[:-1]):
        a = _resize(a, ax, n)
    if len(axes) > 1:
        a = _fft.fft(a, axes=axes[:-1], inverse=True, norm=_norm(norm))
    return irfft(a, s[-1], last, norm)


def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return rfftn(a, s, axes, norm)


def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return irfftn(a, s, axes, norm)


def hfft(a, n=None, axis=-1, norm=None, out=None):
    """FFT of a signal with Hermitian symmetry (given by its first half): a real spectrum."""
    return irfft(_conjugate(a), n, axis, _SWAP[_norm(norm)])


def ihfft(a, n=None, axis=-1, norm=None, out=None):
    return _conjugate(rfft(a, n, axis, _SWAP[_norm(norm)]))


def _shift_axes(x, axes):
    nd = len(shape_of(x))
    if axes is None:
        return tuple(range(nd))
    return (int(axes) % nd,) if isinstance(axes, (int, np.integer)) else tuple(int(a) % nd for a in axes)


def fftshift(x, axes=None):
    """Move the zero frequency to the centre (a cyclic shift: its derivative is the shift back)."""
    axes = _shift_axes(x, axes)
    return roll(x, tuple(shape_of(x)[ax] // 2 for ax in axes), axes)


def ifftshift(x, axes=None):
    axes = _shift_axes(x, axes)
    return roll(x, tuple(-(shape_of(x)[ax] // 2) for ax in axes), axes)


__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
           "rfftn", "irfftn", "hfft", "ihfft", "fftshift", "ifftshift", "fftfreq", "rfftfreq"]
