"""torch.distributions: Normal, Categorical, Bernoulli, Uniform and kl_divergence.

Densities, entropies and reparameterised samples are written with tensor operations, so their
gradients with respect to the parameters come from the graph (the registry's rules).
"""
from __future__ import annotations

import math

import numpy as np

from funcgrad.torch import _ops, grad_mode
from funcgrad.torch._ops import as_tensor_arg
from funcgrad.torch.tensor import Tensor


def _rng():
    from funcgrad.torch.random import default_generator
    return default_generator.rng


def _tensor(value, like=None):
    if isinstance(value, Tensor):
        return value
    dtype = like._data.dtype if like is not None else np.float32
    return Tensor._make(np.asarray(value, dtype))


def _shape(sample_shape):
    return tuple(sample_shape) if not isinstance(sample_shape, int) else (sample_shape,)


class Distribution:
    has_rsample = False

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape, self._event_shape = tuple(batch_shape), tuple(event_shape)

    @property
    def batch_shape(self):
        from funcgrad.torch._methods import Size
        return Size(self._batch_shape)

    @property
    def event_shape(self):
        from funcgrad.torch._methods import Size
        return Size(self._event_shape)

    def sample(self, sample_shape=()):
        with grad_mode.no_grad():
            return self.rsample(sample_shape).detach()

    @property
    def stddev(self):
        return _ops.sqrt(self.variance)

    def perplexity(self):
        return _ops.exp(self.entropy())

    def __repr__(self):
        return type(self).__name__ + "()"


class Normal(Distribution):
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _tensor(loc), _tensor(scale)
        if not isinstance(loc, Tensor):
            self.loc = _tensor(loc, self.scale)
        if not isinstance(scale, Tensor):
            self.scale = _tensor(scale, self.loc)
        shape = np.broadcast_shapes(tuple(self.loc.shape), tuple(self.scale.shape))
        super().__init__(shape)

    mean = property(lambda self: self.loc)
    mode = property(lambda self: self.loc)
    variance = property(lambda self: self.scale ** 2)
    stddev = property(lambda self: self.scale)

    def rsample(self, sample_shape=()):
        shape = _shape(sample_shape) + self._batch_shape
        eps = Tensor._make(_rng().standard_normal(shape).astype(self.loc._data.dtype))
        return self.loc + eps * self.scale  # reparameterised: differentiable in loc and scale

    def log_prob(self, value):
        value = as_tensor_arg(value)
        return -((value - self.loc) ** 2) / (2 * self.variance) - _ops.log(self.scale) \
            - math.log(math.sqrt(2 * math.pi))

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + _ops.log(self.scale)

    def cdf(self, value):
        from funcgrad.torch._math import erf
        return 0.5 * (1 + erf((as_tensor_arg(value) - self.loc) / (self.scale * math.sqrt(2))))

    def __repr__(self):
        return f"Normal(loc: {self.loc.detach()}, scale: {self.scale.detach()})"


class Uniform(Distribution):
    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low = _tensor(low, high if isinstance(high, Tensor) else None)
        self.high = _tensor(high, self.low)
        super().__init__(np.broadcast_shapes(tuple(self.low.shape), tuple(self.high.shape)))

    mean = property(lambda self: (self.low + self.high) / 2)
    variance = property(lambda self: (self.high - self.low) ** 2 / 12)

    def rsample(self, sample_shape=()):
        shape = _shape(sample_shape) + self._batch_shape
        u = Tensor._make(_rng().random(shape).astype(self.low._data.dtype))
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        value = as_tensor_arg(value)
        inside = ((value >= self.low) & (value < self.high)).to(self.low.dtype)
        return _ops.log(inside) - _ops.log(self.high - self.low)

    def entropy(self):
        return _ops.log(self.high - self.low)


class Categorical(Distribution):
    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = _ops.log(_ops.clamp(self.probs, min=float(np.finfo(
                probs._data.dtype).tiny)))
        else:
            self.logits = logits - _ops.logsumexp(logits, -1, keepdim=True)
            self.probs = _ops.softmax(logits, -1)
        self._num_events = self.probs.shape[-1]
        super().__init__(tuple(self.probs.shape[:-1]))

    param_shape = property(lambda self: self.probs.shape)
    mean = property(lambda self: Tensor._make(np.full(self._batch_shape, np.nan, np.float32)))

    def sample(self, sample_shape=()):
        from funcgrad.torch.random import multinomial
        shape = _shape(sample_shape)
        count = int(np.prod(shape)) if shape else 1
        draws = multinomial(self.probs.detach().reshape(-1, self._num_events), count, True)
        draws = np.asarray(draws._data).T.reshape(shape + self._batch_shape)
        return Tensor._make(draws.astype(np.int64))

    def log_prob(self, value):
        from funcgrad.torch._shape_ops import take_along_dim
        value = as_tensor_arg(value).long()
        shape = np.broadcast_shapes(tuple(value.shape), self._batch_shape)
        logits = self.logits.expand(*shape, self._num_events) if shape != self._batch_shape \
            else self.logits
        picked = take_along_dim(logits, value.expand(*shape).unsqueeze(-1), -1)
        return picked.squeeze(-1)

    def entropy(self):
        logits = _ops.clamp(self.logits, min=float(np.finfo(self.logits._data.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = Tensor._make(np.arange(self._num_events, dtype=np.int64))
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand(self._num_events, *self._batch_shape) if expand else values


class Bernoulli(Distribution):
    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.probs = _tensor(probs)
            eps = float(np.finfo(self.probs._data.dtype).eps)
            clamped = _ops.clamp(self.probs, eps, 1 - eps)
            self.logits = _ops.log(clamped) - _ops.log1p(-clamped)
        else:
            self.logits = _tensor(logits)
            self.probs = _ops.sigmoid(self.logits)
        super().__init__(tuple(self.probs.shape))

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    def sample(self, sample_shape=()):
        shape = _shape(sample_shape) + self._batch_shape
        p = np.broadcast_to(np.asarray(self.probs._data), shape)
        return Tensor._make((_rng().random(shape) < p).astype(self.probs._data.dtype))

    def log_prob(self, value):
        from funcgrad.torch.nn.functional import binary_cross_entropy_with_logits
        value = as_tensor_arg(value).to(self.logits.dtype)
        logits = self.logits
        if tuple(value.shape) != tuple(logits.shape):
            shape = np.broadcast_shapes(tuple(value.shape), tuple(logits.shape))
            logits, value = logits.expand(*shape), value.expand(*shape)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        from funcgrad.torch.nn.functional import binary_cross_entropy_with_logits
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


def kl_divergence(p, q):
    if isinstance(p, Normal) and isinstance(q, Normal):
        ratio = (p.scale / q.scale) ** 2
        return 0.5 * (ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1 - _ops.log(ratio))
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        return (p.probs * (p.logits - q.logits)).sum(-1)
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):
        return p.probs * (_ops.log(p.probs) - _ops.log(q.probs)) + \
            (1 - p.probs) * (_ops.log1p(-p.probs) - _ops.log1p(-q.probs))
    raise NotImplementedError(f"kl_divergence({type(p).__name__}, {type(q).__name__}) is not "
                              "implemented in funcgrad.torch")


class kl:  # noqa: N801 - torch.distributions.kl.kl_divergence
    kl_divergence = staticmethod(kl_divergence)
