"""The complex-number primitives on complex inputs (the elementwise table has their real cases)."""
import numpy as np
from hypothesis import strategies as st

from tests.opinfo import Case
from tests.opinfo import strategies as S


def complex_values(domain="real"):
    return S.shapes().flatmap(lambda s: st.tuples(S.values(s, domain), S.values(s, domain))
                              .map(lambda p: (p[0] + 1j * p[1],)))


CASES = [
    Case("real", lambda xp, z: xp.real(z), complex_values(), name="complex", float32=False),
    Case("imag", lambda xp, z: xp.imag(z), complex_values(), name="complex", float32=False),
    Case("conjugate", lambda xp, z: xp.conjugate(z), complex_values(), name="complex",
         float32=False),
    Case("absolute", lambda xp, z: xp.abs(z), complex_values("away_from_zero"), name="complex",
         float32=False),  # |z| at 0 (gradient 0): tests/test_complex.py
    Case("complex", lambda xp, x, y: x + 1j * y if xp is np else
         __import__("funcgrad.primitives.elementwise", fromlist=["x"]).complex_p(x, y),
         S.binary(), float32=False),
    Case("multiply", lambda xp, z: z * z * (1 - 2j), complex_values(), name="complex",
         float32=False),
    Case("exp", lambda xp, z: xp.exp(z), complex_values(), name="complex", float32=False),
]
