"""jit: trace a function once per signature, optimise its trace, compile it to straight-line Python.

A signature is the arguments' pytree structure, each leaf's shape and dtype, and the values of the
static arguments. Because funcgrad traces with concrete values, Python control flow on traced
values (`if x.sum() > 0`, `int(n)`, `float(t)`, a traced index) works while tracing; jit records
each such decision as a *guard* (the value it was taken on) and the compiled code checks it, so a
cached trace never replays the wrong branch: when a guard fails, the function is traced again for
that path. Called under another transform (grad, vmap...), a jitted function simply runs `fun`,
so the outer transform sees its primitives.
"""
from __future__ import annotations

import functools
import inspect
import warnings
from collections import OrderedDict
from typing import Any, Callable, Generic, Sequence, overload

import numpy as np

from funcgrad._typing import ArgNums, P, R
from funcgrad.backends.arrays import backend_for
from funcgrad.core.gcpause import paused_gc
from funcgrad.core.ir import Var
from funcgrad.core.recorder import Recorder
from funcgrad.core.tracer import Tracer, active_interpreters, running
from funcgrad.errors import user_frame, user_stacklevel, where
from funcgrad.transforms._inputs import as_array
from funcgrad.transforms.codegen import GuardFailed, compile_program, generate
from funcgrad.transforms.codegen_scalar import applies, generate_scalar, with_numpy_fallback
from funcgrad.transforms.optimize import optimize
from funcgrad.transforms import replay
from funcgrad.tree_util import tree_flatten, tree_unflatten


class GuardRecorder(Recorder):
    """A recorder that writes down every value Python control flow looked at."""

    __slots__ = ("guards",)

    def __init__(self, name="jit"):
        super().__init__(name, differentiating=False)  # float(x) is guarded, not refused
        self.guards = []

    def concretize(self, tracer):
        value = tracer._var.value
        self.guards.append((tracer._var, value, user_frame()))
        return value

    def describe_level(self) -> str:
        return "jit"


class Lowered:
    """What jit made of one signature: the optimised trace, its guards and the generated source
    (`.source`; `.scalar_source` too when every value is a 0-d float64: that float code runs
    first, and the NumPy program wherever it would part from NumPy's results). A trace longer
    than `REPLAY_ABOVE` equations is replayed by a compact interpreter instead (`.tape`, see
    replay.py; `.source` is then empty, and `.trace` and `.optimised` are None: the tape consumed
    the trace as it was built, so that the two are never both whole in memory)."""

    def __init__(self, trace, optimised, guards, program, out_tree, pure, scalar_program=None,
                 tape=None, numba_program=None):
        self.trace = trace
        self.optimised = optimised
        self.guards = guards
        self.program = program
        self.scalar_program = scalar_program
        self.tape = tape
        self.out_tree = out_tree
        self.pure = pure
        self.numba_program = numba_program
        self.compiled = tape if tape is not None else compile_program(program) if pure else None
        if numba_program is not None:
            self.compiled = numba_program.calling(self.compiled)
        elif scalar_program is not None:
            self.compiled = with_numpy_fallback(compile_program(scalar_program), self.compiled,
                                                scalar_program.calls_numpy)
        if out_tree.kind is None:
            self.unpack = _first
        elif out_tree == tree_flatten(tuple(range(out_tree.num_leaves)))[1]:
            self.unpack = tuple
        else:
            self.unpack = lambda outs: tree_unflatten(out_tree, outs)

    @property
    def source(self) -> str:
        return self.program.source if self.program is not None else ""

    @property
    def scalar_source(self) -> str:
        return self.scalar_program.source if self.scalar_program is not None else ""

    @property
    def numba_source(self) -> str:
        """The module numba compiled (backend="numba"), empty when the NumPy backend runs."""
        return self.numba_program.source if self.numba_program is not None else ""

    def __str__(self):
        return self.source

    def __repr__(self):
        if self.tape is not None:
            return (f"<Lowered: {self.tape.equations} equations traced, replayed by a tape of "
                    f"{self.tape.num_registers} registers, {len(self.guards)} guards>")
        return (f"<Lowered: {len(self.trace)} equations traced, {len(self.optimised)} after "
                f"optimisation, {len(self.guards)} guards>")


def _leaf_signature(x):
    if type(x) is np.ndarray:
        return (x.shape, x.dtype)
    if isinstance(x, (bool, int, float, complex)):
        return type(x)
    if isinstance(x, np.generic):
        return ((), x.dtype)
    return (np.shape(x), getattr(x, "dtype", type(x)), type(x))  # (a Dask array: its own program)


def _trace_values(trace):
    """The inputs' values and the constants of a trace: what says which library it runs on."""
    values = [v.value for v in trace.inputs]
    values += [x for eq in trace.equations for x in eq.inputs if type(x) is not Var]
    return values


def _static_key(value, label):
    try:
        hash(value)
    except TypeError:
        raise TypeError(
            f"jit: the static argument {label} is a {type(value).__name__}, which is not hashable"
            f"{where()}. Static arguments key the cache of traces, so they must be hashable: pass "
            "a tuple instead of a list, or make the argument non-static.") from None
    return value


class Jitted(Generic[P, R]):
    """The function returned by `jit`. Inspect it with `.trace_count`, `.last_retrace_reason`,
    `.cache_info()` and `.lower(*args)`."""

    def __init__(self, fun, static_argnums, static_argnames, cache_size, max_variants,
                 backend="numpy"):
        self.fun = fun
        self.backend = backend
        self.noted = False  # the numba backend's one-time note that NumPy runs instead
        self.static_argnums = tuple(sorted(int(i) for i in static_argnums))
        self.static_argnames = tuple(static_argnames)
        self.cache_size = cache_size
        self.max_variants = max_variants
        self.cache: OrderedDict = OrderedDict()
        self.array_cache: dict = {}  # the same entries, keyed by shapes/dtypes of plain array args
        self.plain = not self.static_argnums and not self.static_argnames
        self.trace_count = 0
        self.warned = False
        self.last_retrace_reason = None
        self.last_signature = None
        self.__name__ = getattr(fun, "__name__", "function")
        self.__doc__ = getattr(fun, "__doc__", None)
        self.__wrapped__ = fun
        try:
            self.arg_names = list(inspect.signature(fun).parameters)
        except (TypeError, ValueError):
            self.arg_names = []

    def __getstate__(self):
        # compiled programs are not data: a copy (pickle, deepcopy, multiprocessing's spawn)
        # starts with an empty cache and traces again on its first call
        state = dict(self.__dict__)
        state["cache"] = OrderedDict()
        state["array_cache"] = {}
        return state

    # -- calling --------------------------------------------------------------------------------
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if active_interpreters():
            return self.fun(*args, **kwargs)  # under another transform: let it see the primitives
        if not kwargs and self.plain:
            # the common case, all arguments plain arrays or floats: no pytree walk on a cache hit
            key = _plain_key(args)
            if key is not None:
                variants = self.array_cache.get(key)
                if variants is not None:
                    for lowered in variants:
                        try:
                            return lowered.unpack(lowered.compiled(*args))
                        except GuardFailed:
                            continue
        if self.static_argnums or self.static_argnames or kwargs:
            dynamic, statics, rebuild = self._split(args, kwargs)
        else:
            dynamic, statics, rebuild = args, (), None
        leaves, tree = tree_flatten(dynamic)
        key = (tree, tuple(map(_leaf_signature, leaves)), statics)
        variants = self.cache.get(key)
        if variants is not None:
            for lowered in variants:
                try:
                    outs = lowered.compiled(*leaves)
                except GuardFailed as failure:
                    reason = self._guard_reason(lowered, failure.number)
                    continue
                return lowered.unpack(outs)
        else:
            reason = self._signature_reason(key)
            variants = []
        self.last_retrace_reason = reason
        if variants and len(variants) >= self.max_variants and not self.warned:
            self.warned = True
            warnings.warn(
                f"jit({self.__name__}) keeps re-tracing for the same argument shapes: {reason}. "
                "A Python decision on a traced value (if, float(), int()) changes from call to "
                "call. Mark the argument it depends on static (static_argnums), or use "
                "funcgrad.lax.cond / funcgrad.numpy.where so one trace serves every value.",
                RuntimeWarning, stacklevel=2)
        lowered, result = self._trace(leaves, tree, rebuild)
        if lowered.pure:
            result = _as_compiled_returns(lowered, leaves, result)
            variants.insert(0, lowered)
            del variants[self.max_variants:]
            self.cache[key] = variants
            self.cache.move_to_end(key)
            plain = _plain_key(leaves) if rebuild is None else None
            if plain is not None and tree == tree_flatten(tuple(leaves))[1]:
                self.array_cache[plain] = variants
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
                self.array_cache.clear()  # rebuilt from the main cache's entries as they are used
        self.last_signature = key
        return result

    def _split(self, args, kwargs):
        n = len(args)
        nums = tuple(i % n for i in self.static_argnums if -n <= i < n)
        for i in self.static_argnums:
            if not -n <= i < n:
                raise ValueError(f"jit: static_argnums contains {i} but {self.__name__} was called "
                                 f"with {n} positional arguments{where()}.")
        statics = tuple(_static_key(args[i], f"#{i}") for i in nums)
        statics += tuple((k, _static_key(kwargs[k], repr(k))) for k in self.static_argnames
                         if k in kwargs)
        dyn_args = tuple(a for i, a in enumerate(args) if i not in nums)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        static_kwargs = {k: v for k, v in kwargs.items() if k in self.static_argnames}

        def rebuild(dynamic):
            d_args, d_kwargs = dynamic
            it = iter(d_args)
            full = [args[i] if i in nums else next(it) for i in range(n)]
            return tuple(full), {**d_kwargs, **static_kwargs}
        return (dyn_args, dyn_kwargs), statics, rebuild

    def _trace(self, leaves, tree, rebuild) -> tuple[Any, Any]:
        with paused_gc():  # a long trace is a large heap of small objects: see core/gcpause.py
            return self._trace_and_lower(leaves, tree, rebuild)

    def _trace_and_lower(self, leaves, tree, rebuild):
        drawn_before = _numpy_random_states(self.fun)
        with running(GuardRecorder(f"jit({self.__name__})")) as recorder:
            try:
                arrays = [as_array(x, f"argument leaf {i}", "jit", differentiable=False)
                          for i, x in enumerate(leaves)]
            except TypeError as err:
                raise TypeError(f"{err} Or, under jit, mark that argument static with "
                                "static_argnums / static_argnames (it must be hashable).") from None
            tracers = [recorder.new_input(x) for x in arrays]
            dynamic = tree_unflatten(tree, tracers)
            if rebuild is None:
                result = self.fun(*dynamic)
            else:
                full_args, full_kwargs = rebuild(dynamic)
                result = self.fun(*full_args, **full_kwargs)
            out_leaves, out_tree = tree_flatten(result)
            trace = recorder.finish(out_leaves)
        self.trace_count += 1
        _warn_if_numpy_random_drawn(drawn_before, self.fun, self.__name__)
        if len(trace.equations) > replay.REPLAY_ABOVE and replay.runs(trace, recorder):
            # long: optimising, generating and compiling source would cost 20-40x the tracing
            return self._taped(trace, recorder.guards, out_tree, leaves)
        pure = _is_pure(trace)
        outs = [x.value if type(x) is Var else x for x in trace.outputs]
        optimised, guards = optimize(trace, recorder.guards) if pure else (trace, [])
        name = _identifier(self.__name__)
        backend = backend_for(_trace_values(optimised)) if pure else None
        program = generate(optimised, guards, name, backend) if pure else None
        if pure and backend is None and self.backend == "numba":
            numba_program = self._numba_program(optimised, guards, name)
            if numba_program is not None:
                lowered = Lowered(trace, optimised, guards, program, out_tree, pure,
                                  numba_program=numba_program)
                return lowered, tree_unflatten(out_tree, outs)
        scalar = generate_scalar(optimised, guards, name) if pure and backend is None \
            and applies(optimised, guards) else None
        lowered = Lowered(trace, optimised, guards, program, out_tree, pure, scalar)
        return lowered, tree_unflatten(out_tree, outs)

    def _taped(self, trace, guards, out_tree, leaves):
        """(Lowered, result) replaying a long trace by a tape (replay.py), which consumes the
        trace (unless numba's table is made from it too)."""
        numba = self.backend == "numba"
        tape = replay.build_tape(trace, guards, consume=not numba)
        numba_program = None
        if numba:  # its table is built in one pass too (the tape: NumPy's values where an
            # output is not finite)
            numba_program = self._numba_program(trace, guards, _identifier(self.__name__))
        lowered = Lowered(None, None, guards, None, out_tree, True, tape=tape,
                          numba_program=numba_program)
        # what the tape returns: the argument itself where an output is one
        argument = {id(v): leaf for v, leaf in zip(trace.inputs, leaves)}
        outs = [argument.get(id(x), x.value) if type(x) is Var else x for x in trace.outputs]
        return lowered, tree_unflatten(out_tree, outs)

    def _numba_program(self, optimised, guards, name):
        """The trace compiled by numba, or None (after a one-time note) when it cannot be."""
        from funcgrad.transforms.codegen_numba import NumbaProgram, Unsupported
        try:
            return NumbaProgram(optimised, guards, name)
        except Unsupported as reason:
            if not self.noted:
                self.noted = True
                warnings.warn(
                    f"jit({self.__name__}, backend='numba'): {reason}; this signature runs on the "
                    "NumPy backend instead (same values). Noted once per jitted function.",
                    RuntimeWarning, stacklevel=user_stacklevel())
            return None

    def __get__(self, instance, owner=None):
        """As a method: bind the instance as the first (traced) argument."""
        return self if instance is None else functools.partial(self, instance)

    # -- inspecting ----------------------------------------------------------------------------
    def lower(self, *args, **kwargs) -> Lowered:
        """Trace for these arguments (without touching the cache) and return the `Lowered` program:
        `.source` is the generated Python, `.optimised` the trace it was made from."""
        return self.trace_uncounted(args, kwargs)[0]

    def trace_uncounted(self, args, kwargs):
        """(Lowered, result) of tracing these arguments, leaving the cache and trace_count as
        they were (lower, and debug_nans's checked calls)."""
        if self.static_argnums or self.static_argnames or kwargs:
            dynamic, _, rebuild = self._split(args, kwargs)
        else:
            dynamic, rebuild = args, None
        leaves, tree = tree_flatten(dynamic)
        count = self.trace_count
        traced = self._trace(leaves, tree, rebuild)
        self.trace_count = count
        return traced

    def cache_info(self) -> dict:
        return {"trace_count": self.trace_count, "signatures": len(self.cache),
                "variants": sum(len(v) for v in self.cache.values()),
                "cache_size": self.cache_size, "last_retrace_reason": self.last_retrace_reason}

    def clear_cache(self):
        self.cache.clear()
        self.array_cache.clear()

    def _guard_reason(self, lowered, number):
        var, value, frame = lowered.guards[number]
        at = f" at {frame}" if frame else ""
        return (f"a value-dependent Python decision{at} (traced on the value "
                f"{np.asarray(value).tolist()!r}) would go another way for these arguments")

    def _signature_reason(self, key) -> str:
        if self.last_signature is None:
            return "first call"
        old_tree, old_sig, old_statics = self.last_signature
        tree, sig, statics = key
        if statics != old_statics:
            before, after = _describe_statics(old_statics), _describe_statics(statics)
            return f"a static argument changed: {before} -> {after}"
        if tree != old_tree:
            return f"the structure of the arguments changed: {old_tree} -> {tree}"
        for i, (old, new) in enumerate(zip(old_sig, sig)):
            if old != new:
                label = self._leaf_label(tree, i)
                if isinstance(old, tuple) and isinstance(new, tuple) and old[0] != new[0]:
                    return f"{label} changed shape: {old[0]} -> {new[0]}"
                if isinstance(old, tuple) and isinstance(new, tuple):
                    return f"{label} changed dtype: {old[1]} -> {new[1]}"
                return f"{label} changed type: {_sig_text(old)} -> {_sig_text(new)}"
        return "the signature was evicted from the cache"

    def _leaf_label(self, tree, leaf_index):
        children = tree.children if tree.kind is tuple else ()
        if children and len(children) == 2 and tree.children[0].kind is tuple and \
                tree.children[1].kind is dict:  # (args, kwargs) when static args are in use
            children = tree.children[0].children
        start = 0
        for position, child in enumerate(children):
            if leaf_index < start + child.num_leaves:
                name = self._arg_name(position)
                inner = "" if child.kind is None else f" (leaf {leaf_index - start})"
                return f"argument {name}{inner}"
            start += child.num_leaves
        return f"argument leaf {leaf_index}"

    def _arg_name(self, position):
        dynamic = [i for i in range(len(self.arg_names) + 64) if i not in self.static_argnums]
        index = dynamic[position] if position < len(dynamic) else position
        if index < len(self.arg_names):
            return f"{index} ({self.arg_names[index]!r})"
        return str(index)


def _numpy_random_states(fun):
    """The state of numpy.random's global generator and of the Generator/RandomState objects
    `fun` refers to (its globals and closure), to compare before and after tracing."""
    # (the legacy tuple: NumPy's stubs also allow the dict, which only legacy=False returns)
    _, keys, position, has_gauss, _ = np.random.get_state()
    found: list[Any] = [(keys[:4].tobytes(), position, has_gauss)]  # pyright: ignore[reportAttributeAccessIssue]
    code = getattr(fun, "__code__", None)
    names = [getattr(fun, "__globals__", {}).get(n) for n in code.co_names] if code else []
    cells = []
    for cell in getattr(fun, "__closure__", None) or ():
        try:
            cells.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    for obj in names + cells:
        if isinstance(obj, np.random.Generator):
            found.append(repr(obj.bit_generator.state))
        elif isinstance(obj, np.random.RandomState):
            found.append(repr(obj.get_state(legacy=False)))
    return found


def _warn_if_numpy_random_drawn(before, fun, name):
    """Tracing drew from numpy.random: those numbers are frozen into the compiled trace."""
    if _numpy_random_states(fun) != before:
        warnings.warn(
            f"jit({name}) drew random numbers from numpy.random while tracing: they are frozen "
            "into the compiled trace, so every call returns the same numbers. Pass a key "
            "instead: key = funcgrad.random.key(0); key, sub = funcgrad.random.split(key); "
            "funcgrad.random.normal(sub, shape) inside the function, with the key as an "
            "argument (see docs/random.md).", RuntimeWarning, stacklevel=user_stacklevel())


def _plain_key(args):
    """The leaf signatures of arguments that are all arrays, Python floats or float64 scalars
    (as `_leaf_signature` gives them); None for anything else."""
    key = []
    for a in args:
        kind = type(a)
        if kind is np.ndarray:
            key.append((a.shape, a.dtype))
        elif kind is float or kind is np.float64:
            key.append(kind)
        else:
            return None
    return tuple(key)


def _as_compiled_returns(lowered, leaves, traced) -> Any:
    """The result of the tracing call as the compiled code returns it, so that its types (a
    Python float, a NumPy scalar, a 0-d array) do not depend on whether the trace was cached.
    The values are the same: the code computes what NumPy computed while tracing. A program
    with effects (fg.debug.callback) ran them while tracing: running it again would repeat them."""
    if lowered.tape is not None:
        return traced  # the tape runs the implementations that computed it: the same types
    if any(eq.primitive.family == "effect" for eq in lowered.optimised.equations):
        return traced
    try:
        with np.errstate(all="ignore"):  # tracing has warned already
            return lowered.unpack(lowered.compiled(*leaves))
    except GuardFailed:  # a guard on a value unequal to itself (nan): keep the traced result
        return traced


def _first(outs):
    return outs[0]


def _sig_text(sig):
    return sig.__name__ if isinstance(sig, type) else repr(sig)


def _describe_statics(statics):
    return ", ".join(repr(s) for s in statics) or "none"


def _identifier(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "jitted"
    return cleaned if not cleaned[0].isdigit() else "f_" + cleaned


def _is_pure(trace) -> bool:
    """Whether the trace holds no tracer of an outer transform (then it can be cached)."""
    for eq in trace.equations:
        for x in eq.inputs:
            if isinstance(x, Tracer):
                return False
    return not any(isinstance(x, Tracer) for x in trace.outputs)


@overload
def jit(fun: Callable[P, R], *, static_argnums: ArgNums = (),
        static_argnames: str | Sequence[str] = (), cache_size: int = 64,
        max_variants: int = 8, backend: str = "numpy") -> Jitted[P, R]: ...
@overload
def jit(fun: None = None, *, static_argnums: ArgNums = (),
        static_argnames: str | Sequence[str] = (), cache_size: int = 64,
        max_variants: int = 8, backend: str = "numpy") -> Callable[[Callable[P, R]], Jitted[P, R]]: ...


def jit(fun=None, *, static_argnums=(), static_argnames=(), cache_size=64, max_variants=8,
        backend="numpy") -> "Jitted[..., Any] | Callable[[Callable[..., Any]], Jitted[..., Any]]":
    """Compile `fun`: trace it once per signature, optimise the trace, generate Python for it.

    Later calls with the same argument shapes, dtypes, structure and static values replay the
    compiled code. Python control flow on traced values is guarded, so a changed decision
    re-traces instead of replaying the wrong branch. `static_argnums`/`static_argnames` name
    arguments used as Python values (they must be hashable). `cache_size` bounds the number of
    signatures kept, `max_variants` the number of control-flow paths kept per signature.
    `backend="numba"` (the extra `pip install funcgrad[numba]`) compiles programs whose every
    value is a float64 scalar to machine code with numba, cached on disk (codegen_numba.py);
    any other program runs on the NumPy backend, with a one-time note.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> f = fg.jit(lambda x: fnp.sum(x ** 2) if x[0] > 0 else -x[0])
    >>> float(f(np.array([1.0, 2.0]))), float(f(np.array([-3.0, 2.0])))
    (5.0, 3.0)
    >>> f.trace_count
    2
    """
    if backend not in ("numpy", "numba"):
        raise ValueError(f"jit: backend={backend!r} is not one of 'numpy' (the default) and "
                         "'numba'.")
    if backend == "numba":
        from funcgrad.transforms.codegen_numba import require_numba
        require_numba()
    if fun is None:
        def decorate(f: Callable[..., Any]) -> Jitted[..., Any]:
            return jit(f, static_argnums=static_argnums, static_argnames=static_argnames,
                       cache_size=cache_size, max_variants=max_variants, backend=backend)
        return decorate
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    return Jitted(fun, static_argnums, static_argnames, cache_size, max_variants, backend)


__all__ = ["jit", "Jitted", "Lowered", "GuardRecorder"]
