"""The convolution kernels on the channel counts the op table does not reach (its cases have one
or two channels; with 6 or more the product, with 8 or more the input gradient take a
channels-last path): values against a
direct sum over kernel offsets, the two adjoints by the identity <conv(x, w), g> =
<x, input_grad(g)> = <w, weight_grad(g)>, and gradients against PyTorch's."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import funcgrad.torch as ft
from funcgrad.primitives import nn as nnp

_GEOMETRIES = list(itertools.product([(1, 1), (2, 1)], [(0, 0), (1, 2)], [(1, 1), (2, 1)]))


def _direct(x, w, stride, padding, dilation):
    """conv2d written as its definition: one product per kernel offset, summed."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    kh, kw = w.shape[2:]
    ho = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (x.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = 0.0
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i * dh: i * dh + sh * (ho - 1) + 1: sh,
                      j * dw: j * dw + sw * (wo - 1) + 1: sw]
            out = out + np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out


@pytest.mark.parametrize("channels", [1, 3, 6, 8, 16])
@pytest.mark.parametrize("stride, padding, dilation", _GEOMETRIES)
def test_conv_kernels_and_their_adjoints(channels, stride, padding, dilation):
    rng = np.random.default_rng(channels)
    x = rng.standard_normal((2, channels, 9, 8))
    w = rng.standard_normal((5, channels, 3, 2))
    params = {"stride": stride, "padding": padding, "dilation": dilation}
    out = nnp.conv2d(x, w, **params)
    np.testing.assert_allclose(out, _direct(x, w, **params), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(out.shape)
    pairing = float(np.sum(out * g))
    gx = nnp.conv2d_input_grad(g, w, x_shape=x.shape, **params)
    gw = nnp.conv2d_weight_grad(x, g, w_shape=w.shape, **params)
    assert gx.shape == x.shape and gw.shape == w.shape
    np.testing.assert_allclose(float(np.sum(x * gx)), pairing, rtol=1e-10)
    np.testing.assert_allclose(float(np.sum(w * gw)), pairing, rtol=1e-10)
    assert nnp.conv2d(x.astype(np.float32), w.astype(np.float32), **params).dtype == np.float32


@pytest.mark.torch
@pytest.mark.parametrize("channels", [3, 16])
def test_conv_layer_gradients_match_pytorch(channels):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, channels, 11, 10)).astype(np.float32)
    results = []
    for T in (ft, torch):
        T.manual_seed(0)
        conv = T.nn.Conv2d(channels, 12, 3, stride=2, padding=1, dilation=(1, 2))
        with T.no_grad():
            conv.weight.copy_(T.tensor(np.linspace(-1, 1, conv.weight.numel(), dtype=np.float32)
                                       .reshape(tuple(conv.weight.shape))))
            conv.bias.copy_(T.tensor(np.linspace(-0.5, 0.5, 12, dtype=np.float32)))
        inp = T.tensor(x, requires_grad=True)
        out = T.nn.functional.max_pool2d(conv(inp).relu(), 2)
        (out * out).sum().backward()
        results.append([out.detach().numpy(), inp.grad.numpy(), conv.weight.grad.numpy(),
                        conv.bias.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-4)
