"""Reductions: sum, prod, max, min, cumulative sum/product, argmax/argmin, any/all, and the
composites on them (mean, var, std, logsumexp, softmax)."""
import numpy as np
from hypothesis import strategies as st

from tests.opinfo import Case, Singular
from tests.opinfo import strategies as S

_a = np.array


def _with_axis_keepdims(arrays):
    """(x, {"axis": ..., "keepdims": ...}) samples."""
    return S.with_axis(arrays).flatmap(
        lambda xa: st.booleans().map(lambda k: (xa[0], {"axis": xa[1], "keepdims": k})))


def _with_axis(arrays, allow_none=True):
    return S.with_axis(arrays, allow_none).map(lambda xa: (xa[0], {"axis": xa[1]}))


def _reduce(name, arrays, **kw):
    return Case(name, lambda xp, x, **static: getattr(xp, name)(x, **static),
                _with_axis_keepdims(arrays), **kw)


def _distinct_arrays(min_dims=0):
    return S.shapes(min_dims=min_dims).flatmap(S.distinct)


def _fnp():
    import funcgrad.numpy as fnp
    return fnp


_zeros = _a([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
_row = {"axis": 1, "keepdims": False}
CASES = [
    _reduce("sum", S.array()),
    _reduce("prod", S.array(), singular=(
        Singular((_zeros, _row), order=2, note="one and several zeros: exact, no division"),
        Singular((_zeros, {"axis": None, "keepdims": False}), order=2),
        Singular((_zeros, _row), grads=(_a([[6.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),)))),
    _reduce("max", _distinct_arrays(), singular=(
        Singular((_a([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), _row),
                 grads=(_a([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]),),
                 note="ties share the gradient equally"),
        Singular((_a([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]), _row),
                 note="a two-way tie: equal to central differences"))),
    _reduce("min", _distinct_arrays(), singular=(
        Singular((_a([1.0, 1.0, 2.0]), {"axis": None, "keepdims": False}),
                 grads=(_a([0.5, 0.5, 0.0]),)),)),
    Case("cumsum", lambda xp, x, axis: xp.cumsum(x, axis=axis), _with_axis(S.array())),
    Case("cumprod", lambda xp, x, axis: xp.cumprod(x, axis=axis), _with_axis(S.array()),
         singular=(Singular((_a([[0.0, 2.0, 0.0], [3.0, 0.0, 5.0]]), {"axis": 1}), order=2,
                            note="zeros: exact, no division"),
                   # sum(cumprod(x)) = x0 + x0 x1 + x0 x1 x2 at (2, 0, 3)
                   Singular((_a([2.0, 0.0, 3.0]), {"axis": 0}), grads=(_a([1.0, 8.0, 0.0]),)))),
    Case("argmax", lambda xp, x, **static: xp.argmax(x, **static),
         _with_axis_keepdims(_distinct_arrays()), differentiable=False),
    Case("argmin", lambda xp, x, **static: xp.argmin(x, **static),
         _with_axis_keepdims(_distinct_arrays()), differentiable=False),
    _reduce("any", S.array(), differentiable=False),
    _reduce("all", S.array(), differentiable=False),
    # composites: their derivatives come from the primitives above
    Case("sum", lambda xp, x, axis: xp.mean(x, axis=axis), _with_axis(S.array()), name="mean"),
    Case("sum", lambda xp, x: xp.var(x, axis=0, ddof=1),
         S.array(min_dims=1).filter(lambda x: x.shape[0] > 1).map(lambda x: (x,)),
         name="var_ddof1"),
    Case("sum", lambda xp, x: xp.std(x), _distinct_arrays(min_dims=1).filter(
        lambda x: x.size > 1).map(lambda x: (x,)), name="std", singular=(
            Singular((_a([2.0]),), grads=(_a([0.0]),), note="one element: subgradient 0"),
            Singular((_a([[1.5, 1.5], [1.5, 1.5]]),), grads=(np.zeros((2, 2)),),
                     note="equal elements: subgradient 0, as norm at 0"))),
    Case("sum", lambda xp, x: xp.std(x, axis=1), S.values((2, 3)).filter(
        lambda x: np.all(np.ptp(x, axis=1) > 1e-3)).map(lambda x: (x,)), name="std_axis",
        singular=(Singular((_a([[1.0, 1.0, 1.0], [0.0, 1.0, 2.0]]),),
                           grads=(_a([[0.0, 0.0, 0.0], [-0.5, 0.0, 0.5]]) / np.sqrt(2 / 3) / 1.5,),
                           note="one constant row: its gradient is 0, the other row's is exact"),)),
    Case("max", lambda xp, x: _fnp().logsumexp(x, axis=-1), S.unary(min_dims=1),
         name="logsumexp", reference=False, singular=(
             Singular((_a([[-np.inf, -np.inf], [0.0, -np.inf]]),),
                      grads=(_a([[0.0, 0.0], [1.0, 0.0]]),), note="a -inf row: zero gradient"),)),
    Case("sum", lambda xp, x: _fnp().softmax(x, axis=-1), S.unary(min_dims=1), name="softmax",
         reference=False),
]
