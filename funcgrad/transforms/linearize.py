"""linearize and linear_transpose: a recorded trace read as a linear map, forwards or backwards."""
from __future__ import annotations

import numpy as np

from funcgrad.errors import where
from funcgrad.primitives._util import dtype_of
from funcgrad.transforms._inputs import TransformArgumentError, check_callable, is_weak
from funcgrad.transforms.forward import check_tangents, forward_pass, out_tangent
from funcgrad.transforms.reverse import as_dtype_of, backward_pass, record, zeros_like_leaf
from funcgrad.transforms.shapes import zeros_for
from funcgrad.tree_util import tree_flatten, tree_map, tree_unflatten


def linearize(fun, *primals):
    """(fun(*primals), f_jvp): f_jvp(*tangents) is the jvp at primals, from one recorded trace.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> y, f_jvp = fg.linearize(fnp.sin, 0.0)
    >>> float(f_jvp(3.0))
    3.0
    """
    check_callable(fun, "linearize")
    trace, in_tree, in_values, out_tree, out_values, _ = record(fun, primals, "linearize")

    def f_jvp(*tangents):
        leaves, tree = tree_flatten(tangents)
        if tree != in_tree:
            raise TransformArgumentError(
                f"linearize: the tangents have structure {tree} but the primals have {in_tree}"
                f"{where()}. Pass one tangent per primal, shaped like it.")
        outs = forward_pass(trace, check_tangents(in_values, leaves, "linearize"))
        return tree_unflatten(out_tree, [out_tangent(t, v) for t, v in zip(outs, out_values)])
    return tree_unflatten(out_tree, out_values), f_jvp


def linear_transpose(fun, *primals):
    """The transpose of the linear function `fun`, as a function of an output cotangent.

    `primals` give the input shapes and dtypes (arrays, whose values do not matter for a linear
    `fun`, or ShapeDtypeStructs; integer linear maps are transposed too). The result returns a tuple with one cotangent per
    primal, of its dtype. funcgrad does not check that `fun` is linear (JAX does): for a
    non-linear `fun` the result is the vjp at `primals`.

    >>> import funcgrad as fg
    >>> [float(c) for c in fg.linear_transpose(lambda x, y: x + 2 * y, 1.0, 1.0)(3.0)]
    [3.0, 6.0]
    """
    primals = tree_map(zeros_for, primals)
    trace, in_tree, in_values, out_tree, out_values, _ = record(
        fun, primals, "linear_transpose", differentiable=False)

    def transposed(cotangent):
        leaves, tree = tree_flatten(cotangent)
        if tree != out_tree:
            raise TransformArgumentError(
                f"linear_transpose: the cotangent has structure {tree} but the function's output "
                f"has {out_tree}{where()}. Pass a cotangent shaped like the output.")
        leaves = [np.asarray(ct, dtype_of(out)) if is_weak(ct) else ct
                  for ct, out in zip(leaves, out_values)]
        cts = backward_pass(trace, leaves)
        return tree_unflatten(in_tree, [zeros_like_leaf(x) if g is None else as_dtype_of(g, x)
                                        for g, x in zip(cts, in_values)])
    return transposed
