"""torch.autograd.Function: an operation whose backward the user writes.

`apply` runs `forward` without recording and attaches one node (`<Name>Backward`) whose
backward calls the user's `backward` with the output's gradient.
"""
from __future__ import annotations

import numpy as np

from funcgrad.torch import grad_mode
from funcgrad.torch.graph import edge_of, node_class
from funcgrad.torch.tensor import Tensor


class FunctionCtx:
    """The `ctx` handed to forward and backward."""

    def __init__(self):
        self.saved_tensors = ()
        self.needs_input_grad = ()
        self._non_differentiable = set()

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        pass


class _UserBackward:
    """The composite behind a Function's node: calls the user's backward."""

    def __init__(self, function, ctx):
        self.function = function
        self.ctx = ctx

    def backward(self, node, grad, create_graph):
        g = grad if isinstance(grad, Tensor) else Tensor._make(np.asarray(grad))
        with grad_mode.set_grad_enabled(create_graph):
            result = self.function.backward(self.ctx, g)
        if not isinstance(result, tuple):
            result = (result,)
        out = []
        for edge, r in zip(node.edges, list(result) + [None] * (len(node.edges) - len(result))):
            if edge is None or r is None:
                out.append(None)
            else:
                out.append(r if create_graph else (r._data if isinstance(r, Tensor) else r))
        return out


class Function:
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        with grad_mode.no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        if not (grad_mode.is_grad_enabled() and any(ctx.needs_input_grad)):
            return out
        outputs = out if isinstance(out, tuple) else (out,)
        if len(outputs) > 1:
            raise NotImplementedError(
                f"{cls.__name__}.forward returned {len(outputs)} tensors: funcgrad.torch supports "
                "autograd.Function with one output so far (return a single tensor, or split the "
                "Function in two).")
        edges = [edge_of(a) if needs else None for a, needs in zip(args, ctx.needs_input_grad)]
        saved = [(t, t._version[0]) for t in ctx.saved_tensors if isinstance(t, Tensor)]
        node = node_class(cls.__name__ + "Backward")(None, {}, args, None, edges, saved, None)
        node.composite = _UserBackward(cls, ctx)
        fresh = []
        for o in outputs:
            if id(o) in ctx._non_differentiable or o._data.dtype.kind not in "fc":
                fresh.append(o)
                continue
            if any(o is a for a in args):
                o = o.detach()  # forward returned an input unchanged: the output is a new tensor
            o._grad_fn = node
            o._requires_grad = True
            fresh.append(o)
        return tuple(fresh) if isinstance(out, tuple) else fresh[0]


class once_differentiable:  # noqa: N801 - PyTorch's name
    def __new__(cls, fn):
        return fn
