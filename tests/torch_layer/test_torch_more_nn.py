"""torch.nn additions (normalisation, 1-d convolution and pooling, resizing, padding,
activations, attention, recurrent layers, losses) against PyTorch: values, gradients, names."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

RNG = np.random.default_rng(11)
X = RNG.standard_normal((2, 3, 4)).astype(np.float32)   # (N, C, L)
Y = (RNG.random((2, 3, 4)) + 0.2).astype(np.float32)
W = RNG.standard_normal((4, 3, 2)).astype(np.float32) * 0.5   # conv1d kernel (O, C, K)
IMG = RNG.standard_normal((1, 4, 5, 6)).astype(np.float32)

PROGRAMS = {
    "layer_norm": lambda F, x, y, w, img: F.layer_norm(x, (4,), y[0, 0], y[1, 0]),
    "layer_norm_2d": lambda F, x, y, w, img: F.layer_norm(x, (3, 4)),
    "group_norm": lambda F, x, y, w, img: F.group_norm(img, 2, y[0, 0], y[1, 0]),
    "instance_norm": lambda F, x, y, w, img: F.instance_norm(img),
    "rms_norm": lambda F, x, y, w, img: F.rms_norm(x, (4,), y[0, 0]),
    "conv1d": lambda F, x, y, w, img: F.conv1d(x, w, y[0, 0]),
    "conv1d_options": lambda F, x, y, w, img: F.conv1d(x, w, None, stride=2, padding=1),
    "conv1d_groups": lambda F, x, y, w, img: F.conv1d(x, w[:3, :1], None, 1, 0, 2, 3),
    "conv1d_same": lambda F, x, y, w, img: F.conv1d(x, w, padding="same"),
    "max_pool1d": lambda F, x, y, w, img: F.max_pool1d(x, 2),
    "avg_pool1d": lambda F, x, y, w, img: F.avg_pool1d(x, 3, 1, 1),
    "adaptive_avg_pool1d": lambda F, x, y, w, img: F.adaptive_avg_pool1d(x, 3),
    "adaptive_avg_pool2d": lambda F, x, y, w, img: F.adaptive_avg_pool2d(img, (2, 4)),
    "adaptive_avg_pool2d_1": lambda F, x, y, w, img: F.adaptive_avg_pool2d(img, 1),
    "adaptive_max_pool2d": lambda F, x, y, w, img: F.adaptive_max_pool2d(img, (2, 3)),
    "interpolate_nearest": lambda F, x, y, w, img: F.interpolate(img, scale_factor=2),
    "interpolate_size": lambda F, x, y, w, img: F.interpolate(img, size=(7, 4)),
    "interpolate_bilinear": lambda F, x, y, w, img: F.interpolate(img, size=(7, 9), mode="bilinear"),
    "interpolate_bilinear_scale": lambda F, x, y, w, img: F.interpolate(img, scale_factor=2, mode="bilinear"),
    "interpolate_corners": lambda F, x, y, w, img: F.interpolate(img, size=(3, 8), mode="bilinear", align_corners=True),
    "interpolate_linear": lambda F, x, y, w, img: F.interpolate(x, scale_factor=1.5, mode="linear"),
    "pixel_shuffle": lambda F, x, y, w, img: F.pixel_shuffle(img, 2),
    "pad_reflect": lambda F, x, y, w, img: F.pad(img, (1, 2, 2, 1), mode="reflect"),
    "pad_replicate": lambda F, x, y, w, img: F.pad(x, (2, 1), mode="replicate"),
    "pad_constant": lambda F, x, y, w, img: F.pad(x, (1, 1), value=0.5),
    "selu": lambda F, x, y, w, img: F.selu(x), "celu": lambda F, x, y, w, img: F.celu(x, 0.5),
    "mish": lambda F, x, y, w, img: F.mish(x), "hardsigmoid": lambda F, x, y, w, img: F.hardsigmoid(3 * x),
    "hardswish": lambda F, x, y, w, img: F.hardswish(3 * x), "softsign": lambda F, x, y, w, img: F.softsign(x),
    "softmin": lambda F, x, y, w, img: F.softmin(x, 1), "glu": lambda F, x, y, w, img: F.glu(x),
    "threshold": lambda F, x, y, w, img: F.threshold(x, 0.1, 2.0),
    "prelu": lambda F, x, y, w, img: F.prelu(x, y[0, :, 0]),
    "tanhshrink": lambda F, x, y, w, img: F.tanhshrink(x), "softshrink": lambda F, x, y, w, img: F.softshrink(x),
    "hardshrink": lambda F, x, y, w, img: F.hardshrink(x), "logsigmoid": lambda F, x, y, w, img: F.logsigmoid(x),
    "sdpa": lambda F, x, y, w, img: F.scaled_dot_product_attention(x, y, y),
    "sdpa_causal": lambda F, x, y, w, img: F.scaled_dot_product_attention(x, y, x, is_causal=True),
    "cosine_similarity": lambda F, x, y, w, img: F.cosine_similarity(x, y),
    "pairwise_distance": lambda F, x, y, w, img: F.pairwise_distance(x, y),
    "bilinear": lambda F, x, y, w, img: F.bilinear(x, y, img[0, :, :4, :4]),
    "huber": lambda F, x, y, w, img: F.huber_loss(x, y, delta=0.5),
    "margin_ranking": lambda F, x, y, w, img: F.margin_ranking_loss(x, y, (y > 0.7).float() * 2 - 1),
    "hinge_embedding": lambda F, x, y, w, img: F.hinge_embedding_loss(x, (y > 0.7).float() * 2 - 1),
    "soft_margin": lambda F, x, y, w, img: F.soft_margin_loss(x, (y > 0.7).float() * 2 - 1),
    "multilabel_soft_margin": lambda F, x, y, w, img: F.multilabel_soft_margin_loss(x[0], (y[0] > 0.7).float()),
    "cosine_embedding": lambda F, x, y, w, img: F.cosine_embedding_loss(x[0], y[0], (y[1, :, 0] > 0.7).float() * 2 - 1),
    "poisson_nll": lambda F, x, y, w, img: F.poisson_nll_loss(x, y.detach()),
    "poisson_nll_full": lambda F, x, y, w, img: F.poisson_nll_loss(y, 3 * y.detach(), log_input=False, full=True),
    "gaussian_nll": lambda F, x, y, w, img: F.gaussian_nll_loss(x, y.detach(), y),
    "triplet_margin": lambda F, x, y, w, img: F.triplet_margin_loss(x[0], y[0], y[1]),
    "embedding_bag_mean": lambda F, x, y, w, img: F.embedding_bag(_labels(F, [1, 2, 0, 5, 1]), img.reshape(10, 12), _labels(F, [0, 2])),
    "embedding_bag_sum_2d": lambda F, x, y, w, img: F.embedding_bag(_labels(F, [[1, 2], [0, 9]]), img.reshape(10, 12), mode="sum"),
    "embedding_bag_max": lambda F, x, y, w, img: F.embedding_bag(_labels(F, [1, 2, 0, 5]), img.reshape(10, 12), _labels(F, [0, 1]), mode="max"),
    "embedding_bag_weighted": lambda F, x, y, w, img: F.embedding_bag(_labels(F, [1, 2, 0]), img.reshape(10, 12), _labels(F, [0, 2]), mode="sum", per_sample_weights=x[0, 0, :3]),
    "pdist": lambda F, x, y, w, img: F.pdist(img[0, 0]),
    "unfold": lambda F, x, y, w, img: F.unfold(img, (2, 3), padding=1, stride=(2, 1)),
    "unfold_dilation": lambda F, x, y, w, img: F.unfold(img, 2, dilation=2),
    "fold": lambda F, x, y, w, img: F.fold(img.reshape(1, 8, 15)[:, :, :12], (4, 6), 2, padding=1, stride=2),
    "max_unpool2d": lambda F, x, y, w, img: F.max_unpool2d(*F.max_pool2d(img, 2, return_indices=True), 2),
    "cross_entropy_weighted_smoothing": lambda F, x, y, w, img: F.cross_entropy(
        img[0, :, :, 0].t(), _labels(F, [0, 3, 1, 1, 2]), weight=(y[0, 0] + y[1, :, 0].sum()).detach(), label_smoothing=0.2),
    "cross_entropy_ignore_smoothing": lambda F, x, y, w, img: F.cross_entropy(
        img[0, :, :, 0].t(), _labels(F, [0, -100, 1, 1, 2]), label_smoothing=0.1, reduction="sum"),
    "cross_entropy_probs_smoothing": lambda F, x, y, w, img: F.cross_entropy(
        x[0], y[1].softmax(1), label_smoothing=0.3),
}


def _labels(F, values):
    import sys
    T = sys.modules[F.__name__.rsplit(".nn.", 1)[0]]
    return T.tensor(values)
OTHER_NAME = {"pdist", "instance_norm", "rms_norm", "sdpa", "sdpa_causal", "pad_constant", "bilinear",
              "cosine_similarity", "pairwise_distance", "interpolate_linear", "poisson_nll_full",
              "gaussian_nll", "adaptive_max_pool2d"}


def _run(T, program):
    leaves = [T.tensor(a, requires_grad=True) for a in (X, Y, W, IMG)]
    out = program(T.nn.functional, *leaves)
    name = type(out.grad_fn).__name__
    weights = T.tensor(np.linspace(-1, 2, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
    (out * weights).sum().backward()
    return out.detach().numpy(), name, [None if t.grad is None else t.grad.numpy() for t in leaves]


def _close(a, b):
    if a is None or b is None:
        assert (a is None or not np.any(a)) and (b is None or not np.any(b))
    else:
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("op", sorted(PROGRAMS))
def test_functional_values_gradients_and_names_match_pytorch(op):
    ours, theirs = _run(ft, PROGRAMS[op]), _run(torch, PROGRAMS[op])
    assert ours[0].shape == theirs[0].shape
    _close(ours[0], theirs[0])
    if op not in OTHER_NAME:
        assert ours[1] == theirs[1]
    for a, b in zip(ours[2], theirs[2]):
        _close(a, b)


# -- modules: same constructor, PyTorch's parameters loaded into ours ------------------------------

MODULES = {
    "LayerNorm": (lambda nn: nn.LayerNorm(4), (2, 3, 4)),
    "GroupNorm": (lambda nn: nn.GroupNorm(2, 4), (2, 4, 3)),
    "RMSNorm": (lambda nn: nn.RMSNorm(4), (2, 4)),
    "InstanceNorm1d": (lambda nn: nn.InstanceNorm1d(3, affine=True), (2, 3, 5)),
    "Conv1d": (lambda nn: nn.Conv1d(3, 4, 3, padding=1), (2, 3, 6)),
    "Conv1d_groups": (lambda nn: nn.Conv1d(4, 2, 2, stride=2, groups=2, bias=False), (1, 4, 6)),
    "Conv1d_unbatched": (lambda nn: nn.Conv1d(3, 2, 2), (3, 5)),
    "Conv1d_reflect": (lambda nn: nn.Conv1d(3, 2, 3, padding=1, padding_mode="reflect"), (1, 3, 5)),
    "MaxPool1d": (lambda nn: nn.MaxPool1d(2), (2, 3, 6)),
    "Conv3d": (lambda nn: nn.Conv3d(2, 3, (2, 3, 2), stride=(2, 1, 1), padding=(1, 1, 0)), (1, 2, 4, 4, 3)),
    "Conv3d_groups_dilation": (lambda nn: nn.Conv3d(2, 4, 2, groups=2, dilation=(2, 1, 1), bias=False), (1, 2, 4, 3, 3)),
    "Conv3d_unbatched": (lambda nn: nn.Conv3d(1, 2, 2), (1, 3, 3, 3)),
    "MaxPool3d": (lambda nn: nn.MaxPool3d(2), (1, 2, 4, 4, 4)),
    "MaxPool3d_padding": (lambda nn: nn.MaxPool3d((3, 2, 2), stride=(2, 1, 2), padding=(1, 0, 1)), (2, 1, 5, 4, 3)),
    "AvgPool3d": (lambda nn: nn.AvgPool3d(2, stride=1, padding=1), (1, 2, 3, 4, 3)),
    "AdaptiveAvgPool3d": (lambda nn: nn.AdaptiveAvgPool3d((2, 3, 1)), (1, 2, 5, 4, 3)),
    "BatchNorm3d": (lambda nn: nn.BatchNorm3d(2), (2, 2, 3, 2, 2)),
    "Conv2d_reflect": (lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), (1, 2, 4, 5)),
    "Conv2d_circular": (lambda nn: nn.Conv2d(2, 2, 3, padding=(1, 2), padding_mode="circular"), (1, 2, 4, 5)),
    "InstanceNorm2d_tracked": (lambda nn: nn.InstanceNorm2d(2, affine=True, track_running_stats=True), (3, 2, 3, 3)),
    "ConvTranspose2d": (lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 3)),
    "ConvTranspose2d_groups": (lambda nn: nn.ConvTranspose2d(4, 6, (2, 3), groups=2, dilation=2, bias=False), (1, 4, 3, 3)),
    "ConvTranspose2d_unbatched": (lambda nn: nn.ConvTranspose2d(2, 2, 2), (2, 3, 3)),
    "ConvTranspose1d": (lambda nn: nn.ConvTranspose1d(3, 4, 3, stride=3, padding=1), (2, 3, 5)),
    "AvgPool1d": (lambda nn: nn.AvgPool1d(2), (2, 3, 6)),
    "AdaptiveAvgPool1d": (lambda nn: nn.AdaptiveAvgPool1d(4), (2, 3, 6)),
    "AdaptiveMaxPool2d": (lambda nn: nn.AdaptiveMaxPool2d(2), (1, 2, 5, 4)),
    "Upsample": (lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"), (1, 2, 3, 3)),
    "PixelShuffle": (lambda nn: nn.PixelShuffle(2), (1, 8, 2, 3)),
    "ZeroPad2d": (lambda nn: nn.ZeroPad2d((1, 0, 2, 1)), (1, 1, 2, 3)),
    "ReflectionPad1d": (lambda nn: nn.ReflectionPad1d(2), (1, 2, 4)),
    "PReLU": (lambda nn: nn.PReLU(3), (2, 3, 4)),
    "Hardtanh": (lambda nn: nn.Hardtanh(-0.5, 0.5), (2, 5)),
    "ReLU6": (lambda nn: nn.ReLU6(), (2, 5)),
    "Unflatten": (lambda nn: nn.Unflatten(1, (2, 3)), (2, 6)),
    "Bilinear": (lambda nn: nn.Bilinear(3, 3, 2), (4, 3)),
    "RNN": (lambda nn: nn.RNN(3, 4), (5, 2, 3)),
    "RNN_relu_2layers": (lambda nn: nn.RNN(3, 4, 2, nonlinearity="relu"), (5, 2, 3)),
    "LSTM": (lambda nn: nn.LSTM(3, 4, batch_first=True), (2, 5, 3)),
    "LSTM_bidirectional": (lambda nn: nn.LSTM(3, 4, 2, bidirectional=True), (5, 2, 3)),
    "LSTM_unbatched": (lambda nn: nn.LSTM(3, 2), (4, 3)),
    "GRU": (lambda nn: nn.GRU(3, 4, 2), (5, 2, 3)),
    "GRU_bidirectional": (lambda nn: nn.GRU(3, 2, bidirectional=True, batch_first=True), (2, 4, 3)),
    "RNNCell": (lambda nn: nn.RNNCell(3, 4), (2, 3)),
    "LSTMCell": (lambda nn: nn.LSTMCell(3, 4), (2, 3)),
    "GRUCell": (lambda nn: nn.GRUCell(3, 4), (2, 3)),
    "MultiheadAttention": (lambda nn: nn.MultiheadAttention(4, 2), (3, 2, 4)),
    "MultiheadAttention_batch_first": (lambda nn: nn.MultiheadAttention(4, 2, batch_first=True), (2, 3, 4)),
    "TransformerEncoderLayer": (lambda nn: nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0), (3, 2, 4)),
    "TransformerDecoderLayer": (lambda nn: _Decoder(nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0)), (3, 2, 4)),
    "TransformerDecoderLayer_norm_first": (lambda nn: _Decoder(nn.TransformerDecoderLayer(
        4, 2, 6, dropout=0.0, norm_first=True, batch_first=True)), (2, 3, 4)),
    "Transformer": (lambda nn: _Seq2Seq(nn, d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=2,
                                        dim_feedforward=6, dropout=0.0), (4, 2, 4)),
    "TransformerEncoder": (lambda nn: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, batch_first=True, norm_first=True), 2,
        enable_nested_tensor=False), (2, 3, 4)),
}


class _Decoder:
    """A decoder layer called on a target and a memory made from one input."""

    def __init__(self, layer):
        self.model = layer

    def __getattr__(self, name):
        return getattr(self.model, name)

    def __call__(self, x):
        return self.model(x, x.flip(0) * 2)


class _Seq2Seq:
    """nn.Transformer called on (src, tgt) made from one input, with a causal target mask."""

    def __init__(self, nn, **options):
        self.model = nn.Transformer(**options)

    def __getattr__(self, name):
        return getattr(self.model, name)

    def __call__(self, x):
        mask = type(self.model).generate_square_subsequent_mask(x.shape[0] - 1)
        return self.model(x, x[1:] * 0.5, tgt_mask=mask)


def _first(out):
    while isinstance(out, (tuple, list)):
        out = out[0]
    return out


def _call(name, module, x):
    if name.startswith("MultiheadAttention"):
        return module(x, x, x)
    if name == "Bilinear":
        return module(x, x * 2)
    return module(x)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_match_pytorch(name):
    make, shape = MODULES[name]
    theirs, ours = make(torch.nn), make(ft.nn)
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    results = []
    for T, module in ((ft, ours), (torch, theirs)):
        inp = T.tensor(x, requires_grad=True)
        out = _call(name, module, inp)
        full = out
        out = _first(out)
        weights = T.tensor(np.linspace(-1, 2, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
        (out * weights).sum().backward()
        extra = [t.detach().numpy() for t in _flatten(full)]
        results.append((extra, inp.grad.numpy(), [p.grad for p in module.parameters()]))
    for a, b in zip(results[0][0], results[1][0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=2e-4, atol=2e-5)
    for a, b in zip(results[0][2], results[1][2]):
        _close(None if a is None else a.numpy(), None if b is None else b.numpy())


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    return [] if out is None else [out]


@pytest.mark.parametrize("make", [
    lambda nn: nn.LayerNorm((3, 4), eps=1e-6), lambda nn: nn.GroupNorm(2, 4),
    lambda nn: nn.LayerNorm(2, elementwise_affine=False), lambda nn: nn.LayerNorm(2, bias=False),
    lambda nn: nn.GroupNorm(1, 2, affine=False), lambda nn: nn.InstanceNorm1d(3),
    lambda nn: nn.InstanceNorm2d(3, affine=True), lambda nn: nn.Embedding(5, 2, padding_idx=0, max_norm=1.0),
    lambda nn: nn.Conv1d(3, 4, 3, stride=2, padding=1, bias=False), lambda nn: nn.MaxPool1d(3),
    lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1, bias=False),
    lambda nn: nn.ConvTranspose1d(3, 4, 2, groups=1, dilation=2),
    lambda nn: nn.LSTM(3, 4, num_layers=2, batch_first=True), lambda nn: nn.GRU(3, 4, bidirectional=True),
    lambda nn: nn.RNN(2, 3, nonlinearity="relu"), lambda nn: nn.LSTMCell(3, 4), lambda nn: nn.PReLU(),
    lambda nn: nn.Hardtanh(), lambda nn: nn.CELU(0.5), lambda nn: nn.Softmin(1), lambda nn: nn.GLU(),
    lambda nn: nn.Upsample(scale_factor=2), lambda nn: nn.Dropout2d(0.3), lambda nn: nn.Unflatten(1, (2, 2)),
    lambda nn: nn.HuberLoss(delta=2.0), lambda nn: nn.Threshold(0.1, 20), lambda nn: nn.PixelShuffle(2),
    lambda nn: nn.Bilinear(2, 3, 4), lambda nn: nn.AdaptiveAvgPool1d(3), lambda nn: nn.RMSNorm(4),
    lambda nn: nn.ParameterList([nn.Parameter(torch_or_ft(nn).ones(2, 3))]),
    lambda nn: nn.LeakyReLU(0.2), lambda nn: nn.LeakyReLU(0.1, inplace=True), lambda nn: nn.ELU(),
    lambda nn: nn.GELU(approximate="tanh"), lambda nn: nn.GELU(), lambda nn: nn.Softplus(2.0),
    lambda nn: nn.Hardshrink(), lambda nn: nn.Softshrink(0.3), lambda nn: nn.ConstantPad1d(1, 0.5),
    lambda nn: nn.ConstantPad2d((1, 2, 0, 0), 1.0), lambda nn: nn.MaxUnpool2d(2),
    lambda nn: nn.ReflectionPad2d(1), lambda nn: nn.Fold((4, 4), 2), lambda nn: nn.Unfold(2),
    lambda nn: nn.TransformerEncoderLayer(4, 2, 8), lambda nn: nn.MultiheadAttention(4, 2),
    lambda nn: nn.AdaptiveMaxPool2d(2), lambda nn: nn.InstanceNorm2d(3), lambda nn: nn.SELU(),
    lambda nn: nn.Conv3d(2, 3, 3, padding=1, bias=False), lambda nn: nn.MaxPool3d(2),
    lambda nn: nn.AvgPool3d(3, 2), lambda nn: nn.AdaptiveAvgPool3d(2), lambda nn: nn.BatchNorm3d(4),
    lambda nn: nn.EmbeddingBag(10, 3, mode="sum"), lambda nn: nn.EmbeddingBag(5, 2, padding_idx=0),
])
def test_module_reprs_match_pytorch(make):
    assert repr(make(ft.nn)) == repr(make(torch.nn))


def torch_or_ft(nn):
    return ft if nn is ft.nn else torch


def test_parameter_list_and_dict_register_parameters():
    for T in (ft, torch):
        class Net(T.nn.Module):
            def __init__(self):
                super().__init__()
                self.ws = T.nn.ParameterList([T.nn.Parameter(T.ones(2)) for _ in range(2)])
                self.d = T.nn.ParameterDict({"a": T.nn.Parameter(T.zeros(1))})
        net = Net()
        assert [k for k, _ in net.named_parameters()] == ["ws.0", "ws.1", "d.a"]
        assert len(net.ws) == 2 and "a" in net.d


def test_embedding_max_norm_renormalizes_looked_up_rows_as_pytorch():
    out = []
    for T in (ft, torch):
        e = T.nn.Embedding(3, 2, max_norm=1.0)
        with T.no_grad():
            e.weight.copy_(T.tensor([[3.0, 4.0], [0.3, 0.4], [1.0, 1.0]]))
        y = e(T.tensor([0, 1, 0]))
        (y * T.tensor([[1.0, 2.0]])).sum().backward()
        out.append((y.detach().numpy(), e.weight.detach().numpy(), e.weight.grad.numpy(), repr(e)))
    for a, b in zip(out[0][:3], out[1][:3]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert out[0][3] == out[1][3]


def test_multihead_attention_masks_and_weights_match_pytorch():
    x = np.random.default_rng(5).standard_normal((3, 2, 4)).astype(np.float32)
    causal = np.triu(np.ones((3, 3), bool), 1)
    padding = np.array([[False, False, True], [False, False, False]])
    theirs = torch.nn.MultiheadAttention(4, 2)
    ours = ft.nn.MultiheadAttention(4, 2)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    outs = []
    for T, m in ((ft, ours), (torch, theirs)):
        t = T.tensor(x)
        out, weights = m(t, t, t, attn_mask=T.tensor(causal), key_padding_mask=T.tensor(padding))
        outs.append((out.detach().numpy(), weights.detach().numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("lengths", [[4, 2, 1], [2, 4, 1]])
def test_packed_sequences_through_recurrent_layers_match_pytorch(mode, bidirectional, lengths):
    outs = []
    for T in (ft, torch):
        R = T.nn.utils.rnn
        m = getattr(T.nn, mode)(2, 3, num_layers=2, bidirectional=bidirectional)
        m.load_state_dict({k: T.tensor((0.4 * np.sin(np.arange(v.numel()) + 1)).reshape(
            tuple(v.shape)).astype(np.float32)) for k, v in m.state_dict().items()})
        x = T.tensor(np.cos(np.arange(24.0)).reshape(4, 3, 2).astype(np.float32), requires_grad=True)
        packed = R.pack_padded_sequence(x, lengths, enforce_sorted=lengths == sorted(lengths)[::-1])
        out, h = m(packed)
        padded, lens = R.pad_packed_sequence(out, padding_value=-1.0)
        hn = h[0] if mode == "LSTM" else h
        (padded.sum() + (hn * 2).sum()).backward()
        outs.append([padded.detach().numpy(), hn.detach().numpy(), x.grad.numpy(), lens.tolist(),
                     out.batch_sizes.tolist(), packed.data.detach().numpy()])
    for a, b in zip(*outs):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
        else:
            assert a == b


def test_pack_sequence_errors_and_round_trip_match_pytorch():
    outs = []
    for T in (ft, torch):
        R = T.nn.utils.rnn
        seqs = [T.tensor([1.0, 2.0, 3.0]), T.tensor([4.0, 5.0]), T.tensor([6.0])]
        packed = R.pack_sequence(seqs)
        with pytest.raises(RuntimeError) as info:
            R.pack_padded_sequence(T.zeros(3, 2), [1, 3])
        back = R.unpack_sequence(R.pack_sequence(seqs[::-1], enforce_sorted=False))
        outs.append((packed.data.tolist(), packed.batch_sizes.tolist(), str(info.value),
                     [b.tolist() for b in back]))
    assert outs[0] == outs[1]


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_affine_grid_and_grid_sample_match_pytorch(align_corners, padding_mode, mode):
    outs = []
    for T in (ft, torch):
        F = T.nn.functional
        img = T.tensor(np.sin(np.arange(80.0)).reshape(2, 2, 4, 5).astype(np.float32), requires_grad=True)
        theta = T.tensor([[[0.9, 0.2, 0.1], [-0.1, 1.1, -0.2]], [[1.2, 0.0, 0.3], [0.3, 0.8, 0.0]]],
                         requires_grad=True)
        grid = F.affine_grid(theta, (2, 2, 3, 4), align_corners=align_corners)
        out = F.grid_sample(img, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        (out * T.arange(out.numel()).reshape(out.shape).float()).sum().backward()
        outs.append([grid.detach().numpy(), out.detach().numpy(), img.grad.numpy(),
                     None if theta.grad is None else theta.grad.numpy(),
                     type(out.grad_fn).__name__, type(grid.grad_fn).__name__])
    for a, b in zip(*outs):
        if isinstance(a, str):
            assert a == b
        else:
            _close(a, b)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("padded", [True, False])
def test_ctc_loss_matches_pytorch(reduction, padded):
    logits = np.random.default_rng(0).standard_normal((6, 3, 4)).astype(np.float32)
    targets = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]]) if padded else np.array([1, 2, 2, 3, 1, 2])
    lengths_in = [6, 5, 4] if padded else [6, 6, 6]
    outs = []
    for T in (ft, torch):
        x = T.tensor(logits, requires_grad=True)
        loss = T.nn.CTCLoss(reduction=reduction)(x.log_softmax(2), T.tensor(targets),
                                                 T.tensor(lengths_in), T.tensor([3, 2, 1]))
        (loss * T.arange(1.0, loss.numel() + 1).reshape(loss.shape)).sum().backward()
        outs.append((loss.detach().numpy(), x.grad.numpy(), type(loss.grad_fn).__name__))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-4, atol=1e-5)
    assert outs[0][2] == outs[1][2]


def test_alpha_dropout_keeps_selu_statistics():
    ft.manual_seed(0)
    x = ft.nn.functional.selu(ft.randn(100000))
    y = ft.nn.functional.alpha_dropout(x, 0.3, training=True)
    assert abs(float(y.mean())) < 0.02 and abs(float(y.std()) - 1) < 0.02
    assert ft.nn.AlphaDropout(0.2).eval()(ft.ones(2)).tolist() == [1.0, 1.0]
    assert repr(ft.nn.AlphaDropout(0.2)) == repr(torch.nn.AlphaDropout(0.2))


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_with_other_key_and_value_sizes_matches_pytorch(batch_first):
    outs = []
    for T in (ft, torch):
        m = T.nn.MultiheadAttention(4, 2, kdim=3, vdim=5, batch_first=batch_first)
        m.load_state_dict({k: T.tensor(0.5 * np.sin(np.arange(v.numel()) + 1).reshape(
            tuple(v.shape)).astype(np.float32)) for k, v in m.state_dict().items()})
        q = T.tensor(np.cos(np.arange(24.0)).reshape(3, 2, 4).astype(np.float32), requires_grad=True)
        k = T.tensor(np.sin(np.arange(24.0)).reshape(4, 2, 3).astype(np.float32))
        v = T.tensor(np.cos(np.arange(40.0) * 0.3).reshape(4, 2, 5).astype(np.float32))
        if batch_first:
            q, k, v = (t.transpose(0, 1) for t in (q, k, v))
        out, weights = m(q, k, v)
        out.sum().backward()
        outs.append((out.detach().numpy(), weights.detach().numpy(),
                     [name for name, _ in m.named_parameters()],
                     [p.grad.numpy() for p in m.parameters()]))
    (a, wa, na, ga), (b, wb, nb, gb) = outs
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-5)
    assert na == nb
    for x, y in zip(ga, gb):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("layers, bidirectional, batch_first", [(1, False, False), (2, True, True)])
def test_lstm_with_projections_matches_pytorch(layers, bidirectional, batch_first):
    outs = []
    for T in (ft, torch):
        m = T.nn.LSTM(3, 4, layers, batch_first=batch_first, bidirectional=bidirectional,
                      proj_size=2)
        m.load_state_dict({k: T.tensor(0.4 * np.sin(np.arange(v.numel()) + 1).reshape(
            tuple(v.shape)).astype(np.float32)) for k, v in m.state_dict().items()})
        x = T.tensor(np.cos(np.arange(30.0)).reshape(5, 2, 3).astype(np.float32), requires_grad=True)
        out, (h, c) = m(x)
        (out.sum() + h.sum() * 2 + c.sum()).backward()
        outs.append([out.detach().numpy(), h.detach().numpy(), c.detach().numpy(), x.grad.numpy(),
                     [k for k, _ in m.named_parameters()], repr(m)])
    for a, b in zip(*outs):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
        else:
            assert a == b


_LOSS_INPUT = np.array([[-0.3, 0.2, -1.5], [0.5, -0.1, 2.0]], np.float32)


def _assert_loss_as_pytorchs(name, target, **options):
    """The loss and its input gradient from funcgrad.torch and PyTorch, equal to 1e-6."""
    results = []
    for T in (ft, torch):
        xt = T.tensor(_LOSS_INPUT, requires_grad=True)
        out = getattr(T.nn.functional, name)(xt, T.tensor(target), **options)
        out.sum().backward()
        results.append((out.detach().numpy(), xt.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "none", "sum"])
def test_hinge_embedding_loss_takes_both_terms_for_targets_other_than_plus_minus_one(reduction):
    target = np.array([[1, -1, 1], [-1, 1, 0.5]], np.float32)
    _assert_loss_as_pytorchs("hinge_embedding_loss", target, reduction=reduction)


@pytest.mark.parametrize("reduction", ["sum", "none", "batchmean"])  # ('mean' warns, in PyTorch)
def test_kl_div_is_xlogy_of_the_target_nan_where_it_is_negative(reduction):
    target = np.array([[0.0, 0.2, -1.0], [1.0, 0.5, 0.3]], np.float32)
    with np.errstate(invalid="ignore"):  # NumPy's log(-1.0)
        _assert_loss_as_pytorchs("kl_div", target, reduction=reduction)


@pytest.mark.parametrize("beta, threshold", [(1.0, 20.0), (2.0, 1.0), (1.0, 0.5), (0.5, 3.0)])
def test_softplus_is_linear_beyond_its_threshold_as_pytorch(beta, threshold):
    x = np.linspace(-3, 8, 23, dtype=np.float32)
    results = []
    for T in (ft, torch):
        xt = T.tensor(x, requires_grad=True)
        out = T.nn.functional.softplus(xt, beta=beta, threshold=threshold)
        out.sum().backward()
        results.append((out.detach().numpy(), xt.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
