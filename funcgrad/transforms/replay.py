"""A compact interpreter for long traces: jit's answer above `REPLAY_ABOVE` equations.

Optimising a trace, writing it out as Python source and compiling that source costs tens of
microseconds per equation, twenty to forty times what tracing it cost; for a trace of hundreds of
thousands of equations (a long scalar recurrence under `jit(grad)`) that is minutes and
gigabytes. Above the threshold jit instead turns the trace into a *tape* in one linear pass,
freeing each equation as soon as it is on the tape, and a small loop replays it.

- A step is one row of five parallel columns: its kind, the primitive's implementation, two
  operand numbers and a target register (arrays of machine integers, not a Python object per
  step: a few dozen bytes an equation, and nothing for the garbage collector to walk). Steps with
  parameters, more than two inputs or several results keep their operands in a side table.
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

from array import array
from itertools import repeat

import numpy as np

from funcgrad.backends.arrays import backend_for
from funcgrad.backends.namespace import NATIVE_TYPES
from funcgrad.core.ir import Var
from funcgrad.core.tracer import Tracer
from funcgrad.transforms.codegen import GuardFailed, same_value

REPLAY_ABOVE = 10_000  # equations; below it jit generates and compiles source (codegen.py)

# step kinds: how a step's operands are laid out (first, second, target)
_UNARY = 0  # (input register, -, output register)
_BINARY = 1  # (input register, input register, output register)
_GENERAL = 2  # (-, side-table row (input registers, params), output register)
_MULTIPLE = 3  # (-, side-table row (input registers, params, output registers), -)
_EFFECT = 4  # (-, side-table row (input registers, params), -)
_GUARD_TRUE, _GUARD_FALSE = 5, 6  # (register, -, guard number)
_GUARD_VALUE = 7  # (register, side-table row (the value), guard number)

_NO_GUARDS: list = []  # the guards of a variable that has none (never appended to)


class Tape:
    """The replayable form of a trace: call it with the trace's input values."""

    __slots__ = ("kinds", "impls", "first", "second", "targets", "table", "template",
                 "num_inputs", "outputs", "num_registers", "equations")

    def __init__(self, kinds, impls, first, second, targets, table, template, num_inputs,
                 outputs, equations):
        self.kinds = kinds
        self.impls = impls
        self.first = first
        self.second = second
        self.targets = targets
        self.table = table
        self.template = template
        self.num_inputs = num_inputs
        self.outputs = outputs  # (register, None) or (None, constant) per output
        self.num_registers = len(template)
        self.equations = equations

    def __call__(self, *args):
        registers = self.template.copy()
        registers[:self.num_inputs] = args
        table = self.table
        for kind, impl, a, b, out in zip(self.kinds, self.impls, self.first, self.second,
                                         self.targets):
            if kind == _BINARY:
                registers[out] = impl(registers[a], registers[b])
            elif kind == _UNARY:
                registers[out] = impl(registers[a])
            elif kind == _GENERAL:
                slots, params = table[b]
                registers[out] = impl(*[registers[i] for i in slots], **params)
            elif kind == _MULTIPLE:
                slots, params, outs = table[b]
                for register, value in zip(outs, impl(*[registers[i] for i in slots], **params)):
                    registers[register] = value
            elif kind == _EFFECT:
                slots, params = table[b]
                impl(*[registers[i] for i in slots], **params)
            elif kind == _GUARD_TRUE:
                if not registers[a]:
                    raise GuardFailed(out)
            elif kind == _GUARD_FALSE:
                if registers[a]:
                    raise GuardFailed(out)
            elif not same_value(registers[a], table[b]):
                raise GuardFailed(out)
        return tuple(registers[r] if r is not None else c for r, c in self.outputs)

    def __len__(self):
        return len(self.kinds)

    def __repr__(self):
        return f"<Tape: {self.equations} equations, {self.num_registers} registers>"


def build_tape(trace, guards, consume=False) -> Tape:
    """The tape of `trace`, checking `guards` right after their values are computed. Every value
    in the trace must be NumPy's (no outer tracer, no other library's array: see `runs`).

    One pass over the equations, last to first: a variable met for the first time is met at its
    last reader, which takes it a free register, and its definition gives the register back. With
    consume=True each equation leaves the trace as soon as it is on the tape, so the trace and
    the tape are never both whole (jit: the tape is what it keeps)."""
    equations = trace.equations
    end = len(equations)
    guards_of: dict[int, list] = {}
    for number, (var, value, _) in enumerate(guards):
        guards_of.setdefault(var.index, []).append((number, value))
    register: dict[int, int] = {}  # variable -> its register, while it is live (met, not defined)
    for r, v in enumerate(trace.inputs):
        register[v.index] = r  # the caller's arguments: never given back
    template: list = [None] * len(trace.inputs)
    constants: dict[int, int] = {}
    free: list[int] = []
    kinds = bytearray()
    impls: list = []
    first, second, targets = array("i"), array("i"), array("i")
    table: list = []

    def take():
        if free:
            return free.pop()
        template.append(None)
        return len(template) - 1

    def constant(x):
        r = constants.get(id(x))
        if r is None:
            r = constants[id(x)] = len(template)
            template.append(x)
        return r

    def guard(r, number, value):
        if isinstance(value, (bool, np.bool_)) or getattr(value, "dtype", None) == np.bool_ \
                and np.size(value) == 1:
            kinds.append(_GUARD_TRUE if bool(value) else _GUARD_FALSE)
            second.append(0)
        else:
            kinds.append(_GUARD_VALUE)
            second.append(len(table))
            table.append(value)
        impls.append(None)
        first.append(r)
        targets.append(number)

    for x in trace.outputs:
        if type(x) is Var and x.index not in register:
            register[x.index] = take()  # outputs live to the end
    returned = [(register[x.index], None) if type(x) is Var else (None, x)
                for x in trace.outputs]  # (registers now: their definitions give them back)
    if consume:
        trace.equations = []
        steps = map(equations.pop, repeat(-1, end))  # last to first, each freed once on the tape
    else:
        steps = reversed(equations)
    add_kind, add_impl, add_first, add_second, add_target = (
        kinds.append, impls.append, first.append, second.append, targets.append)
    give_back, reuse = free.append, free.pop
    get_register, pop_register = register.get, register.pop
    for eq in steps:  # the steps are written last to first, then turned around
        inputs = eq.inputs
        outputs = eq.outputs
        if guards_of:  # guards read a value right after its equation
            for v in reversed(outputs):
                for number, value in reversed(guards_of.get(v.index, _NO_GUARDS)):
                    r = register.get(v.index)
                    if r is None:
                        r = register[v.index] = take()
                    guard(r, number, value)
        if len(outputs) == 1:
            out = pop_register(outputs[0].index, None)
            if out is None:  # never read: written to a free register
                out = reuse() if free else take()
            give_back(out)  # before this step: an input's register may be it
        else:
            for v in outputs:  # the dead ones first, from registers no live output holds
                if v.index not in register:
                    register[v.index] = take()
            outs = tuple(register.pop(v.index) for v in outputs)
            free.extend(set(outs))
        primitive = eq.primitive
        params = eq.params
        n = len(inputs)
        if n <= 2 and len(outputs) == 1 and not params and not primitive.multiple_results:
            a = inputs[0]
            if type(a) is Var:
                ra = get_register(a.index)
                if ra is None:  # its last reader: a register from here back to its definition
                    ra = register[a.index] = reuse() if free else take()
            else:
                ra = constant(a)
            if n == 2:
                b = inputs[1]
                if type(b) is Var:
                    rb = get_register(b.index)
                    if rb is None:
                        rb = register[b.index] = reuse() if free else take()
                else:
                    rb = constant(b)
                add_kind(_BINARY)
                add_second(rb)
            else:
                add_kind(_UNARY)
                add_second(0)
            add_first(ra)
            add_target(out)
        else:
            slots = []
            for x in inputs:
                if type(x) is Var:
                    r = get_register(x.index)
                    if r is None:
                        r = register[x.index] = take()
                else:
                    r = constant(x)
                slots.append(r)
            slots = tuple(slots)
            add_first(0)
            add_second(len(table))
            if primitive.family == "effect" or not outputs:
                add_kind(_EFFECT)
                table.append((slots, params))
                add_target(0)
            elif primitive.multiple_results:
                add_kind(_MULTIPLE)
                table.append((slots, params, outs))
                add_target(0)
            else:
                add_kind(_GENERAL)
                table.append((slots, params))
                add_target(out)
        add_impl(primitive.impl)
    for v in reversed(trace.inputs):
        for number, value in reversed(guards_of.get(v.index, _NO_GUARDS)):
            guard(register[v.index], number, value)
    for column in (kinds, impls, first, second, targets):
        column.reverse()
    return Tape(bytes(kinds), impls, first, second, targets, table, template, len(trace.inputs),
                returned, end)


def runs(trace, recorder) -> bool:
    """Whether a tape runs `trace`, recorded by `recorder`: every value NumPy's (no equation met
    an outer tracer or another library's array, nor is an input or an output one)."""
    if recorder.saw_foreign:
        return False
    for v in trace.inputs:
        if type(v.value) not in NATIVE_TYPES and not _numpy_constant(v.value):
            return False
    return not any(isinstance(x, Tracer) for x in trace.outputs)


def _numpy_constant(x) -> bool:
    """Whether a value that is not of a NumPy type is one the tape runs (not a tracer, not another
    library's array)."""
    return not isinstance(x, Tracer) and backend_for([x]) is None


__all__ = ["REPLAY_ABOVE", "Tape", "build_tape", "runs"]
