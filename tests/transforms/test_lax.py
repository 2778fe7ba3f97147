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


# -- JAX's typing rules and signatures (expected values written out; see test_jax_conformance) --

def test_results_are_arrays_even_for_python_number_carries():
    out = lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * 2.0), (0, 1.0))
    assert all(isinstance(v, np.ndarray) for v in out)
    assert out[0].dtype == np.int64 and out[1].dtype == np.float64 and float(out[1]) == 32.0
    assert isinstance(lax.cond(True, lambda: 1.0, lambda: 2.0), np.ndarray)
    assert isinstance(lax.fori_loop(0, 3, lambda i, c: c + i, 0), np.ndarray)
    carry, ys = lax.scan(lambda c, x: (c + 1.0, c), 0.0, None, length=3)
    assert isinstance(carry, np.ndarray) and ys.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("true_out, false_out", [
    (lambda x: x, lambda x: np.ones(2)),                  # shape
    (lambda x: x, lambda x: np.float32(1.0)),             # dtype
    (lambda x: (x, x), lambda x: x),                      # structure
    (lambda x: [x], lambda x: (x,)),                      # list is not tuple
])
def test_cond_branches_must_agree_in_type(true_out, false_out):
    with pytest.raises(TypeError, match="cond"):
        lax.cond(True, true_out, false_out, 1.0)
    with pytest.raises(TypeError, match="cond"):
        lax.cond(False, true_out, false_out, 1.0)


def test_cond_checks_the_branch_not_taken_on_stand_ins_without_warnings():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(lax.cond(False, lambda x: fnp.log(x - 5.0), lambda x: x * 2, 1.0)) == 2.0
    assert float(fg.grad(lambda x: lax.cond(x > 0, fnp.sin, fnp.cos, x))(0.0)) == 0.0


def test_cond_and_switch_predicate_and_index_rules():
    with pytest.raises(TypeError, match="scalar"):
        lax.cond(np.array([True]), lambda: 1.0, lambda: 2.0)
    with pytest.raises(TypeError):
        lax.cond(None, lambda: 1.0, lambda: 2.0)
    assert float(lax.cond(1.0, lambda: 1.0, lambda: 2.0)) == 1.0
    with pytest.raises(TypeError, match="integer"):
        lax.switch(1.0, [lambda: 1.0, lambda: 2.0])
    with pytest.raises(TypeError, match="integer"):
        lax.switch(True, [lambda: 1.0, lambda: 2.0])
    with pytest.raises(ValueError, match="empty"):
        lax.switch(0, [])
    with pytest.raises(TypeError, match="structure"):
        lax.switch(1, [lambda x: x, lambda x: (x, x)], 3.0)
    assert float(lax.switch(-3, [lambda x: x, lambda x: 2 * x], 3.0)) == 3.0


def test_loop_carries_keep_their_type():
    with pytest.raises(TypeError, match="carry"):
        lax.while_loop(lambda c: fnp.all(c < 5), lambda c: np.ones(2), 0.0)
    with pytest.raises(TypeError, match="carry"):
        lax.while_loop(lambda c: c < 5, lambda c: c + 1.0, np.int64(0))
    with pytest.raises(TypeError, match="carry"):
        lax.fori_loop(0, 3, lambda i, c: np.ones(2), 1.0)
    with pytest.raises(TypeError, match="carry"):
        lax.scan(lambda c, x: (c * x, c), np.float32(1), np.arange(1.0, 4.0))
    with pytest.raises(TypeError, match="structure"):
        lax.scan(lambda c, x: ((c[0],), x), [0.0], np.ones(2))
    # a Python number is weakly typed: it may become a float
    assert float(lax.while_loop(lambda c: c < 5, lambda c: c + 1.0, 0)) == 5.0
    carry, _ = lax.scan(lambda c, x: (c + 0.5, x), 0, np.ones(2))
    assert carry.dtype == np.float64 and float(carry) == 1.0


def test_while_loop_condition_must_be_a_boolean_scalar():
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda c: c < 5, lambda c: c + 1.0, np.zeros(2))
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda c: 5.0 - c, lambda c: c + 1.0, 0.0)


def test_while_loop_reverse_mode_works_unlike_jax():
    f = lambda x: lax.while_loop(lambda c: c < 5, lambda c: c * 2, x)  # noqa: E731
    assert float(fg.grad(f)(1.0)) == 8.0
    assert [float(v) for v in fg.jvp(f, (1.0,), (1.0,))] == [8.0, 8.0]


def test_fori_loop_bounds_unroll_and_per_example_bounds():
    assert float(lax.fori_loop(0, 3, lambda i, c: c + i, 0.0, unroll=2)) == 3.0
    assert float(lax.fori_loop(np.int32(0), np.int32(3), lambda i, c: c + i, 0.0)) == 3.0
    with pytest.raises(TypeError, match="integer"):
        lax.fori_loop(0, 3.0, lambda i, c: c + i, 0.0)
    counts = fg.vmap(lambda n: lax.fori_loop(0, n, lambda i, c: c + 1.0, 0.0))(np.array([1, 3, 0]))
    assert counts.tolist() == [1.0, 3.0, 0.0]


def test_scan_signature_errors_and_empty_length():
    carry, ys = lax.scan(lambda c, x: (c + x, c * 2), 0.0, np.zeros(0))
    assert float(carry) == 0.0 and ys.shape == (0,) and ys.dtype == np.float64
    _, ys = lax.scan(lambda c, x: (c + x, c), 0.0, np.arange(1.0, 4.0), unroll=2)
    assert ys.tolist() == [0.0, 1.0, 3.0]
    with pytest.raises(ValueError, match="length"):
        lax.scan(lambda c, x: (c + 1.0, c), 0.0, None)
    with pytest.raises(ValueError, match="disagrees"):
        lax.scan(lambda c, x: (c, x), 0.0, np.ones(3), length=4)
    with pytest.raises(ValueError, match="different leading"):
        lax.scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4)))
    with pytest.raises(ValueError, match="leading axis"):
        lax.scan(lambda c, x: (c, x), 0.0, 1.0)
    with pytest.raises(TypeError, match="pair"):
        lax.scan(lambda c, x: c, 0.0, np.ones(3))


def test_map_batch_size_and_empty():
    assert lax.map(lambda x: x * 2, np.arange(5.0), batch_size=2).tolist() == [0, 2, 4, 6, 8]
    assert lax.map(lambda x: x * 2, np.zeros((0, 3))).shape == (0, 3)
    assert fg.lax.stop_gradient is fg.stop_gradient


def test_collectives_over_a_named_vmap_axis():
    xs = np.arange(3.0)
    center = fg.vmap(lambda x: x - lax.pmean(x, "i"), axis_name="i")
    assert center(xs).tolist() == [-1.0, 0.0, 1.0]
    assert fg.vmap(lambda x: lax.psum(1.0, "i"), axis_name="i")(xs).tolist() == [3.0] * 3
    assert fg.vmap(lambda x: x * lax.axis_index("i"), axis_name="i")(np.ones(3)).tolist() == [0, 1, 2]
    assert fg.vmap(lambda x: lax.pmax(x, "i"), axis_name="i")(xs).tolist() == [2.0] * 3
    assert fg.vmap(lambda x: lax.all_gather(x, "i"), axis_name="i")(xs).tolist() == [[0, 1, 2]] * 3
    # d/dx_k of sum_j x_j^2, seen by every example: JAX's transpose of psum is psum
    assert fg.vmap(fg.grad(lambda x: lax.psum(x ** 2, "i")), axis_name="i")(xs).tolist() == [0, 6, 12]
    X = np.arange(6.0).reshape(2, 3)
    both = fg.vmap(fg.vmap(lambda x: lax.psum(x, ("i", "j")), axis_name="j"), axis_name="i")(X)
    assert both.tolist() == [[15.0] * 3] * 2
    inner = fg.vmap(fg.vmap(lambda x: lax.psum(x, "i"), axis_name="j"), axis_name="i")(X)
    assert inner.tolist() == [[3.0, 5.0, 7.0]] * 2
    with pytest.raises(NameError, match="unbound axis name"):
        lax.psum(1.0, "i")


def test_collectives_under_jit():
    center = fg.jit(fg.vmap(lambda x: x - lax.pmean(x, "i"), axis_name="i"))
    assert center(np.arange(3.0)).tolist() == [-1.0, 0.0, 1.0]
    assert center(np.arange(4.0)).tolist() == [-1.5, -0.5, 0.5, 1.5]
    inner = fg.vmap(fg.jit(lambda x: lax.psum(x, "i")), axis_name="i")
    assert inner(np.arange(3.0)).tolist() == [3.0, 3.0, 3.0]


def test_numeric_operations_under_jax_names():
    M = np.arange(12.0).reshape(3, 4)
    assert lax.dynamic_slice(M, (1, 2), (2, 2)).tolist() == [[6.0, 7.0], [10.0, 11.0]]
    assert lax.dynamic_slice(M, (5, -1), (2, 2)).tolist() == [[6.0, 7.0], [10.0, 11.0]]  # clamped
    updated = lax.dynamic_update_slice(M, np.zeros((2, 2)), (2, 3))
    assert updated[1:, 2:].tolist() == [[0.0, 0.0], [0.0, 0.0]] and updated[0, 0] == 0.0 + M[0, 0]
    g = fg.grad(lambda x: fnp.sum(lax.dynamic_slice(x, (1, 0), (2, 4)) ** 2))(M)
    np.testing.assert_allclose(g, np.where(np.arange(3)[:, None] >= 1, 2 * M, 0.0))
    assert lax.round(np.array([0.5, -0.5, 1.5])).tolist() == [1.0, -1.0, 2.0]  # half away from 0
    assert lax.broadcast_in_dim(np.arange(3.0), (3, 2), (0,)).tolist() == [[0, 0], [1, 1], [2, 2]]
    assert lax.pad(np.ones(2), 0.0, [(1, 2, 0)]).tolist() == [0, 1, 1, 0, 0]
    assert lax.cumsum(np.arange(4.0), reverse=True).tolist() == [6.0, 6.0, 5.0, 3.0]
    assert lax.select(np.array([True, False]), np.ones(2), np.zeros(2)).tolist() == [1.0, 0.0]
    assert float(lax.rsqrt(4.0)) == 0.5 and float(lax.integer_pow(2.0, 3)) == 8.0


def test_the_branch_not_taken_is_type_checked_without_running_its_loops():
    # on zero stand-ins this loop would never end (0 * 2 < 10 forever): loops apply their body
    # once while a branch is only being type-checked
    grow = lambda x: lax.while_loop(lambda c: c < 10.0, lambda c: c * 2.0, x)  # noqa: E731
    assert float(lax.cond(False, grow, lambda x: x, 1.0)) == 1.0
    assert float(lax.cond(True, grow, lambda x: x, 1.0)) == 16.0
    scan_sum = lambda x: lax.scan(lambda c, v: (c + v * x, c), 0.0, np.arange(3.0))[0]  # noqa: E731
    assert float(lax.cond(False, scan_sum, lambda x: x, 2.0)) == 2.0
    with pytest.raises(TypeError, match="cond"):  # the loop's result type is still checked
        lax.cond(True, lambda x: x, lambda x: lax.fori_loop(0, 3, lambda i, c: c + 1, 0), 1.0)


def test_cond_under_jit_keeps_one_guard_and_drops_the_branch_not_taken():
    w = np.ones(3)
    f = fg.jit(lambda x, w: lax.cond(x.sum() > 0, lambda v: fnp.sin(v) * w,
                                     lambda v: fnp.exp(w) + v, x))
    source = f.lower(np.ones(3), w).source
    assert source.count("GuardFailed") == 1 and "exp" not in source
    np.testing.assert_allclose(f(np.ones(3), w), np.sin(np.ones(3)))
    np.testing.assert_allclose(f(-np.ones(3), w), np.exp(1.0) - 1.0)


def test_associative_scan():
    assert lax.associative_scan(lambda a, b: a + b, np.arange(1.0, 8.0)).tolist() == \
        [1.0, 3.0, 6.0, 10.0, 15.0, 21.0, 28.0]
    assert lax.associative_scan(lambda a, b: a * b, np.arange(1.0, 5.0), reverse=True).tolist() == \
        [24.0, 24.0, 12.0, 4.0]
    g = fg.grad(lambda x: fnp.sum(lax.associative_scan(lambda a, b: a * b, x)))(np.arange(1.0, 5.0))
    assert g.tolist() == [33.0, 16.0, 10.0, 6.0]
