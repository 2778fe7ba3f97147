"""`torch` functions and Tensor methods that PyTorch programs call and the other modules lack:
asarray, the in-place fill_/zero_ of a tensor, resolve_conj/resolve_neg, vdot, vander,
unravel_index, gradient, put/put_, cholesky_solve/cholesky_inverse, the slice/select/diagonal
scatters, mvlgamma, and post-accumulate-grad hooks. Each is a composition of funcgrad.torch's own operations, so derivatives follow."""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.torch import _creation, _dtype, linalg
from funcgrad.torch._composite import composite
from funcgrad.torch._ops import as_tensor_arg
from funcgrad.torch.engine import POST_ACCUMULATE_HOOKS
from funcgrad.torch.tensor import RemovableHandle, Tensor


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """obj as a tensor, sharing memory with a tensor or NumPy array where its dtype allows (and
    copy is not True), as torch.asarray."""
    if isinstance(obj, Tensor):
        out = obj if dtype is None or obj.dtype == dtype else obj.to(dtype)
        out = out.clone() if copy and out is obj else out
    elif isinstance(obj, np.ndarray) and not copy and (
            dtype is None or obj.dtype == _dtype.to_numpy(dtype)):
        out = Tensor._make(obj)
    else:
        if copy is False:
            raise ValueError("asarray: copy=False, but the object cannot be shared without a copy")
        out = _creation.tensor(obj, dtype=dtype)
    if requires_grad:
        out.requires_grad_(True)
    return out


def fill_(input, value):
    return input.fill_(value)


def zero_(input):
    return input.zero_()


def resolve_conj(input):
    """The tensor itself: funcgrad.torch has no lazy conjugate bit (is_conj() is False)."""
    return input


def resolve_neg(input):
    return input


def vdot(input, other):
    """sum(conj(input) * other) of two 1-d tensors, as torch.vdot."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return composite("DotBackward0", fnp.vdot, input, as_tensor_arg(other))


def vander(x, N=None, increasing=False):  # noqa: N803
    """Columns of powers of x (decreasing unless increasing=True), as torch.vander."""
    columns = x.shape[0] if N is None else int(N)
    return composite("CumprodBackward0", lambda v: fnp.vander(v, columns, increasing=increasing), x)


def unravel_index(indices, shape):
    """The coordinates of flat indices in an array of `shape`, one int64 tensor per dimension."""
    flat = np.asarray(indices.detach()._data if isinstance(indices, Tensor) else indices)
    if flat.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {flat.dtype}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if flat.size and (flat.min() < -int(np.prod(shape)) or flat.max() >= int(np.prod(shape))):
        raise RuntimeError("index out of bounds in unravel_index")
    flat = np.where(flat < 0, flat + int(np.prod(shape)), flat)
    return tuple(Tensor._make(np.asarray(c, np.int64)) for c in np.unravel_index(flat, shape))


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Central differences (one-sided at the edges), a tensor per dimension, as torch.gradient:
    `spacing` a number, a list of numbers (one per dimension) or of coordinate tensors."""
    dims = list(range(input.ndim)) if dim is None else \
        [dim] if isinstance(dim, (int, np.integer)) else list(dim)
    if isinstance(spacing, (list, tuple)):
        steps = [s._data if isinstance(s, Tensor) else s for s in spacing]
    else:
        steps = [spacing._data if isinstance(spacing, Tensor) else spacing] * len(dims)
    if len(steps) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or a list "
                           f"of length {len(dims)}, but got a list of length {len(steps)}")
    outputs = []
    for d, step in zip(dims, steps):
        outputs.append(composite("GradientBackward0", lambda x, d=d, step=step: fnp.gradient(
            x, step, axis=d, edge_order=edge_order), input))
    return tuple(outputs)


def put(input, index, source, accumulate=False):
    """A copy of input with its flattened entries at `index` set to (or, with accumulate, added
    to) source, as torch.put."""
    index = np.asarray(index.detach()._data if isinstance(index, Tensor) else index).reshape(-1)
    flat = input.reshape(-1)
    values = as_tensor_arg(source).reshape(-1).to(input.dtype)
    return (flat.index_add(0, Tensor._make(index), values) if accumulate
            else flat.index_copy(0, Tensor._make(index), values)).reshape(input.shape)


def put_(input, index, source, accumulate=False):
    return input.copy_(put(input, index, source, accumulate))


def cholesky_solve(B, L, upper=False):  # noqa: N803
    """X with A X = B for A = L L^H (or U^H U with upper=True), as torch.cholesky_solve."""
    lower = L.mH if upper else L
    return linalg.solve_triangular(lower.mH, linalg.solve_triangular(lower, B, upper=False),
                                   upper=True)


def cholesky_inverse(L, upper=False):  # noqa: N803
    """The inverse of A = L L^H (U^H U with upper=True) from its Cholesky factor."""
    eye = _creation.tensor(np.eye(L.shape[-1]), dtype=L.dtype)
    return cholesky_solve(eye, L, upper)


# -- out-of-place scatters: a copy with one slice, index or diagonal replaced ---------------------

def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """input with input[start:end:step] along dim replaced by src (a copy), as torch's."""
    out = input.clone()
    out[(slice(None),) * (dim % input.ndim) + (slice(start, end, step),)] = src
    return out


def select_scatter(input, src, dim, index):
    """input with input.select(dim, index) replaced by src (a copy)."""
    out = input.clone()
    out[(slice(None),) * (dim % input.ndim) + (index,)] = src
    return out


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """input with its diagonal (offset, dim1, dim2) replaced by src (a copy)."""
    out = input.clone()
    out.diagonal(offset, dim1, dim2).copy_(src)
    return out


def mvlgamma(input, p):
    """The multivariate log-gamma of dimension p, elementwise, as torch.mvlgamma."""
    from funcgrad.torch import lgamma
    if bool((input <= (p - 1) / 2).any()):
        raise RuntimeError(f"All elements must be greater than (p-1)/2 (= {(p - 1) / 2})")
    total = sum(lgamma(input - j / 2) for j in range(p))
    return total + p * (p - 1) / 4 * float(np.log(np.pi))


# -- hooks run after a leaf's .grad is accumulated ---------------------------------------------

def register_post_accumulate_grad_hook(tensor, hook):
    """Call hook(tensor) after backward has accumulated into tensor.grad (leaf tensors only), as
    PyTorch's: an optimiser can step inside the backward pass. Returns a removable handle."""
    import weakref
    if tensor.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    key = id(tensor)
    if key not in POST_ACCUMULATE_HOOKS:
        POST_ACCUMULATE_HOOKS[key] = (weakref.finalize(tensor, POST_ACCUMULATE_HOOKS.pop, key, None), [])
    hooks = POST_ACCUMULATE_HOOKS[key][1]
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def install(T):
    """Put the methods on Tensor."""
    T.resolve_conj = resolve_conj
    T.put = put
    T.put_ = put_
    T.cholesky_solve = cholesky_solve
    T.cholesky_inverse = cholesky_inverse
    T.register_post_accumulate_grad_hook = register_post_accumulate_grad_hook
    T.matrix_exp = linalg.matrix_exp
    T.slice_scatter, T.select_scatter = slice_scatter, select_scatter
    T.diagonal_scatter, T.mvlgamma = diagonal_scatter, mvlgamma
    T.mvlgamma_ = lambda self, p: self.copy_(mvlgamma(self, p))
    from funcgrad.torch import _extra_methods, _namespace
    T.frexp = _namespace.frexp
    T.histogram = _namespace.histogram
    for name in ("gcd", "lcm", "nextafter"):
        setattr(T, name + "_", lambda self, other, f=getattr(_extra_methods, name): self.copy_(
            f(self, other)))


__all__ = ["asarray", "cholesky_inverse", "cholesky_solve", "diagonal_scatter", "fill_",
           "gradient", "mvlgamma", "put", "put_", "register_post_accumulate_grad_hook",
           "resolve_conj", "resolve_neg", "select_scatter", "slice_scatter", "unravel_index",
           "vander", "vdot", "zero_"]
