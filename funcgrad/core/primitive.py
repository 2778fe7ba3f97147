"""`Primitive`: one operation with all its rules side by side, and the registry of them all.

A primitive carries
- `impl(*values, **params)`: the NumPy computation;
- `shape_rule(*avals, **params)`: output `ShapedArray`(s) from input shapes and dtypes alone;
- `vjp`: one reverse rule per input, `rule(cotangent, answer, *inputs, **params)` giving that
  input's cotangent (`None` in the tuple: the input has no derivative);
- `jvp`: one forward rule per input, `rule(tangent, answer, *inputs, **params)` giving that
  input's contribution to the output tangent;
- `batch(values, batch_dims, **params) -> (out, out_dim)`: the vmap rule (JAX's convention:
  each batch dim is an int axis or None for an unbatched input).
Rules are written with funcgrad's own operations, so they are traced by any outer transform.
`vjp=None`/`jvp=None` declares a primitive with no derivative (floor, argmax, comparisons...).

What the reverse rules read (`reads_answer`, `reads_inputs`) says which forward values reverse
mode must keep for this primitive: the others may be freed once the forward pass has moved on
(their shape and dtype stay, as a `ShapeOnly`). It is derived from the rules' code (a rule
parameter the rule never mentions is not read), or declared with `reads=` where a rule mentions
a value only for its shape or dtype (`unbroadcast(g, x)`); tests/test_reads.py checks every
declaration by running the rules with the unread values replaced by `ShapeOnly`.
"""
from __future__ import annotations

import dis
import importlib
from typing import Any, NoReturn
import inspect
import sys

import numpy as np

from funcgrad.backends.namespace import NATIVE_TYPES, numpy_dtype
from funcgrad.core.tracer import Tracer
from funcgrad.errors import FuncgradError, OpError, describe, op_error, where


class ShapedArray:
    """The abstract value of an array: shape and dtype, no data."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __eq__(self, other):
        return isinstance(other, ShapedArray) and self.shape == other.shape and self.dtype == other.dtype

    def __hash__(self):
        return hash((self.shape, self.dtype))

    def __repr__(self):
        return f"ShapedArray({self.shape}, {self.dtype})"


class ShapeOnly(ShapedArray):
    """A forward value that reverse mode freed because no reverse rule reads it: its shape and
    dtype remain (rules may ask for them, e.g. to un-broadcast), its data is gone. Using it as
    data raises, so a wrong `reads` declaration fails loudly instead of giving a wrong gradient."""

    __slots__ = ()

    def __init__(self, value):  # noqa: super().__init__ is skipped: the dtype is NumPy's already
        self.shape = value.shape
        self.dtype = value.dtype

    def _refuse(self, *args, **kwargs):
        raise FuncgradError(
            f"a reverse rule read the data of a forward value of shape {self.shape} and dtype "
            f"{self.dtype} that its primitive declares it does not read (its `reads`), so reverse "
            "mode had freed it. This is a bug in that primitive's declaration: please report it.")

    def __array_function__(self, func, types, args, kwargs):
        if func is np.shape or func is np.ndim or func is np.size:  # what it still knows
            return func(ShapedArray(self.shape, self.dtype), *args[1:], **kwargs)
        self._refuse()

    __array__ = __array_ufunc__ = __float__ = __int__ = __index__ = __bool__ = __len__ = \
        __iter__ = __getitem__ = _refuse

    def __repr__(self):
        return f"ShapeOnly({self.shape}, {self.dtype})"


NATIVE_TYPES.add(ShapeOnly)  # it stands for a NumPy array: bind's NumPy path (which refuses it)


ALL_INPUTS = None  # reads_inputs: every input (a variadic primitive, or rules not analysed)
EVERYTHING = ("answer", "inputs")  # the safe declaration: keep every value


def mentioned_parameters(fun):
    """(which of fun's positional parameters its body mentions, whether it takes *args); None
    when fun is not plain Python code whose reads can be seen (a builtin, a partial, a callable
    object, or code reaching its variables by name: locals, vars, eval, exec)."""
    code = getattr(fun, "__code__", None)
    if code is None or {"locals", "vars", "eval", "exec"} & set(code.co_names):
        return None
    params = code.co_varnames[:code.co_argcount]
    mentioned = set(code.co_cellvars) & set(params)  # read by an inner function
    for ins in dis.get_instructions(code):
        arg = ins.argval
        if isinstance(arg, str):
            if arg in params:
                mentioned.add(arg)
        elif isinstance(arg, tuple):  # LOAD_FAST_LOAD_FAST (3.13+) names two at once
            mentioned.update(a for a in arg if isinstance(a, str) and a in params)
    return [p in mentioned for p in params], bool(code.co_flags & inspect.CO_VARARGS)


def derive_reads(functions, roles) -> tuple:
    """A `reads` declaration derived from the code of `functions` (reverse rules, or the partial
    derivatives they are made from), whose positional parameters play `roles`: "answer", an
    input position, or None for one that does not matter (the cotangent); parameters past the
    roles are the primitive's keyword parameters. A parameter no function mentions is not read;
    *args, or code that cannot be analysed, reads everything."""
    found = set()
    for fun in functions:
        if fun is None:
            continue
        seen = mentioned_parameters(fun)
        if seen is None:
            return EVERYTHING
        flags, star = seen
        found.update(role for role, used in zip(roles, flags) if used and role is not None)
        if star:
            found.add("inputs")
    return tuple(found)


def reads_of_rules(vjp):
    """(reads_answer, reads_inputs) derived from reverse rules `rule(g, answer, *inputs)`."""
    if vjp is None:
        return False, frozenset()
    if not isinstance(vjp, tuple):  # a PerInputRules table: its rules are made on demand
        return normalise_reads(EVERYTHING)
    return normalise_reads(derive_reads(vjp, (None, "answer") + tuple(range(len(vjp)))))


def normalise_reads(reads):
    """A `reads` declaration (an iterable of "answer", input positions, and "inputs" for all of
    them) as (reads_answer, reads_inputs)."""
    reads = set(reads)
    answer = "answer" in reads
    if "inputs" in reads:
        return answer, ALL_INPUTS
    bad = [r for r in reads if r != "answer" and not (type(r) is int and r >= 0)]
    if bad:
        raise ValueError(f"reads= takes 'answer', 'inputs' and input positions, not {bad!r}")
    return answer, frozenset(reads - {"answer"})


def aval_of(value) -> ShapedArray:
    if isinstance(value, ShapedArray):
        return value
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        dtype = np.asarray(value).dtype
    elif not isinstance(dtype, np.dtype):
        dtype = numpy_dtype(dtype)
    return ShapedArray(np.shape(value), dtype)


class PerInputRules:
    """A rule table for primitives taking any number of inputs: `make(k)` builds input k's rule
    the first time it is asked for.

    `joint(tangents, answer, *inputs, **params)`, for a forward table, gives the output tangent
    from every input's tangent at once (None for an input without one), in place of summing one
    rule's contribution per input: for concatenate, one concatenation of the tangents instead of
    one zero-padded concatenation per input and their sum."""

    __slots__ = ("make", "rules", "joint")

    def __init__(self, make, joint=None):
        self.make = make
        self.rules = {}
        self.joint = joint

    def __getitem__(self, k):
        rule = self.rules.get(k)
        if rule is None:
            rule = self.rules[k] = self.make(k)
        return rule


registry: dict[str, "Primitive"] = {}

# signatures the documentation gives (numpy/_docs.py: NumPy's names for the inputs), for the
# primitives whose shape rule takes them generically (x, *rest)
SIGNATURES: dict[str, inspect.Signature] = {}


class Primitive:
    __slots__ = ("name", "impl", "shape_rule", "vjp", "jvp", "batch", "multiple_results", "family",
                 "inline_below", "recorded_impl", "module", "__doc__", "reads_answer",
                 "reads_inputs")

    def __init__(self, name, impl, *, shape, vjp, jvp, batch=None, multiple_results=False,
                 family="", inline_below=False, recorded_impl=None, doc=None, reads=None):
        if name in registry:
            raise ValueError(f"primitive {name!r} is defined twice")
        self.name = name
        self.impl = impl
        self.shape_rule = shape
        # a list becomes a tuple; any other indexable table (variadic primitives) is kept
        self.vjp = tuple(vjp) if isinstance(vjp, list) else vjp
        self.jvp = tuple(jvp) if isinstance(jvp, list) else jvp
        self.batch = batch
        self.multiple_results = multiple_results
        self.family = family
        # True: a reverse-mode recording consumes the primitive, and the transforms below it
        # see its implementation's operations (custom_vjp: outer levels differentiate fwd)
        self.inline_below = inline_below
        # what a recording runs in place of impl (custom_jvp: the user's rule, so that the
        # primal function is not run beside it); impl itself for every other primitive
        self.recorded_impl = impl if recorded_impl is None else recorded_impl
        self.__doc__ = doc or _default_doc(name, family)
        # which forward values the reverse rules read: derived from them, or declared with
        # reads=("answer", 0, ...) where a rule mentions a value for its shape only
        self.reads_answer, self.reads_inputs = (reads_of_rules(self.vjp) if reads is None
                                                else normalise_reads(reads))
        self.module = sys._getframe(1).f_globals.get("__name__")  # where to find it when unpickled
        registry[name] = self

    @property
    def __signature__(self) -> inspect.Signature:
        """What help() and inspect.signature show: the inputs and parameters of the shape rule,
        which names them as the primitive takes them (one place, not written twice)."""
        given = SIGNATURES.get(self.name)
        if given is not None:
            return given
        try:
            return inspect.signature(self.shape_rule)
        except (TypeError, ValueError):
            return inspect.Signature([inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL),
                                      inspect.Parameter("params", inspect.Parameter.VAR_KEYWORD)])

    @property
    def __name__(self) -> str:
        return self.name

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None

    def reads_input(self, i) -> bool:
        """Whether a reverse rule reads the value (not only the shape) of input i."""
        return self.reads_inputs is ALL_INPUTS or i in self.reads_inputs

    def set_reads(self, reads):
        """Declare what the reverse rules read, for a primitive whose rules are attached after
        it is made: an iterable of "answer", input positions, or "inputs" for all of them."""
        self.reads_answer, self.reads_inputs = normalise_reads(reads)

    def bind(self, *args, **params) -> Any:
        """Apply the primitive: directly on plain values, or through the innermost transform."""
        for arg in args:
            if type(arg) not in NATIVE_TYPES:  # NumPy's values: a set lookup, no isinstance
                break
        else:  # only NumPy values: compute
            try:
                return self.impl(*args, **params)
            except FloatingPointError:  # numpy.errstate(all='raise'): NumPy's own error
                raise
            except (ValueError, TypeError, IndexError, ArithmeticError) as err:
                self.raise_failure(args, params, err)
        top = None
        level = 0
        for arg in args:
            if isinstance(arg, Tracer):
                owner = arg._owner
                if owner.level > level:
                    top, level = owner, owner.level
        if top is not None:
            return top.process(self, args, params)
        try:  # another library's array (or a type met for the first time)
            return run_on_backend(self, args, params)
        except FloatingPointError:
            raise
        except (ValueError, TypeError, IndexError, ArithmeticError) as err:
            self.raise_failure(args, params, err)

    __call__ = bind

    def abstract_eval(self, *avals, **params):
        return self.shape_rule(*[aval_of(a) for a in avals], **params)

    def raise_failure(self, args, params, err) -> NoReturn:
        """Raise what `failure` says for `err` (itself, or an OpError caused by it)."""
        failure = self.failure(args, params, err)
        if failure is err:
            raise err
        raise failure from err

    def failure(self, args, params, err):
        """What to raise for `err`, raised by `impl`: the same type (LinAlgError, IndexError...)
        as an OpError with the operation, the shapes and the user's line (see errors.op_error);
        `err` itself when it is the user's (a custom rule) or already explained by funcgrad."""
        if self.family == "custom" or (isinstance(err, FuncgradError) and
                                       not isinstance(err, OpError)):
            return err
        return op_error(self.explain_failure(args, params, err), err)

    def explain_failure(self, args, params, err) -> str:
        shapes = ", ".join(describe(a) if hasattr(a, "shape") else repr(a)[:40] for a in args)
        extra = "".join(f", {k}={v!r}" for k, v in params.items())
        return f"{self.name}({shapes}{extra}) failed{where()}: {err}"

    def __reduce__(self):
        # a primitive is one object per name: pickles and copies refer to it by name
        return _registered, (self.name, self.module)

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        return f"<primitive {self.name}>"


_PLACEHOLDER = "records one equation; reverse, forward and batching rules are defined with it"


def _default_doc(name, family):
    numpy_name = f"`numpy.{name}`" if hasattr(np, name) else f"`{name}`"
    kind = f"{family} primitive" if family else "primitive"
    return (f"{numpy_name}, differentiable: the funcgrad {kind} `{name}`. On traced values it "
            f"{_PLACEHOLDER} (see docs/conventions.md for its value at singular points).")


def has_default_doc(primitive) -> bool:
    """Whether `primitive` still has the placeholder docstring it was made with (none of its own,
    none generated by numpy/_docs.py)."""
    return _PLACEHOLDER in (primitive.__doc__ or "")


def _registered(name, module):
    if name not in registry and module:
        importlib.import_module(module)
    return registry[name]


def run_on_backend(primitive, args, params) -> Any:
    """The primitive's implementation on arguments that are not all NumPy values (Dask, CuPy...)."""
    from funcgrad.backends.dispatch import apply
    return apply(primitive, args, params)
