"""Contractions: matmul and einsum, and tensordot, dot, inner, outer, trace on them."""
from hypothesis import strategies as st

from tests.opinfo import Case
from tests.opinfo import strategies as S


def _arrays(*shapes):
    return st.tuples(*[S.values(s) for s in shapes])


_n = st.integers(1, 3)


def _einsum(spec, *shape_fns):
    """An einsum case: shapes built from three drawn sizes."""
    return Case("einsum", lambda xp, *ops: xp.einsum(spec, *ops),
                st.tuples(_n, _n, _n).flatmap(lambda ijk: _arrays(*[f(*ijk) for f in shape_fns])),
                name=spec.replace("->", "_to_").replace(",", "_").replace("...", "E") or "scalar")


CASES = [
    Case("matmul", lambda xp, a, b: xp.matmul(a, b), S.matrix_pair()),
    Case("matmul", lambda xp, a, b: a @ b, S.matrix_pair(batch=False), name="operator"),
    Case("matmul", lambda xp, a, b: xp.dot(a, b), S.matrix_pair(batch=False), name="dot"),
    _einsum("ij,jk->ik", lambda i, j, k: (i, j), lambda i, j, k: (j, k)),
    _einsum("ij,jk", lambda i, j, k: (i, j), lambda i, j, k: (j, k)),
    _einsum("ii->i", lambda i, j, k: (i, i)),
    _einsum("ii", lambda i, j, k: (i, i)),
    _einsum("iij->j", lambda i, j, k: (i, i, j)),
    _einsum("ij->", lambda i, j, k: (i, j)),
    _einsum("ij,ij->i", lambda i, j, k: (i, j), lambda i, j, k: (i, j)),
    _einsum("i,j", lambda i, j, k: (i,), lambda i, j, k: (j,)),
    _einsum("...ij,...jk->...ik", lambda i, j, k: (2, i, j), lambda i, j, k: (j, k)),
    _einsum("bi,bj,bk->bijk", lambda i, j, k: (2, i), lambda i, j, k: (2, j), lambda i, j, k: (2, k)),
    _einsum("ij,j->", lambda i, j, k: (i, j), lambda i, j, k: (1,)),
    Case("einsum", lambda xp, a, b: xp.tensordot(a, b, axes=([1, 2], [0, 1])),
         st.tuples(_n, _n, _n).flatmap(lambda s: _arrays((2,) + s[:2], s[:2] + (s[2],))),
         name="tensordot"),
    Case("einsum", lambda xp, a, b: xp.tensordot(a, b, axes=1),
         st.tuples(_n, _n).flatmap(lambda s: _arrays(s, s[1:] + (2,))), name="tensordot_int"),
    Case("einsum", lambda xp, a, b: xp.dot(a, b),
         st.tuples(_n, _n).flatmap(lambda s: _arrays((2,) + s, (2, s[1], 1))), name="dot_nd"),
    Case("einsum", lambda xp, a, b: xp.inner(a, b),
         st.tuples(_n, _n).flatmap(lambda s: _arrays(s, (2, s[1]))), name="inner"),
    Case("multiply", lambda xp, a, b: xp.outer(a, b), S.binary(), name="outer"),
]
