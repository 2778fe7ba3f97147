"""Ops that PyTorch records as one node but funcgrad builds from several primitives
(`var` -> VarBackward0, `softmax` -> SoftmaxBackward0, ...).

The forward runs under `funcgrad.vjp`, so the node's backward is the composite's own pullback
(made of the registry's rules). With create_graph the composite is run again on tensors and
differentiated through the graph that records, so higher derivatives work too.
"""
from __future__ import annotations

import numpy as np

import funcgrad as fg
from funcgrad.torch import grad_mode
from funcgrad.torch.graph import edge_of, node_class
from funcgrad.torch.tensor import Tensor, _as_array, _torch_result_dtype, _unshared


class Composite:
    __slots__ = ("fn", "pullback", "differentiated")

    def __init__(self, fn, pullback, differentiated):
        self.fn = fn
        self.pullback = pullback
        self.differentiated = differentiated

    def backward(self, node, grad, create_graph):
        out = [None] * len(node.edges)
        if create_graph:
            from funcgrad.torch.autograd import grad as autograd_grad
            from funcgrad.torch._ops import reshape
            args = list(node.inputs)
            with grad_mode.enable_grad():
                # each position its own alias, so that an input passed twice gets each share
                for i in self.differentiated:
                    args[i] = reshape(args[i], tuple(args[i].shape))
                result = self.fn(*args)
            inputs = [args[i] for i in self.differentiated]
            if isinstance(grad, _Summed):  # (several outputs: one gradient each)
                result, grad = list(result), list(grad)
            grads = autograd_grad(result, inputs, grad, create_graph=True, allow_unused=True)
        else:
            grads = self.pullback(grad)
        for i, g in zip(self.differentiated, grads):
            out[i] = g
        return out


def composite(name, fn, *args):
    """fn(*args) as one node called `name`; fn is written with funcgrad primitives."""
    datas = [a._data if isinstance(a, Tensor) else a for a in args]
    differentiated = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a._requires_grad]
    if not (differentiated and grad_mode.is_grad_enabled()):
        return Tensor._make(_unshared(_float32_unless_asked(_as_array(fn(*datas)), datas), datas))

    def on_differentiated(*values):
        full = list(datas)
        for i, v in zip(differentiated, values):
            full[i] = v
        return fn(*full)
    out, pullback = fg.vjp(on_differentiated, *[datas[i] for i in differentiated])
    out = _unshared(_float32_unless_asked(_as_array(out), datas), datas)
    result = Tensor._make(out)
    edges = [edge_of(a) if i in differentiated else None for i, a in enumerate(args)]
    saved = [(a, a._counter[0]) for a in args if isinstance(a, Tensor)]
    node = node_class(name)(None, {}, tuple(args), out, edges, saved, None)
    node.composite = Composite(fn, pullback, differentiated)
    result._grad_fn = node
    result._requires_grad = True
    return result


class CompositeOutputs(Composite):
    """The backward of a composite with several outputs: the gradients reach the node in one
    slot per output (outputs that got none pass zeros to the pullback)."""

    __slots__ = ("outputs",)

    def __init__(self, fn, pullback, differentiated, outputs):
        super().__init__(fn, pullback, differentiated)
        self.outputs = outputs  # (shape, dtype) of each output

    def backward(self, node, grad, create_graph):
        grads = list(grad.grads)
        if not create_graph:
            grads = [np.zeros(shape, dtype) if g is None else (g._data if isinstance(g, Tensor) else g)
                     for g, (shape, dtype) in zip(grads, self.outputs)]
            out = [None] * len(node.edges)
            for i, g in zip(self.differentiated, self.pullback(tuple(grads))):
                out[i] = g
            return out
        grads = [Tensor._make(np.zeros(shape, dtype)) if g is None else
                 (g if isinstance(g, Tensor) else Tensor._make(np.asarray(g)))
                 for g, (shape, dtype) in zip(grads, self.outputs)]
        return super().backward(node, _Summed(grads), create_graph)


class _Summed(list):
    """Several outputs' gradients, handed to Composite.backward's create_graph path whole."""


def composite_outputs(name, fn, *args):
    """fn(*args) -> a tuple of arrays, as one node called `name` that every output leads to
    (PyTorch's several-output nodes, such as an LSTM layer's); fn is written with funcgrad
    primitives."""
    from funcgrad.torch.autograd.function import _slot_class
    datas = [a._data if isinstance(a, Tensor) else a for a in args]
    differentiated = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a._requires_grad]
    if not (differentiated and grad_mode.is_grad_enabled()):
        return tuple(Tensor._make(_unshared(_float32_unless_asked(_as_array(o), datas), datas))
                     for o in fn(*datas))

    def on_differentiated(*values):
        full = list(datas)
        for i, v in zip(differentiated, values):
            full[i] = v
        return tuple(fn(*full))
    outs, pullback = fg.vjp(on_differentiated, *[datas[i] for i in differentiated])
    outs = [_unshared(_float32_unless_asked(_as_array(o), datas), datas) for o in outs]
    edges = [edge_of(a) if i in differentiated else None for i, a in enumerate(args)]
    saved = [(a, a._counter[0]) for a in args if isinstance(a, Tensor)]
    node = node_class(name)(None, {}, tuple(args), None, edges, saved, None)
    node.composite = CompositeOutputs(fn, pullback, differentiated,
                                      [(o.shape, o.dtype) for o in outs])
    slot = _slot_class(name)
    results = []
    for index, o in enumerate(outs):
        result = Tensor._make(o)
        result._grad_fn = slot(None, {"index": index, "count": len(outs)}, (), None, [node],
                               (), None)
        result._requires_grad = True
        results.append(result)
    return tuple(results)


def _float32_unless_asked(out, datas):
    """float64 only when an input was float64 (NumPy promotes where PyTorch keeps float32)."""
    if out.dtype == _F64:
        return _torch_result_dtype(out, datas)
    return out


_F64 = np.dtype(np.float64)

__all__ = ["composite", "composite_outputs"]
