"""Python-float source for a trace whose every value is a 0-d float64 (or a comparison's bool).

A NumPy call on a 0-d array costs about a microsecond; the same arithmetic on Python floats costs
tens of nanoseconds. So when every value of an optimised trace is a 0-d float64, jit also
generates this form, which gives the same values in the same types:

    def grad_chain(a):
        a = float(a)
        b = sin(a)
        c = 0.01 * b
        d = cos(a)
        e = a + (c * d)
        ...
        e = (e - ((e * c) * b)) + (((e * d) * 0.01) * d)
        if not isfinite(e): raise OffTheMathPath
        return (np.float64(e),)

A value read once is written inside the expression that reads it, and a variable's name goes to a
new variable once its value is read no more: the float it held is freed at once and its memory
reused, which keeps long chains fast.

- `+ - * /`, negation and comparisons are IEEE operations on doubles either way;
- `sin`, `cos`, `sqrt`, `fabs` come from `math` only where they agree with NumPy's loops bit for
  bit on this machine (checked once on sample points); any other ufunc is called as NumPy's, on
  the float (`float(np.exp(a))`), and `**` as NumPy computes it for the operand's traced type;
- where `math` and NumPy part ways the float code raises (math.sqrt(-1) and x / 0 raise,
  NumPy returns nan or inf with a warning), and a non-finite output may hide an overflow NumPy
  warns about: then `with_numpy_fallback` runs the NumPy program instead, so the values,
  warnings and errors (np.errstate) are NumPy's; NumPy calls inside the float code run under
  np.errstate(raise) for that reason.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from funcgrad.core.ir import Var
from funcgrad.transforms.codegen import Program, same_value


class OffTheMathPath(ArithmeticError):
    """Raised by float code whose result NumPy gives with a warning (nan, inf): rerun in NumPy."""


# written as Python operators: IEEE operations on doubles, the same as NumPy's on float64
_FLOAT_OPERATORS = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/"}
_COMPARISONS = {operator.eq: "==", operator.ne: "!=", operator.lt: "<", operator.le: "<=",
                operator.gt: ">", operator.ge: ">="}
# any other operator is called as its ufunc (bool + bool is True in NumPy, 2 in Python)
_UFUNC_OF_OPERATOR = {operator.add: np.add, operator.sub: np.subtract, operator.mul: np.multiply,
                      operator.truediv: np.true_divide, operator.neg: np.negative,
                      operator.floordiv: np.floor_divide}

_MATH_CANDIDATES = {np.sin: "sin", np.cos: "cos", np.sqrt: "sqrt", np.absolute: "fabs"}
_math_agrees: dict | None = None


def _sample_points():
    rng = np.random.default_rng(0)
    points = [0.0, -0.0, 1e-310, 0.5, 1.0, 2.0, np.pi, 1e5, 1e22, 1e300, 710.0]
    points += list(rng.standard_normal(1000) * rng.choice([1e-3, 1.0, 30.0, 1e6], 1000))
    return points


def math_functions() -> dict:
    """ufunc -> name of the `math` function giving the same float64 results, on this machine."""
    global _math_agrees
    if _math_agrees is None:
        agrees = {}
        points = _sample_points()
        for ufunc, name in _MATH_CANDIDATES.items():
            with np.errstate(all="ignore"):
                expected = [float(ufunc(np.float64(p))) for p in points]
            try:
                got = [getattr(math, name)(p) for p in points if p >= 0 or name != "sqrt"]
            except (ValueError, OverflowError):
                continue
            if got == [e for p, e in zip(points, expected) if p >= 0 or name != "sqrt"]:
                agrees[ufunc] = name
        _math_agrees = agrees
    return _math_agrees


def _is_scalar(value) -> bool:
    return (type(value) in (np.float64, np.bool_) or type(value) is np.ndarray
            and value.shape == () and value.dtype in (np.float64, np.bool_))


def _float_constant(value):
    """Source for a constant used in float arithmetic, or None if it would change the result."""
    if type(value) is bool or isinstance(value, (np.bool_, complex)):
        return None
    if type(value) is int:
        return repr(float(value)) if abs(value) < 2 ** 53 else None
    if type(value) is float or type(value) is np.float64 or type(value) is np.ndarray \
            and value.shape == () and value.dtype == np.float64:
        number = float(value)
        return repr(number) if math.isfinite(number) else f"float('{number}')"
    return None


def applies(trace, guards) -> bool:
    """Whether every value of the trace is a 0-d float64 or bool and every equation a ufunc or an
    arithmetic operator (then `generate_scalar` can write it with Python floats)."""
    inputs = {id(v) for v in trace.inputs}
    if not trace.inputs or any(not _is_scalar(v.value) for v in trace.inputs):
        return False
    if any(type(x) is Var and id(x) in inputs for x in trace.outputs):
        return False  # returned unchanged: the NumPy program hands back the argument itself
    for eq in trace.equations:
        impl, name = eq.primitive.impl, eq.primitive.name
        if len(eq.outputs) != 1 or not _is_scalar(eq.outputs[0].value):
            return False
        if name == "astype" and set(eq.params) == {"dtype"}:
            continue  # to float64 or bool, as _is_scalar checked
        if eq.params or not (name == "where" or impl in _COMPARISONS or impl is operator.pow
                             or impl in _UFUNC_OF_OPERATOR or impl is not np.matmul
                             and isinstance(impl, np.ufunc) and impl.nout == 1
                             and impl.nin in (1, 2)):
            return False
        for x in eq.inputs:
            if type(x) is not Var and (_float_constant(x) is None and impl is not operator.pow):
                return False
    return True


class ScalarProgram(Program):
    """A Program whose variables hold Python floats (see the module docstring)."""

    def __init__(self, name):
        super().__init__(name)
        self.math = math_functions()
        for function in set(self.math.values()) | {"isfinite"}:
            self.globals[function] = getattr(math, function)
            self.namer.reserved.add(function)
        self.globals["OffTheMathPath"] = OffTheMathPath
        self.namer.reserved.add("OffTheMathPath")
        self.inline: dict[int, str] = {}  # variables written into their one reader, as expressions
        self.calls_numpy = False  # whether some line calls NumPy (which may warn)

    def operand(self, x) -> str:
        if type(x) is not Var:
            constant = _float_constant(x)
            assert constant is not None  # (the traces with other constants were refused above)
            return constant
        expression = self.inline.pop(id(x), None)
        return expression if expression is not None else self.namer(x)

    def call(self, eq) -> str:
        impl = eq.primitive.impl
        if impl is operator.pow:
            return self._power(eq)
        args = [self.operand(x) for x in eq.inputs]
        if eq.primitive.name == "where":
            return f"{args[1]} if {args[0]} else {args[2]}"
        if eq.primitive.name == "astype":
            return f"{'bool' if eq.outputs[0].dtype == np.bool_ else 'float'}({args[0]})"
        real = eq.outputs[0].dtype == np.float64
        if impl in _FLOAT_OPERATORS and real:
            return f"{args[0]} {_FLOAT_OPERATORS[impl]} {args[1]}"
        if impl is operator.neg and real:
            return f"-{args[0]}"
        if impl in _COMPARISONS:
            return f"{args[0]} {_COMPARISONS[impl]} {args[1]}"
        if impl in self.math:
            return f"{self.math[impl]}({args[0]})"
        ufunc = _UFUNC_OF_OPERATOR.get(impl, impl)
        return f"{'float' if real else 'bool'}({self._ufunc_name(ufunc)}({', '.join(args)}))"

    def _ufunc_name(self, ufunc):
        self.calls_numpy = True
        if getattr(np, ufunc.__name__, None) is ufunc:
            return f"np.{ufunc.__name__}"
        name = f"_{ufunc.__name__}"
        self.globals[name] = ufunc
        self.namer.reserved.add(name)
        return name

    def _power(self, eq):
        # `**` is NumPy's on the operands' traced types: a 0-d *array* squared is x * x (NumPy's
        # shortcut), a float64 scalar goes through scalar pow, an array operand through the ufunc
        base, exponent = eq.inputs
        if type(base) is Var and type(base.value) is np.ndarray and type(exponent) in (int, float) \
                and exponent == 2:
            name = self.namer(base)
            return f"{name} * {name}"
        self.calls_numpy = True
        base = self._as_traced(base)
        base = f"({base})" if base.startswith("-") else base  # (-1) ** a, not -(1 ** a)
        return f"float({base} ** {self._as_traced(exponent)})"

    def _as_traced(self, x):
        """Source for `x` as the type it had while tracing (constants are passed as they were)."""
        if type(x) is not Var:
            return self.constant(x)
        wrap = "np.array" if type(x.value) is np.ndarray else "np.float64"
        return f"{wrap}({self.namer(x)})"

    def output(self, x, name):
        """The returned value of output `x` (held by `name`) in the type NumPy's program returns:
        a scalar from a ufunc, a 0-d array from np.where."""
        return f"{output_type(x)}({name})"

    def guard(self, number, var, value):
        name = self.namer(var)
        if isinstance(value, (bool, np.bool_)) or getattr(value, "dtype", None) == np.bool_:
            test = f"not {name}" if bool(value) else name
        elif math.isfinite(float(value)):
            test = f"{name} != {float(value)!r}"
        else:
            test = f"not _same({name}, {self.constant(value, '_g')})"
            self.globals["_same"] = same_value
        self.lines.append(f"    if {test}: raise GuardFailed({number})")


def output_type(x) -> str:
    """What wraps a float or bool output to the type NumPy's program returns for `x`."""
    return "np.array" if type(x.value) is np.ndarray else \
        "np.bool_" if x.dtype == np.bool_ else "np.float64"


_MAX_NESTING = 8  # Python's parser refuses very deep expressions; readers tire sooner


def _inlining(trace, guards):
    """(ids of variables written as an expression inside their only reader, the index of the
    line where each equation's inputs are actually read).

    A variable read by exactly one equation (not an output, not guarded, not an argument) is
    inlined, unless its reader is `where` or `**` (which read names), or the nesting gets deep.
    """
    uses: dict[int, list] = {}
    for i, eq in enumerate(trace.equations):
        for x in eq.inputs:
            if type(x) is Var:
                uses.setdefault(id(x), []).append(i)
    pinned = {id(v) for v in trace.inputs} | {id(x) for x in trace.outputs if type(x) is Var} \
        | {id(g[0]) for g in guards}
    eqs = trace.equations
    inlined, depth = set(), {}
    for i, eq in enumerate(eqs):
        v = eq.outputs[0]
        deepest = 1 + max((depth.get(id(x), 0) for x in eq.inputs if type(x) is Var), default=0)
        readers = uses.get(id(v), [])
        if id(v) not in pinned and len(readers) == 1 and deepest <= _MAX_NESTING \
                and eqs[readers[0]].primitive.name != "where" \
                and eqs[readers[0]].primitive.impl is not operator.pow:
            inlined.add(id(v))
            depth[id(v)] = deepest
    read_at = list(range(len(eqs)))
    for i in reversed(range(len(eqs))):
        if id(eqs[i].outputs[0]) in inlined:
            read_at[i] = read_at[uses[id(eqs[i].outputs[0])][0]]
    return inlined, read_at


def generate_scalar(trace, guards, name="jitted", program_class=None) -> ScalarProgram:
    """The float program for `trace` (check `applies` first); `program_class` prints it for
    another compiler (codegen_numba.py)."""
    program = (program_class or ScalarProgram)(name)
    by_var: dict[int, list] = {}
    for number, (var, value, _) in enumerate(guards):
        by_var.setdefault(id(var), []).append((number, var, value))
    params = [program.namer(v) for v in trace.inputs]
    program.lines.append(f"def {name}({', '.join(params)}):")
    for v, param in zip(trace.inputs, params):
        convert = "bool" if v.dtype == np.bool_ else "float"
        program.lines.append(f"    {param} = {convert}({param})")
        for number, var, value in by_var.get(id(v), ()):
            program.guard(number, var, value)
    inlined, read_at = _inlining(trace, guards)
    last_use, variables = {}, {}
    for i, eq in enumerate(trace.equations):
        for x in eq.inputs:
            if type(x) is Var and id(x) not in inlined:
                last_use[id(x)] = max(last_use.get(id(x), -1), read_at[i])
                variables[id(x)] = x
    for x in list(trace.inputs) + [x for x in trace.outputs if type(x) is Var]:
        last_use[id(x)] = len(trace.equations)  # arguments keep their names; outputs live on
    dead_after: dict[int, list] = {}
    for key, i in last_use.items():
        if key in variables:
            dead_after.setdefault(i, []).append(variables[key])
    for i, eq in enumerate(trace.equations):
        rhs = program.call(eq)
        if id(eq.outputs[0]) in inlined:
            program.inline[id(eq.outputs[0])] = f"({rhs})"
            continue
        for x in dead_after.get(i, ()):
            program.namer.release(x)
        program.lines.append(f"    {program.namer(eq.outputs[0])} = {rhs}")
        for number, var, value in by_var.get(id(eq.outputs[0]), ()):
            program.guard(number, var, value)
    outs = []
    for x in trace.outputs:
        if type(x) is not Var:
            outs.append(program.constant(x))
            continue
        name = program.namer(x)
        if x.dtype != np.bool_:
            program.lines.append(f"    if not isfinite({name}): raise OffTheMathPath")
        outs.append(program.output(x, name))
    program.lines.append(f"    return ({''.join(o + ', ' for o in outs).rstrip(' ')})")
    return program


def with_numpy_fallback(fast, slow, calls_numpy=False):
    """`fast` (float code), or `slow` (the NumPy program) where the float code leaves NumPy's path.

    The NumPy program then gets the arguments as 0-d arrays, the type they were traced as and the
    float code follows (NumPy computes `x ** 2` differently for a float64 scalar and a 0-d array).
    With `calls_numpy`, floating-point trouble in a NumPy call inside the float code raises
    instead of warning, so the NumPy program warns (or raises, under np.errstate) once.
    """
    def numpy_program(*args):
        return slow(*[np.asarray(a) for a in args])

    if calls_numpy:
        def compiled(*args):
            try:
                with np.errstate(divide="raise", over="raise", invalid="raise"):
                    return fast(*args)
            except (ArithmeticError, ValueError):
                return numpy_program(*args)
    else:
        def compiled(*args):
            try:
                return fast(*args)
            except (ArithmeticError, ValueError):
                return numpy_program(*args)
    compiled.fast, compiled.slow = fast, numpy_program
    return compiled


__all__ = ["applies", "generate_scalar", "with_numpy_fallback", "math_functions", "OffTheMathPath"]
