"""Forward mode: record the function, then replay its expression list forwards with tangents."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives._util import dtype_of

from funcgrad.core.gcpause import paused_gc
from funcgrad.core.ir import Trace, Var
from funcgrad.errors import where
from funcgrad.primitives.elementwise import add
from funcgrad.transforms.reverse import record
from funcgrad.tree_util import tree_flatten, tree_unflatten


def forward_pass(trace: Trace, in_tangents) -> list:
    """Tangents of the trace's outputs (None where an output does not depend on the inputs)."""
    tangents = [None] * trace.num_vars
    for var, t in zip(trace.inputs, in_tangents):
        tangents[var.index] = t
    for eq in trace.equations:
        rules = eq.primitive.jvp
        if rules is None:
            continue
        inputs = eq.inputs
        args = None
        out_t = None
        for i, x in enumerate(inputs):
            if type(x) is not Var:
                continue
            t = tangents[x.index]
            if t is None:
                continue
            rule = rules[i]
            if rule is None:
                continue
            if args is None:
                args = [a.value if type(a) is Var else a for a in inputs]
                outputs = eq.outputs
                answer = (tuple(v.value for v in outputs) if eq.primitive.multiple_results
                          else outputs[0].value)
            contribution = rule(t, answer, *args, **eq.params)
            if contribution is None:
                continue
            if out_t is None:
                out_t = contribution
            elif eq.primitive.multiple_results:
                out_t = tuple(add.bind(a, b) for a, b in zip(out_t, contribution))
            else:
                out_t = add.bind(out_t, contribution)
        if out_t is None:
            continue
        if eq.primitive.multiple_results:
            for v, t in zip(eq.outputs, out_t):
                tangents[v.index] = t
        else:
            tangents[eq.outputs[0].index] = out_t
    return [tangents[v.index] if type(v) is Var else None for v in trace.outputs]


def _zeros_like(x):
    dtype = dtype_of(x)
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.float64
    return np.zeros(np.shape(x), dtype)


def check_tangents(primal_leaves, tangent_leaves):
    for i, (p, t) in enumerate(zip(primal_leaves, tangent_leaves)):
        if np.shape(p) != np.shape(t):
            raise ValueError(
                f"jvp: tangent {i} has shape {np.shape(t)} but its primal has shape {np.shape(p)}"
                f"{where()}. Each tangent must have its primal's shape.")
        p_dtype = getattr(p, "dtype", None)
        t_dtype = dtype_of(t)
        if p_dtype is not None and not np.can_cast(t_dtype, p_dtype, "same_kind"):
            raise TypeError(
                f"jvp: tangent {i} has dtype {t_dtype} but its primal has dtype {p_dtype}{where()}. "
                "Pass tangents of the primals' dtypes.")


def jvp(fun, primals, tangents, has_aux=False):
    """(fun(*primals), the directional derivative of fun at primals along tangents).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.jvp(fnp.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples (or lists) of arguments, e.g. "
                        "jvp(f, (x,), (dx,)).")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents were given.")
    with paused_gc():
        trace, in_tree, in_values, out_tree, out_values, aux = record(
            fun, tuple(primals), "jvp", has_aux)
        tangent_leaves, tangent_tree = tree_flatten(tuple(tangents))
        if tangent_tree != in_tree:
            raise ValueError(f"jvp: tangents have structure {tangent_tree} but primals have {in_tree}.")
        check_tangents(in_values, tangent_leaves)
        out_tangents = forward_pass(trace, tangent_leaves)
    out_tangents = [_zeros_like(v) if t is None else t for t, v in zip(out_tangents, out_values)]
    out = tree_unflatten(out_tree, out_values)
    out_t = tree_unflatten(out_tree, out_tangents)
    return (out, out_t, aux) if has_aux else (out, out_t)
