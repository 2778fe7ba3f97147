"""Passes that shorten a recorded trace before jit compiles it.

- constant folding: an equation none of whose inputs is a variable computed the same value while
  tracing as it always will, so its output becomes that constant;
- no-op removal: reshape/broadcast_to to the same shape, identity transposes, astype to the same
  dtype, stop_gradient (the identity at run time), x * 1, x + 0 and the like, and where() on a
  constant condition that picks one whole operand become that input;
- common-subexpression elimination: the same primitive on the same inputs with the same params is
  computed once;
- uniform constants and broadcasts: an elementwise op reads a constant array of one repeated
  value as that value, and the input of a broadcast_to when NumPy would broadcast it the same way;
- negation folding: x + (-y) and -y + x become x - y, x - (-y) becomes x + y, and
  x + c * (-y) becomes x - c * y (the same values in IEEE arithmetic, one operation fewer; the
  chain rule writes such negations for every minus sign of a derivative);
- dead-code elimination: only what an output, a guard or an effect (debug callbacks) needs is
  kept.

Guards (value-dependent decisions recorded while tracing, see jit.py) are `(var, value, where)`;
they keep their variable alive and are rewritten with it.
"""
from __future__ import annotations

import operator

import numpy as np

from funcgrad.core.ir import Equation, Trace, Var
from funcgrad.primitives.elementwise import add, multiply, negative, subtract

_IDENTITY_AT_RUN_TIME = {"stop_gradient"}


def _unchanged_input(eq: Equation, inputs):
    """The input the equation returns unchanged (a no-op), or None."""
    name = eq.primitive.name
    if name in _NEUTRAL and len(inputs) == 2:
        return _neutral_operand(eq, inputs)
    if name == "where" and len(inputs) == 3:
        return _selected_operand(eq, inputs)
    return inputs[0] if _is_noop(eq, inputs) else None


def _selected_operand(eq, inputs):
    """where(c, x, y) with a constant c that picks all of x (or all of y) of the result's shape."""
    c, x, y = inputs
    if type(c) is Var or np.size(c) == 0 or not isinstance(c, (bool, np.bool_, np.ndarray)):
        return None
    chosen = x if np.all(c) else y if not np.any(c) else None
    out = eq.outputs[0]
    if type(chosen) is Var and chosen.shape == out.shape and chosen.dtype == out.dtype:
        return chosen
    return None


def _is_noop(eq: Equation, inputs) -> bool:
    name = eq.primitive.name
    if name in _IDENTITY_AT_RUN_TIME:
        return True
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
        if eq.primitive.family == "effect":  # runs at every call: never folded, merged or dropped
            kept.append(Equation(eq.primitive, tuple(resolve(x) for x in eq.inputs), eq.outputs,
                                 eq.params))
            continue
        inputs = _shrink_uniform_constants(eq, tuple(resolve(x) for x in eq.inputs))
        if not any(type(x) is Var for x in inputs):
            for v in eq.outputs:
                subst[id(v)] = v.value
            continue
        keep = _unchanged_input(eq, inputs)
        if keep is not None:
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
    kept = _skip_broadcasts(kept)
    kept, num_vars = _fold_negations(kept, outputs, guards, trace.num_vars)
    return Trace(trace.inputs, _live(kept, outputs, guards), outputs, num_vars), guards


def _elementwise_binary(eq) -> bool:
    impl = eq.primitive.impl
    return not eq.params and len(eq.inputs) == 2 and len(eq.outputs) == 1 and (
        impl in (operator.add, operator.sub, operator.mul, operator.truediv)
        or isinstance(impl, np.ufunc) and impl.nin == 2 and impl.nout == 1
        and impl not in (np.matmul, np.power))


def _shrink_uniform_constants(eq, inputs):
    """In `x op c`, a constant array holding one value throughout is that one value (a NumPy
    scalar of its dtype: the same result type) when x alone gives the result its shape; for
    float64 with float64, a Python float, which prints as a literal: a materialised seed
    `c * x` with c a (128, 10) array of -1/128 becomes `-0.0078125 * x`."""
    if not _elementwise_binary(eq):
        return inputs
    out = eq.outputs[0]
    shrunk = list(inputs)
    for p in (0, 1):
        c, other = inputs[p], inputs[1 - p]
        if type(c) is np.ndarray and c.size and type(other) is Var \
                and other.shape == out.shape and np.all(c == c.flat[0]):
            value = c.flat[0]
            same = c.dtype == np.float64 and other.dtype == np.float64
            shrunk[p] = float(value) if same and np.isfinite(value) else value
    return tuple(shrunk)


def _skip_broadcasts(equations) -> list:
    """Elementwise ops read `y` instead of `broadcast_to(y, shape)` where broadcasting `y` with
    the other operand gives the result's shape anyway (NumPy broadcasts them the same way)."""
    source = {id(eq.outputs[0]): eq.inputs[0] for eq in equations
              if eq.primitive.name == "broadcast_to" and type(eq.inputs[0]) is Var}
    rewritten = []
    for eq in equations:
        if _elementwise_binary(eq) and any(id(x) in source for x in eq.inputs if type(x) is Var):
            inputs = list(eq.inputs)
            for p in (0, 1):
                y = source.get(id(inputs[p])) if type(inputs[p]) is Var else None
                if y is not None and np.broadcast_shapes(
                        y.shape, np.shape(_value(inputs[1 - p]))) == eq.outputs[0].shape:
                    inputs[p] = y
            eq = Equation(eq.primitive, tuple(inputs), eq.outputs, eq.params)
        rewritten.append(eq)
    return rewritten


def _live(equations, outputs, guards) -> list:
    """The equations an output or a guard needs, in order."""
    live = {id(x) for x in outputs if type(x) is Var} | {id(g[0]) for g in guards}
    needed = []
    for eq in reversed(equations):
        if eq.primitive.family == "effect" or any(id(v) in live for v in eq.outputs):
            needed.append(eq)
            live.update(id(x) for x in eq.inputs if type(x) is Var)
    needed.reverse()
    return needed


def _fold_negations(equations, outputs, guards, num_vars):
    """(equations with x + (-y) as x - y and the like, the new variable count); the negations
    and products they no longer read are left for dead-code elimination."""
    uses: dict[int, int] = {}
    for x in [x for eq in equations for x in eq.inputs] + list(outputs) + [g[0] for g in guards]:
        if type(x) is Var:
            uses[id(x)] = uses.get(id(x), 0) + 1
    defined_by = {id(v): eq for eq in equations for v in eq.outputs}

    def single_use(x, primitive):
        eq = defined_by.get(id(x)) if type(x) is Var else None
        return eq if eq is not None and eq.primitive is primitive and not eq.params \
            and uses[id(x)] == 1 and _real(x) else None

    def negated(x):
        """y if x = -y is read only here, else None."""
        eq = single_use(x, negative)
        return eq.inputs[0] if eq is not None else None

    def negated_product(x):
        """(c, y) if x = c * (-y) (or (-y) * c) is read only here, else None."""
        eq = single_use(x, multiply)
        if eq is None:
            return None
        c, n = eq.inputs
        if negated(n) is None:
            c, n = n, c
        y = negated(n)
        return None if y is None else (c, y)

    folded = []
    for eq in equations:
        if eq.primitive not in (add, subtract) or eq.params:
            folded.append(eq)
            continue
        x, y = eq.inputs
        if eq.primitive is add and negated(y) is None and negated_product(y) is None:
            x, y = y, x                                   # -y + x = x + (-y): addition commutes
        flip = {add: subtract, subtract: add}[eq.primitive]
        if negated(y) is not None:
            folded.append(Equation(flip, (x, negated(y)), eq.outputs, {}))
        elif (pair := negated_product(y)) is not None:
            c, inner = pair
            product = Var(multiply.impl(_value(c), _value(inner)), num_vars)
            num_vars += 1
            folded.append(Equation(multiply, (c, inner), (product,), {}))
            folded.append(Equation(flip, (x, product), eq.outputs, {}))
        else:
            folded.append(eq)
    return folded, num_vars


def _real(x) -> bool:
    """Real floats and integers: where -(c * y) == c * (-y) exactly (rounding is symmetric)."""
    dtype = x.dtype
    return np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.integer)


def _value(x):
    return x.value if type(x) is Var else x


def _shape(x):
    return np.shape(_value(x))
