"""torch.utils.checkpoint: run a piece of the forward pass without keeping its intermediate
values, and run it again during backward to get its gradients (memory for time).

The forward runs under no_grad, so only the piece's inputs stay alive; backward restores the
random-number state it started from (dropout draws the same masks), runs the piece again with
grad on and back-propagates through that second run. Parameters the piece uses get their
gradients accumulated by that inner backward, as PyTorch's reentrant checkpoint does, so
`loss.backward()` is the way to differentiate through it (torch.autograd.grad with respect to
such parameters sees nothing, as in PyTorch's use_reentrant=True).
"""
from __future__ import annotations

import numpy as np

from funcgrad.torch import grad_mode
from funcgrad.torch.autograd.function import Function
from funcgrad.torch.tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Recomputed(Function):
    @staticmethod
    def forward(ctx, run, preserve_rng_state, *args):
        from funcgrad.torch._namespace import get_rng_state
        ctx.run = run
        ctx.rng_state = get_rng_state() if preserve_rng_state else None
        ctx.inputs = args
        return run(*args)

    @staticmethod
    def backward(ctx, *grads):
        from funcgrad.torch._namespace import get_rng_state, set_rng_state
        from funcgrad.torch.autograd import backward
        inputs = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a
                  for a in ctx.inputs]
        state = None
        if ctx.rng_state is not None:
            state = get_rng_state()
            set_rng_state(ctx.rng_state)
        try:
            with grad_mode.enable_grad():
                outputs = ctx.run(*inputs)
        finally:
            if state is not None:
                set_rng_state(state)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:
            backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(a.grad if isinstance(a, Tensor) and a.requires_grad else None
                                    for a in inputs)


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default",
               debug=False, preserve_rng_state=True, **kwargs):
    """function(*args), recomputed during backward instead of kept (torch.utils.checkpoint)."""
    if kwargs:
        run = lambda *a: function(*a, **kwargs)  # noqa: E731 - keyword arguments ride along
    else:
        run = function
    if not grad_mode.is_grad_enabled():
        return run(*args)
    if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
        # only parameters inside need gradients: a placeholder input makes the node recorded
        inner = run
        run = lambda _placeholder, *a: inner(*a)  # noqa: E731
        args = (Tensor._make(np.zeros((), np.float32)).requires_grad_(),) + args
    return _Recomputed.apply(run, preserve_rng_state, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """A Sequential (or list of modules) run in `segments` checkpointed pieces; the last piece
    is run normally, as in PyTorch."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = max(len(functions) // segments, 1)

    def piece(start, end):
        def run(x):
            for f in functions[start:end]:
                x = f(x)
            return x
        return run

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(piece(start, end + 1), input, **kwargs)
    return piece(end + 1, len(functions))(input)
