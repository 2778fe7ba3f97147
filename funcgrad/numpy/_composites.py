"""Functions of funcgrad.numpy built from primitives (their derivatives follow from those)."""
from __future__ import annotations

import numpy as np

from funcgrad.errors import where
from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, normalize_axis, shape_of
from funcgrad.primitives.reductions import max as _max, sum as _sum
from funcgrad.primitives.indexing import getitem, index_add_p
from funcgrad.primitives.shape import broadcast_to as _broadcast_to, moveaxis, reshape


def _count(a, axis):
    shape = shape_of(a)
    axes = range(len(shape)) if axis is None else normalize_axis(axis, len(shape))
    return int(np.prod([shape[i] for i in axes], dtype=np.int64))


def mean(a, axis=None, dtype=None, keepdims=False):
    """Arithmetic mean over the given axes, as `numpy.mean`."""
    total = _sum(a, axis=axis, keepdims=keepdims)
    if dtype is None and not np.issubdtype(dtype_of(a), np.inexact):
        total = ew.astype_p.bind(total, dtype=np.dtype(np.float64))
    out = total / _count(a, axis)
    return out if dtype is None else ew.astype_p.bind(out, dtype=np.dtype(dtype))


def var(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Variance, as `numpy.var` (divided by N - ddof)."""
    if dtype is not None:
        a = ew.astype_p.bind(a, dtype=np.dtype(dtype))
    elif not np.issubdtype(dtype_of(a), np.inexact):
        a = ew.astype_p.bind(a, dtype=np.dtype(np.float64))
    centred = a - mean(a, axis=axis, keepdims=True)
    return _sum(abs_squared(centred), axis=axis, keepdims=keepdims) / (_count(a, axis) - ddof)


def abs_squared(x):
    """|x|^2, real also for complex x (x * x would be complex there, and not a spread)."""
    if dtype_of(x).kind == "c":
        return ew.square(ew.real(x)) + ew.square(ew.imag(x))
    return x * x


def safe_root(total, p: float = 2):
    """total ** (1/p), with value and gradient 0 where total == 0: the subgradient 0 that norms
    take at the zero vector and std/var-based spreads where all values are equal."""
    zero = ew.equal(total, 0)
    safe = ew.where(zero, 1.0, total)
    root = ew.sqrt(safe) if p == 2 else ew.power(safe, 1.0 / p)
    return ew.where(zero, 0.0, root)


def std(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Standard deviation, as `numpy.std`. Where all values are equal its gradient is 0 (a
    subgradient, as for `norm` at 0), not the infinite slope of sqrt at 0."""
    return safe_root(var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def logsumexp(a, axis=None, keepdims=False):
    """log(sum(exp(a))), computed stably; a row of -inf gives -inf with a zero gradient."""
    shift = ew.stop_gradient(_max(a, axis=axis, keepdims=True))
    shift = ew.where(ew.isfinite(shift), shift, 0.0)
    total = _sum(ew.exp(a - shift), axis=axis, keepdims=True)
    empty = ew.equal(total, 0)  # a row of -inf: log(0), with a zero (not NaN) gradient
    out = ew.where(empty, -np.inf, ew.log(ew.where(empty, 1.0, total))) + shift
    return out if keepdims else _squeeze_axes(out, axis)


def _squeeze_axes(x, axis):
    shape = shape_of(x)
    axes = range(len(shape)) if axis is None else normalize_axis(axis, len(shape))
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, computed stably (the maximum is subtracted first).

    Not a NumPy function (scipy.special.softmax's name and signature). Its derivative is
    softmax's Jacobian, diag(s) - s s^T along `axis`; the shift by the maximum is a constant
    (`stop_gradient`), so it changes no derivative.

    Examples
    --------
    >>> import funcgrad as fg
    >>> import funcgrad.numpy as fnp
    >>> fnp.softmax(fnp.array([0.0, 0.0]))
    array([0.5, 0.5])
    >>> fg.grad(lambda x: fnp.softmax(x)[0])(fnp.array([0.0, 0.0]))
    array([ 0.25, -0.25])
    """
    unnormalized = ew.exp(x - ew.stop_gradient(_max(x, axis=axis, keepdims=True)))
    return unnormalized / _sum(unnormalized, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`, computed stably: the log of `softmax`, without its
    underflow for very negative entries.

    Not a NumPy function (scipy.special.log_softmax's name and signature). Its derivative along
    `axis` is I - softmax(x) 1^T (each output moves with its own input, less the softmax
    weights).

    Examples
    --------
    >>> import funcgrad as fg
    >>> import funcgrad.numpy as fnp
    >>> fnp.exp(fnp.log_softmax(fnp.array([0.0, 0.0])))
    array([0.5, 0.5])
    >>> fg.grad(lambda x: fnp.log_softmax(x)[0])(fnp.array([0.0, 0.0]))
    array([ 0.5, -0.5])
    """
    shifted = x - ew.stop_gradient(_max(x, axis=axis, keepdims=True))
    return shifted - ew.log(_sum(ew.exp(shifted), axis=axis, keepdims=True))


def sigmoid(x):
    """1 / (1 + exp(-x)), without overflow for large |x|."""
    return 0.5 * ew.tanh(0.5 * x) + 0.5


expit = sigmoid


def clip(a, a_min=None, a_max=None):
    """Limit values to [a_min, a_max]; at a bound the gradient is split as in maximum/minimum."""
    if a_min is not None:
        a = ew.maximum(a, a_min)
    if a_max is not None:
        a = ew.minimum(a, a_max)
    return a


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal of the (axis1, axis2) planes, appended as the last axis, as `numpy.diagonal`."""
    a = moveaxis(a, (axis1, axis2), (-2, -1))
    rows, cols = shape_of(a)[-2:]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    n = max(min(rows - start_row, cols - start_col), 0)
    return getitem(a, (Ellipsis, np.arange(n) + start_row, np.arange(n) + start_col))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """Sum along the diagonal, as `numpy.trace`."""
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def diag(v, k=0):
    """The k-th diagonal of a matrix, or a square matrix with vector v on its k-th diagonal."""
    ndim = len(shape_of(v))
    if ndim == 2:
        return diagonal(v, k)
    if ndim != 1:
        raise ValueError(f"diag: input must be 1-d or 2-d, not {ndim}-d")
    n = shape_of(v)[0]
    size = n + abs(int(k))
    rows, cols = np.arange(n) + max(-k, 0), np.arange(n) + max(k, 0)
    return index_add_p.bind(np.zeros((size, size), dtype_of(v)), v, index=(rows, cols))


def _triangle(m, k, lower):
    mask = np.tri(*shape_of(m)[-2:], k=k, dtype=bool)  # a 1-d m: a square of its rows, as NumPy
    return ew.where(mask if lower else ~mask, m, np.zeros((), dtype_of(m)))


def tril(m, k=0):
    """The lower triangle (on and below the k-th diagonal; zeros above), as `numpy.tril`."""
    return _triangle(m, k, lower=True)


def triu(m, k=0):
    """The upper triangle (on and above the k-th diagonal; zeros below), as `numpy.triu`."""
    return _triangle(m, k - 1, lower=False)


def average(a, axis=None, weights=None, keepdims=False):
    if weights is None:
        return mean(a, axis=axis, keepdims=keepdims)
    if len(shape_of(weights)) == len(shape_of(a)):
        weights = _broadcast_to(weights, shape_of(a))
    elif axis is None:
        raise TypeError(f"average: axis must be specified when shapes of a {tuple(shape_of(a))} "
                        f"and weights {tuple(shape_of(weights))} differ{where()} (as NumPy)")
    else:
        axes = normalize_axis(axis, len(shape_of(a)))
        weights = reshape(weights, tuple(n if i in axes else 1 for i, n in enumerate(shape_of(a))))
    return _sum(a * weights, axis=axis, keepdims=keepdims) / _sum(weights + 0 * a, axis=axis,
                                                                   keepdims=keepdims)


def dot(a, b):
    from funcgrad.primitives.contraction import dot as _dot
    return _dot(a, b)


def round(a, decimals=0):  # noqa: A001 - NumPy's name
    """Round to `decimals` places (halves to even), as `numpy.round`; the derivative is zero."""
    return ew.round_p.bind(a, decimals=decimals)


around = round


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist_letters(sublist) -> str:
    """[0, 1, Ellipsis] -> 'ab...': NumPy's integer labels (0 to 51) as einsum letters."""
    letters = []
    for label in sublist:
        if label is Ellipsis:
            letters.append("...")
        elif isinstance(label, (int, np.integer)) and 0 <= label < len(_LETTERS):
            letters.append(_LETTERS[int(label)])
        else:
            raise ValueError(f"einsum: subscript labels in a sublist must be integers in [0, 52) or "
                             f"Ellipsis, not {label!r}")
    return "".join(letters)


def einsum(*operands, out=None, dtype=None, order="K", casting="safe", optimize=False):
    """Einstein summation, as `numpy.einsum`, in both of NumPy's forms: subscripts
    (`einsum('ij,jk->ik', A, B)`) and sublists (`einsum(A, [0, 1], B, [1, 2], [0, 2])`).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> float(fg.grad(lambda a: fnp.einsum(a, [0, 0]))(np.ones((2, 2)))[0, 0])
    1.0
    """
    from funcgrad.primitives.contraction import einsum as _einsum
    if out is not None:
        raise TypeError("einsum(..., out=...) cannot write into an array: use the returned value")
    if not operands:
        raise ValueError("einsum: no operands given")
    if isinstance(operands[0], str):
        subscripts, arrays = operands[0], list(operands[1:])
    else:
        subscripts, arrays = _from_sublists(operands)
    if dtype is not None:
        arrays = [ew.astype_p.bind(a, dtype=np.dtype(dtype)) for a in arrays]
    return _einsum(subscripts, *arrays, optimize=optimize)


def _from_sublists(operands):
    """(subscripts, arrays) of einsum's sublist form: array, sublist, ..., [output sublist]."""
    arrays, inputs = list(operands[0::2]), [_sublist_letters(s) for s in operands[1::2]]
    output = None
    if len(arrays) > len(inputs):  # an odd count: the last item is the output sublist
        output = _sublist_letters(arrays.pop())
    return ",".join(inputs) + ("" if output is None else "->" + output), arrays
