"""NumPy's public names that funcgrad.numpy takes from NumPy as they are, and why.

They compute nothing from array values that a derivative could flow through: types and dtype
queries, configuration, index and grid builders over integers and slices, I/O, dates, text, and
NumPy's submodules. funcgrad.numpy resolves them lazily (module `__getattr__`), so they cost
nothing at import. scripts/coverage_report.py lists them with these reasons.
"""
from __future__ import annotations

import numpy as np

REASONS = {
    "types and dtype queries (no values)": (
        "False_ True_ ScalarType little_endian sctypeDict typecodes bool byte bytes_ cdouble "
        "character clongdouble complex256 complexfloating csingle datetime64 double dtype "
        "flexible float128 float16 floating generic half inexact int16 int8 int_ intc integer "
        "intp long longdouble longlong number object_ short signedinteger single str_ "
        "timedelta64 ubyte uint uint16 uint32 uint64 uint8 uintc uintp ulong ulonglong "
        "unsignedinteger ushort void finfo iinfo can_cast promote_types min_scalar_type "
        "result_type isdtype issubdtype mintypecode typename ndarray ufunc flatiter nditer "
        "broadcast nested_iters"),
    "configuration and information": (
        "errstate seterr geterr seterrcall geterrcall printoptions set_printoptions "
        "get_printoptions setbufsize getbufsize show_config show_runtime info get_include test"),
    "index and grid builders over integers and slices (constants)": (
        "s_ index_exp mgrid ogrid indices diag_indices tril_indices triu_indices mask_indices "
        "ndindex ndenumerate broadcast_shapes fromfunction"),
    "reading arrays from files, buffers and strings (constants)": (
        "load loadtxt genfromtxt fromregex fromfile frombuffer fromstring fromiter from_dlpack memmap"),
    "dates and text formatting": (
        "busday_count busday_offset is_busday busdaycalendar datetime_as_string datetime_data "
        "base_repr binary_repr format_float_positional format_float_scientific"),
    "Python-level predicates": "isscalar iterable",
    "NumPy's other array classes (matrix, records, poly1d, object ufuncs): not traced": (
        "matrix asmatrix bmat recarray record poly1d frompyfunc"),
    "NumPy's submodules (random numbers, testing, masked arrays, strings... are constants)": (
        "char core ctypeslib dtypes emath exceptions f2py lib ma polynomial random rec strings "
        "testing typing"),
}

_REASON_OF = {name: reason for reason, names in REASONS.items() for name in names.split()}

# I/O writers: NumPy's own on plain arrays; a traced value is refused with the fix
WRITERS = ("save", "savetxt", "savez", "savez_compressed")


def reason(name: str):
    """Why `name` is NumPy's own object in funcgrad.numpy (None if it is not)."""
    if name in WRITERS:
        return "writing arrays to files (traced values refused: save after the transform)"
    return _REASON_OF.get(name)


def _writer(name):
    numpy_function = getattr(np, name)

    def function(*args, **kwargs):
        from funcgrad.numpy._arraylike import holds_tracer
        from funcgrad.errors import where
        if any(holds_tracer(a) for a in args) or any(holds_tracer(v) for v in kwargs.values()):
            raise TypeError(f"numpy.{name} was given a traced value{where()}: files hold plain "
                            "arrays. Return the value from the transformed function and save it "
                            "afterwards.")
        return numpy_function(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"`numpy.{name}` on plain arrays (traced values are refused)."
    return function


def numpy_own(name: str):
    """NumPy's object for `name`, if funcgrad.numpy takes it as it is; else AttributeError."""
    if name in WRITERS:
        return _writer(name)
    if name not in _REASON_OF or not hasattr(np, name):
        raise AttributeError(f"module 'funcgrad.numpy' has no attribute {name!r}")
    obj = getattr(np, name)
    # a ufunc must have funcgrad's own version: NumPy's would dispatch back to itself
    assert not isinstance(obj, np.ufunc), name
    return obj


def names() -> list:
    """Every name resolved from NumPy (those this NumPy has)."""
    return sorted(n for n in list(_REASON_OF) + list(WRITERS) if hasattr(np, n))
