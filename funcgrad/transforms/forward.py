"""Forward mode: record the function, then replay its expression list forwards with tangents."""
from __future__ import annotations

from typing import Any, Callable, Literal, Sequence, overload

import numpy as np

from funcgrad.primitives._util import dtype_of

from funcgrad.backends.arrays import numpy_for
from funcgrad.core.gcpause import paused_gc
from funcgrad.core.ir import Trace, Var
from funcgrad.core.tracer import Tracer
from funcgrad.errors import where
from funcgrad.primitives.elementwise import add
from funcgrad.transforms._inputs import (TransformArgumentError, check_callable, float0,
                                         float0_zeros, is_weak)
from funcgrad.transforms.reverse import record_floats
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
        if type(rules) is not tuple and getattr(rules, "joint", None) is not None:
            out_t = _joint_tangent(rules, eq, tangents)
            if out_t is not None:
                tangents[eq.outputs[0].index] = out_t
            continue
        args = None
        out_t = None
        i = -1
        for x in inputs:
            i += 1
            if type(x) is not Var:
                continue
            t = tangents[x.index]
            if t is None:
                continue
            rule = rules[i]
            if rule is None:
                continue
            if args is None:
                args = []
                for a in inputs:
                    args.append(a.value if type(a) is Var else a)
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


def _joint_tangent(rules, eq, tangents):
    """The output tangent of an equation whose forward rule takes every input's tangent at once
    (see PerInputRules.joint); None when no input has one."""
    inputs = eq.inputs
    in_tangents = [tangents[x.index] if type(x) is Var and rules[i] is not None else None
                   for i, x in enumerate(inputs)]
    if all(t is None for t in in_tangents):
        return None
    args = [a.value if type(a) is Var else a for a in inputs]
    return rules.joint(in_tangents, eq.outputs[0].value, *args, **eq.params)


def out_tangent(t, out):
    """The tangent of output leaf `out`: zeros where none flowed, float0 for an integer output
    (as in JAX), and an array of the output's dtype rather than a Python number."""
    dtype = dtype_of(out)
    if dtype.kind not in "fc":  # not np.issubdtype(dtype, np.inexact)
        return float0_zeros(out)
    if t is None:
        return numpy_for(out).zeros(np.shape(out), dtype)
    return numpy_for(out).asarray(t, dtype) if is_weak(t) else t


def check_tangents(primal_leaves, tangent_leaves, transform="jvp"):
    """The tangents to trace with, checked: each has its primal's shape, and its dtype or one that
    converts to it exactly (a Python number takes the primal's dtype; JAX refuses any other
    dtype); an integer or boolean primal takes a float0 tangent (or None), which is dropped."""
    checked = []
    for i, (p, t) in enumerate(zip(primal_leaves, tangent_leaves)):
        p_dtype = dtype_of(p)
        if p_dtype.kind not in "fc":  # not np.issubdtype(p_dtype, np.inexact)
            if t is not None and dtype_of(t) != float0:
                raise TransformArgumentError(
                    f"{transform}: primal {i} has dtype {p_dtype}, and the tangent of an integer or boolean "
                    f"primal must have dtype float0 (it has {dtype_of(t)}){where()}. Pass "
                    f"numpy.zeros(shape, funcgrad.float0), or make the primal a float array.")
            continue
        if t is None:
            checked.append(None)
            continue
        t_dtype = dtype_of(t)
        if np.shape(p) != np.shape(t):
            raise TransformArgumentError(
                f"{transform}: tangent {i} has shape {np.shape(t)} but its primal has shape {np.shape(p)}"
                f"{where()}. Each tangent must have its primal's shape.")
        if is_weak(t):
            t = numpy_for(p).asarray(t, p_dtype)
        elif t_dtype != p_dtype and np.can_cast(t_dtype, p_dtype, "safe"):
            t = t if isinstance(t, Tracer) else numpy_for(t, p).asarray(t, p_dtype)
        elif t_dtype != p_dtype:  # JAX refuses any other dtype; funcgrad takes exact conversions
            raise TransformArgumentError(
                f"{transform}: tangent {i} has dtype {t_dtype} but its primal has dtype {p_dtype}{where()}. "
                f"Pass tangents of the primals' dtypes (t.astype({p_dtype.name!r})).")
        checked.append(t)
    return checked


@overload
def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[False] = False) -> tuple[Any, Any]: ...
@overload
def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[True]) -> tuple[Any, Any, Any]: ...


def jvp(fun, primals, tangents, has_aux=False):
    """(fun(*primals), the directional derivative of fun at primals along tangents).

    Tangents have their primals' shapes and dtypes; an integer primal takes a float0 tangent
    and an integer output gets one, as in JAX.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.jvp(fnp.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
    """
    check_callable(fun, "jvp")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples (or lists) of arguments, e.g. "
                        "jvp(f, (x,), (dx,)).")
    if len(primals) != len(tangents):
        raise TransformArgumentError(
            f"jvp: {len(primals)} primals but {len(tangents)} tangents were given{where()}; give "
            "one tangent per primal.")
    with paused_gc():
        trace, in_tree, leaves, floats, out_tree, out_values, aux = record_floats(
            fun, tuple(primals), "jvp", has_aux)
        tangent_leaves, tangent_tree = tree_flatten(tuple(tangents))
        if tangent_tree != in_tree:
            raise TransformArgumentError(
                f"jvp: the tangents have structure {tangent_tree} but the primals have {in_tree}"
                f"{where()}. Give each primal a tangent of its structure.")
        float_tangents = check_tangents(leaves, tangent_leaves)
        out_tangents = forward_pass(trace, float_tangents)
    out_tangents = [out_tangent(t, v) for t, v in zip(out_tangents, out_values)]
    out = tree_unflatten(out_tree, out_values)
    out_t = tree_unflatten(out_tree, out_tangents)
    return (out, out_t, aux) if has_aux else (out, out_t)
