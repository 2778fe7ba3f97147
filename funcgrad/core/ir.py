"""The expression list: plain data that every transform walks.

A `Trace` is a straight-line program. Each `Equation` applies one primitive to inputs that are
either `Var`s (values computed inside the trace, or its inputs) or constants (anything else,
including tracers of an outer transform), and defines new `Var`s. Because funcgrad traces with
concrete values, every `Var` also holds the value it had while tracing: the residuals that the
reverse and forward rules need.
"""
from __future__ import annotations

import numpy as np

from funcgrad.backends.namespace import numpy_dtype

from funcgrad.errors import describe


class Var:
    """One value defined in a trace. `index` numbers it within its trace."""

    __slots__ = ("value", "index")

    def __init__(self, value, index: int):
        self.value = value
        self.index = index

    @property
    def shape(self):
        return np.shape(self.value)

    @property
    def dtype(self):
        return _dtype_of(self.value)

    def __repr__(self):
        return f"Var#{self.index}:{describe(self.value)}"


# the params of every recorded equation that has none: one dict for all of them (an equation's
# params are read, never written), instead of the empty dict each call made
NO_PARAMS: dict = {}


class Equation:
    """`outputs = primitive(*inputs, **params)`: one primitive applied once. `params` is read-only
    (equations without any share `NO_PARAMS`)."""

    __slots__ = ("primitive", "inputs", "outputs", "params")

    def __init__(self, primitive, inputs: tuple, outputs: tuple, params: dict):
        self.primitive = primitive
        self.inputs = inputs
        self.outputs = outputs
        self.params = params

    def __repr__(self):
        return f"Equation({self.primitive.name}, {len(self.inputs)} inputs)"


class Trace:
    """A recorded function: its input variables, its equations in order, and its outputs.

    `outputs` holds a `Var` or a constant per output leaf (a function may return something that
    does not depend on its inputs at all). `str(trace)` prints it as a small program.
    """

    __slots__ = ("inputs", "equations", "outputs", "num_vars", "__weakref__")

    def __init__(self, inputs: list, equations: list, outputs: list, num_vars: int):
        self.inputs = inputs
        self.equations = equations
        self.outputs = outputs
        self.num_vars = num_vars

    def __len__(self):
        return len(self.equations)

    def __iter__(self):
        return iter(self.equations)

    def __str__(self):
        return format_trace(self)

    def __repr__(self):
        return f"<Trace: {len(self.inputs)} inputs, {len(self.equations)} equations>"

    # -- pictures (funcgrad/core/ir_render.py draws them; the trace stays plain data) -----------
    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))

    def _repr_html_(self):
        from funcgrad.core.ir_render import trace_html
        return trace_html(self)

    def to_dot(self, title="") -> str:
        """The trace as a Graphviz DOT graph: inputs, equations (with shapes) and outputs."""
        from funcgrad.core.ir_render import to_dot, trace_graph
        return to_dot(trace_graph(self, title))

    def to_svg(self, title="", engine="auto") -> str:
        """The trace drawn as SVG: by funcgrad's own layered layout, or by Graphviz's `dot`
        when it is installed (engine="auto"; "funcgrad" or "graphviz" to choose)."""
        from funcgrad.core.ir_render import render_svg, trace_graph
        return render_svg(trace_graph(self, title), engine)

    def _repr_svg_(self):
        return self.to_svg(engine="funcgrad")


def _dtype_of(value):
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return np.asarray(value).dtype
    return dtype if isinstance(dtype, np.dtype) else numpy_dtype(dtype)  # (array_api_strict)


def _var_name(index: int) -> str:
    """a, b, ..., z, ba, bb, ...: short names that stay unique."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    name = ""
    while True:
        name = letters[index % 26] + name
        index //= 26
        if index == 0:
            return name


def _format_constant(value) -> str:
    from funcgrad.core.tracer import Tracer  # a sibling module; imported late to keep ir plain data

    if isinstance(value, Tracer):
        return f"outer:{describe(value)}"
    if isinstance(value, (bool, int, float, complex, np.generic)) or np.ndim(value) == 0 and np.size(value) == 1:
        try:
            item = getattr(value, "item", None)  # NumPy's scalars and 0-d arrays
            return repr(item() if item is not None else value)
        except (TypeError, ValueError):  # pragma: no cover - exotic scalar
            return repr(value)
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            return np.array2string(value, separator=",").replace("\n", "")
        return f"const:{describe(value)}"
    return repr(value)


def _format_param(value) -> str:
    if isinstance(value, np.ndarray):
        return _format_constant(value)
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    return repr(value)


def format_trace(trace: Trace) -> str:
    names: dict[int, str] = {}

    def name(var: Var) -> str:
        if id(var) not in names:
            names[id(var)] = _var_name(len(names))
        return names[id(var)]

    def operand(x) -> str:
        return name(x) if type(x) is Var else _format_constant(x)

    def typed(var: Var) -> str:
        return f"{name(var)}:{describe(var.value)}"

    header = ", ".join(typed(v) for v in trace.inputs)
    lines = [f"trace({header}):"]
    for eq in trace.equations:
        lhs = ", ".join(typed(v) for v in eq.outputs)
        args = [operand(x) for x in eq.inputs]
        args += [f"{k}={_format_param(v)}" for k, v in eq.params.items()]
        lines.append(f"  {lhs} = {eq.primitive.name}({', '.join(args)})")
    outs = ", ".join(operand(x) for x in trace.outputs)
    lines.append(f"  return {outs}")
    return "\n".join(lines)
