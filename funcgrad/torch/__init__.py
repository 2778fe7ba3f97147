"""funcgrad.torch: PyTorch's stateful autograd API, as a shell over funcgrad's core.

    import funcgrad.torch as torch

Tensors carry `.grad`, `grad_fn` and `requires_grad`; every derivative comes from the rules of
funcgrad's primitive registry. Nothing in funcgrad imports this package.
"""
from funcgrad.torch._dtype import (bool, cdouble, cfloat, complex64, complex128, double,  # noqa: F401,A004
                                   dtype, float, float16, float32, float64, half, int, int8,
                                   int16, int32, int64, long, short, uint8, can_cast, finfo,
                                   get_default_dtype, iinfo, promote_types, result_type,
                                   set_default_dtype)
from funcgrad.torch.tensor import Tensor  # noqa: F401
from funcgrad.torch._methods import Size  # noqa: F401
from funcgrad.torch._ops import (abs, absolute, acos, add, all, any, argmax, argmin, asin,  # noqa: F401,A004
                                 atan, atan2, arctan2, bmm, cat, ceil, clamp, clip, clone, concat,
                                 cos, cosh, div, divide, dot, eq, exp, expm1, flatten, floor, ge, gt, le,
                                 log, log1p, log_softmax, logsumexp, lt, matmul, max,
                                 maximum, mean, min, minimum, mm, mul, multiply, mv, ne, neg,
                                 negative, norm, outer, permute, pow, reciprocal, relu, reshape,
                                 round, rsqrt, sigmoid, sign, sin, sinh, softmax, sqrt, square,
                                 squeeze, stack, std, sub, subtract, sum, swapaxes, t, tan, tanh,
                                 transpose, true_divide, trunc, unsqueeze, var)
from funcgrad.torch._ops import arccos, arcsin, arctan, concatenate  # noqa: F401
from funcgrad.torch._indexing import chunk, gather, masked_fill, narrow, split, unbind  # noqa: F401
from funcgrad.torch._math import (acosh, addcdiv, addcmul, amax, amin, arccosh, arcsinh,  # noqa: F401
                                  arctanh, argsort, argwhere, asinh, atanh,
                                  bitwise_and, bitwise_not, bitwise_or, bitwise_xor, clamp_max, clamp_min, count_nonzero,
                                  cummax, cummin, cumprod, cumsum, deg2rad, erf, erfc, erfinv,
                                  exp2, floor_divide, fmod, frac, hypot, is_nonzero,
                                  isclose, isfinite, isinf, isnan, isreal, kthvalue, lerp, log10,
                                  log2, logaddexp, logcumsumexp, logical_and, logical_not,
                                  logical_or, logical_xor, logit, masked_select, median, mode,
                                  msort, nan_to_num, nanmean, nansum, nonzero, positive, prod,
                                  rad2deg, remainder, sgn, sort, std_mean, topk,
                                  unique, var_mean, where, xlogy)
from funcgrad.torch._binning import (bincount, bucketize, histc, nanquantile, quantile,  # noqa: F401
                                     searchsorted)
from funcgrad.torch._complex import (angle, complex, conj, imag, polar, real,  # noqa: F401,A004
                                     view_as_complex, view_as_real)
from funcgrad.torch._shape_ops import (atleast_1d, atleast_2d, atleast_3d, block_diag,  # noqa: F401
                                       broadcast_shapes, broadcast_tensors, broadcast_to,
                                       cartesian_prod, column_stack, diag, diag_embed, diagonal,
                                       diff, dstack, flip, fliplr, flipud, hstack, index_add,
                                       index_copy, index_fill, index_select, masked_scatter,
                                       meshgrid, moveaxis, movedim, repeat_interleave, roll,
                                       rot90, row_stack, scatter, scatter_add, take,
                                       take_along_dim, tile, trace, tril, triu, unflatten,
                                       vstack)
from funcgrad.torch._shape_ops import as_strided, combinations  # noqa: F401
from funcgrad.torch._extra_methods import (addr, aminmax, copysign, corrcoef, cov, diagflat,  # noqa: F401
                                           digamma, dist, dsplit, float_power, fmax, fmin, gcd,
                                           ger, heaviside, hsplit, i0, index_put, inner,
                                           isneginf, isposinf, lcm, ldexp, lgamma, logaddexp2,
                                           nanmedian, nextafter, polygamma, renorm,
                                           scatter_reduce, select, signbit, sinc, tensor_split,
                                           unique_consecutive, vsplit)
from funcgrad.torch._more_functions import (asarray, cholesky_inverse, cholesky_solve,  # noqa: F401
                                            diagonal_scatter, fill_, gradient, mvlgamma, put,
                                            resolve_conj, resolve_neg, select_scatter,
                                            slice_scatter, unravel_index, vander, vdot, zero_)
from funcgrad.torch.linalg import (addbmm, addmm, addmv, baddbmm, cdist, chain_matmul, det,  # noqa: F401
                                   einsum, inverse, kron, logdet, tensordot)
from funcgrad.torch import linalg  # noqa: F401
from funcgrad.torch._creation import (arange, as_tensor, empty, empty_like, eye,  # noqa: F401
                                      from_numpy, full, full_like, is_tensor, linspace, numel,
                                      ones, ones_like, tensor, zeros, zeros_like)
from funcgrad.torch.random import (Generator, bernoulli, default_generator, initial_seed,  # noqa: F401
                                   manual_seed, multinomial, normal, poisson, rand, rand_like,
                                   randint, randint_like, randn, randn_like, randperm, seed)
from funcgrad.torch.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                                      no_grad, set_grad_enabled)
from funcgrad.torch._device import device  # noqa: F401
from funcgrad.torch import autograd, func  # noqa: F401
from funcgrad.torch.autograd.anomaly_mode import (is_anomaly_check_nan_enabled,  # noqa: F401
                                                   is_anomaly_enabled, set_anomaly_enabled)
from funcgrad.torch import utils  # noqa: F401
from funcgrad.torch import distributions  # noqa: F401
from funcgrad.torch._namespace import (are_deterministic_algorithms_enabled, autocast,  # noqa: F401,A004
                                       bartlett_window, blackman_window, cumulative_trapezoid,
                                       empty_strided, fill, frexp, frobenius_norm,
                                       get_default_device, get_float32_matmul_precision,
                                       get_num_interop_threads, get_num_threads, get_rng_state,
                                       hamming_window, hann_window, histogram, is_inference_mode_enabled,
                                       is_deterministic_algorithms_warn_only_enabled,
                                       is_warn_always_enabled, isin, kaiser_window, nuclear_norm,
                                       range, ravel, scalar_tensor, set_default_device,
                                       set_float32_matmul_precision, set_num_interop_threads,
                                       set_num_threads, set_rng_state, set_warn_always,
                                       trapezoid, trapz, tril_indices, triu_indices, typename,
                                       use_deterministic_algorithms)
from funcgrad.torch import _namespace as _more  # noqa: E402
globals().update(_more.FUNCTIONAL)
globals().update({k: v for k, v in _more.INPLACE.items() if k not in globals()})
from funcgrad.torch._ops import swapaxes as swapdims  # noqa: F401,E402
from funcgrad.torch._ops import ge as greater_equal, gt as greater, le as less_equal, lt as less, ne as not_equal  # noqa: F401,E402
from funcgrad.torch.linalg import cholesky, matrix_power, pinv as pinverse  # noqa: F401,E402
from funcgrad.torch import return_types  # noqa: E402
from funcgrad.torch._legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor,  # noqa: F401,E402
                                    FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor)


def qr(input, some=True):
    """torch.qr: Q and R as torch.return_types.qr (reduced unless some=False)."""
    from funcgrad.torch import linalg as _linalg
    return return_types.qr(*_linalg.qr(input, "reduced" if some else "complete"))


def slogdet(input):
    """torch.slogdet: sign and log|det| as torch.return_types.slogdet."""
    from funcgrad.torch import linalg as _linalg
    return return_types.slogdet(*_linalg.slogdet(input))
from funcgrad.torch._extra_methods import _svd  # noqa: E402


def svd(input, some=True, compute_uv=True):
    return _svd(input, some)


def cross(input, other, dim=None):
    """torch.cross: along `dim`, or the first dimension of size 3 when dim is None."""
    from funcgrad.torch import linalg as _linalg
    if dim is None:
        dim = next(i for i, n in enumerate(input.shape) if n == 3)
    return _linalg.cross(input, other, dim)


def split_with_sizes(input, split_sizes, dim=0):
    return input.split(list(split_sizes), dim)


def is_signed(input):
    return input.is_signed()


def is_same_size(input, other):
    return input.is_same_size(other)


def matrix_exp(input):
    """torch.matrix_exp: torch.linalg.matrix_exp."""
    from funcgrad.torch import linalg as _linalg
    return _linalg.matrix_exp(input)


from funcgrad.torch import nn, optim  # noqa: F401
from funcgrad.torch import accelerator, functional, onnx, profiler  # noqa: F401,E402
from funcgrad.torch.func import vmap  # noqa: F401,E402 - torch.vmap is torch.func's
from funcgrad.torch.serialization import load, save  # noqa: F401

__version__ = "2.13.0+funcgrad"


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def detach(input):
    return input.detach()


def dropout(input, p=0.5, train=True):
    return nn.functional.dropout(input, p, train)


def logspace(start, end, steps, base=10.0, *, dtype=None, requires_grad=False, **_):
    return pow(base, linspace(start, end, steps, dtype=float64)).to(dtype or float32) \
        .requires_grad_(requires_grad)


def round(input, *, decimals=0):  # noqa: A001 - PyTorch's name
    return input.round(decimals=decimals)


def compile(model=None, **options):  # noqa: A001 - PyTorch's name; runs eagerly here
    if model is None:
        return lambda fn: fn
    return model


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha) if isinstance(other, Tensor) else -input * alpha + other


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, **_):
    from funcgrad.torch import _repr
    for name, value in (("PRECISION", precision), ("THRESHOLD", threshold),
                        ("EDGEITEMS", edgeitems), ("LINEWIDTH", linewidth)):
        if value is not None:
            setattr(_repr, name, value)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    import numpy as np
    return np.allclose(input.detach().numpy(), other.detach().numpy(), rtol, atol, equal_nan)


def equal(input, other):
    import numpy as np
    return np.array_equal(input.detach().numpy(), other.detach().numpy())


class cuda:  # noqa: N801 - funcgrad.torch has no GPU
    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        return None

    manual_seed_all = manual_seed


class backends:  # noqa: N801
    class mps:  # noqa: N801
        @staticmethod
        def is_available():
            return False

    class cudnn:  # noqa: N801
        deterministic = False
        benchmark = False
        enabled = False

from funcgrad.torch import _out  # noqa: E402
_out.install(globals())  # out= for the functions PyTorch gives it
from funcgrad.torch import special  # noqa: E402,F401 - last: it renames the functions above
