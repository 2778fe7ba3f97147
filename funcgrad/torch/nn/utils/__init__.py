"""torch.nn.utils: gradient clipping and parameter vectors."""
from __future__ import annotations

import numpy as np

from funcgrad.torch.tensor import Tensor


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return Tensor._make(np.asarray(0.0, np.float32))
    if norm_type == float("inf"):
        total = max(float(np.abs(g._data).max()) for g in grads)
    else:
        total = float(sum(float((np.abs(g._data) ** norm_type).sum()) for g in grads)) ** (1.0 / norm_type)
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g._data *= coef
            g._counter[0] += 1
    return Tensor._make(np.asarray(total, np.float32))


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
