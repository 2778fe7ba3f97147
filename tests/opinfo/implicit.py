"""Primitives of implicit derivatives (funcgrad/transforms/implicit.py): implicit_root and
linear_solve, checked to second order in both modes against finite differences."""
import numpy as np
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.transforms.implicit import linear_solve

from tests.opinfo import Case
from tests.opinfo import strategies as S


def _residual(x, a, b):
    return x + 0.3 * fnp.tanh(b * x) - a   # dF/dx = 1 + 0.3 b sech^2(b x) >= 0.4 for |b| <= 2


def _newton(x, a, b):
    """The root of _residual on plain values, to machine precision."""
    x = np.array(x, np.float64)
    for _ in range(100):
        step = (x + 0.3 * np.tanh(b * x) - a) / (1.0 + 0.3 * b / np.cosh(b * x) ** 2)
        x = x - step
        if np.all(np.abs(step) <= 1e-16 * (1.0 + np.abs(x))):
            break
    return x.astype(np.result_type(a, b))


_root = fg.custom_root(_residual, _newton)
_root_gmres = fg.custom_root(_residual, _newton, tangent_solve="gmres")


def _pair():
    return S.shapes().flatmap(lambda s: st.tuples(S.values(s), S.values(s)))


def _matrix_and_vector():
    return st.tuples(S.values((3, 3)), S.values((3,)))


def _operator(v, m):
    return (3.0 * np.eye(3) + 0.5 * fnp.tanh(m)) @ v


CASES = [
    Case("implicit_root", lambda xp, a, b: _root(a * 0.0, a, b), _pair()),
    Case("implicit_root", lambda xp, a, b: _root_gmres(a * 0.0, a, b), _pair(), name="gmres",
         float32=False, tags=("scipy",)),
    Case("linear_solve", lambda xp, m, b: linear_solve(_operator, b, m), _matrix_and_vector()),
    Case("linear_solve", lambda xp, m, b: linear_solve(_operator, b, m, method="gmres"),
         _matrix_and_vector(), name="gmres", float32=False, tags=("scipy",)),
]
