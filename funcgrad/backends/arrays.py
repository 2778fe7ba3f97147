"""`numpy_for(x)`: NumPy itself for NumPy values, NumPy's names over x's library otherwise.

For the transforms' own arrays (the seed of a gradient, zero cotangents, a cotangent cast to its
primal's dtype): `numpy_for(out).ones((), dtype)` makes a NumPy scalar for a NumPy output and a
lazy Dask scalar for a Dask one, so a Dask computation is never pulled into NumPy by funcgrad.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from funcgrad.backends.namespace import NATIVE_TYPES, foreign_namespace


def backend_for(values):
    """The `Backend` of the one foreign library among `values`, or None (all NumPy)."""
    if all(type(value) in NATIVE_TYPES for value in values):
        return None
    xp = foreign_namespace(values)
    if xp is None:
        return None
    from funcgrad.backends.dispatch import backend_of
    return backend_of(xp, values)


def numpy_for(*values) -> Any:  # the numpy module, or a view standing for it
    """`np`, or the `NumpyView` of the library (and device) of the first foreign value."""
    for value in values:
        if type(value) not in NATIVE_TYPES:
            break
    else:
        return np
    xp = foreign_namespace(values)
    if xp is None:
        return np
    from funcgrad.backends.dispatch import backend_of
    return backend_of(xp, values).numpy
