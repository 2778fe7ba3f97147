"""funcgrad against JAX, program by program: grad, value_and_grad, vjp, jvp, Jacobians,
linearize, linear_transpose, stop_gradient; and where funcgrad deliberately does more than JAX
(see tests/transforms/_jax_oracle.py for how cases are compared; JAX-free versions with values
written out: test_jax_conventions.py)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

jax = pytest.importorskip("jax")

from tests.transforms._jax_oracle import (  # noqa: E402
    ERRORS, F, Point, cases, check, jax_api, x32, x64)  # x64: the fixture


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
    "jacrev integer output": lambda A: A.jacrev(lambda x: (x > 0).astype(int))(np.ones(2)),
    "jacrev complex input": lambda A: A.jacrev(A.np.abs)(np.array([1 + 1j, 2.0])),
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


@cases(GRAD)
def test_grad(name, prog):
    check(prog, name in ERRORS)


@cases(VJP_JVP)
def test_vjp_and_jvp(name, prog):
    check(prog, name in ERRORS)


@cases(JACOBIANS)
def test_jacobians_linearize_and_friends(name, prog):
    check(prog, name in ERRORS)


# -- where funcgrad deliberately does more than JAX --------------------------------------------

def test_reverse_mode_through_while_loop_works_where_jax_refuses():
    def f(A):
        return A.grad(lambda x: A.lax.while_loop(lambda c: c < 5, lambda c: c * 2, x))
    with pytest.raises(ValueError, match="Reverse-mode"):
        f(jax_api())(1.0)
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
        f(jax_api())(np.array([1.0, 3.0, 2.0]))
    assert f(F)(np.array([1.0, 3.0, 2.0])).tolist() == [0.0, 3.0, 0.0]
