"""funcgrad.random: keys, reproducibility, independence, distributions, and the transforms."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.random as fr
from funcgrad.errors import NonDifferentiableError  # noqa: F401  (documented in docs/random.md)

KEY = fr.key(0)


def test_key_is_a_small_uint32_array_and_a_pytree_leaf():
    k = fr.key(42)
    assert k.shape == (2,) and k.dtype == np.uint32
    assert fg.tree_util.tree_leaves({"k": k})[0] is k
    np.testing.assert_array_equal(fr.PRNGKey(42), k)
    np.testing.assert_array_equal(fr.key(2 ** 40 + 3), [2 ** 8, 3])


def test_draws_are_reproducible_and_depend_only_on_the_key():
    a = fr.normal(fr.key(7), (5,))
    b = fr.normal(fr.key(7), (5,))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, fr.normal(fr.key(8), (5,)))


def test_draws_are_the_same_on_every_platform():
    # Philox is a counter-based generator: these numbers are fixed by the key alone
    k1, k2 = fr.split(fr.key(0))
    np.testing.assert_array_equal(fr.split(fr.key(0)), [[3493329091, 4188131702],
                                                        [3226943899, 1277232997]])
    np.testing.assert_array_equal(fr.bits(fr.key(1), (2,), np.uint64),
                                  np.random.Philox(key=[1, 0]).random_raw(2))


def test_split_keys_are_distinct_and_give_independent_streams():
    keys = fr.split(KEY, 1000)
    assert keys.shape == (1000, 2)
    assert len({tuple(k) for k in keys}) == 1000
    assert not any(np.array_equal(k, KEY) for k in keys)
    draws = np.stack([fr.uniform(k, (200,)) for k in keys[:50]])
    corr = np.corrcoef(draws)
    off = corr[~np.eye(50, dtype=bool)]
    assert np.max(np.abs(off)) < 0.35  # 200 samples: |r| ~ 0.07 typical
    assert fr.split(KEY, (2, 3)).shape == (2, 3, 2)


def test_fold_in_depends_on_the_data():
    a, b = fr.fold_in(KEY, 1), fr.fold_in(KEY, 2)
    assert a.shape == (2,) and not np.array_equal(a, b)
    np.testing.assert_array_equal(fr.fold_in(KEY, 1), a)
    with pytest.raises(TypeError, match="one integer"):
        fr.fold_in(KEY, 1.5)


def test_a_batch_of_keys_without_vmap_is_refused_with_the_fix():
    with pytest.raises(TypeError, match="vmap"):
        fr.normal(fr.split(KEY, 3))
    with pytest.raises(TypeError, match="key"):
        fr.normal(np.array([1.0, 2.0]))


def test_vmap_over_keys_gives_the_per_key_draws():
    keys = fr.split(KEY, 4)
    for draw in (lambda k: fr.normal(k, (3,)), lambda k: fr.uniform(k, (2,)),
                 lambda k: fr.gamma(k, 2.5, (2,)), lambda k: fr.randint(k, (3,), 0, 10),
                 lambda k: fr.split(k), lambda k: fr.poisson(k, 3.0, (2,))):
        batched = fg.vmap(draw)(keys)
        np.testing.assert_array_equal(batched, np.stack([draw(k) for k in keys]))


def test_vmap_over_parameters_with_one_key():
    alphas = np.array([0.5, 1.0, 4.0])
    batched = fg.vmap(lambda a: fr.gamma(KEY, a))(alphas)
    np.testing.assert_array_equal(batched, [fr.gamma(KEY, a) for a in alphas])


def test_fold_in_under_vmap():
    data = np.arange(3)
    out = fg.vmap(lambda d: fr.fold_in(KEY, d))(data)
    np.testing.assert_array_equal(out, np.stack([fr.fold_in(KEY, int(d)) for d in data]))


def test_jit_takes_the_key_as_an_input_and_draws_anew():
    f = fg.jit(lambda k, mu: mu + fr.normal(k, (3,)))
    k1, k2 = fr.split(KEY)
    a, b = f(k1, 1.0), f(k2, 1.0)
    np.testing.assert_array_equal(a, 1.0 + fr.normal(k1, (3,)))
    np.testing.assert_array_equal(b, 1.0 + fr.normal(k2, (3,)))
    assert f.trace_count == 1


def test_reparameterised_normal_differentiates_in_its_parameters():
    def sample_mean(mu, sigma):
        return fnp.mean(fr.normal(KEY, (1000,)) * sigma + mu)
    d_mu, d_sigma = fg.grad(sample_mean, argnums=(0, 1))(0.5, 2.0)
    assert d_mu == pytest.approx(1.0)
    assert d_sigma == pytest.approx(np.mean(fr.normal(KEY, (1000,))))


def test_uniform_bounds_are_differentiable_and_respected():
    u = fr.uniform(KEY, (1000,), minval=-2.0, maxval=3.0)
    assert u.min() >= -2.0 and u.max() < 3.0
    g = fg.grad(lambda hi: fnp.sum(fr.uniform(KEY, (4,), minval=0.0, maxval=hi)))(2.0)
    assert g == pytest.approx(np.sum(fr.uniform(KEY, (4,))))


def _gamma_derivative_by_inversion(alpha, z):
    """dz/dalpha at fixed CDF value u = P(alpha, z), by central differences of SciPy's
    inverse incomplete gamma: the derivative implicit reparameterisation must give."""
    sc = pytest.importorskip("scipy.special")
    u = sc.gammainc(alpha, z)
    h = 1e-5 * alpha
    return (sc.gammaincinv(alpha + h, u) - sc.gammaincinv(alpha - h, u)) / (2 * h)


@pytest.mark.parametrize("alpha", [0.3, 1.0, 2.5, 20.0, 200.0])
def test_gamma_implicit_reparameterisation_matches_inversion(alpha):
    keys = fr.split(KEY, 5)
    for k in keys:
        z = fr.gamma(k, alpha, (3,))
        want = _gamma_derivative_by_inversion(alpha, z)
        got = fg.jacfwd(lambda a: fr.gamma(k, a, (3,)))(alpha)
        np.testing.assert_allclose(got, want, rtol=1e-6)
        got_rev = fg.jacrev(lambda a: fr.gamma(k, a, (3,)))(alpha)
        np.testing.assert_allclose(got_rev, got, rtol=1e-12)


def test_gamma_against_jax_random_gamma_grad():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    alpha = np.array([0.5, 1.5, 3.0, 10.0])
    z = np.asarray(fr.gamma(KEY, alpha))
    want = np.asarray(jax.lax.random_gamma_grad(alpha, z))
    got = np.diag(fg.jacfwd(lambda a: fr.gamma(KEY, a))(alpha))
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_gamma_mean_gradient_is_one():
    # E[z] = alpha, so the average of dz/dalpha over many draws is close to 1
    g = fg.grad(lambda a: fnp.mean(fr.gamma(KEY, a, (4000,))))(3.0)
    assert g == pytest.approx(1.0, abs=0.05)


def test_gamma_second_derivative_follows_the_implicit_path():
    # along z(alpha) = P^-1(alpha, u) with u fixed, z'' by finite differences of SciPy's inverse
    sc = pytest.importorskip("scipy.special")
    alpha = 2.0
    z = fr.gamma(KEY, alpha)
    u = sc.gammainc(alpha, z)
    h = 1e-3
    fd = (sc.gammaincinv(alpha + h, u) - 2 * z + sc.gammaincinv(alpha - h, u)) / h ** 2
    d2 = fg.grad(fg.grad(lambda a: fr.gamma(KEY, a)))(alpha)
    assert d2 == pytest.approx(fd, rel=1e-4)


def test_beta_and_dirichlet_differentiate_and_have_the_right_means():
    b = fr.beta(KEY, 2.0, 3.0, (20000,))
    assert b.mean() == pytest.approx(0.4, abs=0.01)
    d = fr.dirichlet(KEY, np.array([1.0, 2.0, 3.0]), (5000,))
    np.testing.assert_allclose(d.sum(-1), 1.0)
    np.testing.assert_allclose(d.mean(0), [1 / 6, 2 / 6, 3 / 6], atol=0.01)
    # E[B] = a / (a + b): d/da = b / (a + b)^2 = 0.12 at (2, 3)
    g = fg.grad(lambda a: fnp.mean(fr.beta(KEY, a, 3.0, (20000,))))(2.0)
    assert g == pytest.approx(0.12, abs=0.01)


@pytest.mark.parametrize("name,draw,mean,var", [
    ("uniform", lambda k: fr.uniform(k, (40000,)), 0.5, 1 / 12),
    ("normal", lambda k: fr.normal(k, (40000,)), 0.0, 1.0),
    ("exponential", lambda k: fr.exponential(k, (40000,)), 1.0, 1.0),
    ("gumbel", lambda k: fr.gumbel(k, (40000,)), 0.5772156649, np.pi ** 2 / 6),
    ("laplace", lambda k: fr.laplace(k, (40000,)), 0.0, 2.0),
    ("logistic", lambda k: fr.logistic(k, (40000,)), 0.0, np.pi ** 2 / 3),
    ("gamma", lambda k: fr.gamma(k, 3.0, (40000,)), 3.0, 3.0),
    ("poisson", lambda k: fr.poisson(k, 4.0, (40000,)), 4.0, 4.0),
    ("bernoulli", lambda k: fr.bernoulli(k, 0.3, (40000,)), 0.3, 0.21),
    ("randint", lambda k: fr.randint(k, (40000,), 2, 6), 3.5, 1.25),
    ("truncated_normal", lambda k: fr.truncated_normal(k, 0.0, np.inf, (40000,)),
     np.sqrt(2 / np.pi), 1 - 2 / np.pi),
    ("chisquare", lambda k: fr.chisquare(k, 3.0, (40000,)), 3.0, 6.0),
])
def test_moments(name, draw, mean, var):
    if name == "truncated_normal":
        pytest.importorskip("scipy")
    x = np.asarray(draw(KEY), float)
    assert x.mean() == pytest.approx(mean, abs=4 * np.sqrt(var / x.size) + 1e-12)
    assert x.var() == pytest.approx(var, rel=0.06)


def test_dtypes_and_shapes_follow_jax_names():
    assert fr.normal(KEY, (2, 3), np.float32).dtype == np.float32
    assert fr.uniform(KEY, dtype=np.float32).shape == ()
    assert fr.randint(KEY, (4,), 0, 3, dtype=np.int32).dtype == np.int32
    assert fr.bernoulli(KEY, np.full((2, 2), 0.5)).shape == (2, 2)
    assert fr.gamma(KEY, np.ones(3)).shape == (3,)
    assert fr.gamma(KEY, np.float32(2.0)).dtype == np.float32
    with pytest.raises(ValueError, match="broadcast"):
        fr.gamma(KEY, np.ones(3), (2,))
    with pytest.raises(TypeError, match="floating"):
        fr.normal(KEY, (2,), np.int64)


def test_randint_covers_its_range_and_truncated_normal_its_bounds():
    r = fr.randint(KEY, (2000,), -3, 4)
    assert set(np.unique(r)) == set(range(-3, 4))
    pytest.importorskip("scipy")
    t = fr.truncated_normal(KEY, -1.0, 0.5, (2000,))
    assert t.min() >= -1.0 and t.max() <= 0.5


def test_categorical_frequencies_follow_softmax():
    logits = np.log(np.array([0.1, 0.2, 0.7]))
    draws = fr.categorical(KEY, logits, shape=(20000,))
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, [0.1, 0.2, 0.7],
                               atol=0.015)
    batched = fr.categorical(KEY, np.zeros((5, 4)))
    assert batched.shape == (5,)


def test_permutation_and_choice():
    p = fr.permutation(KEY, 10)
    assert sorted(p.tolist()) == list(range(10))
    x = np.arange(12.0).reshape(4, 3)
    px = fr.permutation(KEY, x)
    assert sorted(px[:, 0].tolist()) == [0.0, 3.0, 6.0, 9.0]
    c = fr.choice(KEY, 10, (5,), replace=False)
    assert len(set(c.tolist())) == 5
    w = fr.choice(KEY, np.array([1.0, 2.0]), (2000,), p=np.array([0.25, 0.75]))
    assert np.mean(w == 2.0) == pytest.approx(0.75, abs=0.04)
    with pytest.raises(ValueError, match="without replacement"):
        fr.choice(KEY, 3, (4,), replace=False)


def test_multivariate_normal_covariance():
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    for method in ("cholesky", "eigh", "svd"):
        x = fr.multivariate_normal(KEY, np.array([1.0, -1.0]), cov, (20000,), method=method)
        assert x.shape == (20000, 2)
        np.testing.assert_allclose(np.cov(x.T), cov, atol=0.06)
        np.testing.assert_allclose(x.mean(0), [1.0, -1.0], atol=0.04)


def test_orthogonal_is_orthogonal():
    q = fr.orthogonal(KEY, 4)
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-12)


def test_jax_random_names_exist():
    jax = pytest.importorskip("jax")
    for name in ["PRNGKey", "key", "split", "fold_in", "normal", "uniform", "bernoulli",
                 "categorical", "randint", "choice", "permutation", "truncated_normal",
                 "gamma", "beta", "dirichlet", "exponential", "multivariate_normal", "gumbel",
                 "laplace", "poisson", "bits", "cauchy", "logistic", "t", "chisquare",
                 "rademacher", "orthogonal", "loggamma"]:
        assert hasattr(fr, name) and hasattr(jax.random, name), name
