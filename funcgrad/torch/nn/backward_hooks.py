"""Module backward hooks (`register_full_backward_hook`, `register_full_backward_pre_hook`).

The module's tensor inputs and outputs pass through identity `autograd.Function`s: the one on
the outputs sees the gradients of the outputs (and runs the pre-hooks, which may replace
them); the one on the inputs sees the gradients of the inputs and runs the hooks with both,
as PyTorch's BackwardHook does. Nothing here differentiates anything."""
from __future__ import annotations

from funcgrad.torch.autograd.function import Function
from funcgrad.torch.tensor import Tensor


class _Pending:
    """What one call of the module shares between its two identities."""

    def __init__(self, module, input_count):
        self.module, self.input_count, self.grad_output = module, input_count, None


def _call_hooks(pending, grad_input):
    module = pending.module
    for hook in list(module._backward_hooks.values()):
        result = hook(module, grad_input, pending.grad_output)
        if result is not None:
            grad_input = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    return grad_input


class _Outputs(Function):
    @staticmethod
    def forward(ctx, pending, *outputs):
        ctx.pending = pending
        return tuple(o.detach() if isinstance(o, Tensor) else o for o in outputs) \
            if len(outputs) > 1 else outputs[0].detach()

    @staticmethod
    def backward(ctx, *grads):
        pending = ctx.pending
        module = pending.module
        for hook in list(module._backward_pre_hooks.values()):
            result = hook(module, grads)
            if result is not None:
                grads = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        pending.grad_output = grads
        if pending.input_count == 0:  # no input needs a gradient: the hooks run now
            _call_hooks(pending, (None,))
        return (None,) + tuple(grads)


class _Inputs(Function):
    @staticmethod
    def forward(ctx, pending, *inputs):
        ctx.pending = pending
        return tuple(i.detach() for i in inputs) if len(inputs) > 1 else inputs[0].detach()

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(_call_hooks(ctx.pending, grads))


def call_with_backward_hooks(module, args, kwargs):
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    pending = _Pending(module, len(positions))
    if positions:
        routed = _Inputs.apply(pending, *[args[i] for i in positions])
        routed = routed if isinstance(routed, tuple) else (routed,)
        args = list(args)
        for i, t in zip(positions, routed):
            args[i] = t
        args = tuple(args)
    out = module.forward(*args, **kwargs)
    if isinstance(out, Tensor) and out.requires_grad:
        return _Outputs.apply(pending, out)
    if isinstance(out, tuple) and any(isinstance(o, Tensor) and o.requires_grad for o in out):
        return _Outputs.apply(pending, *out)
    return out
