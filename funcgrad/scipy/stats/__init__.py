"""funcgrad.scipy.stats: differentiable distributions, with scipy.stats' function signatures."""
from funcgrad.scipy.stats import (bernoulli, beta, cauchy, dirichlet, expon, gamma,  # noqa: F401
                                  laplace, multivariate_normal, norm, poisson, t)

__all__ = ["bernoulli", "beta", "cauchy", "dirichlet", "expon", "gamma", "laplace",
           "multivariate_normal", "norm", "poisson", "t"]
