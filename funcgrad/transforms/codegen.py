"""Straight-line Python source for an optimised trace: one NumPy call a line, compiled once.

    def tanh_layer(a, b):
        c = a @ b
        d = np.tanh(c)
        return (d,)

Operators print as operators, NumPy functions as `np.name(...)`, any other primitive as a call of
its implementation (`_getitem(...)`); constants and parameters that do not print as Python
literals are passed in as named globals (`_c0`, `_p0`). A guard becomes one `if` that raises
`GuardFailed` when the value a decision was taken on while tracing has changed.
"""
from __future__ import annotations

import keyword
import operator
import sys
from typing import Any

import numpy as np

from funcgrad.core.ir import Var, _var_name
from funcgrad.primitives.indexing import take_axis
from funcgrad.primitives.reductions import short_last_axis

_BINARY = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
           operator.pow: "**", np.matmul: "@", operator.floordiv: "//", operator.eq: "==",
           operator.ne: "!=", operator.lt: "<", operator.le: "<=", operator.gt: ">",
           operator.ge: ">="}
_UNARY: dict[Any, str] = {operator.neg: "-"}  # (looked up with any impl)
# primitives whose implementation is exactly this NumPy function with these keyword params
_NUMPY_EQUIVALENT = {"sum": "sum", "max": "max", "min": "min", "reshape": "reshape",
                     "transpose": "transpose", "broadcast_to": "broadcast_to"}
_NUMPY_EQUIVALENT_PARAMS = {"sum": {"axis", "keepdims"}, "max": {"axis", "keepdims"},
                            "min": {"axis", "keepdims"}, "reshape": {"shape"},
                            "transpose": {"axes"}, "broadcast_to": {"shape"}}


_UFUNC_OF_OPERATOR = {operator.add: "add", operator.sub: "subtract", operator.mul: "multiply",
                      operator.truediv: "true_divide", operator.pow: "power",
                      operator.neg: "negative"}


class GuardFailed(Exception):
    """Raised by compiled code when a value-dependent decision would go another way."""

    def __init__(self, number):
        super().__init__(number)
        self.number = number


class _Namer:
    def __init__(self, reserved):
        self.names: dict[int, str] = {}
        self.reserved = reserved
        self.count = 0
        self.free: list[str] = []  # names of dead variables, given to new ones (see release)

    def release(self, var: Var):
        """`var` is read no more: its name (and the value it holds) can go to a new variable."""
        self.free.append(self.names[id(var)])

    def __call__(self, var: Var) -> str:
        name = self.names.get(id(var))
        if name is None and self.free:
            name = self.names[id(var)] = self.free.pop()
        if name is None:
            while True:
                name = _var_name(self.count)
                self.count += 1
                if not keyword.iskeyword(name) and name not in self.reserved:
                    break
            self.names[id(var)] = name
        return name


def _literal(value):
    """Source for a value that round-trips as a Python literal, or None."""
    if value is None or isinstance(value, (bool, int, str)) and not isinstance(value, np.generic):
        return repr(value)
    if type(value) is float and np.isfinite(value):
        return repr(value)
    if isinstance(value, tuple):
        parts = [_literal(v) for v in value]
        if all(p is not None for p in parts):
            return "(" + parts[0] + ",)" if len(parts) == 1 else "(" + ", ".join(parts) + ")"
    return None


class Program:
    """Source and globals of one compiled trace. With a `backend` (the trace's values are Dask,
    CuPy... arrays) NumPy's functions are called as `xp.name`, `xp` being NumPy's names over that
    library (funcgrad/backends), and every other primitive as its implementation there."""

    def __init__(self, name, backend=None):
        self.name = name
        self.lines: list[str] = []
        self.backend = backend
        self.globals = {"np": np, "GuardFailed": GuardFailed}
        self.prefix = "np"
        if backend is not None:
            self.globals["xp"] = backend.numpy
            self.prefix = "xp"
        self.namer = _Namer(set(self.globals) | {name, "builtins"})

    @property
    def source(self) -> str:
        return "\n".join(self.lines) + "\n"

    def constant(self, value, prefix="_c"):
        literal = _literal(value)
        if literal is not None:
            return literal
        name = f"{prefix}{sum(k.startswith(prefix) for k in self.globals)}"
        self.globals[name] = value if self.backend is None else self.backend.adopt(value)
        return name

    def operand(self, x):
        return self.namer(x) if type(x) is Var else self.constant(x)

    def call(self, eq) -> str:
        impl = eq.primitive.impl
        args = [self.operand(x) for x in eq.inputs]
        if not eq.params and len(args) == 2 and impl in _BINARY:
            left = f"({args[0]})" if args[0].startswith("-") else args[0]  # (-1) ** a, not -(1 ** a)
            return f"{left} {_BINARY[impl]} {args[1]}"
        if not eq.params and len(args) == 1 and impl in _UNARY:
            return f"{_UNARY[impl]}{args[0]}"
        np_ = self.prefix
        if eq.primitive.name == "getitem" and self.backend is None:
            index = eq.params["index"]
            axis = take_axis(index)
            if axis is not None and len(eq.inputs[0].shape if type(eq.inputs[0]) is Var
                                        else np.shape(eq.inputs[0])) > 1:  # see take_axis
                return f"{np_}.take({args[0]}, {self.constant(index[axis], '_p')}, axis={axis})"
            return f"{args[0]}[{self.constant(index, '_p')}]"
        numpy_name = _NUMPY_EQUIVALENT.get(eq.primitive.name)
        if numpy_name == "sum" and _sums_short_axis(eq):
            numpy_name = None  # sum's implementation: it adds the slices of a short last axis
        if numpy_name and set(eq.params) == _NUMPY_EQUIVALENT_PARAMS.get(numpy_name, set(eq.params)):
            function = f"{np_}.{numpy_name}"
        elif isinstance(impl, np.ufunc) and getattr(np, impl.__name__, None) is impl:
            function = f"{np_}.{impl.__name__}"
        else:
            function = f"_{eq.primitive.name}"
            self.globals[function] = impl if self.backend is None else \
                self.backend.impl_of(eq.primitive)
            self.namer.reserved.add(function)
        if function in (f"{np_}.reshape", f"{np_}.transpose", f"{np_}.broadcast_to"):
            args += [self.constant(v, "_p") for v in eq.params.values()]
        else:
            args += [f"{k}={self.constant(v, '_p')}" for k, v in eq.params.items()]
        return f"{function}({', '.join(args)})"

    def in_place(self, eq, buffer) -> str:
        """The equation as a ufunc call writing into the dead array `buffer` (out=)."""
        impl = eq.primitive.impl
        name = _UFUNC_OF_OPERATOR.get(impl) or impl.__name__
        args = ", ".join(self.operand(x) for x in eq.inputs)
        return f"np.{name}({args}, out={self.namer(buffer)})"

    def guard(self, number, var, value):
        name = self.namer(var)
        if isinstance(value, (bool, np.bool_)) or getattr(value, "dtype", None) == np.bool_ \
                and np.size(value) == 1:
            test = f"not {name}" if bool(value) else name
        else:
            test = f"not _same({name}, {self.constant(value, '_g')})"
            self.globals["_same"] = same_value
        self.lines.append(f"    if {test}: raise GuardFailed({number})")


def _sums_short_axis(eq) -> bool:
    x, axis = eq.inputs[0], eq.params["axis"]
    return type(x) is Var and axis is not None and short_last_axis(x.shape, x.dtype, axis)


def same_value(x, expected) -> bool:
    return np.shape(x) == np.shape(expected) and bool(np.all(x == expected))


def generate(trace, guards, name="jitted", backend=None) -> Program:
    """The program for `trace` (optimised), checking `guards` as soon as their values exist.

    The name of a computed variable goes to a new one once its value is read no more, so an
    array is freed as soon as it is dead (as in hand-written code), and an array written into with
    `out=` keeps its name: `c = np.tanh(c, out=c)`. Arguments keep their names.
    """
    program = Program(name, backend)
    by_var: dict[int, list] = {}
    for number, (var, value, _) in enumerate(guards):
        by_var.setdefault(id(var), []).append((number, var, value))
    params = ", ".join(program.namer(v) for v in trace.inputs)
    program.lines.append(f"def {name}({params}):")
    for v in trace.inputs:
        for number, var, value in by_var.get(id(v), ()):
            program.guard(number, var, value)
    reusable = _reusable_buffers(trace) if backend is None else {}  # (out=: NumPy's only)
    kept_for_reuse = {id(buffer) for buffer in reusable.values()} | {id(v) for v in trace.inputs}
    last_use = last_uses(trace, guards)
    for i, eq in enumerate(trace.equations):
        buffer = reusable.get(id(eq))
        rhs = program.in_place(eq, buffer) if buffer is not None else program.call(eq)
        for x in {id(x): x for x in eq.inputs if type(x) is Var}.values():
            if last_use[id(x)] == i and id(x) not in kept_for_reuse:
                program.namer.release(x)
        if buffer is not None:
            program.namer.release(buffer)
        lhs = ", ".join(program.namer(v) for v in eq.outputs)
        if eq.primitive.multiple_results and len(eq.outputs) == 1:
            lhs += ","
        program.lines.append(f"    {lhs} = {rhs}" if eq.outputs else f"    {rhs}")
        for v in eq.outputs:
            for number, var, value in by_var.get(id(v), ()):
                program.guard(number, var, value)
    outs = [program.operand(x) for x in trace.outputs]
    program.lines.append(f"    return ({''.join(o + ', ' for o in outs).rstrip(' ')})")
    return program


def last_uses(trace, guards) -> dict:
    """Index of the last equation reading each variable (outputs: past the end, never released)."""
    last = {id(var): -1 for var, _, _ in guards}
    for i, eq in enumerate(trace.equations):
        for x in eq.inputs:
            if type(x) is Var:
                last[id(x)] = i
    for x in trace.outputs:
        if type(x) is Var:
            last[id(x)] = len(trace.equations)
    return last


_REDUCTIONS = {"sum", "max", "min"}


def _allocates(eq) -> bool:
    """Whether the equation's result is always a new array (a ufunc, an arithmetic operator, a
    NumPy reduction, or a gather by integer arrays)."""
    impl = eq.primitive.impl
    if eq.primitive.name in _REDUCTIONS:
        return True
    if eq.primitive.name == "getitem":  # an integer-array index copies (numpy.take too)
        return any(type(item) is np.ndarray for item in eq.params["index"])
    return not eq.primitive.multiple_results and (
        impl in _UFUNC_OF_OPERATOR or isinstance(impl, np.ufunc) and impl.nout == 1)


def _writes_out(eq) -> bool:
    """Whether the equation can be generated as a NumPy call with `out=`, same values."""
    impl = eq.primitive.impl
    # `x ** 2` on an array takes NumPy's square/sqrt shortcuts, which np.power(out=) does not
    return not eq.params and _allocates(eq) and impl is not operator.pow and (
        impl in _UFUNC_OF_OPERATOR or isinstance(impl, np.ufunc)) \
        and getattr(np, _UFUNC_OF_OPERATOR.get(impl) or impl.__name__, None) is not None


def _buffer_lifetimes(trace):
    """(owners, end): which allocated arrays each variable may share memory with, and the index of
    the last equation that reads each allocated array through any variable (len + 1: never dies).

    Aliasing is decided by primitive, not by the values seen while tracing (a reshape that copied
    then may return a view on replay): only ufuncs and arithmetic operators are known to return
    a new array; any other result may be a view of any of its inputs.
    """
    n = len(trace.equations)
    owners: dict[int, tuple] = {id(v): (id(v),) for v in trace.inputs}
    end: dict[int, int] = {id(v): n + 1 for v in trace.inputs}
    for i, eq in enumerate(trace.equations):
        shared = ()
        for x in eq.inputs:
            if type(x) is Var:
                shared += owners.get(id(x), ())
                for owner in owners.get(id(x), ()):
                    end[owner] = max(end[owner], i)
        fresh = _allocates(eq)
        for v in eq.outputs:
            owners[id(v)] = (id(v),) if fresh else tuple(set(shared))
            if fresh:
                end[id(v)] = i
    for x in trace.outputs:
        if type(x) is Var:
            for owner in owners.get(id(x), ()):
                end[owner] = n + 1
    return owners, end


def _reusable_buffers(trace) -> dict:
    """For equations that can write with `out=`, the variable whose dead array takes the result.

    Either an input of the equation read there for the last time (elementwise ops only: the
    result lands in memory just read) or an array that died earlier with the result's shape and
    dtype. Only arrays this program allocated are reused: never an argument (user data), an
    output, or an array a live view still reads. Guards are checked right after the equation
    defining their value, so they never see a reused buffer.
    """
    owners, end = _buffer_lifetimes(trace)
    dying: dict[int, list] = {}
    for i, eq in enumerate(trace.equations):
        for v in eq.outputs:
            if owners[id(v)] == (id(v),) and type(v.value) is np.ndarray and v.value.ndim \
                    and end[id(v)] <= len(trace.equations):
                dying.setdefault(end[id(v)], []).append(v)
    free: dict[tuple, list] = {}
    chosen = {}
    for i, eq in enumerate(trace.equations):
        out = eq.outputs[0].value if eq.outputs else None  # effects have no outputs
        if _writes_out(eq) and type(out) is np.ndarray and out.ndim:
            key = (out.shape, out.dtype)
            buffer = None
            if eq.primitive.impl is not np.matmul:  # elementwise: into an input dying here
                for x in eq.inputs:
                    if type(x) is Var and owners.get(id(x)) == (id(x),) and end[id(x)] == i \
                            and type(x.value) is np.ndarray and (x.shape, x.dtype) == key:
                        buffer = x
                        dying[i].remove(x)
                        break
            if buffer is None and free.get(key):
                buffer = free[key].pop()
            if buffer is not None:
                chosen[id(eq)] = buffer
        for v in dying.get(i, ()):
            free.setdefault((v.value.shape, v.value.dtype), []).append(v)
    return chosen


# The name the generated function is defined under: the user's function may share its name with
# a name the generated code calls (a jitted `cos` calls math's `cos`, `float` the builtin), and
# defining it under that name would make every such call a call of itself.
_DEFINED_AS = "_funcgrad_jitted_"


def compile_program(program: Program):
    """The function of `program`'s source, named as the user's function (in tracebacks too)."""
    header = f"def {program.name}("
    source = program.source.replace(header, f"def {_DEFINED_AS}(", 1)
    code = compile(source, f"<funcgrad.jit {program.name}>", "exec")
    namespace = dict(program.globals)
    exec(code, namespace)  # noqa: S102 - our own generated source
    function = namespace[_DEFINED_AS]
    renamed = {"co_name": program.name}
    if sys.version_info >= (3, 11):
        renamed["co_qualname"] = program.name
    function.__code__ = function.__code__.replace(**renamed)
    function.__name__ = function.__qualname__ = program.name
    return function
