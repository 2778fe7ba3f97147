"""Structured control flow: cond, switch, while_loop, fori_loop, scan, map.

funcgrad traces with concrete values, so these run as Python control flow on whatever they are
given, and every transform sees the primitives of the path taken:
- grad, vjp, jvp, jacobians differentiate the iterations that ran (reverse mode through
  fori_loop, scan and while_loop included);
- under jit each decision is a guard: every path taken is kept as a compiled variant of the
  signature, so alternating branches do not re-trace once both are cached;
- under vmap a predicate may differ between the examples: cond and switch then compute every
  branch and select per example, while_loop runs until every example is done and freezes the
  finished ones. That is the reason to use these instead of a Python `if`/`while`.
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.tracer import Tracer
from funcgrad.errors import where as _where
from funcgrad.primitives import shape as _shape
from funcgrad.primitives.elementwise import astype_p, greater, where
from funcgrad.primitives.reductions import sum_p
from funcgrad.transforms.vmap import BatchTracer
from funcgrad.tree_util import tree_flatten, tree_unflatten


def _batch_tracer_in(x):
    """The first BatchTracer in x's chain of tracers (x may be a tracer of a tracer...), or None."""
    while isinstance(x, Tracer):
        if isinstance(x, BatchTracer):
            return x
        x = x.value
    return None


def _select(pred, on_true, on_false):
    """Per-example choice between two pytrees of the same structure."""
    t_leaves, t_tree = tree_flatten(on_true)
    f_leaves, f_tree = tree_flatten(on_false)
    if t_tree != f_tree:
        raise TypeError(f"lax: the branches returned different structures, {t_tree} and {f_tree}"
                        f"{_where()}. Both branches must return the same pytree of arrays.")
    return tree_unflatten(t_tree, [where(pred, t, f) for t, f in zip(t_leaves, f_leaves)])


def _any(pred) -> bool:
    """Whether pred is true for any example of any enclosing vmap (a plain bool otherwise)."""
    batched = _batch_tracer_in(pred)
    if batched is None:
        return bool(pred)
    value = batched.value  # one level down: the batch axis is an ordinary axis here
    count = sum_p.bind(astype_p.bind(value, dtype=np.dtype(np.float64)),
                       axis=tuple(range(len(_shape_of(value)))), keepdims=False)
    return _any(greater(count, 0.0))


def _shape_of(x):
    return getattr(x, "shape", np.shape(x))


def cond(pred, true_fun, false_fun, *operands):
    """true_fun(*operands) if pred else false_fun(*operands), for a scalar predicate.

    >>> import funcgrad as fg, funcgrad.numpy as fnp, numpy as np
    >>> f = lambda x: fg.lax.cond(x > 0, fnp.sin, fnp.cos, x)
    >>> fg.vmap(f)(np.array([-1.0, 1.0])).round(3)
    array([0.54 , 0.841])
    """
    if _shape_of(pred) != ():
        raise TypeError(f"lax.cond: the predicate must be a scalar, but it has shape "
                        f"{_shape_of(pred)}{_where()}. Reduce it first (fnp.all, fnp.any, [0]).")
    if _batch_tracer_in(pred) is not None:
        return _select(pred, true_fun(*operands), false_fun(*operands))
    return true_fun(*operands) if pred else false_fun(*operands)


def switch(index, branches, *operands):
    """branches[index](*operands), with index clamped to the valid range as in JAX."""
    branches = list(branches)
    if _batch_tracer_in(index) is None:
        return branches[min(max(int(index), 0), len(branches) - 1)](*operands)
    result = branches[-1](*operands)
    for k in range(len(branches) - 2, -1, -1):
        result = _select(index <= k, branches[k](*operands), result)
    return result


def while_loop(cond_fun, body_fun, init_val):
    """Repeat val = body_fun(val) while cond_fun(val); returns the final val.

    Under vmap, examples that are done keep their value while the others continue.
    """
    val = init_val
    pred = cond_fun(val)
    if _batch_tracer_in(pred) is None:
        while pred:
            val = body_fun(val)
            pred = cond_fun(val)
        return val
    while _any(pred):
        val = _select(pred, body_fun(val), val)
        pred = cond_fun(val)
    return val


def fori_loop(lower, upper, body_fun, init_val):
    """val = body_fun(i, val) for i in range(lower, upper); returns the final val.

    >>> import funcgrad as fg
    >>> float(fg.grad(lambda x: fg.lax.fori_loop(0, 3, lambda i, v: v * x, 1.0))(2.0))
    12.0
    """
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def scan(f, init, xs=None, length=None, reverse=False):
    """Loop `carry, y = f(carry, x)` over the leading axis of xs; returns (carry, stacked ys).

    >>> import numpy as np, funcgrad as fg
    >>> fg.lax.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(1.0, 4.0))
    (np.float64(6.0), array([0., 2., 9.]))
    """
    x_leaves, x_tree = tree_flatten(xs)
    lengths = {_shape_of(x)[0] for x in x_leaves if len(_shape_of(x)) > 0}
    if length is not None:
        lengths.add(int(length))
    if len(lengths) != 1:
        raise ValueError(f"lax.scan: xs leaves have leading axes {sorted(lengths)} and length="
                         f"{length}{_where()}; give xs with one common leading axis, or length "
                         "when xs is None.")
    n = lengths.pop()
    carry = init
    ys = []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = tree_unflatten(x_tree, [leaf[i] for leaf in x_leaves])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    y_leaves = [tree_flatten(y)[0] for y in ys]
    y_tree = tree_flatten(ys[0])[1]
    stacked = [_shape.stack([leaves[k] for leaves in y_leaves]) for k in range(len(y_leaves[0]))]
    return carry, tree_unflatten(y_tree, stacked)


def map(f, xs):  # noqa: A001 - JAX's name
    """[f(x) for x in xs] along the leading axis, stacked (a scan without a carry)."""
    return scan(lambda carry, x: (carry, f(x)), None, xs)[1]


__all__ = ["cond", "switch", "while_loop", "fori_loop", "scan", "map"]
