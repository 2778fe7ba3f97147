"""funcgrad.scipy.special: scipy.special functions, differentiable to every order.

Values come from SciPy (needed at call time) or from compositions of funcgrad primitives.
Edge points are safe: xlogy(0, y) = 0 with d/dy = 0, d/dx = log(y); xlogy(0, 0) has gradient
(0, 0); logsumexp of an all -inf row is -inf with gradient 0; softmax does not overflow.

>>> import funcgrad as fg, funcgrad.scipy.special as fsp
>>> [float(g) for g in fg.grad(fsp.xlogy, argnums=(0, 1))(0.0, 0.0)]
[0.0, 0.0]
"""
from __future__ import annotations

import numpy as np

from funcgrad.numpy import _composites as _comp, _docs
from funcgrad.primitives import elementwise as ew
from funcgrad.primitives.special import (digamma, erf, erfc, erfinv, gamma, gammaln,  # noqa: F401
                                         i0, i0e, i1, i1e, log_ndtr, ndtri, polygamma_p)
from funcgrad.primitives.reductions import max as _max, sum as _sum

psi = digamma
_SQRT_HALF = float(np.sqrt(0.5))


def polygamma(n, x):
    """The n-th derivative of digamma at x (n a non-negative integer, not traced)."""
    n = int(np.asarray(n))
    return digamma(x) if n == 0 else polygamma_p.bind(x, n=n)


def betaln(a, b):
    """log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)."""
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def beta(a, b):
    """B(a, b) = exp(betaln(a, b)), for a, b > 0."""
    return ew.exp(betaln(a, b))


def expit(x):
    """The logistic sigmoid 1 / (1 + exp(-x)), without overflow (`scipy.special.expit`).

    Derivative expit(x) (1 - expit(x)).

    Examples
    --------
    >>> import funcgrad as fg
    >>> import funcgrad.scipy.special as fsp
    >>> float(fsp.expit(0.0)), float(fg.grad(fsp.expit)(0.0))
    (0.5, 0.25)
    """
    return _comp.expit(x)


def logit(p):
    """log(p / (1 - p))."""
    return ew.log(p) - ew.log1p(-p)


def ndtr(x):
    """The standard normal CDF, 0.5 erfc(-x / sqrt(2))."""
    return 0.5 * erfc(-x * _SQRT_HALF)


def xlogy(x, y):
    """x log(y), with 0 where x == 0 (even for y == 0); d/dx = log(y), d/dy = x / y."""
    both_zero = ew.logical_and(ew.equal(x, 0), ew.equal(y, 0))
    return x * ew.log(ew.where(both_zero, 1.0, y))


def xlog1py(x, y):
    """x log(1 + y), with 0 where x == 0 (even for y == -1)."""
    singular = ew.logical_and(ew.equal(x, 0), ew.equal(y, -1))
    return x * ew.log1p(ew.where(singular, 0.0, y))


def entr(x):
    """-x log(x) for x > 0, 0 at 0, -inf for x < 0 (the gradient at 0 is taken as -1)."""
    return ew.where(ew.less(x, 0), -np.inf, -xlogy(x, x))


def rel_entr(x, y):
    """x log(x / y) for x, y > 0; 0 at x == 0, y >= 0; inf otherwise."""
    valid = ew.logical_and(ew.greater_equal(x, 0), ew.greater_equal(y, 0))
    valid = ew.logical_and(valid, ew.logical_or(ew.equal(x, 0), ew.greater(y, 0)))
    safe_y = ew.where(ew.equal(y, 0), 1.0, y)
    return ew.where(valid, xlogy(x, x) - xlogy(x, safe_y), np.inf)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))) over `axis`, stably; a row of -inf gives -inf with gradient 0."""
    if b is None and not return_sign:
        return _comp.logsumexp(a, axis=axis, keepdims=keepdims)
    shift = ew.stop_gradient(_max(a, axis=axis, keepdims=True))
    shift = ew.where(ew.isfinite(shift), shift, 0.0)
    weighted = ew.exp(a - shift) if b is None else b * ew.exp(a - shift)
    total = _sum(weighted, axis=axis, keepdims=True)
    sign = ew.sign(total)
    out = ew.log(ew.absolute(total)) + shift
    if not keepdims:
        out, sign = _squeeze(out, a, axis), _squeeze(sign, a, axis)
    if return_sign:
        return out, sign
    return out


def _squeeze(x, like, axis):
    from funcgrad.primitives._util import normalize_axis, shape_of
    from funcgrad.primitives.shape import reshape
    nd = len(shape_of(like))
    axes = range(nd) if axis is None else normalize_axis(axis, nd)
    return reshape(x, tuple(n for i, n in enumerate(shape_of(x)) if i not in axes))


def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) over `axis` (all elements by default, as SciPy)."""
    if axis is None:
        from funcgrad.primitives.shape import reshape
        from funcgrad.primitives._util import shape_of
        return reshape(_comp.softmax(reshape(x, (-1,)), axis=0), tuple(shape_of(x)))
    return _comp.softmax(x, axis=axis)


def log_softmax(x, axis=None):
    """x - logsumexp(x) over `axis` (all elements by default, as SciPy), computed stably.

    Derivative along `axis`: I - softmax(x) 1^T.

    Examples
    --------
    >>> import numpy as np
    >>> import funcgrad.scipy.special as fsp
    >>> np.exp(fsp.log_softmax(np.array([0.0, 0.0])))
    array([0.5, 0.5])
    """
    if axis is None:
        from funcgrad.primitives.shape import reshape
        from funcgrad.primitives._util import shape_of
        return reshape(_comp.log_softmax(reshape(x, (-1,)), axis=0), tuple(shape_of(x)))
    return _comp.log_softmax(x, axis=axis)


__all__ = ["beta", "betaln", "digamma", "entr", "erf", "erfc", "erfinv", "expit", "gamma",
           "gammaln", "i0", "i0e", "i1", "i1e", "log_ndtr", "log_softmax", "logit", "logsumexp",
           "ndtr", "ndtri", "polygamma", "psi", "rel_entr", "softmax", "xlog1py", "xlogy"]

_docs.document_primitives(globals(), __name__)
