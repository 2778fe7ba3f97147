"""The JAX oracle of the conformance tests (test_jax_conformance*.py).

Each case is a function of an API namespace `A` (A.grad, A.vmap, A.np, A.lax, A.tu...), built
once for JAX and once for funcgrad; `check(prog)` runs it through both and requires the same
values, shapes, dtypes and pytree structure, or that both raise (funcgrad's exception a subclass
of the builtin class JAX raises: TypeError, ValueError, NameError). `ERRORS` names the cases where
JAX raises: JAX must raise exactly there, so a case cannot pass by failing in both.
"""
from collections import namedtuple
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


def jax_api():
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
        theirs, their_error = prog(jax_api()), None
    except Exception as e:  # noqa: BLE001
        theirs, their_error = None, e
    assert (their_error is not None) == expect_error, their_error
    if their_error is None:
        _same(prog(F), theirs)
        return
    with pytest.raises(_builtin_base(their_error)):
        prog(F)


x32 = np.array([1.0, 2.0, 3.0], np.float32)
X = np.arange(6.0).reshape(2, 3)
Point = namedtuple("Point", "x y")


ERRORS = {
    "integer input", "vector output", "one-element output", "integer output", "boolean output",
    "argnums out of range", "no arguments", "holomorphic of real input",
    "vjp cotangent shape", "vjp cotangent structure", "vjp complex cotangent for real output",
    "jvp tangent shape", "jvp integer tangent", "jvp tangent count", "jvp not tuples",
    "jvp float64 tangent of float32",
    "jacrev integer input", "jacfwd integer input", "jacrev integer output", "linearize tangent shape",
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


def cases(table):
    return pytest.mark.parametrize("name, prog", list(table.items()), ids=list(table))
