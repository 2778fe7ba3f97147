"""torch.autograd.Function: an operation whose backward the user writes.

`apply` runs `forward` without recording and attaches one node (`<Name>Backward`) whose
backward calls the user's `backward` with the output's gradient.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from funcgrad.torch import grad_mode
from funcgrad.torch.graph import Node, edge_of, node_class
from funcgrad.torch.tensor import Tensor


class FunctionCtx:
    """The `ctx` handed to forward and backward."""

    def __init__(self):
        self.saved_tensors: tuple[Any, ...] = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self._non_differentiable = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = bool(value)


class OutputGrads:
    """The gradients of a several-output Function's outputs, one slot per output; the engine
    adds these like gradients when several paths reach the node."""

    __slots__ = ("grads",)

    def __init__(self, grads):
        self.grads = grads

    def __add__(self, other):
        return OutputGrads([b if a is None else a if b is None else a + b
                            for a, b in zip(self.grads, other.grads)])


class OutputSlot(Node):
    """The grad_fn that output `index` of a several-output Function holds internally: it hands
    its gradient on to the Function's node in that output's slot (`tensor.grad_fn` shows the
    Function's node itself, as in PyTorch)."""

    __slots__ = ()
    is_output_slot = True

    def apply(self, grad, create_graph):
        grads = [None] * self.params["count"]
        grads[self.params["index"]] = grad
        return [OutputGrads(grads)]

    def saves_tensors(self) -> bool:
        return False

    def release(self):
        self.freed = True


class _UserBackward:
    """The composite behind a Function's node: calls the user's backward."""

    def __init__(self, function, ctx, outputs):
        self.function = function
        self.ctx = ctx
        self.outputs = outputs  # (shape, dtype) of each output, to make zero gradients

    def backward(self, node, grad, create_graph):
        grads = grad.grads if isinstance(grad, OutputGrads) else [grad]
        given = []
        for g, (shape, dtype) in zip(grads, self.outputs):
            if g is None:
                given.append(Tensor._make(np.zeros(shape, dtype))
                             if self.ctx.materialize_grads else None)
            else:
                given.append(g if isinstance(g, Tensor) else Tensor._make(np.asarray(g)))
        with grad_mode.set_grad_enabled(create_graph):
            result = self.function.backward(self.ctx, *given)
        if not isinstance(result, tuple):
            result = (result,)
        expected = len(node.edges)
        if len(result) < expected or any(r is not None for r in result[expected:]):
            raise RuntimeError(
                f"function {type(node).__name__} returned an incorrect number of gradients "
                f"(expected {expected}, got {len(result)})\n[funcgrad] {self.function.__name__}."
                "backward must return one gradient per argument of forward (None for arguments "
                "that need none, such as non-tensors).")
        out = []
        for edge, r in zip(node.edges, result):
            if edge is None or r is None:
                out.append(None)
            else:
                out.append(r if create_graph else (r._data if isinstance(r, Tensor) else r))
        return out


class Function:
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)`.

    forward may return a tuple of tensors; backward then receives one gradient per output
    (zeros for outputs that got none, or None after `ctx.set_materialize_grads(False)`)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Override to write forward without `ctx` (PyTorch's second style): forward(*args)
        runs first, then setup_context(ctx, inputs, output) saves what backward needs."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        with grad_mode.no_grad():
            if cls.setup_context is Function.setup_context:
                out = cls.forward(ctx, *args, **kwargs)
            else:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
        if not (grad_mode.is_grad_enabled() and any(ctx.needs_input_grad)):
            return out
        outputs = out if isinstance(out, tuple) else (out,)
        edges = [edge_of(a) if needs else None for a, needs in zip(args, ctx.needs_input_grad)]
        saved = [(t, t._counter[0]) for t in ctx.saved_tensors if isinstance(t, Tensor)]
        name = cls.__name__ + "Backward"
        node = node_class(name)(None, {}, args, None, edges, saved, None)
        node.composite = _UserBackward(
            cls, ctx, [(o.shape, o._data.dtype) if isinstance(o, Tensor) else ((), np.float32)
                       for o in outputs])
        several = len(outputs) > 1
        fresh = []
        for index, o in enumerate(outputs):
            if not isinstance(o, Tensor) or id(o) in ctx._non_differentiable \
                    or o._data.dtype.kind not in "fc":
                fresh.append(o)
                continue
            if any(o is a for a in args):
                o = o.detach()  # forward returned an input unchanged: the output is a new tensor
            if several:
                o._grad_fn = _slot_class(name)(None, {"index": index, "count": len(outputs)},
                                               (), None, [node], (), None)
            else:
                o._grad_fn = node
            o._requires_grad = True
            fresh.append(o)
        return tuple(fresh) if isinstance(out, tuple) else fresh[0]


_slot_classes: dict = {}


def _slot_class(name):
    cls = _slot_classes.get(name)
    if cls is None:
        cls = _slot_classes[name] = type(name, (OutputSlot,), {"__slots__": ()})
    return cls


class once_differentiable:  # noqa: N801 - PyTorch's name
    def __new__(cls, fn):
        return fn
