"""Primitives that carry user functions: custom_vjp_call, custom_jvp_call and checkpoint."""
import funcgrad as fg
import funcgrad.numpy as fnp

from tests.opinfo import Case
from tests.opinfo import strategies as S


@fg.custom_vjp
def sin_times(x, y):
    return fnp.sin(x) * y


def _sin_times_fwd(x, y):
    return sin_times(x, y), (fnp.cos(x), fnp.sin(x), y)


def _sin_times_bwd(residuals, g):
    cos_x, sin_x, y = residuals
    return g * cos_x * y, g * sin_x


sin_times.defvjp(_sin_times_fwd, _sin_times_bwd)


@fg.custom_jvp
def softplus(x):
    return fnp.logaddexp(x, 0.0)


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t * fnp.sigmoid(x)


_tanh_block = fg.checkpoint(lambda x, y: fnp.tanh(x * y) + x)


def _pair():
    return S.shapes().flatmap(lambda s: __import__("hypothesis").strategies.tuples(
        S.values(s), S.values(s)))


CASES = [
    Case("custom_vjp_call", lambda xp, x, y: sin_times(x, y), _pair(), modes=("rev",)),
    Case("custom_jvp_call", lambda xp, x: softplus(x), S.unary()),
    Case("checkpoint", lambda xp, x, y: _tanh_block(x, y), _pair()),
]
