"""3-d layers generalised from the 2-d ones against PyTorch: conv_transpose3d / ConvTranspose3d
(and LazyConvTranspose3d), InstanceNorm3d (and LazyInstanceNorm3d), the 3-d padding modules:
values, gradients of the input and of the parameters, node names, reprs."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

RNG = np.random.default_rng(13)

MODULES = {
    "ConvTranspose3d": (lambda nn: nn.ConvTranspose3d(2, 3, 2), (1, 2, 3, 3, 2)),
    "ConvTranspose3d_options": (lambda nn: nn.ConvTranspose3d(
        2, 4, (3, 2, 2), stride=(2, 1, 2), padding=(1, 0, 1), output_padding=(1, 0, 1),
        groups=2, dilation=(1, 2, 1)), (2, 2, 3, 2, 3)),
    "ConvTranspose3d_unbatched_nobias": (lambda nn: nn.ConvTranspose3d(1, 2, 2, stride=2, bias=False), (1, 2, 2, 2)),
    "InstanceNorm3d": (lambda nn: nn.InstanceNorm3d(2), (2, 2, 3, 2, 3)),
    "InstanceNorm3d_affine_stats": (lambda nn: nn.InstanceNorm3d(3, affine=True, track_running_stats=True), (2, 3, 2, 2, 2)),
    "InstanceNorm3d_unbatched": (lambda nn: nn.InstanceNorm3d(2, affine=True), (2, 3, 2, 2)),
    "ConstantPad3d": (lambda nn: nn.ConstantPad3d((1, 0, 2, 1, 0, 1), 0.5), (1, 2, 2, 3, 2)),
    "ZeroPad3d": (lambda nn: nn.ZeroPad3d(1), (1, 1, 2, 2, 2)),
    "ReflectionPad3d": (lambda nn: nn.ReflectionPad3d((1, 1, 0, 1, 1, 0)), (1, 2, 3, 3, 3)),
    "ReplicationPad3d": (lambda nn: nn.ReplicationPad3d(2), (1, 1, 2, 3, 2)),
    "CircularPad3d": (lambda nn: nn.CircularPad3d((1, 0, 1, 1, 0, 1)), (1, 1, 2, 3, 2)),
}


# PyTorch's circular padding copies slices (CopySlices; ours is one gather, as in 1-d and 2-d);
# its instance norm ends in a view (ours is one normalisation node, as in 1-d and 2-d)
OTHER_NAME = ("CircularPad3d", "InstanceNorm3d")


def _load(theirs, ours):
    for name, value in theirs.state_dict().items():
        ours.state_dict(keep_vars=True)[name]._data[...] = value.detach().numpy()


@pytest.mark.parametrize("case", sorted(MODULES))
def test_module_matches_pytorch(case):
    make, shape = MODULES[case]
    theirs, ours = make(torch.nn), make(ft.nn)
    assert repr(ours) == repr(theirs)
    _load(theirs, ours)
    x = RNG.standard_normal(shape).astype(np.float32)
    xs = ft.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    outs = ours(xs[0]), theirs(xs[1])
    assert tuple(outs[0].shape) == tuple(outs[1].shape)
    np.testing.assert_allclose(outs[0].detach().numpy(), outs[1].detach().numpy(), rtol=1e-4, atol=1e-5)
    weights = np.linspace(-1, 1, outs[1].numel(), dtype=np.float32).reshape(tuple(outs[1].shape))
    (outs[0] * ft.tensor(weights)).sum().backward()
    (outs[1] * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(xs[0].grad.numpy(), xs[1].grad.numpy(), rtol=1e-4, atol=1e-5)
    for (k, a), (_, b) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
    for (k, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
    if not case.startswith(OTHER_NAME):
        assert type(outs[0].grad_fn).__name__ == type(outs[1].grad_fn).__name__


def test_functional_conv_transpose3d_and_its_top_level_alias():
    x = RNG.standard_normal((1, 4, 2, 3, 2)).astype(np.float32)
    w = RNG.standard_normal((4, 1, 2, 2, 3)).astype(np.float32)
    b = RNG.standard_normal(2).astype(np.float32)
    ours = ft.conv_transpose3d(ft.tensor(x), ft.tensor(w), ft.tensor(b), 1, (0, 1, 1), 0, 2)
    theirs = torch.conv_transpose3d(torch.tensor(x), torch.tensor(w), torch.tensor(b), 1, (0, 1, 1), 0, 2)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["LazyConvTranspose3d", "LazyInstanceNorm3d"])
def test_lazy_3d_modules_become_the_ordinary_ones(name):
    make = {"LazyConvTranspose3d": lambda nn: nn.LazyConvTranspose3d(3, 2),
            "LazyInstanceNorm3d": lambda nn: nn.LazyInstanceNorm3d()}[name]
    ours, theirs = make(ft.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((1, 2, 2, 3, 2)).astype(np.float32)
    ours(ft.tensor(x))
    theirs(torch.tensor(x))
    assert repr(ours) == repr(theirs) and type(ours).__name__ == type(theirs).__name__
