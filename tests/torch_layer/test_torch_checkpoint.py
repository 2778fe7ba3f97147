"""torch.utils.checkpoint (it was missing: `from torch.utils.checkpoint import checkpoint`
failed): values and gradients of inputs and of parameters used inside, keyword arguments,
several outputs, checkpoint_sequential, no_grad, and dropout drawing the same mask when
recomputed. Against PyTorch."""
from __future__ import annotations

import importlib

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")


def _checkpoint_module(T):
    return importlib.import_module(T.__name__ + ".utils.checkpoint")


def _linear(T):
    lin = T.nn.Linear(3, 2)
    with T.no_grad():
        lin.weight.copy_(T.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]) * 0.1)
        lin.bias.fill_(0.1)
    return lin


# (PyTorch's reentrant checkpoint gives no gradients when no input requires grad)
@pytest.mark.parametrize("reentrant, input_needs_grad", [(True, True), (False, True),
                                                          (False, False)])
def test_gradients_match_pytorch(reentrant, input_needs_grad):
    results = []
    for T in (ft, torch):
        lin = _linear(T)
        x = T.tensor([[1.0, 2.0, 3.0]], requires_grad=input_needs_grad)
        y = _checkpoint_module(T).checkpoint(lambda t: T.tanh(lin(t)), x,
                                             use_reentrant=reentrant)
        (y ** 2).sum().backward()
        results.append([y, lin.weight.grad, lin.bias.grad] + ([x.grad] if input_needs_grad else []))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)


def _several(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)

    def two(a, b, scale=1.0):
        return a * b * scale, a + b
    y, z = _checkpoint_module(T).checkpoint(two, x, x * 3, scale=2.0, use_reentrant=False)
    (y.sum() + (z ** 2).sum()).backward()
    model = T.nn.Sequential(T.nn.Linear(2, 2), T.nn.Tanh(), T.nn.Linear(2, 2), T.nn.Tanh())
    with T.no_grad():
        for p in model.parameters():
            p.copy_(T.arange(float(p.numel())).view(p.shape) * 0.1)
    u = T.tensor([[1.0, 2.0]], requires_grad=True)
    v = _checkpoint_module(T).checkpoint_sequential(model, 2, u, use_reentrant=False)
    v.sum().backward()
    return y, z, x.grad, v, u.grad, model[0].weight.grad


def test_keywords_several_outputs_and_sequential_match_pytorch():
    for ours, theirs in zip(_several(ft), _several(torch)):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)


def test_recomputed_dropout_draws_the_same_mask_and_no_grad_records_nothing():
    ft.manual_seed(0)
    x = ft.ones(1000, requires_grad=True)
    y = ft.utils.checkpoint.checkpoint(
        lambda t: ft.nn.functional.dropout(t, 0.5, training=True) * 3, x, use_reentrant=False)
    y.sum().backward()
    assert bool(((x.grad == 0) == (y == 0)).all())
    assert 0.4 < float((y == 0).float().mean()) < 0.6
    with ft.no_grad():
        z = ft.utils.checkpoint.checkpoint(lambda t: t * 2, x, use_reentrant=False)
    assert not z.requires_grad
