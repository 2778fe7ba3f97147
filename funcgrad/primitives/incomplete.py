"""Incomplete gamma and beta functions and Student's t CDF: the CDFs of funcgrad.scipy.stats.

Values come from scipy.special. The derivative in the integration limit is the integrand (exact,
every order, written with primitives); the derivative in a shape parameter (a, b, df) has no
closed form, and asking for it raises MissingRuleError naming the parameter rather than giving a
wrong number:

    d/dx gammainc(a, x)  =  x^(a-1) e^-x / Gamma(a)          (gammaincc: the negative)
    d/dx betainc(a, b, x) = x^(a-1) (1-x)^(b-1) / B(a, b)
    d/dt stdtr(df, t)    = Student's t density at t
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive
from funcgrad.errors import MissingRuleError, where
from funcgrad.primitives._util import broadcast_like, broadcasting_float, unbroadcast
from funcgrad.primitives.elementwise import _batch_elementwise, exp, log, log1p, where as select
from funcgrad.primitives.special import gammaln, scipy_special


def _no_parameter_derivative(name, parameter):
    def rule(*_args, **_params):
        raise MissingRuleError(
            f"the derivative of {name} in its parameter {parameter} is not available{where()} (it "
            "has no closed form and funcgrad gives no approximation). Hold it fixed "
            f"(funcgrad.stop_gradient({parameter})) or differentiate in the other arguments only.")
    return rule


def _xlogy(x, y):
    """x log y with 0 where x == 0 (so the integrands are finite at the ends)."""
    return x * log(select(x == 0, 1.0, y))


def _gamma_density(a, x):
    return exp(_xlogy(a - 1.0, x) - x - gammaln(a))


def _beta_density(a, b, x):
    return exp(_xlogy(a - 1.0, x) + (b - 1.0) * log1p(select(b == 1, 0.0, -x))
               - gammaln(a) - gammaln(b) + gammaln(a + b))


def _student_density(df, t):
    return exp(gammaln(0.5 * (df + 1.0)) - gammaln(0.5 * df) - 0.5 * log(df * np.pi)
               - 0.5 * (df + 1.0) * log1p(t * t / df))


def _scipy_impl(name):
    def impl(*args):
        out = getattr(scipy_special(), name)(*args)
        dtype = np.result_type(*[np.asarray(a).dtype for a in args], np.float32)
        return np.asarray(out, dtype=dtype if np.issubdtype(dtype, np.floating) else np.float64)[()]
    return impl


def _two_argument(name, parameter, density):
    """f(p, x) with no derivative in the parameter p and d/dx f = density(p, x)."""
    prim = Primitive(
        name, _scipy_impl(name), shape=broadcasting_float,
        vjp=[_no_parameter_derivative(name, parameter),
             lambda g, ans, p, x: unbroadcast(g * density(p, x), x)],
        jvp=[_no_parameter_derivative(name, parameter),
             lambda t, ans, p, x: broadcast_like(t * density(p, x), ans)],
        family="special", doc=f"scipy.special.{name}; differentiable in its last argument.")
    prim.batch = _batch_elementwise(prim)
    return prim


gammainc = _two_argument("gammainc", "a", _gamma_density)
gammaincc = _two_argument("gammaincc", "a", lambda a, x: -_gamma_density(a, x))
stdtr = _two_argument("stdtr", "df", _student_density)


betainc = Primitive(
    "betainc", _scipy_impl("betainc"), shape=broadcasting_float,
    vjp=[_no_parameter_derivative("betainc", "a"), _no_parameter_derivative("betainc", "b"),
         lambda g, ans, a, b, x: unbroadcast(g * _beta_density(a, b, x), x)],
    jvp=[_no_parameter_derivative("betainc", "a"), _no_parameter_derivative("betainc", "b"),
         lambda t, ans, a, b, x: broadcast_like(t * _beta_density(a, b, x), ans)],
    family="special", doc="scipy.special.betainc(a, b, x); differentiable in x.")
betainc.batch = _batch_elementwise(betainc)
