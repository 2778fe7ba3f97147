"""Rprop and ASGD against PyTorch (parameters and every state entry after 40 steps), and
gradient clipping as PyTorch 2.13 does it: get_total_norm, clip_grads_with_norm_, the norm in
the gradients' dtype, norm_type='inf', NaN norms scaling the gradients, error_if_nonfinite."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")


def _train(T, name, steps=40, **options):
    w = T.tensor([1.0, -2.0, 3.0], requires_grad=True)
    opt = getattr(T.optim, name)([w], **options)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((w - T.tensor([0.5, 0.5, 0.5])) ** 2).sum() + (w ** 4).sum() * 0.01
        loss.backward()
        opt.step()
    state = opt.state[w]
    return [w.detach().clone()] + [state[k] for k in sorted(state)], sorted(state)


@pytest.mark.parametrize("name, options", [
    ("ASGD", {"lr": 0.1}),
    ("ASGD", {"lr": 0.05, "t0": 5, "lambd": 0.01, "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.05, "maximize": True, "steps": 5}),
    ("Rprop", {"lr": 0.1}),
    ("Rprop", {"lr": 0.01, "etas": (0.3, 1.5), "step_sizes": (0.001, 0.2)}),
    ("Rprop", {"lr": 0.1, "maximize": True, "steps": 5}),
])
def test_optimizer_matches_pytorch(name, options):
    ours, our_keys = _train(ft, name, **options)
    theirs, their_keys = _train(torch, name, **options)
    assert our_keys == their_keys
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-7)


def _clipped(T, values, dtype, **options):
    w = T.tensor(values, dtype=dtype, requires_grad=True)
    (w ** 2).sum().backward()
    total = T.nn.utils.clip_grad_norm_([w], 1.0, **options)
    return w.grad, total


@pytest.mark.parametrize("values, dtype, options", [
    ([1.0, -2.0, 3.0], "float32", {"norm_type": "inf"}),
    ([1.0, -2.0, 3.0], "float64", {}),
    ([1.0, -2.0, 3.0], "float32", {"norm_type": 1}),
    ([1.0, -2.0, float("nan")], "float32", {}),
    ([0.1, -0.2, 0.3], "float32", {"norm_type": 3.0}),
])
def test_clip_grad_norm_matches_pytorch(values, dtype, options):
    ours = _clipped(ft, values, getattr(ft, dtype), **options)
    theirs = _clipped(torch, values, getattr(torch, dtype), **options)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
        assert str(a.dtype) == str(b.dtype)


def test_non_finite_norm_is_refused_when_asked():
    for T in (ft, torch):
        with pytest.raises(RuntimeError, match="non-finite"):
            _clipped(T, [1.0, float("inf")], T.float32, error_if_nonfinite=True)


def test_total_norm_and_clipping_with_a_given_norm():
    results = []
    for T in (ft, torch):
        w = T.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (w ** 2).sum().backward()
        total = T.nn.utils.get_total_norm([w.grad], 2.0)
        T.nn.utils.clip_grads_with_norm_([w], 1.0, T.tensor(5.0))
        results.append((total.numpy(), w.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6)
