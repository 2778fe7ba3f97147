"""nn layers, losses, init, optimizers, schedulers and save/load against PyTorch (same weights)."""
from __future__ import annotations

import io

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch
RNG = np.random.default_rng(1)


def _np(t):
    return t.detach().numpy()


def _copy_weights(src, dst):
    """PyTorch module -> funcgrad module (same names), through plain arrays."""
    dst.load_state_dict({k: ft.tensor(v.detach().numpy()) for k, v in src.state_dict().items()})


def _close(a, b, rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _build(T):
    class Net(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = T.nn.Conv2d(2, 3, 3, stride=1, padding=1)
            self.pool = T.nn.MaxPool2d(2)
            self.avg = T.nn.AvgPool2d(2, stride=1)
            self.bn = T.nn.BatchNorm2d(3)
            self.head = T.nn.Sequential(T.nn.Flatten(), T.nn.Linear(3 * 3 * 3, 5), T.nn.Tanh(),
                                        T.nn.Dropout(0.0), T.nn.Linear(5, 4))

        def forward(self, x):
            x = self.avg(self.pool(T.relu(self.bn(self.conv(x)))))
            return self.head(x)
    return Net()


def test_small_convnet_forward_backward_matches_pytorch():
    theirs, ours = _build(torch), _build(ft)
    _copy_weights(theirs, ours)
    x = RNG.standard_normal((2, 2, 8, 8)).astype(np.float32)
    y = np.array([1, 3])
    results = []
    for T, net in ((ft, ours), (torch, theirs)):
        out = net(T.tensor(x))
        loss = T.nn.functional.cross_entropy(out, T.tensor(y))
        loss.backward()
        results.append([_np(out), loss.item()] + [_np(p.grad) for p in net.parameters()]
                       + [_np(net.bn.running_mean), _np(net.bn.running_var)])
    for a, b in zip(*results):
        _close(a, b)


def test_module_api_matches_pytorch():
    theirs, ours = _build(torch), _build(ft)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__ for m in theirs.modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    ours.eval()
    assert not ours.bn.training and not ours.head[3].training
    ours.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.parameters())


def test_parameter_repr_and_linear_node_names():
    for T in (ft, torch):
        p = T.nn.Parameter(T.tensor([1.0, 2.0]))
        assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    names = []
    for T in (ft, torch):
        lin = T.nn.Linear(3, 2)
        names.append((type(lin(T.ones(4, 3)).grad_fn).__name__,
                      type(T.nn.functional.linear(T.ones(4, 3), lin.weight).grad_fn).__name__))
    assert names[0] == names[1]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "binary_cross_entropy_with_logits",
                                  "binary_cross_entropy", "cross_entropy", "nll_loss",
                                  "smooth_l1_loss"])
def test_losses_match_pytorch(loss, reduction):
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    t = RNG.random((4, 3)).astype(np.float32)
    labels = np.array([0, 2, 1, 2])
    results = []
    for T in (ft, torch):
        inp = T.tensor(x, requires_grad=True)
        F = T.nn.functional
        if loss == "binary_cross_entropy":
            out = F.binary_cross_entropy(T.sigmoid(inp), T.tensor(t), reduction=reduction)
        elif loss == "cross_entropy":
            out = F.cross_entropy(inp, T.tensor(labels), reduction=reduction)
        elif loss == "nll_loss":
            out = F.nll_loss(F.log_softmax(inp, 1), T.tensor(labels), reduction=reduction)
        else:
            out = getattr(F, loss)(inp, T.tensor(t), reduction=reduction)
        out.sum().backward()
        results.append([_np(out), _np(inp.grad), type(out.grad_fn).__name__])
    _close(results[0][0], results[1][0])
    _close(results[0][1], results[1][1])
    if reduction != "none" or loss in ("cross_entropy", "nll_loss", "mse_loss",
                                      "binary_cross_entropy_with_logits"):
        assert results[0][2] == results[1][2]


def test_loss_modules():
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    t = RNG.random((4, 3)).astype(np.float32)
    out = []
    for T in (ft, torch):
        nn = T.nn
        a, b = T.tensor(x), T.tensor(t)
        out.append([nn.MSELoss()(a, b).item(), nn.L1Loss(reduction="sum")(a, b).item(),
                    nn.BCEWithLogitsLoss()(a, b).item(), nn.BCELoss()(T.sigmoid(a), b).item(),
                    nn.CrossEntropyLoss()(a, T.tensor([0, 1, 2, 0])).item(),
                    nn.NLLLoss()(a, T.tensor([0, 1, 2, 0])).item()])
    _close(np.array(out[0]), np.array(out[1]))


def test_conv2d_stride_padding_dilation_and_embedding():
    x = RNG.standard_normal((2, 3, 9, 8)).astype(np.float32)
    res = []
    for T in (ft, torch):
        T.manual_seed(0)
        conv = T.nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(2, 1))
        emb = T.nn.Embedding(5, 3)
        res.append((conv, emb))
    _copy_weights(res[1][0], res[0][0])
    _copy_weights(res[1][1], res[0][1])
    outs = []
    for T, (conv, emb) in zip((ft, torch), res):
        inp = T.tensor(x, requires_grad=True)
        y = conv(inp)
        e = emb(T.tensor([[1, 4], [1, 0]]))
        (y.sum() + (e * e).sum()).backward()
        outs.append([_np(y), _np(inp.grad), _np(conv.weight.grad), _np(conv.bias.grad),
                     _np(emb.weight.grad)])
    for a, b in zip(*outs):
        _close(a, b)


def test_default_initialisation_bounds_follow_pytorch():
    ft.manual_seed(0)
    lin = ft.nn.Linear(100, 50)
    conv = ft.nn.Conv2d(4, 8, 3)
    assert np.abs(_np(lin.weight)).max() <= 1 / np.sqrt(100)
    assert np.abs(_np(lin.bias)).max() <= 1 / np.sqrt(100)
    assert np.abs(_np(conv.weight)).max() <= 1 / np.sqrt(36)
    assert np.abs(_np(lin.weight)).max() > 0.9 / np.sqrt(100)  # uniform over the whole range
    w = ft.empty(200, 300)
    ft.nn.init.xavier_uniform_(w)
    assert np.abs(_np(w)).max() <= np.sqrt(6 / 500)
    ft.nn.init.kaiming_normal_(w, nonlinearity="relu")
    np.testing.assert_allclose(_np(w).std(), np.sqrt(2 / 300), rtol=0.05)
    ft.nn.init.zeros_(w)
    assert not _np(w).any()


@pytest.mark.parametrize("make", [
    lambda T, p: T.optim.SGD(p, lr=0.1),
    lambda T, p: T.optim.SGD(p, lr=0.1, momentum=0.9),
    lambda T, p: T.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01),
    lambda T, p: T.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    lambda T, p: T.optim.Adam(p, lr=0.05),
    lambda T, p: T.optim.Adam(p, lr=0.05, weight_decay=0.1, amsgrad=True),
    lambda T, p: T.optim.AdamW(p, lr=0.05),
    lambda T, p: T.optim.SGD([{"params": p[:1], "lr": 0.01}, {"params": p[1:]}], lr=0.1,
                             momentum=0.5),
])
def test_optimizers_match_pytorch(make):
    w0 = RNG.standard_normal((3, 2)).astype(np.float32)
    b0 = RNG.standard_normal(2).astype(np.float32)
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    final = []
    for T in (ft, torch):
        w = T.tensor(w0, requires_grad=True)
        b = T.tensor(b0, requires_grad=True)
        opt = make(T, [w, b])
        sched = T.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        for _ in range(5):
            opt.zero_grad()
            loss = ((T.tensor(x) @ w + b).tanh() ** 2).sum()
            loss.backward()
            opt.step()
            sched.step()
        final.append([_np(w), _np(b), sched.get_last_lr()])
    _close(final[0][0], final[1][0], rtol=1e-4)
    _close(final[0][1], final[1][1], rtol=1e-4)
    assert np.allclose(final[0][2], final[1][2])


def test_zero_grad_sets_none_by_default_and_optimizer_state_dict_round_trip():
    w = ft.tensor([1.0, 2.0], requires_grad=True)
    opt = ft.optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    state = opt.state_dict()
    assert state["param_groups"][0]["params"] == [0] and 0 in state["state"]
    opt.zero_grad()
    assert w.grad is None
    opt2 = ft.optim.SGD([w], lr=0.5, momentum=0.9)
    opt2.load_state_dict(state)
    assert opt2.param_groups[0]["lr"] == 0.1
    np.testing.assert_allclose(_np(opt2.state[w]["momentum_buffer"]), [2.0, 4.0])
    opt.zero_grad(set_to_none=False)


def test_save_and_load_without_pickle(tmp_path):
    net = _build(ft)
    path = tmp_path / "model.pt"
    ft.save({"model": net.state_dict(), "epoch": 3, "t": ft.arange(4)}, path)
    loaded = ft.load(path)
    assert loaded["epoch"] == 3 and loaded["t"].tolist() == [0, 1, 2, 3]
    other = _build(ft)
    other.load_state_dict(loaded["model"])
    for (n, a), (m, b) in zip(net.state_dict().items(), other.state_dict().items()):
        assert n == m and np.array_equal(_np(a), _np(b))
    buffer = io.BytesIO()
    ft.save(ft.tensor([1.5], requires_grad=True), buffer)
    buffer.seek(0)
    t = ft.load(buffer)
    assert t.requires_grad and t.tolist() == [1.5]
    with pytest.raises(TypeError, match="cannot save"):
        ft.save(object(), io.BytesIO())


def test_random_functions_shapes_dtypes_and_seeding():
    ft.manual_seed(3)
    a = ft.rand(2, 3)
    ft.manual_seed(3)
    assert ft.rand(2, 3).tolist() == a.tolist()
    assert ft.randn(4).dtype == ft.float32 and ft.randint(0, 5, (3,)).dtype == ft.int64
    assert sorted(ft.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    assert ft.rand_like(a).shape == (2, 3) and ft.randn_like(a).shape == ft.Size([2, 3])
    assert 0 <= float(ft.rand(100).min()) and float(ft.rand(100).max()) < 1


def test_layer_node_names_match_pytorch():
    def program(T):
        T.manual_seed(0)
        x = T.ones(2, 3, 5, 5, requires_grad=True)
        layers = [T.nn.Conv2d(3, 2, 3), T.nn.Conv2d(3, 2, 3, bias=False), T.nn.MaxPool2d(2),
                  T.nn.AvgPool2d(2), T.nn.BatchNorm2d(3), T.nn.BatchNorm2d(3).eval(),
                  T.nn.ReLU(), T.nn.Sigmoid(), T.nn.Tanh(), T.nn.Flatten(), T.nn.Dropout(0.5)]
        names = [type(layer(x).grad_fn).__name__ for layer in layers]
        emb = T.nn.Embedding(4, 2)
        names.append(type(emb(T.tensor([1, 2])).grad_fn).__name__)
        names.append(type(T.nn.BatchNorm1d(3)(T.ones(4, 3, requires_grad=True)).grad_fn).__name__)
        return names
    assert program(ft) == program(torch)


def test_batchnorm1d_train_and_eval_match_pytorch():
    x = RNG.standard_normal((6, 3)).astype(np.float32)
    res = []
    for T in (ft, torch):
        bn = T.nn.BatchNorm1d(3)
        inp = T.tensor(x, requires_grad=True)
        out = bn(inp)
        (out * T.tensor(x)).sum().backward()
        bn.eval()
        res.append([_np(out), _np(inp.grad), _np(bn.weight.grad), _np(bn(T.tensor(x))),
                    _np(bn.running_var), int(bn.num_batches_tracked)])
    for a, b in zip(*res):
        _close(np.asarray(a), np.asarray(b))


def test_deepcopy_of_a_model_and_parameter_assignment_error():
    import copy
    net = _build(ft)
    twin = copy.deepcopy(net)
    for a, b in zip(net.parameters(), twin.parameters()):
        assert a is not b and type(b).__name__ == "Parameter" and np.array_equal(_np(a), _np(b))
    with ft.no_grad():
        next(twin.parameters()).add_(1)
    assert not np.array_equal(_np(next(net.parameters())), _np(next(twin.parameters())))
    for T in (ft, torch):
        lin = T.nn.Linear(2, 2)
        with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'weight'"):
            lin.weight = T.ones(2, 2)
        with pytest.raises(RuntimeError, match="graph leaves"):
            copy.deepcopy(T.ones(1, requires_grad=True) * 2)


def test_clip_grad_norm_and_schedulers_match_pytorch():
    out = []
    for T in (ft, torch):
        w = T.tensor([3.0, 4.0], requires_grad=True)
        (w * w).sum().backward()
        total = T.nn.utils.clip_grad_norm_([w], 1.0)
        opt = T.optim.SGD([w], lr=1.0)
        lrs = []
        for sched in (T.optim.lr_scheduler.MultiStepLR(opt, [2, 4], 0.5),):
            for _ in range(5):
                opt.step()
                sched.step()
                lrs.append(sched.get_last_lr()[0])
        opt2 = T.optim.SGD([w], lr=1.0)
        exp = T.optim.lr_scheduler.ExponentialLR(opt2, 0.9)
        lam = T.optim.lr_scheduler.LambdaLR(T.optim.SGD([w], lr=2.0), lambda e: 1 / (e + 1))
        for _ in range(3):
            exp.step()
            lam.step()
        out.append([float(total), _np(w.grad).tolist(), lrs, exp.get_last_lr(), lam.get_last_lr()])
    assert np.allclose(out[0][0], out[1][0]) and np.allclose(out[0][1], out[1][1])
    assert np.allclose(out[0][2], out[1][2]) and np.allclose(out[0][3], out[1][3])
    assert np.allclose(out[0][4], out[1][4])


def test_forward_hooks_buffers_and_apply():
    for T in (ft, torch):
        net = T.nn.Sequential(T.nn.Linear(2, 3), T.nn.ReLU())
        seen = []
        handle = net[0].register_forward_hook(lambda m, args, out: seen.append(tuple(out.shape)))
        pre = net.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
        out = net(T.ones(4, 2))
        assert seen == [(4, 3)]
        np.testing.assert_allclose(_np(out), np.maximum(_np(net[0].bias), 0)[None].repeat(4, 0))
        handle.remove()
        pre.remove()
        net(T.ones(1, 2))
        assert seen == [(4, 3)]
        net.register_buffer("steps", T.zeros(1))
        assert [n for n, _ in net.named_buffers()] == ["steps"] and "steps" in net.state_dict()
        names = []
        net.apply(lambda m: names.append(type(m).__name__))
        assert names == ["Linear", "ReLU", "Sequential"]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_class_weights_and_ignored_targets(reduction):
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    labels = np.array([0, 2, -100, 1, 2])
    w = np.array([0.2, 1.0, 3.0], np.float32)
    out = []
    for T in (ft, torch):
        inp = T.tensor(x, requires_grad=True)
        loss = T.nn.functional.cross_entropy(inp, T.tensor(labels), weight=T.tensor(w),
                                             reduction=reduction)
        loss.sum().backward()
        plain = T.nn.CrossEntropyLoss(reduction=reduction)(inp.detach(), T.tensor(labels))
        out.append([_np(loss), _np(inp.grad), _np(plain), type(loss.grad_fn).__name__])
    for a, b in zip(*out):
        if isinstance(a, str):
            assert a == b
        else:
            _close(a, b)


@pytest.mark.parametrize("groups,bias", [(1, False), (2, True), (4, False)])
def test_grouped_convolution_matches_pytorch(groups, bias):
    x = RNG.standard_normal((2, 4, 6, 5)).astype(np.float32)
    mods = []
    for T in (ft, torch):
        T.manual_seed(0)
        mods.append(T.nn.Conv2d(4, 8, 3, padding=1, groups=groups, bias=bias))
    _copy_weights(mods[1], mods[0])
    out = []
    for T, conv in zip((ft, torch), mods):
        inp = T.tensor(x, requires_grad=True)
        y = conv(inp)
        (y * y).sum().backward()
        out.append([_np(y), _np(inp.grad), _np(conv.weight.grad), type(y.grad_fn).__name__])
    for a, b in zip(*out):
        if isinstance(a, str):
            assert a == b
        else:
            _close(a, b)


@pytest.mark.parametrize("kernel", [(3, 3), (2, 4)])
def test_same_padding_matches_pytorch(kernel):
    import warnings
    x = RNG.standard_normal((1, 2, 5, 6)).astype(np.float32)
    mods = []
    for T in (ft, torch):
        mods.append(T.nn.Conv2d(2, 3, kernel, padding="same"))
    _copy_weights(mods[1], mods[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _close(_np(mods[0](ft.tensor(x))), _np(mods[1](torch.tensor(x))))
    assert repr(mods[0]) == repr(mods[1])


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_over_spatial_positions(reduction):
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    labels = RNG.integers(0, 3, (2, 4, 5))
    out = []
    for T in (ft, torch):
        inp = T.tensor(x, requires_grad=True)
        loss = T.nn.functional.cross_entropy(inp, T.tensor(labels), reduction=reduction)
        loss.sum().backward()
        out.append((_np(loss), _np(inp.grad)))
    for a, b in zip(*out):
        _close(a, b)


@pytest.mark.parametrize("kernel,stride,padding", [(2, 2, 0), (3, 2, 1), (2, 3, 0)])
def test_max_pool_ceil_mode_matches_pytorch(kernel, stride, padding):
    x = RNG.standard_normal((1, 2, 7, 6)).astype(np.float32)
    out = []
    for T in (ft, torch):
        inp = T.tensor(x, requires_grad=True)
        y = T.nn.functional.max_pool2d(inp, kernel, stride, padding, ceil_mode=True)
        (y * y).sum().backward()
        out.append((_np(y), _np(inp.grad)))
    for a, b in zip(*out):
        _close(a, b)


@pytest.mark.parametrize("widths,value", [((1, 2), 0.0), ((1, 0, 2, 1), -3.5), ((0, 1, 1, 0), 7.0)])
def test_pad_matches_pytorch(widths, value):
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    out = []
    for T in (ft, torch):
        inp = T.tensor(x, requires_grad=True)
        y = T.nn.functional.pad(inp, widths, value=value)
        (y * y).sum().backward()
        out.append((_np(y), _np(inp.grad), type(y.grad_fn).__name__))
    assert out[0][2] == out[1][2]
    for a, b in zip(out[0][:2], out[1][:2]):
        _close(a, b)


def test_embedding_padding_idx_layer_dtype_and_pos_weight():
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    t = RNG.random((4, 3)).astype(np.float32)
    out = []
    for T in (ft, torch):
        emb = T.nn.Embedding(4, 2, padding_idx=1)
        with T.no_grad():
            emb.weight.copy_(T.tensor(np.arange(8, dtype=np.float32).reshape(4, 2)))
        (emb(T.tensor([[1, 2], [1, 3]])) ** 2).sum().backward()
        lin = T.nn.Linear(2, 2, dtype=T.float64)
        inp = T.tensor(x, requires_grad=True)
        loss = T.nn.functional.binary_cross_entropy_with_logits(
            inp, T.tensor(t), pos_weight=T.tensor([1.0, 2.0, 0.5]))
        loss.backward()
        out.append([_np(emb.weight.grad), str(lin.weight.dtype), loss.item(), _np(inp.grad)])
    _close(out[0][0], out[1][0])
    assert out[0][1] == out[1][1]
    _close(out[0][2], out[1][2])
    _close(out[0][3], out[1][3])


@pytest.mark.parametrize("name", ["gelu", "silu", "softplus", "logsigmoid", "leaky_relu", "elu",
                                  "hardtanh"])
def test_more_activations_match_pytorch(name):
    x = np.linspace(-3, 3, 13).astype(np.float32)
    out = []
    for T in (ft, torch):
        inp = T.tensor(x, requires_grad=True)
        y = getattr(T.nn.functional, name)(inp)
        (y * y).sum().backward()
        out.append((_np(y), _np(inp.grad)))
    for a, b in zip(*out):
        _close(a, b)
