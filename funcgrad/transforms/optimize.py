"""Passes that shorten a recorded trace before jit compiles it.

- constant folding: an equation none of whose inputs is a variable computed the same value while
  tracing as it always will, so its output becomes that constant;
- no-op removal: reshape/broadcast_to to the same shape, identity transposes, astype to the same
  dtype and stop_gradient (the identity at run time) become their input;
- common-subexpression elimination: the same primitive on the same inputs with the same params is
  computed once;
- dead-code elimination: only what an output or a guard needs is kept.

Guards (value-dependent decisions recorded while tracing, see jit.py) are `(var, value, where)`;
they keep their variable alive and are rewritten with it.
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.ir import Equation, Trace, Var

_IDENTITY_AT_RUN_TIME = {"stop_gradient"}


def _is_noop(eq: Equation, inputs) -> bool:
    name = eq.primitive.name
    if name in _IDENTITY_AT_RUN_TIME:
        return True
    if name in _NEUTRAL and len(inputs) == 2:
        return _neutral_operand(eq, inputs) is not None
    if len(inputs) != 1 or type(inputs[0]) is not Var:
        return False
    x, params = inputs[0], eq.params
    if name in ("reshape", "broadcast_to"):
        return tuple(params["shape"]) == tuple(x.shape)
    if name == "transpose":
        return tuple(params["axes"]) == tuple(range(len(params["axes"])))
    if name == "astype":
        return np.dtype(params["dtype"]) == x.dtype
    return False


# x * 1, 1 * x, x + 0, 0 + x, x - 0, x / 1, x ** 1: the variable itself, when the constant
# changes neither its shape nor its dtype
_NEUTRAL = {"multiply": ((1, 0), 1), "add": ((1, 0), 0), "subtract": ((1,), 0),
            "divide": ((1,), 1), "power": ((1,), 1)}


def _neutral_operand(eq, inputs):
    """The input that the equation returns unchanged, or None."""
    positions, neutral = _NEUTRAL[eq.primitive.name]
    out = eq.outputs[0]
    for p in positions:
        const, other = inputs[p], inputs[1 - p]
        if type(const) is Var or type(other) is not Var:
            continue
        if isinstance(const, (np.ndarray, np.generic, int, float)) and np.size(const) <= out.value.size \
                and np.all(np.asarray(const) == neutral) and other.shape == out.shape \
                and other.dtype == out.dtype:
            return other
    return None


def _freeze(value):
    """A hashable key for a parameter or constant, equal for equal values."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__,) + tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return ("dict",) + tuple((k, _freeze(v)) for k, v in sorted(value.items()))
    if isinstance(value, slice):
        return ("slice", _freeze(value.start), _freeze(value.stop), _freeze(value.step))
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    if isinstance(value, np.generic):
        return ("scalar", value.dtype.str, value.item())
    return (type(value).__name__, value)


def _operand_key(x):
    return ("var", x.index) if type(x) is Var else ("const", _freeze(x))


def optimize(trace: Trace, guards=()):
    """(a shorter trace computing the same outputs, the guards rewritten onto it)."""
    subst: dict[int, object] = {}

    def resolve(x):
        return subst.get(id(x), x) if type(x) is Var else x

    seen: dict[tuple, tuple] = {}
    kept = []
    for eq in trace.equations:
        inputs = tuple(resolve(x) for x in eq.inputs)
        if not any(type(x) is Var for x in inputs):
            for v in eq.outputs:
                subst[id(v)] = v.value
            continue
        if _is_noop(eq, inputs):
            keep = _neutral_operand(eq, inputs) if eq.primitive.name in _NEUTRAL else inputs[0]
            subst[id(eq.outputs[0])] = keep
            continue
        key = (eq.primitive.name, tuple(_operand_key(x) for x in inputs), _freeze(eq.params))
        earlier = seen.get(key)
        if earlier is not None:
            for v, w in zip(eq.outputs, earlier):
                subst[id(v)] = w
            continue
        seen[key] = eq.outputs
        kept.append(Equation(eq.primitive, inputs, eq.outputs, eq.params))
    outputs = [resolve(x) for x in trace.outputs]
    guards = [(resolve(var), value, where) for var, value, where in guards]
    guards = [g for g in guards if type(g[0]) is Var]
    live = {id(x) for x in outputs if type(x) is Var} | {id(g[0]) for g in guards}
    needed = []
    for eq in reversed(kept):
        if any(id(v) in live for v in eq.outputs):
            needed.append(eq)
            live.update(id(x) for x in eq.inputs if type(x) is Var)
    needed.reverse()
    return Trace(trace.inputs, needed, outputs, trace.num_vars), guards
