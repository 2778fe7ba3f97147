"""funcgrad.random: functional, splittable random keys with jax.random's names.

A key is a small uint32 array (a pytree leaf); every draw is a pure function of its key, made by
NumPy's counter-based Philox generator, so it is the same on every run and platform. Split a key
to get independent ones; never reuse a key for two draws you want independent.

    import funcgrad.random as fr
    key = fr.key(0)
    key, sub = fr.split(key)
    x = fr.normal(sub, (3,))

Works under vmap (a batch of keys gives the batch of per-key draws), jit (the key is an input,
so each call draws anew) and grad (draws differentiate in their parameters; gamma, beta and
dirichlet by implicit reparameterisation). See docs/random.md.
"""
from funcgrad.random._draws import (PRNGKey, bernoulli, beta, bits, categorical, cauchy,  # noqa: F401
                                    chisquare, choice, dirichlet, exponential, fold_in, gamma,
                                    gumbel, key, key_data, laplace, loggamma, logistic,
                                    multivariate_normal, normal, orthogonal, permutation, poisson,
                                    rademacher, randint, split, t, truncated_normal, uniform,
                                    wrap_key_data)

__all__ = ["PRNGKey", "bernoulli", "beta", "bits", "categorical", "cauchy", "chisquare", "choice",
           "dirichlet", "exponential", "fold_in", "gamma", "gumbel", "key", "key_data", "laplace",
           "loggamma", "logistic", "multivariate_normal", "normal", "orthogonal", "permutation",
           "poisson", "rademacher", "randint", "split", "t", "truncated_normal", "uniform",
           "wrap_key_data"]
