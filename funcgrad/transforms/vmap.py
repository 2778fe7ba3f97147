"""vmap: run a function written for one example on a whole batch, by batching every primitive.

A `BatchTracer` holds a value with one extra axis, `batch_dim` (the examples), and shows the user
the shape of one example. Each primitive applied to it is handed to its `batch` rule, which moves
axes instead of looping; a primitive without a rule falls back to a loop over the examples
(correct, only slower). Values of the examples are never made concrete: `if x > 0` on a batched
value is an error that points to `funcgrad.numpy.where` and `funcgrad.lax.cond`.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from funcgrad._typing import AxisSpec, P
from funcgrad.core.tracer import Interpreter, Tracer, running
from funcgrad.errors import FuncgradError, TracerLeakError, describe, where
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import shape_of
from funcgrad.primitives.indexing import getitem_p
from funcgrad.tree_util import tree_flatten, tree_unflatten


class BatchedConversionError(FuncgradError, TypeError):
    """A value that differs between the examples of a vmap was used in Python control flow."""

    tracer: Any  # the batched tracer concerned (set where it is raised)


class BatchTracer(Tracer):
    """A batch of values: `value` carries the batch axis at `batch_dim`; `shape` hides it."""

    __slots__ = ("_value", "batch_dim")

    def __init__(self, owner, value, batch_dim: int):
        self._owner = owner
        self._value = value
        self.batch_dim = batch_dim

    @property
    def value(self):
        return self._value

    @property
    def shape(self) -> tuple:
        shape = shape_of(self._value)
        d = self.batch_dim
        return tuple(shape[:d]) + tuple(shape[d + 1:])

    @property
    def dtype(self):
        value = self._value
        return value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype


class SymbolicBasis:
    """A batched argument that is not an array: it makes its own tracer (see diagonal.py).

    It has `shape` (batch axis first) and `dtype`, and `rows(start, stop)` for chunks."""

    shape: tuple

    def tracer(self, interpreter) -> BatchTracer:
        raise NotImplementedError

    def rows(self, start: int, stop: int) -> SymbolicBasis:
        raise NotImplementedError


collective_rules: dict = {}  # primitive -> rule(interpreter, args, params) (collectives.py)


class BatchInterpreter(Interpreter):
    """Applies each primitive's batch rule to the batched values of its level.

    `structured`, when a symbolic batch is in play, is tried first: it returns the result, or
    None to use the batch rules (the symbolic batch then writes itself out). `axis_name` names
    the batch axis for collectives (psum...), whose rules for this axis are in collective_rules."""

    __slots__ = ("axis_size", "active", "structured", "axis_name")

    def __init__(self, axis_size: int, axis_name=None):
        self.axis_size = axis_size
        self.active = True
        self.structured = None
        self.axis_name = axis_name

    def retire(self):
        self.active = False

    def process(self, primitive, args, params):
        if not self.active:
            raise TracerLeakError(
                f"a batched value was used in {primitive.name}{where()} after the vmap that created "
                "it had returned. Return it from the vmapped function instead of storing it.")
        if self.structured is not None:
            out = self.structured(self, primitive, args, params)
            if out is not None:
                return out
        if self.axis_name is not None and primitive.family == "collective" and \
                params.get("axis_name") == self.axis_name:
            return collective_rules[primitive](self, args, params)
        values, dims = [], []
        for arg in args:
            if isinstance(arg, BatchTracer) and arg._owner is self:
                values.append(arg._value)
                dims.append(arg.batch_dim)
            else:
                values.append(arg)
                dims.append(None)
        rule = primitive.batch
        if rule is None:
            out, out_dim = loop_rule(primitive, values, dims, params, self.axis_size)
        else:
            out, out_dim = rule(values, dims, **params)
        if primitive.multiple_results:
            if not isinstance(out_dim, (tuple, list)):
                out_dim = (out_dim,) * len(out)
            return tuple(self.wrap(o, d) for o, d in zip(out, out_dim))
        return self.wrap(out, out_dim)

    def wrap(self, value, dim):
        return value if dim is None else BatchTracer(self, value, dim)

    def concretize(self, tracer):
        err = BatchedConversionError(
            f"a batched value ({describe(tracer)} per example) was used in Python control flow "
            f"(if, while, bool(), float(), int(), indexing){where()} inside vmap, where it has a "
            "different value for each example. Use funcgrad.numpy.where(condition, a, b) to "
            "select per example, or funcgrad.lax.cond / funcgrad.lax.while_loop.")
        err.tracer = tracer
        raise err

    def describe_level(self) -> str:
        return "vmap"


def loop_rule(primitive, values, dims, params, size):
    """The fallback batch rule: apply the primitive to each example and stack the results."""
    results = []
    for i in range(size):
        sliced = [v if d is None else getitem_p.bind(_shape.moveaxis(v, d, 0), index=(i,))
                  for v, d in zip(values, dims)]
        results.append(primitive.bind(*sliced, **params))
    if primitive.multiple_results:
        return tuple(_shape.stack([r[k] for r in results]) for k in range(len(results[0]))), 0
    return _shape.stack(results), 0


def batching(axis_size: int, axis_name=None):
    return running(BatchInterpreter(axis_size, axis_name))


def move_batch_axis(x, from_dim, to_dim, size):
    """A leaf with its batch axis moved from `from_dim` (None: not batched) to `to_dim`."""
    if from_dim is None:
        x = _shape.broadcast_to(_shape.reshape(x, (1,) + tuple(shape_of(x))),
                                (size,) + tuple(shape_of(x)))
        from_dim = 0
    ndim = len(shape_of(x))
    if not -ndim <= to_dim < ndim:
        raise ValueError(
            f"vmap: out_axes={to_dim} is out of range for an output with {ndim - 1} axes per "
            f"example{where()}: the batch axis can go at -{ndim}..{ndim - 1}.")
    to_dim = to_dim % ndim
    return x if from_dim == to_dim else _shape.moveaxis(x, from_dim, to_dim)


class AxisSpecError(FuncgradError, TypeError):
    """An in_axes/out_axes entry that is neither an int nor None."""


def _axes_for_leaves(axes, tree, name):
    """Broadcast an in_axes/out_axes spec (int, None or a prefix pytree of them) to every leaf.

    Containers of the spec must have the values' types (a list does not stand for a tuple)."""
    if axes is None or isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        return [None if axes is None else int(axes)] * tree.num_leaves
    spec_leaves, spec_tree = tree_flatten(axes, is_leaf=lambda a: a is None)
    for a in spec_leaves:
        if not (a is None or isinstance(a, (int, np.integer)) and not isinstance(a, bool)):
            raise AxisSpecError(
                f"vmap: {name} must be an int, None, or a pytree of them, but {name}={axes!r} "
                f"contains {a!r}{where()}.")
    out = []
    if not _broadcast_prefix(spec_tree, iter(spec_leaves), tree, out):
        raise ValueError(
            f"vmap: {name}={axes!r} does not match the structure {tree} of the values it describes"
            f"{where()}. Give one int or None, or a pytree of them with the values' structure "
            "(a prefix of it is enough, with the same container types).")
    return out


def _broadcast_prefix(spec_tree, spec_leaves, tree, out):
    if spec_tree.kind is None:
        axis = next(spec_leaves)
        out.extend([None if axis is None else int(axis)] * tree.num_leaves)
        return True
    if (tree.kind is not spec_tree.kind or tree.aux != spec_tree.aux
            or len(tree.children) != len(spec_tree.children)):
        return False
    return all(_broadcast_prefix(s, spec_leaves, c, out)
               for s, c in zip(spec_tree.children, tree.children))


def vmap(fun: Callable[P, Any], in_axes: AxisSpec = 0, out_axes: AxisSpec = 0,
         axis_name: Any = None, axis_size: int | None = None, spmd_axis_name: Any = None, *,
         chunk_size: int | None = None) -> Callable[P, Any]:
    """Vectorise `fun` over a batch axis of its arguments.

    `in_axes` gives, for each positional argument (or each leaf, as a pytree prefix), the axis
    that holds the examples, or None for an argument shared by every example (keyword arguments
    are batched along axis 0). `out_axes` says where the batch axis goes in each output.
    `axis_name` names the batch axis for the collectives of funcgrad.lax (psum, pmean,
    axis_index...). `spmd_axis_name` is accepted for JAX compatibility (funcgrad does not shard).
    `chunk_size` runs the batch that many examples at a time (bounding memory) and concatenates
    the results.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda w, x: fnp.sum(w * x), in_axes=(None, 0))(np.ones(3), np.eye(3) * 2)
    array([2., 2., 2.])
    """
    if not callable(fun):
        raise TypeError(f"vmap: expected a function to vectorise, got {type(fun).__name__}"
                        f"{where()}.")
    if not (in_axes is None or isinstance(in_axes, (int, np.integer, tuple, list))):
        raise AxisSpecError(
            f"vmap: in_axes must be an int, None, or a tuple (list) with one entry per positional "
            f"argument, but got {in_axes!r}{where()}. To describe one argument's pytree, wrap it "
            f"in a tuple: in_axes=({in_axes!r},).")
    if chunk_size is not None and axis_name is not None:
        raise ValueError("vmap: chunk_size and axis_name cannot be combined: a collective would "
                         "only see the examples of one chunk.")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)

    def batched_fun(*args, **kwargs):
        if kwargs:  # keyword arguments are batched along axis 0, as in JAX
            names = sorted(kwargs)
            spec = in_axes if isinstance(in_axes, (tuple, list)) else (in_axes,) * len(args)
            return vmap(lambda *a: fun(*a[:len(args)], **dict(zip(names, a[len(args):]))),
                        tuple(spec) + (0,) * len(names), out_axes, axis_name, axis_size,
                        chunk_size=chunk_size)(
                *args, *[kwargs[k] for k in names])
        axes_spec = in_axes
        if isinstance(axes_spec, tuple) and len(axes_spec) != len(args):
            raise ValueError(
                f"vmap: in_axes has {len(axes_spec)} entries but {_name(fun)} was called with "
                f"{len(args)} positional arguments{where()}. Give one entry per argument.")
        leaves, tree = tree_flatten(args)
        dims = _axes_for_leaves(axes_spec, tree, "in_axes")
        size = _batch_size(leaves, dims, axis_size, fun)
        if chunk_size is not None and size > chunk_size:
            return _chunked(fun, leaves, tree, dims, size, chunk_size)
        return _run(fun, leaves, tree, dims, size, out_axes, axis_name)

    def _chunked(fun, leaves, tree, dims, size, chunk: int):
        parts = []
        for start in range(0, size, chunk):
            stop = min(start + chunk, size)
            sliced = [x if d is None else _slice(x, d, start, stop) for x, d in zip(leaves, dims)]
            parts.append(_run(fun, sliced, tree, dims, stop - start, 0))
        out_leaves_list = [tree_flatten(p)[0] for p in parts]
        out_tree = tree_flatten(parts[0])[1]
        joined = [_shape.concatenate([o[k] for o in out_leaves_list], axis=0)
                  for k in range(len(out_leaves_list[0]))]
        out_dims = _axes_for_leaves(out_axes, out_tree, "out_axes")
        joined = [j if d is None else move_batch_axis(j, 0, d, size) for j, d in zip(joined, out_dims)]
        return tree_unflatten(out_tree, joined)

    batched_fun.__name__ = f"vmap({_name(fun)})"
    batched_fun.__wrapped__ = fun
    return batched_fun


def _slice(x, d, start, stop):
    if isinstance(x, SymbolicBasis):
        return x.rows(start, stop)
    index = (slice(None),) * d + (slice(start, stop),)
    return getitem_p.bind(x, index=index)


def _run(fun, leaves, tree, dims, size, out_axes, axis_name=None):
    with batching(size, axis_name) as interpreter:
        tracers = [x if d is None else x.tracer(interpreter) if isinstance(x, SymbolicBasis)
                   else BatchTracer(interpreter, x, d % max(len(shape_of(x)), 1))
                   for x, d in zip(leaves, dims)]
        result = fun(*tree_unflatten(tree, tracers))
        out_leaves, out_tree = tree_flatten(result)
        out_dims = _axes_for_leaves(out_axes, out_tree, "out_axes")
        outs = []
        for leaf, d in zip(out_leaves, out_dims):
            if isinstance(leaf, BatchTracer) and leaf._owner is interpreter:
                value, from_dim = leaf._value, leaf.batch_dim
            else:
                value, from_dim = leaf, None
            if d is None:
                if from_dim is not None:
                    raise ValueError(
                        f"vmap: an output has out_axes=None but differs between examples{where()}. "
                        "Use an integer out_axes for it, or return a value that does not depend "
                        "on the batched inputs.")
                outs.append(value)
            else:
                outs.append(move_batch_axis(value, from_dim, d, size))
    return tree_unflatten(out_tree, outs)


def _batch_size(leaves, dims, axis_size, fun):
    sizes = set()
    for x, d in zip(leaves, dims):
        if d is None:
            continue
        shape = shape_of(x)
        if not -len(shape) <= d < len(shape):
            raise ValueError(
                f"vmap: in_axes={d} for an argument of shape {tuple(shape)} ({describe(x)}) is out "
                f"of range{where()}: it has {len(shape)} axes.")
        sizes.add(shape[d])
    if axis_size is not None:
        sizes.add(int(axis_size))
    if not sizes:
        raise ValueError(
            f"vmap: {_name(fun)} has no batched argument (every in_axes is None) and no axis_size "
            f"was given{where()}. Give axis_size=n, or a batch axis for some argument.")
    if len(sizes) > 1:
        raise ValueError(
            f"vmap: the batched arguments have different sizes along their batch axes "
            f"({sorted(sizes)}){where()}. Every batched argument needs the same number of examples.")
    return sizes.pop()


def _name(fun):
    return getattr(fun, "__name__", type(fun).__name__)


__all__ = ["vmap", "BatchTracer", "BatchInterpreter", "BatchedConversionError"]
