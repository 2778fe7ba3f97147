"""Small modules and functions against PyTorch: Softmax2d, PixelUnshuffle, UpsamplingNearest2d /
UpsamplingBilinear2d and the deprecated upsample_*, channel_shuffle / ChannelShuffle, RReLU /
rrelu / rrelu_, FeatureAlphaDropout / feature_alpha_dropout, the in-place activations (elu_,
celu_, selu_, hardtanh_, leaky_relu_, threshold_) and nn.Container: values, gradients, node
names, version counters, reprs, warnings and errors. The random layers are checked by their
law (each draw read back from the output) and their evaluation mode by value."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

RNG = np.random.default_rng(21)
X = RNG.standard_normal((2, 4, 3, 4)).astype(np.float32) * 2


def _module(F):
    import sys
    return sys.modules[F.__name__.rsplit(".", 2)[0]]


def _inplace(name, *args):
    def program(F, x):
        y = x * 1  # (a leaf that requires grad cannot change in place)
        out = getattr(F, name)(y, *args)
        assert out is y and y._version == 1
        return y
    return program


PROGRAMS = {
    "Softmax2d": lambda F, x: _module(F).nn.Softmax2d()(x),
    "Softmax2d_unbatched": lambda F, x: _module(F).nn.Softmax2d()(x[0]),
    "PixelUnshuffle": lambda F, x: _module(F).nn.PixelUnshuffle(2)(x[:, :, :2]),
    "UpsamplingNearest2d": lambda F, x: _module(F).nn.UpsamplingNearest2d(scale_factor=2)(x),
    "UpsamplingBilinear2d": lambda F, x: _module(F).nn.UpsamplingBilinear2d(size=(5, 7))(x),
    "upsample_nearest": lambda F, x: F.upsample_nearest(x, size=(6, 5)),
    "upsample_bilinear": lambda F, x: F.upsample_bilinear(x, scale_factor=2),
    "channel_shuffle": lambda F, x: F.channel_shuffle(x, 2),
    "channel_shuffle_3d": lambda F, x: F.channel_shuffle(x.reshape(2, 4, 12), 4),
    "ChannelShuffle": lambda F, x: _module(F).nn.ChannelShuffle(2)(x),
    "rrelu_eval": lambda F, x: F.rrelu(x, 0.1, 0.3),
    "RReLU_eval": lambda F, x: _module(F).nn.RReLU().eval()(x),
    "rrelu__eval": _inplace("rrelu_", 0.2, 0.4),
    "elu_": _inplace("elu_", 0.7),
    "celu_": _inplace("celu_", 1.3),
    "selu_": _inplace("selu_"),
    "hardtanh_": _inplace("hardtanh_", -0.5, 1.5),
    "leaky_relu_": _inplace("leaky_relu_", 0.2),
    "threshold_": _inplace("threshold_", 0.3, -2.0),
    "elu_inplace_argument": lambda F, x: F.elu(x * 1, 1.0, True),
    "leaky_relu_inplace_argument": lambda F, x: F.leaky_relu(x * 1, 0.1, True),
    "feature_alpha_dropout_eval": lambda F, x: F.feature_alpha_dropout(x, 0.5, False),
}
OTHER_NAME = {"feature_alpha_dropout_eval"}  # (identity: our leaf vs PyTorch's AliasBackward)


def _run(T, case):
    x = T.tensor(X, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = PROGRAMS[case](T.nn.functional, x)
    weights = T.tensor(np.linspace(-1, 2, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
    (out * weights).sum().backward()
    return out.detach().numpy(), type(out.grad_fn).__name__, x.grad.numpy()


@pytest.mark.parametrize("case", sorted(PROGRAMS))
def test_values_gradients_and_names_match_pytorch(case):
    ours, theirs = _run(ft, case), _run(torch, case)
    assert ours[0].shape == theirs[0].shape
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    if case not in OTHER_NAME:
        assert ours[1] == theirs[1]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-6)


def test_top_level_aliases_match_pytorch():
    for name, args in (("rrelu_", ()), ("threshold_", (0.1, 5.0)), ("selu_", ()),
                       ("celu_", (0.5,)), ("channel_shuffle", (2,)),
                       ("native_channel_shuffle", (4,))):
        ours, theirs = getattr(ft, name)(ft.tensor(X), *args), getattr(torch, name)(torch.tensor(X), *args)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=name)
    x, xt = ft.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    assert type(ft.selu_(x * 1).grad_fn).__name__ == type(torch.selu_(xt * 1).grad_fn).__name__


@pytest.mark.parametrize("T", [ft, torch], ids=["funcgrad", "torch"])
def test_rrelu_in_training_scales_each_negative_entry_by_a_slope_in_the_range(T):
    T.manual_seed(0)
    x = T.tensor(X, requires_grad=True)
    out = T.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    out.sum().backward()
    values, grads = out.detach().numpy(), x.grad.numpy()
    negative = X < 0
    slopes = values[negative] / X[negative]
    assert np.all((slopes >= 0.1 - 1e-6) & (slopes <= 0.3 + 1e-6))
    assert len(np.unique(slopes.round(6))) > len(slopes) // 2  # one draw per entry
    np.testing.assert_allclose(grads[negative], slopes, rtol=1e-5)  # the gradient is the slope
    np.testing.assert_array_equal(values[~negative], X[~negative])
    assert np.all(grads[~negative] == 1)
    module = T.nn.RReLU(0.1, 0.3)
    assert module.training and np.any(module(T.tensor(X)).numpy() != T.nn.functional.rrelu(T.tensor(X), 0.1, 0.3).numpy())


@pytest.mark.parametrize("T", [ft, torch], ids=["funcgrad", "torch"])
def test_feature_alpha_dropout_drops_whole_channels_keeping_mean_and_variance(T):
    p = 0.4
    x = T.tensor(X, requires_grad=True)
    out = T.nn.functional.feature_alpha_dropout(x, p, True)
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    kept = np.abs(out.detach().numpy() - (X * a + alpha * a * p)) < 1e-5
    dropped = np.abs(out.detach().numpy() - (-alpha * a + alpha * a * p)) < 1e-5
    assert np.all(kept | dropped)
    per_channel = kept.reshape(2, 4, -1)
    assert np.all(per_channel.all(-1) | (~per_channel).all(-1))  # a channel is kept whole or not
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, a, 0), rtol=1e-5)
    zero = T.nn.functional.feature_alpha_dropout(T.tensor(X), 1.0, True)
    assert not np.any(zero.numpy())
    module = T.nn.FeatureAlphaDropout(0.2)
    assert module.eval()(T.tensor(X)).numpy().tolist() == X.tolist()


def _error(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    except Exception as err:  # noqa: BLE001 (compares whatever PyTorch raises)
        return type(err).__name__, str(err).split("\n")[0]
    return None


ERRORS = {
    "softmax2d_rank": lambda T: T.nn.Softmax2d()(T.ones(3)),
    "shuffle_groups": lambda T: T.nn.functional.channel_shuffle(T.ones(2, 4, 3), 3),
    "shuffle_rank": lambda T: T.nn.functional.channel_shuffle(T.ones(2, 4), 2),
    "shuffle_zero": lambda T: T.nn.functional.channel_shuffle(T.ones(2, 4, 3), 0),
    "feature_dropout_rank": lambda T: T.nn.functional.feature_alpha_dropout(T.ones(3), 0.5, True),
    "unshuffle_height": lambda T: T.nn.PixelUnshuffle(2)(T.ones(2, 4, 3, 4)),
    "unshuffle_width": lambda T: T.nn.functional.pixel_unshuffle(T.ones(4, 4, 3), 2),
    "unshuffle_rank": lambda T: T.nn.functional.pixel_unshuffle(T.ones(4, 4), 2),
    "inplace_leaf": lambda T: T.nn.functional.elu_(T.ones(3, requires_grad=True)),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_as_pytorch(case):
    ours, theirs = _error(lambda: ERRORS[case](ft)), _error(lambda: ERRORS[case](torch))
    assert theirs is not None and ours is not None
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]


def test_reprs_and_deprecation_warnings_match_pytorch():
    for make in (lambda nn: nn.RReLU(), lambda nn: nn.RReLU(0.1, 0.3, inplace=True),
                 lambda nn: nn.ChannelShuffle(3), lambda nn: nn.PixelUnshuffle(2),
                 lambda nn: nn.UpsamplingNearest2d(scale_factor=2),
                 lambda nn: nn.UpsamplingBilinear2d(size=(3, 4)), lambda nn: nn.Softmax2d(),
                 lambda nn: nn.FeatureAlphaDropout(0.3)):
        assert repr(make(ft.nn)) == repr(make(torch.nn))
    for T in (ft, torch):
        with pytest.warns(FutureWarning, match="`nn.Container` is deprecated"):
            box = T.nn.Container(act=T.nn.ReLU())
        assert list(dict(box.named_children())) == ["act"]
        with pytest.warns(UserWarning, match="upsample_nearest` is deprecated"):
            T.nn.functional.upsample_nearest(T.ones(1, 1, 2, 2), scale_factor=2)
