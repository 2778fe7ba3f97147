"""The rest of NumPy's elementwise functions: sinc (safe at 0), fmod, copysign, heaviside, ldexp,
and the ones with no derivative (bit operations, number-representation queries)."""
import numpy as np
from hypothesis import strategies as st

from tests.opinfo import Case, Singular
from tests.opinfo import strategies as S
from funcgrad.primitives import elementwise as ew

_a = np.array


def integers(shape_strategy=None):
    shape_strategy = shape_strategy or S.shapes()
    return shape_strategy.flatmap(lambda s: S.hnp.arrays(np.int64, s, elements=st.integers(0, 9)))


def _int_pair():
    return S.broadcast_pair().flatmap(lambda shapes: st.tuples(
        *[S.hnp.arrays(np.int64, s, elements=st.integers(0, 9)) for s in shapes]))


CASES = [
    Case("sinc", lambda xp, x: xp.sinc(x), S.unary(), singular=(
        Singular((_a([0.0, 0.5]),), order=2, note="sinc at 0: derivatives from the series"),)),
    Case("sinc_d1", lambda xp, x: ew.sinc_d1(x), S.unary(), reference=False, singular=(
        Singular((_a([0.0, 1e-4, 0.5]),), order=1),)),
    Case("sinc_d2", lambda xp, x: ew.sinc_d2(x), S.unary(), reference=False, order=1),
    Case("fmod", lambda xp, x, y: xp.fmod(x, y), S.binary((0.1, 0.9), (1.0, 2.0))),
    Case("copysign", lambda xp, x, y: xp.copysign(x, y),
         S.binary("away_from_zero", "away_from_zero")),
    Case("heaviside", lambda xp, x, h: xp.heaviside(x, h), S.binary("away_from_zero", "real"),
         singular=(Singular((_a([0.0, 1.0]), _a([0.3, 0.3])), grads=(_a([0.0, 0.0]), _a([1.0, 0.0])),
                            note="h0 is the value at x == 0"),)),
    Case("ldexp", lambda xp, x, e: xp.ldexp(x, e),
         S.unary().flatmap(lambda t: st.tuples(st.just(t[0]), S.hnp.arrays(
             np.int64, np.shape(t[0]), elements=st.integers(-3, 3))))),
    Case("frexp_exponent", lambda xp, x: xp.frexp(x)[1], S.unary("away_from_zero"),
         differentiable=False),
    Case("signbit", lambda xp, x: xp.signbit(x), S.unary(), differentiable=False),
    Case("spacing", lambda xp, x: xp.spacing(x), S.unary(), differentiable=False),
    Case("nextafter", lambda xp, x, y: xp.nextafter(x, y), S.binary(), differentiable=False),
    Case("invert", lambda xp, x: xp.invert(x), integers().map(lambda x: (x,)),
         differentiable=False),
    Case("bitwise_count", lambda xp, x: xp.bitwise_count(x), integers().map(lambda x: (x,)),
         differentiable=False),
]
for _name in ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift", "gcd", "lcm"]:
    CASES.append(Case(_name, lambda xp, x, y, _n=_name: getattr(xp, _n)(x, y), _int_pair(),
                      differentiable=False))
