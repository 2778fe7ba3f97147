"""funcgrad's transforms against JAX's: the same program runs through both, and the results must
agree in values, shapes, dtypes and pytree structure, or both must raise (funcgrad's exception a
subclass of the builtin class JAX raises: TypeError, ValueError, NameError).

Each case is a function of an API namespace `A` (A.grad, A.vmap, A.np, A.lax, A.tu...), built
once for JAX and once for funcgrad. Where funcgrad deliberately does more than JAX, the test at
the end says so. JAX-free versions of these checks, with values written out, live in
test_jax_conventions.py, test_lax.py, test_vmap.py, test_custom.py, test_checkpoint.py and
tests/test_tree_util.py (CI has no JAX).
"""
import dataclasses
import functools
from collections import OrderedDict, defaultdict, namedtuple
from types import SimpleNamespace

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")


@pytest.fixture(scope="module", autouse=True)
def x64():
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", previous)


def _api(lib, np_, lax, tu, float0, checkpoint_policies):
    return SimpleNamespace(
        grad=lib.grad, value_and_grad=lib.value_and_grad, vjp=lib.vjp, jvp=lib.jvp,
        jacrev=lib.jacrev, jacfwd=lib.jacfwd, hessian=lib.hessian, vmap=lib.vmap,
        linearize=lib.linearize, linear_transpose=lib.linear_transpose,
        checkpoint=lib.checkpoint, remat=lib.remat, custom_jvp=lib.custom_jvp,
        custom_vjp=lib.custom_vjp, custom_gradient=lib.custom_gradient,
        eval_shape=lib.eval_shape, ShapeDtypeStruct=lib.ShapeDtypeStruct, stop_gradient=lax.stop_gradient, np=np_, lax=lax, tu=tu,
        float0=float0, policies=checkpoint_policies, name="jax" if lib is jax else "funcgrad")


J = None
F = _api(fg, fnp, fg.lax, fg.tree_util, fg.float0, fg.checkpoint_policies)


def _jax_api():
    global J
    if J is None:
        J = _api(jax, jnp, jax.lax, jax.tree_util, jax.dtypes.float0, jax.checkpoint_policies)
    return J


# -- comparing results -------------------------------------------------------------------------

def _skeleton(x):
    """x with containers kept (their exact types) and each leaf replaced by (shape, dtype)."""
    if x is None:
        return None
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return (type(x).__name__,) + tuple(_skeleton(v) for v in x)
    if isinstance(x, (tuple, list)):
        return type(x)(_skeleton(v) for v in x)
    if isinstance(x, dict):
        return (type(x).__name__, [(k, _skeleton(v)) for k, v in x.items()])
    if isinstance(x, (str, bytes, type)) or callable(x):
        return x if not callable(x) else "callable"
    a = np.asarray(x)
    return (a.shape, str(a.dtype))


def _leaves(x):
    if x is None:
        return []
    if isinstance(x, (tuple, list)):
        return [leaf for v in x for leaf in _leaves(v)]
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in _leaves(v)]
    if isinstance(x, (str, bytes, type)) or callable(x):
        return []
    return [np.asarray(x)]


def _same(ours, theirs):
    assert _skeleton(ours) == _skeleton(theirs), (ours, theirs)
    for a, b in zip(_leaves(ours), _leaves(theirs)):
        if a.dtype.kind == "V":  # float0 has no values
            continue
        tol = 1e-5 if a.dtype in (np.float32, np.complex64) else 1e-10
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _builtin_base(error):
    for base in (NameError, IndexError, KeyError, NotImplementedError, TypeError, ValueError):
        if isinstance(error, base):
            return base
    return Exception


def check(prog, expect_error=False):
    """Run prog through JAX and funcgrad; same result, or both raise the same builtin class.
    `expect_error` guards the case itself: JAX must raise exactly for the error cases."""
    try:
        theirs, their_error = prog(_jax_api()), None
    except Exception as e:  # noqa: BLE001
        theirs, their_error = None, e
    assert (their_error is not None) == expect_error, their_error
    if their_error is None:
        _same(prog(F), theirs)
        return
    with pytest.raises(_builtin_base(their_error)):
        prog(F)


# -- cases: name -> program of an API namespace -------------------------------------------------

x32 = np.array([1.0, 2.0, 3.0], np.float32)
X = np.arange(6.0).reshape(2, 3)
Point = namedtuple("Point", "x y")


def _sumsin(A):
    return lambda x: A.np.sum(A.np.sin(x))


GRAD = {
    "python float": lambda A: A.grad(A.np.sin)(1.0),
    "float32 array": lambda A: A.grad(_sumsin(A))(x32),
    "np.float32 scalar": lambda A: A.grad(lambda x: x * x)(np.float32(2)),
    "argnums tuple": lambda A: A.grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 3.0),
    "argnums negative": lambda A: A.grad(lambda x, y: x * y, argnums=-1)(2.0, 3.0),
    "argnums list": lambda A: A.grad(lambda x, y: x * y, argnums=[0, 1])(2.0, 3.0),
    "has_aux": lambda A: A.grad(lambda x: (x * x, {"a": x}), has_aux=True)(2.0),
    "has_aux list": lambda A: A.grad(lambda x: [x * x, x], has_aux=True)(2.0),
    "dict argument": lambda A: A.grad(lambda d: d["a"] * d["b"])({"b": 2.0, "a": 3.0}),
    "list argument": lambda A: A.grad(lambda d: d[0] * d[1])([2.0, 3.0]),
    "None in argument": lambda A: A.grad(lambda d: d[0] * 2)((2.0, None)),
    "namedtuple argument": lambda A: A.grad(lambda p: p.x * p.y)(Point(2.0, 3.0)),
    "complex not holomorphic": lambda A: A.grad(lambda z: A.np.abs(z) ** 2)(1 + 1j),
    "holomorphic": lambda A: A.grad(lambda z: z ** 2, holomorphic=True)(1 + 1j),
    "allow_int": lambda A: A.grad(lambda x, y: x * y, argnums=(0, 1), allow_int=True)(2.0, 3),
    "keyword arguments": lambda A: A.grad(lambda x, y=2.0: x * y)(3.0, y=4.0),
    "constant output": lambda A: A.grad(lambda x: 1.0)(2.0),
    "integer argument not differentiated": lambda A: A.grad(lambda x, n: x ** n)(2.0, 3),
    "float32 output of float64": lambda A: A.grad(lambda x: x.astype(np.float32))(1.0),
    "second order": lambda A: A.grad(A.grad(A.np.sin))(1.0),
    "value_and_grad": lambda A: A.value_and_grad(lambda x: x * x)(3.0),
    "value_and_grad float32": lambda A: A.value_and_grad(lambda x: (x * x).sum())(x32),
    "value_and_grad has_aux": lambda A: A.value_and_grad(lambda x: (x * x, 7), has_aux=True)(3.0),
    # errors
    "integer input": lambda A: A.grad(lambda x: x * 1.0)(1),
    "vector output": lambda A: A.grad(lambda x: x)(np.ones(2)),
    "one-element output": lambda A: A.grad(lambda x: x)(np.ones(1)),
    "integer output": lambda A: A.grad(lambda x: 1)(2.0),
    "boolean output": lambda A: A.grad(lambda x: x > 0)(1.0),
    "argnums out of range": lambda A: A.grad(lambda x, y: x * y, argnums=2)(2.0, 3.0),
    "no arguments": lambda A: A.grad(lambda: 1.0)(),
    "holomorphic of real input": lambda A: A.grad(lambda z: z ** 2, holomorphic=True)(1.0),
    "argnums twice": lambda A: A.grad(lambda x, y: x * y, argnums=(0, 0))(2.0, 3.0),
    "not a function": lambda A: A.grad(3),
    "string argument": lambda A: A.grad(lambda s: 1.0)("a"),
    "float32 promoted inside": lambda A: A.grad(lambda x: A.np.sum(x * np.ones(3)))(x32),
    "float16": lambda A: A.grad(lambda x: (x * x).sum())(np.ones(2, np.float16)),
    "complex64 holomorphic": lambda A: A.grad(lambda z: (z * z).sum(), holomorphic=True)(
        np.array([1 + 1j, 2 - 1j], np.complex64)),
    "complex inside a real function": lambda A: A.grad(
        lambda x: A.np.real(A.np.exp(1j * x)).sum())(x32),
    "boolean argument allow_int": lambda A: A.grad(lambda x, b: x * b, argnums=1, allow_int=True)(
        2.0, True),
}


def _vjp(A, f, *primals):
    out, pullback = A.vjp(f, *primals)
    return pullback


Z, Z_CT = np.array([1 + 2j, -0.5 + 1j]), np.array([1 - 1j, 2 + 0.5j])

VJP_JVP = {
    "vjp": lambda A: A.vjp(lambda x: x * 2, 3.0)[1](1.0),
    "vjp several outputs": lambda A: A.vjp(lambda x, y: (x * y, x), 3.0, 2.0)[1]((1.0, 1.0)),
    "vjp dict output": lambda A: A.vjp(lambda x: {"b": x, "a": 2 * x}, np.ones(2))[1](
        {"a": np.ones(2), "b": np.ones(2)}),
    "vjp has_aux": lambda A: A.vjp(lambda x: (x * 2, 5), 1.0, has_aux=True)[2],
    "vjp integer input": lambda A: _vjp(A, lambda x, n: x * n, np.ones(3), np.arange(3))(np.ones(3)),
    "vjp float32": lambda A: _vjp(A, lambda x: A.np.sin(x), x32)(np.ones(3, np.float32)),
    "vjp cotangent shape": lambda A: _vjp(A, lambda x: x * 2, np.ones(3))(np.ones(2)),
    "vjp cotangent structure": lambda A: _vjp(A, lambda x: (x, x), np.ones(3))(
        [np.ones(3), np.ones(3)]),
    "vjp complex cotangent for real output": lambda A: _vjp(A, lambda x: x * 2, np.ones(3))(
        np.ones(3, complex)),
    "jvp": lambda A: A.jvp(A.np.sin, (1.0,), (1.0,)),
    "jvp list primals": lambda A: A.jvp(A.np.sin, [1.0], [1.0]),
    "jvp float32": lambda A: A.jvp(A.np.sin, (x32,), (np.ones(3, np.float32),)),
    "jvp constant output": lambda A: A.jvp(lambda x: 2.0 * np.ones(2), (1.0,), (1.0,))[1],
    "jvp has_aux": lambda A: A.jvp(lambda x: (x * 2, 3), (1.0,), (1.0,), has_aux=True),
    "jvp integer primal float0 tangent": lambda A: A.jvp(
        lambda x, n: x * n, (2.0, np.int64(3)), (1.0, np.zeros((), A.float0))),
    "jvp integer output": lambda A: A.jvp(lambda x: (x * 2, x > 0), (1.0,), (1.0,)),
    "jvp pytree": lambda A: A.jvp(lambda d: d["a"] * d["b"], ({"a": 1.0, "b": 2.0},),
                                  ({"a": 1.0, "b": 0.5},)),
    "vjp complex": lambda A: _vjp(A, lambda z: A.np.sin(z) * A.np.conj(z), Z)(Z_CT),
    "jvp complex": lambda A: A.jvp(lambda z: A.np.sin(z) * A.np.conj(z), (Z,), (Z_CT,)),
    "vjp real to complex": lambda A: _vjp(A, lambda x: A.np.exp(1j * x), np.ones(2))(Z_CT),
    "vjp complex to real": lambda A: _vjp(A, A.np.abs, Z)(np.ones(2)),
    "hessian holomorphic": lambda A: A.hessian(lambda z: (z ** 3).sum(), holomorphic=True)(Z),
    "jvp tangent shape": lambda A: A.jvp(A.np.sin, (np.ones(3),), (np.ones(2),)),
    "jvp integer tangent": lambda A: A.jvp(lambda x: x * 2, (np.ones(3, int),), (np.zeros(3, int),)),
    "jvp tangent count": lambda A: A.jvp(A.np.sin, (1.0,), (1.0, 2.0)),
    "jvp not tuples": lambda A: A.jvp(A.np.sin, 1.0, 1.0),
    "jvp float64 tangent of float32": lambda A: A.jvp(A.np.sin, (x32,), (np.ones(3),)),
}

A_MAT = np.arange(6.0).reshape(2, 3)

JACOBIANS = {
    "jacrev": lambda A: A.jacrev(lambda x: A_MAT @ x)(np.ones(3)),
    "jacfwd float32": lambda A: A.jacfwd(lambda x: x * 2)(x32),
    "jacrev float32": lambda A: A.jacrev(lambda x: x * 2)(x32),
    "jacrev scalar": lambda A: A.jacrev(A.np.sin)(1.0),
    "jacfwd scalar": lambda A: A.jacfwd(A.np.sin)(1.0),
    "argnums tuple": lambda A: A.jacrev(lambda x, y: x * y, argnums=(0, 1))(np.ones(2), np.ones(2)),
    "dict output": lambda A: A.jacfwd(lambda x: {"b": x, "a": x * x})(np.ones(2)),
    "dict in and out": lambda A: A.jacrev(lambda d: [d["x"], d["y"] * 2])(
        {"x": 1.0, "y": np.ones(2)}),
    "has_aux": lambda A: A.jacrev(lambda x: (x * 2, x), has_aux=True)(np.ones(2)),
    "tuple output": lambda A: A.jacfwd(lambda x: (x, x[0]))(np.ones(2)),
    "constant output": lambda A: A.jacrev(lambda x: 3.0)(np.ones(2)),
    "hessian": lambda A: A.hessian(lambda x: A.np.sum(x ** 3))(np.ones(2)),
    "hessian argnums": lambda A: A.hessian(lambda x, y: A.np.sum(x ** 2 * y), argnums=(0, 1))(
        np.ones(2), 2.0),
    "hessian has_aux": lambda A: A.hessian(lambda x: (A.np.sum(x ** 3), 7), has_aux=True)(np.ones(2)),
    "hessian float32": lambda A: A.hessian(lambda x: A.np.sum(x ** 3))(x32),
    "jacrev integer input": lambda A: A.jacrev(lambda x: x * 2)(np.ones(2, int)),
    "jacfwd integer input": lambda A: A.jacfwd(lambda x: x * 2)(np.ones(2, int)),
    "linearize": lambda A: A.linearize(lambda x: x ** 2, 3.0)[1](1.0),
    "linearize float32": lambda A: A.linearize(lambda x: x ** 2, np.float32(3))[1](np.float32(1)),
    "linearize several": lambda A: A.linearize(lambda x, y: (x * y, x), 3.0, 2.0)[1](1.0, 1.0),
    "linearize tangent shape": lambda A: A.linearize(lambda x: x ** 2, np.ones(3))[1](np.ones(2)),
    "linearize tangent count": lambda A: A.linearize(lambda x: x ** 2, np.ones(3))[1](
        np.ones(3), np.ones(3)),
    "linear_transpose": lambda A: A.linear_transpose(lambda x: 2 * x, 1.0)(3.0),
    "linear_transpose several": lambda A: A.linear_transpose(lambda x, y: x + 2 * y, 1.0, 1.0)(3.0),
    "linear_transpose float32": lambda A: A.linear_transpose(lambda x: 2 * x, np.zeros(2, np.float32))(
        np.ones(2, np.float32)),
    "linear_transpose integer": lambda A: A.linear_transpose(lambda x: 2 * x, 1)(3),
    "stop_gradient": lambda A: A.grad(lambda x: x * A.stop_gradient(x))(3.0),
    "stop_gradient jvp": lambda A: A.jvp(lambda x: A.stop_gradient(x) * x, (2.0,), (1.0,)),
    "stop_gradient pytree": lambda A: A.stop_gradient({"a": np.float64(1.0), "b": (np.ones(2),)}),
    "stop_gradient integers": lambda A: A.stop_gradient(np.ones(2, int)),
}


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


def _scan(A, f, init, xs, **kw):
    return A.lax.scan(f, init, xs, **kw)


LAX = {
    "cond": lambda A: A.lax.cond(True, lambda x: x + 1, lambda x: x - 1, 1.0),
    "cond numpy bool": lambda A: A.lax.cond(np.bool_(False), lambda x: x + 1, lambda x: x - 1, 1.0),
    "cond integer predicate": lambda A: A.lax.cond(2, lambda x: x + 1, lambda x: x - 1, 1.0),
    "cond float predicate": lambda A: A.lax.cond(1.0, lambda x: x + 1, lambda x: x - 1, 1.0),
    "cond no operands": lambda A: A.lax.cond(True, lambda: 1.0, lambda: 2.0),
    "cond two operands": lambda A: A.lax.cond(False, lambda a, b: a + b, lambda a, b: a - b, 1.0, 2.0),
    "cond grad": lambda A: A.grad(lambda x: A.lax.cond(x > 0, A.np.sin, A.np.cos, x))(1.0),
    "cond vmap": lambda A: A.vmap(lambda x: A.lax.cond(x > 0, A.np.sin, A.np.cos, x))(
        np.array([-1.0, 1.0])),
    "switch clamps high": lambda A: A.lax.switch(5, [lambda x: x, lambda x: 2 * x], 3.0),
    "switch clamps low": lambda A: A.lax.switch(-3, [lambda x: x, lambda x: 2 * x], 3.0),
    "switch numpy int32": lambda A: A.lax.switch(np.int32(1), [lambda: 1.0, lambda: 2.0]),
    "switch vmap": lambda A: A.vmap(lambda i, x: A.lax.switch(
        i, [lambda x: x, lambda x: 2 * x, lambda x: 3 * x], x))(np.array([0, 1, 2, 5, -1]), np.ones(5)),
    "while_loop": lambda A: A.lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * 2.0),
                                             (0, 1.0)),
    "while_loop weak int carry": lambda A: A.lax.while_loop(lambda c: c < 5, lambda c: c + 1.0, 0),
    "while_loop float32 carry": lambda A: A.lax.while_loop(lambda c: c < 5, lambda c: c + 1.0,
                                                           np.float32(0)),
    "while_loop jvp": lambda A: A.jvp(lambda x: A.lax.while_loop(lambda c: c < 5, lambda c: c * 2, x),
                                      (1.0,), (1.0,)),
    "while_loop vmap": lambda A: A.vmap(lambda x: A.lax.while_loop(lambda c: c < 5, lambda c: c * 2,
                                                                   x))(np.array([1.0, 3.0])),
    "fori_loop": lambda A: A.lax.fori_loop(0, 5, lambda i, c: c + i, 0.0),
    "fori_loop integer carry": lambda A: A.lax.fori_loop(0, 5, lambda i, c: c + i, 0),
    "fori_loop numpy bounds": lambda A: A.lax.fori_loop(np.int32(0), np.int32(3),
                                                        lambda i, c: c + i, 0.0),
    "fori_loop unroll": lambda A: A.lax.fori_loop(0, 3, lambda i, c: c + i, 0.0, unroll=2),
    "fori_loop grad": lambda A: A.grad(lambda x: A.lax.fori_loop(0, 3, lambda i, c: c * x, 1.0))(2.0),
    "fori_loop vmap of bound": lambda A: A.vmap(lambda n: A.lax.fori_loop(
        0, n, lambda i, c: c + 1.0, 0.0))(np.array([1, 3, 0])),
    "scan": lambda A: _scan(A, lambda c, x: (c + x, c * x), 0.0, np.arange(1.0, 4.0)),
    "scan xs None": lambda A: _scan(A, lambda c, x: (c + 1.0, c), 0.0, None, length=3),
    "scan reverse": lambda A: _scan(A, lambda c, x: (c + x, c), 0.0, np.arange(1.0, 4.0),
                                    reverse=True),
    "scan unroll": lambda A: _scan(A, lambda c, x: (c + x, c), 0.0, np.arange(1.0, 4.0), unroll=2),
    "scan weak carry": lambda A: _scan(A, lambda c, x: (c + x, c), 0, np.arange(1.0, 4.0)),
    "scan y None": lambda A: _scan(A, lambda c, x: (c + x, None), 0.0, np.arange(1.0, 4.0)),
    "scan length 0": lambda A: _scan(A, lambda c, x: (c + x, c * 2), 0.0, np.zeros(0)),
    "scan pytree": lambda A: _scan(A, lambda c, x: (c + x["a"], (x["b"], c)), 0.0,
                                   {"a": np.arange(3.0), "b": np.ones((3, 2))}),
    "scan integer ys": lambda A: _scan(A, lambda c, x: (c + x, 1), 0.0, np.arange(3.0))[1],
    "scan grad": lambda A: A.grad(lambda w: _scan(A, lambda c, x: (c * w + x, c), 0.0,
                                                  np.arange(3.0))[0])(2.0),
    "scan vmap": lambda A: A.vmap(lambda xs: _scan(A, lambda c, x: (c + x, c), 0.0, xs))(X),
    "map": lambda A: A.lax.map(lambda x: x * 2, np.arange(3.0)),
    "map batch_size": lambda A: A.lax.map(lambda x: x * 2, np.arange(5.0), batch_size=2),
    "map pytree": lambda A: A.lax.map(lambda x: (x[0] * 2, x[1]), (np.arange(3.0), np.ones(3))),
    "map empty": lambda A: A.lax.map(lambda x: x * 2, np.zeros((0, 3))),
    # errors
    "cond array predicate": lambda A: A.lax.cond(np.array([True]), lambda: 1.0, lambda: 2.0),
    "cond None predicate": lambda A: A.lax.cond(None, lambda: 1.0, lambda: 2.0),
    "cond shapes differ": lambda A: A.lax.cond(True, lambda x: x, lambda x: np.ones(2), 1.0),
    "cond dtypes differ": lambda A: A.lax.cond(True, lambda x: x, lambda x: np.float32(1), 1.0),
    "cond int and float": lambda A: A.lax.cond(True, lambda: 1, lambda: 2.0),
    "cond structures differ": lambda A: A.lax.cond(True, lambda x: (x, x), lambda x: x, 1.0),
    "cond list and tuple": lambda A: A.lax.cond(True, lambda: [1.0], lambda: (2.0,)),
    "cond vmap structures differ": lambda A: A.vmap(lambda x: A.lax.cond(
        x > 0, lambda x: (x, x), lambda x: x, x))(np.ones(2)),
    "switch float index": lambda A: A.lax.switch(1.0, [lambda x: x, lambda x: 2 * x], 3.0),
    "switch boolean index": lambda A: A.lax.switch(True, [lambda: 1.0, lambda: 2.0]),
    "switch array index": lambda A: A.lax.switch(np.array([1]), [lambda: 1.0, lambda: 2.0]),
    "switch structures differ": lambda A: A.lax.switch(1, [lambda x: x, lambda x: (x, x)], 3.0),
    "switch no branches": lambda A: A.lax.switch(0, [], 3.0),
    "while_loop carry shape": lambda A: A.lax.while_loop(lambda c: A.np.all(c < 5),
                                                         lambda c: np.ones(2), 0.0),
    "while_loop carry dtype": lambda A: A.lax.while_loop(lambda c: c < 5, lambda c: c + 1.0,
                                                         np.int64(0)),
    "while_loop vector condition": lambda A: A.lax.while_loop(lambda c: c < 5, lambda c: c + 1.0,
                                                              np.zeros(2)),
    "while_loop float condition": lambda A: A.lax.while_loop(lambda c: 5.0 - c, lambda c: c + 1.0,
                                                             0.0),
    "fori_loop float bound": lambda A: A.lax.fori_loop(0, 3.0, lambda i, c: c + i, 0.0),
    "fori_loop carry shape": lambda A: A.lax.fori_loop(0, 3, lambda i, c: np.ones(2), 1.0),
    "scan carry shape": lambda A: _scan(A, lambda c, x: (np.ones(2), c), 0.0, np.arange(1.0, 4.0)),
    "scan carry float32 to 64": lambda A: _scan(A, lambda c, x: (c * x, c), np.float32(1),
                                                np.arange(1.0, 4.0)),
    "scan carry list to tuple": lambda A: _scan(A, lambda c, x: ((c[0],), x), [0.0], np.ones(2)),
    "scan nothing to scan": lambda A: _scan(A, lambda c, x: (c + 1.0, c), 0.0, None),
    "scan length disagrees": lambda A: _scan(A, lambda c, x: (c, x), 0.0, np.ones(3), length=4),
    "scan leading axes differ": lambda A: _scan(A, lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4))),
    "scan scalar xs": lambda A: _scan(A, lambda c, x: (c, x), 0.0, 1.0),
    "scan body not a pair": lambda A: _scan(A, lambda c, x: c, 0.0, np.ones(3)),
}


M34 = np.arange(12.0).reshape(3, 4) / 7.0

LAX_NUMERIC = {
    "elementwise": lambda A: [f(M34 + 0.5) for f in (
        A.lax.exp, A.lax.log, A.lax.sin, A.lax.tanh, A.lax.sqrt, A.lax.rsqrt, A.lax.logistic,
        A.lax.neg, A.lax.abs, A.lax.sign, A.lax.floor, A.lax.erf, A.lax.lgamma, A.lax.square,
        A.lax.is_finite)],
    "binary": lambda A: [f(M34, M34 + 1.0) for f in (
        A.lax.add, A.lax.sub, A.lax.mul, A.lax.div, A.lax.max, A.lax.min, A.lax.pow, A.lax.atan2,
        A.lax.rem, A.lax.lt, A.lax.eq)],
    "round": lambda A: (A.lax.round(np.array([0.5, 1.5, -0.5, 2.4])),
                        A.lax.round(np.array([0.5, 1.5, -0.5, 2.4]), 1)),
    "integer_pow": lambda A: A.lax.integer_pow(M34, 3),
    "select and clamp": lambda A: (A.lax.select(M34 > 0.5, M34, -M34), A.lax.clamp(0.2, M34, 1.0)),
    "convert_element_type": lambda A: A.lax.convert_element_type(M34, np.float32),
    "reshape transpose": lambda A: (A.lax.reshape(M34, (4, 3)), A.lax.reshape(M34, (4, 3), (1, 0)),
                                    A.lax.transpose(M34, (1, 0))),
    "broadcasts": lambda A: (A.lax.broadcast(np.ones(3), (2,)),
                             A.lax.broadcast_in_dim(np.arange(3.0), (3, 2), (0,))),
    "squeeze expand_dims": lambda A: (A.lax.squeeze(np.ones((1, 3, 1)), (0, 2)),
                                      A.lax.expand_dims(np.ones(3), (0, 2))),
    "concatenate and slices": lambda A: (A.lax.concatenate([M34, M34], 1),
                                         A.lax.slice(M34, (0, 1), (2, 4)),
                                         A.lax.slice(M34, (0, 0), (3, 4), (2, 3)),
                                         A.lax.slice_in_dim(M34, 1, 3, axis=1)),
    "dynamic slices": lambda A: (A.lax.dynamic_slice(M34, (1, 2), (2, 2)),
                                 A.lax.dynamic_slice(M34, (5, -1), (2, 2)),
                                 A.lax.dynamic_slice_in_dim(M34, 1, 2, axis=1),
                                 A.lax.dynamic_index_in_dim(M34, 2, axis=0),
                                 A.lax.dynamic_index_in_dim(M34, 2, axis=0, keepdims=False)),
    "dynamic updates": lambda A: (A.lax.dynamic_update_slice(M34, np.zeros((2, 2)), (2, 3)),
                                  A.lax.dynamic_update_slice_in_dim(M34, np.zeros((3, 1)), 1, 1)),
    "dynamic_slice grad": lambda A: A.grad(lambda x, i: A.np.sum(A.lax.dynamic_slice(
        x, (i, 0), (2, 4)) ** 2))(M34, 1),
    "dynamic_update_slice grad": lambda A: A.grad(lambda x, u: A.np.sum(A.lax.dynamic_update_slice(
        x, u, (1, 1)) ** 2), argnums=(0, 1))(M34, np.ones((2, 2))),
    "dot rev pad": lambda A: (A.lax.dot(M34, M34.T), A.lax.rev(M34, (0,)),
                              A.lax.pad(M34, 0.0, [(1, 0, 0), (0, 2, 0)])),
    "iota full": lambda A: (A.lax.iota(np.int32, 4), A.lax.full((2, 3), 1.5)),
    "cumulative": lambda A: (A.lax.cumsum(M34, 1), A.lax.cumsum(M34, 0, reverse=True),
                             A.lax.cumprod(M34 + 1, 1, reverse=True)),
    "argmax argmin": lambda A: (A.lax.argmax(M34, 1, np.int32), A.lax.argmin(M34, 0, np.int64)),
    "scan with dynamic_slice": lambda A: A.lax.scan(
        lambda c, i: (c + A.np.sum(A.lax.dynamic_slice(M34, (i, 0), (1, 4))), c), 0.0,
        np.arange(3))[0],
}


class Box:
    def __init__(self, a, tag):
        self.a, self.tag = a, tag


@dataclasses.dataclass
class Params:
    w: object
    b: object


def _register(A):
    if A.name == "jax":
        A.tu.register_pytree_node(Box, lambda b: ((b.a,), b.tag), lambda tag, c: Box(c[0], tag))
        A.tu.register_dataclass(Params, data_fields=["w", "b"], meta_fields=[])
    else:
        A.tu.register_pytree_node(Box, lambda b: ((b.a,), b.tag), lambda tag, c: Box(c[0], tag))
        A.tu.register_dataclass(Params, data_fields=["w", "b"], meta_fields=[])


def _registered(A):
    _register(A)
    out = A.tu.tree_map(lambda v: v + 1, Box(1, "t"))
    g = A.grad(lambda p: p.w * p.b)(Params(2.0, 3.0))
    return out.a, out.tag, g.w, g.b, A.tu.tree_leaves(Params(1.0, 2.0))


def _treedef(A):
    td = A.tu.tree_structure((1, (2, 3), {"b": None, "a": 4}))
    return (td.num_leaves, td.num_nodes, td.unflatten([5, 6, 7, 8]), len(td.children()),
            td.flatten_up_to((1, ([2], 3), {"a": 3, "b": None})), A.tu.treedef_is_leaf(td))


TREES = {
    "leaves skip None": lambda A: A.tu.tree_leaves([1, None, (2,)]),
    "dict sorted": lambda A: A.tu.tree_leaves({"b": 1, "a": 2, "c": 3}),
    "dict map keeps the dict": lambda A: A.tu.tree_map(lambda v: v * 10, {"b": 1, "a": 2}),
    "OrderedDict insertion order": lambda A: A.tu.tree_leaves(OrderedDict([("b", 1), ("a", 2)])),
    "OrderedDict map": lambda A: A.tu.tree_map(lambda v: v + 1, OrderedDict([("b", 1), ("a", 2)])),
    "defaultdict": lambda A: A.tu.tree_leaves(defaultdict(int, {"b": 1, "a": 2})),
    "namedtuple": lambda A: A.tu.tree_map(lambda v: v * 2, Point(1, (2, 3))),
    "several trees": lambda A: A.tu.tree_map(lambda a, b: a + b, (1, [2]), (10, [20])),
    "first tree a prefix": lambda A: A.tu.tree_map(lambda a, b: (a, b), (1, 2), ((3, 4), 5)),
    "None in the others": lambda A: A.tu.tree_map(lambda a, b: b, (1, 1), (None, 2)),
    "None kept": lambda A: A.tu.tree_map(lambda v: v, (1, None)),
    "is_leaf": lambda A: A.tu.tree_map(len, [(1, 2), (3,)], is_leaf=lambda v: isinstance(v, tuple)),
    "is_leaf None": lambda A: A.tu.tree_map(lambda v: 0 if v is None else v, [1, None],
                                            is_leaf=lambda v: v is None),
    "flatten unflatten": lambda A: A.tu.tree_unflatten(A.tu.tree_flatten({"a": [1, 2]})[1], [5, 6]),
    "structure equality": lambda A: (A.tu.tree_structure((1, 2)) == A.tu.tree_structure((3, 4)),
                                     A.tu.tree_structure([1, 2]) == A.tu.tree_structure((3, 4))),
    "treedef methods": _treedef,
    "tree_structure is_leaf": lambda A: A.tu.tree_structure(
        [(1, 2), 3], is_leaf=lambda v: isinstance(v, tuple)).num_leaves,
    "tree_reduce": lambda A: (A.tu.tree_reduce(lambda a, b: a + b, [1, (2, 3)]),
                              A.tu.tree_reduce(lambda a, b: a + b, [1, (2, 3)], 10)),
    "tree_all": lambda A: A.tu.tree_all([True, (True, False)]),
    "tree_transpose": lambda A: A.tu.tree_transpose(A.tu.tree_structure([0, 0]),
                                                    A.tu.tree_structure((0, 0)), [(1, 2), (3, 4)]),
    "key paths": lambda A: [A.tu.keystr(p) for p, _ in A.tu.tree_leaves_with_path(
        {"a": [1, Point(2, 3)], "b": OrderedDict(z=4)})],
    "map with path": lambda A: A.tu.tree_map_with_path(lambda p, v: A.tu.keystr(p), {"a": [1]}),
    "Partial": lambda A: A.tu.tree_leaves(A.tu.Partial(lambda a, b: a + b, 1.0)),
    "registered classes": _registered,
    "all_leaves": lambda A: (A.tu.all_leaves([1, 2.0]), A.tu.all_leaves([1, (2,)])),
    # errors
    "containers differ": lambda A: A.tu.tree_map(lambda a, b: a + b, (1, [2]), (10, (20,))),
    "dict keys differ": lambda A: A.tu.tree_map(lambda a, b: a + b, {"a": 1}, {"b": 2}),
    "too few leaves": lambda A: A.tu.tree_unflatten(A.tu.tree_structure((1, 2)), [5]),
    "too many leaves": lambda A: A.tu.tree_unflatten(A.tu.tree_structure((1, 2)), [5, 6, 7]),
    "unsortable keys": lambda A: A.tu.tree_leaves({1: "a", "b": 2}),
}


# the cases where JAX raises (everything else must run in both)
ERRORS = {
    "integer input", "vector output", "one-element output", "integer output", "boolean output",
    "argnums out of range", "no arguments", "holomorphic of real input",
    "vjp cotangent shape", "vjp cotangent structure", "vjp complex cotangent for real output",
    "jvp tangent shape", "jvp integer tangent", "jvp tangent count", "jvp not tuples",
    "jvp float64 tangent of float32",
    "jacrev integer input", "jacfwd integer input", "linearize tangent shape",
    "linearize tangent count",
    "all_gather axis out of range", "sizes differ", "axis out of range", "scalar argument",
    "list argument of scalars", "in_axes length", "in_axes float", "in_axes string",
    "every in_axes None", "axis_size disagrees", "out_axes None of batched",
    "out_axes out of range", "out_axes structure", "dict spec missing a key",
    "list spec for tuple", "python control flow", "unbound axis name",
    "custom_vjp jvp", "custom_vjp bwd length", "custom_vjp bwd shape",
    "custom_jvp rule not a pair", "custom_jvp tangent structure", "custom_vjp bwd not a tuple",
    "cond array predicate", "cond None predicate", "cond shapes differ", "cond dtypes differ",
    "cond int and float", "cond structures differ", "cond list and tuple",
    "cond vmap structures differ", "switch float index", "switch boolean index",
    "switch array index", "switch structures differ", "switch no branches",
    "while_loop carry shape", "while_loop carry dtype", "while_loop vector condition",
    "while_loop float condition", "fori_loop float bound", "fori_loop carry shape",
    "scan carry shape", "scan carry float32 to 64", "scan carry list to tuple",
    "scan nothing to scan", "scan length disagrees", "scan leading axes differ",
    "scan scalar xs", "scan body not a pair",
    "containers differ", "dict keys differ", "too few leaves", "too many leaves",
    "unsortable keys", "argnums twice", "not a function", "string argument",
    "dict in_axes for all arguments", "boolean in_axes", "list out_axes for tuple",
    "no arguments and no axis_size",
}


def _cases(table):
    return pytest.mark.parametrize("name, prog", list(table.items()), ids=list(table))


@_cases(GRAD)
def test_grad(name, prog):
    check(prog, name in ERRORS)


@_cases(VJP_JVP)
def test_vjp_and_jvp(name, prog):
    check(prog, name in ERRORS)


@_cases(JACOBIANS)
def test_jacobians_linearize_and_friends(name, prog):
    check(prog, name in ERRORS)


@_cases(VMAP)
def test_vmap(name, prog):
    check(prog, name in ERRORS)


@_cases(CUSTOM)
def test_custom_rules_and_checkpoint(name, prog):
    check(prog, name in ERRORS)


@_cases(LAX)
def test_lax(name, prog):
    check(prog, name in ERRORS)


@_cases(LAX_NUMERIC)
def test_lax_operations(name, prog):
    check(prog, name in ERRORS)


@_cases(TREES)
def test_tree_util(name, prog):
    check(prog, name in ERRORS)


def test_the_jax_tree_namespace():
    tree = {"b": [1, 2], "a": (3, None)}
    assert fg.tree.leaves(tree) == jax.tree.leaves(tree)
    assert fg.tree.map(lambda v: v * 2, tree) == jax.tree.map(lambda v: v * 2, tree)
    assert str(fg.tree.structure(tree)) == str(jax.tree.structure(tree))


# -- where funcgrad deliberately does more than JAX --------------------------------------------

def test_reverse_mode_through_while_loop_works_where_jax_refuses():
    def f(A):
        return A.grad(lambda x: A.lax.while_loop(lambda c: c < 5, lambda c: c * 2, x))
    with pytest.raises(ValueError, match="Reverse-mode"):
        f(_jax_api())(1.0)
    assert float(f(F)(1.0)) == 8.0  # the iterations that ran: x -> 8x
    _, forward = jax.jvp(lambda x: jax.lax.while_loop(lambda c: c < 5, lambda c: c * 2, x),
                         (1.0,), (1.0,))
    assert float(forward) == 8.0


def test_python_control_flow_on_traced_values_works_under_grad():
    def f(x):
        return x ** 2 if x > 0 else -x
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(jax.grad(f))(1.0)
    assert float(fg.grad(f)(3.0)) == 6.0 and float(fg.jit(fg.grad(f))(-3.0)) == -1.0


def test_cotangents_and_tangents_that_convert_exactly_are_accepted():
    # JAX refuses any dtype but the output's (primal's); funcgrad converts float32 -> float64
    _, pullback = jax.vjp(lambda x: x * 2, np.ones(3))
    with pytest.raises(ValueError):
        pullback(np.ones(3, np.float32))
    (g,) = fg.vjp(lambda x: x * 2, np.ones(3))[1](np.ones(3, np.float32))
    assert g.dtype == np.float64 and g.tolist() == [2.0] * 3
    _, t = fg.jvp(fnp.sin, (np.zeros(2),), (np.ones(2, np.float32),))
    assert t.dtype == np.float64 and t.tolist() == [1.0, 1.0]


def test_gradients_of_pmax_exist_where_jax_has_no_rule():
    f = lambda A: A.grad(lambda x: A.np.sum(A.vmap(lambda x: A.lax.pmax(x, "i"),  # noqa: E731
                                                    axis_name="i")(x)))
    with pytest.raises(NotImplementedError):
        f(_jax_api())(np.array([1.0, 3.0, 2.0]))
    assert f(F)(np.array([1.0, 3.0, 2.0])).tolist() == [0.0, 3.0, 0.0]
