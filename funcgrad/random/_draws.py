"""Draws from a key, with jax.random's names and signatures.

Each distribution is a transformation, written with funcgrad's operations, of the few primitive
draws in `_primitives` (uniform, normal, gamma, poisson, bits). So a draw differentiates with
respect to its parameters wherever the transformation does (`normal(key) * sigma + mu`, the bounds
of `uniform`, the rate of `exponential`...), and `gamma`, `beta` and `dirichlet` through the
implicit reparameterisation of `_gamma`.
"""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.core.tracer import Tracer
from funcgrad.errors import describe, where
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.random import _primitives as P
from funcgrad.random._gamma import make_gamma

_FLOAT = np.dtype(np.float64)


def _float_dtype(dtype, caller):
    dtype = _FLOAT if dtype is None else np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"funcgrad.random.{caller}: dtype must be a floating dtype, got "
                        f"{dtype}{where()}.")
    return dtype


def _param_dtype(dtype, *params):
    """The draw's dtype: as asked, else the parameters' float dtype, else float64."""
    if dtype is not None:
        return np.dtype(dtype)
    kinds = [dtype_of(p) for p in params if isinstance(p, (np.ndarray, np.generic, Tracer))]
    kinds = [d for d in kinds if np.issubdtype(d, np.floating)]
    return np.result_type(*kinds) if kinds else _FLOAT


def _draw_shape(shape, params, caller):
    """shape given, or the broadcast shape of the parameters (JAX's default); the parameters
    must broadcast to a given shape."""
    param_shape = np.broadcast_shapes(*[tuple(shape_of(p)) for p in params]) if params else ()
    if shape is None:
        return param_shape
    shape = P.check_draw_shape(shape, caller)
    try:
        if np.broadcast_shapes(param_shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"funcgrad.random.{caller}: parameters of shape {param_shape} do not "
                         f"broadcast to shape={shape}{where()}.") from None
    return shape


def _uniform01(key, shape, dtype, caller):
    return P.uniform_p.bind(P.check_key(key, caller), shape=shape, dtype=dtype)


def _open_uniform(key, shape, dtype, caller):
    """Uniform on (0, 1): the [0, 1) draw with 0 moved to the smallest normal float."""
    u = _uniform01(key, shape, dtype, caller)
    return fnp.maximum(u, np.finfo(dtype).tiny)


# -- keys ---------------------------------------------------------------------------------------

def key(seed) -> np.ndarray:
    """A key from an integer seed: a uint32 array of shape (2,), a pytree leaf.

    >>> import funcgrad.random as fr
    >>> fr.key(0)
    array([0, 0], dtype=uint32)
    """
    if isinstance(seed, Tracer):
        from funcgrad.core.tracer import concretize
        seed = concretize(seed)
    if not np.issubdtype(np.asarray(seed).dtype, np.integer) or np.ndim(seed) != 0:
        raise TypeError(f"funcgrad.random.key: the seed must be one integer, got "
                        f"{describe(seed)}{where()}.")
    return P.random_key(seed)


PRNGKey = key


def split(key, num=2):
    """`num` new keys (shape (num, 2)), independent of one another and of `key`; `num` may also
    be a shape. Use a key once: split it to get more.

    >>> import funcgrad.random as fr
    >>> fr.split(fr.key(0)).shape
    (2, 2)
    """
    shape = P.check_draw_shape(num, "split")
    return P.split_p.bind(P.check_key(key, "split"), shape=shape)


def fold_in(key, data):
    """A new key determined by `key` and the integer `data` (e.g. a step or example number)."""
    if not np.issubdtype(dtype_of(data), np.integer) or len(shape_of(data)):
        raise TypeError(f"funcgrad.random.fold_in: data must be one integer, got "
                        f"{describe(data)}{where()}.")
    return P.fold_in_p.bind(P.check_key(key, "fold_in"), data)


def key_data(key):
    """The raw uint32 words of a key (a key is already its data here)."""
    return P.check_key(key, "key_data")


def wrap_key_data(data):
    """A key from its raw uint32 words."""
    return P.check_key(np.asarray(data, np.uint32), "wrap_key_data")


def bits(key, shape=(), dtype=np.uint32):
    """Uniformly random unsigned integers (uint8, uint16, uint32 or uint64)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "u":
        raise TypeError(f"funcgrad.random.bits: dtype must be unsigned, got {dtype}{where()}.")
    return P.bits_p.bind(P.check_key(key, "bits"), shape=P.check_draw_shape(shape, "bits"),
                         dtype=dtype)


# -- continuous ---------------------------------------------------------------------------------

def uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0):
    """Floats uniform on [minval, maxval); differentiable in minval and maxval."""
    dtype = _float_dtype(dtype, "uniform")
    shape = _draw_shape(shape, (minval, maxval), "uniform")
    u = _uniform01(key, shape, dtype, "uniform")
    out = minval + (maxval - minval) * u if (minval, maxval) != (0.0, 1.0) else u
    return fnp.asarray(out, dtype) if not isinstance(out, Tracer) else out.astype(dtype)


def normal(key, shape=(), dtype=None):
    """Standard normal draws; `normal(key) * sigma + mu` differentiates in mu and sigma."""
    dtype = _float_dtype(dtype, "normal")
    return P.normal_p.bind(P.check_key(key, "normal"), shape=P.check_draw_shape(shape, "normal"),
                           dtype=dtype)


def truncated_normal(key, lower, upper, shape=None, dtype=None):
    """Standard normal draws restricted to (lower, upper), by the inverse CDF (needs SciPy for
    ndtr/ndtri: pip install funcgrad[scipy]); differentiable in the bounds."""
    from funcgrad.scipy.special import ndtr, ndtri
    dtype = _float_dtype(dtype, "truncated_normal")
    shape = _draw_shape(shape, (lower, upper), "truncated_normal")
    low, high = ndtr(fnp.asarray(lower, dtype)), ndtr(fnp.asarray(upper, dtype))
    u = _open_uniform(key, shape, dtype, "truncated_normal")
    out = ndtri(low + u * (high - low))
    tiny = np.finfo(dtype).eps
    return fnp.clip(out, lower + tiny * 0, upper).astype(dtype)


def exponential(key, shape=(), dtype=None):
    """Exponential(1) draws: -log(1 - u)."""
    dtype = _float_dtype(dtype, "exponential")
    u = _uniform01(key, P.check_draw_shape(shape, "exponential"), dtype, "exponential")
    return -fnp.log1p(-u)


def gumbel(key, shape=(), dtype=None):
    """Standard Gumbel draws: -log(-log u)."""
    dtype = _float_dtype(dtype, "gumbel")
    u = _open_uniform(key, P.check_draw_shape(shape, "gumbel"), dtype, "gumbel")
    return -fnp.log(-fnp.log(u))


def laplace(key, shape=(), dtype=None):
    """Standard Laplace draws (density exp(-|x|)/2)."""
    dtype = _float_dtype(dtype, "laplace")
    u = _open_uniform(key, P.check_draw_shape(shape, "laplace"), dtype, "laplace")
    v = 2.0 * u - 1.0  # (-1, 1)
    return -fnp.sign(v) * fnp.log1p(-fnp.abs(v))


def logistic(key, shape=(), dtype=None):
    """Standard logistic draws: log(u / (1 - u))."""
    dtype = _float_dtype(dtype, "logistic")
    u = _open_uniform(key, P.check_draw_shape(shape, "logistic"), dtype, "logistic")
    return fnp.log(u) - fnp.log1p(-u)


def cauchy(key, shape=(), dtype=None):
    """Standard Cauchy draws: tan(pi (u - 1/2))."""
    dtype = _float_dtype(dtype, "cauchy")
    u = _open_uniform(key, P.check_draw_shape(shape, "cauchy"), dtype, "cauchy")
    return fnp.tan(np.pi * (u - 0.5))


def gamma(key, a, shape=None, dtype=None):
    """Gamma(a, 1) draws; differentiable in a by implicit reparameterisation (funcgrad/random/
    _gamma.py): dz/da = -(dP/da)(a, z) / p(z; a), P the gamma CDF."""
    dtype = _float_dtype(_param_dtype(dtype, a), "gamma")
    shape = _draw_shape(shape, (a,), "gamma")
    key = P.check_key(key, "gamma")
    a = a.astype(dtype) if isinstance(a, Tracer) else np.asarray(a, dtype)
    return make_gamma(shape, dtype)(key, a)


def loggamma(key, a, shape=None, dtype=None):
    """log of Gamma(a, 1) draws."""
    return fnp.log(gamma(key, a, shape, dtype))


def beta(key, a, b, shape=None, dtype=None):
    """Beta(a, b) draws as Ga / (Ga + Gb); differentiable in a and b (through gamma)."""
    shape = _draw_shape(shape, (a, b), "beta")
    key_a, key_b = split(key)
    ga, gb = gamma(key_a, a, shape, dtype), gamma(key_b, b, shape, dtype)
    return ga / (ga + gb)


def dirichlet(key, alpha, shape=None, dtype=None):
    """Dirichlet(alpha) draws over the last axis of alpha: shape + alpha.shape[-1:]."""
    k = shape_of(alpha)[-1:]
    if not k:
        raise ValueError(f"funcgrad.random.dirichlet: alpha must have at least one axis{where()}.")
    batch = tuple(shape_of(alpha)[:-1]) if shape is None else P.check_draw_shape(shape, "dirichlet")
    g = gamma(key, alpha, batch + tuple(k), dtype)
    return g / fnp.sum(g, axis=-1, keepdims=True)


def chisquare(key, df, shape=None, dtype=None):
    """Chi-squared draws: 2 Gamma(df / 2)."""
    return 2.0 * gamma(key, fnp.asarray(df) / 2.0 if isinstance(df, Tracer) else np.asarray(df) / 2.0,
                       shape, dtype)


def t(key, df, shape=None, dtype=None):
    """Student's t draws: N / sqrt(Chi2(df) / df)."""
    shape = _draw_shape(shape, (df,), "t")
    key_n, key_c = split(key)
    return normal(key_n, shape, _param_dtype(dtype, df)) / fnp.sqrt(
        chisquare(key_c, df, shape, dtype) / df)


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky"):
    """Draws of N(mean, cov): mean + L z with cov = L L^T (method "cholesky", "eigh" or "svd");
    differentiable in mean and cov. Shape is the batch shape (the result adds mean's last axis)."""
    if method not in ("cholesky", "eigh", "svd"):
        raise ValueError(f"funcgrad.random.multivariate_normal: method must be 'cholesky', 'eigh' "
                         f"or 'svd', got {method!r}.")
    dtype = _float_dtype(_param_dtype(dtype, mean, cov), "multivariate_normal")
    n = shape_of(mean)[-1]
    batch = np.broadcast_shapes(tuple(shape_of(mean)[:-1]), tuple(shape_of(cov)[:-2]))
    batch = batch if shape is None else P.check_draw_shape(shape, "multivariate_normal")
    if method == "cholesky":
        factor = fnp.linalg.cholesky(cov)
    elif method == "eigh":
        w, v = fnp.linalg.eigh(cov)
        factor = v * fnp.sqrt(fnp.maximum(w, 0.0))[..., None, :]
    else:
        u, s, _ = fnp.linalg.svd(cov)
        factor = u * fnp.sqrt(s)[..., None, :]
    z = normal(key, tuple(batch) + (n,), dtype)
    return mean + fnp.einsum("...ij,...j->...i", factor, z)


# -- discrete -----------------------------------------------------------------------------------

def bernoulli(key, p=0.5, shape=None):
    """Booleans, True with probability p."""
    shape = _draw_shape(shape, (p,), "bernoulli")
    return _uniform01(key, shape, _param_dtype(None, p), "bernoulli") < p


def randint(key, shape, minval, maxval, dtype=np.int64):
    """Integers uniform on [minval, maxval)."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.integer):
        raise TypeError(f"funcgrad.random.randint: dtype must be an integer dtype, got {dtype}.")
    shape = _draw_shape(shape, (minval, maxval), "randint")
    u = _uniform01(key, shape, _FLOAT, "randint")
    low = fnp.asarray(minval, _FLOAT) if not isinstance(minval, Tracer) else minval.astype(_FLOAT)
    high = fnp.asarray(maxval, _FLOAT) if not isinstance(maxval, Tracer) else maxval.astype(_FLOAT)
    out = fnp.floor(low + u * (high - low))
    return fnp.clip(out, low, fnp.maximum(high - 1, low)).astype(dtype)


def categorical(key, logits, axis=-1, shape=None):
    """Indices drawn with probabilities softmax(logits) along `axis` (the Gumbel-max trick)."""
    batch = list(shape_of(logits))
    axis = axis % len(batch)
    del batch[axis]
    shape = tuple(batch) if shape is None else P.check_draw_shape(shape, "categorical")
    logits_moved = fnp.moveaxis(logits, axis, -1)
    noise = gumbel(key, shape + tuple(shape_of(logits_moved)[-1:]),
                   _param_dtype(None, logits))
    return fnp.argmax(logits_moved + noise, axis=-1)


def permutation(key, x, axis=0, independent=False):
    """A random permutation of range(x) (x an int), or of x along `axis`."""
    if isinstance(x, (int, np.integer)):
        return fnp.argsort(_uniform01(key, (int(x),), _FLOAT, "permutation"))
    n = shape_of(x)[axis]
    if independent:
        order = fnp.argsort(_uniform01(key, tuple(shape_of(x)), _FLOAT, "permutation"), axis=axis)
        return fnp.take_along_axis(x, order, axis=axis)
    order = fnp.argsort(_uniform01(key, (n,), _FLOAT, "permutation"))
    return fnp.take(x, order, axis=axis)


def choice(key, a, shape=(), replace=True, p=None, axis=0):
    """Draws from the elements of `a` (or range(a) for an int) along `axis`, with probabilities
    p (uniform by default), with or without replacement."""
    shape = P.check_draw_shape(shape, "choice")
    n = int(a) if isinstance(a, (int, np.integer)) else shape_of(a)[axis]
    count = int(np.prod(shape, dtype=np.int64))
    if not replace and count > n:
        raise ValueError(f"funcgrad.random.choice: cannot take {count} draws from {n} elements "
                         f"without replacement{where()}.")
    if p is None:
        index = (randint(key, shape, 0, n) if replace else
                 fnp.reshape(permutation(key, n)[:count], shape))
    elif replace:
        index = categorical(key, fnp.log(p), shape=shape)
    else:  # Gumbel top-k: the k largest perturbed log-probabilities, in order
        scores = fnp.log(p) + gumbel(key, (n,), _param_dtype(None, p))
        index = fnp.reshape(fnp.argsort(-scores)[:count], shape)
    if isinstance(a, (int, np.integer)):
        return index
    return fnp.take(a, index, axis=axis)


def poisson(key, lam, shape=None, dtype=np.int64):
    """Poisson(lam) counts (integers: no derivative)."""
    shape = _draw_shape(shape, (lam,), "poisson")
    return P.poisson_p.bind(P.check_key(key, "poisson"), lam, shape=shape, dtype=np.dtype(dtype))


def rademacher(key, shape=(), dtype=np.int64):
    """-1 or +1 with equal probability."""
    return (2 * bernoulli(key, 0.5, P.check_draw_shape(shape, "rademacher")).astype(dtype)
            - 1).astype(dtype)


def orthogonal(key, n, shape=(), dtype=None):
    """Haar-random n x n orthogonal matrices (QR of a Gaussian matrix, signs fixed)."""
    z = normal(key, P.check_draw_shape(shape, "orthogonal") + (n, n), dtype)
    q, r = fnp.linalg.qr(z)
    d = fnp.sign(fnp.diagonal(r, axis1=-2, axis2=-1))
    return q * d[..., None, :]
