"""Backends other than NumPy: the same primitives on Dask, CuPy or any array API library.

NumPy is the embedded default and its path is untouched. An array of another library that speaks
the Python array API standard makes each primitive it meets run against that library's namespace
(`dispatch.py`), through NumPy's names (`numpy_view.py`); one small adapter per library
(`dask.py`, `cupy.py`, `strict.py`) supplies what the standard lacks and names what it cannot run.
Layering: this package imports only `funcgrad.errors` (and `funcgrad.core.tracer`, late), so
`core` and `primitives` may import it. docs/scaling.md is the user's guide.
"""
from funcgrad.backends.compute import allow_compute
from funcgrad.backends.namespace import (NATIVE_TYPES, foreign_namespace, is_foreign,
                                         library_name, numpy_dtype)

__all__ = ["allow_compute", "NATIVE_TYPES", "foreign_namespace", "is_foreign", "library_name", "numpy_dtype"]
