"""Array-likes holding tracers, accepted wherever NumPy takes an array.

NumPy (and HIPS autograd) accept a Python list or tuple wherever they take an array, so users write
`fnp.mean([x, y])`, `fnp.polyval([a, b, c], t)` or `fnp.concatenate([[x, y], z])`. A list holding
tracers cannot become a NumPy array (that would drop the derivative), so every public function of
funcgrad.numpy (and of its linalg and fft submodules) is entered through `accept_array_likes`:
an argument that is a list or tuple holding a tracer becomes a traced array (`asarray`, by
stacking) before the function sees it. Plain arguments pass untouched: the only cost on the
common path is one type test per argument.

Which arguments are arrays is read from each function's signature: parameters that are shapes,
axes or options (`STATIC`) are never converted, and the parameters that are sequences of arrays
(`SEQUENCE_PARAMETERS`: concatenate's `arrays`, choose's `choices`...) have each element converted
instead, so ragged sequences keep working.
"""
from __future__ import annotations

import functools
import inspect
import operator
from typing import Any

import numpy as np

from funcgrad.core.primitive import Primitive
from funcgrad.core.tracer import Tracer

_SEQUENCES = (list, tuple)
_ABSENT = object()

# Primitives computed by Python's operators (fast on arrays and NumPy scalars) differ from NumPy's
# ufuncs when every operand is a Python number: 1.0 / 0.0 and 0.0 ** -1.0 raise where NumPy gives
# inf, (-8.0) ** (1/3) is complex where NumPy gives nan, True + True is 2 where NumPy gives True.
# Their funcgrad.numpy functions hand Python numbers to the ufunc of the same name instead.
_PYTHON_NUMBERS = frozenset({bool, int, float, complex})
_OPERATOR_IMPLS = frozenset({operator.add, operator.sub, operator.mul, operator.truediv,
                             operator.floordiv, operator.mod, operator.pow, operator.neg,
                             operator.eq, operator.ne, operator.lt, operator.le, operator.gt,
                             operator.ge})

# parameters that are never arrays: shapes, axes, counts and options (a tuple of integers there
# is structure, not data)
STATIC = frozenset({
    "shape", "newshape", "new_shape", "axis", "axes", "axis1", "axis2", "source", "destination",
    "reps", "pad_width", "indices_or_sections", "dtype", "order", "shift", "s", "dims", "subscripts",
    "mode", "kind", "side", "norm", "out", "casting", "funclist", "func", "func1d", "optimize",
    "keepdims", "ddof", "method", "like", "copy", "range", "start_axis", "ord", "ind", "UPLO",
    "indexing", "sparse", "num", "endpoint", "retstep", "base", "k", "n", "N", "M", "index", "key"})

# function name -> its parameters that are sequences of arrays (each element is an array-like)
SEQUENCE_PARAMETERS = {
    "concatenate": ("arrays",), "concat": ("arrays",), "stack": ("arrays",),
    "hstack": ("tup",), "vstack": ("tup",), "dstack": ("tup",), "column_stack": ("tup",),
    "row_stack": ("tup",), "choose": ("choices",), "select": ("condlist", "choicelist"),
    "piecewise": ("condlist",), "lexsort": ("keys",), "histogramdd": ("sample", "bins"),
    "histogram2d": ("bins",), "multi_dot": ("arrays",),
}

# functions that read nested lists themselves (block's inner lists are its structure, einsum's
# are sublists of labels)
UNTOUCHED = frozenset({"array", "asarray", "block", "shape", "ndim", "size", "einsum"})

# functions whose extra positional arguments are passed on to the user's function as they are
PASSED_ON = frozenset({"apply_along_axis", "apply_over_axes", "piecewise"})


def holds_tracer(obj) -> bool:
    """Whether obj is a tracer or a (nested) list/tuple with a tracer in it."""
    if isinstance(obj, Tracer):
        return True
    if type(obj) in _SEQUENCES or isinstance(obj, _SEQUENCES):
        return any(holds_tracer(item) for item in obj)
    return False


def _as_array(value, how):
    if how is None or type(value) not in _SEQUENCES:
        return value
    if how == "sequence":
        return type(value)(_as_array(item, "array") for item in value)
    if not holds_tracer(value):
        return np.asarray(value)  # as NumPy reads it (a function needs not handle lists itself)
    from funcgrad.numpy._creation import asarray
    return asarray(value)


def _plan(fun, name):
    """How each argument is treated: (per position, per keyword, for extra positions), each
    None (left alone), 'array' or 'sequence'."""
    sequences = SEQUENCE_PARAMETERS.get(name, ())
    try:
        parameters = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):  # a Primitive: every positional argument is an array
        return (), {}, "array"

    def how(parameter):
        if parameter.name in sequences:
            return "sequence"
        return None if parameter.name in STATIC else "array"

    missing = set(sequences) - {p.name for p in parameters}
    if missing:
        raise AssertionError(f"funcgrad.numpy.{name} has no parameter {sorted(missing)}")
    positional = tuple(how(p) for p in parameters
                       if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    keywords = {p.name: how(p) for p in parameters
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    rest = "array" if any(p.kind is p.VAR_POSITIONAL for p in parameters) and \
        name not in PASSED_ON else None
    return positional, keywords, rest


def accept_array_likes(fun, name=None, module=None):
    """`fun` with its list/tuple arguments that hold tracers turned into traced arrays first.
    `module` names where the entry is installed (so pickle finds it there, by reference)."""
    name = name or getattr(fun, "__name__", None) or fun.name
    positional, keywords, rest = _plan(fun, name)
    count = len(positional)

    def convert(args, kwargs):
        args = tuple(_as_array(a, positional[i] if i < count else rest) for i, a in enumerate(args))
        kwargs = {k: _as_array(v, keywords.get(k, None if k in STATIC else "array"))
                  for k, v in kwargs.items()}
        return args, kwargs

    entry: Any  # a function, with the attributes set below
    if isinstance(fun, Primitive):
        entry = _primitive_entry(fun, convert)
    else:
        @functools.wraps(fun)
        def converting(*args, **kwargs):
            for a in args:
                if type(a) in _SEQUENCES:
                    break
            else:
                for a in kwargs.values():
                    if type(a) in _SEQUENCES:
                        break
                else:
                    return fun(*args, **kwargs)
            args, kwargs = convert(args, kwargs)
            return fun(*args, **kwargs)
        entry = converting
    entry.__doc__ = entry.__doc__ or fun.__doc__
    entry.__name__ = entry.__qualname__ = name
    entry.__module__ = module or getattr(fun, "__module__", None) or "funcgrad.numpy"
    if isinstance(fun, Primitive):
        # not __wrapped__: the entry is funcgrad.numpy's function (help(), inspect.signature
        # and the API reference show it, with the signature and docstring numpy/_docs.py gives)
        entry.primitive = fun
    else:
        entry.__wrapped__ = fun
    entry.accepts_array_likes = True
    return entry


def _primitive_entry(primitive, convert):
    """The entry of a primitive: its bind, after a type test per argument; NumPy's ufunc for
    Python numbers where the primitive computes with Python's operators."""
    entry = _bind_entry(primitive, convert)
    ufunc = getattr(np, primitive.name, None) if primitive.impl in _OPERATOR_IMPLS else None
    if not isinstance(ufunc, np.ufunc):
        return entry

    def numbers_entry(*args, **params):
        for a in args:
            if type(a) not in _PYTHON_NUMBERS:
                return entry(*args, **params)
        return ufunc(*args, **params) if args else entry(**params)
    return numbers_entry


def _bind_entry(primitive, convert):
    """A primitive's bind after a type test per argument (written out for one and two inputs,
    the common arities, to keep the eager path short)."""
    # primitive.bind is looked up on each call: debug_nans swaps Primitive.bind while it is on
    rules = primitive.vjp if isinstance(primitive.vjp, tuple) else primitive.jvp
    arity = len(rules) if isinstance(rules, tuple) else None

    def entry(*args, **params):
        for a in args:
            if type(a) in _SEQUENCES:
                args = convert(args, {})[0]
                break
        return primitive.bind(*args, **params)

    if arity == 1:
        def unary_entry(x, *rest, **params):
            if rest or type(x) in _SEQUENCES:
                return entry(x, *rest, **params)
            return primitive.bind(x, **params)
        return unary_entry
    if arity == 2:
        def binary_entry(x, y=_ABSENT, *rest, **params):
            if rest or y is _ABSENT or type(x) in _SEQUENCES or type(y) in _SEQUENCES:
                return entry(x, *((y,) if y is not _ABSENT else ()), *rest, **params)
            return primitive.bind(x, y, **params)
        return binary_entry
    return entry


def _is_ours(obj) -> bool:
    if isinstance(obj, Primitive):
        return True
    return inspect.isfunction(obj) and (obj.__module__ or "").startswith("funcgrad.") and \
        not getattr(obj, "accepts_array_likes", False)


def install(namespace: dict) -> None:
    """Enter every public funcgrad function of a module's namespace (its `__all__` if it has one:
    helpers it imports for itself stay as they are) through accept_array_likes."""
    names = namespace.get("__all__") or [n for n in namespace if not n.startswith("_")]
    for name in names:
        obj = namespace.get(name)
        if name in UNTOUCHED or not _is_ours(obj):
            continue
        namespace[name] = accept_array_likes(obj, name, namespace.get("__name__"))
