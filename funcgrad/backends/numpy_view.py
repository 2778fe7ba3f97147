"""NumPy's names for an array API namespace: what lets each implementation be written only once.

Every primitive's implementation is written with NumPy's names (`np.sum(x, axis=axis)`,
`np.arcsin`, `np.concatenate`); that is the fast path. To run it on another library, `dispatch.py`
executes the same function with `np` bound to a `NumpyView` of that library's namespace: the names
the standard shares with NumPy map straight through, the renamed ones through `RENAMED`, and the
few whose signature differs through the small functions below, written against the standard.
A backend's adapter module (`dask.py`, `strict.py`, `cupy.py`) adds what the standard lacks. Any
other name raises `MissingName`, which the dispatcher reports as a `BackendError` naming the
primitive and the library: nothing is ever handed to the real NumPy.
"""
from __future__ import annotations

import numpy as np

from funcgrad.backends.namespace import namespace_dtype, numpy_dtype


class MissingName(AttributeError):
    """A NumPy name that the namespace and its adapter do not provide."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


# NumPy's name -> the standard's, where they differ
RENAMED = {
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
    "arccosh": "acosh", "arctanh": "atanh", "arctan2": "atan2", "power": "pow",
    "absolute": "abs", "fabs": "abs", "invert": "bitwise_invert", "left_shift": "bitwise_left_shift",
    "right_shift": "bitwise_right_shift", "conjugate": "conj", "rint": "round",
    "true_divide": "divide", "amax": "max", "amin": "min",
}

# names that are NumPy's own objects whatever the backend: dtype tokens and constants. Adapters
# convert any dtype they are handed, so `np.float64` may be passed to the view's functions.
_SHARED = {"inexact", "floating", "complexfloating", "integer", "signedinteger",
           "unsignedinteger", "number", "bool_", "generic", "float64", "float32", "float16",
           "int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64", "complex128",
           "complex64", "dtype", "pi", "e", "inf", "nan", "newaxis", "errstate", "ndarray",
           "exceptions", "can_cast"}


class NumpyView:
    """`np` for code running on another library: NumPy's names, that library's functions."""

    def __init__(self, xp, device, extra, submodule=None):
        self._xp = xp
        self._device = device
        self._extra = extra  # the adapter's functions under NumPy names: name -> f(view) -> fn
        self._submodule = submodule

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._lookup(name)
        setattr(self, name, value)  # found once per view
        return value

    def _lookup(self, name: str):
        qualified = f"{self._submodule}.{name}" if self._submodule else name
        if qualified in self._extra:
            return self._extra[qualified](self)
        if qualified in SUBMODULE_SPELLINGS:
            return SUBMODULE_SPELLINGS[qualified](self)
        if self._submodule is None:
            if name in _SHARED:
                return getattr(np, name)
            if name in ("linalg", "fft"):
                if not hasattr(self._xp, name):
                    raise MissingName(name)
                return NumpyView(getattr(self._xp, name), self._device, self._extra, name)
            spelled = _SPELLINGS.get(name)
            if spelled is not None:
                return _bind(spelled, self)
        found = getattr(self._xp, RENAMED.get(name, name), None)
        if found is None or not callable(found):
            raise MissingName(qualified)
        return found

    # -- shared by the spellings below -----------------------------------------------------
    def dtype_of(self, dtype):
        return namespace_dtype(self._xp, dtype)

    def array(self, value, dtype=None, copy=None):
        """`value` as an array of this namespace, on the device of the call's arrays."""
        xp = self._xp
        dtype = self.dtype_of(dtype) if dtype is not None else None
        if _is_array_of(xp, value):
            return value if dtype is None or value.dtype == dtype else xp.astype(value, dtype)
        if isinstance(value, (np.ndarray, np.generic)) and dtype is None:
            dtype = self.dtype_of(value.dtype)
        return xp.asarray(value, dtype=dtype, device=self._device)

    def __repr__(self):
        return f"NumpyView({getattr(self._xp, '__name__', self._xp)})"


def _is_array_of(xp, value) -> bool:
    return hasattr(value, "shape") and not isinstance(value, (np.ndarray, np.generic)) \
        and hasattr(value, "dtype")


def _bind(spelling, view):
    def spelled(*args, **kwargs):
        return spelling(view, *args, **kwargs)
    spelled.__name__ = spelling.__name__
    return spelled


# -- NumPy signatures over the standard ------------------------------------------------------

def asarray(view, x, dtype=None, **_):
    return view.array(x, dtype)


def array(view, x, dtype=None, copy=True, **_):
    out = view.array(x, dtype)
    return view._xp.asarray(out, copy=True) if copy and out is x else out


def astype(view, x, dtype, copy=True, **_):
    return view._xp.astype(view.array(x), view.dtype_of(dtype))


def result_type(view, *values):
    dtypes = [numpy_dtype(v.dtype) if hasattr(v, "dtype") else
              (v if isinstance(v, (np.dtype, type)) else np.asarray(v).dtype) for v in values]
    return np.result_type(*dtypes)


def issubdtype(view, dtype, kind):
    return np.issubdtype(numpy_dtype(dtype), kind)


def iscomplexobj(view, x):
    return hasattr(x, "dtype") and numpy_dtype(x.dtype).kind == "c"


def shape(view, x):
    return tuple(x.shape) if hasattr(x, "shape") else ()


def ndim(view, x):
    return len(shape(view, x))


def real(view, x):
    return view._xp.real(x) if iscomplexobj(view, x) else x


def imag(view, x):
    return view._xp.imag(x) if iscomplexobj(view, x) else view._xp.zeros_like(view.array(x))


def zeros(view, shape, dtype=float, **_):
    return view._xp.zeros(shape, dtype=view.dtype_of(dtype), device=view._device)


def ones(view, shape, dtype=float, **_):
    return view._xp.ones(shape, dtype=view.dtype_of(dtype), device=view._device)


def full(view, shape, fill_value, dtype=None, **_):
    dtype = view.dtype_of(dtype) if dtype is not None else None
    return view._xp.full(shape, fill_value, dtype=dtype, device=view._device)


def zeros_like(view, x, dtype=None, **_):
    return view._xp.zeros_like(view.array(x), dtype=view.dtype_of(dtype) if dtype else None)


def ones_like(view, x, dtype=None, **_):
    return view._xp.ones_like(view.array(x), dtype=view.dtype_of(dtype) if dtype else None)


def full_like(view, x, fill_value, dtype=None, **_):
    return view._xp.full_like(view.array(x), fill_value,
                              dtype=view.dtype_of(dtype) if dtype else None)


def broadcast_to(view, x, shape):
    return view._xp.broadcast_to(view.array(x), tuple(shape))


def reshape(view, x, shape, **_):
    return view._xp.reshape(view.array(x), tuple(shape) if not isinstance(shape, int) else (shape,))


def transpose(view, x, axes=None):
    x = view.array(x)
    if axes is None:
        axes = tuple(reversed(range(x.ndim)))
    return view._xp.permute_dims(x, tuple(axes))


def flip(view, x, axis=None):
    return view._xp.flip(view.array(x), axis=axis)


def concatenate(view, arrays, axis=0, **_):
    return view._xp.concat([view.array(a) for a in arrays], axis=axis)


def stack(view, arrays, axis=0, **_):
    return view._xp.stack([view.array(a) for a in arrays], axis=axis)


def sort(view, x, axis=-1, kind=None, **_):
    return view._xp.sort(view.array(x), axis=axis, stable=True)


def argsort(view, x, axis=-1, kind=None, **_):
    return view._xp.argsort(view.array(x), axis=axis, stable=True)


def _cumulative(name):
    def cumulative(view, x, axis=None, dtype=None, **_):
        x = view.array(x)
        if axis is None:
            x, axis = view._xp.reshape(x, (-1,)), 0
        fn = getattr(view._xp, name, None)
        if fn is None:
            raise MissingName(name)
        return fn(x, axis=axis)
    cumulative.__name__ = name
    return cumulative


def where(view, condition, x=None, y=None):
    if x is None:
        raise MissingName("where(condition) (one argument: a data-dependent shape)")
    xp = view._xp
    condition = view.array(condition)
    if not _is_array_of(xp, x) and not _is_array_of(xp, y):
        x = view.array(x)  # the standard wants at least one array
    return xp.where(condition, x, y)


def _reduction(name):
    def reduce(view, x, axis=None, keepdims=False, dtype=None, **_):
        fn = getattr(view._xp, name)
        x = view.array(x)
        if isinstance(axis, list):
            axis = tuple(axis)
        return fn(x, axis=axis, keepdims=keepdims)
    reduce.__name__ = name
    return reduce


def _arg_reduction(name):
    def reduce(view, x, axis=None, keepdims=False, **_):
        xp = view._xp
        x = view.array(x)
        if axis is None and x.ndim != 1:
            out = getattr(xp, name)(xp.reshape(x, (-1,)), axis=0)
            return xp.reshape(out, (1,) * x.ndim) if keepdims else out
        return getattr(xp, name)(x, axis=axis, keepdims=keepdims)
    reduce.__name__ = name
    return reduce


def take_along_axis(view, x, indices, axis):
    return view._xp.take_along_axis(view.array(x), view.array(indices), axis=axis)


def moveaxis(view, x, source, destination):
    return view._xp.moveaxis(view.array(x), source, destination)


def expand_dims(view, x, axis):
    return view._xp.expand_dims(view.array(x), axis=axis)


def squeeze(view, x, axis=None):
    x = view.array(x)
    if axis is None:
        axis = tuple(i for i, n in enumerate(x.shape) if n == 1)
    return view._xp.squeeze(x, axis=axis)


def dot(view, a, b):
    a, b = view.array(a), view.array(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return view._xp.matmul(a, b) if b.ndim <= 2 else view._xp.tensordot(a, b, axes=([-1], [-2]))


def isscalar(view, x):
    return np.isscalar(x)


def _as_bool(view, x):
    x = view.array(x)
    return x if numpy_dtype(x.dtype) == np.bool_ else x != 0


def _logical(name):
    def logical(view, *args, **_):
        return getattr(view._xp, name)(*[_as_bool(view, a) for a in args])
    logical.__name__ = name
    return logical


def round(view, x, decimals=0, **_):  # noqa: A001 - NumPy's name
    xp = view._xp
    x = view.array(x)
    if decimals == 0:
        return xp.round(x)
    scale = 10.0 ** decimals  # what numpy.round itself does
    return xp.round(x * scale) / scale


def exp2(view, x):
    return view._xp.pow(2.0, view.array(x))


def _pinv(view):
    def pinv(a, rcond=None, hermitian=False, rtol=None):
        return view._xp.linalg.pinv(a, rtol=rtol if rtol is not None else rcond)
    return pinv


_SPELLINGS = {f.__name__: f for f in (
    asarray, array, astype, result_type, issubdtype, iscomplexobj, shape, ndim, real, imag,
    zeros, ones, full, zeros_like, ones_like, full_like, broadcast_to, reshape, transpose, flip,
    concatenate, stack, sort, argsort, where, take_along_axis, moveaxis, expand_dims, squeeze,
    dot, isscalar, round, exp2)}
_SPELLINGS.update(
    cumsum=_cumulative("cumulative_sum"), cumprod=_cumulative("cumulative_prod"),
    sum=_reduction("sum"), prod=_reduction("prod"), max=_reduction("max"), min=_reduction("min"),
    amax=_reduction("max"), amin=_reduction("min"), mean=_reduction("mean"),
    all=_reduction("all"), any=_reduction("any"),
    argmax=_arg_reduction("argmax"), argmin=_arg_reduction("argmin"),
    logical_and=_logical("logical_and"), logical_or=_logical("logical_or"),
    logical_xor=_logical("logical_xor"), logical_not=_logical("logical_not"))

# spellings inside the linalg and fft extensions: "submodule.name" -> f(view) -> function
SUBMODULE_SPELLINGS = {"linalg.pinv": _pinv}
