"""Special functions (values checked against SciPy in tests/test_scipy.py)."""
import dataclasses

import numpy as np
from hypothesis import strategies as st

from tests.opinfo import Case, Singular
from tests.opinfo import strategies as S
from funcgrad.primitives import special as sp

S.DOMAINS.setdefault("half_open_unit", (-0.9, 0.9))
S.DOMAINS.setdefault("probability", (0.05, 0.95))


def _prim(name, domain="real", **kw):
    return Case(name, lambda xp, x: getattr(sp, name)(x), S.unary(domain), reference=False, **kw)


_a = np.array
CASES = [
    _prim("erf"), _prim("erfc"), _prim("erfinv", "half_open_unit"),
    _prim("gammaln", "positive"), _prim("digamma", "positive"), _prim("gamma", "positive"),
    Case("polygamma", lambda xp, x, n: sp.polygamma_p.bind(x, n=n),
         st.tuples(S.array("positive"), st.fixed_dictionaries({"n": st.integers(1, 3)})),
         reference=False),
    _prim("log_ndtr"), _prim("ndtri", "probability"),
    _prim("i0", singular=(Singular((_a([0.0, 1.0]),), order=2, note="smooth at 0"),)),
    _prim("i1", singular=(Singular((_a([0.0, 1.0]),), order=2, note="i1' = 1/2 at 0"),)),
    _prim("i0e", "away_from_zero"),
    Case("iv", lambda xp, x, n: sp.iv_p.bind(x, n=n),
         st.tuples(S.array(), st.fixed_dictionaries({"n": st.integers(2, 4)})), reference=False,
         singular=(Singular((_a([0.0, 1.0]), {"n": 2}), order=2),)),
    Case("ive", lambda xp, x, n: sp.ive_p.bind(x, n=n),
         st.tuples(S.array("away_from_zero"), st.fixed_dictionaries({"n": st.integers(2, 4)})),
         reference=False),
    _prim("i1e", "away_from_zero"),
]

# the values (and some derivatives) come from SciPy: these cases skip without it (tests/conftest.py)
CASES = [dataclasses.replace(case, tags=case.tags + ("scipy",)) for case in CASES]
