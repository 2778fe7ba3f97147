"""jacrev and jacfwd seed the replay with a symbolic identity (funcgrad/transforms/diagonal.py).

The reference here is the plain algorithm: the same replay batched over np.eye written out. Every
differentiable case of the op table is compared, so each primitive meets the symbolic seed in both
modes (whether a structured rule keeps it symbolic or the batch is written out for it).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.transforms import diagonal
from funcgrad.tree_util import tree_flatten
from tests.opinfo import all_cases, bind, split_sample

CASES = [c for c in all_cases()
         if c.differentiable and "complex" not in c.tags and "fwd" in c.modes]
FEW = settings(max_examples=3, deadline=None, derandomize=True,
               suppress_health_check=list(HealthCheck))


def _flat_output(fun):
    """fun with its output leaves raveled into one vector, so one Jacobian compares them all."""
    def flat(*args):
        leaves = tree_flatten(fun(*args))[0]
        return fnp.concatenate([fnp.reshape(leaf, (-1,)) for leaf in leaves])
    return flat


def _only(fun, args, k):
    return lambda x: fun(*args[:k], x, *args[k + 1:])


def dense_jacrev(f, x):
    y, pull = fg.vjp(f, x)
    basis = np.eye(y.size, dtype=y.dtype).reshape((y.size,) + y.shape)
    rows = fg.vmap(lambda ct: pull(ct)[0])(basis)
    return np.reshape(rows, y.shape + np.shape(x))


def dense_jacfwd(f, x):
    basis = np.eye(np.size(x), dtype=x.dtype).reshape((np.size(x),) + np.shape(x))
    cols = fg.vmap(lambda t: fg.jvp(f, (x,), (t,))[1], out_axes=-1)(basis)
    return np.reshape(cols, np.shape(f(x)) + np.shape(x))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@given(data=st.data())
@FEW
def test_symbolic_seed_matches_the_identity_written_out(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    if any(np.iscomplexobj(a) for a in arrays):
        return
    fun = _flat_output(bind(case, fnp, static))
    if np.iscomplexobj(fun(*arrays)):
        return
    for k, x in enumerate(arrays):
        if not np.issubdtype(np.asarray(x).dtype, np.floating):
            continue
        f = _only(fun, arrays, k)
        x = np.asarray(x)
        np.testing.assert_allclose(fg.jacrev(f)(x), dense_jacrev(f, x), rtol=1e-9, atol=1e-12,
                                   err_msg=f"jacrev of {case.id}, argument {k}")
        np.testing.assert_allclose(fg.jacfwd(f)(x), dense_jacfwd(f, x), rtol=1e-9, atol=1e-12,
                                   err_msg=f"jacfwd of {case.id}, argument {k}")


# -- the structured rules, one by one --------------------------------------------------------

RNG = np.random.default_rng(0)
W = RNG.standard_normal((5, 4))
V = RNG.standard_normal((4, 3))


@pytest.mark.parametrize("name,f", [
    ("matrix @ x", lambda x: fnp.tanh(W @ x)),
    ("x @ matrix", lambda x: fnp.sin(x @ V)),
    ("column", lambda x: fnp.reshape(W @ fnp.reshape(x, (4, 1)), (5,))),
    ("row", lambda x: fnp.reshape(fnp.reshape(x, (1, 4)) @ V, (3,))),
    ("linear", lambda x: W @ x),
    ("dot products", lambda x: (x @ V[:, 0]) * x + fnp.sin(V[:, 1] @ x) + x @ x),
    ("scaled and negated", lambda x: -(2.0 * x) / 3.0 - x * x),
    ("where (relu)", lambda x: fnp.maximum(x, 0.0) + fnp.where(x > 0.1, x, -x)),
    ("reshape and transposes", lambda x: fnp.transpose(fnp.reshape(x, (2, 2))) * 2.0),
    ("astype", lambda x: fnp.astype(x, np.float32).astype(np.float64) * x),
    ("sum of two paths", lambda x: fnp.exp(x) + fnp.log1p(x * x) - x),
    ("matrix batch", lambda x: fnp.reshape(x, (2, 2)) @ np.ones((2, 3))),
])
@pytest.mark.parametrize("chunk_size", [None, 3])
def test_structured_rules(name, f, chunk_size):
    x = RNG.standard_normal(4)
    for jac, dense in ((fg.jacrev, dense_jacrev), (fg.jacfwd, dense_jacfwd)):
        np.testing.assert_allclose(jac(f, chunk_size=chunk_size)(x), dense(f, x), rtol=1e-12,
                                   atol=1e-14, err_msg=f"{jac.__name__} of {name}")


def test_no_identity_is_written_out_for_an_elementwise_layer(monkeypatch):
    """tanh(W x + b): both modes finish without writing the basis out (the point of it all)."""
    written = []
    real = diagonal._materialize
    monkeypatch.setattr(diagonal, "_materialize", lambda *a: written.append(a) or real(*a))
    b = RNG.standard_normal(5)
    f = lambda x: fnp.tanh(W @ x + b)  # noqa: E731
    x = RNG.standard_normal(4)
    expected = (1 - np.tanh(W @ x + b) ** 2)[:, None] * W
    np.testing.assert_allclose(fg.jacrev(f)(x), expected, rtol=1e-12)
    np.testing.assert_allclose(fg.jacfwd(f)(x), expected, rtol=1e-12)
    assert written == []
    fg.jacrev(lambda x: fnp.cumsum(x))(x)  # a rule without a structured form writes it out
    assert len(written) == 1


def test_a_linear_functions_jacobian_is_a_copy_of_its_matrix():
    x = np.ones(4)
    for jac in (fg.jacrev, fg.jacfwd, lambda f: fg.jit(fg.jacfwd(f))):
        J = jac(lambda x: W @ x)(x)
        np.testing.assert_array_equal(J, W)
        assert J.flags.writeable and not np.shares_memory(J, W)
        J[0, 0] = 100.0
        assert W[0, 0] != 100.0
        v = W[:, 0].copy()
        J = jac(lambda y: v @ y)(np.ones(5))
        np.testing.assert_array_equal(J, v)
        assert J.flags.writeable and not np.shares_memory(J, v)


def test_float32_and_empty_and_scalar():
    x32 = np.arange(1.0, 4.0, dtype=np.float32)
    J = fg.jacrev(lambda x: fnp.tanh(x) * 2)(x32)
    assert J.dtype == np.float32
    np.testing.assert_allclose(J, np.diag(2 * (1 - np.tanh(x32) ** 2)), rtol=1e-6)
    assert fg.jacfwd(lambda x: x * 2)(np.zeros(0)).shape == (0, 0)
    assert fg.jacrev(lambda x: x * 2)(np.zeros(0)).shape == (0, 0)
    assert fg.jacrev(lambda x: fnp.sin(x))(np.float64(0.5)) == pytest.approx(np.cos(0.5))


def test_hessian_and_nesting_with_symbolic_seeds():
    A = RNG.standard_normal((6, 4))
    f = lambda x: fnp.sum(fnp.log1p(fnp.exp(A @ x))) + 0.5 * x @ x  # noqa: E731
    x = RNG.standard_normal(4)
    s = 1 / (1 + np.exp(-(A @ x)))
    expected = A.T @ np.diag(s * (1 - s)) @ A + np.eye(4)
    np.testing.assert_allclose(fg.hessian(f)(x), expected, rtol=1e-10)
    np.testing.assert_allclose(fg.jacrev(fg.jacrev(f))(x), expected, rtol=1e-10)
    np.testing.assert_allclose(fg.jacfwd(fg.jacfwd(f))(x), expected, rtol=1e-10)
    np.testing.assert_allclose(fg.jit(fg.hessian(f))(x), expected, rtol=1e-10)
    xs = RNG.standard_normal((3, 4))
    per_example = fg.vmap(fg.hessian(f))(xs)
    np.testing.assert_allclose(per_example[1], fg.hessian(f)(xs[1]), rtol=1e-12)
