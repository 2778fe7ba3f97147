"""Reverse mode: record the function, then replay its expression list backwards.

`backward_pass` walks the equations last to first, asks each primitive's reverse rule for the
cotangent of each traced input, and sums cotangents where a value was used more than once.
Equations no output depends on never receive a cotangent and are skipped.
"""
from __future__ import annotations

import numpy as np

from typing import Any, Callable, Literal, overload

from funcgrad._typing import ArgNums, P, Pullback
from funcgrad.primitives._util import dtype_of

from funcgrad.backends.arrays import numpy_for
from funcgrad.backends.namespace import NATIVE_TYPES
from funcgrad.core.gcpause import paused_gc
from funcgrad.core.ir import Trace, Var
from funcgrad.core.recorder import recording, value_of
from funcgrad.core.tracer import Tracer
from funcgrad.errors import describe, where
from funcgrad.primitives.elementwise import add
from funcgrad.transforms._inputs import (TransformArgumentError, check_callable, flat_arrays,
                                         float0_zeros,
                                         is_inexact, is_weak, normalize_argnums, split_aux,
                                         with_fixed_args)
from funcgrad.tree_util import tree_flatten, tree_map, tree_unflatten


def backward_pass(trace: Trace, out_cotangents, consume=False) -> list:
    """Cotangents of the trace's inputs (None where no output depends on one).

    Each cotangent is dropped as soon as its equation's rules have run. With consume=True (grad:
    the trace serves one reverse pass) each equation is also dropped once its rules have run, and
    with it every forward value that only it kept alive: a value dies when the equation that made
    it has been replayed (all its readers come later in the trace, so they have run already)."""
    cts = [None] * trace.num_vars
    for var, ct in zip(trace.outputs, out_cotangents):
        if type(var) is Var and ct is not None:
            prev = cts[var.index]
            cts[var.index] = ct if prev is None else add.bind(prev, ct)
    equations = trace.equations
    if consume:
        trace.equations = []
        equations.insert(0, None)  # the end of iter(pop, None): popped last to first
        steps = iter(equations.pop, None)
    else:
        steps = reversed(equations)
    ct = answer = args = g = prev = None
    for eq in steps:
        rules = eq.primitive.vjp
        outputs = eq.outputs
        if eq.primitive.multiple_results:
            out_cts = [cts[v.index] for v in outputs]
            if all(ct is None for ct in out_cts):
                continue
            ct = tuple(numpy_for(v.value).zeros(np.shape(v.value), v.dtype) if c is None else c
                       for v, c in zip(outputs, out_cts))
            answer = tuple(v.value for v in outputs)
        else:
            out = outputs[0]
            ct = cts[out.index]
            if ct is None:
                continue
            answer = out.value
        for v in outputs:
            cts[v.index] = None  # free the cotangent as soon as it is used
        if rules is None:
            continue
        inputs = eq.inputs
        args = [x.value if type(x) is Var else x for x in inputs]
        params = eq.params
        for i, x in enumerate(inputs):
            if type(x) is not Var:
                continue
            rule = rules[i]
            if rule is None:
                continue
            g = rule(ct, answer, *args, **params)
            if g is None:
                continue
            prev = cts[x.index]
            cts[x.index] = g if prev is None else add.bind(prev, g)
        ct = answer = args = g = prev = None  # what this equation's rules read or made
    return [cts[v.index] for v in trace.inputs]


def zeros_like_leaf(x):
    return numpy_for(x).zeros(np.shape(x), dtype=dtype_of(x))


def as_dtype_of(g, x):
    """Cotangent `g` with the dtype of its primal `x` (the real part for a real primal); tracers
    (an outer transform's values) are left as they are."""
    if isinstance(g, Tracer):
        return g
    dtype = x.dtype
    if getattr(g, "dtype", None) == dtype and isinstance(g, (np.ndarray, np.generic)):
        return g
    xnp = numpy_for(g, x)  # NumPy, or the library of a Dask/CuPy... cotangent
    if xnp.iscomplexobj(g) and not xnp.issubdtype(dtype, np.complexfloating):
        g = xnp.real(g)
    return xnp.asarray(g, dtype_of(x))


def cotangent_tree(in_tree, leaves, floats, grads):
    """The cotangents of all `leaves` as a tree: `grads` (None meaning zero) for the float leaves
    at indices `floats`, float0 zeros for the others (integers and booleans, as in JAX)."""
    out: list[Any] = list(leaves) if len(floats) == len(leaves) else [float0_zeros(x) for x in leaves]
    for i, g in zip(floats, grads):
        x = leaves[i]
        g = zeros_like_leaf(x) if g is None else as_dtype_of(g, x)
        # a 0-d cotangent is a NumPy scalar, as NumPy's own 0-d results are, whichever the
        # rules happened to make (x * y gives a scalar, np.ones(()) a 0-d array)
        out[i] = g[()] if type(g) is np.ndarray and not g.shape else g
    return tree_unflatten(in_tree, out)


class VJPFunction:
    """The pullback returned by `vjp`: maps an output cotangent to the inputs' cotangents."""

    __slots__ = ("trace", "in_tree", "in_values", "floats", "out_tree", "out_values",
                 "__weakref__")

    def __init__(self, trace, in_tree, in_values, floats, out_tree, out_values):
        self.trace = trace
        self.in_tree = in_tree
        self.in_values = in_values
        self.floats = floats
        self.out_tree = out_tree
        self.out_values = out_values

    def __call__(self, cotangent):
        ct_leaves, ct_tree = tree_flatten(cotangent)
        if ct_tree != self.out_tree:
            raise TransformArgumentError(
                f"vjp: the cotangent has structure {ct_tree} but the function's output has "
                f"structure {self.out_tree}{where()}. Pass a cotangent shaped like the output.")
        n = len(ct_leaves)
        return self.pull([check_cotangent(ct, out, i, n) for i, (ct, out) in
                          enumerate(zip(ct_leaves, self.out_values))])

    def pull(self, ct_leaves):
        """The inputs' cotangents for the output leaves' cotangents, unchecked (for rules that
        call a pullback with cotangents an outer transform computed)."""
        with paused_gc():
            grads = backward_pass(self.trace, ct_leaves)
        return cotangent_tree(self.in_tree, self.in_values, self.floats, grads)


def check_cotangent(ct, out, i, n):
    """The cotangent of output leaf i, checked against it: the output's shape, and its dtype or
    one that converts to it exactly (a Python number takes the output's dtype; JAX is stricter
    and refuses any other dtype); None for an integer output (no derivative)."""
    ct_shape, out_shape = np.shape(ct), np.shape(out)
    label = f"output leaf {i}" if n > 1 else "the output"
    if ct_shape != out_shape:
        raise TransformArgumentError(
            f"vjp: the cotangent for {label} has shape {ct_shape} but the output has shape "
            f"{out_shape}{where()}. A cotangent must have exactly the output's shape "
            f"(e.g. numpy.ones_like(output)).")
    out_dtype = dtype_of(out)
    if out_dtype.kind not in "fc":  # not np.issubdtype(out_dtype, np.inexact)
        return None
    if is_weak(ct):
        return numpy_for(out).asarray(ct, out_dtype)
    ct_dtype = dtype_of(ct)
    if ct_dtype == out_dtype:
        return ct
    if not np.can_cast(ct_dtype, out_dtype, "safe"):  # JAX refuses any other dtype; funcgrad
        raise TransformArgumentError(                   # takes one that converts exactly
            f"vjp: the cotangent for {label} has dtype {ct_dtype} but the output has dtype "
            f"{out_dtype}{where()}. Pass a cotangent of the output's dtype "
            f"(ct.astype({out_dtype.name!r})).")
    return ct if isinstance(ct, Tracer) else numpy_for(ct, out).asarray(ct, out_dtype)


def record(fun, args, transform, has_aux=False, differentiable=True, frees=False):
    """Run `fun(*args)` on tracers. Returns (trace, in_tree, in_values, out_tree, out_values, aux).
    With frees=True the trace keeps only the values reverse rules read (Recorder.frees): for a
    trace that only backward_pass replays."""
    in_values, in_tree = flat_arrays(args, transform, differentiable)
    return record_flat(fun, in_values, in_tree, transform, has_aux, frees)


def record_flat(fun, in_values, in_tree, transform, has_aux=False, frees=False):
    """`record` of arguments already flattened (and checked) into `in_values` of structure
    `in_tree`."""
    with recording(transform, frees=frees) as recorder:
        tracers = [recorder.new_input(x) for x in in_values]
        result = fun(*tree_unflatten(in_tree, tracers))
        out, aux = split_aux(result, has_aux, transform)
        out_leaves, out_tree = tree_flatten(out)
        trace = recorder.finish(out_leaves)
        if has_aux:
            aux = tree_map(lambda x: value_of(x, recorder), aux)
    out_values = [x.value if type(x) is Var else x for x in trace.outputs]
    return trace, in_tree, in_values, out_tree, out_values, aux


def record_floats(fun, args, transform, has_aux=False, frees=False):
    """`record` with only the floating-point leaves of args traced; integer and boolean leaves
    are held fixed (they have no derivative). Returns (trace, in_tree, leaves, floats, out_tree,
    out_values, aux), `floats` being the indices of the traced leaves."""
    leaves, in_tree = flat_arrays(args, transform, differentiable=False)
    floats = [i for i, x in enumerate(leaves) if is_inexact(x)]
    if len(floats) == len(leaves):  # every leaf traced: no leaf to hold fixed
        trace, _, _, out_tree, out_values, aux = record_flat(fun, leaves, in_tree, transform,
                                                             has_aux, frees)
        return trace, in_tree, leaves, floats, out_tree, out_values, aux
    given = tree_flatten(args)[0]  # the fixed leaves reach fun as they were given

    def of_floats(*float_leaves):
        full = list(given)
        for i, x in zip(floats, float_leaves):
            full[i] = x
        return fun(*tree_unflatten(in_tree, full))
    trace, _, _, out_tree, out_values, aux = record(
        of_floats, tuple(leaves[i] for i in floats), transform, has_aux, frees=frees)
    return trace, in_tree, leaves, floats, out_tree, out_values, aux


@overload
def vjp(fun: Callable[..., Any], *primals: Any,
        has_aux: Literal[False] = False) -> tuple[Any, Pullback]: ...
@overload
def vjp(fun: Callable[..., Any], *primals: Any,
        has_aux: Literal[True]) -> tuple[Any, Pullback, Any]: ...


def vjp(fun, *primals, has_aux=False) -> "tuple[Any, Pullback] | tuple[Any, Pullback, Any]":
    """(fun(*primals), pullback[, aux]): the pullback maps an output cotangent to a tuple of
    cotangents, one per primal, each shaped like that primal (with its dtype; float0 for an
    integer or boolean primal, as in JAX).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> out, pullback = fg.vjp(fnp.sin, 0.0)
    >>> pullback(1.0)
    (np.float64(1.0),)
    """
    check_callable(fun, "vjp")
    with paused_gc():
        trace, in_tree, leaves, floats, out_tree, out_values, aux = record_floats(
            fun, primals, "vjp", has_aux, frees=True)
    pullback = VJPFunction(trace, in_tree, leaves, floats, out_tree, out_values)
    out = tree_unflatten(out_tree, out_values)
    return (out, pullback, aux) if has_aux else (out, pullback)


def value_and_grad(fun: Callable[P, Any], argnums: ArgNums = 0, has_aux: bool = False,
                   holomorphic: bool = False, allow_int: bool = False
                   ) -> Callable[P, tuple[Any, Any]]:
    """A function returning (fun(*args), gradient of fun w.r.t. args[argnums]).

    With has_aux=True, fun returns (value, aux) and the result is ((value, aux), gradient).
    With holomorphic=True, fun maps complex inputs to a complex scalar and the result is f'(z).
    With allow_int=True, integer and boolean arguments are accepted and their gradient is float0
    zeros (JAX's empty derivative). A gradient has the dtype of its argument.
    """
    check_callable(fun, "value_and_grad")

    def value_and_grad_fun(*args, **kwargs):
        with paused_gc():
            return _value_and_grad(fun, argnums, has_aux, args, kwargs, holomorphic, allow_int)

    value_and_grad_fun.__name__ = f"value_and_grad({_name(fun)})"
    value_and_grad_fun.__wrapped__ = fun
    return value_and_grad_fun


def _value_and_grad(fun, argnums, has_aux, args, kwargs, holomorphic=False, allow_int=False):
    nums, single = normalize_argnums(argnums, len(args), "grad")
    fixed = with_fixed_args((lambda *a: fun(*a, **kwargs)) if kwargs else fun, args, nums)
    diff_args = args if fixed is fun else tuple(args[i] for i in nums)
    if allow_int:
        trace, in_tree, in_values, floats, out_tree, out_values, aux = record_floats(
            fixed, diff_args, "grad", has_aux, frees=True)
    else:
        trace, in_tree, in_values, out_tree, out_values, aux = record(
            fixed, diff_args, "grad", has_aux, frees=True)
        floats = range(len(in_values))
    if len(out_values) != 1 or np.shape(out_values[0]) != ():
        shapes = ", ".join(describe(v) for v in out_values) or "nothing"
        raise TypeError(
            f"grad requires a function returning one scalar, but {_name(fun)} returned "
            f"{shapes}{where()}. For vector outputs use funcgrad.vjp (a cotangent per output) "
            "or funcgrad.jacrev (the full Jacobian); to differentiate a sum, return .sum()."
            + (" If the function returns (value, aux), pass has_aux=True."
               if len(out_values) == 2 and not has_aux else ""))
    value = out_values[0]
    dtype = dtype_of(value)
    if dtype.kind not in "fc":  # np.issubdtype(dtype, np.inexact), without its cost per call
        raise TypeError(
            f"grad requires a real floating-point output, but {_name(fun)} returned dtype "
            f"{dtype}{where()}. Compute the output in floating point.")
    if holomorphic or dtype.kind == "c":
        _check_holomorphic(fun, dtype, in_values, holomorphic)
    seed = (np if type(value) in NATIVE_TYPES else numpy_for(value)).ones((), dtype=dtype)
    grads = backward_pass(trace, [seed], consume=True)
    del trace
    grad_tree = cotangent_tree(in_tree, in_values, floats, grads)
    grad_out = grad_tree[0] if single else grad_tree
    value = tree_unflatten(out_tree, out_values)
    return ((value, aux), grad_out) if has_aux else (value, grad_out)


def _check_holomorphic(fun, out_dtype, in_values, holomorphic):
    """Complex outputs only with holomorphic=True, which asks for complex inputs (JAX's rule)."""
    if np.issubdtype(out_dtype, np.complexfloating) and not holomorphic:
        raise TypeError(
            f"grad requires a real-valued output, but {_name(fun)} returned dtype {out_dtype}"
            f"{where()}. Differentiate a real function of it (abs(z) ** 2, z.real, ...), or pass "
            "holomorphic=True if the function is holomorphic (see docs/conventions_complex.md).")
    if holomorphic and not all(np.issubdtype(dtype_of(x), np.complexfloating) for x in in_values
                               if is_inexact(x)):
        raise TypeError(
            f"grad(..., holomorphic=True) requires complex inputs{where()}; cast them with "
            "x.astype(complex).")


def grad(fun: Callable[P, Any], argnums: ArgNums = 0, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False) -> Callable[P, Any]:
    """The gradient of a scalar function, as a function of the same arguments (see
    value_and_grad for the options).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> float(fg.grad(fg.grad(fnp.sin))(0.0))
    -0.0
    """
    check_callable(fun, "grad")
    value_and_grad_fun = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    def grad_fun(*args, **kwargs):
        result, gradient = value_and_grad_fun(*args, **kwargs)
        return (gradient, result[1]) if has_aux else gradient

    grad_fun.__name__ = f"grad({_name(fun)})"
    grad_fun.__wrapped__ = fun
    return grad_fun


def _name(fun):
    return getattr(fun, "__name__", type(fun).__name__)


__all__ = ["vjp", "grad", "value_and_grad", "backward_pass", "record", "record_floats", "Tracer"]
