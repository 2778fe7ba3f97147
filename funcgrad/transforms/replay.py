"""A compact interpreter for long traces: jit's answer above `REPLAY_ABOVE` equations.

Optimising a trace, writing it out as Python source and compiling that source costs tens of
microseconds per equation, twenty to forty times what tracing it cost; for a trace of hundreds of
thousands of equations (a long scalar recurrence under `jit(grad)`) that is minutes and
gigabytes. Above the threshold jit instead turns the trace into a *tape* in one linear pass: each
equation becomes one tuple `(kind, implementation, input registers, output register(s), params)`,
and a small loop replays it.

- Registers are allocated by liveness: a variable's register goes to the next value defined after
  its last reader has run, so a replay holds only the values still to be read (the dead ones are
  overwritten, and freed, as in hand-written code) and the register file stays small.
- Constants sit in registers of their own, filled once per call from a template.
- A guard is a step of its own right after the equation defining its value, raising
  `GuardFailed` as the generated code does.
- Every equation runs its primitive's implementation on the values, exactly as the NumPy program
  (and the recording itself) computes them: the same values, types, warnings and errors.
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.ir import Var
from funcgrad.transforms.codegen import GuardFailed, same_value

REPLAY_ABOVE = 10_000  # equations; below it jit generates and compiles source (codegen.py)

# step kinds: how a step's inputs and outputs are laid out
_UNARY, _BINARY, _GENERAL, _MULTIPLE, _EFFECT, _GUARD_TRUE, _GUARD_FALSE, _GUARD_VALUE = range(8)


class Tape:
    """The replayable form of a trace: call it with the trace's input values."""

    __slots__ = ("steps", "template", "num_inputs", "outputs", "num_registers", "equations")

    def __init__(self, steps, template, num_inputs, outputs, equations):
        self.steps = steps
        self.template = template
        self.num_inputs = num_inputs
        self.outputs = outputs  # (register, None) or (None, constant) per output
        self.num_registers = len(template)
        self.equations = equations

    def __call__(self, *args):
        registers = self.template.copy()
        registers[:self.num_inputs] = args
        for kind, impl, inputs, out, params in self.steps:
            if kind == _BINARY:
                registers[out] = impl(registers[inputs[0]], registers[inputs[1]])
            elif kind == _UNARY:
                registers[out] = impl(registers[inputs])
            elif kind == _GENERAL:
                registers[out] = impl(*[registers[i] for i in inputs], **params)
            elif kind == _MULTIPLE:
                for register, value in zip(out, impl(*[registers[i] for i in inputs], **params)):
                    registers[register] = value
            elif kind == _EFFECT:
                impl(*[registers[i] for i in inputs], **params)
            elif kind == _GUARD_TRUE:
                if not registers[inputs]:
                    raise GuardFailed(out)
            elif kind == _GUARD_FALSE:
                if registers[inputs]:
                    raise GuardFailed(out)
            elif not same_value(registers[inputs], params):
                raise GuardFailed(out)
        return tuple(registers[r] if r is not None else c for r, c in self.outputs)

    def __repr__(self):
        return f"<Tape: {self.equations} equations, {self.num_registers} registers>"


def build_tape(trace, guards) -> Tape:
    """The tape of `trace`, checking `guards` right after their values are computed.

    Two passes over the equations (the last reader of each variable, then the steps), indexed by
    the variables' numbers: about a microsecond an equation."""
    equations = trace.equations
    end = len(equations)
    last = [-1] * trace.num_vars  # index of each variable's last reader
    for i, eq in enumerate(equations):
        for x in eq.inputs:
            if type(x) is Var:
                last[x.index] = i
    for x in list(trace.outputs) + list(trace.inputs):
        if type(x) is Var:
            last[x.index] = end  # outputs live on; arguments are the caller's, never overwritten
    guards_of: dict[int, list] = {}
    for number, (var, value, _) in enumerate(guards):
        guards_of.setdefault(var.index, []).append((number, value))
    register = [0] * trace.num_vars
    for r, v in enumerate(trace.inputs):
        register[v.index] = r
    template: list = [None] * len(trace.inputs)
    constants: dict[int, int] = {}
    free: list[int] = []
    steps: list = [_guard(register[v.index], number, value) for v in trace.inputs
                   for number, value in guards_of.get(v.index, ())]
    append = steps.append

    def slot(x):
        if type(x) is Var:
            return register[x.index]
        r = constants.get(id(x))
        if r is None:
            r = constants[id(x)] = len(template)
            template.append(x)
        return r

    def define(v, i):
        if free:
            r = free.pop()
        else:
            r = len(template)
            template.append(None)
        register[v.index] = r
        return r

    for i, eq in enumerate(equations):
        primitive = eq.primitive
        inputs = eq.inputs
        outputs = eq.outputs
        params = eq.params
        if len(inputs) == 2 and not params and len(outputs) == 1 \
                and not primitive.multiple_results:
            a, b = inputs
            ra, rb = slot(a), slot(b)
            if type(a) is Var and last[a.index] == i:
                free.append(ra)
            if type(b) is Var and last[b.index] == i and b is not a:
                free.append(rb)
            append((_BINARY, primitive.impl, (ra, rb), define(outputs[0], i), None))
        elif len(inputs) == 1 and not params and len(outputs) == 1 \
                and not primitive.multiple_results:
            a = inputs[0]
            ra = slot(a)
            if type(a) is Var and last[a.index] == i:
                free.append(ra)
            append((_UNARY, primitive.impl, ra, define(outputs[0], i), None))
        else:
            slots = tuple(slot(x) for x in inputs)
            free.extend({register[x.index] for x in inputs
                         if type(x) is Var and last[x.index] == i})
            if primitive.family == "effect" or not outputs:
                append((_EFFECT, primitive.impl, slots, None, params))
                continue
            if primitive.multiple_results:
                out = tuple(define(v, i) for v in outputs)
                append((_MULTIPLE, primitive.impl, slots, out, params))
            else:
                append((_GENERAL, primitive.impl, slots, define(outputs[0], i), params))
        for v in outputs:
            if guards_of:
                for number, value in guards_of.get(v.index, ()):
                    append(_guard(register[v.index], number, value))
            if last[v.index] < 0:
                free.append(register[v.index])  # never read: its register goes to the next value
    outputs = [(register[x.index], None) if type(x) is Var else (None, x) for x in trace.outputs]
    return Tape(steps, template, len(trace.inputs), outputs, len(equations))


def _guard(register, number, value):
    if isinstance(value, (bool, np.bool_)) or getattr(value, "dtype", None) == np.bool_ \
            and np.size(value) == 1:
        return (_GUARD_TRUE if bool(value) else _GUARD_FALSE, None, register, number, None)
    return (_GUARD_VALUE, None, register, number, value)


__all__ = ["REPLAY_ABOVE", "Tape", "build_tape"]
