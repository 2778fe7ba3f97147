"""checkpoint (remat): the reverse pass recomputes a function's inside instead of storing it.

Under a transform, a checkpointed call binds one `checkpoint` primitive. Recording it keeps only
its inputs and outputs; its inside runs on plain values and leaves nothing behind. Its reverse
rule runs the function again under vjp (one recomputation shared by all inputs) when the
cotangent arrives, so memory for residuals is spent one checkpointed block at a time.
"""
from __future__ import annotations

import functools

from funcgrad.core.primitive import PerInputRules, Primitive
from funcgrad.core.tracer import Tracer
from funcgrad.primitives._util import by_evaluation, is_float
from funcgrad.transforms.custom import Once, all_at_front, input_cotangents, zeros_of
from funcgrad.tree_util import tree_flatten, tree_unflatten


def _impl(*leaves, fun):
    return fun(*leaves)


def _reverse(k):
    def rule(g, ans, *inputs, fun):
        return fun.memo.get((g, ans), lambda: input_cotangents(fun, inputs, g))[k]
    return rule


def _forward(k):
    def rule(t, ans, *inputs, fun):
        from funcgrad.transforms.forward import forward_pass
        from funcgrad.transforms.reverse import record
        if not all(is_float(x) for x in inputs):
            raise TypeError("checkpoint: forward mode needs floating-point inputs only")
        trace = record(fun, tuple(inputs), "checkpoint")[0]
        tangents = forward_pass(trace, [t if i == k else None for i in range(len(inputs))])
        return tuple(zeros_of(a) if o is None else o for o, a in zip(tangents, ans))
    return rule


def _batch(values, dims, fun):
    from funcgrad.transforms.vmap import vmap
    batched = vmap(fun)
    batched.memo = Once()
    return checkpoint_p.bind(*all_at_front(values, dims), fun=batched), 0


checkpoint_p = Primitive(
    "checkpoint", _impl, shape=by_evaluation(_impl), vjp=PerInputRules(_reverse), jvp=PerInputRules(_forward),
    batch=_batch, multiple_results=True, family="custom",
    doc="A function whose inside is recomputed by the reverse pass instead of stored.")


def checkpoint(fun=None, *, prevent_cse=True, policy=None, static_argnums=()):
    """`fun`, differentiated by recomputing its inside on the reverse pass (trading time for memory).

    Wrap the blocks of a deep model: grad then stores only each block's inputs and outputs.
    Keyword arguments are traced like positional ones; `static_argnums` are held fixed (never
    traced). `policy` follows JAX's names (checkpoint_policies): everything_saveable turns
    checkpointing off, any other policy saves nothing inside the block. `prevent_cse` is
    accepted for JAX compatibility (funcgrad has no common-subexpression pass to prevent).
    Usable as `checkpoint(fun, ...)`, `@checkpoint` or `@functools.partial(checkpoint, ...)`.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> block = fg.checkpoint(lambda x: fnp.tanh(fnp.sin(x)))
    >>> float(fg.grad(lambda x: block(block(x)))(0.5)) == float(fg.grad(
    ...     lambda x: fnp.tanh(fnp.sin(fnp.tanh(fnp.sin(x)))))(0.5))
    True
    """
    if fun is None:
        return functools.partial(checkpoint, prevent_cse=prevent_cse, policy=policy,
                                 static_argnums=static_argnums)
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    if policy is checkpoint_policies.everything_saveable:
        return fun

    @functools.wraps(fun)
    def checkpointed(*args, **kwargs):
        nums = {i % len(args) for i in static} if args else set()
        traced = tuple(a for i, a in enumerate(args) if i not in nums)
        leaves, in_tree = tree_flatten((traced, kwargs))
        if not any(isinstance(x, Tracer) for x in leaves):
            return fun(*args, **kwargs)
        trees = {}

        def flat(*xs):
            diff, kw = tree_unflatten(in_tree, xs)
            it = iter(diff)
            full = [a if i in nums else next(it) for i, a in enumerate(args)]
            out_leaves, trees["out"] = tree_flatten(fun(*full, **kw))
            return tuple(out_leaves)
        flat.memo = Once()
        outs = checkpoint_p.bind(*leaves, fun=flat)
        return tree_unflatten(trees["out"], outs)
    return checkpointed


remat = checkpoint


class checkpoint_policies:  # noqa: N801 - JAX's name
    """JAX's rematerialisation policies, by name. funcgrad has two behaviours:
    everything_saveable (no checkpointing) and the rest (save nothing inside the block)."""

    @staticmethod
    def everything_saveable(*args, **params):
        return True

    @staticmethod
    def nothing_saveable(*args, **params):
        return False

    dots_saveable = checkpoint_dots = nothing_saveable
    dots_with_no_batch_dims_saveable = checkpoint_dots_with_no_batch_dims = nothing_saveable

    @staticmethod
    def save_only_these_names(*names):
        return checkpoint_policies.nothing_saveable

    @staticmethod
    def save_any_names_but_these(*names):
        return checkpoint_policies.nothing_saveable

    save_anything_except_these_names = save_any_names_but_these
