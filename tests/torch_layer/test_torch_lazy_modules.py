"""Lazy modules against PyTorch: reprs before and after the first call, the class they become,
parameter shapes, values and gradients once PyTorch's parameters are loaded, errors, state_dict
and load_state_dict, and an optimizer made before the first call."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

RNG = np.random.default_rng(5)

# constructor, input shape
LAZY = {
    "LazyLinear": (lambda nn: nn.LazyLinear(3), (2, 4)),
    "LazyLinear_3d_nobias": (lambda nn: nn.LazyLinear(2, bias=False), (2, 3, 5)),
    "LazyConv1d": (lambda nn: nn.LazyConv1d(4, 3, padding=1, groups=2), (2, 4, 6)),
    "LazyConv1d_unbatched": (lambda nn: nn.LazyConv1d(2, 2), (3, 5)),
    "LazyConv2d": (lambda nn: nn.LazyConv2d(4, 3, stride=2), (1, 2, 5, 5)),
    "LazyConv2d_reflect": (lambda nn: nn.LazyConv2d(2, 3, padding=1, padding_mode="reflect"), (1, 3, 4, 4)),
    "LazyConv3d": (lambda nn: nn.LazyConv3d(2, 2, bias=False), (1, 2, 3, 3, 3)),
    "LazyConvTranspose1d": (lambda nn: nn.LazyConvTranspose1d(3, 2, stride=2), (2, 2, 4)),
    "LazyConvTranspose2d": (lambda nn: nn.LazyConvTranspose2d(4, 3, padding=1, groups=2), (1, 2, 4, 4)),
    "LazyBatchNorm1d": (lambda nn: nn.LazyBatchNorm1d(), (4, 3)),
    "LazyBatchNorm2d": (lambda nn: nn.LazyBatchNorm2d(momentum=None), (2, 3, 2, 2)),
    "LazyBatchNorm3d_no_affine": (lambda nn: nn.LazyBatchNorm3d(affine=False), (2, 2, 2, 2, 2)),
    "LazyInstanceNorm1d": (lambda nn: nn.LazyInstanceNorm1d(), (2, 3, 5)),
    "LazyInstanceNorm2d_plain": (lambda nn: nn.LazyInstanceNorm2d(affine=False, track_running_stats=False), (2, 3, 4, 4)),
}


def _loaded(theirs, ours):
    """Our module with PyTorch's (random) parameters and buffers copied in."""
    for name, value in theirs.state_dict().items():
        ours.state_dict(keep_vars=True)[name]._data[...] = value.detach().numpy()
    return ours


@pytest.mark.parametrize("case", sorted(LAZY))
def test_lazy_module_becomes_the_ordinary_module_as_pytorch(case):
    make, shape = LAZY[case]
    ours, theirs = make(ft.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert type(ours).__name__ == type(theirs).__name__
    assert [(k, repr(v)) for k, v in ours.state_dict().items()] == \
        [(k, repr(v)) for k, v in theirs.state_dict().items()]
    assert ours.has_uninitialized_params() == theirs.has_uninitialized_params()
    x = RNG.standard_normal(shape).astype(np.float32)
    ours(ft.tensor(x))
    theirs(torch.tensor(x))
    assert repr(ours) == repr(theirs)
    assert type(ours).__name__ == type(theirs).__name__  # (LazyLinear -> Linear...)
    assert type(ours).__mro__[0] is getattr(ft.nn, type(theirs).__name__)
    assert not hasattr(ours, "has_uninitialized_params")  # a plain module now, as PyTorch's
    assert [(k, tuple(v.shape), type(v).__name__) for k, v in ours.state_dict(keep_vars=True).items()] == \
        [(k, tuple(v.shape), type(v).__name__) for k, v in theirs.state_dict(keep_vars=True).items()]
    # a second call: same values and gradients with PyTorch's parameters
    _loaded(theirs, ours)
    xs = ft.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    outs = ours(xs[0]), theirs(xs[1])
    np.testing.assert_allclose(outs[0].detach().numpy(), outs[1].detach().numpy(), rtol=1e-4, atol=1e-5)
    weights = np.linspace(-1, 1, outs[1].numel(), dtype=np.float32).reshape(tuple(outs[1].shape))
    (outs[0] * ft.tensor(weights)).sum().backward()
    (outs[1] * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(xs[0].grad.numpy(), xs[1].grad.numpy(), rtol=1e-4, atol=1e-5)
    for (k, a), (_, b) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
    for (k, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)


def test_initialisation_is_the_ordinary_layers_given_the_seed():
    ft.manual_seed(7)
    eager = ft.nn.Linear(4, 3)
    ft.manual_seed(7)
    lazy = ft.nn.LazyLinear(3)
    lazy(ft.ones(1, 4))
    assert lazy.weight.tolist() == eager.weight.tolist() and lazy.bias.tolist() == eager.bias.tolist()
    ft.manual_seed(2)
    conv = ft.nn.Conv2d(2, 3, 2)
    ft.manual_seed(2)
    lazy_conv = ft.nn.LazyConv2d(3, 2)
    lazy_conv(ft.ones(1, 2, 3, 3))
    assert lazy_conv.weight.tolist() == conv.weight.tolist()
    # the bound is PyTorch's 1 / sqrt(fan_in)
    assert float(lazy.weight.detach().abs().max()) <= 0.5
    assert float(lazy.bias.detach().abs().max()) <= 0.5


@pytest.mark.parametrize("T", [ft, torch], ids=["funcgrad", "torch"])
def test_optimizer_made_before_the_first_call_updates_the_materialised_parameters(T):
    model = T.nn.Sequential(T.nn.LazyLinear(3), T.nn.ReLU(), T.nn.LazyLinear(1))
    params = list(model.parameters())
    opt = T.optim.SGD(model.parameters(), lr=0.1)
    x = T.ones(2, 4)
    model(x).sum().backward()
    assert [p is q for p, q in zip(model.parameters(), params)] == [True] * 4
    before = [p.detach().clone() for p in params]
    opt.step()
    for p, b, in zip(params, before):
        assert type(p).__name__ == "Parameter"
        np.testing.assert_allclose((b - p.detach()).numpy(), 0.1 * p.grad.numpy(), rtol=1e-5, atol=1e-7)


def _error(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001 (the test compares whatever PyTorch raises)
        return type(err).__name__, str(err)
    return None


ERRORS = {
    "shape": lambda T: T.nn.LazyLinear(3).weight.shape,
    "arithmetic": lambda T: T.nn.LazyLinear(3).weight * 2,
    "conv_rank": lambda T: T.nn.LazyConv2d(4, 3)(T.ones(5, 5)),
    "conv_groups": lambda T: T.nn.LazyConv2d(4, 3, groups=2)(T.ones(3, 5, 5)),
    "load_lazy_into_plain": lambda T: T.nn.Linear(2, 3).load_state_dict(T.nn.LazyLinear(3).state_dict()),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_as_pytorch(case):
    ours, theirs = _error(lambda: ERRORS[case](ft)), _error(lambda: ERRORS[case](torch))
    assert theirs is not None and ours is not None
    assert ours[0] == theirs[0]
    if case != "arithmetic":  # (PyTorch names its C method)
        assert ours[1] == theirs[1]


@pytest.mark.parametrize("T", [ft, torch], ids=["funcgrad", "torch"])
def test_state_dict_round_trips_and_casts(T):
    lazy = T.nn.LazyLinear(3)
    lazy.load_state_dict(T.nn.Linear(4, 3).state_dict())
    assert type(lazy).__name__ == "LazyLinear" and tuple(lazy.weight.shape) == (3, 4)
    assert type(lazy.weight).__name__ == "Parameter"
    lazy(T.ones(2, 4))  # loaded parameters are kept
    assert type(lazy).__name__ == "Linear"
    fresh = T.nn.LazyLinear(3)
    fresh.load_state_dict(T.nn.LazyLinear(3).state_dict())  # uninitialised into uninitialised
    assert fresh.has_uninitialized_params()
    double = T.nn.LazyLinear(2).double()
    double(T.ones(1, 5, dtype=T.float64))
    assert double.weight.dtype == T.float64
    duplicate = copy.deepcopy(T.nn.LazyLinear(2))
    assert repr(duplicate.weight) == "<UninitializedParameter>"
    duplicate(T.ones(3, 4))
    assert tuple(duplicate.weight.shape) == (2, 4)
    assert repr(T.nn.UninitializedParameter()) == "<UninitializedParameter>"
    assert isinstance(T.nn.UninitializedParameter(), T.nn.Parameter)
    assert repr(T.nn.UninitializedBuffer()) == "<UninitializedBuffer>"


def test_meta_device_lazy_module_makes_meta_parameters():
    lazy = ft.nn.LazyLinear(3, device="meta")
    out = lazy(ft.ones(2, 5, device="meta"))
    assert tuple(out.shape) == (2, 3) and lazy.weight.is_meta and tuple(lazy.weight.shape) == (3, 5)
