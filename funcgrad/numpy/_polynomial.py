"""NumPy's polynomial functions on coefficient arrays (highest power first), built from primitives:
polyadd, polysub, polymul, polyder, polyint, polyfit, poly, roots.

Coefficients are differentiable; degrees and orders are static. `roots` is the eigenvalues of the
companion matrix, so it is differentiable where the roots are distinct (as eigvals).
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.tracer import Tracer, concretize
from funcgrad.primitives import elementwise as ew
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.primitives.indexing import getitem, index_add_p
from funcgrad.primitives.reductions import sum as _sum
from funcgrad.primitives.shape import concatenate, reshape, stack
from funcgrad.numpy._assembly import vander
from funcgrad.numpy._signal import convolve


def _coefficients(p):
    p = p if isinstance(p, Tracer) else np.asarray(p)
    if len(shape_of(p)) == 0:
        p = reshape(p, (1,))
    if len(shape_of(p)) != 1:
        raise ValueError("polynomial coefficients must be a 1-d array")
    return p


def _aligned(a1, a2):
    a1, a2 = _coefficients(a1), _coefficients(a2)
    n1, n2 = shape_of(a1)[0], shape_of(a2)[0]
    if n1 < n2:
        a1 = concatenate([np.zeros(n2 - n1, dtype_of(a1)), a1])
    elif n2 < n1:
        a2 = concatenate([np.zeros(n1 - n2, dtype_of(a2)), a2])
    return a1, a2


def polyadd(a1, a2):
    """Sum of two polynomials, as `numpy.polyadd`."""
    a1, a2 = _aligned(a1, a2)
    return a1 + a2


def polysub(a1, a2):
    """Difference of two polynomials, as `numpy.polysub`."""
    a1, a2 = _aligned(a1, a2)
    return a1 - a2


def polymul(a1, a2):
    """Product of two polynomials (a convolution of their coefficients), as `numpy.polymul`."""
    return convolve(_coefficients(a1), _coefficients(a2))


def polydiv(u, v):
    """Quotient and remainder of polynomial division, as `numpy.polydiv`."""
    u, v = _coefficients(u), _coefficients(v)
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    lead = getitem(v, (0,))
    remainder = [getitem(u, (i,)) * 1.0 for i in range(m + 1)]
    quotient = []
    for k in range(max(m - n + 1, 0)):
        d = remainder[k] / lead
        quotient.append(d)
        for j in range(n + 1):
            remainder[k + j] = remainder[k + j] - d * getitem(v, (j,))
    quotient = stack(quotient) if quotient else np.zeros(1)
    while len(remainder) > 1 and np.allclose(np.asarray(concretize(remainder[0])), 0, rtol=1e-14):
        remainder = remainder[1:]
    return quotient, stack(remainder)


def polyder(p, m=1):
    """The m-th derivative, as `numpy.polyder`."""
    if m < 0:
        raise ValueError("polyder: order of derivative must be positive (see polyint)")
    p = _coefficients(p)
    for _ in range(m):
        n = max(shape_of(p)[0] - 1, 0)
        p = getitem(p, (slice(None, -1),)) * np.arange(n, 0, -1)
    return p


def polyint(p, m=1, k=None):
    """The m-th antiderivative with integration constants k (zeros by default), as `numpy.polyint`."""
    if m < 0:
        raise ValueError("polyint: order must be non-negative (see polyder)")
    p = _coefficients(p)
    constants = np.zeros(m) if k is None else k
    constants = constants if isinstance(constants, Tracer) else np.atleast_1d(constants)
    if len(shape_of(constants)) and shape_of(constants)[0] == 1 and m > 1:
        constants = np.repeat(np.asarray(constants), m) if not isinstance(constants, Tracer) \
            else concatenate([constants] * m)
    for i in range(m):
        n = shape_of(p)[0]
        p = concatenate([p / np.arange(n, 0, -1).astype(float), reshape(getitem(constants, (i,)), (1,))])
    return p


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial fit of degree `deg`, as `numpy.polyfit` (coefficients only)."""
    from funcgrad.numpy.linalg import lstsq
    if full or cov:
        raise NotImplementedError("polyfit: full=True and cov=True are not supported; use the coefficients")
    design = vander(x, deg + 1)
    y = y if isinstance(y, Tracer) else np.asarray(y)
    if w is not None:
        design = design * reshape(w, (-1, 1))
        y = y * (w if len(shape_of(y)) == 1 else reshape(w, (-1, 1)))
    # columns scaled to unit norm, as NumPy does, for conditioning
    scale = ew.sqrt(_sum(ew.stop_gradient(design * design), axis=0))
    coefficients = lstsq(design / scale, y, rcond=rcond)[0]
    return coefficients / (scale if len(shape_of(coefficients)) == 1 else reshape(scale, (-1, 1)))


def poly(seq_of_zeros):
    """Coefficients of the monic polynomial with the given roots, as `numpy.poly` (1-d roots)."""
    zeros = _coefficients(seq_of_zeros)
    out = np.ones(1)
    for i in range(shape_of(zeros)[0]):
        out = convolve(out, concatenate([np.ones(1, dtype_of(zeros)), -reshape(getitem(zeros, (i,)), (1,))]))
    values = np.asarray(concretize(zeros))
    if np.iscomplexobj(values) and np.all(np.sort_complex(values[np.imag(values) > 0]).conj()
                                          == np.sort_complex(values[np.imag(values) < 0])):
        out = ew.real(out)  # conjugate pairs: real coefficients, as NumPy returns
    return out


def roots(p):
    """The roots of a polynomial (eigenvalues of its companion matrix), as `numpy.roots`."""
    from funcgrad.numpy.linalg import eigvals
    p = _coefficients(p)
    values = np.asarray(concretize(p))
    nonzero = np.nonzero(values)[0]
    if not len(nonzero):
        return np.array([])
    trailing = len(values) - int(nonzero[-1]) - 1
    p = getitem(p, (slice(int(nonzero[0]), int(nonzero[-1]) + 1),))
    n = shape_of(p)[0]
    found = np.zeros(0)
    if n > 1:
        # companion matrix: first row -p[1:] / p[0], ones on the subdiagonal
        first = -getitem(p, (slice(1, None),)) / getitem(p, (0,))
        companion = index_add_p.bind(np.diag(np.ones(n - 2), -1), first,
                                     index=(np.zeros(n - 1, int), np.arange(n - 1)))
        found = eigvals(companion)
    return concatenate([found, np.zeros(trailing, dtype_of(found))]) if trailing else found


__all__ = ["poly", "polyadd", "polyder", "polydiv", "polyfit", "polyint", "polymul", "polysub", "roots"]
