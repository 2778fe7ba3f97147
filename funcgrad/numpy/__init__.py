"""funcgrad.numpy: NumPy's functions, differentiable by every funcgrad transform.

    import funcgrad.numpy as fnp
"""
from numpy import (e, euler_gamma, float32, float64, inf, int32, int64, nan, newaxis,  # noqa: F401
                   pi, bool_, complex64, complex128)

from funcgrad.primitives.contraction import matmul  # noqa: F401
from funcgrad.primitives.elementwise import (  # noqa: F401
    abs, absolute, add, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, cbrt, ceil,
    cos, cosh, divide, equal, exp, exp2, expm1, floor, floor_divide, fmax, fmin, greater,
    greater_equal, hypot, isfinite, isinf, isnan, less, less_equal, log, log1p, log2, log10,
    logaddexp, logical_and, logical_not, logical_or, logical_xor, maximum, minimum, mod,
    multiply, negative, not_equal, power, reciprocal, remainder, rint, sign, sin, sinh, sqrt,
    square, subtract, tan, tanh, true_divide, trunc, where)
from funcgrad.primitives.indexing import getitem  # noqa: F401
from funcgrad.primitives.reductions import amax, amin, max, min, sum  # noqa: F401
from funcgrad.primitives.shape import (broadcast_to, concatenate, expand_dims,  # noqa: F401
                                       moveaxis, reshape, stack, transpose)
from funcgrad.numpy._composites import (clip, dot, expit, log_softmax, logsumexp,  # noqa: F401
                                        mean, sigmoid, softmax, std, var)
from funcgrad.numpy import _methods  # noqa: F401  (installs x.sum(), x.T, ... on tracers)
