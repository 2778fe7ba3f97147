"""torch.nn.utils: gradient clipping (get_total_norm, clip_grads_with_norm_, clip_grad_norm_,
clip_grad_value_) and parameter vectors."""
from __future__ import annotations

import numpy as np

from funcgrad.torch.tensor import Tensor


def _vector_norm(data, order):
    a = np.abs(data)
    if order == np.inf:
        return a.max(initial=0)
    if order == -np.inf:
        return a.min()
    if order == 0:
        return a.dtype.type(np.count_nonzero(a))
    return (a ** order).sum() ** (1.0 / order)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """torch.nn.utils.get_total_norm: the norm of the tensors' norms (as if concatenated)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else [t for t in tensors if t is not None]
    if not tensors:
        return Tensor._make(np.asarray(0.0, np.float32))
    order = float(norm_type)
    norms = np.array([_vector_norm(t._data, order) for t in tensors],
                     dtype=np.result_type(*[t._data.dtype for t in tensors]))
    total = np.asarray(_vector_norm(norms, order), norms.dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {order} for gradients from `parameters` is non-finite, so "
            "it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor._make(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """torch.nn.utils.clip_grads_with_norm_: scale the gradients by max_norm / total_norm
    when that is below 1 (NaN when the norm is: PyTorch multiplies by it)."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = float(total_norm._data if isinstance(total_norm, Tensor) else total_norm)
    coef = max_norm / (total + 1e-6)
    if not coef >= 1:  # below 1, or NaN
        for p in params:
            g = p.grad
            if g is not None:
                g._data *= g._data.dtype.type(coef)
                g._counter[0] += 1


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """torch.nn.utils.clip_grad_norm_: the gradients' total norm, after scaling them down to
    at most max_norm."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = get_total_norm([p.grad for p in params], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)


def parameters_to_vector(parameters):
    from funcgrad.torch._ops import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of `vec` into the parameters' data (no graph is recorded)."""
    start = 0
    for p in parameters:
        n = p.numel()
        p._data = np.asarray(vec._data[start:start + n]).reshape(p._data.shape).astype(p._data.dtype)
        p._counter[0] += 1
        start += n


from funcgrad.torch.nn.utils import rnn  # noqa: E402,F401
