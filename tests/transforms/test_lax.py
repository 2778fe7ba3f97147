"""fg.lax control flow: values, gradients against finite differences, vmap with per-example paths."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax


def numeric_grad(f, x, eps=1e-6):
    x = np.asarray(x, float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
    return g


def test_fori_loop_gradient_matches_finite_differences():
    W = np.array([[0.5, -0.3], [0.2, 0.8]])
    f = lambda x: fnp.sum(lax.fori_loop(0, 5, lambda i, v: fnp.tanh(W @ v + 0.1 * i), x))  # noqa: E731
    x = np.array([0.3, -0.7])
    np.testing.assert_allclose(fg.grad(f)(x), numeric_grad(f, x), rtol=1e-6)
    np.testing.assert_allclose(fg.jacfwd(f)(x), numeric_grad(f, x), rtol=1e-6)


def test_scan_carry_and_outputs_and_its_gradient():
    def f(a, xs):
        carry, ys = lax.scan(lambda c, x: (c * a + x, fnp.sin(c)), 0.0, xs)
        return carry + fnp.sum(ys)
    xs = np.array([0.5, -1.0, 2.0, 0.25])
    carry, ys = lax.scan(lambda c, x: (c + x, c), 0.0, xs)
    assert carry == 1.75 and ys.tolist() == [0.0, 0.5, -0.5, 1.5]
    np.testing.assert_allclose(fg.grad(f)(0.9, xs), numeric_grad(lambda a: f(a, xs), 0.9), rtol=1e-6)
    np.testing.assert_allclose(fg.grad(f, argnums=1)(0.9, xs),
                               numeric_grad(lambda xs: f(0.9, xs), xs), rtol=1e-6)
    _, rev = lax.scan(lambda c, x: (c + x, c), 0.0, xs, reverse=True)
    assert rev.tolist() == [1.25, 2.25, 0.25, 0.0]


def test_scan_with_pytree_carry_and_length():
    carry, ys = lax.scan(lambda c, _: ((c[0] + 1, c[1] * 2), {"n": c[0]}), (0, 1.0), None, length=3)
    assert carry == (3, 8.0) and ys["n"].tolist() == [0, 1, 2]
    assert lax.map(lambda x: x ** 2, np.arange(3.0)).tolist() == [0.0, 1.0, 4.0]


def test_while_loop_and_its_gradient():
    def f(x):
        return lax.while_loop(lambda v: v[1] < 4, lambda v: (v[0] * fnp.cos(v[0]), v[1] + 1), (x, 0))[0]
    assert fg.grad(f)(0.7) == pytest.approx(numeric_grad(f, 0.7), rel=1e-6)


def test_cond_picks_a_branch_and_is_differentiable():
    f = lambda x: lax.cond(x > 0, lambda x: x ** 2, lambda x: -fnp.sin(x), x)  # noqa: E731
    assert fg.grad(f)(3.0) == 6.0 and fg.grad(f)(-1.0) == pytest.approx(-np.cos(-1.0))
    assert lax.switch(1, [fnp.sin, fnp.cos], 0.0) == 1.0
    assert lax.switch(7, [fnp.sin, fnp.cos], 0.0) == 1.0  # clamped, as in JAX


def test_under_vmap_each_example_takes_its_own_path():
    xs = np.array([-2.0, 0.5, 3.0])
    f = lambda x: lax.cond(x > 0, lambda x: x ** 2, lambda x: -x, x)  # noqa: E731
    np.testing.assert_allclose(fg.vmap(f)(xs), [2.0, 0.25, 9.0])
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(xs), [-1.0, 1.0, 6.0])
    halve = lambda x: lax.while_loop(lambda v: v > 1, lambda v: v / 2, x)  # noqa: E731
    np.testing.assert_allclose(fg.vmap(halve)(np.array([0.5, 3.0, 10.0])), [0.5, 0.75, 0.625])
    np.testing.assert_allclose(fg.vmap(fg.grad(halve))(np.array([0.5, 3.0, 10.0])),
                               [1.0, 0.25, 0.0625])
    pick = fg.vmap(lambda i, x: lax.switch(i, [fnp.sin, fnp.cos, fnp.exp], x))
    np.testing.assert_allclose(pick(np.array([2, 0, 1]), np.zeros(3)), [1.0, 0.0, 1.0])


def test_under_jit_both_branches_are_cached_variants():
    f = fg.jit(lambda x: lax.cond(x > 0, lambda x: x * 2, lambda x: x - 1, x))
    assert f(1.0) == 2.0 and f(-1.0) == -2.0 and f(3.0) == 6.0 and f(-3.0) == -4.0
    assert f.trace_count == 2
    loop = fg.jit(lambda x, n: lax.fori_loop(0, n, lambda i, v: v * x, 1.0))
    assert loop(2.0, 3) == 8.0 and loop(2.0, 4) == 16.0 and loop(3.0, 4) == 81.0
    assert loop.trace_count == 2
