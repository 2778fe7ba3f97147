"""Neural-network primitives NumPy lacks: relu, sigmoid, convolution, pooling, fused losses.

Convolution is vectorised: the windows of the (padded) input, copied once from a strided view,
times the kernel in one matrix product; the only Python loops run over kernel offsets, never
over pixels.
Its two adjoints (`conv2d_input_grad`, `conv2d_weight_grad`) are primitives too, and the three
are each other's derivatives (all are bilinear), so every order of derivative traces.
"""
from __future__ import annotations

import math

import numpy as np

from funcgrad.core.primitive import Primitive, ShapedArray
from funcgrad.core.tracer import concrete_value
from funcgrad.primitives import shape as _shape
from funcgrad.primitives.contraction import matmul
from funcgrad.primitives._util import (broadcast_like, by_evaluation, dtype_of, same_shape,
                                       shape_of, unbroadcast)
from funcgrad.primitives.elementwise import (_batch_elementwise, astype_p, equal, exp, greater,
                                             greater_equal, less_equal, logical_and, multiply,
                                             unary)
from funcgrad.primitives.indexing import add_along_axis_p, getitem_p, take_along_axis_p
from funcgrad.primitives.reductions import (_reduction_batch, expand_reduced, reduced_shape,
                                            sum_p)

# -- activations ---------------------------------------------------------------------------------

relu = unary("relu", lambda x: np.maximum(x, 0),
             lambda ans, x: astype_p.bind(greater(ans, 0), dtype=dtype_of(ans)),
             doc="max(x, 0); the derivative at 0 is taken as 0 (PyTorch's convention).")


def _sigmoid_impl(x):
    return 0.5 * np.tanh(0.5 * x) + 0.5  # = 1 / (1 + e^-x), without overflow


sigmoid = unary("sigmoid", _sigmoid_impl, lambda ans, x: ans * (1 - ans),
                doc="The logistic function 1 / (1 + exp(-x)).")


def _softplus_impl(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


softplus = unary("softplus", _softplus_impl, lambda ans, x: sigmoid(x),
                 doc="log(1 + exp(x)), computed stably.")

# -- ops PyTorch records as one node --------------------------------------------------------------

def _in_range(x, low, high):
    inside = logical_and(greater_equal(x, low), less_equal(x, high))
    return astype_p.bind(inside, dtype=dtype_of(x))


clamp = Primitive(
    "clamp", lambda x, low, high: np.clip(x, low, high).astype(x.dtype, copy=False),
    shape=same_shape,
    # the gradient passes where low <= x <= high (bounds included, as in PyTorch)
    vjp=[lambda g, ans, x, low, high: g * _in_range(x, low, high)],
    jvp=[lambda t, ans, x, low, high: t * _in_range(x, low, high)],
    family="nn", doc="x limited to [low, high].")
clamp.batch = _batch_elementwise(clamp)

copy = Primitive(
    "copy", lambda x: np.array(x, copy=True), shape=same_shape,
    vjp=[lambda g, ans, x: g], jvp=[lambda t, ans, x: t], family="nn",
    doc="A fresh copy of x (the identity, for values that must not share memory).")
copy.batch = lambda values, dims: (copy.bind(values[0]), dims[0])


def _count(shape, axis):
    return int(math.prod([shape[a] for a in (range(len(shape)) if axis is None else axis)]))


mean = Primitive(
    "mean", lambda x, axis, keepdims: np.asarray(np.mean(x, axis=axis, keepdims=keepdims)),
    shape=lambda x, axis, keepdims: ShapedArray(reduced_shape(x.shape, axis, keepdims), x.dtype),
    vjp=[lambda g, ans, x, axis, keepdims:
         expand_reduced(g, shape_of(x), axis, keepdims) / _count(shape_of(x), axis)],
    jvp=[lambda t, ans, x, axis, keepdims: mean.bind(t, axis=axis, keepdims=keepdims)],
    family="nn", doc="Arithmetic mean over `axis` (a tuple, or None for all).",
    reads=())  # x for its shape only
mean.batch = _reduction_batch(mean)

# y = x w^T + b over the last axis of x (PyTorch's nn.Linear, one node)
def _linear_grad_weight(g, x):
    g_shape, x_shape = tuple(shape_of(g)), tuple(shape_of(x))
    if len(g_shape) != 2:  # fold the batch axes (written out: this runs once per layer per step)
        g = _shape.reshape(g, (math.prod(g_shape[:-1]), g_shape[-1]))
        x = _shape.reshape(x, (math.prod(x_shape[:-1]), x_shape[-1]))
    if g_shape[0] == 1 and len(g_shape) == 2:  # a batch of one: the outer product, as a
        return multiply(_shape.transpose(g), x)  # product (NumPy's matmul loops ~8x slower)
    return matmul(_shape.transpose(g), x)


linear = Primitive(
    "linear", lambda x, w, b: np.matmul(x, w.T) + b,
    shape=by_evaluation(lambda x, w, b: np.matmul(x, w.T) + b),
    vjp=[lambda g, ans, x, w, b: matmul(g, w),
         lambda g, ans, x, w, b: _linear_grad_weight(g, x),
         lambda g, ans, x, w, b: unbroadcast(g, b)],
    jvp=[lambda t, ans, x, w, b: matmul(t, _shape.transpose(w)),
         lambda t, ans, x, w, b: matmul(x, _shape.transpose(t)),
         lambda t, ans, x, w, b: broadcast_like(t, ans)],
    family="nn", doc="x @ w.T + b, as PyTorch's linear layer (w is (out, in)).",
    reads=(0, 1))  # x and w; b for its shape only

# -- fused losses (one node each in PyTorch's graph) ----------------------------------------------

def _mean_all(v):
    # np.mean's own arithmetic (a sum in the dtype, then one division) without its wrapping,
    # for the float types it accumulates in their own dtype (float16 it sums in float32)
    if type(v) is np.ndarray and v.dtype in (_F32, _F64) and v.size:
        return v.dtype.type(np.add.reduce(v, axis=None) / v.size)
    return np.mean(v)


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
def _sum_all(v):
    return np.add.reduce(v, axis=None) if type(v) is np.ndarray else np.sum(v)  # (np.sum's own)


_REDUCE = {"mean": _mean_all, "sum": _sum_all, "none": lambda v: v}


def _scale(g, like, reduction):
    """The cotangent of a reduced loss, per element of `like` (a 0-d one when reduced: the
    rules multiply it by a partial of like's shape, which broadcasts it)."""
    if reduction == "mean":
        g = g / max(int(math.prod(shape_of(like))), 1)
    return g


def _reduce_traced(v, reduction):
    if reduction == "none":
        return v
    total = sum_p.bind(v, axis=None, keepdims=False)
    return total / max(int(math.prod(shape_of(v))), 1) if reduction == "mean" else total


def _loss_shape(x, y, reduction):
    return ShapedArray(x.shape if reduction == "none" else (), x.dtype)


def _bce_logits_impl(x, y, reduction):
    # max(x, 0) - x y + log(1 + e^-|x|)
    loss = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
    return np.asarray(_REDUCE[reduction](loss), dtype=np.result_type(x, y))


binary_cross_entropy_with_logits = Primitive(
    "binary_cross_entropy_with_logits", _bce_logits_impl, shape=_loss_shape,
    # d/dx = sigmoid(x) - y,  d/dy = -x
    vjp=[lambda g, ans, x, y, reduction: _scale(g, x, reduction) * (sigmoid(x) - y),
         lambda g, ans, x, y, reduction: unbroadcast(_scale(g, x, reduction) * -x, y)],
    jvp=[lambda t, ans, x, y, reduction: _reduce_traced(t * (sigmoid(x) - y), reduction),
         lambda t, ans, x, y, reduction: _reduce_traced(t * -x, reduction)],
    family="nn")


def _mse_impl(x, y, reduction):
    d = x - y
    return np.asarray(_REDUCE[reduction](d * d), dtype=np.result_type(x, y))


mse_loss = Primitive(
    "mse_loss", _mse_impl, shape=_loss_shape,
    vjp=[lambda g, ans, x, y, reduction: unbroadcast(_scale(g, x, reduction) * 2 * (x - y), x),
         lambda g, ans, x, y, reduction: unbroadcast(_scale(g, x, reduction) * 2 * (y - x), y)],
    jvp=[lambda t, ans, x, y, reduction: _reduce_traced(t * 2 * (x - y), reduction),
         lambda t, ans, x, y, reduction: _reduce_traced(t * 2 * (y - x), reduction)],
    family="nn")


def _log_softmax_impl(x, axis):
    if type(x) is np.ndarray:  # the ufuncs' reductions: np.max and np.sum wrap these
        shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
        return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# d log_softmax: g - softmax * sum(g)
log_softmax = Primitive(
    "log_softmax", _log_softmax_impl, shape=same_shape,
    vjp=[lambda g, ans, x, axis: g - exp(ans) * sum_p.bind(g, axis=(axis,), keepdims=True)],
    jvp=[lambda t, ans, x, axis: t - sum_p.bind(exp(ans) * t, axis=(axis,), keepdims=True)],
    family="nn")


def _nll_index(target):
    target = np.asarray(concrete_value(target))
    return (np.arange(target.shape[0]), target)


def _nll_impl(logp, target, reduction):
    picked = -logp[_nll_index(target)]
    return np.asarray(_REDUCE[reduction](picked), dtype=logp.dtype)


def _one_hot(target, logp):
    """(N, C) indicator of the targets, built from primitives so every transform sees it."""
    classes = np.arange(shape_of(logp)[1])
    column = _shape.reshape(target, tuple(shape_of(target)) + (1,))
    return astype_p.bind(equal(column, classes), dtype=dtype_of(logp))


def _nll_vjp(g, ans, logp, target, reduction):
    n = shape_of(logp)[0]
    if reduction == "none":
        g = _shape.reshape(g, (n, 1))
    elif reduction == "mean":
        g = g / n
    return -g * _one_hot(target, logp)  # (a reduced loss's g is 0-d: it broadcasts)


nll_loss = Primitive(
    "nll_loss", _nll_impl, shape=lambda logp, target, reduction: ShapedArray(
        (logp.shape[0],) if reduction == "none" else (), logp.dtype),
    vjp=[_nll_vjp, None],
    jvp=[lambda t, ans, logp, target, reduction: _reduce_traced(
        -sum_p.bind(t * _one_hot(target, logp), axis=(1,), keepdims=False), reduction), None],
    family="nn", doc="Negative log-likelihood of (N, C) log-probabilities at integer targets (N,).",
    reads=(1,))  # the targets; logp for its shape and dtype only

# -- convolution ----------------------------------------------------------------------------------


def _out_size(n, k, stride, padding, dilation):
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def _padded(x, ph, pw):
    """x (N, C, H, W) with ph rows and pw columns of zeros on each side (x itself when none)."""
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), x.dtype)
    out[:, :, ph: ph + h, pw: pw + w] = x
    return out


def _windows(x, kh, kw, stride, padding, dilation, by_sample):
    """im2col, copied once from a strided view of the padded x: by sample, the
    (N, C kh kw, Ho Wo) windows; else the (C kh kw, N Ho Wo) matrix (rows in the order of
    w.reshape(O, -1)'s columns either way)."""
    (sh, sw), (dh, dw) = stride, dilation
    x = _padded(x, *padding)
    n, c, h, w = x.shape
    ho, wo = _out_size(h, kh, sh, 0, dh), _out_size(w, kw, sw, 0, dw)
    s = x.strides
    taps = (s[1], s[2] * dh, s[3] * dw)
    if by_sample:
        shape, strides = (n, c, kh, kw, ho, wo), (s[0],) + taps + (s[2] * sh, s[3] * sw)
    else:
        shape, strides = (c, kh, kw, n, ho, wo), taps + (s[0], s[2] * sh, s[3] * sw)
    view = np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    cols = np.ascontiguousarray(view)
    if by_sample:
        return cols.reshape(n, c * kh * kw, ho * wo), (n, ho, wo)
    return cols.reshape(c * kh * kw, n * ho * wo), (n, ho, wo)


def _rows_channels_last(x, kh, kw, stride, padding, dilation):
    """im2col channels last: the (N Ho Wo, kh kw C) windows of x, copied once from a strided
    view of x padded in (N, H, W, C) order, where each window row reads kw * C contiguous
    numbers (the (N, C kh kw, Ho Wo) order reads runs of Wo)."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n, c, h, w = x.shape
    padded = np.zeros((n, h + 2 * ph, w + 2 * pw, c), x.dtype)
    padded[:, ph: ph + h, pw: pw + w] = x.transpose(0, 2, 3, 1)
    ho, wo = _out_size(h, kh, sh, ph, dh), _out_size(w, kw, sw, pw, dw)
    s = padded.strides
    view = np.lib.stride_tricks.as_strided(
        padded, (n, ho, wo, kh, kw, c), (s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]),
        writeable=False)
    return np.ascontiguousarray(view).reshape(n * ho * wo, kh * kw * c), (n, ho, wo)


def _conv2d_impl(x, w, stride, padding, dilation):
    o, c, kh, kw = w.shape
    dtype = np.result_type(x, w)
    if c >= 6:  # channels last: one (N Ho Wo, kh kw C) @ (kh kw C, O) product
        rows, (n, ho, wo) = _rows_channels_last(x, kh, kw, stride, padding, dilation)
        out = rows @ w.transpose(0, 2, 3, 1).reshape(o, -1).T
        return np.ascontiguousarray(out.reshape(n, ho, wo, o).transpose(0, 3, 1, 2), dtype)
    cols, (n, ho, wo) = _windows(x, kh, kw, stride, padding, dilation, by_sample=True)
    out = np.matmul(w.reshape(o, -1), cols)  # (N, O, Ho Wo): one product per sample
    return out.reshape(n, o, ho, wo).astype(dtype, copy=False)


def _conv2d_input_grad_impl(g, w, x_shape, stride, padding, dilation):
    # col2im: each kernel offset (i, j) adds its share of every window back where it was read
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n, c, h, wd = x_shape
    o, _, kh, kw = w.shape
    ho, wo = g.shape[2], g.shape[3]
    dtype = np.result_type(g, w)
    taps = [(i, j, slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
             slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)) for i in range(kh) for j in range(kw)]
    if c >= 8:  # channels last: each offset's share, (N Ho Wo, O) @ (O, C), in one batched product
        rows = g.transpose(0, 2, 3, 1).reshape(-1, o)
        shares = np.matmul(rows, w.transpose(2, 3, 0, 1).reshape(kh * kw, o, c))
        shares = shares.reshape(kh * kw, n, ho, wo, c)
        padded = np.zeros((n, h + 2 * ph, wd + 2 * pw, c), dtype)
        for t, (_, _, across, down) in enumerate(taps):
            padded[:, across, down] += shares[t]
        return np.ascontiguousarray(padded[:, ph: ph + h, pw: pw + wd].transpose(0, 3, 1, 2))
    cols = (w.reshape(o, -1).T @ g.transpose(1, 0, 2, 3).reshape(o, -1)).reshape(
        c, kh, kw, n, ho, wo)
    padded = np.zeros((n, c, h + 2 * ph, wd + 2 * pw), dtype)
    by_channel = padded.transpose(1, 0, 2, 3)
    for i, j, across, down in taps:
        by_channel[:, :, across, down] += cols[:, i, j]
    return padded[:, :, ph: ph + h, pw: pw + wd]


def _conv2d_weight_grad_impl(x, g, w_shape, stride, padding, dilation):
    o, c, kh, kw = w_shape
    if c >= 8:  # channels last: each offset's (O, N Ho Wo) @ (N Ho Wo, C) reads (N, C) runs
        (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
        n, _, h, wd = x.shape
        ho, wo = g.shape[2], g.shape[3]
        padded = np.zeros((h + 2 * ph, wd + 2 * pw, n, c), x.dtype)
        padded[ph: ph + h, pw: pw + wd] = x.transpose(2, 3, 0, 1)
        rows = g.transpose(2, 3, 0, 1).reshape(-1, o)
        out = np.empty((kh, kw, o, c), np.result_type(x, g))
        for i in range(kh):
            for j in range(kw):
                tap = padded[i * dh: i * dh + sh * (ho - 1) + 1: sh,
                             j * dw: j * dw + sw * (wo - 1) + 1: sw]
                out[i, j] = rows.T @ tap.reshape(-1, c)
        return out.transpose(2, 3, 0, 1)
    cols, _ = _windows(x, kh, kw, stride, padding, dilation, by_sample=False)
    per_output = g.transpose(1, 0, 2, 3).reshape(w_shape[0], -1)  # (O, N Ho Wo)
    return (per_output @ cols.T).reshape(w_shape).astype(np.result_type(x, g), copy=False)


conv2d = Primitive(
    "conv2d", _conv2d_impl, shape=by_evaluation(_conv2d_impl),
    vjp=[lambda g, ans, x, w, **p: conv2d_input_grad(g, w, x_shape=shape_of(x), **p),
         lambda g, ans, x, w, **p: conv2d_weight_grad(x, g, w_shape=shape_of(w), **p)],
    jvp=[lambda t, ans, x, w, **p: conv2d(t, w, **p),
         lambda t, ans, x, w, **p: conv2d(x, t, **p)],
    family="nn",
    doc="2-d cross-correlation of x (N, C, H, W) with w (O, C, kh, kw), as PyTorch's conv2d.")

conv2d_input_grad = Primitive(
    "conv2d_input_grad", _conv2d_input_grad_impl,
    shape=lambda g, w, x_shape, **p: ShapedArray(x_shape, np.result_type(g.dtype, w.dtype)),
    vjp=[lambda ct, ans, g, w, x_shape, **p: conv2d(ct, w, **p),
         lambda ct, ans, g, w, x_shape, **p: conv2d_weight_grad(ct, g, w_shape=shape_of(w), **p)],
    jvp=[lambda t, ans, g, w, x_shape, **p: conv2d_input_grad(t, w, x_shape=x_shape, **p),
         lambda t, ans, g, w, x_shape, **p: conv2d_input_grad(g, t, x_shape=x_shape, **p)],
    family="nn", doc="The adjoint of conv2d in x: the cotangent of x from that of the output.")

conv2d_weight_grad = Primitive(
    "conv2d_weight_grad", _conv2d_weight_grad_impl,
    shape=lambda x, g, w_shape, **p: ShapedArray(w_shape, np.result_type(x.dtype, g.dtype)),
    vjp=[lambda ct, ans, x, g, w_shape, **p: conv2d_input_grad(g, ct, x_shape=shape_of(x), **p),
         lambda ct, ans, x, g, w_shape, **p: conv2d(x, ct, **p)],
    jvp=[lambda t, ans, x, g, w_shape, **p: conv2d_weight_grad(t, g, w_shape=w_shape, **p),
         lambda t, ans, x, g, w_shape, **p: conv2d_weight_grad(x, t, w_shape=w_shape, **p)],
    family="nn", doc="The adjoint of conv2d in w: the cotangent of w from that of the output.")


def _conv2d_batch(values, dims, **p):
    (x, w), (dx, dw) = values, dims
    if dw is None:  # fold the batch axis into N
        x = _shape.moveaxis(x, dx, 0)
        b, n = shape_of(x)[:2]
        out = conv2d(_shape.reshape(x, (b * n,) + tuple(shape_of(x)[2:])), w, **p)
        return _shape.reshape(out, (b, n) + tuple(shape_of(out)[1:])), 0
    x = x if dx is None else _shape.moveaxis(x, dx, 0)
    w = _shape.moveaxis(w, dw, 0)
    outs = [conv2d(x if dx is None else x[i], w[i], **p) for i in range(shape_of(w)[0])]
    return _shape.stack(outs, 0), 0


conv2d.batch = _conv2d_batch

# -- pooling --------------------------------------------------------------------------------------


def _pool_offsets(x, kernel, stride, padding, fill, dilation=(1, 1)):
    """(i, j, view) for each kernel offset (i, j already dilated):
    view[n, c, oh, ow] = padded x[n, c, oh sh + i, ow sw + j].
    Pooling loops over the kh * kw offsets only, each step a whole-array operation."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    ho, wo = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1, (x.shape[3] - dw * (kw - 1) - 1) // sw + 1
    for i in range(0, dh * kh, dh):
        for j in range(0, dw * kw, dw):
            yield i, j, x[:, :, i: i + sh * (ho - 1) + 1: sh, j: j + sw * (wo - 1) + 1: sw]


def _argmax_impl(x, kernel, stride, padding, dilation=(1, 1)):
    """Index within each (n, c) plane of every window's (first) maximum, shape (N, C, Ho * Wo):
    where max pooling's gradient goes."""
    n, c, h, w = x.shape
    (sh, sw), (ph, pw) = stride, padding
    offsets = _pool_offsets(x, kernel, stride, padding, -np.inf, dilation)
    _, _, best = next(offsets)  # the window at offset (0, 0)
    where = np.zeros(best.shape, np.int64)
    rows = np.arange(best.shape[2]).reshape(-1, 1) * sh - ph
    cols = np.arange(best.shape[3]).reshape(1, -1) * sw - pw
    for i, j, view in offsets:
        better = view > best  # strict: the first maximum keeps the gradient
        best = np.where(better, view, best)
        where = np.where(better, i * w + j, where)
    return (rows * w + cols + where).reshape(n, c, -1)


# An input of the max-pool rules rather than a value read inside them, so that vmap batches it and
# jit recomputes it for every new input.
max_pool2d_argmax = Primitive(
    "max_pool2d_argmax", _argmax_impl, shape=by_evaluation(_argmax_impl), vjp=None, jvp=None,
    family="nn", doc="Per-plane flat index of each max-pooling window's first maximum.")


def _max_pool_impl(x, kernel, stride, padding, dilation=(1, 1)):
    offsets = _pool_offsets(x, kernel, stride, padding, -np.inf, dilation)
    out = next(offsets)[2].copy()
    for _, _, view in offsets:
        np.maximum(out, view, out=out)
    return out.astype(x.dtype, copy=False)


def _max_pool_vjp(g, ans, x, kernel, stride, padding, dilation=(1, 1)):
    n, c, h, w = shape_of(x)
    where = max_pool2d_argmax.bind(x, kernel=kernel, stride=stride, padding=padding,
                                   dilation=dilation)
    flat = add_along_axis_p.bind(_shape.reshape(g, (n, c, -1)), where, axis=2, shape=(n, c, h * w))
    return _shape.reshape(flat, (n, c, h, w))


def _max_pool_jvp(t, ans, x, kernel, stride, padding, dilation=(1, 1)):
    n, c, h, w = shape_of(x)
    where = max_pool2d_argmax.bind(x, kernel=kernel, stride=stride, padding=padding,
                                   dilation=dilation)
    picked = take_along_axis_p.bind(_shape.reshape(t, (n, c, h * w)), where, axis=2)
    return _shape.reshape(picked, tuple(shape_of(ans)))


max_pool2d = Primitive(
    "max_pool2d", _max_pool_impl, shape=by_evaluation(_max_pool_impl),
    vjp=[_max_pool_vjp], jvp=[_max_pool_jvp], family="nn",
    doc="Max over (kh, kw) windows of x (N, C, H, W), taps `dilation` apart (default (1, 1)); "
        "the gradient goes to each window's first maximum.")


def _fold_channels(x):
    n, c, h, w = shape_of(x)
    return _shape.reshape(x, (n * c, 1, h, w))


def _avg_pool_impl(x, kernel, stride, padding):
    total = None
    for _, _, view in _pool_offsets(x, kernel, stride, padding, 0):
        total = view.astype(x.dtype, copy=True) if total is None else np.add(total, view, out=total)
    return (total / (kernel[0] * kernel[1])).astype(x.dtype, copy=False)


def _avg_pool_vjp(g, ans, x, kernel, stride, padding):
    # average pooling is a convolution of each channel with a constant kernel 1 / (kh kw)
    n, c, h, w = shape_of(x)
    ones = np.full((1, 1) + tuple(kernel), 1.0 / (kernel[0] * kernel[1]), dtype_of(x))
    gx = conv2d_input_grad(_fold_channels(g), ones, x_shape=(n * c, 1, h, w), stride=stride,
                           padding=padding, dilation=(1, 1))
    return _shape.reshape(gx, (n, c, h, w))


avg_pool2d = Primitive(
    "avg_pool2d", _avg_pool_impl, shape=by_evaluation(_avg_pool_impl),
    vjp=[_avg_pool_vjp],
    jvp=[lambda t, ans, x, kernel, stride, padding: avg_pool2d(t, kernel=kernel, stride=stride,
                                                             padding=padding)],
    family="nn", doc="Mean over (kh, kw) windows of x (N, C, H, W), zero padding counted.",
    reads=())  # x for its shape and dtype only


def _pool_batch(primitive):
    def rule(values, dims, **p):
        x = _shape.moveaxis(values[0], dims[0], 0)
        b, n = shape_of(x)[:2]
        out = primitive.bind(_shape.reshape(x, (b * n,) + tuple(shape_of(x)[2:])), **p)
        return _shape.reshape(out, (b, n) + tuple(shape_of(out)[1:])), 0
    return rule


max_pool2d.batch = _pool_batch(max_pool2d)
max_pool2d_argmax.batch = _pool_batch(max_pool2d_argmax)
avg_pool2d.batch = _pool_batch(avg_pool2d)

# -- batch rules of the rest ----------------------------------------------------------------------


def _moved(values, dims):
    """Every value with its batch axis first (unbatched ones broadcast along a new first axis)."""
    size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
    out = []
    for v, d in zip(values, dims):
        if d is None:
            v = _shape.broadcast_to(_shape.expand_dims(v, 0), (size,) + tuple(shape_of(v)))
        else:
            v = _shape.moveaxis(v, d, 0)
        out.append(v)
    return size, out


def _loop_batch(primitive):
    """Batch by applying the primitive to each example and stacking (for ops whose batched
    form is not a plain reshuffle of axes)."""
    def rule(values, dims, **params):
        size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
        outs = [primitive.bind(*[v if d is None else getitem_p.bind(
                    v, index=(slice(None),) * d + (i,)) for v, d in zip(values, dims)], **params)
                for i in range(size)]
        return _shape.stack(outs, 0), 0
    return rule


def _loss_batch(primitive):
    def rule(values, dims, reduction):
        size, (x, y) = _moved(values, dims)
        loss = primitive.bind(x, y, reduction="none")
        if reduction == "none":
            return loss, 0
        axes = tuple(range(1, len(shape_of(loss))))
        total = sum_p.bind(loss, axis=axes, keepdims=False)
        return (total / max(int(math.prod(shape_of(loss)[1:])), 1) if reduction == "mean" else total), 0
    return rule


def _log_softmax_batch(values, dims, axis):
    x = _shape.moveaxis(values[0], dims[0], 0)
    return log_softmax.bind(x, axis=axis + 1 if axis >= 0 else axis), 0


def _linear_batch(values, dims):
    if dims[1] is None and dims[2] is None:
        return linear.bind(_shape.moveaxis(values[0], dims[0], 0), values[1], values[2]), 0
    return _loop_batch(linear)(values, dims)


def _input_grad_batch(values, dims, x_shape, **p):
    (g, w), (dg, dw) = values, dims
    if dw is not None:
        return _loop_batch(conv2d_input_grad)(values, dims, x_shape=x_shape, **p)
    g = _shape.moveaxis(g, dg, 0)
    b, n = shape_of(g)[:2]
    out = conv2d_input_grad(_shape.reshape(g, (b * n,) + tuple(shape_of(g)[2:])), w,
                            x_shape=(b * n,) + tuple(x_shape[1:]), **p)
    return _shape.reshape(out, (b,) + tuple(x_shape)), 0


binary_cross_entropy_with_logits.batch = _loss_batch(binary_cross_entropy_with_logits)
mse_loss.batch = _loss_batch(mse_loss)
log_softmax.batch = _log_softmax_batch
nll_loss.batch = _loop_batch(nll_loss)
linear.batch = _linear_batch
conv2d_input_grad.batch = _input_grad_batch
conv2d_weight_grad.batch = _loop_batch(conv2d_weight_grad)

__all__ = ["linear", "clamp", "copy", "mean", "relu", "sigmoid", "softplus",
           "binary_cross_entropy_with_logits", "mse_loss", "log_softmax", "nll_loss", "conv2d",
           "conv2d_input_grad", "conv2d_weight_grad", "max_pool2d", "avg_pool2d"]
