"""Primitives of ODE sensitivities (funcgrad/transforms/ode.py): odeint (forward sensitivities,
the adjoint method), ode_tangent and ode_adjoint, checked to second order in both modes against
finite differences. The solves run at rtol = atol = 1e-10 (DOP853) so that finite differences see a
smooth function."""
import numpy as np
from hypothesis import strategies as st

import funcgrad.numpy as fnp
from funcgrad.transforms.ode import OdeProblem, ode_adjoint_p, ode_tangent_p, odeint_p

from tests.opinfo import Case
from tests.opinfo import strategies as S

TS = np.array([0.0, 0.4, 1.0])
# "adaptive": the values come from an adaptive solver, so evaluations that solve different sets
# of tangents together (a batched jacfwd, compressed seeds) agree to its tolerance, not bitwise
TAGS = ("scipy", "adaptive")


def _rhs(y, t, p):
    # y' = M y - 0.1 y^2 + sin(t) p_4, M = tanh(p_0..3) - I (a contraction, smooth in p)
    m = fnp.reshape(fnp.tanh(p[:4]), (2, 2)) - np.eye(2)
    return m @ y - 0.1 * y ** 2 + fnp.sin(t) * p[4]


PROBLEM = OdeProblem(_rhs, 2, 5, np.float64, method="DOP853", rtol=1e-10, atol=1e-10,
                     name="case")


def _small_rhs(y, t, p):
    # two states, one parameter: the full sensitivity matrix of the references has 3 rows
    return -(1.0 + 0.5 * fnp.tanh(p)) * y + 0.2 * fnp.sin(t + y[::-1])


SMALL = OdeProblem(_small_rhs, 2, 1, np.float64, method="DOP853", rtol=1e-10, atol=1e-10,
                   name="small case")
FORWARD = OdeProblem(_rhs, 2, 5, np.float64, method="DOP853", rtol=1e-10, atol=1e-10, name="case",
                     sensitivity="forward")


def _inputs(*sizes):
    return st.tuples(*[S.values((s,), domain=(-1.0, 1.0)) for s in sizes])


def _times():
    # strictly increasing: a start and two positive steps
    return st.tuples(st.floats(-0.5, 0.5), st.floats(0.2, 0.6), st.floats(0.2, 0.6)).map(
        lambda a: np.cumsum(np.array(a, np.float64)))


CASES = [
    Case("odeint", lambda xp, y0, p: odeint_p.bind(y0, TS, p, problem=PROBLEM),
         _inputs(2, 5), reference=False, float32=False, tags=TAGS),
    Case("odeint", lambda xp, y0, p: odeint_p.bind(y0, TS, p, problem=FORWARD),
         _inputs(2, 5), name="forward_sensitivity", reference=False, float32=False, order=1,
         tags=TAGS),
    Case("odeint", lambda xp, y0, ts: odeint_p.bind(y0, ts, np.full(5, 0.3), problem=PROBLEM),
         st.tuples(S.values((2,), domain=(-1.0, 1.0)), _times()), name="times",
         reference=False, float32=False, order=1, tags=TAGS),
    Case("ode_tangent", lambda xp, y0, p, s0, dp: ode_tangent_p.bind(
        y0, TS, p, s0, dp, problem=SMALL, batched=0), _inputs(2, 1, 2, 1),
        reference=False, float32=False, order=1, tags=TAGS),
    Case("ode_adjoint", lambda xp, g, y0, p: ode_adjoint_p.bind(
        fnp.reshape(g, (3, 2)), y0, TS, p, problem=SMALL, batched=0), _inputs(6, 2, 1),
        reference=False, float32=False, order=1, tags=TAGS),
]
