"""Which array library a value belongs to, decided once per type.

funcgrad computes with NumPy unless a primitive meets an array of another library that speaks the
Python array API standard (Dask, CuPy, array_api_strict...): such an array is *foreign*, and the
primitive runs against its namespace instead (`dispatch.py`). `NATIVE_TYPES` lists the types of
the NumPy path; the hot paths (`Primitive.bind`, `Recorder.process`) test `type(x) in NATIVE_TYPES`
first, which costs no more than the `isinstance` test it replaces, so NumPy pays nothing for the
other backends. Any other type is classified here once and remembered.

`array_api_compat` (the `dask`/`array-api` extras) is imported only when a foreign array appears.
"""
from __future__ import annotations

import numpy as np

from funcgrad.errors import BackendError, where

# the NumPy path: arrays, NumPy scalars and Python numbers. Mutable: types found native later
# (ndarray subclasses, rarer NumPy scalar types, lists...) join it so they are classified once.
NATIVE_TYPES: set = {np.ndarray, float, int, bool, complex, type(None), tuple, list, slice,
                     np.float64, np.float32, np.float16, np.int64, np.int32, np.bool_,
                     np.complex128, np.complex64, np.longdouble, np.int8, np.int16, np.uint8,
                     np.uint16, np.uint32, np.uint64}

_namespace_by_type: dict = {}  # foreign type -> its array API namespace


def namespace_of_type(cls, example):
    """The array API namespace of a foreign type, or None when `cls` is native after all."""
    xp = _namespace_by_type.get(cls)
    if xp is not None:
        return xp
    from funcgrad.core.tracer import Tracer  # (core imports this module: a late import)
    if issubclass(cls, Tracer):
        return None  # never NATIVE: the hot paths test NATIVE_TYPES before they look for tracers
    if _is_native(cls, example):
        NATIVE_TYPES.add(cls)
        return None
    xp = _namespace_of(example)
    _namespace_by_type[cls] = xp
    return xp


def _is_native(cls, example) -> bool:
    if issubclass(cls, (np.ndarray, np.generic, np.dtype, str, bytes, type, range)):
        return True
    module = getattr(cls, "__module__", "") or ""
    return not (hasattr(example, "__array_namespace__") or module.split(".")[0] in _KNOWN_LIBRARIES)


# libraries whose arrays array_api_compat knows even without an `__array_namespace__` method
_KNOWN_LIBRARIES = {"dask", "cupy", "cupyx", "array_api_strict", "torch", "jax", "jaxlib",
                    "sparse", "ndonnx", "dpnp"}


def _namespace_of(example):
    try:
        import array_api_compat
    except ImportError:
        raise ImportError(
            f"funcgrad met a {type(example).__module__}.{type(example).__name__} array{where()}: "
            "running primitives on arrays other than NumPy's needs array-api-compat. Install it "
            "with `pip install funcgrad[dask]` (Dask) or `pip install funcgrad[array-api]`.") from None
    return array_api_compat.array_namespace(example)


def foreign_namespace(values):
    """The one foreign namespace among `values` (None: all native). Arrays of two different
    foreign libraries cannot be combined, as in the standard."""
    found = None
    for value in values:
        cls = type(value)
        if cls in NATIVE_TYPES:
            continue
        xp = namespace_of_type(cls, value)
        if xp is None:
            continue
        if found is not None and xp is not found:
            raise BackendError(
                f"arrays of two libraries were combined{where()}: {library_name(found)} and "
                f"{library_name(xp)}. Move them to one library first (e.g. xp.asarray(x)).")
        found = xp
    return found


def is_foreign(value) -> bool:
    """True for an array of a library other than NumPy (a Dask, CuPy... array)."""
    cls = type(value)
    return cls not in NATIVE_TYPES and namespace_of_type(cls, value) is not None


def library_name(xp) -> str:
    """'dask', 'cupy', 'array_api_strict'...: the library behind a namespace, for messages."""
    name = getattr(xp, "__name__", repr(xp))
    if name.startswith("array_api_compat."):
        name = name[len("array_api_compat."):]
    return name.split(".")[0]


# -- dtypes: funcgrad speaks NumPy's dtypes; a library with its own dtype objects is translated --

_STANDARD_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                    "uint64", "float32", "float64", "complex64", "complex128")
_numpy_dtype_of: dict = {}


def numpy_dtype(dtype):
    """NumPy's dtype for any library's dtype object (array_api_strict has its own)."""
    if isinstance(dtype, np.dtype):
        return dtype
    found = _numpy_dtype_of.get(dtype)
    if found is not None:
        return found
    try:
        found = np.dtype(dtype)
    except TypeError:
        name = str(dtype).rsplit(".", 1)[-1]
        if name not in _STANDARD_DTYPES:
            raise
        found = np.dtype(name)
    _numpy_dtype_of[dtype] = found
    return found


def namespace_dtype(xp, dtype):
    """The namespace's dtype object for a NumPy dtype (None stays None)."""
    if dtype is None:
        return None
    name = numpy_dtype(dtype).name
    found = getattr(xp, name, None)
    if found is None:
        raise BackendError(f"{library_name(xp)} has no dtype {name}{where()}.")
    return found
