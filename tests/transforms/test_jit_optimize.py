"""jit's algebraic passes: uniform constants, skipped broadcasts, the MLP's generated code."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes

import funcgrad as fg
import funcgrad.numpy as fnp

DTYPES = [np.float64, np.float32]


def assert_same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@settings(max_examples=20, deadline=None)
@given(array_shapes(min_dims=1, max_dims=3, max_side=4), st.sampled_from(DTYPES),
       st.sampled_from([np.float64, np.float32, np.int64]), st.floats(-3, 3))
def test_uniform_constant_arrays_act_as_their_value(shape, dtype, const_dtype, value):
    c = np.full(shape[-1:], value).astype(const_dtype)   # one value, broadcast along the last axis
    f = lambda x: (x * c, c - x, x / (c * c + 1), fnp.maximum(x, c))  # noqa: E731
    x = np.linspace(-2, 2, int(np.prod(shape))).reshape(shape).astype(dtype)
    for got, want in zip(fg.jit(f)(x), f(x)):
        assert_same(got, want)
    lowered = fg.jit(f).lower(x)
    assert "_c0" not in lowered.source or const_dtype is not np.float64 or dtype is not np.float64


@settings(max_examples=20, deadline=None)
@given(array_shapes(min_dims=2, max_dims=3, max_side=4), st.sampled_from(DTYPES), st.booleans())
def test_broadcasts_feeding_elementwise_ops_are_read_unbroadcast(shape, dtype, keep_used):
    def f(x, row):
        b = fnp.broadcast_to(row, shape)                   # NumPy would broadcast row anyway
        out = (x * b + b, fnp.sum(b * x, axis=0))
        return out + ((b,) if keep_used else ())           # b itself an output: still computed
    x = np.arange(np.prod(shape), dtype=dtype).reshape(shape) / 7
    row = (np.arange(shape[-1], dtype=dtype) + 1) / 3
    for got, want in zip(fg.jit(f)(x, row), f(x, row)):
        assert_same(got, want)
    names = [eq.primitive.name for eq in fg.jit(f).lower(x, row).optimised]
    assert ("broadcast_to" in names) == keep_used


def test_a_broadcast_that_widens_the_result_is_kept():
    f = lambda row: fnp.broadcast_to(row, (3, 2)) * 2.0  # noqa: E731  (row alone would be (2,))
    row = np.array([1.0, 2.0])
    assert_same(fg.jit(f)(row), f(row))
    assert "broadcast_to" in fg.jit(f).lower(row).source


@pytest.mark.parametrize("dtype", DTYPES)
def test_mlp_gradient_code_is_lean_and_matches_eager(dtype):
    rng = np.random.default_rng(0)
    params = [(rng.standard_normal((6, 5)).astype(dtype), np.zeros(5, dtype)),
              (rng.standard_normal((5, 3)).astype(dtype), np.zeros(3, dtype))]
    x = rng.standard_normal((4, 6)).astype(dtype)
    onehot = np.eye(3, dtype=dtype)[[0, 2, 1, 0]]

    def loss(params, x, onehot):
        (w1, b1), (w2, b2) = params
        h = fnp.tanh(x @ w1 + b1)
        logits = h @ w2 + b2
        return -fnp.sum(onehot * fnp.log_softmax(logits, axis=-1)) / x.shape[0]
    before = [(w.copy(), b.copy()) for w, b in params]
    jg = fg.jit(fg.grad(loss))
    got, want = jg(params, x, onehot), fg.grad(loss)(params, x, onehot)
    for (gw, gb), (ww, wb) in zip(got, want):
        np.testing.assert_allclose(gw, ww, rtol=1e-5 if dtype == np.float32 else 1e-13)
        assert gw.dtype == dtype and gb.dtype == dtype
    for (w, b), (w0, b0) in zip(params, before):
        assert_same(w, w0) and assert_same(b, b0)
    source = jg.lower(params, x, onehot).source
    assert "out=" in source and "broadcast_to" not in source
    if dtype == np.float64:
        assert "_c0" not in source                       # the seed is a literal, not an array
