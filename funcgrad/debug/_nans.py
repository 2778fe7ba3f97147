"""NaN/inf checking: the first primitive, forward or backward, that makes a NaN or an inf from
finite inputs raises FloatingPointError naming it, the user's line and the likely cause.

When checking is off nothing here runs: turning it on *swaps in* checking versions of
`Primitive.bind` (eager operations and the rules' own operations), `Recorder.process` (each
recorded equation, which also remembers the user's line), the reverse and forward replay loops
(each rule's result, with the equation's line), and `Jitted.__call__` (a jitted function runs
op by op, as JAX re-runs a function whose output has a NaN), and turning it off swaps the
originals back. So the hot path pays nothing for the feature.
"""
from __future__ import annotations

import importlib
import sys
import threading
from typing import Any

import numpy as np

from funcgrad.core.ir import Equation, Trace, Var
from funcgrad.core.primitive import Primitive, ShapeOnly
from funcgrad.core.recorder import Recorder
from funcgrad.core.tracer import Tracer
from funcgrad.debug import _causes as C
from funcgrad.errors import user_frame


class LocatedEquation(Equation):
    """An equation recorded while checking, with the user's line that created it."""

    __slots__ = ("location",)

    def __init__(self, primitive, inputs, outputs, params, location):
        super().__init__(primitive, inputs, outputs, params)
        self.location = location


class _State(threading.local):
    def __init__(self):
        self.in_rule = 0  # > 0 while a rule runs: its result is checked as a whole


_state = _State()
_settings: dict[str, Any] = {"count": 0, "infs": True}
_originals: dict = {}


def _fail(message):
    raise FloatingPointError(message)


def _inputs_text(values) -> str:
    return "; ".join(f"input {i}: {C.summary(v)}" for i, v in enumerate(values))


def check_forward(primitive, values, out, location=None):
    """Raise if `out` has a NaN (or inf) that finite float `values` produced."""
    outs = out if primitive.multiple_results else (out,)
    infs = _settings["infs"]
    for k, o in enumerate(outs):
        if not C.is_float_array(o) or not C.bad_mask(o, infs).any():
            continue
        if not C.all_finite(values):
            return  # garbage in, garbage out: the first equation to make one already raised
        where_ = location or user_frame()
        which = f" (output {k})" if len(outs) > 1 else ""
        index = C.first_bad(o, infs)
        _fail(f"debug_nans: the primitive '{primitive.name}' produced {C.what(o, infs)}"
              f"{which} from finite inputs{f' at {where_}' if where_ else ''}.\n"
              f"  {_inputs_text(values)}\n"
              f"  first bad element: index {index}\n"
              f"  likely cause: {C.forward_cause(primitive.name, values, o)}."
              f"{C.where_hint(primitive.name)}")


# -- the swapped-in versions ---------------------------------------------------------------------

def _checking_bind(self, *args, **params):
    out = _originals["bind"](self, *args, **params)
    if _state.in_rule == 0 and self.family not in ("effect", "custom"):
        for a in args:
            if isinstance(a, Tracer):
                return out
        check_forward(self, args, out)
    return out


def _checking_process(self, primitive, args, params):
    out = _originals["process"](self, primitive, args, params)
    equations = self.equations
    if equations and _state.in_rule == 0:
        eq = equations[-1]
        location = user_frame()
        equations[-1] = LocatedEquation(eq.primitive, eq.inputs, eq.outputs, eq.params, location)
        if primitive.family not in ("effect", "custom"):
            # the values from the tracers: a recording that frees keeps in the trace only the
            # values reverse rules read
            values = [a.value if type(x) is Var else x for a, x in zip(args, eq.inputs)]
            if not any(isinstance(v, Tracer) for v in values):
                check_forward(primitive, values,
                              tuple(t.value for t in out) if primitive.multiple_results
                              else out.value, location)
    return out


def _consumers(trace) -> dict:
    """id(var) -> names of the primitives that read it."""
    readers: dict = {}
    for eq in trace.equations:
        for x in eq.inputs:
            if type(x) is Var:
                readers.setdefault(id(x), set()).add(eq.primitive.name)
    return readers


class _CheckedPrimitive:
    """Stands in for an equation's primitive during a checked replay: the same rules, each
    checked as a whole (its inner operations are not checked one by one)."""

    __slots__ = ("name", "multiple_results", "vjp", "jvp", "family")

    def __init__(self, eq, readers, direction):
        p = eq.primitive
        self.name, self.multiple_results, self.family = p.name, p.multiple_results, p.family
        location = getattr(eq, "location", "") or ""
        consumers = set().union(*[readers.get(id(v), set()) for v in eq.outputs])
        self.vjp = None if p.vjp is None or direction != "reverse" else _RuleTable(
            p.vjp, p.name, location, consumers, "reverse", len(eq.inputs))
        self.jvp = None if p.jvp is None or direction != "forward" else _RuleTable(
            p.jvp, p.name, location, consumers, "forward", len(eq.inputs))


class _RuleTable:
    __slots__ = ("rules", "name", "location", "consumers", "direction", "cache")

    def __init__(self, rules, name, location, consumers, direction, n):
        self.rules, self.name, self.location = rules, name, location
        self.consumers, self.direction = consumers, direction
        self.cache = {}

    def __getitem__(self, i):
        rule = self.rules[i]
        if rule is None:
            return None
        checked = self.cache.get(i)
        if checked is None:
            checked = self.cache[i] = _checked_rule(rule, i, self)
        return checked


def _checked_rule(rule, i, table):
    def run(ct, answer, *args, **params):
        _state.in_rule += 1
        try:
            g = rule(ct, answer, *args, **params)
        finally:
            _state.in_rule -= 1
        gs = g if isinstance(g, tuple) else (g,)
        infs = _settings["infs"]
        for part in gs:
            if not C.is_float_array(part) or not C.bad_mask(part, infs).any():
                continue
            known = [v for v in (ct if isinstance(ct, tuple) else (ct,)) + tuple(args)
                     + (answer if isinstance(answer, tuple) else (answer,))]
            if not C.all_finite([v for v in known if not isinstance(v, (Tracer, ShapeOnly))]):
                return g
            kind = "reverse rule" if table.direction == "reverse" else "forward rule"
            flowing = "cotangent" if table.direction == "reverse" else "tangent"
            at = f" (for the equation recorded at {table.location})" if table.location else ""
            _fail(f"debug_nans: the {kind} of '{table.name}'{at} produced "
                  f"{C.what(part, infs)} in the {flowing} of its input {i} from finite values.\n"
                  f"  incoming {flowing}: {C.summary(ct)}; {_inputs_text(args)}\n"
                  f"  first bad element: index {C.first_bad(part, infs)}\n"
                  f"  likely cause: "
                  f"{C.backward_cause(table.name, part, args, answer, table.consumers)}.")
        return g
    return run


def _checked_trace(trace, direction):
    readers = _consumers(trace)
    equations = [Equation(_CheckedPrimitive(eq, readers, direction), eq.inputs, eq.outputs,
                          eq.params) for eq in trace.equations]
    return Trace(trace.inputs, equations, trace.outputs, trace.num_vars)


def _checking_backward_pass(trace, out_cotangents, consume=False):
    return _originals["backward_pass"](_checked_trace(trace, "reverse"), out_cotangents, consume)


def _checking_forward_pass(trace, in_tangents):
    return _originals["forward_pass"](_checked_trace(trace, "forward"), in_tangents)


def _checked_jit_call(self, *args, **kwargs):
    """Trace afresh on every call (each equation checked as it is recorded) and return the
    traced values: nothing runs from the compiled cache while checking."""
    from funcgrad.core.tracer import active_interpreters
    if active_interpreters():
        return self.fun(*args, **kwargs)
    return self.trace_uncounted(args, kwargs)[1]


# -- turning it on and off ---------------------------------------------------------------------

def _point(name, old, new):
    """Point every funcgrad module's `name` that is `old` (reverse.backward_pass and the
    modules that imported it by name) at `new`."""
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("funcgrad") and getattr(module, name, None) is old:
            setattr(module, name, new)


_REPLACEMENTS = {"backward_pass": _checking_backward_pass, "forward_pass": _checking_forward_pass}


def _modules():
    # by import_module: funcgrad.transforms' attribute `jit` is the function, not the module
    return [importlib.import_module(f"funcgrad.transforms.{m}") for m in ("forward", "jit",
                                                                            "reverse")]


def _install():
    forward, jit, reverse = _modules()
    _originals.update(bind=Primitive.bind, process=Recorder.process,
                      backward_pass=reverse.backward_pass, forward_pass=forward.forward_pass,
                      jit_call=jit.Jitted.__call__)
    Primitive.bind = Primitive.__call__ = _checking_bind
    Recorder.process = _checking_process
    jit.Jitted.__call__ = _checked_jit_call
    for name, replacement in _REPLACEMENTS.items():
        _point(name, _originals[name], replacement)


def _uninstall():
    _, jit, _ = _modules()
    Primitive.bind = Primitive.__call__ = _originals["bind"]
    Recorder.process = _originals["process"]
    jit.Jitted.__call__ = _originals["jit_call"]
    for name, replacement in _REPLACEMENTS.items():
        _point(name, replacement, _originals[name])


def enable(infs=True):
    """Turn checking on (nested uses are counted; the innermost `infs` setting applies)."""
    previous = _settings["infs"]
    if _settings["count"] == 0:
        _install()
    _settings["count"] += 1
    _settings["infs"] = infs
    return previous


def disable(previous_infs=True):
    _settings["count"] -= 1
    _settings["infs"] = previous_infs
    if _settings["count"] == 0:
        _uninstall()


def enabled() -> bool:
    return _settings["count"] > 0


class debug_nans:  # noqa: N801 - used as a context manager, like numpy.errstate
    """Within the block, the first primitive that makes a NaN (or an inf, unless infs=False)
    from finite inputs raises FloatingPointError: forward operations, reverse and forward rules,
    jitted functions (run op by op while checking). The message names the primitive, the line of
    your code that created it, a summary of its inputs and the likely cause (sqrt/log/pow at 0,
    division by zero, 0 * inf from the unselected branch of a where, with the double-where fix).

    >>> import funcgrad as fg, funcgrad.numpy as fnp, numpy as np
    >>> with fg.debug_nans():
    ...     fnp.log(np.array(-1.0))
    Traceback (most recent call last):
    FloatingPointError: debug_nans: the primitive 'log' produced nan from finite inputs...
    """

    def __init__(self, infs=True):
        self.infs = infs
        self.previous: bool = True  # the setting __enter__ found, restored by __exit__

    def __enter__(self):
        self.previous = enable(self.infs)
        return self

    def __exit__(self, *exc):
        disable(self.previous)
        return False
