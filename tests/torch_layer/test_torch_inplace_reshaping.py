"""t_, transpose_, swapdims_, squeeze_, unsqueeze_ change the tensor's own shape (unsqueeze_
left it unchanged, silently; t_ raised), on plain tensors and on views, with PyTorch's nodes,
versions and gradients; resize_ and resize_as_. Against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")


def _shapes(T):
    out = []
    for make, call in [((2, 3), lambda x: x.t_()), ((2, 3), lambda x: x.unsqueeze_(0)),
                       ((1, 2, 3), lambda x: x.transpose_(0, 2)),
                       ((1, 2, 3), lambda x: x.swapdims_(0, 2).swapaxes_(1, 2)),
                       ((1, 2, 3), lambda x: x.squeeze_(0)), ((1, 2, 1), lambda x: x.squeeze_())]:
        x = T.arange(float(np.prod(make))).view(make)
        call(x)
        out.append((tuple(x.shape), x.stride(), x.numpy().copy()))
    return out


def test_in_place_shape_changes_match_pytorch():
    for ours, theirs in zip(_shapes(ft), _shapes(torch)):
        assert ours[:2] == theirs[:2]
        np.testing.assert_array_equal(ours[2], theirs[2])


def _recorded(T):
    w = T.ones(1, 2, 3, requires_grad=True)
    nodes = []
    for call in [lambda y: y.transpose_(0, 1), lambda y: y.squeeze_(), lambda y: y.squeeze_(0),
                 lambda y: y.unsqueeze_(1)]:
        y = w * 1
        call(y)
        nodes.append((y.grad_fn.name(), tuple(y.shape), y._version))
        (y * T.arange(float(y.numel())).view(y.shape)).sum().backward()
    t = T.ones(2, 3, requires_grad=True) * 1
    t.t_()
    nodes.append((t.grad_fn.name(), tuple(t.shape), t._version))
    return nodes, w.grad


def test_nodes_versions_and_gradients_match_pytorch():
    ours, theirs = _recorded(ft), _recorded(torch)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1].numpy(), theirs[1].numpy())


def _through_views(T):
    base = T.arange(6.0)
    x = base.view(2, 3)
    x.t_()
    x[0, 1] = -1
    base[0] = 77
    w = T.arange(6.0, requires_grad=True)
    b = w * 1
    v = b[1:5].view(2, 2)
    v.squeeze_().t_()
    b.add_(1)
    (v * T.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    return x, base, v, w.grad


def test_views_keep_sharing_memory_and_history():
    for ours, theirs in zip(_through_views(ft), _through_views(torch)):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())


def test_refusals_and_resize():
    for T in (ft, torch):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            T.ones(2, 3, requires_grad=True).t_()
        with pytest.raises(RuntimeError, match="cannot resize"):
            T.ones(2, 3, requires_grad=True).resize_(3, 2)
    for T in (ft, torch):
        x = T.arange(6.0)
        x.resize_(2, 2)
        assert x.tolist() == [[0.0, 1.0], [2.0, 3.0]]
        y = T.arange(6.0)
        y.resize_as_(T.ones(3, 2))
        assert tuple(y.shape) == (3, 2) and y.tolist()[2] == [4.0, 5.0]
