"""`out=` arguments (`torch.add(x, y, out=result)`), as PyTorch's functions take them.

The answer is computed as usual and written into `out`'s memory (so views of `out` see it), with
PyTorch's rules: an `out` of another shape is resized (with PyTorch's deprecation warning when
it had elements), the answer must be castable to `out`'s dtype, and no argument may require
grad while grad mode is on (out= is not differentiable).
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from funcgrad.torch import grad_mode
from funcgrad.torch._dtype_names import scalar_type_name
from funcgrad.torch.tensor import Tensor

# the top-level functions PyTorch gives an out= argument (those funcgrad.torch defines)
OUT_FUNCTIONS = (
    "add sub subtract mul multiply div divide true_divide floor_divide remainder fmod pow "
    "float_power atan2 arctan2 maximum minimum fmax fmin hypot lerp xlogy copysign "
    "matmul mm bmm mv dot addmm addmv baddbmm addbmm outer ger kron cross tensordot "
    "sum mean nansum prod cumsum cumprod logsumexp std var norm max min amax amin argmax "
    "argmin aminmax sort topk kthvalue median mode "
    "exp exp2 expm1 log log2 log10 log1p sin cos tan asin acos atan sinh cosh tanh asinh "
    "acosh atanh sigmoid sqrt rsqrt abs absolute neg negative reciprocal square sign sgn "
    "floor ceil round trunc frac clamp clip erf erfc erfinv lgamma digamma nan_to_num "
    "logical_and logical_or logical_xor logical_not eq ne lt le gt ge "
    "cat concat concatenate stack hstack vstack dstack where index_select masked_select "
    "gather take_along_dim tril triu diag "
    "arange linspace logspace zeros ones full eye empty rand randn randint randperm").split()


def _describe(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _requires_grad(args, kwargs) -> bool:
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, Tensor) and a._requires_grad:
            return True
        if isinstance(a, (list, tuple)) and any(isinstance(t, Tensor) and t._requires_grad
                                                for t in a):
            return True
    return False


def write_into(out, result, name):
    """Copy tensor `result` into tensor `out` (resizing it as PyTorch does); returns out."""
    data = out._data
    value = np.asarray(result._data)
    if not np.can_cast(value.dtype, data.dtype, "same_kind"):
        raise RuntimeError(f"result type {scalar_type_name(value.dtype)} can't be cast to the "
                           f"desired output type {scalar_type_name(data.dtype)}")
    if tuple(data.shape) != value.shape:
        if data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{_describe(data.shape)}, which does not match the required output shape "
                f"{_describe(value.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0).", UserWarning, stacklevel=3)
        out._data = value.astype(data.dtype, copy=True)
    elif data.flags.writeable:
        np.copyto(data, value, casting="unsafe")
    else:
        out._data = value.astype(data.dtype, copy=True)
    out._counter[0] += 1
    return out


def with_out(fn, name):
    """fn, also taking PyTorch's `out=` (a tensor, or a tuple of tensors for several results)."""
    @functools.wraps(fn)
    def function(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if grad_mode._state.enabled and (_requires_grad(args, kwargs) or (
                isinstance(out, Tensor) and out._requires_grad)):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires "
                               "grad.")
        with grad_mode.no_grad():
            result = fn(*args, **kwargs)
        if isinstance(out, Tensor):
            if isinstance(result, tuple):  # e.g. max(x, dim, out=t): PyTorch wants a tuple
                raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not Tensor")
            return write_into(out, result, name)
        outs = tuple(out)
        if not isinstance(result, tuple) or len(outs) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be a Tensor for this call, not a "
                            f"tuple of {len(outs)}")
        written = [write_into(o, r, name) for o, r in zip(outs, result)]
        return type(result)(*written) if hasattr(result, "_fields") else tuple(written)
    return function


def install(namespace: dict):
    """Give the functions in `namespace` that PyTorch gives out= their out= argument."""
    for name in OUT_FUNCTIONS:
        fn = namespace.get(name)
        if callable(fn) and not isinstance(fn, type):
            namespace[name] = with_out(fn, name)
