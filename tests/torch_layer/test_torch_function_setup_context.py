"""autograd.Function in PyTorch's second style: forward without ctx, then setup_context(ctx,
inputs, output); with .backward(), torch.func.grad, jacrev and vmap, against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")


def _scaled_sine(T):
    class ScaledSine(T.autograd.Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(x, k):
            return x.sin() * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.cos() * ctx.k, None
    return ScaledSine


def _uses(T):
    fn = _scaled_sine(T)
    x = T.tensor([1.0, 2.0], requires_grad=True)
    fn.apply(x, 2.0).sum().backward()
    plain = T.tensor([1.0, 2.0])
    return (x.grad, T.func.grad(lambda t: fn.apply(t, 3.0).sum())(plain),
            T.func.jacrev(lambda t: fn.apply(t, 3.0))(plain),
            T.func.vmap(lambda t: fn.apply(t, 3.0))(plain))


def test_setup_context_style_matches_pytorch():
    for ours, theirs in zip(_uses(ft), _uses(torch)):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
