"""The graph layers record (issue 16): `next_functions` trees as PyTorch's, so tutorials that walk
the graph reach the same nodes. The expected trees are PyTorch 2.13's (checked against it when
installed); gradients through the restructured nodes are checked by value."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft


def tree(node):
    """A node and everything under it: `Name(child, ...)`, None for an edge to nothing."""
    if node is None:
        return "None"
    children = getattr(node, "next_functions", ())
    name = type(node).__name__
    return name + ("(" + ", ".join(tree(c) for c, _ in children) + ")" if children else "")


CASES = {
    "linear": (lambda t: t.nn.Linear(3, 2)(t.ones(4, 3)),
               "AddmmBackward0(AccumulateGrad, None, TBackward0(AccumulateGrad))"),
    "linear_input_grad": (lambda t: t.nn.Linear(3, 2)(t.ones(4, 3, requires_grad=True)),
                          "AddmmBackward0(AccumulateGrad, AccumulateGrad, TBackward0(AccumulateGrad))"),
    "linear_1d": (lambda t: t.nn.Linear(3, 2)(t.ones(3, requires_grad=True)),
                  "ViewBackward0(AddmmBackward0(AccumulateGrad, ViewBackward0(AccumulateGrad), "
                  "TBackward0(AccumulateGrad)))"),
    "linear_3d": (lambda t: t.nn.Linear(3, 2)(t.ones(5, 4, 3, requires_grad=True)),
                  "ViewBackward0(AddmmBackward0(AccumulateGrad, ViewBackward0(AccumulateGrad), "
                  "TBackward0(AccumulateGrad)))"),
    "linear_no_bias": (lambda t: t.nn.Linear(3, 2, bias=False)(t.ones(4, 3)),
                       "MmBackward0(None, TBackward0(AccumulateGrad))"),
    "mlp": (lambda t: t.nn.Sequential(t.nn.Linear(3, 4), t.nn.ReLU(), t.nn.Linear(4, 1))(
        t.ones(2, 3)),
        "AddmmBackward0(AccumulateGrad, ReluBackward0(AddmmBackward0(AccumulateGrad, None, "
        "TBackward0(AccumulateGrad))), TBackward0(AccumulateGrad))"),
    "conv2d": (lambda t: t.nn.Conv2d(2, 3, 3)(t.ones(1, 2, 5, 5)),
               "ConvolutionBackward0(None, AccumulateGrad, AccumulateGrad)"),
    "conv2d_no_bias": (lambda t: t.nn.Conv2d(2, 3, 3, bias=False)(t.ones(1, 2, 5, 5)),
                       "ConvolutionBackward0(None, AccumulateGrad, None)"),
    "conv1d": (lambda t: t.nn.Conv1d(2, 3, 3)(t.ones(1, 2, 5)),
               "ConvolutionBackward0(None, AccumulateGrad, AccumulateGrad)"),
    "batch_norm": (lambda t: t.nn.BatchNorm2d(2)(t.ones(2, 2, 3, 3, requires_grad=True)),
                   "NativeBatchNormBackward0(AccumulateGrad, AccumulateGrad, AccumulateGrad)"),
    "batch_norm_1d": (lambda t: t.nn.BatchNorm1d(2)(t.ones(4, 2)),
                      "NativeBatchNormBackward0(None, AccumulateGrad, AccumulateGrad)"),
    "layer_norm": (lambda t: t.nn.LayerNorm(3)(t.ones(2, 3)),
                   "NativeLayerNormBackward0(None, AccumulateGrad, AccumulateGrad)"),
    "group_norm": (lambda t: t.nn.GroupNorm(1, 2)(t.ones(2, 2, 3)),
                   "NativeGroupNormBackward0(None, AccumulateGrad, AccumulateGrad)"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layers_record_pytorchs_graph(name):
    program, expected = CASES[name]
    assert tree(program(ft).grad_fn) == expected


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_expected_trees_are_pytorchs(name):
    torch = pytest.importorskip("torch")
    program, expected = CASES[name]
    assert tree(program(torch).grad_fn) == expected


def test_walking_next_functions_reaches_the_weight_and_the_bias():
    layer = ft.nn.Linear(3, 2)
    out = layer(ft.ones(1, 3))
    bias_acc, _, weight_t = (edge for edge, _ in out.grad_fn.next_functions)
    assert bias_acc.variable is layer.bias
    assert weight_t.next_functions[0][0].variable is layer.weight


def test_gradients_through_the_linear_graph():
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal((2, 3)).astype(np.float32), np.float32([0.5, -1.0])
    x0 = rng.standard_normal((4, 3)).astype(np.float32)
    layer = ft.nn.Linear(3, 2)
    with ft.no_grad():
        layer.weight.copy_(ft.tensor(w0))
        layer.bias.copy_(ft.tensor(b0))
    x = ft.tensor(x0, requires_grad=True)
    out = layer(x)
    g = np.arange(8, dtype=np.float32).reshape(4, 2)
    out.backward(ft.tensor(g))
    np.testing.assert_allclose(layer.weight.grad.numpy(), g.T @ x0, rtol=1e-5)
    np.testing.assert_allclose(layer.bias.grad.numpy(), g.sum(0), rtol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), g @ w0, rtol=1e-5)
    # second order: d/dx of sum((layer(x))^2) has a weight gradient of its own
    x = ft.tensor(x0, requires_grad=True)
    (gx,) = ft.autograd.grad((layer(x) ** 2).sum(), x, create_graph=True)
    layer.weight.grad = None
    gx.sum().backward()
    y = x0 @ w0.T + b0
    # gx = 2 (x W^T + b) W; d sum(gx)/dW = 2 (1 W^T)^T... checked by finite differences below
    eps = 1e-3
    numeric = np.zeros_like(w0)
    for i in range(2):
        for j in range(3):
            for sign in (1, -1):
                w = w0.astype(np.float64).copy()
                w[i, j] += sign * eps
                numeric[i, j] += sign * (2 * (x0 @ w.T + b0) @ w).sum() / (2 * eps)
    np.testing.assert_allclose(layer.weight.grad.numpy(), numeric, rtol=1e-2, atol=1e-2)
    assert y.shape == (4, 2)


def test_a_cube_is_recorded_as_pow_with_its_derivatives():
    x = ft.tensor([1.5, -2.0], requires_grad=True)
    y = x ** 3
    assert tree(y.grad_fn) == "PowBackward0(AccumulateGrad)"
    assert y.tolist() == [3.375, -8.0] and y.dtype == ft.float32
    (g,) = ft.autograd.grad(y.sum(), x, create_graph=True)
    assert g.tolist() == [6.75, 12.0]
    g.sum().backward()
    assert x.grad.tolist() == [9.0, -12.0]  # 6 x
