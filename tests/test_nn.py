"""funcgrad.nn against jax.nn (values and derivatives, kinks included) and by value."""
import math

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.nn as fnn
import funcgrad.random as fr
from funcgrad.nn import initializers

X = np.array([-7.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 6.0, 7.0])  # kinks at 0, +-1, 6
ELEMENTWISE = ["relu", "relu6", "leaky_relu", "elu", "celu", "selu", "gelu", "sigmoid",
               "log_sigmoid", "silu", "swish", "softplus", "soft_sign", "hard_tanh", "mish",
               "squareplus", "hard_sigmoid", "hard_silu", "hard_swish"]


@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_values_and_derivatives_match_jax(jax, name):
    ours, theirs = getattr(fnn, name), getattr(jax.nn, name)
    np.testing.assert_allclose(ours(X), np.asarray(theirs(X)), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(fg.vmap(fg.grad(ours))(X),
                               np.asarray(jax.vmap(jax.grad(theirs))(X)), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(fg.vmap(fg.grad(fg.grad(ours)))(X + 0.25),
                               np.asarray(jax.vmap(jax.grad(jax.grad(theirs)))(X + 0.25)),
                               rtol=1e-10, atol=1e-11)


def test_relu_derivative_at_zero_is_zero():
    assert fg.grad(fnn.relu)(0.0) == 0.0
    assert fg.grad(fnn.relu6)(6.0) == 0.0 and fg.grad(fnn.relu6)(0.0) == 0.0


def test_gelu_exact_and_tanh(jax):
    np.testing.assert_allclose(fnn.gelu(X, approximate=False),
                               np.asarray(jax.nn.gelu(X, approximate=False)), rtol=1e-13,
                               atol=1e-15)
    exact = [0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in X]
    np.testing.assert_allclose(fnn.gelu(X, approximate=False), exact, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(fg.vmap(fg.grad(lambda x: fnn.gelu(x, approximate=False)))(X),
                               np.asarray(jax.vmap(jax.grad(
                                   lambda x: jax.nn.gelu(x, approximate=False)))(X)), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name,kwargs", [("softmax", {}), ("softmax", {"axis": 0}),
                                         ("log_softmax", {}), ("log_softmax", {"axis": 0}),
                                         ("logsumexp", {"axis": 1}), ("logsumexp", {}),
                                         ("standardize", {}), ("glu", {})])
def test_reductions_match_jax(jax, name, kwargs):
    z = np.random.default_rng(1).standard_normal((3, 4)) * 3
    ours, theirs = getattr(fnn, name), getattr(jax.nn, name, None) or getattr(jax.scipy.special, name)
    np.testing.assert_allclose(ours(z, **kwargs), np.asarray(theirs(z, **kwargs)), rtol=1e-12,
                               atol=1e-14)
    w = np.random.default_rng(2).standard_normal(np.shape(ours(z, **kwargs)))
    g_ours = fg.grad(lambda v: (ours(v, **kwargs) * w).sum())(z)
    g_theirs = jax.grad(lambda v: (theirs(v, **kwargs) * w).sum())(z)
    np.testing.assert_allclose(g_ours, np.asarray(g_theirs), rtol=1e-10, atol=1e-11)


def test_softmax_is_stable_and_masks(jax):
    big = np.array([1000.0, 1000.0, -1000.0])
    np.testing.assert_allclose(fnn.softmax(big), [0.5, 0.5, 0.0])
    assert np.isfinite(fnn.log_softmax(big)).all() or fnn.log_softmax(big)[2] == -2000.0
    mask = np.array([True, False, True])
    np.testing.assert_allclose(fnn.softmax(np.zeros(3), where=mask), [0.5, 0.0, 0.5])
    assert float(fnn.logsumexp(np.array([-np.inf, -np.inf]))) == -np.inf


def test_one_hot(jax):
    labels = np.array([0, 2, 1, 5])
    np.testing.assert_array_equal(fnn.one_hot(labels, 3), np.asarray(jax.nn.one_hot(labels, 3)))
    assert fnn.one_hot(labels, 3, axis=0).shape == (3, 4)
    assert fnn.one_hot(labels, 3, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="integers"):
        fnn.one_hot(np.array([0.5]), 3)


def test_float32_stays_float32():
    x = X.astype(np.float32)
    for name in ELEMENTWISE + ["softmax", "log_softmax", "standardize"]:
        assert getattr(fnn, name)(x).dtype == np.float32, name


# -- initializers -------------------------------------------------------------------------------

KEY = fr.key(0)


@pytest.mark.parametrize("name,variance", [
    ("glorot_normal", 2 / (300 + 200)), ("glorot_uniform", 2 / (300 + 200)),
    ("he_normal", 2 / 300), ("he_uniform", 2 / 300),
    ("lecun_normal", 1 / 300), ("lecun_uniform", 1 / 300)])
def test_variance_scaling_initializers(name, variance):
    if name.endswith("normal"):
        pytest.importorskip("scipy")
    w = getattr(initializers, name)()(KEY, (300, 200))
    assert w.shape == (300, 200) and w.dtype == np.float64
    assert w.var() == pytest.approx(variance, rel=0.03)
    assert abs(w.mean()) < 0.01
    if name.endswith("normal"):  # truncated at two standard deviations, as JAX's
        assert np.abs(w).max() <= 2 * math.sqrt(variance) / 0.87962566103423978 + 1e-12
    np.testing.assert_array_equal(getattr(initializers, name)()(KEY, (300, 200)), w)


def test_initializers_match_jax_statistics_and_signature(jax):
    for name in ["glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal",
                 "lecun_uniform", "orthogonal", "zeros", "ones", "normal", "uniform",
                 "variance_scaling", "constant", "delta_orthogonal", "truncated_normal"]:
        assert hasattr(initializers, name) and hasattr(jax.nn.initializers, name), name
    pytest.importorskip("scipy")
    ours = initializers.he_normal()(KEY, (3, 3, 64, 128))
    theirs = np.asarray(jax.nn.initializers.he_normal()(jax.random.key(0), (3, 3, 64, 128),
                                                           np.float64))
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)


def test_orthogonal_and_constants():
    q = initializers.orthogonal()(KEY, (5, 3))
    np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-12)
    q = initializers.orthogonal(scale=2.0)(KEY, (3, 5))
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(3), atol=1e-12)
    np.testing.assert_array_equal(initializers.zeros(KEY, (2, 2)), np.zeros((2, 2)))
    np.testing.assert_array_equal(initializers.ones(KEY, (2,), np.float32), np.ones(2))
    np.testing.assert_array_equal(initializers.constant(3.0)(KEY, (2,)), [3.0, 3.0])
    assert initializers.normal(0.5)(KEY, (4000,)).std() == pytest.approx(0.5, rel=0.05)
    k = initializers.delta_orthogonal()(KEY, (3, 3, 4, 4))
    np.testing.assert_allclose(k[1, 1].T @ k[1, 1], np.eye(4), atol=1e-12)
    assert np.count_nonzero(k[0]) == 0


def test_standardize_where_uses_only_the_selected_entries():
    z = np.random.default_rng(3).standard_normal((3, 4))
    where = np.array([True, True, False, True])
    kept = z[:, where]
    expected = (z - kept.mean(-1, keepdims=True)) / np.sqrt(kept.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(fnn.standardize(z, where=where), expected, rtol=1e-12)
    g = fg.grad(lambda v: fnn.standardize(v, where=where)[:, 0].sum())(z)
    np.testing.assert_array_equal(g[:, 2], 0.0)  # an entry left out moves nothing but itself
    jax = pytest.importorskip("jax")
    np.testing.assert_allclose(fnn.standardize(z, where=where),
                               np.asarray(jax.nn.standardize(z, where=where)), rtol=1e-10)
