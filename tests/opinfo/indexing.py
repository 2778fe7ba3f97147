"""Indexing: getitem (slices, ints, None, Ellipsis, integer arrays, masks), index_add, sort,
argsort, take_along_axis and its transpose, and diagonal/diag/trace/tril/triu on them."""
import numpy as np
from hypothesis import strategies as st

from funcgrad.primitives import indexing as ix
from tests.opinfo import Case, Singular
from tests.opinfo import strategies as S

_a = np.array
_x34 = S.values((3, 4))
_square = st.integers(1, 3).flatmap(lambda n: S.values((n, n)).map(lambda x: (x,)))


def _index_case(name, index):
    return Case("getitem", lambda xp, x: x[index], _x34.map(lambda x: (x,)), name=name)


def _sorted_axis(arrays):
    return S.with_axis(arrays, allow_none=False).map(lambda xa: (xa[0], {"axis": xa[1]}))


_distinct = S.shapes(min_dims=1).flatmap(S.distinct)
CASES = [
    _index_case("int", 1),
    _index_case("slice", (slice(None), slice(1, None, 2))),
    _index_case("negative_step", (slice(None, None, -1), -1)),
    _index_case("none_ellipsis", (None, Ellipsis, 2)),
    _index_case("int_array", (_a([0, 2]), slice(None))),
    _index_case("repeated", (_a([1, 1, 0, 1]),)),          # repeated indices: cotangents sum
    _index_case("two_arrays", (_a([0, 2]), _a([3, 1]))),
    _index_case("separated_arrays", (_a([[0], [2]]), slice(1, 3), )),
    _index_case("mask", (_a([True, False, True]),)),
    _index_case("full_mask", (np.arange(12).reshape(3, 4) % 3 == 0,)),
    Case("getitem", lambda xp, x: x[_a([1, 0]), :, _a([0, 0])],
         S.values((2, 3, 2)).map(lambda x: (x,)), name="advanced_first"),
    Case("index_add", lambda xp, x, u: ix.index_add_p.bind(x, u, index=(_a([0, 2, 0]),)),
         st.tuples(_x34, S.values((3, 4))), reference=False),
    Case("index_add", lambda xp, x, u: ix.index_add_p.bind(x, u, index=(slice(None), _a([1, 1]))),
         st.tuples(_x34, S.values((2,))), name="broadcast_updates", reference=False),
    Case("sort", lambda xp, x, axis: xp.sort(x, axis=axis), _sorted_axis(_distinct), singular=(
        Singular((_a([2.0, 1.0, 2.0]), {"axis": 0}), grads=(_a([1.0, 1.0, 1.0]),),
                 note="ties: each input follows its slot in the stable order"),)),
    Case("sort", lambda xp, x: xp.sort(x, axis=0) * _a([1.0, 2.0, 3.0], dtype=x.dtype),
         S.distinct((3,)).map(lambda x: (x,)), name="weighted", singular=(
             Singular((_a([2.0, 1.0, 2.0]),), grads=(_a([2.0, 1.0, 3.0]),),
                      note="tie: the first 2.0 takes slot 1, the second slot 2"),)),
    Case("argsort", lambda xp, x, axis: xp.argsort(x, axis=axis), _sorted_axis(_distinct),
         differentiable=False),
    Case("take_along_axis",
         lambda xp, x: xp.take_along_axis(x, np.argsort(np.asarray(_value(x)), axis=-1)[..., ::-1],
                                          axis=-1), _distinct.map(lambda x: (x,))),
    Case("add_along_axis",
         lambda xp, u: ix.add_along_axis_p.bind(u, _a([[0, 0], [2, 1]]), axis=1, shape=(2, 3)),
         S.values((2, 2)).map(lambda u: (u,)), reference=False),
    Case("getitem", lambda xp, x: xp.take(x, [0, 0, -1], axis=-1), S.unary(min_dims=1),
         name="take"),
    Case("getitem", lambda xp, x: xp.diagonal(x), _square, name="diagonal"),
    Case("getitem", lambda xp, x: xp.diagonal(x, 1), _square, name="diagonal_offset"),
    Case("getitem", lambda xp, x: xp.trace(x), _square, name="trace"),
    Case("index_add", lambda xp, v: xp.diag(v), S.unary(min_dims=1, max_dims=1), name="diag"),
    Case("index_add", lambda xp, v: xp.diag(v, -1), S.unary(min_dims=1, max_dims=1), name="diag_k"),
    Case("where", lambda xp, x: xp.tril(x), _square, name="tril"),
    Case("where", lambda xp, x: xp.triu(x, 1), _square, name="triu"),
]


def _value(x):
    from funcgrad.core.tracer import concrete_value
    return concrete_value(x)
