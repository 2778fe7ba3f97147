"""Random tensors from funcgrad.torch's own generator (values differ from PyTorch's)."""
from __future__ import annotations

import numpy as np

from funcgrad.torch import _dtype
from funcgrad.torch._meta import wants_meta
from funcgrad.torch._ops import _sizes
from funcgrad.torch.tensor import Tensor



class Generator:
    """A seedable source of random numbers (NumPy's PCG64 underneath)."""

    def __init__(self, seed=None):
        self._seed = 67280421310721 if seed is None else int(seed)
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.manual_seed(np.random.SeedSequence().entropy % 2 ** 63).initial_seed()


def initial_seed():
    return default_generator.initial_seed()


def _rng(generator):
    return (generator or default_generator).rng


def _finish(data, dtype, requires_grad):
    t = Tensor._make(np.asarray(data, dtype=_dtype.to_numpy(dtype) or _dtype.DEFAULT[0]))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _meta(size, dtype, requires_grad):
    from funcgrad.torch._creation import meta
    return meta(size, _dtype.to_numpy(dtype) or _dtype.DEFAULT[0], requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False, device=None, **_):
    if wants_meta(device):  # (no numbers drawn)
        return _meta(_sizes(size), dtype, requires_grad)
    return _finish(_rng(generator).random(_sizes(size)), dtype, requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False, device=None, **_):
    if wants_meta(device):
        return _meta(_sizes(size), dtype, requires_grad)
    return _finish(_rng(generator).standard_normal(_sizes(size)), dtype, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, requires_grad=False,
            device=None, **_):
    if high is None:
        low, high = 0, low
    if wants_meta(device):
        return _meta(tuple(size), dtype or _dtype.int64, requires_grad)
    data = _rng(generator).integers(low, high, size=tuple(size))
    return _finish(data, dtype or _dtype.int64, requires_grad)


def randperm(n, *, generator=None, dtype=None, **_):
    return _finish(_rng(generator).permutation(int(n)), dtype or _dtype.int64, False)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, **_):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):  # one draw per element
        m = np.asarray(mean._data) if isinstance(mean, Tensor) else mean
        s = np.asarray(std._data) if isinstance(std, Tensor) else std
        dtype = (mean if isinstance(mean, Tensor) else std)._data.dtype
        return _finish(_rng(generator).normal(m, s), dtype, False)
    return _finish(_rng(generator).normal(mean, std, size=tuple(size or ())), None, False)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn from each row's (unnormalised) probabilities."""
    probs = np.asarray(input._data, np.float64)
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement and num_samples > np.count_nonzero(rows, axis=1).min():
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    rng = _rng(generator)
    draws = np.stack([rng.choice(row.size, num_samples, replacement, row / row.sum())
                      for row in rows])
    return _finish(draws.reshape(probs.shape[:-1] + (num_samples,)), _dtype.int64, False)


def poisson(input, generator=None):
    return _finish(_rng(generator).poisson(np.asarray(input._data)), input._data.dtype, False)


def _like(fn):
    def like(input, *, dtype=None, requires_grad=False, device=None, **kwargs):
        return fn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                  device=input.device if device is None else device, **kwargs)
    like.__name__ = fn.__name__ + "_like"
    return like


rand_like = _like(rand)
randn_like = _like(randn)


def randint_like(input, low, high=None, *, dtype=None, device=None, **kwargs):
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   device=input.device if device is None else device, **kwargs)


def bernoulli(input, p=None, *, generator=None):
    probs = np.asarray(input._data) if p is None else np.full(input.shape, p)
    return Tensor._make((_rng(generator).random(probs.shape) < probs).astype(input._data.dtype))
