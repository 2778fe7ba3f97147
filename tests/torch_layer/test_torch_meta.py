"""The meta device: shape-only tensors whose operations run the primitives' shape rules.

Programs from PyTorch's "Reasoning about shapes" recipe and the ops it names (convolutions,
linear, reshape, broadcasting, reductions, matmul) are run on funcgrad.torch and PyTorch 2.13
and print the same; without PyTorch, each op's meta answer is checked against the shape and
dtype of the same op run on real tensors here.
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import funcgrad.torch as ft


def _outcome(fn, T):
    try:
        return repr(fn(T))
    except Exception as err:  # noqa: BLE001 - the exception is what is compared
        return f"{type(err).__name__}: {str(err).splitlines()[0]}"


def _net(T):
    nn, F = T.nn, T.nn.functional

    class Net(nn.Module):  # the recipe's (and the 60-minute blitz's) network
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = T.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)
    return Net


def _recipe(T):
    """The recipe: a convolution on a meta batch, then the network built under
    `with torch.device("meta")`, each layer's output shape printed by a forward hook."""
    lines = []
    conv = T.nn.Conv2d(3, 5, 2, device="meta")
    lines.append(repr(conv(T.rand(2, 3, 10, 10, device="meta"))))
    lines.append(repr(conv(T.rand(2 ** 10, 3, 2 ** 16, 2 ** 16, device="meta"))))
    with T.device("meta"):
        net = _net(T)()
        inp = T.randn((1024, 3, 32, 32))
    for _, layer in net.named_modules():
        layer.register_forward_hook(
            lambda module, input, output: lines.append(f"{module}: {output.shape}"))
    out = net(inp)
    lines.append(repr(out))
    out.sum().backward()
    lines += [repr(net.fc1.weight.grad), repr(net.conv1.weight), str(net.conv1.weight.device)]
    return lines


@pytest.mark.torch
def test_the_shape_recipe_prints_what_pytorch_prints():
    torch = pytest.importorskip("torch")
    assert _recipe(ft) == _recipe(torch)


def test_a_huge_meta_tensor_allocates_nothing():
    tracemalloc.start()
    try:
        t = ft.rand(2 ** 10, 3, 2 ** 16, 2 ** 16, device="meta")
        out = ft.nn.Conv2d(3, 5, 2, device="meta")(t)
        out = ft.nn.functional.max_pool2d(ft.relu(out), 2).flatten(1).sum(1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.shape == (2 ** 10,) and out.is_meta
    assert peak < 2 ** 20, peak  # bytes: the shapes only (the data would be 52 TB)


_OPS = [  # each run on meta tensors and on real ones of the same shapes
    ("conv2d stride/padding/dilation", lambda T, d: T.nn.functional.conv2d(
        T.ones(2, 4, 11, 9, **d), T.ones(6, 2, 3, 2, **d), T.ones(6, **d), stride=(2, 1),
        padding=(1, 2), dilation=(2, 1), groups=2)),
    ("conv1d", lambda T, d: T.nn.functional.conv1d(T.ones(2, 3, 10, **d), T.ones(4, 3, 3, **d),
                                                   padding=1)),
    ("conv_transpose2d", lambda T, d: T.nn.functional.conv_transpose2d(
        T.ones(1, 2, 5, 5, **d), T.ones(2, 3, 3, 3, **d), stride=2)),
    ("max_pool2d", lambda T, d: T.nn.functional.max_pool2d(T.ones(2, 3, 9, 8, **d), 3, 2, 1)),
    ("avg_pool2d", lambda T, d: T.nn.functional.avg_pool2d(T.ones(2, 3, 9, 8, **d), 2)),
    ("adaptive_avg_pool2d", lambda T, d: T.nn.functional.adaptive_avg_pool2d(
        T.ones(2, 3, 8, 8, **d), 1)),
    ("linear 3-d", lambda T, d: T.nn.functional.linear(T.ones(5, 4, 3, **d), T.ones(2, 3, **d),
                                                       T.ones(2, **d))),
    ("matmul broadcast", lambda T, d: T.ones(5, 1, 3, 4, **d) @ T.ones(2, 4, 6, **d)),
    ("matmul vector", lambda T, d: T.ones(3, **d) @ T.ones(2, 3, 4, **d)),
    ("bmm", lambda T, d: T.bmm(T.ones(2, 3, 4, **d), T.ones(2, 4, 5, **d))),
    ("einsum", lambda T, d: T.einsum("bij,bjk->bik", T.ones(2, 3, 4, **d), T.ones(2, 4, 5, **d))),
    ("broadcasting", lambda T, d: T.ones(4, 1, 3, **d) + T.ones(5, 1, **d) * 2.0),
    ("int32 + 1", lambda T, d: T.ones(3, dtype=T.int32, **d) + 1),
    ("int64 * 2.5", lambda T, d: T.ones(3, dtype=T.int64, **d) * 2.5),
    ("float64 0-d promotion", lambda T, d: T.ones(3, **d) + T.ones((), dtype=T.float64, **d)),
    ("comparison", lambda T, d: T.ones(2, 3, **d) > 0),
    ("sum dim keepdim", lambda T, d: T.ones(2, 3, 4, **d).sum((0, 2), keepdim=True)),
    ("mean", lambda T, d: T.ones(2, 3, **d).mean(1)),
    ("integer sum", lambda T, d: T.ones(2, 3, dtype=T.int32, **d).sum()),
    ("argmax", lambda T, d: T.ones(2, 3, **d).argmax(1)),
    ("max dim", lambda T, d: T.ones(2, 3, **d).max(0)),
    ("softmax", lambda T, d: T.ones(2, 3, **d).softmax(-1)),
    ("var", lambda T, d: T.ones(4, 3, **d).var(0)),
    ("reshape/view", lambda T, d: T.ones(2, 3, 4, **d).reshape(6, -1).view(4, 6)),
    ("permute/transpose", lambda T, d: T.ones(2, 3, 4, **d).permute(2, 0, 1).transpose(0, 1)),
    ("flatten/unsqueeze", lambda T, d: T.ones(2, 3, 4, **d).flatten(1).unsqueeze(0)),
    ("expand", lambda T, d: T.ones(3, 1, **d).expand(2, 3, 4)),
    ("indexing", lambda T, d: T.ones(4, 5, 6, **d)[1:, None, ::2, -1]),
    ("cat/stack", lambda T, d: T.cat([T.ones(2, 3, **d), T.ones(4, 3, **d)]).shape +
     T.stack([T.ones(2, 3, **d)] * 3, 1).shape),
    ("where", lambda T, d: T.where(T.ones(2, 3, **d) > 0, T.ones(2, 3, **d), 0.0)),
    ("cross_entropy", lambda T, d: T.nn.functional.cross_entropy(
        T.ones(4, 5, **d), T.zeros(4, dtype=T.int64, **d))),
    ("layer_norm", lambda T, d: T.nn.functional.layer_norm(T.ones(2, 5, **d), (5,))),
    ("embedding", lambda T, d: T.nn.functional.embedding(T.zeros(2, 7, dtype=T.int64, **d),
                                                         T.ones(10, 4, **d))),
    ("to float64", lambda T, d: T.ones(2, **d).to(T.float64) * 2),
    ("dropout", lambda T, d: T.nn.functional.dropout(T.ones(4, 5, **d), 0.5).shape),
]


def _signature(out):
    """What a meta answer must agree on: shapes and dtypes (of each item of a tuple)."""
    if isinstance(out, tuple) and not isinstance(out, ft.Size):
        return tuple(_signature(o) for o in out)
    if isinstance(out, ft.Tensor):
        return tuple(out.shape), out.dtype
    return out


@pytest.mark.parametrize("name, fn", _OPS, ids=[o[0] for o in _OPS])
def test_meta_answers_have_the_shapes_and_dtypes_of_real_ones(name, fn):
    meta = fn(ft, {"device": "meta"})
    real = fn(ft, {})
    assert _signature(meta) == _signature(real)
    for out in (meta if isinstance(meta, tuple) else (meta,)):
        if isinstance(out, ft.Tensor):
            assert out.is_meta and out.device == ft.device("meta")


@pytest.mark.torch
@pytest.mark.parametrize("name, fn", _OPS, ids=[o[0] for o in _OPS])
def test_meta_answers_print_as_pytorchs(name, fn):
    torch = pytest.importorskip("torch")
    assert _outcome(lambda T: fn(T, {"device": "meta"}), ft) == \
        _outcome(lambda T: fn(T, {"device": "meta"}), torch)


_REFUSALS = [  # what needs values, and mixing devices
    lambda T: T.zeros(2, 3, device="meta").item(),
    lambda T: T.zeros(2, 3, device="meta").sum().item(),
    lambda T: bool(T.zeros(2, 3, device="meta").sum()),
    lambda T: float(T.zeros((), device="meta")),
    lambda T: T.zeros(2, 3, device="meta").numpy(),
    lambda T: T.zeros(2, 3, device="meta").tolist(),
    lambda T: T.zeros(2, 3, device="meta").cpu(),
    lambda T: T.zeros(2, 3, device="meta").to("cpu"),
    lambda T: T.zeros(2, 3, device="meta") + T.ones(2, 3),
    lambda T: T.nn.Linear(2, 3, device="meta").to("cpu"),
    lambda T: T.nn.Linear(2, 3, device="meta").cpu(),
]


@pytest.mark.torch
@pytest.mark.parametrize("program", _REFUSALS)
def test_what_needs_values_raises_as_pytorch(program):
    torch = pytest.importorskip("torch")
    ours = _outcome(program, ft)
    assert ours == _outcome(program, torch)
    assert "Error" in ours


def test_what_needs_values_raises_without_pytorch():
    x = ft.zeros(2, 3, device="meta")
    with pytest.raises(RuntimeError, match="cannot be called on meta tensors"):
        x.sum().item()
    with pytest.raises(TypeError, match="can't convert meta device type tensor to numpy"):
        x.numpy()
    with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor"):
        x.tolist()
    with pytest.raises(RuntimeError, match="not on the expected device meta"):
        x * ft.ones(2, 3)
    assert (x * ft.tensor(2.0)).is_meta  # a 0-d CPU tensor may join in, as in PyTorch


_CREATION = [
    lambda T: T.rand(2 ** 10, 3, 2 ** 16, 2 ** 16, device="meta"),
    lambda T: T.empty(2, 3, device="meta", dtype=T.float64),
    lambda T: T.zeros((), device="meta"),
    lambda T: T.ones(3, dtype=T.int64, device=T.device("meta")),
    lambda T: T.full((2, 2), 7, device="meta"),
    lambda T: T.randint(0, 5, (3,), device="meta"),
    lambda T: T.arange(5, device="meta"),
    lambda T: T.eye(3, device="meta"),
    lambda T: T.tensor([1.0, 2.0], device="meta", requires_grad=True),
    lambda T: T.zeros_like(T.ones(2, 2, device="meta")),
    lambda T: T.randn_like(T.ones(2, 2, device="meta"), dtype=T.float64),
    lambda T: T.ones(2, 2).to("meta"),
    lambda T: T.ones(2, 2, dtype=T.bool).to(device="meta"),
    lambda T: T.nn.Linear(3, 2).to("meta").weight,
    lambda T: T.nn.BatchNorm2d(3, device="meta").running_mean,
    lambda T: T.nn.BatchNorm2d(3, device="meta").num_batches_tracked,
    lambda T: T.nn.Linear(3, 2, device="meta")(T.ones(5, 3, device="meta")),
    lambda T: T.nn.Linear(3, 2, device="meta").to_empty(device="cpu").weight.shape,
    lambda T: T.nn.Linear(3, 2).to_empty(device="meta").bias,
]


@pytest.mark.torch
@pytest.mark.parametrize("program", _CREATION)
def test_meta_tensors_are_made_and_printed_as_pytorchs(program):
    torch = pytest.importorskip("torch")
    assert _outcome(program, ft) == _outcome(program, torch)


def test_the_default_device():
    with ft.device("meta"):
        assert ft.ones(2).is_meta and ft.get_default_device() == ft.device("meta")
        layer = ft.nn.Linear(3, 2)
    assert layer.weight.is_meta and not ft.ones(2).is_meta
    ft.set_default_device("meta")
    try:
        assert ft.zeros(1).device.type == "meta"
    finally:
        ft.set_default_device(None)
    assert ft.get_default_device() == ft.device("cpu")


def test_in_place_changes_and_initialisation_keep_meta_tensors_meta():
    x = ft.zeros(2, 3, device="meta")
    x.add_(1).mul_(2)
    x.fill_(3)
    x.zero_()
    ft.nn.init.kaiming_uniform_(x)
    ft.nn.init.normal_(x)
    assert x.is_meta and x.shape == (2, 3)
    state = ft.random.default_generator.get_state()
    ft.nn.Linear(1000, 1000, device="meta")  # initialised without drawing numbers
    assert ft.random.default_generator.get_state() == state


def test_backward_on_meta_gives_meta_gradients():
    layer = ft.nn.Linear(3, 2).to("meta")
    layer(ft.ones(4, 3, device="meta")).relu().mean().backward()
    assert layer.weight.grad.is_meta and layer.weight.grad.shape == (2, 3)
    assert layer.bias.grad.shape == (2,)
