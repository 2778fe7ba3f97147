"""The random primitives (funcgrad/random/_primitives.py): draws as pure functions of a key.

None has a derivative (the key is an integer; gamma's derivative in alpha comes from the
implicit reparameterisation in funcgrad.random.gamma, tested in tests/test_random.py), and NumPy
has no keyed counterpart, so values are checked in tests/test_random.py (reference=False here).
"""
import numpy as np
from hypothesis import strategies as st

from funcgrad.random import _primitives as P
from tests.opinfo import Case
from tests.opinfo import strategies as S

_keys = st.tuples(st.integers(0, 2 ** 32 - 1), st.integers(0, 2 ** 32 - 1)).map(
    lambda k: np.array(k, dtype=np.uint32))
_shapes = S.shapes(min_dims=0, max_dims=2)
_floats = st.sampled_from([np.float64, np.float32])


def _draw(prim):
    return lambda xp, key, **static: prim.bind(key, **static)


def _with_param(prim):
    return lambda xp, key, param, **static: prim.bind(key, param, **static)


def _param_sample(domain, dtype_choices):
    return st.tuples(_keys, _shapes, dtype_choices).flatmap(
        lambda s: st.tuples(st.just(s[0]), S.values(s[1], domain),
                            st.just({"shape": s[1], "dtype": np.dtype(s[2])})))


CASES = [
    Case("random_split", _draw(P.split_p),
         st.tuples(_keys, _shapes.map(lambda s: {"shape": s})), reference=False,
         differentiable=False),
    Case("random_fold_in", lambda xp, key, data: P.fold_in_p.bind(key, data),
         st.tuples(_keys, st.integers(0, 2 ** 31).map(np.int64)), reference=False,
         differentiable=False),
    Case("random_bits", _draw(P.bits_p),
         st.tuples(_keys, st.tuples(_shapes, st.sampled_from(["uint8", "uint32", "uint64"]))
                   .map(lambda s: {"shape": s[0], "dtype": np.dtype(s[1])})),
         reference=False, differentiable=False),
    Case("random_uniform", _draw(P.uniform_p),
         st.tuples(_keys, st.tuples(_shapes, _floats).map(
             lambda s: {"shape": s[0], "dtype": np.dtype(s[1])})),
         reference=False, differentiable=False),
    Case("random_normal", _draw(P.normal_p),
         st.tuples(_keys, st.tuples(_shapes, _floats).map(
             lambda s: {"shape": s[0], "dtype": np.dtype(s[1])})),
         reference=False, differentiable=False),
    Case("random_gamma", _with_param(P.gamma_p), _param_sample("positive", _floats),
         reference=False, differentiable=False),
    Case("random_poisson", _with_param(P.poisson_p),
         _param_sample("positive", st.just(np.int64)), reference=False, differentiable=False),
]
