"""Plain NumPy on tracers: NumPy's override protocols, routed to funcgrad.numpy.

With these two methods on `Tracer`, `np.sin(t)`, `ndarray * t`, `np.sum(t, axis=0)`,
`np.linalg.solve(A, t)` and `np.fft.fft(t)` call the `funcgrad.numpy` function of the same name
(in `funcgrad.numpy.linalg` / `funcgrad.numpy.fft` for those submodules), so a function written
with `import numpy as np` can be passed to `funcgrad.grad` unchanged. A NumPy function funcgrad
has no rule for raises `MissingRuleError` naming it, never a silently wrong derivative.

The plain `funcgrad.numpy` path never comes here: only NumPy's own functions do.

>>> import numpy as np, funcgrad as fg
>>> fg.grad(lambda x: np.sum(np.sin(x) * np.array([1.0, 2.0])))(np.zeros(2))
array([1., 2.])
"""
from __future__ import annotations

import importlib
import inspect
from typing import Any, Literal

import numpy as np

from funcgrad.core.tracer import Tracer
from funcgrad.errors import MissingRuleError, where
from funcgrad.primitives._util import shape_of

_NAMESPACES: dict = {}


def namespace(numpy_module: str) -> Any:  # the module, or False where funcgrad has none
    """funcgrad's module mirroring a NumPy module ('numpy.linalg' -> funcgrad.numpy.linalg)."""
    module = _NAMESPACES.get(numpy_module)
    if module is None:
        try:
            module = importlib.import_module("funcgrad." + numpy_module)
        except ImportError:
            module = False
        _NAMESPACES[numpy_module] = module
    return module


def _missing(qualified: str, what: str = "function"):
    return MissingRuleError(
        f"{qualified} was called on a traced value{where()}, but funcgrad has no rule for this "
        f"NumPy {what}, so its derivative is unknown. Use an equivalent from funcgrad.numpy, wrap "
        "the argument in funcgrad.stop_gradient if no derivative is wanted, or add a rule: "
        "define a Primitive (see funcgrad/primitives/elementwise.py) and expose it in "
        "funcgrad.numpy under the same name.")


def _no_out(kwargs: dict, qualified: str):
    out = kwargs.pop("out", None)
    if out is not None and not (isinstance(out, tuple) and all(o is None for o in out)):
        raise TypeError(
            f"{qualified}(..., out=...) cannot write into an array while tracing{where()}: "
            "traced values are immutable. Use the returned value instead of out=.")


# -- functions that only read shapes and dtypes: answered without tracing ----------------------

def _dtype(x):
    return x.dtype if isinstance(x, Tracer) else x


def _can_cast(from_, to, casting: Literal["no", "equiv", "safe", "same_kind", "unsafe"] = "safe"):
    return np.can_cast(_dtype(from_), to, casting)


_STRUCTURAL = {
    "shape": lambda a: tuple(a.shape),
    "ndim": lambda a: a.ndim,
    "size": lambda a, axis=None: a.size if axis is None else a.shape[axis],
    "result_type": lambda *xs: np.result_type(*[_dtype(x) for x in xs]),
    "iscomplexobj": lambda x: np.iscomplexobj(np.empty(0, _dtype(x))),
    "isrealobj": lambda x: not np.iscomplexobj(np.empty(0, _dtype(x))),
    "min_scalar_type": lambda x: np.min_scalar_type(np.empty(0, _dtype(x))),
    "can_cast": _can_cast,
}

# -- ufunc methods other than __call__ ---------------------------------------------------------

_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
           "logical_and": "all", "logical_or": "any", "fmax": "nanmax", "fmin": "nanmin"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}


def _outer(target, a, b):
    """ufunc.outer(a, b): a gets b.ndim trailing unit axes, then the ufunc broadcasts."""
    reshape = namespace("numpy").reshape
    return target(reshape(a, tuple(shape_of(a)) + (1,) * len(shape_of(b))), b)


_UFUNC_TARGETS: dict = {}


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if method == "__call__" and not kwargs:  # the common case, kept short: ndarray * tracer
        target = _UFUNC_TARGETS.get(ufunc)
        if target is None:
            target = getattr(namespace("numpy"), ufunc.__name__, None)
            if target is None:
                raise _missing(f"numpy.{ufunc.__name__}", "ufunc")
            _UFUNC_TARGETS[ufunc] = target
        return target(*inputs)
    name = ufunc.__name__
    qualified = f"numpy.{name}" + ("" if method == "__call__" else f".{method}")
    _no_out(kwargs, qualified)
    if kwargs.pop("where", True) is not True:
        raise _missing(f"{qualified}(..., where=...)", "ufunc option")
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("casting", None), kwargs.pop("order", None), kwargs.pop("subok", None)
    fnp = namespace("numpy")
    if method == "__call__":
        target = getattr(fnp, name, None)
        if target is None:
            raise _missing(qualified, "ufunc")
        out = target(*inputs, **kwargs)
    elif method == "reduce" and name in _REDUCE and hasattr(fnp, _REDUCE[name]):
        kwargs.setdefault("axis", 0)
        if kwargs.get("initial", None) is None:
            kwargs.pop("initial", None)
        out = getattr(fnp, _REDUCE[name])(*inputs, **kwargs)
    elif method == "accumulate" and name in _ACCUMULATE and hasattr(fnp, _ACCUMULATE[name]):
        kwargs.setdefault("axis", 0)
        out = getattr(fnp, _ACCUMULATE[name])(*inputs, **kwargs)
    elif method == "outer" and hasattr(fnp, name):
        out = _outer(getattr(fnp, name), *inputs)
    else:
        raise _missing(qualified, "ufunc method")
    return out if dtype is None else out.astype(dtype) if hasattr(out, "astype") else out


def array_function(self, func, types, args, kwargs):
    name = func.__name__
    module = getattr(func, "__module__", "numpy") or "numpy"
    qualified = f"{module}.{name}"
    if module == "numpy" and name in _STRUCTURAL:
        return _STRUCTURAL[name](*args, **kwargs)
    target = getattr(namespace(module), name, None) if namespace(module) else None
    if target is None or target is func:
        raise _missing(qualified)
    kwargs = dict(kwargs)
    _no_out(kwargs, qualified)
    unknown = _unsupported_keywords(target, kwargs)
    if unknown:
        raise _missing(f"{qualified}(..., {', '.join(k + '=' for k in unknown)})",
                       "option (funcgrad's version of the function does not take it)")
    return target(*args, **kwargs)


_SIGNATURES: dict = {}


def _unsupported_keywords(target, kwargs) -> list:
    """Keywords NumPy accepts that funcgrad's function does not (checked only when given)."""
    if not kwargs:
        return []
    params = _SIGNATURES.get(target)
    if params is None:
        try:
            params = inspect.signature(target).parameters
        except (TypeError, ValueError):
            params = {}
        params = _SIGNATURES[target] = (
            None if any(p.kind is p.VAR_KEYWORD for p in params.values()) or not params
            else frozenset(params))
    return [] if params is None else [k for k in kwargs if k not in params]


def install(cls=Tracer):
    setattr(cls, "__array_ufunc__", array_ufunc)
    setattr(cls, "__array_function__", array_function)


install()
