"""funcgrad against JAX, program by program: vmap (specs, named axes and collectives), custom_jvp,
custom_vjp, custom_gradient, eval_shape and checkpoint (JAX-free versions: test_vmap.py,
test_custom.py, test_checkpoint.py)."""
import functools

import numpy as np
import pytest

jax = pytest.importorskip("jax")

from tests.transforms._jax_oracle import (  # noqa: E402
    ERRORS, Point, X, cases, check, x32, x64)  # x64: the fixture


def _psum_center(A):
    return A.vmap(lambda x: x - A.lax.pmean(x, "i"), axis_name="i")


VMAP = {
    "negative in_axes": lambda A: A.vmap(lambda x: x * 2, in_axes=-1)(X),
    "negative out_axes": lambda A: A.vmap(lambda x: A.np.outer(x, x), out_axes=-1)(X),
    "out_axes 1": lambda A: A.vmap(lambda x: x * 2, out_axes=1)(X),
    "in_axes list": lambda A: A.vmap(lambda x, y: x * y, in_axes=[0, None])(X, np.ones(3)),
    "dict prefix": lambda A: A.vmap(lambda d: d["a"] * d["b"], in_axes=({"a": 0, "b": None},))(
        {"a": X, "b": np.ones(3)}),
    "nested tuple spec": lambda A: A.vmap(lambda t: t[0] * t[1], in_axes=((0, 1),))((X, X.T)),
    "out_axes None constant": lambda A: A.vmap(lambda x: 1.0, out_axes=None)(X),
    "python constant": lambda A: A.vmap(lambda x: 1.0)(X),
    "numpy constant": lambda A: A.vmap(lambda x: np.ones(2))(X),
    "integer constant": lambda A: A.vmap(lambda x: 3)(X),
    "None output": lambda A: A.vmap(lambda x: (x * 1.0, None))(X),
    "all None with axis_size": lambda A: A.vmap(lambda x: x, in_axes=None, axis_size=3)(X),
    "out_axes tuple": lambda A: A.vmap(lambda x: (x * 1.0, x * 1.0), out_axes=(0, 1))(X),
    "keyword arguments": lambda A: A.vmap(lambda x, y: x * y)(X, y=X),
    "keyword arguments with in_axes": lambda A: A.vmap(lambda x, y: x * y, in_axes=(1,))(X.T, y=X),
    "nested": lambda A: A.vmap(A.vmap(lambda x, y: x * y, (None, 0)), (0, None))(
        np.ones(2), np.arange(3.0)),
    "float32": lambda A: A.vmap(lambda x: x * 2.0)(x32),
    "integers": lambda A: A.vmap(lambda x: x * 2)(np.arange(3)),
    "None argument": lambda A: A.vmap(lambda x, y: x * 1.0)(X, None),
    "empty batch": lambda A: A.vmap(lambda x: x * 2)(np.ones((0, 3))),
    "of grad": lambda A: A.vmap(A.grad(lambda x: A.np.sum(x ** 2)))(X),
    "namedtuple output": lambda A: A.vmap(lambda x: Point(x * 1.0, x * 2))(np.ones(2)),
    "boolean input": lambda A: A.vmap(lambda b: A.np.where(b, 1.0, 2.0))(np.array([True, False])),
    "scalar output out_axes -1": lambda A: A.vmap(lambda x: x.sum(), out_axes=-1)(X),
    "spmd_axis_name": lambda A: A.vmap(lambda x: x * 2, spmd_axis_name="s")(np.arange(3.0)),
    "pmean": lambda A: _psum_center(A)(X),
    "psum constant": lambda A: A.vmap(lambda x: A.lax.psum(1.0, "i"), axis_name="i")(X),
    "psum pytree": lambda A: A.vmap(lambda x: A.lax.psum((x, 2 * x), "i"), axis_name="i")(X),
    "axis_index": lambda A: A.vmap(lambda x: x * A.lax.axis_index("i"), axis_name="i")(np.ones(3)),
    "all_gather": lambda A: A.vmap(lambda x: A.lax.all_gather(x, "i"), axis_name="i")(X),
    "all_gather tiled axis 1": lambda A: A.vmap(
        lambda x: A.lax.all_gather(x, "i", axis=1, tiled=True), axis_name="i")(X.reshape(2, 1, 3)),
    "all_gather axis out of range": lambda A: A.vmap(
        lambda x: A.lax.all_gather(x, "i", axis=1, tiled=True), axis_name="i")(X),
    "pmax pmin": lambda A: A.vmap(lambda x: (A.lax.pmax(x, "i"), A.lax.pmin(x, "i")),
                                  axis_name="i")(X),
    "psum of outer axis": lambda A: A.vmap(A.vmap(lambda x: A.lax.psum(x, "i"), axis_name="j"),
                                           axis_name="i")(X),
    "psum of both axes": lambda A: A.vmap(A.vmap(lambda x: A.lax.psum(x, ("i", "j")),
                                                 axis_name="j"), axis_name="i")(X),
    "grad inside named vmap": lambda A: A.vmap(A.grad(lambda x: A.lax.psum(x ** 2, "i")),
                                               axis_name="i")(np.arange(3.0)),
    "grad of named vmap": lambda A: A.grad(lambda x: A.np.sum(A.vmap(
        lambda x: A.lax.psum(x ** 2, "i"), axis_name="i")(x)))(np.arange(3.0)),
    "jvp of named vmap": lambda A: A.jvp(A.vmap(lambda x: A.lax.psum(x ** 2, "i"), axis_name="i"),
                                         (np.arange(3.0),), (np.ones(3),)),
    # errors
    "sizes differ": lambda A: A.vmap(lambda x, y: x + y)(np.ones(2), np.ones(3)),
    "axis out of range": lambda A: A.vmap(lambda x: x, in_axes=2)(X),
    "scalar argument": lambda A: A.vmap(lambda x: x)(1.0),
    "list argument of scalars": lambda A: A.vmap(lambda x: x * 2)([1.0, 2.0]),
    "in_axes length": lambda A: A.vmap(lambda x, y: x, in_axes=(0, 0, 0))(X, X),
    "in_axes float": lambda A: A.vmap(lambda x: x, in_axes=0.5)(X),
    "in_axes string": lambda A: A.vmap(lambda x: x, in_axes="a")(X),
    "every in_axes None": lambda A: A.vmap(lambda x: x, in_axes=None)(X),
    "axis_size disagrees": lambda A: A.vmap(lambda x: x, axis_size=3)(X),
    "out_axes None of batched": lambda A: A.vmap(lambda x: x, out_axes=None)(X),
    "out_axes out of range": lambda A: A.vmap(lambda x: x, out_axes=3)(X),
    "out_axes structure": lambda A: A.vmap(lambda x: (x, x), out_axes=(0, 1, 0))(X),
    "dict spec missing a key": lambda A: A.vmap(lambda d: d["a"], in_axes=({"a": 0},))(
        {"a": X, "b": np.ones(3)}),
    "list spec for tuple": lambda A: A.vmap(lambda t: t[0] * t[1], in_axes=([0, 1],))((X, X.T)),
    "python control flow": lambda A: A.vmap(lambda x: x if x.sum() > 0 else -x)(X),
    "unbound axis name": lambda A: A.lax.psum(1.0, "i"),
    "dict in_axes for all arguments": lambda A: A.vmap(lambda d: d["a"], in_axes={"a": 0})(
        {"a": np.ones((2, 2))}),
    "boolean in_axes": lambda A: A.vmap(lambda x: x, in_axes=True)(np.ones(2)),
    "list out_axes for tuple": lambda A: A.vmap(lambda x: (x, x), out_axes=[0, 0])(np.ones(2)),
    "not a function": lambda A: A.vmap(3),
    "no arguments and no axis_size": lambda A: A.vmap(lambda: 1.0)(),
    "axis_size only": lambda A: A.vmap(lambda: 1.0, axis_size=3)(),
    "list output": lambda A: A.vmap(lambda x: [x * 1.0, x * 2.0], out_axes=[0, 0])(np.ones(2)),
}


def _cjvp(A):
    @A.custom_jvp
    def f(x, y=2.0):
        return A.np.sin(x) * y

    @f.defjvp
    def f_jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return f(x, y), A.np.cos(x) * tx * y + A.np.sin(x) * ty
    return f


def _cvjp(A):
    @A.custom_vjp
    def f(x, y):
        return A.np.sin(x) * y

    def fwd(x, y):
        return f(x, y), (A.np.cos(x), A.np.sin(x), y)

    def bwd(res, g):
        c, s, y = res
        return c * g * y, s * g
    f.defvjp(fwd, bwd)
    return f


def _cvjp_bwd(A, bwd, x):
    @A.custom_vjp
    def f(x):
        return x * 2
    f.defvjp(lambda x: (x * 2, x), bwd)
    return A.grad(lambda x: A.np.sum(f(x)))(x)


def _defjvps(A):
    @A.custom_jvp
    def f(x, y):
        return x * y
    f.defjvps(lambda tx, ans, x, y: tx * y * 10, lambda ty, ans, x, y: ty * x)
    return A.grad(f, argnums=(0, 1))(2.0, 3.0)


def _nondiff(A):
    @functools.partial(A.custom_jvp, nondiff_argnums=(0,))
    def apply(f, x):
        return f(x)

    @apply.defjvp
    def apply_jvp(f, primals, tangents):
        return apply(f, primals[0]), 2 * tangents[0]
    return A.grad(lambda x: apply(A.np.sin, x))(1.0)


def _cgrad(A):
    @A.custom_gradient
    def f(x, y):
        return A.np.sin(x) * y, lambda g: (g * A.np.cos(x) * 10, g * 3.0)
    return f


def _shapes(tree):
    return [(tuple(s.shape), str(np.dtype(s.dtype))) for s in jax.tree_util.tree_leaves(
        tree, is_leaf=lambda v: hasattr(v, "shape") and hasattr(v, "dtype"))]


def _cjvp_rule(A, rule):
    @A.custom_jvp
    def f(x):
        return x * 2
    f.defjvp(rule)
    return A.jvp(f, (1.0,), (1.0,))


CUSTOM = {
    "custom_jvp grad": lambda A: A.grad(_cjvp(A), argnums=(0, 1))(1.0, 2.0),
    "custom_jvp jvp": lambda A: A.jvp(_cjvp(A), (1.0, 2.0), (1.0, 0.0)),
    "custom_jvp vmap": lambda A: A.vmap(_cjvp(A))(np.ones(3), np.ones(3)),
    "custom_jvp keyword": lambda A: A.grad(lambda x: _cjvp(A)(x, y=3.0))(1.0),
    "custom_jvp default": lambda A: A.grad(lambda x: _cjvp(A)(x))(1.0),
    "custom_jvp plain call": lambda A: _cjvp(A)(1.0, 2.0),
    "defjvps": _defjvps,
    "nondiff_argnums": _nondiff,
    "custom_vjp grad": lambda A: A.grad(_cvjp(A), argnums=(0, 1))(1.0, 2.0),
    "custom_vjp vmap of grad": lambda A: A.vmap(A.grad(_cvjp(A)))(np.ones(3), np.ones(3)),
    "custom_vjp keyword": lambda A: A.grad(lambda x: _cvjp(A)(x, y=3.0))(1.0),
    "custom_vjp bwd None": lambda A: _cvjp_bwd(A, lambda res, g: (None,), np.ones(3)),
    "custom_vjp jvp": lambda A: A.jvp(_cvjp(A), (1.0, 2.0), (1.0, 0.0)),
    "custom_vjp bwd length": lambda A: _cvjp_bwd(A, lambda res, g: (g, g), np.ones(3)),
    "custom_vjp bwd shape": lambda A: _cvjp_bwd(A, lambda res, g: (np.ones(5),), np.ones(3)),
    "custom_jvp rule not a pair": lambda A: _cjvp_rule(A, lambda p, t: p[0] * 2),
    "custom_vjp bwd not a tuple": lambda A: _cvjp_bwd(A, lambda res, g: g, np.ones(3)),
    "custom_jvp tangent structure": lambda A: _cjvp_rule(A, lambda p, t: (p[0] * 2, (t[0], t[0]))),
    "custom_gradient": lambda A: A.grad(_cgrad(A), argnums=(0, 1))(0.5, 2.0),
    "custom_gradient vmap of grad": lambda A: A.vmap(A.grad(_cgrad(A)))(np.ones(2), np.ones(2)),
    "custom_gradient grad of vmap": lambda A: A.grad(lambda x: A.np.sum(A.vmap(_cgrad(A))(
        x, np.ones(2))))(np.array([0.5, 1.0])),
    "eval_shape": lambda A: _shapes(A.eval_shape(
        lambda x, y: (x @ y, {"s": x.sum()}), A.ShapeDtypeStruct((3, 2), np.float32), np.ones((2, 4)))),
    "linear_transpose of ShapeDtypeStruct": lambda A: A.linear_transpose(
        lambda x: 2 * x, A.ShapeDtypeStruct((2,), np.float32))(np.ones(2, np.float32)),
    "defjvp symbolic_zeros False": lambda A: _cjvp_rule(A, lambda p, t: (p[0] * 2, t[0] * 2)),
    "checkpoint grad": lambda A: A.grad(A.checkpoint(lambda x: A.np.sin(A.np.sin(x))))(1.0),
    "checkpoint jvp": lambda A: A.jvp(A.checkpoint(A.np.sin), (1.0,), (1.0,)),
    "checkpoint vmap of grad": lambda A: A.vmap(A.grad(A.checkpoint(A.np.sin)))(np.ones(2)),
    "checkpoint static_argnums": lambda A: A.grad(A.checkpoint(lambda x, n: x ** n,
                                                               static_argnums=(1,)))(2.0, 3),
    "checkpoint keyword": lambda A: A.grad(lambda x: A.checkpoint(lambda x, y: x * y)(x, y=3.0))(2.0),
    "checkpoint policy": lambda A: A.grad(functools.partial(
        A.checkpoint, policy=A.policies.nothing_saveable)(A.np.sin))(1.0),
    "remat pytree output": lambda A: A.grad(lambda x: A.remat(lambda x: {"a": x * 2, "b": (x,)})(
        x)["a"])(1.0),
}


@cases(VMAP)
def test_vmap(name, prog):
    check(prog, name in ERRORS)


@cases(CUSTOM)
def test_custom_rules_and_checkpoint(name, prog):
    check(prog, name in ERRORS)
