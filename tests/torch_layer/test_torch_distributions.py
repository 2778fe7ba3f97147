"""torch.distributions (Normal, Uniform, Categorical, Bernoulli, kl_divergence): densities,
entropies and their gradients with respect to the parameters, against PyTorch; sampling by
its statistics (funcgrad.torch's random numbers differ from PyTorch's)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import funcgrad.torch as ft


def test_normal_log_prob_entropy_and_gradients_by_value():
    loc = ft.tensor([0.0, 1.0], requires_grad=True)
    scale = ft.tensor([1.0, 2.0], requires_grad=True)
    d = ft.distributions.Normal(loc, scale)
    lp = d.log_prob(ft.tensor([0.5, 0.0]))
    expected = [-0.125 - 0.5 * math.log(2 * math.pi), -1 / 8 - math.log(2) - 0.5 * math.log(2 * math.pi)]
    np.testing.assert_allclose(lp.detach().numpy(), expected, rtol=1e-6)
    lp.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [0.5, -0.25], rtol=1e-6)  # (x - mu) / s^2
    np.testing.assert_allclose(scale.grad.numpy(), [-0.75, -0.375], rtol=1e-6)  # ((x-mu)^2 - s^2) / s^3
    np.testing.assert_allclose(d.entropy().detach().numpy(),
                               0.5 + 0.5 * math.log(2 * math.pi) + np.log([1.0, 2.0]), rtol=1e-6)
    ft.manual_seed(0)
    draws = ft.distributions.Normal(3.0, 0.5).sample((4000,))
    assert abs(float(draws.mean()) - 3.0) < 0.05 and abs(float(draws.std()) - 0.5) < 0.05
    assert not draws.requires_grad and d.rsample((5,)).requires_grad


def test_categorical_and_bernoulli_by_value():
    c = ft.distributions.Categorical(logits=ft.tensor([0.0, math.log(3.0)]))
    np.testing.assert_allclose(c.probs.numpy(), [0.25, 0.75], rtol=1e-6)
    np.testing.assert_allclose(c.log_prob(ft.tensor([1, 0])).numpy(), np.log([0.75, 0.25]), rtol=1e-6)
    np.testing.assert_allclose(float(c.entropy()), -(0.25 * np.log(0.25) + 0.75 * np.log(0.75)), rtol=1e-6)
    ft.manual_seed(1)
    samples = c.sample((2000,))
    assert samples.dtype == ft.int64 and abs(float(samples.float().mean()) - 0.75) < 0.04
    b = ft.distributions.Bernoulli(probs=ft.tensor([0.2]))
    np.testing.assert_allclose(b.log_prob(ft.tensor([1.0])).numpy(), np.log([0.2]), rtol=1e-5)


def test_distributions_match_pytorch():
    torch = pytest.importorskip("torch")
    out = []
    for T in (ft, torch):
        D = T.distributions
        loc = T.tensor([0.3, -1.0], requires_grad=True)
        scale = T.tensor([0.5, 1.5], requires_grad=True)
        logits = T.tensor([[0.1, 2.0, -1.0], [0.0, 0.5, 0.2]], requires_grad=True)
        values = []
        normal = D.Normal(loc, scale)
        cat = D.Categorical(logits=logits)
        bern = D.Bernoulli(logits=loc)
        uni = D.Uniform(loc - 1, loc + scale)
        terms = [normal.log_prob(T.tensor([0.0, 0.5])), normal.entropy(), normal.cdf(T.tensor(0.1)),
                 cat.log_prob(T.tensor([2, 1])), cat.entropy(), bern.log_prob(T.tensor([1.0, 0.0])),
                 bern.entropy(), uni.log_prob(T.tensor([0.0, -1.5])), uni.entropy(),
                 D.kl_divergence(normal, D.Normal(T.zeros(2), T.ones(2))),
                 D.kl_divergence(cat, D.Categorical(probs=T.tensor([0.2, 0.3, 0.5]))),
                 D.Categorical(probs=T.tensor([1.0, 3.0])).probs, normal.variance, normal.stddev]
        total = sum((t * (i + 1)).sum() for i, t in enumerate(terms))
        total.backward()
        values = [t.detach().numpy() for t in terms] + [loc.grad.numpy(), scale.grad.numpy(),
                                                         logits.grad.numpy()]
        out.append(values)
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
