"""funcgrad.scipy.signal: N-d convolution and correlation with scipy.signal's signatures
(modes 'full', 'same', 'valid'), differentiable in both inputs.

The work is one direct convolution, funcgrad.lax.conv_general_dilated (itself funcgrad's conv2d
primitive): exact values whatever `method` asks for (SciPy's 'fft' differs from them by rounding
only). Complex inputs are four real convolutions.

>>> import numpy as np, funcgrad.scipy.signal as fsig
>>> fsig.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])).tolist()
[0.0, 1.0, 2.5, 4.0, 1.5]
"""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad._lax_conv import conv_general_dilated

_MODES = ("full", "same", "valid")


def _real_convolution(a, v):
    """The full convolution of two real arrays of the same rank."""
    kernel = fnp.flip(v, axis=tuple(range(v.ndim))) if v.ndim else v
    pairs = [(k - 1, k - 1) for k in v.shape]
    out = conv_general_dilated(a[None, None], kernel[None, None], (1,) * a.ndim, pairs)
    return out[0, 0]


def _full_convolution(a, v):
    if not (np.iscomplexobj(np.empty(0, a.dtype)) or np.iscomplexobj(np.empty(0, v.dtype))):
        return _real_convolution(a, v)
    ar, ai, vr, vi = fnp.real(a), fnp.imag(a), fnp.real(v), fnp.imag(v)
    real = _real_convolution(ar, vr) - _real_convolution(ai, vi)
    imag = _real_convolution(ar, vi) + _real_convolution(ai, vr)
    return real + 1j * imag


def _check(in1, in2, mode, name):
    in1, in2 = fnp.asarray(in1), fnp.asarray(in2)
    if mode not in _MODES:
        raise ValueError(f"{name}: acceptable mode flags are 'valid', 'same', or 'full', not {mode!r}")
    if in1.ndim != in2.ndim:
        raise ValueError(f"{name}: in1 and in2 should have the same dimensionality")
    if 0 in in1.shape or 0 in in2.shape:
        return in1, in2, True
    return in1, in2, False


def _floating(x):
    return x if np.issubdtype(x.dtype, np.inexact) else fnp.astype(x, np.float64)


def convolve(in1, in2, mode="full", method="auto"):
    """N-d convolution of in1 and in2, as `scipy.signal.convolve`."""
    in1, in2, empty = _check(in1, in2, mode, "convolve")
    if empty:
        return np.zeros(0, np.result_type(in1.dtype, in2.dtype))
    if mode == "valid":
        if all(a >= b for a, b in zip(in1.shape, in2.shape)):
            pass
        elif all(a <= b for a, b in zip(in1.shape, in2.shape)):
            in1, in2 = in2, in1  # convolution commutes: the larger one slides the other
        else:
            raise ValueError("For 'valid' mode, one must be at least as large as the other in every "
                             "dimension")
    full = _full_convolution(_floating(in1), _floating(in2))
    if mode == "full":
        return full
    if mode == "same":
        starts = [(f - n) // 2 for f, n in zip(full.shape, in1.shape)]
        return full[tuple(slice(s, s + n) for s, n in zip(starts, in1.shape))]
    return full[tuple(slice(b - 1, a) for a, b in zip(in1.shape, in2.shape))]


def correlate(in1, in2, mode="full", method="auto"):
    """N-d cross-correlation of in1 and in2, as `scipy.signal.correlate`:
    out[k] = sum_n in1[n + k] conj(in2[n]) (shifted as SciPy shifts it for each mode)."""
    in1, in2, empty = _check(in1, in2, mode, "correlate")
    if empty:
        return np.zeros(0, np.result_type(in1.dtype, in2.dtype))
    reverse = tuple(range(in2.ndim))
    flipped = fnp.flip(fnp.conj(in2) if np.iscomplexobj(np.empty(0, in2.dtype)) else in2, axis=reverse) \
        if in2.ndim else in2
    if mode == "valid" and not all(a >= b for a, b in zip(in1.shape, in2.shape)):
        if not all(a <= b for a, b in zip(in1.shape, in2.shape)):
            raise ValueError("For 'valid' mode, one must be at least as large as the other in every "
                             "dimension")
        # SciPy swaps the inputs, correlates, then reverses and conjugates the result
        out = correlate(in2, in1, mode)
        out = fnp.flip(out, axis=tuple(range(out.ndim))) if out.ndim else out
        return fnp.conj(out) if np.iscomplexobj(np.empty(0, out.dtype)) else out
    return convolve(in1, flipped, mode)


def fftconvolve(in1, in2, mode="full", axes=None):
    """`scipy.signal.fftconvolve` (over all axes): computed directly, as convolve."""
    if axes is not None:
        raise NotImplementedError("fftconvolve: axes= is not supported (convolve over all axes)")
    return convolve(in1, in2, mode)


def _two_d(name, in1, in2, boundary, fillvalue):
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(f"{name}: only boundary='fill' with fillvalue=0 is supported")
    if fnp.ndim(in1) != 2 or fnp.ndim(in2) != 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays")


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """2-d convolution, as `scipy.signal.convolve2d` (zero fill at the boundary)."""
    _two_d("convolve2d", in1, in2, boundary, fillvalue)
    return convolve(in1, in2, mode)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """2-d cross-correlation, as `scipy.signal.correlate2d` (zero fill at the boundary)."""
    _two_d("correlate2d", in1, in2, boundary, fillvalue)
    return correlate(in1, in2, mode)


__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "fftconvolve"]
