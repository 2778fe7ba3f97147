"""Running a primitive on another library's arrays: its one implementation, through that namespace.

`apply(primitive, args, params)` is what `Primitive.bind` and `Recorder.process` call when an
argument is not a NumPy value. It finds the library (`namespace.py`), the `Backend` for that
library and device (one per pair, made once), moves NumPy arguments onto it (a NumPy parameter
vector meeting Dask data becomes a one-chunk Dask array; the standard's promotion then gives the
result's dtype), and calls the primitive's implementation for that backend:

- a NumPy function or ufunc (`np.sin`, `np.linalg.solve`) becomes the namespace's function of the
  same (or the standard's) name, through `NumpyView`;
- an operator (`operator.add`, `x[index]`) is already generic: the arrays' own methods run it;
- a Python function written with `np.` runs unchanged, with `np` bound to the `NumpyView` (and
  the module's helpers it calls rebound the same way): the implementation is written once;
- the backend's adapter may replace any of these by name (`PRIMITIVES`) or declare a primitive
  out of reach (`UNSUPPORTED`).

Whatever the implementation needs and the backend lacks is a `BackendError` naming the primitive
and the library. Nothing is ever moved to NumPy silently.
"""
from __future__ import annotations

import importlib
import operator
import types
from typing import Any, Callable

import numpy as np

from funcgrad.backends.namespace import NATIVE_TYPES, foreign_namespace, library_name
from funcgrad.backends.numpy_view import MissingName, NumpyView
from funcgrad.errors import BackendError, where

# the adapter module of each library that needs one (imported when its first array appears)
_ADAPTERS = {"dask": "funcgrad.backends.dask", "array_api_strict": "funcgrad.backends.strict",
             "cupy": "funcgrad.backends.cupy"}

_backends: dict = {}


class Backend:
    """One library on one device: its `NumpyView` and each primitive's implementation there."""

    __slots__ = ("xp", "device", "name", "numpy", "adapter", "impls")

    def __init__(self, xp, device):
        self.xp = xp
        self.device = device
        self.name = library_name(xp)
        module = _ADAPTERS.get(self.name)
        self.adapter = importlib.import_module(module) if module else None
        extra = getattr(self.adapter, "NUMPY_NAMES", {})
        self.numpy = NumpyView(xp, device, extra)
        self.impls = {}

    def impl_of(self, primitive) -> Callable[..., Any]:
        impl = self.impls.get(primitive)
        if impl is None:
            impl = self.impls[primitive] = self._implementation(primitive)
        return impl

    def _implementation(self, primitive):
        adapter = self.adapter
        name = primitive.name
        if adapter is not None:
            if name in getattr(adapter, "UNSUPPORTED", {}):
                return _refusal(primitive, self, adapter.UNSUPPORTED[name])
            family = getattr(adapter, "UNSUPPORTED_FAMILIES", {}).get(primitive.family)
            if family is not None and name not in getattr(adapter, "PRIMITIVES", {}):
                return _refusal(primitive, self, family)
            override = getattr(adapter, "PRIMITIVES", {}).get(name)
            if override is not None:
                return override(self.numpy)
        override = STANDARD_IMPLS.get(name)
        if override is not None:
            return override(self.numpy)
        return translate(primitive.impl, self.numpy, self)

    def adopt(self, value):
        """A NumPy argument as an array of this backend (Python numbers stay: they are weak)."""
        if isinstance(value, (np.ndarray, np.generic)):
            return self.numpy.array(value)
        return value


def backend_of(xp, args) -> Backend:
    device = _device_of(xp, args)
    key = (id(xp), device)
    try:
        return _backends[key]
    except KeyError:
        backend = _backends[key] = Backend(xp, device)
        return backend


def _device_of(xp, args):
    for a in args:
        if type(a) not in NATIVE_TYPES and hasattr(a, "shape"):
            device = getattr(a, "device", None)  # the standard's attribute
            if device is not None and not callable(device):
                return device
            import array_api_compat
            try:
                return array_api_compat.device(a)
            except Exception:  # noqa: BLE001 - a library without devices
                return None
    return None


def apply(primitive, args, params) -> Any:
    """`primitive.impl(*args, **params)` for arguments that are not all NumPy values."""
    xp = foreign_namespace(args)
    if xp is None:  # a type met for the first time turned out to be NumPy's after all
        return primitive.impl(*args, **params)
    backend = backend_of(xp, args)
    impl = backend.impl_of(primitive)
    args = [backend.adopt(a) if type(a) is not float else a for a in args]
    try:
        out = impl(*args, **params)
    except MissingName as err:
        raise BackendError(_cannot_run(primitive, backend, f"numpy.{err.name}")) from None
    except AttributeError as err:  # a method the library's arrays lack (x.astype...)
        raise BackendError(_cannot_run(primitive, backend, str(err))) from err
    first = out[0] if primitive.multiple_results and out else out
    if isinstance(first, np.ndarray):  # the implementation went to NumPy behind our back
        raise BackendError(_cannot_run(primitive, backend, "a NumPy function (it returned a "
                                       "NumPy array)"))
    return out


def _cannot_run(primitive, backend, needs) -> str:
    return (f"the primitive {primitive.name!r} cannot run on {backend.name} arrays{where()}: it "
            f"needs {needs}, which {backend.name} does not provide (see docs/scaling.md for what "
            f"each backend lacks). Compute this step with NumPy explicitly if that is what you "
            f"want (e.g. numpy.asarray(x) on a small array); funcgrad never does it silently.")


def _refusal(primitive, backend, reason):
    def refuse(*args, **params):
        raise BackendError(_cannot_run(primitive, backend, reason))
    return refuse


# -- translating an implementation written with NumPy's names -----------------------------------

def translate(fn, view, backend):
    """`fn` with NumPy's names meaning `view`'s functions."""
    if isinstance(fn, (np.ufunc,)) or _is_numpy_function(fn):
        return _numpy_function(fn, view)
    if getattr(fn, "__module__", None) == "_operator" or fn in _GENERIC:
        return fn
    if isinstance(fn, types.FunctionType):
        return _rebind(fn, view)
    return _refusal_of_unknown(fn, backend)


_GENERIC = {operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
            operator.pow, operator.getitem}


def _is_numpy_function(fn) -> bool:
    module = getattr(fn, "__module__", None) or ""
    return module == "numpy" or module.startswith("numpy.")


def _numpy_function(fn, view):
    name = fn.__name__
    module = getattr(fn, "__module__", "") or ""
    for sub in ("linalg", "fft"):
        if f".{sub}" in module:
            return _lazy(lambda: getattr(getattr(view, sub), name))
    return _lazy(lambda: getattr(view, name))


def _lazy(find):
    """Look the function up at the first call, so a missing one is reported with its primitive."""
    found = []

    def call(*args, **params):
        if not found:
            found.append(find())
        return found[0](*args, **params)
    return call


def _refusal_of_unknown(fn, backend):
    def refuse(*args, **params):
        raise MissingName(f"(the implementation {fn!r}, which funcgrad cannot translate)")
    return refuse


class _ViewGlobals(dict):
    """A function's module globals with `np` (and the module's own helpers) seen through a view."""

    def __init__(self, module_globals, view, rebound):
        super().__init__(__builtins__=module_globals.get("__builtins__", __builtins__))
        self._module_globals = module_globals
        self._view = view
        self._rebound = rebound

    def __missing__(self, name):
        value = _through_view(self._module_globals[name], self._view, self._rebound)
        self[name] = value
        return value


def _through_view(value, view, rebound):
    if value is np:
        return view
    if value is np.linalg:
        return view.linalg
    if value is np.fft:
        return view.fft
    if isinstance(value, np.ufunc) or (callable(value) and _is_numpy_function(value)
                                       and hasattr(value, "__name__")):
        return _numpy_function(value, view)
    if isinstance(value, types.FunctionType) and (value.__module__ or "").startswith("funcgrad."):
        return _rebind(value, view, rebound)
    return value


def _rebind(fn, view, rebound=None):
    rebound = {} if rebound is None else rebound
    found = rebound.get(fn)
    if found is not None:
        return found
    globals_ = _ViewGlobals(fn.__globals__, view, rebound)
    closure = fn.__closure__
    if closure:
        closure = tuple(types.CellType(_through_view(cell.cell_contents, view, rebound))
                        if _has_contents(cell) else cell for cell in closure)
    new = types.FunctionType(fn.__code__, globals_, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = fn.__kwdefaults__
    rebound[fn] = new
    return new


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


# -- implementations the standard spells differently from the NumPy one (array methods...) -----

def _astype(view):
    def astype(x, dtype):
        if view.iscomplexobj(x) and not np.issubdtype(np.dtype(dtype), np.complexfloating):
            x = view._xp.real(x)
        return view.astype(x, dtype)
    return astype


def _is_basic(index_item) -> bool:
    return index_item is None or index_item is Ellipsis or isinstance(index_item, (int, slice, np.integer))


def _index_add(view):
    """x with `updates` added at `index`. The standard has no scatter-add (numpy.add.at); for a
    basic index (ints, slices, ...: no position twice) `out[index] += updates` is the same."""
    def index_add(x, updates, index):
        if not all(_is_basic(i) for i in index):
            raise MissingName("add.at (scatter-add at an integer-array or boolean index)")
        xp = view._xp
        out = xp.asarray(view.array(x, view.result_type(x, updates)), copy=True)
        out[index] = out[index] + updates
        return out
    return index_add


STANDARD_IMPLS = {"astype": _astype, "index_add": _index_add}
