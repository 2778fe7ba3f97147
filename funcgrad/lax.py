"""Structured control flow: cond, switch, while_loop, fori_loop, scan, map.

funcgrad traces with concrete values, so these run as Python control flow on whatever they are
given, and every transform sees the primitives of the path taken:
- grad, vjp, jvp, jacobians differentiate the iterations that ran (reverse mode through
  fori_loop, scan and while_loop included: more than JAX, whose reverse mode refuses while_loop);
- under jit each decision is a guard: every path taken is kept as a compiled variant of the
  signature, so alternating branches do not re-trace once both are cached;
- under vmap a predicate may differ between the examples: cond and switch then compute every
  branch and select per example, while_loop runs until every example is done and freezes the
  finished ones, and fori_loop accepts per-example bounds. That is the reason to use these
  instead of a Python `if`/`while`.

The typing rules are JAX's: the branches of cond and switch return the same pytree of the same
shapes and dtypes (the branch not taken is run once on zero stand-ins for its operands, to check
it), a loop body returns its carry's type (a Python number in the carry may change dtype, as a
weakly typed value does in JAX), and results are arrays.
"""
from __future__ import annotations

import builtins
import threading

import numpy as np

from funcgrad.backends.namespace import numpy_dtype
from funcgrad.numpy import _docs
from funcgrad._lax_numeric import *  # noqa: F401,F403 - lax.add, lax.dynamic_slice, ...
from funcgrad._lax_numeric import __all__ as _numeric_names
from funcgrad._lax_conv import *  # noqa: F401,F403 - conv_general_dilated, conv, ...
from funcgrad._lax_conv import __all__ as _conv_names
from funcgrad.core.tracer import Tracer
from funcgrad.errors import FuncgradError, describe, short_dtype, where as _where
from funcgrad.primitives import shape as _shape
from funcgrad.primitives.elementwise import (astype_p as _astype_p, greater as _greater,
                                             stop_gradient, where as _choose)
from funcgrad.primitives.reductions import sum_p as _sum_p
from funcgrad.transforms.collectives import (all_gather, axis_index, pmax, pmean, pmin,  # noqa: F401
                                             psum)
from funcgrad.transforms.vmap import BatchTracer, vmap
from funcgrad.tree_util import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten


class LaxTypeError(FuncgradError, TypeError):
    """Control flow whose branches or loop body do not keep the types JAX requires."""


_WEAK = (bool, int, float, complex)


def _batch_tracer_in(x):
    """The first BatchTracer in x's chain of tracers (x may be a tracer of a tracer...), or None."""
    while isinstance(x, Tracer):
        if isinstance(x, BatchTracer):
            return x
        x = x.value
    return None


def _shape_of(x):
    return tuple(getattr(x, "shape", np.shape(x)))


def _dtype_of(x):
    dtype = getattr(x, "dtype", None)
    return numpy_dtype(dtype) if dtype is not None else np.asarray(x).dtype


def _is_weak(x) -> bool:
    return isinstance(x, _WEAK) and not isinstance(x, np.generic)


def _arrays(tree):
    """tree with its Python-number leaves made arrays (JAX returns arrays from control flow)."""
    leaves, treedef = tree_flatten(tree)
    if not any(_is_weak(x) for x in leaves):
        return tree
    return tree_unflatten(treedef, [np.asarray(x) if _is_weak(x) else x for x in leaves])


def _stand_in(tree):
    """tree with each traced leaf replaced by zeros of its (per-example) shape and dtype."""
    leaves, treedef = tree_flatten(tree)
    if not any(isinstance(x, Tracer) for x in leaves):
        return tree
    return tree_unflatten(treedef, [np.zeros(_shape_of(x), _dtype_of(x)) if isinstance(x, Tracer)
                                    else x for x in leaves])


def _type_text(x) -> str:
    return f"{short_dtype(_dtype_of(x))}[{','.join(str(n) for n in _shape_of(x))}]" + (
        " (a Python number)" if _is_weak(x) else "")


def _check_same(what, first_name, first, second_name, second, weak_may_change):
    """Raise LaxTypeError unless `first` and `second` have one structure, shapes and dtypes.

    weak_may_change: a Python number on either side may meet any dtype (loop carries)."""
    leaves_a, tree_a = tree_flatten(first)
    leaves_b, tree_b = tree_flatten(second)
    if tree_a != tree_b:
        raise LaxTypeError(
            f"{what}: {first_name} and {second_name} must have the same pytree structure, but "
            f"{first_name} is {tree_a} and {second_name} is {tree_b}{_where()}.")
    for k, (a, b) in enumerate(zip(leaves_a, leaves_b)):
        if _shape_of(a) == _shape_of(b) and (_dtype_of(a) == _dtype_of(b) or (
                weak_may_change and (_is_weak(a) or _is_weak(b)))):
            continue
        path = tree_flatten_with_path(first)[0][k][0]
        at = f" at {keystr(path)}" if path else ""
        raise LaxTypeError(
            f"{what}: {first_name} and {second_name} must have equal types, but{at} "
            f"{first_name} has {_type_text(a)} and {second_name} has {_type_text(b)}"
            f"{_where()}. Cast one of them (x.astype(...)) or give them the same shape.")


class _TypesOnly(threading.local):
    """How many branch type checks are running on this thread. Inside one, only output types
    matter: loops apply their body once instead of iterating (a loop of the branch not taken,
    run on zeros, might never end)."""

    depth = 0


_types_only = _TypesOnly()


def _run_for_types(fun, *operands):
    """fun's output on zero stand-ins for the traced operands, or None if it cannot run there."""
    _types_only.depth += 1
    try:
        with np.errstate(all="ignore"):
            return (fun(*_stand_in(operands)),)
    except Exception:  # noqa: BLE001 - the check is skipped where the stand-ins do not fit
        return None
    finally:
        _types_only.depth -= 1


def _select(pred, on_true, on_false):
    """Per-example choice between two pytrees of the same structure."""
    t_leaves, t_tree = tree_flatten(on_true)
    f_leaves, f_tree = tree_flatten(on_false)
    return tree_unflatten(t_tree, [_choose(pred, t, f) for t, f in zip(t_leaves, f_leaves)])


def _any(pred) -> bool:
    """Whether pred is true for any example of any enclosing vmap (a plain bool otherwise)."""
    batched = _batch_tracer_in(pred)
    if batched is None:
        return bool(pred)
    value = batched.value  # one level down: the batch axis is an ordinary axis here
    count = _sum_p.bind(_astype_p.bind(value, dtype=np.dtype(np.float64)),
                        axis=tuple(range(len(_shape_of(value)))), keepdims=False)
    return _any(_greater(count, 0.0))


def _check_scalar(what, x, kinds, requirement):
    if x is None or _shape_of(x) != () or _dtype_of(x).kind not in kinds:
        shown = "None" if x is None else f"{describe(x) if hasattr(x, 'dtype') else repr(x)}"
        raise LaxTypeError(f"{what} must be {requirement}, but got {shown}{_where()}.")


def cond(pred, true_fun, false_fun, *operands):
    """true_fun(*operands) if pred else false_fun(*operands), for a scalar predicate.

    Both branches must return the same pytree of the same shapes and dtypes.

    >>> import funcgrad as fg, funcgrad.numpy as fnp, numpy as np
    >>> f = lambda x: fg.lax.cond(x > 0, fnp.sin, fnp.cos, x)
    >>> fg.vmap(f)(np.array([-1.0, 1.0])).round(3)
    array([0.54 , 0.841])
    """
    _check_scalar("lax.cond: the predicate", pred, "biuf", "a scalar (a bool, or a number "
                  "compared with 0); reduce an array first with fnp.all, fnp.any or [0]")
    if _batch_tracer_in(pred) is not None:
        on_true, on_false = true_fun(*operands), false_fun(*operands)
        _check_same("lax.cond", "true_fun's output", on_true, "false_fun's output", on_false, False)
        return _select(pred, on_true, on_false)
    flag = bool(pred)  # one decision (one guard under jit)
    taken, other = (true_fun, false_fun) if flag else (false_fun, true_fun)
    out = taken(*operands)
    other_out = _run_for_types(other, *operands)
    if other_out is not None:
        names = ("true_fun's output", "false_fun's output")
        first, second = (out, other_out[0]) if flag else (other_out[0], out)
        _check_same("lax.cond", names[0], first, names[1], second, False)
    return _arrays(out)


def switch(index, branches, *operands):
    """branches[index](*operands), with index clamped to the valid range as in JAX."""
    branches = list(branches)
    if not branches:
        raise ValueError(f"lax.switch: the sequence of branches is empty{_where()}; give at "
                         "least one function.")
    _check_scalar("lax.switch: the index", index, "iu", "an integer scalar")
    if _batch_tracer_in(index) is None:
        chosen = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
        out = branches[chosen](*operands)
        for k, branch in enumerate(branches):
            other = None if k == chosen else _run_for_types(branch, *operands)
            if other is not None:
                _check_same("lax.switch", f"branch {chosen}'s output", out,
                            f"branch {k}'s output", other[0], False)
        return _arrays(out)
    outs = [branch(*operands) for branch in branches]
    for k in range(1, len(outs)):
        _check_same("lax.switch", "branch 0's output", outs[0], f"branch {k}'s output", outs[k],
                    False)
    result = outs[-1]
    for k in range(len(branches) - 2, -1, -1):
        result = _select(index <= k, outs[k], result)
    return result


def _check_carry(what, before, after):
    _check_same(what, "the carry it was given", before, "the carry it returned", after, True)


def _while_pred(cond_fun, val):
    pred = cond_fun(val)
    _check_scalar("lax.while_loop: cond_fun's result", pred, "b", "a boolean scalar")
    return pred


def while_loop(cond_fun, body_fun, init_val):
    """Repeat val = body_fun(val) while cond_fun(val); returns the final val.

    Under vmap, examples that are done keep their value while the others continue. Unlike JAX,
    reverse mode (grad, vjp) works through it: the iterations that ran are recorded.
    """
    val = init_val
    pred = _while_pred(cond_fun, val)
    if _types_only.depth:  # one body application gives the result's types
        new = body_fun(val)
        _check_carry("lax.while_loop: body_fun", val, new)
        return _arrays(new)
    checked = False
    batched = _batch_tracer_in(pred) is not None
    while _any(pred) if batched else pred:
        new = body_fun(val)
        if not checked:
            _check_carry("lax.while_loop: body_fun", val, new)
            checked = True
        val = _select(pred, new, val) if batched else new
        pred = _while_pred(cond_fun, val)
        batched = batched or _batch_tracer_in(pred) is not None
    return _arrays(val)


def _check_bound(name, bound):
    _check_scalar(f"lax.fori_loop: {name}", bound, "iu", "an integer scalar")


def fori_loop(lower, upper, body_fun, init_val, *, unroll=None):
    """val = body_fun(i, val) for i in range(lower, upper); returns the final val.

    `i` is a Python int (an integer array when a bound differs between vmap examples);
    `unroll` is accepted for JAX compatibility and has no effect.

    >>> import funcgrad as fg
    >>> float(fg.grad(lambda x: fg.lax.fori_loop(0, 3, lambda i, v: v * x, 1.0))(2.0))
    12.0
    """
    _check_bound("lower", lower)
    _check_bound("upper", upper)
    if _batch_tracer_in(lower) is not None or _batch_tracer_in(upper) is not None:
        def body(carry):
            return carry[0] + 1, body_fun(carry[0], carry[1])
        return while_loop(lambda carry: carry[0] < upper, body, (lower, init_val))[1]
    if _types_only.depth:  # one body application gives the result's types
        new = body_fun(lower, init_val)
        _check_carry("lax.fori_loop: body_fun", init_val, new)
        return _arrays(new)
    val = init_val
    first = int(lower)
    for i in range(first, int(upper)):
        new = body_fun(i, val)
        if i == first:
            _check_carry("lax.fori_loop: body_fun", val, new)
        val = new
    return _arrays(val)


def _scan_step(f, carry, x):
    out = f(carry, x)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise LaxTypeError(f"lax.scan: the body must return a pair (carry, y), but it returned "
                           f"{type(out).__name__}{_where()}.")
    return out


def scan(f, init, xs=None, length=None, reverse=False, unroll=1, _split_transpose=False):
    """Loop `carry, y = f(carry, x)` over the leading axis of xs; returns (carry, stacked ys).

    `unroll` is accepted for JAX compatibility and has no effect.

    >>> import numpy as np, funcgrad as fg
    >>> fg.lax.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(1.0, 4.0))
    (np.float64(6.0), array([0., 2., 9.]))
    """
    x_leaves, x_tree = tree_flatten(xs)
    n = _scan_length(x_leaves, length)
    if _types_only.depth:  # one step gives the result's types
        x = tree_unflatten(x_tree, [np.zeros(_shape_of(v)[1:], _dtype_of(v)) for v in x_leaves])
        new, y = _scan_step(f, init, x)
        _check_carry("lax.scan: the body", init, new)
        leaves, tree = tree_flatten(y)
        return _arrays(new), tree_unflatten(
            tree, [np.zeros((n,) + _shape_of(v), _dtype_of(v)) for v in leaves])
    carry = init
    ys = []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = tree_unflatten(x_tree, [leaf[i] for leaf in x_leaves])
        new, y = _scan_step(f, carry, x)
        if not ys:
            _check_carry("lax.scan: the body", carry, new)
        carry = new
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        return _arrays(carry), _empty_ys(f, init, x_leaves, x_tree)
    y_leaves = [tree_flatten(y)[0] for y in ys]
    y_tree = tree_flatten(ys[0])[1]
    stacked = [_shape.stack([leaves[k] for leaves in y_leaves]) for k in range(len(y_leaves[0]))]
    return _arrays(carry), tree_unflatten(y_tree, stacked)


def _scan_length(x_leaves, length) -> int:
    for x in x_leaves:
        if _shape_of(x) == ():
            raise ValueError(f"lax.scan: a leaf of xs has no leading axis to scan over "
                             f"({describe(x) if hasattr(x, 'dtype') else repr(x)}){_where()}.")
    lengths = sorted({_shape_of(x)[0] for x in x_leaves})
    if len(lengths) > 1:
        raise ValueError(f"lax.scan: the leaves of xs have different leading axis sizes "
                         f"{lengths}{_where()}; give them one common length.")
    if length is not None:
        if lengths and lengths[0] != int(length):
            raise ValueError(f"lax.scan: length={length} disagrees with the leading axis size "
                             f"{lengths[0]} of xs{_where()}.")
        return int(length)
    if not lengths:
        raise ValueError(f"lax.scan: there is nothing to scan over (xs has no leaves) and no "
                         f"length was given{_where()}. Pass length=n.")
    return lengths[0]


def _empty_ys(f, init, x_leaves, x_tree):
    """The stacked outputs of a scan of length 0: empty arrays of the body's output types."""
    x = tree_unflatten(x_tree, [np.zeros(_shape_of(v)[1:], _dtype_of(v)) for v in x_leaves])
    with np.errstate(all="ignore"):
        _, y = _scan_step(f, _stand_in(init), x)
    leaves, tree = tree_flatten(y)
    return tree_unflatten(tree, [np.zeros((0,) + _shape_of(v), _dtype_of(v)) for v in leaves])


def associative_scan(fn, elems, reverse=False, axis=0):
    """Inclusive scan of `elems` (a pytree of arrays) along `axis` with an associative `fn`
    (applied to whole slices, as in JAX): result[i] = fn(result[i - 1], elems[i]).

    Log-depth (Hillis-Steele): ceil(log2(n)) calls of fn, each on every element at once.

    >>> import numpy as np, funcgrad as fg
    >>> fg.lax.associative_scan(lambda a, b: a + b, np.arange(1.0, 5.0))
    array([ 1.,  3.,  6., 10.])
    """
    leaves, tree = tree_flatten(elems)
    sizes = {_shape_of(x)[axis] for x in leaves}
    if len(sizes) != 1:
        raise ValueError(f"lax.associative_scan: the leaves of elems have different sizes "
                         f"{sorted(sizes)} along axis {axis}{_where()}.")
    n = sizes.pop()
    leaves = [_shape.moveaxis(x, axis, 0) for x in leaves]
    if reverse:
        leaves = [_shape.flip(x, axis=(0,)) for x in leaves]
    step = 1
    while step < n:
        # x[i] <- fn(x[i - step], x[i]) for i >= step, all at once
        combined = tree_flatten(fn(tree_unflatten(tree, [x[:n - step] for x in leaves]),
                                   tree_unflatten(tree, [x[step:] for x in leaves])))[0]
        leaves = [_shape.concatenate([x[:step], c], axis=0) for x, c in zip(leaves, combined)]
        step *= 2
    if reverse:
        leaves = [_shape.flip(x, axis=(0,)) for x in leaves]
    return tree_unflatten(tree, [_shape.moveaxis(x, 0, axis) for x in leaves])


def map(f, xs, *, batch_size=None):  # noqa: A001 - JAX's name
    """[f(x) for x in xs] along the leading axis, stacked (a scan without a carry).

    With batch_size, f is vmapped over chunks of that many elements at a time."""
    if batch_size is None:
        return scan(lambda carry, x: (carry, f(x)), None, xs)[1]
    x_leaves, x_tree = tree_flatten(xs)
    n = _scan_length(x_leaves, None)
    parts = []
    for start in range(0, n, int(batch_size)):
        chunk = tree_unflatten(x_tree, [x[start:start + int(batch_size)] for x in x_leaves])
        parts.append(tree_flatten(vmap(f)(chunk)))
    if not parts:
        return scan(lambda carry, x: (carry, f(x)), None, xs)[1]
    tree = parts[0][1]
    return tree_unflatten(tree, [_shape.concatenate([p[0][k] for p in parts], axis=0)
                                 for k in range(tree.num_leaves)])


__all__ = ["cond", "switch", "while_loop", "fori_loop", "scan", "map", "associative_scan",
           "stop_gradient", "psum",
           "pmean", "pmax", "pmin", "all_gather", "axis_index", "LaxTypeError"] + _numeric_names + _conv_names

_docs.document_primitives(globals(), __name__)
