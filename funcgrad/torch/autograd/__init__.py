"""torch.autograd: `backward`, `grad`, `Variable`, `Function`, `functional`."""
from __future__ import annotations

import warnings
from typing import Any, overload

import numpy as np

from funcgrad.torch._meta import MetaArray, is_meta

from funcgrad.torch import engine
from funcgrad.torch.errors import no_grad_fn_error, scalar_only_error
from funcgrad.torch.graph import edge_of
from funcgrad.torch.grad_mode import (enable_grad, inference_mode, no_grad,  # noqa: F401
                                      set_grad_enabled, is_grad_enabled)
from funcgrad.torch.tensor import Tensor
from funcgrad.torch.autograd.function import Function, FunctionCtx  # noqa: F401
from funcgrad.torch.autograd import functional, profiler  # noqa: F401
from funcgrad.torch.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401


@overload
def _as_list(x: None) -> None: ...
@overload
def _as_list(x: Any) -> list[Any]: ...
def _as_list(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _root_grads(outputs, grad_outputs):
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None and i < len(grad_outputs) else None
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(scalar_only_error(out))
            g = MetaArray(out.shape, out._data.dtype) if is_meta(out._data) else \
                np.ones(out.shape, dtype=out._data.dtype)
        elif isinstance(g, Tensor):
            if tuple(g.shape) != tuple(out.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                    f"has a shape of {out.shape}.")
        else:
            g = np.asarray(g, dtype=out._data.dtype)
        grads.append(g)
    return grads


def _check_roots(outputs):
    for out in outputs:
        if not out._requires_grad:
            raise RuntimeError(no_grad_fn_error(out))


def _prepare_grads(grads, create_graph):
    if create_graph:
        return [g if isinstance(g, Tensor) else Tensor._make(np.asarray(g)) for g in grads]
    return [g._data if isinstance(g, Tensor) else g for g in grads]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of `tensors` into the `.grad` of the leaves of their graph."""
    outputs = _as_list(tensors)
    _check_roots(outputs)
    grads = _root_grads(outputs, _as_list(grad_tensors))
    retain = create_graph if retain_graph is None else retain_graph
    only = None
    if inputs is not None:
        only = {edge_of(t) for t in _as_list(inputs)}
    engine.run_backward([edge_of(o) for o in outputs], _prepare_grads(grads, create_graph),
                        retain_graph=retain, create_graph=create_graph, only=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple (no `.grad` is touched)."""
    outputs = _as_list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _as_list(inputs)
    grads = _root_grads(outputs, _as_list(grad_outputs))
    _check_roots(outputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    capture = {}
    for t in inputs:
        capture.setdefault(edge_of(t), len(capture))
    retain = create_graph if retain_graph is None else retain_graph
    captured = engine.run_backward([edge_of(o) for o in outputs],
                                   _prepare_grads(grads, create_graph), retain_graph=retain,
                                   create_graph=create_graph, capture=capture, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = captured[capture[edge_of(t)]]
        if g is None:
            if materialize_grads:
                g = np.zeros(t.shape, t._data.dtype)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.\n[funcgrad] "
                    f"the input of shape {tuple(t.shape)} does not influence the outputs.")
            else:
                result.append(None)
                continue
        if isinstance(g, Tensor):
            result.append(g)
        else:
            result.append(Tensor._make(np.array(g, dtype=t._data.dtype)))
    return tuple(result)


def Variable(data, requires_grad=False, volatile=False):  # noqa: N802 - PyTorch's name
    """The legacy wrapper: returns a tensor (a new leaf when requires_grad is asked)."""
    if volatile:
        warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                      "instead.", UserWarning, stacklevel=2)
    if not isinstance(data, Tensor):
        raise TypeError("Variable data has to be a tensor, but got " + type(data).__name__)
    if requires_grad:
        leaf = data.detach()
        leaf.requires_grad_(True)
        return leaf
    return data


from funcgrad.torch.autograd.anomaly_mode import (detect_anomaly,  # noqa: E402,F401
                                                   is_anomaly_check_nan_enabled,
                                                   is_anomaly_enabled, set_detect_anomaly)
