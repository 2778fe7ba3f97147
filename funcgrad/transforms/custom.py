"""custom_vjp and custom_jvp: functions that bring their own derivative rule.

Each call on traced arguments binds one primitive (`custom_vjp_call` / `custom_jvp_call`) whose
parameters are the user's functions on flat lists of leaves, so every transform meets it as it
meets any primitive: its reverse and forward rules call the user's rules, its batch rule vmaps
them. Outside every transform the function is simply called.

- custom_vjp: reverse mode uses `bwd`; the primal runs `fwd` (whose residuals are the extra
  outputs of the primitive). Forward mode (jvp, jacfwd) has no rule and raises, as in JAX;
  hessian (forward over reverse) differentiates `fwd` and `bwd` as ordinary code. Define a
  custom_jvp when forward mode must work too.
- custom_jvp: forward mode uses the rule; reverse mode transposes it (the rule must be linear in
  the tangents, as a derivative is).
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from funcgrad.core.primitive import PerInputRules, Primitive
from funcgrad.core.tracer import Tracer
from funcgrad.errors import FuncgradError, where
from funcgrad.primitives._util import by_evaluation, dtype_of, is_float, shape_of
from funcgrad.primitives.shape import broadcast_to, moveaxis, reshape
from funcgrad.tree_util import tree_flatten, tree_unflatten


class CustomRuleError(FuncgradError, TypeError):
    """A custom-rule function was used in a way its rule cannot serve."""


class Once:
    """Memo of the last call keyed by the identity of its arguments: the per-input rules of one
    equation share one evaluation of the user's rule."""

    __slots__ = ("key", "value")

    def __init__(self):
        self.key = None
        self.value = None

    def get(self, key, compute):
        old = self.key
        if old is not None and len(old) == len(key) and all(a is b for a, b in zip(old, key)):
            return self.value
        self.value = compute()
        self.key = key
        return self.value


def zeros_of(x):
    return np.zeros(shape_of(x), dtype_of(x) if is_float(x) else np.float64)


def all_at_front(values, dims):
    """Every value with its batch axis first (unbatched ones broadcast), and the batch size."""
    size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
    moved = []
    for v, d in zip(values, dims):
        if d is None:
            v = broadcast_to(reshape(v, (1,) + tuple(shape_of(v))), (size,) + tuple(shape_of(v)))
        elif d != 0:
            v = moveaxis(v, d, 0)
        moved.append(v)
    return moved


def input_cotangents(fun, inputs, g):
    """Cotangents of every input of `fun` at `inputs` for output cotangents `g` (None: no float)."""
    from funcgrad.transforms.reverse import vjp
    floats = [i for i, x in enumerate(inputs) if is_float(x)]

    def of_floats(*xs):
        full = list(inputs)
        for i, x in zip(floats, xs):
            full[i] = x
        return fun(*full)
    _, pullback = vjp(of_floats, *[inputs[i] for i in floats])
    cts = [None] * len(inputs)
    for i, ct in zip(floats, pullback.pull(list(g))):
        cts[i] = ct
    return cts


def _refuse_symbolic_zeros(symbolic_zeros, name):
    if symbolic_zeros:
        raise NotImplementedError(f"{name}(..., symbolic_zeros=True) is not supported by "
                                  "funcgrad: zero derivatives are passed as zero arrays.")


def resolve_kwargs(signature, args, kwargs, name):
    """Keyword arguments moved into position and defaults filled in, as JAX does for custom
    rules (the rules then see every argument). `signature`: the function's, or None."""
    if signature is None:
        if kwargs:
            raise TypeError(f"{name}: keyword arguments need a function with a signature{where()}.")
        return args
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as err:
        raise TypeError(f"{name}: {err}{where()}") from err
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"{name}: keyword arguments {sorted(bound.kwargs)} could not be resolved "
                        f"to positions{where()}; pass them positionally.")
    return bound.args


def signature_of(fun):
    import inspect
    try:
        return inspect.signature(fun)
    except (TypeError, ValueError):
        return None


def split_nondiff(args, nondiff_argnums, name):
    n = len(args)
    nums = tuple(sorted(i % n for i in nondiff_argnums))
    for i in nondiff_argnums:
        if not -n <= i < n:
            raise ValueError(f"{name}: nondiff_argnums contains {i} but the function was called "
                             f"with {n} arguments{where()}.")
    return tuple(args[i] for i in nums), tuple(a for i, a in enumerate(args) if i not in nums), nums


def merge_nondiff(nondiff, diff, nums):
    it_n, it_d = iter(nondiff), iter(diff)
    return tuple(next(it_n) if i in nums else next(it_d) for i in range(len(nondiff) + len(diff)))


class CustomRuleShapeError(CustomRuleError, ValueError):
    """A custom rule returned a derivative whose shape is not its primal's."""


def flat_cotangents(result, diff_args, name):
    """The user's per-argument cotangents (a tuple, None meaning zero) as a flat list of leaves,
    each checked against its argument's structure and shape as JAX does."""
    if not isinstance(result, (tuple, list)) or len(result) != len(diff_args):
        raise CustomRuleError(
            f"{name}: bwd must return a tuple with one cotangent per differentiable argument "
            f"({len(diff_args)}), but it returned {type(result).__name__}"
            f"{' of length ' + str(len(result)) if isinstance(result, (tuple, list)) else ''}.")
    flat = []
    for k, (ct, arg) in enumerate(zip(result, diff_args)):
        arg_leaves, arg_tree = tree_flatten(arg)
        if ct is None:
            flat.extend([None] * len(arg_leaves))
            continue
        ct_leaves, ct_tree = tree_flatten(ct, is_leaf=lambda x: x is None)
        if len(ct_leaves) != len(arg_leaves):
            raise CustomRuleError(
                f"{name}: bwd's cotangent for argument {k} has structure {ct_tree}, but the "
                f"argument has {arg_tree}{where()}. Return cotangents shaped like the arguments.")
        for c, a in zip(ct_leaves, arg_leaves):
            if c is not None and not _is_float0(c) and tuple(shape_of(c)) != tuple(shape_of(a)):
                raise CustomRuleShapeError(
                    f"{name}: bwd's cotangent for argument {k} has shape {tuple(shape_of(c))}, "
                    f"but the argument has shape {tuple(shape_of(a))}{where()}. Each cotangent "
                    "must have its argument's shape.")
        flat.extend(None if c is None or _is_float0(c) else c for c in ct_leaves)
    return flat


def _is_float0(x):
    return getattr(x, "dtype", None) == _FLOAT0


_FLOAT0 = np.dtype([("float0", np.void, 0)])


# -- custom_vjp -------------------------------------------------------------------------------

def _custom_vjp_impl(*leaves, fwd, bwd):
    return fwd(*leaves)


def _custom_vjp_rule(k):
    def rule(g, ans, *inputs, fwd, bwd):
        num_out = fwd.trees["out"].num_leaves
        cts = bwd.memo.get((g, ans), lambda: _custom_vjp_cotangents(g, ans, inputs, fwd, bwd))
        return cts[k]
    return rule


def _custom_vjp_cotangents(g, ans, inputs, fwd, bwd):
    num_out = fwd.trees["out"].num_leaves
    cts = list(bwd(*ans[num_out:], *g[:num_out]))
    residual_g = g[num_out:]
    if not all(_is_zero(r) for r in residual_g):
        # an outer derivative flows through the residuals: fwd is differentiated as ordinary code
        extra = input_cotangents(lambda *xs: fwd(*xs)[num_out:], inputs, residual_g)
        cts = [a if b is None else b if a is None else a + b for a, b in zip(cts, extra)]
    return cts


def _is_zero(x):
    return isinstance(x, (np.ndarray, np.generic)) and not np.any(x)


def _custom_vjp_forward(k):
    # JAX's rule: a custom_vjp has no forward-mode rule, and differentiating fwd instead could
    # silently disagree with bwd (a straight-through estimator, a clipped gradient)
    def rule(t, ans, *inputs, fwd, bwd):
        raise CustomRuleError(
            f"can't apply forward-mode autodiff (jvp, jacfwd, linearize) to a custom_vjp function "
            f"({fwd.user_name}){where()}. Use reverse mode (grad, vjp, jacrev) for it, or define "
            "it with funcgrad.custom_jvp, whose rule serves both modes. hessian works: it is "
            "forward-over-reverse, and differentiates fwd and bwd as ordinary code.")
    return rule


def _custom_vjp_batch(values, dims, fwd, bwd):
    from funcgrad.transforms.vmap import vmap
    moved = all_at_front(values, dims)
    fwd_b = _named(vmap(fwd), fwd.user_name)
    fwd_b.trees = fwd.trees
    bwd_b = vmap(bwd)
    bwd_b.memo = Once()
    return custom_vjp_call.bind(*moved, fwd=fwd_b, bwd=bwd_b), 0


custom_vjp_call = Primitive(
    "custom_vjp_call", _custom_vjp_impl, shape=by_evaluation(_custom_vjp_impl),
    vjp=PerInputRules(_custom_vjp_rule), jvp=PerInputRules(_custom_vjp_forward),
    batch=_custom_vjp_batch, multiple_results=True, family="custom", inline_below=True,
    doc="A function with a user-given reverse rule; outputs are its results then its residuals.")


def _named(fun, name):
    fun.user_name = name
    return fun


class _FunctionWithRule:
    """What custom_vjp and custom_jvp share: the wrapped function, its signature (keyword
    arguments are moved into position, as JAX does) and the arguments it does not differentiate."""

    kind = ""
    __name__: str  # the wrapped function's, and its other attributes (functools.update_wrapper)

    if TYPE_CHECKING:  # each subclass defines its call
        def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.signature = signature_of(fun)
        self.nondiff_argnums = tuple(nondiff_argnums)

    def _split_call(self, rule, define, args, kwargs):
        """(args, nondiff, diff, nums, leaves, in_tree) of a call, once the rule is defined."""
        if rule is None:
            raise CustomRuleError(f"{self.kind} function {self.__name__} was called before "
                                  f"{define}{where()}. Define its rule first.")
        args = resolve_kwargs(self.signature, args, kwargs, f"{self.kind} {self.__name__}")
        nondiff, diff, nums = split_nondiff(args, self.nondiff_argnums, self.kind)
        leaves, in_tree = tree_flatten(diff)
        return args, nondiff, diff, nums, leaves, in_tree


class custom_vjp(_FunctionWithRule):  # noqa: N801 - the decorator's name, as in JAX
    """A function whose reverse-mode derivative is given by the user.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> @fg.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def fwd(x):
    ...     return x, None
    >>> def bwd(residual, g):
    ...     return (fnp.clip(g, -1.0, 1.0),)
    >>> clip_gradient.defvjp(fwd, bwd)
    >>> float(fg.grad(lambda x: 10.0 * clip_gradient(x))(2.0))
    1.0
    """

    kind = "custom_vjp"

    def __init__(self, fun, nondiff_argnums=()):
        super().__init__(fun, nondiff_argnums)
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None
        self.in_fwd = 0  # calls of the function from inside its own fwd compute the primal

    def defvjp(self, fwd, bwd, symbolic_zeros=False, optimize_remat=False):
        """fwd(*args) -> (output, residuals); bwd(*nondiff_args, residuals, output_cotangent) ->
        a tuple with one cotangent per differentiable argument (None for zero).
        `symbolic_zeros=True` is not supported (zero cotangents arrive as zero arrays);
        `optimize_remat` is accepted and has no effect."""
        _refuse_symbolic_zeros(symbolic_zeros, "defvjp")
        self.fwd = fwd
        self.bwd = bwd

    def __call__(self, *args, **kwargs):
        args, nondiff, diff, nums, leaves, in_tree = self._split_call(
            self.fwd, "defvjp(fwd, bwd)", args, kwargs)
        if self.in_fwd or not any(isinstance(x, Tracer) for x in leaves):
            return self.fun(*args)
        trees = {}
        user_fwd, user_bwd, name = self.fwd, self.bwd, self.__name__
        assert user_fwd is not None and user_bwd is not None  # (_split_call checked)

        def fwd_flat(*flat):
            self.in_fwd += 1
            try:
                pair = user_fwd(*merge_nondiff(nondiff, tree_unflatten(in_tree, flat), nums))
            finally:
                self.in_fwd -= 1
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise CustomRuleError(
                    f"custom_vjp {name}: fwd must return a pair (output, residuals), but it "
                    f"returned {type(pair).__name__}{where()}.")
            out, residuals = pair
            out_leaves, trees["out"] = tree_flatten(out)
            res_leaves, trees["res"] = tree_flatten(residuals)
            return tuple(out_leaves) + tuple(res_leaves)

        def bwd_flat(*flat):
            num_res = trees["res"].num_leaves
            residuals = tree_unflatten(trees["res"], flat[:num_res])
            g = tree_unflatten(trees["out"], flat[num_res:])
            result = user_bwd(*nondiff, residuals, g)
            return flat_cotangents(result, diff, f"custom_vjp {name}")

        _named(fwd_flat, name)
        fwd_flat.trees = trees
        bwd_flat.memo = Once()
        outs = custom_vjp_call.bind(*leaves, fwd=fwd_flat, bwd=bwd_flat)
        return tree_unflatten(trees["out"], outs[:trees["out"].num_leaves])


# -- custom_jvp -------------------------------------------------------------------------------

def _custom_jvp_impl(*leaves, fun, jvp, num_in):
    return fun(*leaves)


def _custom_jvp_recorded(*leaves, fun, jvp, num_in):
    """Under a differentiating recording the rule alone runs, once: its primal outputs are the
    answer, and its tangent outputs, recorded on traced tangents, are kept as a linear trace that
    the forward and reverse rules replay (JAX calls only the rule too; `fun` is not run)."""
    return jvp.memo.get(leaves, lambda: _linearize_rule(jvp, leaves)).primal


class _LinearizedRule:
    """The user's rule at fixed primals: its primal outputs and the trace of t -> tangent out."""

    __slots__ = ("primal", "trace", "num_out")

    def __init__(self, primal, trace):
        self.primal = primal
        self.trace = trace
        self.num_out = len(primal)

    def tangent(self, k, t, num_in):
        from funcgrad.transforms.forward import forward_pass
        seeds = [t if i == k else None for i in range(num_in)]
        outs = forward_pass(self.trace, seeds)[self.num_out:]
        return tuple(zeros_of(o) if t_out is None else t_out for t_out, o in zip(outs, self.primal))

    def cotangent(self, k, g):
        from funcgrad.transforms.reverse import backward_pass
        return backward_pass(self.trace, [None] * self.num_out + list(g))[k]


def _linearize_rule(jvp, leaves):
    from funcgrad.core.recorder import recording
    with recording("custom_jvp") as recorder:
        tangents = [recorder.new_input(zeros_of(x)) for x in leaves]
        outs = jvp(*leaves, *tangents)
        trace = recorder.finish(outs)
    n = len(outs) // 2
    primal = tuple(value_of_primal(o, recorder) for o in outs[:n])
    return _LinearizedRule(primal, trace)


def value_of_primal(x, recorder):
    """A primal output of the rule, which must not depend on the tangents."""
    if isinstance(x, Tracer) and x._owner is recorder:
        raise CustomRuleError(
            f"custom_jvp: the rule's primal output depends on the tangents{where()}; the first "
            "output of the rule must be computed from the primals alone.")
    return x


def _linearized(inputs, jvp):
    return jvp.memo.get(inputs, lambda: _linearize_rule(jvp, inputs))


def _custom_jvp_forward(k):
    def rule(t, ans, *inputs, fun, jvp, num_in):
        return _linearized(inputs, jvp).tangent(k, t, num_in)
    return rule


def _custom_jvp_reverse(k):
    # the rule is linear in the tangents: the reverse replay of its trace gives cotangents
    def rule(g, ans, *inputs, fun, jvp, num_in):
        if not is_float(inputs[k]):
            return None
        return _linearized(inputs, jvp).cotangent(k, g)
    return rule


def _custom_jvp_batch(values, dims, fun, jvp, num_in):
    from funcgrad.transforms.vmap import vmap
    moved = all_at_front(values, dims)
    jvp_b = vmap(jvp)
    jvp_b.memo = Once()
    return custom_jvp_call.bind(*moved, fun=vmap(fun), jvp=jvp_b, num_in=num_in), 0


custom_jvp_call = Primitive(
    "custom_jvp_call", _custom_jvp_impl, shape=by_evaluation(_custom_jvp_impl),
    vjp=PerInputRules(_custom_jvp_reverse), jvp=PerInputRules(_custom_jvp_forward),
    batch=_custom_jvp_batch, multiple_results=True, family="custom",
    recorded_impl=_custom_jvp_recorded, doc="A function with a user-given forward rule.")


class custom_jvp(_FunctionWithRule):  # noqa: N801
    """A function whose forward-mode derivative is given by the user (reverse mode follows).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> @fg.custom_jvp
    ... def log1pexp(x):
    ...     return fnp.log1p(fnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return log1pexp(x), t * (1 - 1 / (1 + fnp.exp(x)))
    >>> float(fg.grad(log1pexp)(50.0))
    1.0
    """

    kind = "custom_jvp"

    def __init__(self, fun, nondiff_argnums=()):
        super().__init__(fun, nondiff_argnums)
        self.jvp_rule: Callable[..., Any] | None = None

    def defjvp(self, jvp, symbolic_zeros=False):
        """jvp(*nondiff_args, primals, tangents) -> (output, output_tangent); zero tangents
        arrive as zero arrays (`symbolic_zeros=True` is not supported)."""
        _refuse_symbolic_zeros(symbolic_zeros, "defjvp")
        self.jvp_rule = jvp
        return jvp

    def defjvps(self, *jvps):
        """One rule per argument, `jvp_i(tangent_i, primal_out, *primals) -> its contribution to
        the output tangent` (None: the argument does not change the output)."""
        if self.nondiff_argnums:
            raise CustomRuleError(f"custom_jvp {self.__name__}: defjvps does not combine with "
                                  "nondiff_argnums; use defjvp.")

        def rule(primals, tangents):
            out = self(*primals)
            total = None
            for jvp_i, t in zip(jvps, tangents):
                if jvp_i is None:
                    continue
                term = jvp_i(t, out, *primals)
                total = term if total is None else total + term
            return out, (zeros_of(out) if total is None else total)
        self.jvp_rule = rule

    def __call__(self, *args, **kwargs):
        args, nondiff, diff, nums, leaves, in_tree = self._split_call(
            self.jvp_rule, "defjvp", args, kwargs)
        if not any(isinstance(x, Tracer) for x in leaves):
            return self.fun(*args)
        n = len(leaves)
        trees = {}
        user_fun, user_jvp = self.fun, self.jvp_rule
        assert user_jvp is not None  # (_split_call checked)

        def fun_flat(*flat):
            out = user_fun(*merge_nondiff(nondiff, tree_unflatten(in_tree, flat), nums))
            out_leaves, trees["out"] = tree_flatten(out)
            return tuple(out_leaves)

        def jvp_flat(*flat):
            primals = tree_unflatten(in_tree, flat[:n])
            tangents = tree_unflatten(in_tree, flat[n:])
            pair = user_jvp(*nondiff, primals, tangents)
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise CustomRuleError(
                    f"custom_jvp {self.__name__}: the rule must return a pair (primal output, "
                    f"tangent output), but it returned {type(pair).__name__}{where()}.")
            out, out_t = pair
            out_leaves, trees["out"] = tree_flatten(out)
            t_leaves = tree_flatten(out_t)[0]
            if len(t_leaves) != len(out_leaves):
                raise CustomRuleError(
                    f"custom_jvp {self.__name__}: the rule returned {len(out_leaves)} output leaves "
                    f"but {len(t_leaves)} tangent leaves; the tangent must have the output's structure.")
            return tuple(out_leaves) + tuple(
                zeros_of(o) if t is None else t for o, t in zip(out_leaves, t_leaves))

        jvp_flat.memo = Once()
        outs = custom_jvp_call.bind(*leaves, fun=fun_flat, jvp=jvp_flat, num_in=n)
        return tree_unflatten(trees["out"], outs)


# -- custom_gradient ---------------------------------------------------------------------------

def custom_gradient(fun):
    """`fun(*args) -> (output, pullback)`, where pullback(g) returns the cotangents of args,
    as a function with that reverse-mode rule (JAX's custom_gradient, on top of custom_vjp).

    The residuals are the arguments: the reverse pass calls `fun` again to get the pullback,
    which keeps every value it closes over inside the transform that made it (vmap included).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> @fg.custom_gradient
    ... def f(x):
    ...     return fnp.sin(x), lambda g: (g * 10.0,)
    >>> float(fg.grad(f)(0.0))
    10.0
    """
    @custom_vjp
    def wrapped(*args):
        return fun(*args)[0]

    def fwd(*args):
        return fun(*args)[0], args

    def bwd(args, g):
        cotangents = fun(*args)[1](g)
        return tuple(cotangents) if isinstance(cotangents, (tuple, list)) else (cotangents,)
    wrapped.defvjp(fwd, bwd)
    functools.update_wrapper(wrapped, fun)
    return wrapped


__all__ = ["custom_vjp", "custom_jvp", "custom_gradient", "CustomRuleError",
           "CustomRuleShapeError", "Once", "all_at_front"]
