"""linearize and linear_transpose: a recorded trace read as a linear map, forwards or backwards."""
from __future__ import annotations

import numpy as np

from funcgrad.transforms.forward import forward_pass
from funcgrad.transforms.reverse import record, vjp
from funcgrad.tree_util import tree_flatten, tree_unflatten


def linearize(fun, *primals):
    """(fun(*primals), f_jvp): f_jvp(*tangents) is the jvp at primals, from one recorded trace.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> y, f_jvp = fg.linearize(fnp.sin, 0.0)
    >>> float(f_jvp(3.0))
    3.0
    """
    trace, in_tree, in_values, out_tree, out_values, _ = record(fun, primals, "linearize")

    def f_jvp(*tangents):
        leaves, tree = tree_flatten(tangents)
        if tree != in_tree:
            raise ValueError(f"linearize: tangents have structure {tree} but the primals have "
                             f"{in_tree}. Pass one tangent per primal, shaped like it.")
        outs = forward_pass(trace, leaves)
        outs = [np.zeros(np.shape(v), np.result_type(v, float)) if t is None else t
                for t, v in zip(outs, out_values)]
        return tree_unflatten(out_tree, outs)
    return tree_unflatten(out_tree, out_values), f_jvp


def linear_transpose(fun, *primals):
    """The transpose of the linear function `fun`, as a function of an output cotangent.

    `primals` give the input shapes and dtypes (their values do not matter for a linear `fun`).
    The result returns a tuple with one cotangent per primal.
    """
    _, pullback = vjp(fun, *primals)
    return pullback
