"""torch.special: the special functions under PyTorch's names, with PyTorch's node names.

Most are the torch-level functions under a second name (`expit` is `sigmoid`, `gammaln` is
`lgamma`); the rest are funcgrad.scipy.special's, whose derivatives are written with funcgrad's
primitives. `gammainc`/`gammaincc` need SciPy (`pip install funcgrad[scipy]`), as funcgrad.scipy's
do. A name PyTorch has and funcgrad does not (the Bessel functions and orthogonal polynomials)
raises an AttributeError saying so.
"""
from __future__ import annotations

import numpy as np

import funcgrad as _fg
import funcgrad.scipy.special as _sp
from funcgrad import torch as _torch  # imported at the end of funcgrad.torch's __init__
from funcgrad.primitives import elementwise as _ew, incomplete as _incomplete
from funcgrad.torch._composite import composite as _composite
from funcgrad.torch._math import x_times_log as _x_times_log
from funcgrad.torch._ops import as_tensor_arg as _as_tensor

__all__ = ["digamma", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammainc",
           "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax",
           "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round",
           "sinc", "softmax", "xlog1py", "xlogy"]

digamma = psi = _torch.digamma
erf, erfc, erfinv = _torch.erf, _torch.erfc, _torch.erfinv
exp2, expm1, log1p = _torch.exp2, _torch.expm1, _torch.log1p
expit = _torch.sigmoid
gammaln = _torch.lgamma
i0 = _torch.i0
logit = _torch.logit
logsumexp = _torch.logsumexp
multigammaln = _torch.mvlgamma
polygamma = _torch.polygamma
round = _torch.round  # noqa: A001 - PyTorch's name
sinc = _torch.sinc
xlogy = _torch.xlogy


def softmax(input, dim, *, dtype=None):
    """torch.special.softmax: torch.softmax with a required `dim`."""
    return _torch.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """torch.special.log_softmax: torch.log_softmax with a required `dim`."""
    return _torch.log_softmax(input, dim, dtype=dtype)


def _unary(name, node, fn):
    def special(input):
        return _composite(node, fn, _as_tensor(input))
    special.__name__ = special.__qualname__ = name
    special.__doc__ = f"torch.special.{name}, elementwise (node {node})."
    return special


@_fg.custom_jvp
def _entr(x):
    inside = _ew.where(_ew.greater(x, 0), x, 1.0)
    value = _ew.where(_ew.equal(x, 0), 0.0 * x, -x * _ew.log(inside))
    return _ew.where(_ew.less(x, 0), -np.inf, value)


@_entr.defjvp
def _entr_jvp(primals, tangents):
    # PyTorch's slope -log x - 1 everywhere: +inf at 0, NaN below 0
    (x,), (t,) = primals, tangents
    return _entr(x), t * (-_ew.log(x) - 1.0)


entr = _unary("entr", "SpecialEntrBackward0", _entr)
ndtr = _unary("ndtr", "MulBackward1", _sp.ndtr)
ndtri = _unary("ndtri", "SpecialNdtriBackward0", _sp.ndtri)
log_ndtr = _unary("log_ndtr", "SpecialLogNdtrBackward0", _sp.log_ndtr)
i0e = _unary("i0e", "SpecialI0EBackward0", _sp.i0e)
i1 = _unary("i1", "SpecialI1Backward0", _sp.i1)
i1e = _unary("i1e", "SpecialI1EBackward0", _sp.i1e)


def xlog1py(input, other):
    """torch.special.xlog1py: x log(1 + y), 0 where x == 0 (unless y is NaN)."""
    return _composite("SpecialXlog1PyBackward0", lambda x, y: _x_times_log(x, y, _ew.log1p),
                      _as_tensor(input), other)


def gammainc(input, other):
    """torch.special.gammainc: the regularized lower incomplete gamma function P(a, x);
    differentiable in x only, as PyTorch's (needs SciPy)."""
    return _composite("IgammaBackward0", _incomplete.gammainc.bind, _as_tensor(input), other)


def gammaincc(input, other):
    """torch.special.gammaincc: the regularized upper incomplete gamma function Q(a, x);
    differentiable in x only, as PyTorch's (needs SciPy)."""
    return _composite("IgammacBackward0", _incomplete.gammaincc.bind, _as_tensor(input), other)


_MISSING = ("airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "erfcx", "zeta",
            "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
            "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
            "spherical_bessel_j0", "chebyshev_polynomial_t", "chebyshev_polynomial_u",
            "chebyshev_polynomial_v", "chebyshev_polynomial_w", "hermite_polynomial_h",
            "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p",
            "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
            "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w")


def __getattr__(name):
    if name in _MISSING:
        raise AttributeError(f"torch.special.{name} is not in funcgrad.torch yet; the special "
                             f"functions it has are: {', '.join(__all__)}")
    raise AttributeError(f"module 'torch.special' has no attribute {name!r}")
