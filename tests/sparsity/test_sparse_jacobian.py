"""sparse_jacobian and sparse_hessian equal the dense Jacobians and Hessians."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from tests.opinfo import bind, split_sample, tolerance
from tests.sparsity.test_detection import CASES, _dense_jacobian, _flat_output

FEW = settings(max_examples=2, deadline=None, derandomize=True,
               suppress_health_check=list(HealthCheck))
SOME = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def dense(J):
    return J.toarray()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@given(data=st.data())
@FEW
def test_decompressed_equals_dense_on_the_op_table(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    if any(np.iscomplexobj(a) for a in arrays):
        return
    fun = _flat_output(bind(case, fnp, static))
    out = np.asarray(fun(*arrays))
    if not np.issubdtype(out.dtype, np.floating):
        return
    for k, x in enumerate(arrays):
        x = np.asarray(x)
        if x.dtype != np.float64:
            continue
        f = lambda v, k=k: fun(*arrays[:k], v, *arrays[k + 1:])  # noqa: E731
        expected = _dense_jacobian(case, f, x)
        if not np.all(np.isfinite(expected)):
            continue
        for mode in ("fwd", "rev") if "fwd" in case.modes else ("rev",):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", fg.sparse.SparsityWarning)
                J = fg.sparse_jacobian(f, mode=mode)(x)
            np.testing.assert_allclose(dense(J), expected, **tolerance(case, 1e-12, 1e-12),
                                       err_msg=f"{case.id}, argument {k}, mode {mode}")


# -- random compositions of elementwise, reduction, indexing and shape ops ------------------

N = 12
RNG = np.random.default_rng(1)
PERMUTATION = RNG.permutation(N)
BANDED = np.where(np.abs(np.subtract.outer(np.arange(N), np.arange(N))) <= 1,
                  RNG.standard_normal((N, N)), 0.0)
MASK = RNG.random(N) < 0.5
STEPS = {
    "sin": fnp.sin,
    "square": lambda x: x * x,
    "neighbours": lambda x: fnp.concatenate([x[:1], x[1:] * fnp.tanh(x[:-1])]),
    "roll": lambda x: fnp.roll(x, 2),
    "cumsum": lambda x: fnp.cumsum(x) * 0.1,
    "gather": lambda x: x[PERMUTATION],
    "strided": lambda x: fnp.concatenate([x[::2], fnp.exp(x[1::2])]),
    "reshape-transpose": lambda x: fnp.reshape(fnp.reshape(x, (3, 4)).T, (-1,)),
    "rowsum": lambda x: fnp.reshape(fnp.broadcast_to(fnp.sum(fnp.reshape(x, (4, 3)), axis=1,
                                                             keepdims=True), (4, 3)), (-1,)),
    "banded-matmul": lambda x: BANDED @ x,
    "matmul-banded": lambda x: x @ BANDED,
    "where-constant": lambda x: fnp.where(MASK, x, fnp.cos(x)),
    "where-traced": lambda x: fnp.where(x > 0, x, x[::-1]),
    "max-pairs": lambda x: fnp.reshape(fnp.broadcast_to(fnp.max(fnp.reshape(x, (6, 2)), axis=1,
                                                                keepdims=True), (6, 2)), (-1,)),
    "sort": lambda x: fnp.sort(x) * x,
    "scatter": lambda x: x.at[PERMUTATION[:4]].add(x[:4] ** 2),
    "einsum": lambda x: fnp.reshape(fnp.einsum("ij,jk->ik", fnp.reshape(x, (3, 4)),
                                               BANDED[:4, :4]), (-1,)),
}


@given(steps=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=5),
       seed=st.integers(0, 1000))
@SOME
def test_random_compositions(steps, seed):
    def f(x):
        for name in steps:
            x = STEPS[name](x)
        return x

    x = np.random.default_rng(seed).standard_normal(N)
    expected = fg.jacfwd(f)(x)
    pattern = fg.jacobian_sparsity(f)(x).toarray()
    assert not ((expected != 0) & ~pattern).any(), steps
    for mode in ("fwd", "rev", "auto"):
        np.testing.assert_allclose(fg.sparse_jacobian(f, mode=mode)(x).toarray(), expected,
                                   rtol=1e-12, atol=1e-12, err_msg=f"{steps} {mode}")


def test_constant_zeros_are_exact_zeros():
    mask = np.array([1.0, 0.0, 2.0, 0.0])
    pattern = fg.jacobian_sparsity(lambda x: fnp.sin(x) * mask)(np.ones(4)).toarray()
    np.testing.assert_array_equal(pattern, np.diag(mask != 0))
    pattern = fg.jacobian_sparsity(lambda x: BANDED @ x)(np.ones(N)).toarray()
    np.testing.assert_array_equal(pattern, BANDED != 0)


# -- Hessians -----------------------------------------------------------------------------

def chained_rosenbrock(x):
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


HESSIAN_FUNCTIONS = {
    "rosenbrock": chained_rosenbrock,
    "pentadiagonal": lambda x: fnp.sum(fnp.sin(x[2:] * x[:-2])) + fnp.sum(x[1:] ** 2 * x[:-1]),
    "separable": lambda x: fnp.sum(fnp.exp(x) * x),
    "dense-coupling": lambda x: fnp.sum(x) ** 2 + fnp.sum(x ** 3),
    "grid": lambda x: fnp.sum(fnp.diff(fnp.reshape(x, (4, 3)), axis=0) ** 4)
    + fnp.sum(fnp.diff(fnp.reshape(x, (4, 3)), axis=1) ** 2 * fnp.reshape(x, (4, 3))[:, 1:]),
}


@pytest.mark.parametrize("name", sorted(HESSIAN_FUNCTIONS))
def test_sparse_hessian_equals_dense(name):
    f = HESSIAN_FUNCTIONS[name]
    x = np.random.default_rng(2).standard_normal(12)
    expected = fg.hessian(f)(x)
    pattern = fg.hessian_sparsity(f)(x).toarray()
    assert not ((expected != 0) & ~pattern).any()
    np.testing.assert_array_equal(pattern, pattern.T)
    H = fg.sparse_hessian(f)(x)
    np.testing.assert_allclose(H.toarray(), expected, rtol=1e-12, atol=1e-10)


def test_tridiagonal_hessian_takes_three_colors():
    x = np.linspace(0.0, 1.0, 40)
    colors = fg.sparse.coloring(fg.hessian_sparsity(chained_rosenbrock)(x), mode="star")
    assert colors.n_colors == 3
    H = fg.sparse_hessian(chained_rosenbrock, sparsity=colors)(x)
    np.testing.assert_allclose(H.toarray(), fg.hessian(chained_rosenbrock)(x), rtol=1e-12)


def test_the_local_pattern_drops_exact_zeros_at_this_point_only():
    def f(x):
        return fnp.concatenate([fg.numpy.maximum(x, 0.0) * x[::-1], fnp.where(x > 0, x, 0.0)])

    x = np.array([1.0, -2.0, 3.0, -4.0])
    expected = fg.jacfwd(f)(x)
    global_pattern = fg.jacobian_sparsity(f)(x).toarray()
    local_pattern = fg.jacobian_sparsity(f, local=True)(x).toarray()
    np.testing.assert_array_equal(local_pattern, expected != 0)
    assert (global_pattern >= local_pattern).all() and global_pattern.sum() > local_pattern.sum()
    # the global pattern holds at another point, where the local one of x would miss entries
    other = -x
    assert not ((fg.jacfwd(f)(other) != 0) & ~global_pattern).any()
    assert ((fg.jacfwd(f)(other) != 0) & ~local_pattern).any()
    h = lambda x: fnp.sum(fg.numpy.maximum(x, 0.0) ** 3)  # noqa: E731
    np.testing.assert_array_equal(fg.hessian_sparsity(h, local=True)(x).toarray(),
                                  fg.hessian(h)(x) != 0)


ONCE = settings(max_examples=1, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
SECOND_ORDER = [c for c in CASES if c.order >= 2 and "fwd" in c.modes]


@pytest.mark.parametrize("case", SECOND_ORDER, ids=lambda c: c.id)
@given(data=st.data())
@ONCE
def test_sparse_hessian_equals_dense_on_the_op_table(case, data):
    """The Hessian pattern is detected from the gradient's trace: every reverse rule meets the
    detection interpreter here."""
    arrays, static = split_sample(data.draw(case.inputs))
    if any(np.iscomplexobj(a) for a in arrays):
        return
    fun = _flat_output(bind(case, fnp, static))
    out = np.asarray(fun(*arrays))
    if not np.issubdtype(out.dtype, np.floating):
        return
    weights = np.random.default_rng(3).standard_normal(out.shape)
    for k, x in enumerate(arrays):
        x = np.asarray(x)
        if x.dtype != np.float64:
            continue
        f = lambda v, k=k: fnp.sum(fun(*arrays[:k], v, *arrays[k + 1:]) * weights)  # noqa: E731
        expected = np.reshape(fg.hessian(f)(x), (x.size, x.size))
        if not np.all(np.isfinite(expected)):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fg.sparse.SparsityWarning)
            pattern = fg.hessian_sparsity(f)(x).toarray()
            H = fg.sparse_hessian(f)(x).toarray()
        assert not ((expected != 0) & ~pattern).any(), f"{case.id}, argument {k}"
        np.testing.assert_allclose(H, expected, **tolerance(case, 1e-10, 1e-10),
                                   err_msg=f"{case.id}, argument {k}")
