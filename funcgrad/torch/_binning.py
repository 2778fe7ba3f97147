"""Binning, counting and quantiles: searchsorted, bucketize, bincount, histc (no gradient)
and quantile/nanquantile (funcgrad.numpy composites, one node each)."""
from __future__ import annotations

import builtins

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.torch._composite import composite
from funcgrad.torch._math import _I64, _values
from funcgrad.torch.tensor import Tensor


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None):
    side = side or ("right" if right else "left")
    seq, values = _values(sorted_sequence), _values(input)
    if seq.ndim == 1:
        out = np.searchsorted(seq, values, side=side)
    else:
        out = np.stack([np.searchsorted(s, v, side=side) for s, v in zip(seq.reshape(-1, seq.shape[-1]),
                        values.reshape(-1, values.shape[-1]))]).reshape(values.shape)
    return Tensor._make(np.asarray(out, np.int32 if out_int32 else _I64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    out = np.searchsorted(_values(boundaries), _values(input), side="right" if right else "left")
    return Tensor._make(np.asarray(out, np.int32 if out_int32 else _I64))


def bincount(input, weights=None, minlength=0):
    w = None if weights is None else _values(weights)
    out = np.bincount(_values(input), w, minlength)
    return Tensor._make(out if w is not None else out.astype(_I64))


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    data = _values(input)
    low, high = (data.min(), data.max()) if min == max == 0 else (min, max)
    counts, _ = np.histogram(data, bins, (low, high))
    return Tensor._make(counts.astype(data.dtype))


def _quantile(node, reduction, input, q, dim, keepdim, interpolation):
    """`reduction` (fnp.quantile or fnp.nanquantile) along `dim`, or over the flattened input."""
    q_value = _values(q) if isinstance(q, Tensor) else q
    flat = input.reshape(-1) if dim is None else input
    axis = 0 if dim is None else int(dim) % input.ndim
    return composite(node, lambda x: reduction(
        x, q_value, axis=axis, keepdims=builtins.bool(keepdim), method=interpolation), flat)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile("QuantileBackward0", fnp.quantile, input, q, dim, keepdim, interpolation)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile("NanquantileBackward0", fnp.nanquantile, input, q, dim, keepdim,
                     interpolation)
