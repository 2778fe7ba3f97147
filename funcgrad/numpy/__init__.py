"""funcgrad.numpy: NumPy's functions, differentiable by every funcgrad transform.

    import funcgrad.numpy as fnp
"""
from numpy import (e, euler_gamma, float32, float64, inf, int32, int64, nan, newaxis,  # noqa: F401
                   pi, bool_, complex64, complex128)

from funcgrad.primitives.contraction import (dot, inner, matmul, outer,  # noqa: F401
                                             tensordot, vdot)
from funcgrad.primitives.elementwise import (  # noqa: F401
    abs, absolute, add, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, cbrt, ceil,
    cos, cosh, divide, equal, exp, exp2, expm1, floor, floor_divide, fmax, fmin, greater,
    greater_equal, hypot, isfinite, isinf, isnan, less, less_equal, log, log1p, log2, log10,
    logaddexp, logical_and, logical_not, logical_or, logical_xor, maximum, minimum, mod,
    multiply, negative, not_equal, power, reciprocal, remainder, rint, sign, sin, sinh, sqrt,
    square, subtract, tan, tanh, true_divide, trunc, where)
from funcgrad.primitives.indexing import (argsort, getitem, sort, take,  # noqa: F401
                                          take_along_axis)
from funcgrad.primitives.reductions import (all, amax, amin, any, argmax, argmin,  # noqa: F401
                                            cumprod, cumsum, max, min, prod, sum)
from funcgrad.primitives.shape import (  # noqa: F401
    array_split, atleast_1d, atleast_2d, atleast_3d, broadcast_to, column_stack, concatenate,
    dstack, expand_dims, flip, fliplr, flipud, hstack, moveaxis, ravel, repeat, reshape, roll,
    split, squeeze, stack, swapaxes, tile, transpose, vstack)
from funcgrad.numpy._composites import (  # noqa: F401
    around, average, clip, diag, diagonal, einsum, expit, log_softmax, logsumexp, mean, round, sigmoid,
    softmax, std, trace, tril, triu, var)
from funcgrad.numpy._creation import (  # noqa: F401
    arange, array, asarray, empty, empty_like, eye, full, full_like, geomspace, identity, linspace,
    logspace, ndim, ones, ones_like, shape, size, tri, zeros, zeros_like)
from funcgrad.numpy import _methods  # noqa: F401  (installs x.sum(), x.T, x.at, ... on tracers)
from funcgrad.numpy._at import at  # noqa: F401
from funcgrad.numpy._statistics import *  # noqa: F401,F403
from funcgrad.numpy._assembly import *  # noqa: F401,F403
from funcgrad.numpy._signal import *  # noqa: F401,F403
from funcgrad.numpy._polynomial import *  # noqa: F401,F403
from funcgrad.numpy._breadth import *  # noqa: F401,F403
from funcgrad.numpy._index_tricks import *  # noqa: F401,F403
from funcgrad.numpy._utilities import *  # noqa: F401,F403
from funcgrad.numpy import linalg, fft  # noqa: F401,E402
from funcgrad.numpy import _dispatch  # noqa: F401  (NumPy's own functions on tracers)
from funcgrad.numpy import _arraylike, _docs, _numpy_names
from funcgrad.numpy import (_assembly, _breadth, _index_tricks, _polynomial, _signal,
                            _statistics, _utilities)
import numpy as _np  # noqa: E402

# funcgrad's own names (NumPy's types, configuration and I/O are resolved from NumPy on first use:
# see __getattr__ below)
__all__ = [
    "abs", "absolute", "add", "all", "amax", "amin", "any", "arange", "arccos", "arccosh",
    "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin", "argsort", "around",
    "array", "array_split", "asarray", "at", "atleast_1d", "atleast_2d", "atleast_3d", "average",
    "bool_", "broadcast_to", "cbrt", "ceil", "clip", "column_stack", "complex128", "complex64",
    "concatenate", "cos", "cosh", "cumprod", "cumsum", "diag", "diagonal", "divide", "dot",
    "dstack", "e", "einsum", "empty", "empty_like", "equal", "euler_gamma", "exp", "exp2",
    "expand_dims", "expit", "expm1", "eye", "fft", "flip", "fliplr", "flipud", "float32",
    "float64", "floor", "floor_divide", "fmax", "fmin", "full", "full_like", "geomspace",
    "getitem", "greater", "greater_equal", "hstack", "hypot", "identity", "inf", "inner", "int32",
    "int64", "isfinite", "isinf", "isnan", "less", "less_equal", "linalg", "linspace", "log",
    "log10", "log1p", "log2", "log_softmax", "logaddexp", "logical_and", "logical_not",
    "logical_or", "logical_xor", "logspace", "logsumexp", "matmul", "max", "maximum", "mean",
    "min", "minimum", "mod", "moveaxis", "multiply", "nan", "ndim", "negative", "newaxis",
    "not_equal", "ones", "ones_like", "outer", "pi", "power", "prod", "ravel", "reciprocal",
    "remainder", "repeat", "reshape", "rint", "roll", "round", "shape", "sigmoid", "sign", "sin",
    "sinh", "size", "softmax", "sort", "split", "sqrt", "square", "squeeze", "stack", "std",
    "subtract", "sum", "swapaxes", "take", "take_along_axis", "tan", "tanh", "tensordot", "tile",
    "trace", "transpose", "tri", "tril", "triu", "true_divide", "trunc", "var", "vdot", "vstack",
    "where", "zeros", "zeros_like"
]
__all__ += _statistics.__all__
__all__ += _assembly.__all__
__all__ += _signal.__all__
__all__ += _polynomial.__all__
__all__ += _breadth.__all__
__all__ += _index_tricks.__all__
__all__ += _utilities.__all__

# every function is entered through one conversion: lists/tuples holding tracers become arrays
_arraylike.install(globals())
_arraylike.install(linalg.__dict__)
_arraylike.install(fft.__dict__)
# NumPy's test runners, as in numpy.linalg
linalg.__dict__["test"], fft.__dict__["test"] = _np.linalg.__dict__["test"], _np.fft.__dict__["test"]

# NumPy's summary, a link, the derivative and an example for the thin wrappers (one place)
_docs.document(globals())
_docs.document(linalg.__dict__, "linalg.")
_docs.document(fft.__dict__, "fft.")


def __getattr__(name):
    """NumPy's names that funcgrad.numpy takes as they are (types, configuration, index builders,
    I/O, submodules: see _numpy_names.REASONS), resolved on first use."""
    return _numpy_names.numpy_own(name)


def __dir__():
    return sorted(set(globals()) | set(_numpy_names.names()))
