"""Matrix functions without a composite form (funcgrad/primitives/matrix_functions.py); values are
checked against SciPy in tests/test_scipy_linalg.py."""
import dataclasses

import numpy as np
from hypothesis import strategies as st

from tests.opinfo import Case
from tests.opinfo.linalg import _matrices
from funcgrad.primitives import matrix_functions as mf


def _positive_definite():
    return st.integers(1, 3).flatmap(lambda k: _matrices(k, k, batch=False).map(
        lambda e: (e @ e.T + k * np.eye(k) + 0.1 * e,)))  # not symmetric: the general Sylvester case


CASES = [
    Case("sqrtm", lambda xp, a: mf.sqrtm(a), _positive_definite(), reference=False, float32=False),
]
CASES = [dataclasses.replace(case, tags=case.tags + ("scipy",)) for case in CASES]
