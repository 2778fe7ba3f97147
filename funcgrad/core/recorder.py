"""The recording interpreter: runs a function on tracers and writes its expression list.

Every transform that replays a trace (vjp, grad, jvp, jacobians, make_trace) starts here.
Values are computed eagerly as the function runs, so Python control flow on traced values works.
"""
from __future__ import annotations

from typing import Any, NoReturn

import numpy as np

from funcgrad.backends.namespace import NATIVE_TYPES
from funcgrad.core.ir import NO_PARAMS, Equation, Trace, Var
from funcgrad.core.primitive import ShapeOnly, run_on_backend
from funcgrad.core.tracer import Interpreter, Tracer, refuse_conversion, running
from funcgrad.errors import TracerLeakError, describe, where


# a recording that frees replaces an ndarray this large by its ShapeOnly (smaller ones cost
# less to keep than to replace)
FREE_BYTES = 1024
_ndarray = np.ndarray


_new = object.__new__


class ExprTracer(Tracer):
    """A traced array: a handle on one `Var` of the trace being recorded, and its value (which
    the Var may not keep: see Recorder.frees)."""

    __slots__ = ("_var", "value")
    value: Any  # a slot here (Tracer's is a property)

    def __init__(self, owner, var, value):
        self._owner = owner
        self._var = var
        self.value = value


class Recorder(Interpreter):
    """Appends one `Equation` per primitive applied to its tracers.

    A `differentiating` recorder (grad, vjp, jvp, the jacobians...) refuses to let a floating
    value that carries a derivative become a constant (`float(x)`); jit's and make_trace's do not.
    A recorder that `frees` (grad, vjp: the trace only feeds reverse rules) keeps in the trace
    only the values some reverse rule reads (Primitive.reads_answer, reads_input): the others
    stay with their tracers, alive while the user's code holds them, and the trace has their
    ShapeOnly. `saw_foreign` says whether any equation met a value that is not NumPy's (an outer
    transform's tracer, another library's array): jit's tape runs only traces where none did.
    """

    __slots__ = ("equations", "num_vars", "inputs", "name", "differentiating", "_producers",
                 "_scanned", "_constants", "frees", "saw_foreign")
    equations: list[Equation] | None  # None once retired
    _producers: dict[int, Equation] | None
    _constants: set[int] | None

    def __init__(self, name="trace", differentiating=True, frees=False):
        self.equations = []
        self.num_vars = 0
        self.inputs = []
        self.name = name
        self.differentiating = differentiating
        self.frees = frees
        self._producers = None  # var index -> the equation defining it, built on first need
        self._scanned = 0
        self._constants = None  # indices of vars known to carry no derivative (idem)
        self.saw_foreign = False

    def new_input(self, value) -> ExprTracer:
        var = Var(value, self.num_vars)
        self.num_vars += 1
        self.inputs.append(var)
        return ExprTracer(self, var, value)

    def process(self, primitive, args, params):
        equations = self.equations
        if equations is None:
            raise_leaked(primitive, self)
        values = []
        inputs = []
        plain = True  # are all values NumPy's? (no outer tracer, no Dask/CuPy... array)
        outer = None  # the innermost outer transform whose tracer is one of them
        level = 0
        for arg in args:
            if type(arg) is ExprTracer and arg._owner is self:  # this trace's value
                var = arg._var
                value = arg.value
                values.append(value)
                if var.value is not value and primitive.reads_input(len(inputs)):
                    var.value = value  # freed when recorded, read by this rule: kept
                inputs.append(var)
                if type(value) not in NATIVE_TYPES:
                    plain = False
                    self.saw_foreign = True
                    if isinstance(value, Tracer) and value._owner.level > level:
                        outer, level = value._owner, value._owner.level
                continue
            if type(arg) not in NATIVE_TYPES:  # not a NumPy constant
                if isinstance(arg, Tracer):
                    if arg._owner.level >= self.level:
                        raise_leaked(primitive, arg._owner)
                    if arg._owner.level > level:
                        outer, level = arg._owner, arg._owner.level
                plain = False
                self.saw_foreign = True
            values.append(arg)
            inputs.append(arg)
        try:
            if plain:
                out = primitive.recorded_impl(*values, **params)
            elif outer is not None:  # an outer transform's values: what bind would do with them
                out = primitive.impl(*values, **params) if primitive.inline_below else \
                    outer.process(primitive, tuple(values), params)
            elif primitive.recorded_impl is primitive.impl:  # another library's arrays
                out = run_on_backend(primitive, values, params)
            else:
                out = primitive.recorded_impl(*values, **params)
        except FloatingPointError:  # numpy.errstate(all='raise'): NumPy's own error
            raise
        except (ValueError, TypeError, IndexError, ArithmeticError) as err:
            if outer is not None:
                raise  # an outer level's bind explained it already
            primitive.raise_failure(values, params, err)
        index = self.num_vars
        if primitive.multiple_results:
            outvars = tuple(Var(o, index + i) for i, o in enumerate(out))
            self.num_vars = index + len(outvars)
            equations.append(Equation(primitive, tuple(inputs), outvars, params or NO_PARAMS))
            return tuple(ExprTracer(self, v, o) for v, o in zip(outvars, out))
        # Var(out, index), Equation(...) and ExprTracer(self, var, out), built without calling
        # their __init__: the three objects are most of the cost of recording a cheap primitive
        var = _new(Var)
        var.value = out
        var.index = index
        self.num_vars = index + 1
        equation = _new(Equation)
        equation.primitive = primitive
        equation.inputs = tuple(inputs)
        equation.outputs = (var,)
        equation.params = params or NO_PARAMS  # (the empty dict of this call dies now)
        equations.append(equation)
        if self.frees and type(out) is _ndarray and not primitive.reads_answer and \
                out.nbytes >= FREE_BYTES:
            var.value = ShapeOnly(out)  # no rule reads it unless a later equation says so
        tracer = _new(ExprTracer)
        tracer._owner = self
        tracer._var = var
        tracer.value = out
        return tracer

    def describe_level(self) -> str:
        return self.name  # "grad", "jacfwd", ...: the transform the user called

    def check_conversion(self, tracer, conversion):
        if self.differentiating and tracer._owner is self and self.equations is not None and \
                self.carries_derivative(tracer._var):
            refuse_conversion(tracer, conversion, self.name)

    def carries_derivative(self, var) -> bool:
        """Whether `var` depends on an input through operations that have a derivative: a path
        back to an input through floating values and inputs with a rule. stop_gradient, floor,
        comparisons and integer values end such a path. (Asked only on conversions, so the walk
        costs nothing per primitive.)"""
        if self._producers is None or self._constants is None:
            self._producers, self._constants = {}, set()
        producers = self._producers
        equations = self.equations
        assert equations is not None  # check_conversion asks only while recording
        for k in range(self._scanned, len(equations)):  # index what was recorded since last time
            for out in equations[k].outputs:
                producers[out.index] = equations[k]
        self._scanned = len(equations)
        constants = self._constants
        seen = set()
        pending = [var]
        while pending:
            v = pending.pop()
            if v.index in seen or v.index in constants or v.dtype.kind not in "fc":
                continue
            seen.add(v.index)
            eq = producers.get(v.index)
            if eq is None:
                return True  # an input of the trace
            rules = eq.primitive.vjp
            if rules is None:
                continue
            for i, x in enumerate(eq.inputs):
                if type(x) is Var and rules[i] is not None:
                    pending.append(x)
        constants.update(seen)
        return False

    def output_of(self, x):
        """The trace output for a leaf the function returned: its Var, or the leaf as a constant."""
        if isinstance(x, ExprTracer) and x._owner is self:
            x._var.value = x.value  # an output is kept, whatever the rules read
            return x._var
        if isinstance(x, Tracer) and x._owner.level >= self.level:
            raise_leaked(None, x._owner)
        return x

    def retire(self):
        self.equations = None  # tracers that escape now raise instead of recording

    def finish(self, outputs) -> Trace:
        equations = self.equations
        if equations is None:
            raise_leaked(None, self)
        trace = Trace(self.inputs, equations, [self.output_of(x) for x in outputs], self.num_vars)
        self.retire()
        return trace


def raise_leaked(primitive, owner) -> NoReturn:
    op = f" in {primitive.name}" if primitive is not None else ""
    raise TracerLeakError(
        f"a traced value was used{op}{where()} after the transform that created it "
        f"({owner.describe_level()}) had returned. This happens when a traced value is stored in a "
        "global, a closure or an attribute during grad/vjp/jvp and used later. Return it from the "
        "function instead (use has_aux=True for extra outputs), or store funcgrad.stop_gradient "
        "of a concrete copy.")


def recording(name="trace", differentiating=True, frees=False):
    return running(Recorder(name, differentiating, frees))


def value_of(x, recorder):
    """The plain (one-level-down) value of a leaf the traced function returned."""
    if isinstance(x, ExprTracer) and x._owner is recorder:
        return x.value
    return x


__all__ = ["ExprTracer", "Recorder", "recording", "value_of", "describe"]
