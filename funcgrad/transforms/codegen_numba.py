"""jit's numba backend: scalar traces become a table of rows, compiled by numba to machine code.

`fg.jit(f, backend="numba")` (the extra `pip install funcgrad[numba]`). The optimised trace
becomes a table of operations — one row `(opcode, input, input, input, output)` an equation,
over a register file of float64 — in one pass. Straight-line source is what numba compiles
worst (its type inference costs milliseconds a statement), and a traced loop arrives unrolled,
so:

- reroll.py finds the table's repeated blocks (the steps of a Python loop or `lax.fori_loop`,
  and of their reverse), and where the table, with each block written once inside a `for`
  loop, is at most `MAX_STATEMENTS` lines, that source is compiled as this trace's own kernel
  (codegen_numba_source.py; cached on disk, keyed by the source's hash);
- otherwise one fixed kernel, `_interpret`, compiled by numba once and kept in numba's disk
  cache (`cache=True`), runs the table row by row — a long trace costs nothing extra to compile.

- Every value is a float64 register (a bool is 0.0 or 1.0); constants and arguments are written
  into a copy of the register template at each call.
- A guard is a row comparing a register with the value traced; the kernel returns the number of
  the first guard that fails and the caller raises `GuardFailed`, as the NumPy program does.
- A small generated Python function fills the registers, calls the kernel and returns the outputs
  in the types the NumPy program returns (`np.float64`, `np.bool_`, a 0-d array from `where`);
  where an output is not finite (NumPy would have warned, or the machine code and NumPy part
  ways), it returns what the NumPy program computes instead, as the Python float code does
  (codegen_scalar.py).
- Anything else — arrays, integers, a ufunc outside the table below — raises `Unsupported`, and
  jit runs the NumPy backend with a one-time note (jit.py).

The kernel's `sin`, `exp`, `log`... are the C library's; NumPy evaluates some of them with its
own SIMD loops, which may round the last bit differently; floating-point warnings inside the
program (not at its outputs) are not NumPy's.
"""
from __future__ import annotations

import math
import operator
import time

import numpy as np

from funcgrad.core.ir import Var
from funcgrad.transforms.codegen import GuardFailed, Program, compile_program
from funcgrad.transforms import codegen_numba_arrays as arrays
from funcgrad.transforms.codegen_numba_arrays import Unsupported
from funcgrad.transforms.codegen_numba_source import compile_kernel, kernel_source
from funcgrad.transforms.codegen_scalar import _float_constant, output_type

# opcodes: the order is the kernel's (frequent ones first)
_OPS = ["add", "subtract", "multiply", "divide", "negative", "sin", "cos", "exp", "log", "sqrt",
        "tanh", "power", "absolute", "square", "tan", "log1p", "expm1", "arctan", "arcsin",
        "arccos", "sinh", "cosh", "arctan2", "maximum", "minimum", "less", "less_equal",
        "greater", "greater_equal", "equal", "not_equal", "where", "copy", "to_bool",
        "logical_not", "logical_and", "logical_or", "sign", "reciprocal", "guard"]
OPCODE = {name: i for i, name in enumerate(_OPS)}

_OPERATOR = {operator.add: "add", operator.sub: "subtract", operator.mul: "multiply",
             operator.truediv: "divide", operator.neg: "negative", operator.pow: "power",
             operator.lt: "less", operator.le: "less_equal", operator.gt: "greater",
             operator.ge: "greater_equal", operator.eq: "equal", operator.ne: "not_equal"}
_UFUNC = {np.add: "add", np.subtract: "subtract", np.multiply: "multiply",
          np.true_divide: "divide", np.negative: "negative", np.sin: "sin", np.cos: "cos",
          np.exp: "exp", np.log: "log", np.sqrt: "sqrt", np.tanh: "tanh", np.power: "power",
          np.absolute: "absolute", np.square: "square", np.tan: "tan", np.log1p: "log1p",
          np.expm1: "expm1", np.arctan: "arctan", np.arcsin: "arcsin", np.arccos: "arccos",
          np.sinh: "sinh", np.cosh: "cosh", np.arctan2: "arctan2", np.maximum: "maximum",
          np.minimum: "minimum", np.less: "less", np.less_equal: "less_equal",
          np.greater: "greater", np.greater_equal: "greater_equal", np.equal: "equal",
          np.not_equal: "not_equal", np.logical_not: "logical_not",
          np.logical_and: "logical_and", np.logical_or: "logical_or", np.sign: "sign",
          np.reciprocal: "reciprocal"}
_PRIMITIVE = {"reciprocal": "reciprocal"}  # (its implementation is not the bare ufunc)
_BOOL_RESULT = {"less", "less_equal", "greater", "greater_equal", "equal", "not_equal",
                "logical_not", "logical_and", "logical_or", "to_bool"}
_BOOL_INPUTS = {"logical_not", "logical_and", "logical_or"}


def require_numba():
    """The numba module, or an ImportError naming the extra."""
    try:
        import numba  # pyright: ignore[reportMissingImports]  (an optional extra)
    except ImportError:
        raise ImportError(
            "jit(..., backend='numba') compiles with numba, which is not installed. It is an "
            "optional extra of funcgrad: pip install funcgrad[numba] (or pip install numba), or "
            "use the default backend='numpy'.") from None
    return numba


def _interpret(table, registers):  # pragma: no cover - runs as machine code (numba)
    """Run the rows of `table` on `registers`; the number of the first failing guard, or -1."""
    for k in range(table.shape[0]):
        op = table[k, 0]
        a = registers[table[k, 1]]
        b = registers[table[k, 2]]
        out = table[k, 4]
        if op == 0:
            registers[out] = a + b
        elif op == 1:
            registers[out] = a - b
        elif op == 2:
            registers[out] = a * b
        elif op == 3:
            registers[out] = a / b
        elif op == 4:
            registers[out] = -a
        elif op == 5:
            registers[out] = math.sin(a)
        elif op == 6:
            registers[out] = math.cos(a)
        elif op == 7:
            registers[out] = math.exp(a)
        elif op == 8:
            registers[out] = math.log(a) if a > 0.0 else (-math.inf if a == 0.0 else math.nan)
        elif op == 9:
            registers[out] = math.sqrt(a) if a >= 0.0 else math.nan
        elif op == 10:
            registers[out] = math.tanh(a)
        elif op == 11:
            registers[out] = a ** b
        elif op == 12:
            registers[out] = abs(a)
        elif op == 13:
            registers[out] = a * a
        elif op == 14:
            registers[out] = math.tan(a)
        elif op == 15:
            registers[out] = math.log1p(a) if a > -1.0 else (-math.inf if a == -1.0 else math.nan)
        elif op == 16:
            registers[out] = math.expm1(a)
        elif op == 17:
            registers[out] = math.atan(a)
        elif op == 18:
            registers[out] = math.asin(a) if -1.0 <= a <= 1.0 else math.nan
        elif op == 19:
            registers[out] = math.acos(a) if -1.0 <= a <= 1.0 else math.nan
        elif op == 20:
            registers[out] = math.sinh(a)
        elif op == 21:
            registers[out] = math.cosh(a)
        elif op == 22:
            registers[out] = math.atan2(a, b)
        elif op == 23:  # NumPy's maximum/minimum propagate nan
            registers[out] = a if a > b or a != a else b  # (equal: the second, as NumPy)
        elif op == 24:
            registers[out] = a if a < b or a != a else b
        elif op == 25:
            registers[out] = 1.0 if a < b else 0.0
        elif op == 26:
            registers[out] = 1.0 if a <= b else 0.0
        elif op == 27:
            registers[out] = 1.0 if a > b else 0.0
        elif op == 28:
            registers[out] = 1.0 if a >= b else 0.0
        elif op == 29:
            registers[out] = 1.0 if a == b else 0.0
        elif op == 30:
            registers[out] = 1.0 if a != b else 0.0
        elif op == 31:
            registers[out] = b if a != 0.0 else registers[table[k, 3]]
        elif op == 32:
            registers[out] = a
        elif op == 33:
            registers[out] = 1.0 if a != 0.0 else 0.0
        elif op == 34:
            registers[out] = 1.0 if a == 0.0 else 0.0
        elif op == 35:
            registers[out] = 1.0 if a != 0.0 and b != 0.0 else 0.0
        elif op == 36:
            registers[out] = 1.0 if a != 0.0 or b != 0.0 else 0.0
        elif op == 37:
            registers[out] = 1.0 if a > 0.0 else (-1.0 if a < 0.0 else (0.0 if a == 0.0 else a))
        elif op == 38:
            registers[out] = 1.0 / a
        elif a != b:  # a guard: the value traced is in b, the guard's number in column 3
            return table[k, 3]
    return -1


_kernel = None
_entry = None


def kernel():
    """`_interpret` compiled by numba (from its disk cache after the first time on a machine)."""
    global _kernel
    if _kernel is None:
        numba = require_numba()
        _kernel = numba.njit(cache=True, error_model="numpy", nogil=True)(_interpret)
    return _kernel


def kernel_entry():
    """The kernel's machine code for (a C-ordered int64 table, a float64 register vector), called
    without numba's dispatch on argument types (the caller always passes exactly those); the
    dispatcher itself where numba does not expose it."""
    global _entry
    if _entry is None:
        dispatcher = kernel()
        entry = dispatcher.compile("(int64[:, ::1], float64[::1])")  # (numba returns it)
        _entry = entry if callable(entry) else dispatcher
    return _entry


def _describe(value) -> str:
    return f"{np.asarray(value).dtype} of shape {np.shape(value)}"


def _why_not(trace):
    """Why the trace cannot be a table (a value that is not float64 or bool, or an array over
    MAX_ELEMENTS, a primitive with parameters not lowered, a constant that is no float), or
    None; which primitives the table holds, `_opcode` and arrays.lower say."""
    inputs = {id(v) for v in trace.inputs}
    if not trace.inputs:
        return "the function has no array arguments"
    for v in trace.inputs:
        if not arrays.small(v.value):
            return f"an argument is {_describe(v.value)}"
    if any(type(x) is Var and id(x) in inputs for x in trace.outputs):
        return "an argument is returned unchanged"  # (NumPy's program returns the argument)
    for eq in trace.equations:
        name = eq.primitive.name
        if len(eq.outputs) != 1 or not arrays.small(eq.outputs[0].value):
            return f"{name} gives {_describe(eq.outputs[0].value)}"
        if eq.params and not (name == "astype" and set(eq.params) == {"dtype"}
                              or name in arrays.WITH_PARAMS):
            return f"the primitive {name} is not in the numba backend's table"
        for x in eq.inputs:
            if type(x) is Var or eq.primitive.impl is operator.pow and np.ndim(x) == 0:
                continue
            if not (_float_constant(x) is not None if np.ndim(x) == 0 else
                    arrays.small_constant(x)):
                return f"{name} reads a constant {_describe(x)}"
    return None


def _is_float(x) -> bool:
    return x.dtype == np.float64


class _Table:
    """Rows and the register template being built; a value's registers are an int (a scalar)
    or an int64 array of its shape (codegen_numba_arrays.py)."""

    def __init__(self, trace):
        self.template: list = []
        self.register: dict = {}
        for v in trace.inputs:
            size = np.size(v.value)
            first = len(self.template)
            self.template += [0.0] * size
            self.register[id(v)] = first if np.ndim(v.value) == 0 else \
                np.arange(first, first + size).reshape(np.shape(v.value))
        self.inputs = len(self.template)
        self.rows: list = []
        self.constants: dict = {}
        self.constant_arrays: dict = {}

    def constant(self, value) -> int:
        value = float(value)
        key = (value, math.copysign(1.0, value)) if value == value else "nan"
        if key not in self.constants:
            self.constants[key] = len(self.template)
            self.template.append(value)
        return self.constants[key]

    def slot(self, x) -> int:
        """The one register of a scalar operand."""
        if type(x) is Var:
            register = self.register[id(x)]
            return register if type(register) is int else int(register)
        if isinstance(x, (int, float, np.floating, np.bool_, np.ndarray)) and np.ndim(x) == 0:
            return self.constant(x)
        raise Unsupported(f"a constant of type {type(x).__name__}")

    def ids(self, x) -> np.ndarray:
        """The registers of an operand, as an array of its shape."""
        if type(x) is Var:
            return np.asarray(self.register[id(x)], dtype=np.int64)
        values = np.asarray(x)
        key = (values.dtype.str, values.shape, values.tobytes())
        ids = self.constant_arrays.get(key)
        if ids is None:  # (reverse rules make many equal zeros arrays)
            ids = self.constant_arrays[key] = np.array(
                [self.constant(v) for v in values.ravel()], dtype=np.int64).reshape(values.shape)
        return ids

    def row(self, name, a=0, b=0, c=0) -> int:
        out = len(self.template)
        self.template.append(0.0)
        self.rows.append((OPCODE[name], a, b, c, out))
        return out

    def rows_of(self, name, columns) -> np.ndarray:
        """One row an element of the equal-length register vectors `columns` (the operands),
        each writing a new register; their numbers. (Python lists: the vectors are short.)"""
        columns = [column.tolist() for column in columns]
        n = len(columns[0]) if columns else 0
        first = len(self.template)
        self.template += [0.0] * n
        outputs = range(first, first + n)
        unused = [0] * n
        self.rows += zip([OPCODE[name]] * n, *columns, *[unused] * (3 - len(columns)), outputs)
        return np.arange(first, first + n)

    def guard(self, registers, number, value):
        for register, expected in zip(np.ravel(registers), np.ravel(value)):
            self.rows.append((OPCODE["guard"], int(register), self.constant(expected), number, 0))


def _scalar_equation(eq) -> bool:
    """Whether an elementwise equation's result is a scalar (then so are its inputs)."""
    value = eq.outputs[0].value
    return type(value) is not np.ndarray or value.ndim == 0


class NumbaProgram:
    """The table of one trace of float64 scalars and small arrays, and the Python function
    that runs it with the kernel."""

    def __init__(self, trace, guards, name):
        reason = _why_not(trace)
        if reason is not None:
            raise Unsupported(f"{reason} (the numba backend runs programs whose every value is "
                              f"float64 or bool, arrays of at most {arrays.MAX_ELEMENTS} "
                              "elements)")
        start = time.perf_counter()
        table = _Table(trace)
        register, rows, slot = table.register, table.rows, table.slot
        by_var: dict[int, list] = {}
        for number, (var, value, _) in enumerate(guards):
            by_var.setdefault(id(var), []).append((number, value))
        for v in trace.inputs:
            for number, value in by_var.get(id(v), ()):
                table.guard(register[id(v)], number, value)
        opcodes: dict = {}
        for eq in trace.equations:
            out = eq.outputs[0]
            opcode = self._memo_opcode(eq, opcodes) if eq.primitive.name not in \
                arrays.WITH_PARAMS and eq.primitive.name != "matmul" else None
            if opcode is not None and _scalar_equation(eq):  # (the fast path: no arrays)
                inputs = [slot(x) for x in eq.inputs] + [0, 0, 0]
                register[id(out)] = table.row(opcode, inputs[0], inputs[1], inputs[2])
            else:
                ids = arrays.lower(table, eq, opcode)
                register[id(out)] = int(ids) if ids.ndim == 0 else ids
            for number, value in by_var.get(id(out), ()):
                table.guard(register[id(out)], number, value)
        self.table = np.ascontiguousarray(np.array(rows, dtype=np.int64).reshape(-1, 5))
        self.template = np.ascontiguousarray(table.template, dtype=np.float64)
        self.rows = len(rows)
        outputs = [r for x in trace.outputs if type(x) is Var
                   for r in np.ravel(register[id(x)])]
        generated = kernel_source(self.table, _OPS, table.inputs, outputs, self.template)
        if generated is not None:  # small once its loops are rolled up: its own machine code
            self.kernel_source, from_template, _ = generated
            entry = compile_kernel(self.kernel_source)
            fill = "_template.copy()" if from_template else f"_empty({len(self.template)})"
            self.program = _caller(trace, name, register, fill, "_kernel(r)")
        else:  # the one interpreter kernel runs the table
            self.kernel_source = ""
            entry = kernel_entry()
            self.program = _caller(trace, name, register, "_template.copy()",
                                   "_kernel(_table, r)")
        self.source = self.program.source
        self.program.globals.update(_kernel=entry, _table=self.table, _empty=np.empty,
                                    _template=self.template, GuardFailed=GuardFailed,
                                    isfinite=math.isfinite, _all_finite=_all_finite)
        self.compile_seconds = time.perf_counter() - start

    def calling(self, slow):
        """The compiled caller, running `slow` (the NumPy program or the tape) on the arguments
        as 0-d arrays, the type they were traced as, where an output is not finite."""
        def numpy_program(*args):
            return slow(*[np.asarray(a) for a in args])
        self.program.globals["_numpy_program"] = numpy_program
        return compile_program(self.program)

    @classmethod
    def _memo_opcode(cls, eq, opcodes) -> str:
        """`_opcode`, remembered for the primitive and the dtypes it is given and gives."""
        key = (eq.primitive, eq.outputs[0].value.dtype,
               *[x.value.dtype if type(x) is Var else None for x in eq.inputs])
        opcode = opcodes.get(key)
        if opcode is None:
            opcode = opcodes[key] = cls._opcode(eq)
        return opcode

    @staticmethod
    def _opcode(eq) -> str:
        primitive, impl = eq.primitive, eq.primitive.impl
        out = eq.outputs[0]
        if primitive.name == "where":
            c, x, y = eq.inputs
            if not all(type(v) is not Var or _is_float(v) for v in (x, y)) or not _is_float(out):
                raise Unsupported("where on bools")
            return "where"
        if primitive.name == "astype":
            x = eq.inputs[0]
            if out.dtype == np.bool_:
                return "to_bool"
            return "copy"  # a bool is already 1.0 or 0.0, a float64 itself
        name = _OPERATOR.get(impl) or _UFUNC.get(impl) or _PRIMITIVE.get(primitive.name)
        if name is None:
            raise Unsupported(f"the primitive {primitive.name} is not in the numba backend's "
                              "table")
        floats_in = all(type(x) is not Var or _is_float(x) for x in eq.inputs)
        if name in _BOOL_INPUTS:
            ok = out.dtype == np.bool_
        elif name in _BOOL_RESULT:
            ok = floats_in and out.dtype == np.bool_
        else:
            ok = floats_in and _is_float(out)
        if not ok:
            raise Unsupported(f"{primitive.name} on {', '.join(str(getattr(x, 'dtype', type(x).__name__)) for x in eq.inputs)}")
        return name


def _all_finite(values) -> bool:
    return bool(np.isfinite(values).all())


def _caller(trace, name, register, fill, call) -> Program:
    """Python source filling the registers, calling the kernel and returning the outputs."""
    caller = Program(name)
    caller.namer.reserved.update({"r", "failed"})
    params = [caller.namer(v) for v in trace.inputs]
    caller.lines.append(f"def {name}({', '.join(params)}):")
    caller.lines.append(f"    r = {fill}")
    for v, p in zip(trace.inputs, params):
        registers = register[id(v)]
        if type(registers) is int:
            caller.lines.append(f"    r[{registers}] = {p}")
        else:  # an array's registers are consecutive, in C order
            first = int(registers.flat[0]) if registers.size else 0
            caller.lines.append(f"    r[{first}:{first + registers.size}] = {p}.ravel()")
    caller.lines.append(f"    failed = {call}")
    caller.lines.append("    if failed >= 0: raise GuardFailed(failed)")
    outs = []
    for k, x in enumerate(trace.outputs):
        if type(x) is not Var:
            outs.append(caller.constant(x))
            continue
        registers = register[id(x)]
        if type(registers) is not int:  # an array: NumPy's fancy indexing gathers it
            value = f"r[{caller.constant(registers, '_registers')}]"
            if x.dtype == np.bool_:
                outs.append(f"({value} != 0.0)")
                continue
            caller.lines.append(f"    _o{k} = {value}")
            caller.lines.append(f"    if not _all_finite(_o{k}): "
                                f"return _numpy_program({', '.join(params)})")
            outs.append(f"_o{k}")
            continue
        value = f"r[{registers}]"
        if x.dtype == np.bool_:
            outs.append(f"{output_type(x)}({value} != 0.0)")
            continue
        caller.lines.append(f"    _o{k} = {value}")
        caller.lines.append(f"    if not isfinite(_o{k}): return _numpy_program({', '.join(params)})")
        outs.append(f"_o{k}" if output_type(x) == "np.float64" else f"{output_type(x)}(_o{k})")
    caller.lines.append(f"    return ({''.join(o + ', ' for o in outs).rstrip(' ')})")
    return caller


__all__ = ["NumbaProgram", "Unsupported", "require_numba", "kernel", "OPCODE"]
