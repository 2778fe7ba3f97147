"""Elementwise ops: arithmetic, powers, exponentials, trigonometry, extrema, selection, rounding."""
import numpy as np

from tests.opinfo import Case, Singular
from tests.opinfo import strategies as S


def _unary(name, domain="real", singular=(), **kw):
    return Case(name, lambda xp, x: getattr(xp, name)(x), S.unary(domain), singular=singular, **kw)


def _binary(name, first="real", second="real", singular=(), **kw):
    return Case(name, lambda xp, x, y: getattr(xp, name)(x, y), S.binary(first, second),
                singular=singular, **kw)


def _nondiff(name, inputs, **kw):
    return Case(name, lambda xp, *a: getattr(xp, name)(*a), inputs, differentiable=False, **kw)


_a = np.array
CASES = [
    _binary("add"), _binary("subtract"), _binary("multiply"),
    _binary("divide", "real", "away_from_zero"),
    Case("negative", lambda xp, x: -x, S.unary()),
    _binary("power", "positive", "real", singular=(
        Singular((_a([0.0, 0.0, 2.0]), _a([2.0, 0.0, 1.0])), grads=(_a([0.0, 0.0, 1.0]),
                 _a([0.0, 0.0, 2 * np.log(2.0)])), note="0**y: d/dx = 0 at y = 0, d/dy = 0 at x = 0"),)),
    Case("power", lambda xp, x: x ** 3, S.unary(), name="integer_exponent"),
    _unary("square"), _unary("sqrt", "positive"), _unary("cbrt", "positive"),
    _unary("reciprocal", "away_from_zero"),
    _unary("exp"), _unary("exp2"), _unary("expm1"),
    _unary("log", "positive"), _unary("log2", "positive"), _unary("log10", "positive"),
    _unary("log1p", "positive"),
    _binary("logaddexp", singular=(
        Singular((_a([-np.inf, 0.0]), _a([-np.inf, 0.0])), grads=(_a([0.5, 0.5]), _a([0.5, 0.5])),
                 note="both -inf: the gradient is split evenly"),
        Singular((_a([np.inf, 0.0]), _a([np.inf, 0.0])), grads=(_a([0.5, 0.5]),) * 2,
                 note="both +inf: split evenly too, with no warning"))),
    _unary("sin"), _unary("cos"), _unary("tan", "unit"),
    _unary("arcsin", "unit"), _unary("arccos", "unit"), _unary("arctan"),
    _unary("sinh"), _unary("cosh"), _unary("tanh"),
    _unary("arcsinh"), _unary("arccosh", "above_one"), _unary("arctanh", "unit"),
    _binary("arctan2", "away_from_zero", "away_from_zero"),
    _binary("hypot", "away_from_zero", "away_from_zero", singular=(
        Singular((_a([0.0, 3.0]), _a([0.0, 4.0])), grads=(_a([0.0, 0.6]), _a([0.0, 0.8])),
                 note="hypot(0, 0): subgradient 0"),)),
    _unary("absolute", "away_from_zero", singular=(
        Singular((_a([0.0, -1.0, 2.0]),), grads=(_a([0.0, -1.0, 1.0]),), note="|x|' = 0 at 0"),)),
    Case("maximum", lambda xp, x, y: xp.maximum(x, y), S.binary_distinct(), singular=(
        Singular((_a([1.0, 2.0]), _a([1.0, 0.0])), note="a tie splits the gradient 1/2, 1/2"),
        Singular((_a([1.0, 2.0]), _a([1.0, 0.0])), grads=(_a([0.5, 1.0]), _a([0.5, 0.0]))))),
    Case("minimum", lambda xp, x, y: xp.minimum(x, y), S.binary_distinct(), singular=(
        Singular((_a([1.0, 2.0]), _a([1.0, 0.0])), grads=(_a([0.5, 0.0]), _a([0.5, 1.0]))),)),
    Case("fmax", lambda xp, x, y: xp.fmax(x, y), S.binary_distinct(), singular=(
        Singular((_a([np.nan, 2.0]), _a([1.0, np.nan])), grads=(_a([0.0, 1.0]), _a([1.0, 0.0])),
                 note="NaN is ignored: the other input gets the gradient"),)),
    Case("fmin", lambda xp, x, y: xp.fmin(x, y), S.binary_distinct()),
    Case("where", lambda xp, c, x, y: xp.where(c, x, y), S.ternary_where()),
    Case("astype", lambda xp, x: x.astype(x.dtype), S.unary()),
    Case("remainder", lambda xp, x, y: xp.remainder(x, y),
         S.binary((0.1, 0.9), (1.0, 2.0))),
    Case("stop_gradient", lambda xp, x: __import__("funcgrad").stop_gradient(x) * 1.0, S.unary(),
         reference=False, differentiable=False),
    Case("real", lambda xp, x: xp.real(x), S.unary()),
    Case("imag", lambda xp, x: xp.imag(x), S.unary(), differentiable=False),
    Case("conjugate", lambda xp, x: xp.conjugate(x), S.unary()),
]

for _name in ["sign", "floor", "ceil", "rint", "trunc", "isnan", "isinf", "isfinite",
              "logical_not"]:
    CASES.append(_nondiff(_name, S.unary()))
CASES.append(Case("round", lambda xp, x: xp.round(x, 1), S.unary(), differentiable=False))
for _name in ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
              "logical_and", "logical_or", "logical_xor", "floor_divide"]:
    CASES.append(_nondiff(_name, S.binary("real", "away_from_zero")))
