"""Discrete Fourier transforms: complex-to-complex, real-to-complex and complex-to-real.

The three primitives transform arrays whose lengths along the transformed axes are already the
transform lengths (funcgrad.numpy.fft pads or crops first), so each is a fixed linear map:
- `fft` (c2c over `axes`, forward or inverse): the DFT matrix is symmetric, so the transpose is
  the same transform with the same normalization;
- `rfft` (r2c along one axis, n -> n//2 + 1): its transpose zero-pads the cotangent back to n,
  applies the full DFT and keeps the real part;
- `irfft` (c2r along one axis, n//2 + 1 -> n): x_t = sum_k c_k re(X_k e^{2 pi i k t / n}) / n with
  c_k = 2 for the bins that stand for a conjugate pair, 1 for the DC (and Nyquist) bin; under the
  pairing re(sum ct * t) its transpose is conj(c * rfft(g)) / n (docs/conventions_complex.md).
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive, ShapedArray
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.primitives.elementwise import conjugate, real

NORMS = ("backward", "ortho", "forward")


def _complex_dtype(dtype):
    return np.result_type(dtype, np.complex64)


def _real_dtype(dtype):
    return np.finfo(_complex_dtype(dtype)).dtype  # a complex type's finfo is of its real part


def _is_real(x):
    return not np.issubdtype(dtype_of(x), np.complexfloating)


def _shifted_axes_batch(primitive, axes_key):
    """Batching: the batch axis goes first, the transformed axes move one to the right."""
    def rule(values, dims, **params):
        x = _shape.moveaxis(values[0], dims[0], 0)
        nd = len(shape_of(x)) - 1
        axes = params[axes_key]
        params = dict(params)
        params[axes_key] = (tuple(a % nd + 1 for a in axes) if isinstance(axes, tuple)
                            else axes % nd + 1)
        return primitive.bind(x, **params), 0
    return rule


# -- complex to complex ----------------------------------------------------------------------------

def _fft_impl(x, axes, inverse, norm):
    return (np.fft.ifftn if inverse else np.fft.fftn)(x, axes=axes, norm=norm)


def _fft_vjp(g, ans, x, axes, inverse, norm):
    ct = fft.bind(g, axes=axes, inverse=inverse, norm=norm)
    return real(ct) if _is_real(x) else ct


fft = Primitive(
    "fft", _fft_impl,
    shape=lambda x, axes, inverse, norm: ShapedArray(x.shape, _complex_dtype(x.dtype)),
    vjp=[_fft_vjp],
    jvp=[lambda t, ans, x, axes, inverse, norm: fft.bind(t, axes=axes, inverse=inverse, norm=norm)],
    family="fft", doc="n-dimensional DFT (inverse=True: its inverse) over `axes`.",
    reads=())  # x for its shape and dtype only
fft.batch = _shifted_axes_batch(fft, "axes")


# -- real to complex -------------------------------------------------------------------------------

def _pad_axis(x, axis, n):
    """Zero-pad x along `axis` to length n."""
    shape = list(shape_of(x))
    extra = n - shape[axis]
    if extra <= 0:
        return x
    shape[axis] = extra
    zeros = np.zeros(tuple(shape), dtype=dtype_of(x))
    return _shape.concatenate_p.bind(x, zeros, axis=axis % len(shape))


def _rfft_vjp(g, ans, x, axis, norm):
    n = shape_of(x)[axis]
    return real(fft.bind(_pad_axis(g, axis, n), axes=(axis,), inverse=False, norm=norm))


def _rfft_shape(x, axis, norm):
    shape = list(x.shape)
    shape[axis] = shape[axis] // 2 + 1
    return ShapedArray(tuple(shape), _complex_dtype(x.dtype))


rfft = Primitive(
    "rfft", lambda x, axis, norm: np.fft.rfft(x, axis=axis, norm=norm), shape=_rfft_shape,
    vjp=[_rfft_vjp],
    jvp=[lambda t, ans, x, axis, norm: rfft.bind(real(t) if not _is_real(t) else t,
                                                 axis=axis, norm=norm)],
    family="fft", doc="DFT of a real signal along `axis`: the n//2 + 1 non-negative frequencies.",
    reads=())  # x for its shape only
rfft.batch = _shifted_axes_batch(rfft, "axis")


# -- complex to real -------------------------------------------------------------------------------

def _irfft_scale(n, norm):
    return {"backward": 1.0 / n, "ortho": 1.0 / np.sqrt(n), "forward": 1.0}[norm]


def _pair_weights(n, nd, axis):
    """c_k along `axis`: 1 for the DC bin (and the Nyquist bin when n is even), 2 otherwise."""
    c = np.full(n // 2 + 1, 2.0)
    c[0] = 1.0
    if n % 2 == 0:
        c[-1] = 1.0
    shape = [1] * nd
    shape[axis] = n // 2 + 1
    return c.reshape(shape)


def _irfft_vjp(g, ans, x, axis, n, norm):
    nd = len(shape_of(x))
    spectrum = rfft.bind(g, axis=axis, norm="backward")
    weights = (_pair_weights(n, nd, axis) * _irfft_scale(n, norm)).astype(dtype_of(g))
    ct = conjugate(spectrum) * weights
    return real(ct) if _is_real(x) else ct


def _irfft_shape(x, axis, n, norm):
    shape = list(x.shape)
    shape[axis] = n
    return ShapedArray(tuple(shape), _real_dtype(x.dtype))


irfft = Primitive(
    "irfft", lambda x, axis, n, norm: np.fft.irfft(x, n=n, axis=axis, norm=norm),
    shape=_irfft_shape, vjp=[_irfft_vjp],
    jvp=[lambda t, ans, x, axis, n, norm: irfft.bind(t, axis=axis, n=n, norm=norm)],
    family="fft", doc="Inverse of rfft: n real samples from n//2 + 1 frequencies along `axis`.",
    reads=())  # x for its shape and dtype only
irfft.batch = _shifted_axes_batch(irfft, "axis")
