"""Collectives over a named vmap axis: psum, pmean, pmax, pmin, all_gather, axis_index.

`vmap(f, axis_name="i")` names its batch axis; inside f, `psum(x, "i")` is the sum of x over
the examples of that vmap (the same value for every example). Each collective is a primitive
whose parameter `axis_name` says which vmap reduces it: that vmap's interpreter applies the
rule registered here in `vmap.collective_rules`; any other interpreter batches it as an
elementwise operation (the reduction is over a different axis), and with no vmap of that name
around, applying it raises NameError, as in JAX.
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive
from funcgrad.core.tracer import active_interpreters
from funcgrad.errors import FuncgradError, NonDifferentiableError, where
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import dtype_of, same_shape, shape_of
from funcgrad.primitives.elementwise import equal, multiply
from funcgrad.primitives.elementwise import where as select
from funcgrad.primitives.reductions import max_p, min_p, sum_p
from funcgrad.transforms.vmap import BatchInterpreter, BatchTracer, collective_rules


class UnboundAxisNameError(FuncgradError, NameError):
    """A collective named an axis that no enclosing vmap has."""


def _unbound(axis_name):
    return UnboundAxisNameError(
        f"unbound axis name: {axis_name!r}{where()}. Collectives such as psum need an enclosing "
        f"fg.vmap(..., axis_name={axis_name!r}).")


def _interpreter_named(axis_name) -> BatchInterpreter:
    for interpreter in reversed(active_interpreters()):
        if isinstance(interpreter, BatchInterpreter) and interpreter.axis_name == axis_name:
            return interpreter
    raise _unbound(axis_name)


def _collective(name, reduce, vjp=None, jvp=None, shape=same_shape):
    """A primitive reduced by the vmap named by its axis_name; `reduce(interpreter, value, dim,
    **params)` computes the unbatched result from the batched value (dim None: not batched)."""
    def impl(x, axis_name, **params):  # a value no vmap batches: the same for every example
        return reduce(_interpreter_named(axis_name), x, None, axis_name=axis_name, **params)

    def batch(values, dims, axis_name, **params):  # a vmap of another name: elementwise for it
        return primitive.bind(values[0], axis_name=axis_name, **params), dims[0]

    primitive = Primitive(name, impl, shape=shape, vjp=vjp, jvp=jvp, batch=batch,
                          family="collective", doc=f"{name} over the examples of a named vmap.")

    def rule(interpreter, args, params):
        x = args[0]
        if isinstance(x, BatchTracer) and x._owner is interpreter:
            return reduce(interpreter, x.value, x.batch_dim, **params)
        return reduce(interpreter, x, None, **params)
    collective_rules[primitive] = rule
    return primitive


def _psum_reduce(interpreter, value, dim, axis_name):
    if dim is None:
        return multiply(value, interpreter.axis_size)
    return sum_p.bind(value, axis=(dim,), keepdims=False)


# d/dx_i of sum_j x_j, seen from every example: the cotangent of x is the psum of cotangents
psum_p = _collective(
    "psum", _psum_reduce,
    vjp=[lambda g, ans, x, axis_name: psum_p.bind(g, axis_name=axis_name)],
    jvp=[lambda t, ans, x, axis_name: psum_p.bind(t, axis_name=axis_name)])


def _extremum_reduce(reduction):
    def reduce(interpreter, value, dim, axis_name):
        return value if dim is None else reduction.bind(value, axis=(dim,), keepdims=False)
    return reduce


def _extremum(name, reduction):
    # only the examples holding the extremum receive (or pass on) a derivative
    def vjp(g, ans, x, axis_name):
        return select(equal(x, ans), psum_p.bind(g, axis_name=axis_name), 0.0)

    def jvp(t, ans, x, axis_name):
        return psum_p.bind(select(equal(x, ans), t, 0.0), axis_name=axis_name)
    return _collective(name, _extremum_reduce(reduction), vjp=[vjp], jvp=[jvp])


pmax_p = _extremum("pmax", max_p)
pmin_p = _extremum("pmin", min_p)


def _gather_reduce(interpreter, value, dim, axis_name, axis, tiled, axis_size):
    if dim is None:
        shape = tuple(shape_of(value))
        value = _shape.broadcast_to(_shape.reshape(value, (1,) + shape), (axis_size,) + shape)
        dim = 0
    out = _shape.moveaxis(value, dim, axis)
    if tiled:
        shape = tuple(shape_of(out))
        out = _shape.reshape(out, shape[:axis] + (shape[axis] * shape[axis + 1],) + shape[axis + 2:])
    return out


def _gather_shape(x, axis_name, axis, tiled, axis_size):
    from funcgrad.core.primitive import ShapedArray
    shape = tuple(x.shape)
    if tiled:
        return ShapedArray(shape[:axis] + (shape[axis] * axis_size,) + shape[axis + 1:], x.dtype)
    return ShapedArray(shape[:axis] + (axis_size,) + shape[axis:], x.dtype)


def _gather_vjp(g, ans, x, **params):
    raise NonDifferentiableError(f"all_gather has no reverse-mode rule in funcgrad{where()}; "
                                 "differentiate outside the vmap, or use psum.")


all_gather_p = _collective(
    "all_gather", _gather_reduce, vjp=[_gather_vjp], shape=_gather_shape,
    jvp=[lambda t, ans, x, **params: all_gather_p.bind(t, **params)])


def _names(axis_name) -> tuple:
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _tree_apply(fun, tree):
    from funcgrad.tree_util import tree_map
    return tree_map(fun, tree)


def pmean(x, axis_name):
    """The mean of x over the examples of the named vmap(s)."""
    size = int(np.prod([_interpreter_named(n).axis_size for n in _names(axis_name)]))

    def one(leaf):
        total = psum(leaf, axis_name)
        dtype = dtype_of(total)
        if not np.issubdtype(dtype, np.inexact):
            dtype = np.dtype(np.float64)
        return multiply(total, np.asarray(1.0 / size, dtype))
    return _tree_apply(one, x)


def _reduction_over(primitive):
    """The collective applying `primitive` over the named vmap(s), to each leaf of a pytree."""
    def collective(x, axis_name):
        def one(leaf):
            for name in _names(axis_name):
                _interpreter_named(name)
                leaf = primitive.bind(leaf, axis_name=name)
            return leaf
        return _tree_apply(one, x)
    collective.__name__ = collective.__qualname__ = primitive.name
    return collective


psum = _reduction_over(psum_p)
psum.__doc__ = "The sum of x (a pytree) over the examples of the vmap(s) named axis_name."


pmax = _reduction_over(pmax_p)
pmax.__doc__ = "The maximum of x over the examples of the named vmap(s)."
pmin = _reduction_over(pmin_p)
pmin.__doc__ = "The minimum of x over the examples of the named vmap(s)."


def all_gather(x, axis_name, *, axis=0, tiled=False):
    """Every example's x, stacked along a new axis `axis` (concatenated along it if tiled)."""
    size = _interpreter_named(axis_name).axis_size

    def one(leaf):
        ndim = len(shape_of(leaf))
        limit = ndim if tiled else ndim + 1
        if not -limit <= axis < limit:
            raise ValueError(f"all_gather: axis {axis} is out of bounds for a value with {ndim} "
                             f"axes{' (tiled)' if tiled else ''}{where()}.")
        return all_gather_p.bind(leaf, axis_name=axis_name, axis=int(axis) % limit,
                                 tiled=bool(tiled), axis_size=size)
    return _tree_apply(one, x)


def axis_index(axis_name):
    """The index of the current example along the vmap named axis_name (an int array)."""
    interpreter = _interpreter_named(axis_name)
    return BatchTracer(interpreter, np.arange(interpreter.axis_size), 0)


__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "axis_index", "UnboundAxisNameError"]
