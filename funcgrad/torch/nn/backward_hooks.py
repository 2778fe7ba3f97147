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
            grad_input = _checked(result, grad_input, "Backward hook", "grad_input")
    return grad_input


def _checked(result, grads, kind, what):
    """A module hook's replacement gradients: as many as it was given, each None or a tensor
    of the same size and dtype (PyTorch names these hooks 'hook')."""
    from funcgrad.torch.engine import checked_hook_result
    count = len(result)  # (a tensor counts its first dimension, as in PyTorch)
    if count != len(grads):
        raise RuntimeError(f"{kind} returned an invalid number of {what}, got {count}, but "
                           f"expected {len(grads)}")
    return tuple(new if new is None or old is None else
                 checked_hook_result(None, new, old, name="hook")
                 for new, old in zip(result, grads))


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
                grads = _checked(result, grads, "Backward pre hook", "grad_output")
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
