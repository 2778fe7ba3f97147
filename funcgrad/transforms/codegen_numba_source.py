"""The numba backend's compiled form of one table: Python source with the loops kept as loops.

A table of rows (codegen_numba.py) whose repeated blocks reroll.py found becomes one function
that numba compiles to machine code; a block repeated k times is written once inside
`for k in range(trips)`, so the source (and numba's compile time, which grows with it) stays
small however many steps the traced loop ran:

    def kernel(r):
        x0 = r[0]
        v3 = math.sin(x0)
        for k in range(298):
            t0 = math.sin(r[6 + 5 * k])
            r[7 + 5 * k] = t0
            ...
        return -1

- `r` is the register file (float64); a value read only inside its own copy of a block is a
  local (`t<j>`), a value read only by straight-line code a local (`v<register>`), anything
  else (read by a later block, strided, or returned) is stored in `r`. Constants are literals.
- A guard returns its number (`return 4 + 1 * k`) when the value differs from the one traced.
- The source is written to a file named by its hash in the cache directory (environment
  variable FUNCGRAD_NUMBA_CACHE, else ~/.cache/funcgrad/numba) and compiled with numba's
  `cache=True`, so the machine code of a trace compiled once is loaded from disk in later
  processes; where the directory is not writable it is compiled in memory.
"""
from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import sys
import tempfile

import numpy as np

from funcgrad.transforms.reroll import find_loops

MAX_STATEMENTS = 1500  # above this the table interpreter runs it (numba compiles ~ms a line)

# the expression of each opcode on operands A, B, C: the interpreter kernel's arithmetic
_EXPRESSION = {
    "add": "{A} + {B}", "subtract": "{A} - {B}", "multiply": "{A} * {B}",
    "divide": "{A} / {B}", "negative": "-{A}", "sin": "math.sin({A})", "cos": "math.cos({A})",
    "exp": "math.exp({A})",
    "log": "(math.log({A}) if {A} > 0.0 else (-math.inf if {A} == 0.0 else math.nan))",
    "sqrt": "(math.sqrt({A}) if {A} >= 0.0 else math.nan)", "tanh": "math.tanh({A})",
    "power": "{A} ** {B}", "absolute": "abs({A})", "square": "{A} * {A}",
    "tan": "math.tan({A})",
    "log1p": "(math.log1p({A}) if {A} > -1.0 else (-math.inf if {A} == -1.0 else math.nan))",
    "expm1": "math.expm1({A})", "arctan": "math.atan({A})",
    "arcsin": "(math.asin({A}) if -1.0 <= {A} <= 1.0 else math.nan)",
    "arccos": "(math.acos({A}) if -1.0 <= {A} <= 1.0 else math.nan)",
    "sinh": "math.sinh({A})", "cosh": "math.cosh({A})", "arctan2": "math.atan2({A}, {B})",
    "maximum": "({A} if {A} > {B} or {A} != {A} else {B})",
    "minimum": "({A} if {A} < {B} or {A} != {A} else {B})",
    "less": "(1.0 if {A} < {B} else 0.0)", "less_equal": "(1.0 if {A} <= {B} else 0.0)",
    "greater": "(1.0 if {A} > {B} else 0.0)", "greater_equal": "(1.0 if {A} >= {B} else 0.0)",
    "equal": "(1.0 if {A} == {B} else 0.0)", "not_equal": "(1.0 if {A} != {B} else 0.0)",
    "where": "({B} if {A} != 0.0 else {C})", "copy": "{A}",
    "to_bool": "(1.0 if {A} != 0.0 else 0.0)", "logical_not": "(1.0 if {A} == 0.0 else 0.0)",
    "logical_and": "(1.0 if {A} != 0.0 and {B} != 0.0 else 0.0)",
    "logical_or": "(1.0 if {A} != 0.0 or {B} != 0.0 else 0.0)",
    "sign": "(1.0 if {A} > 0.0 else (-1.0 if {A} < 0.0 else (0.0 if {A} == 0.0 else {A})))",
    "reciprocal": "1.0 / {A}",
}
_BINARY = {"add", "subtract", "multiply", "divide", "power", "arctan2", "maximum", "minimum",
           "less", "less_equal", "greater", "greater_equal", "equal", "not_equal",
           "logical_and", "logical_or", "guard"}  # a guard reads its register and the value


def _reads(op_names, ops):
    """(rows, 3) booleans: which of columns 1-3 of each row are registers read."""
    arity = np.array([3 if name == "where" else 2 if name in _BINARY else 1
                      for name in op_names])[ops]
    return np.arange(3)[None, :] < arity[:, None]


def _literal(value: float) -> str:
    if value != value:
        return "math.nan"
    if math.isinf(value):
        return "math.inf" if value > 0 else "-math.inf"
    return repr(float(value))


class _Layout:
    """Where each register lives in the generated code (a local, a literal, or `r`)."""

    def __init__(self, table, loops, op_names, n_inputs, outputs, template):
        self.table, self.loops, self.op_names = table, loops, op_names
        self.n_inputs, self.template = n_inputs, template
        n = len(template)
        ops = table[:, 0]
        self.reads = _reads(op_names, ops)
        registers = table[:, 1:4][self.reads]
        self.counts = np.bincount(registers, minlength=n)
        self.returned = np.zeros(n, dtype=bool)
        self.returned[np.asarray(outputs, dtype=np.int64)] = True
        self.counts[self.returned] += 1  # (so no block keeps a returned value in a local)
        writes = ops != op_names.index("guard")
        self.writer = np.full(n, -1, dtype=np.int64)
        self.writer[table[writes, 4]] = np.flatnonzero(writes)
        self.in_loop = np.zeros(len(table), dtype=bool)
        for loop in loops:
            self.in_loop[loop.start:loop.stop] = True
        # registers some block reads at a stride: they must be in r whoever writes them
        self.strided = np.zeros(n, dtype=bool)
        for loop in loops:
            trips = np.arange(loop.trips)
            for j in range(loop.length):
                row = table[loop.start + j]
                for c in np.flatnonzero(self.reads[loop.start + j]):
                    if loop.stride[j, c]:
                        self.strided[row[1 + c] + trips * loop.stride[j, c]] = True
        self.needs_template = bool(np.any(self.strided & (self.writer < 0)
                                          & (np.arange(n) >= n_inputs)))

    def straight_local(self, register) -> bool:
        """Whether straight-line code's value is read only at stride 0 (then by its name)."""
        return not self.strided[register] and not self.returned[register]

    def constant(self, register) -> bool:
        return bool(register >= self.n_inputs and self.writer[register] < 0)

    def fixed(self, register) -> str:
        """A register read at stride 0: a literal, an input's local, a straight local, or r."""
        if register < self.n_inputs:
            return f"x{register}"
        if self.constant(register):
            return _literal(self.template[register])
        writer = self.writer[register]
        if not self.in_loop[writer] and self.straight_local(register):
            return f"v{register}"
        return f"r[{register}]"


def _straight(layout, row, lines):
    name = layout.op_names[row[0]]
    operands = [layout.fixed(int(x)) for x in row[1:4]]
    a, b, c = operands
    if name == "guard":
        lines.append(f"    if {a} != {b}: return {int(row[3])}")
        return
    out = int(row[4])
    lines.append(f"    v{out} = " + _EXPRESSION[name].format(A=a, B=b, C=c))
    if not layout.straight_local(out):
        lines.append(f"    r[{out}] = v{out}")


def _loop(layout, loop, lines):
    table = layout.table
    body = table[loop.start:loop.start + loop.length]
    out_stride = loop.stride[:, 3]
    same = np.zeros(loop.length, dtype=np.int64)  # reads of row j's value in its own copy
    carried = np.zeros(loop.length, dtype=np.int64)  # ... and in the next copy
    source = {}  # (row, column) -> ("t" or "p", body row whose value it reads)
    for i in range(loop.length):
        for c in np.flatnonzero(layout.reads[loop.start + i]):
            register, step = body[i, 1 + c], loop.stride[i, c]
            writer = layout.writer[register] - loop.start
            if 0 <= writer < i and step == out_stride[writer]:
                source[(i, c)] = ("t", writer)
                same[writer] += 1
                continue
            ahead = register + step  # what copy 1 reads: copy 0's value of some row?
            writer = layout.writer[ahead] - loop.start if 0 <= ahead < len(layout.writer) else -1
            if step and 0 <= writer < loop.length and step == out_stride[writer]:
                source[(i, c)] = ("p", writer)
                carried[writer] += 1
    first = {}  # carried row -> the register its first copy reads (from before the loop)
    for (i, c), (kind, j) in source.items():
        if kind == "p":
            first[j] = int(body[i, 1 + c])
    for j, register in sorted(first.items()):
        lines.append(f"    p{j} = {layout.fixed(register)}")
    lines.append(f"    for k in range({loop.trips}):")
    after = []
    for j in range(loop.length):
        name = layout.op_names[body[j, 0]]
        operands = []
        for c in range(3):
            register, step = int(body[j, 1 + c]), int(loop.stride[j, c])
            if (j, c) in source:
                operands.append("%s%d" % source[(j, c)])
            elif step == 0 or not layout.reads[loop.start + j, c]:
                operands.append(layout.fixed(register))
            else:
                operands.append(f"r[{register} + {step} * k]")
        a, b, c = operands
        if name == "guard":
            lines.append(f"        if {a} != {b}: return {int(body[j, 3])} + "
                         f"{int(loop.stride[j, 2])} * k")
            continue
        lines.append(f"        t{j} = " + _EXPRESSION[name].format(A=a, B=b, C=c))
        out, step = int(body[j, 4]), int(out_stride[j])
        reads = layout.counts[out + step * np.arange(loop.trips)]
        if np.any(reads[:-1] != same[j] + carried[j]):  # read elsewhere: every copy in r
            lines.append(f"        r[{out} + {step} * k] = t{j}")
        elif reads[-1] != same[j]:  # only the last copy is read after the loop
            after.append(f"    r[{out + step * (loop.trips - 1)}] = t{j}")
    lines += [f"        p{j} = t{j}" for j in sorted(first)]
    lines += after


def kernel_source(table, op_names, n_inputs, outputs, template):
    """Source of `kernel(r)` for this table (the number of the first failing guard, or -1),
    whether `r` must start as the template (a constant is read at a stride), and the number of
    statements; None where that number exceeds MAX_STATEMENTS."""
    loops = find_loops(table)
    statements = len(table) - sum(loop.length * (loop.trips - 1) for loop in loops)
    if statements > MAX_STATEMENTS:
        return None
    layout = _Layout(table, loops, op_names, n_inputs, outputs, template)
    lines = ["import math", "import numba", "",
             "@numba.njit(cache=CACHE, error_model='numpy', nogil=True)",
             "def kernel(r):"]
    lines += [f"    x{i} = r[{i}]" for i in range(n_inputs) if layout.counts[i]]
    row = 0
    for loop in loops + [None]:
        stop = loop.start if loop is not None else len(table)
        for k in range(row, stop):
            _straight(layout, table[k], lines)
        if loop is not None:
            _loop(layout, loop, lines)
            row = loop.stop
    lines.append("    return -1")
    return "\n".join(lines) + "\n", layout.needs_template, statements


def cache_directory() -> str:
    """Where generated kernels and numba's cache of them are kept."""
    configured = os.environ.get("FUNCGRAD_NUMBA_CACHE")
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "funcgrad", "numba")


_compiled: dict = {}  # hash of the source -> the kernel's machine-code entry point
_dispatchers: dict = {}  # hash of the source -> numba's dispatcher (its cache statistics)


def compile_kernel(source: str):
    """The machine code of `kernel(float64[::1])` in `source`, from numba's disk cache when this
    source was compiled before (here or in an earlier process)."""
    import numba  # pyright: ignore[reportMissingImports]  (an optional extra)
    digest = hashlib.sha256(f"{numba.__version__}\n{source}".encode()).hexdigest()[:32]
    entry = _compiled.get(digest)
    if entry is None:
        dispatcher = _dispatchers[digest] = _load(source, digest)
        entry = dispatcher.compile("(float64[::1],)")
        entry = entry if callable(entry) else dispatcher
        _compiled[digest] = entry
    return entry


def _load(source, digest):
    name = f"funcgrad_kernel_{digest}"
    try:
        directory = cache_directory()
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, name + ".py")
        if not os.path.exists(path):  # (rewriting it would change its date: numba's cache key)
            handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
            with os.fdopen(handle, "w") as file:
                file.write(source.replace("CACHE", "True", 1))
            os.replace(temporary, path)
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise OSError(f"cannot load {path}")  # (compiled in memory below)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # (numba's cached code finds its globals by module name)
        spec.loader.exec_module(module)
        return module.kernel
    except OSError:  # no writable cache directory: compile in memory
        namespace: dict = {}
        exec(compile(source.replace("CACHE", "False", 1), f"<funcgrad kernel {digest}>",  # noqa: S102
                     "exec"), namespace)
        return namespace["kernel"]


__all__ = ["kernel_source", "compile_kernel", "cache_directory", "MAX_STATEMENTS"]
