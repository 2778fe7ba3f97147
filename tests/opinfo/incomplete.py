"""Incomplete gamma/beta functions and Student's t CDF (funcgrad/primitives/incomplete.py): checked
in their last argument; the shape parameter is static here (its derivative raises, tested in
tests/test_scipy_stats.py). Values are checked against SciPy in tests/test_scipy_stats.py."""
import dataclasses

import numpy as np
from hypothesis import strategies as st

from tests.opinfo import Case
from tests.opinfo import strategies as S
from funcgrad.primitives import incomplete as inc

S.DOMAINS.setdefault("unit_interior", (0.05, 0.95))
_shape = st.floats(0.6, 4.0)

CASES = [
    Case("gammainc", lambda xp, x, a: inc.gammainc(np.float64(a), x),
         st.tuples(S.array("positive"), st.fixed_dictionaries({"a": _shape})), reference=False,
         float32=False),
    Case("gammaincc", lambda xp, x, a: inc.gammaincc(np.float64(a), x),
         st.tuples(S.array("positive"), st.fixed_dictionaries({"a": _shape})), reference=False,
         float32=False),
    Case("stdtr", lambda xp, x, df: inc.stdtr(np.float64(df), x),
         st.tuples(S.array(), st.fixed_dictionaries({"df": _shape})), reference=False, float32=False),
    Case("betainc", lambda xp, x, a, b: inc.betainc(np.float64(a), np.float64(b), x),
         st.tuples(S.array("unit_interior"), st.fixed_dictionaries({"a": _shape, "b": _shape})),
         reference=False, float32=False),
]
CASES = [dataclasses.replace(case, tags=case.tags + ("scipy",)) for case in CASES]
