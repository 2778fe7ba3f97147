"""fg.debug.callback and fg.debug.print: host calls that run every time the function runs.

They bind the `debug_callback` primitive, an *effect*: jit keeps it in the compiled program
(never folded, merged or dropped, see transforms/optimize.py), so a jitted function calls back on
every call, not only while it is traced. It has no outputs and no derivative. Under vmap the
callback runs once per example (in order), or once with the whole batch (batch axis first) with
`batched=True`.
"""
from __future__ import annotations

import builtins

import numpy as np

from funcgrad.core.primitive import Primitive
from funcgrad.core.tracer import Tracer, concrete_value
from funcgrad.primitives._util import shape_of
from funcgrad.primitives.indexing import getitem_p
from funcgrad.primitives.shape import broadcast_to, expand_dims, moveaxis
from funcgrad.tree_util import tree_flatten, tree_unflatten


def _impl(*leaves, callback, batched):
    callback(*leaves)
    return ()


def _batch(values, dims, callback, batched):
    size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
    if batched:
        moved = [moveaxis(v, d, 0) if d is not None else
                 broadcast_to(expand_dims(v, 0), (size,) + tuple(shape_of(v)))
                 for v, d in zip(values, dims)]
        debug_callback_p.bind(*moved, callback=callback, batched=batched)
        return (), ()
    for b in range(size):
        member = [v if d is None else getitem_p.bind(v, index=(slice(None),) * d + (b,))
                  for v, d in zip(values, dims)]
        debug_callback_p.bind(*member, callback=callback, batched=batched)
    return (), ()


debug_callback_p = Primitive(
    "debug_callback", _impl, shape=lambda *avals, **params: (), vjp=None, jvp=None,
    batch=_batch, multiple_results=True, family="effect",
    doc="Calls `callback` on the concrete values of its inputs; no outputs (an effect).")


def _is_array_leaf(x) -> bool:
    return isinstance(x, (Tracer, np.ndarray, np.generic))


def callback(fn, *args, batched=False, **kwargs):
    """Call `fn(*args, **kwargs)` with concrete NumPy values every time this line runs: eagerly,
    under grad/jvp (on the primal values), and inside jit on every call of the compiled
    function. Under vmap, `fn` runs once per example, or once with the batched values (batch
    axis first) when batched=True. Returns None.

    >>> import funcgrad as fg, numpy as np
    >>> seen = []
    >>> f = fg.jit(lambda x: (fg.debug.callback(seen.append, x), x * 2)[1])
    >>> _ = f(np.array(1.0)); _ = f(np.array(2.0))
    >>> [float(v) for v in seen]
    [1.0, 2.0]
    """
    leaves, tree = tree_flatten((args, kwargs))
    arrays = [i for i, x in enumerate(leaves) if _is_array_leaf(x)]
    if not any(isinstance(leaves[i], Tracer) for i in arrays):
        fn(*args, **kwargs)
        return None

    def on_values(*values):
        full = list(leaves)
        for i, v in zip(arrays, values):
            full[i] = v
        call_args, call_kwargs = tree_unflatten(tree, full)
        fn(*call_args, **call_kwargs)
    debug_callback_p.bind(*[leaves[i] for i in arrays], callback=on_values, batched=batched)
    return None


def print(fmt: str, *args, batched=False, file=None, **kwargs):  # noqa: A001 - jax.debug's name
    """`print(fmt.format(*args, **kwargs))` with concrete values, every time this line runs
    (jitted or not; once per example under vmap unless batched=True).

    >>> import funcgrad as fg, numpy as np
    >>> f = fg.jit(lambda x: (fg.debug.print("x = {x}", x=x), x + 1)[1])
    >>> _ = f(np.array(1.0))
    x = 1.0
    >>> _ = f(np.array(5.0))
    x = 5.0
    """
    def show(*a, **k):
        builtins.print(fmt.format(*a, **k), file=file)
    callback(show, *args, batched=batched, **kwargs)


def _concrete(x):
    return concrete_value(x)
