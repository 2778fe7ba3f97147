"""torch.utils.data, devices, nn.utils, gradcheck, hvp/vhp, func.linearize and
stack_module_state, init.dirac_: checked by value (no PyTorch needed), and against PyTorch
where it is installed."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import funcgrad.torch as ft
from funcgrad.torch.utils.data import (DataLoader, Dataset, IterableDataset, TensorDataset,
                                       random_split)

HAVE_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAVE_TORCH, reason="compares against PyTorch")


def test_devices_print_and_compare_as_pytorch():
    x = ft.ones(2)
    assert x.device == ft.device("cpu") and str(x.device) == "cpu"
    assert repr(ft.device("cuda:1")) == "device(type='cuda', index=1)"
    assert x.to(x.device) is x and ft.zeros(2, device=x.device).device.type == "cpu"
    assert not ft.cuda.is_available() and not ft.backends.mps.is_available()
    device = ft.device("cuda" if ft.cuda.is_available() else "cpu")
    model = ft.nn.Linear(2, 1).to(device)
    assert model(ft.ones(1, 2).to(device)).shape == (1, 1)


def test_data_loader_batches_a_tensor_dataset():
    ds = TensorDataset(ft.arange(10).float(), ft.arange(10) * 2)
    batches = list(DataLoader(ds, batch_size=4))
    assert [tuple(b[0].shape) for b in batches] == [(4,), (4,), (2,)]
    assert batches[1][1].tolist() == [8, 10, 12, 14] and batches[0][0].dtype == ft.float32
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    ft.manual_seed(0)
    seen = sorted(int(v) for xb, _ in DataLoader(ds, batch_size=3, shuffle=True) for v in xb)
    assert seen == list(range(10))


def test_data_loader_collates_numbers_tuples_and_dicts_as_pytorch():
    class Pairs(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return {"x": np.full(2, i, np.float32), "y": i, "w": 0.5 * i}
    batch = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["y"].dtype == ft.int64
    assert batch["w"].dtype == ft.float64 and batch["w"].tolist() == [0.0, 0.5, 1.0]

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(5))
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=2)] == [[0, 1], [2, 3], [4]]


def test_random_split_by_counts_and_fractions():
    parts = random_split(range(10), [0.3, 0.7], generator=ft.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert [len(p) for p in random_split(range(11), [0.3, 0.3, 0.4])] == [4, 3, 4]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(5), [2, 2])


def test_pad_sequence_and_parameter_vectors():
    padded = ft.nn.utils.rnn.pad_sequence([ft.ones(2), 2 * ft.ones(3)], batch_first=True,
                                          padding_value=-1.0)
    assert padded.tolist() == [[1.0, 1.0, -1.0], [2.0, 2.0, 2.0]]
    assert ft.nn.utils.rnn.pad_sequence([ft.ones(1, 2), ft.ones(2, 2)]).shape == (2, 2, 2)
    layer = ft.nn.Linear(2, 2)
    vec = ft.nn.utils.parameters_to_vector(layer.parameters())
    ft.nn.utils.vector_to_parameters(vec * 0 + ft.arange(6).float(), layer.parameters())
    assert layer.weight.tolist() == [[0.0, 1.0], [2.0, 3.0]] and layer.bias.tolist() == [4.0, 5.0]


def test_gradcheck_accepts_right_gradients_and_reports_wrong_ones():
    x = ft.tensor([0.3, -1.2, 2.0], dtype=ft.float64, requires_grad=True)
    y = ft.tensor([1.5, 0.5, -0.7], dtype=ft.float64, requires_grad=True)
    assert ft.autograd.gradcheck(lambda a, b: (a * b.sin()).cumsum(0), (x, y))
    assert ft.autograd.gradgradcheck(lambda a, b: (a * a * b).prod(), (x, y))

    class Wrong(ft.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * a

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2 a g
    assert not ft.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
        ft.autograd.gradcheck(Wrong.apply, (x,))
    with pytest.warns(UserWarning, match="not a double precision"):
        ft.autograd.gradcheck(lambda a: a * 2, (ft.ones(2, requires_grad=True),), eps=1e-2)


def test_hvp_vhp_linearize_and_stacked_module_state():
    x = ft.tensor([1.0, 2.0])
    v = ft.tensor([1.0, -1.0])
    cube = lambda a: (a ** 3).sum()  # noqa: E731 - Hessian diag(6 a)
    out, product = ft.autograd.functional.hvp(cube, x, v)
    assert float(out) == 9.0 and product.tolist() == [6.0, -12.0]
    assert ft.autograd.functional.vhp(cube, x, v)[1].tolist() == [6.0, -12.0]
    value, jvp_fn = ft.func.linearize(lambda a: a.sin() * 2, x)
    np.testing.assert_allclose(jvp_fn(v).numpy(), 2 * np.cos([1.0, 2.0]) * [1, -1], rtol=1e-6)
    np.testing.assert_allclose(value.numpy(), 2 * np.sin([1.0, 2.0]), rtol=1e-6)
    models = [ft.nn.Linear(2, 3) for _ in range(4)]
    params, buffers = ft.func.stack_module_state(models)
    assert params["weight"].shape == (4, 3, 2) and params["weight"].requires_grad and buffers == {}
    out = ft.func.vmap(lambda p, x: ft.func.functional_call(models[0], p, (x,)),
                       in_dims=(0, None))(params, ft.ones(2))
    np.testing.assert_allclose(out.detach().numpy(),
                               [(m.weight.sum(1) + m.bias).detach().numpy() for m in models],
                               rtol=1e-6)


def test_dirac_and_sparse_init():
    w = ft.empty(4, 2, 3)
    ft.nn.init.dirac_(w)
    assert w[:, :, 1].tolist() == [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]]
    assert float(w.sum()) == 2.0
    s = ft.nn.init.sparse_(ft.empty(10, 3), 0.3)
    assert all(int((s[:, c] == 0).sum()) >= 3 for c in range(3))


@needs_torch
def test_gradcheck_hvp_and_devices_agree_with_pytorch():
    import torch
    for T in (ft, torch):
        x = T.tensor([0.3, -1.2, 2.0], dtype=T.float64, requires_grad=True)
        assert T.autograd.gradcheck(lambda a: T.logsumexp(a * a, 0), (x,))
    outs = [T.autograd.functional.hvp(lambda a: (a.sin() * a).sum(), T.tensor([0.5, 1.5]),
                                      T.tensor([1.0, 2.0]))[1].numpy() for T in (ft, torch)]
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5)
    assert str(ft.ones(1).device) == str(torch.ones(1).device)
    assert repr(ft.device("cpu")) == repr(torch.device("cpu"))
    w = [T.empty(3, 2, 3, 3) for T in (ft, torch)]
    ft.nn.init.dirac_(w[0])
    torch.nn.init.dirac_(w[1])
    np.testing.assert_array_equal(w[0].numpy(), w[1].numpy())
    outs = [next(iter(T.utils.data.DataLoader([(1, 2.0), (3, 4.0)], batch_size=2)))
            for T in (ft, torch)]
    assert [(o.tolist(), str(o.dtype)) for o in outs[0]] == [(o.tolist(), str(o.dtype)) for o in outs[1]]


def _under_float64(T):
    T.set_default_dtype(T.float64)
    try:
        return [str(T.tensor([1.5]).dtype), str(T.ones(1).dtype), str(T.nn.Linear(2, 1).weight.dtype),
                str((T.tensor([1]) * 1.5).dtype), repr(T.tensor([1.0], dtype=T.float32)),
                repr(T.arange(2.0)), str(T.randn(1).dtype), str(T.tensor([1j]).dtype),
                str(T.get_default_dtype()), T.finfo().eps, repr(T.tensor([0.5], requires_grad=True) * 2)]
    finally:
        T.set_default_dtype(T.float32)


def test_set_default_dtype_makes_new_float_tensors_float64():
    got = _under_float64(ft)
    assert got[:4] == ["torch.float64"] * 4
    assert got[4] == "tensor([1.], dtype=torch.float32)" and got[5] == "tensor([0., 1.])"
    assert got[7] == "torch.complex128" and got[9] == np.finfo(np.float64).eps
    assert ft.ones(1).dtype == ft.float32  # restored
    with pytest.raises(TypeError, match="only floating-point types"):
        ft.set_default_dtype(ft.int64)


@needs_torch
def test_set_default_dtype_matches_pytorch():
    import torch
    assert _under_float64(ft) == _under_float64(torch)


def test_lbfgs_solves_a_quadratic_in_a_few_steps():
    target = ft.tensor([1.0, -2.0, 0.5])
    scales = ft.tensor([1.0, 10.0, 100.0])
    w = ft.zeros(3, requires_grad=True)
    opt = ft.optim.LBFGS([w], lr=1, max_iter=50)

    def closure():
        opt.zero_grad()
        loss = (scales * (w - target) ** 2).sum()
        loss.backward()
        return loss
    first = float(opt.step(closure))
    assert first == pytest.approx(1 + 40 + 25)
    np.testing.assert_allclose(w.detach().numpy(), target.numpy(), atol=1e-4)
    with pytest.raises(NotImplementedError, match="strong_wolfe"):
        ft.optim.LBFGS([w], line_search_fn="strong_wolfe")


def test_transformer_runs_with_a_causal_mask_and_trains():
    ft.manual_seed(0)
    model = ft.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                              dim_feedforward=16, dropout=0.0, batch_first=True)
    mask = ft.nn.Transformer.generate_square_subsequent_mask(3)
    assert mask.tolist()[0] == [0.0, float("-inf"), float("-inf")]
    src, tgt = ft.randn(2, 4, 8), ft.randn(2, 3, 8)
    opt = ft.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = (model(src, tgt, tgt_mask=mask) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0]
    assert model(src, tgt, tgt_mask=mask).shape == (2, 3, 8)


def _hooked_linear(T):
    m = T.nn.Linear(2, 3)
    with T.no_grad():
        m.weight.copy_(T.arange(6.0).reshape(3, 2))
        m.bias.zero_()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(
        ([None if g is None else g.tolist() for g in gi], [g.tolist() for g in go])))
    handle = m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
    x = T.tensor([[1.0, -1.0]], requires_grad=True)
    (m(x) * T.tensor([1.0, 2.0, 3.0])).sum().backward()
    m(T.ones(1, 2)).sum().backward()  # no input needs a gradient: grad_input is (None,)
    handle.remove()
    m(x).sum().backward()
    return seen, x.grad.tolist(), m.weight.grad.tolist()


def test_module_backward_hooks_see_and_replace_gradients():
    seen, x_grad, w_grad = _hooked_linear(ft)
    assert seen[0] == ([[[32.0, 44.0]]], [[[2.0, 4.0, 6.0]]])  # grad_output doubled by the pre-hook
    assert seen[1] == ([None], [[[2.0, 2.0, 2.0]]])
    assert seen[2] == ([[[6.0, 9.0]]], [[[1.0, 1.0, 1.0]]])
    assert x_grad == [[38.0, 53.0]]


@needs_torch
def test_module_backward_hooks_match_pytorch():
    import torch
    assert _hooked_linear(ft) == _hooked_linear(torch)


def test_reset_parameters_and_running_stats():
    bn = ft.nn.BatchNorm1d(3)
    bn(ft.randn(4, 3) * 5 + 2)
    assert float(bn.num_batches_tracked) == 1 and float(bn.running_mean.abs().sum()) > 0
    bn.reset_parameters()
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert int(bn.num_batches_tracked) == 0
    norm = ft.nn.LayerNorm(2)
    with ft.no_grad():
        norm.weight.mul_(3)
    norm.reset_parameters()
    assert norm.weight.tolist() == [1.0, 1.0] and norm.bias.tolist() == [0.0, 0.0]
    emb = ft.nn.Embedding(3, 2, padding_idx=1)
    emb.reset_parameters()
    assert emb.weight[1].tolist() == [0.0, 0.0]
    for module in (ft.nn.GroupNorm(1, 2), ft.nn.RMSNorm(2), ft.nn.LSTMCell(2, 3), ft.nn.PReLU(),
                   ft.nn.Bilinear(2, 2, 1), ft.nn.ConvTranspose2d(1, 1, 2)):
        module.reset_parameters()
    assert len(ft.nn.LSTM(2, 3, 2).all_weights) == 2


def test_packed_sequence_round_trip_and_lstm_lengths():
    R = ft.nn.utils.rnn
    packed = R.pack_sequence([ft.tensor([1.0, 2.0, 3.0]), ft.tensor([4.0, 5.0]), ft.tensor([6.0])])
    assert packed.data.tolist() == [1.0, 4.0, 6.0, 2.0, 5.0, 3.0]
    assert packed.batch_sizes.tolist() == [3, 2, 1]
    padded, lengths = R.pad_packed_sequence(packed, batch_first=True)
    assert padded.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 0.0], [6.0, 0.0, 0.0]]
    assert lengths.tolist() == [3, 2, 1]
    lstm = ft.nn.LSTM(1, 2)
    x = ft.randn(3, 2, 1)
    _, (h_packed, _) = lstm(R.pack_padded_sequence(x, [3, 1]))
    _, (h_short, _) = lstm(x[:1, 1:])  # the second sequence alone, over its one step
    np.testing.assert_allclose(h_packed[0, 1].detach().numpy(), h_short[0, 0].detach().numpy(),
                               rtol=1e-6)


def _no_grad_view_outcomes(T):
    outcomes = []
    for leaf in (True, False):
        for use_grad in (True, False):
            a = T.ones(3, requires_grad=True)
            b = a if leaf else a * 2
            with T.no_grad():
                v = b[:2]
            if leaf:
                with T.no_grad():
                    b.mul_(3)
            else:
                b.mul_(3)
            try:
                with T.set_grad_enabled(use_grad):
                    (v * 2).sum()
                outcomes.append("ok")
            except RuntimeError as err:
                outcomes.append(str(err).split("\n")[0][:60])
    base = T.ones(3, requires_grad=True) * 1
    with T.no_grad():
        w = base[:2]
    try:
        w.mul_(2)
        outcomes.append("ok")
    except RuntimeError as err:
        outcomes.append(str(err).split("\n")[0][:60])
    return outcomes


def test_views_made_under_no_grad_refuse_use_after_their_base_changed():
    assert _no_grad_view_outcomes(ft) == [
        "A view was created in no_grad mode and its base or another v", "ok",
        "A view was created in no_grad mode and its base or another v", "ok",
        "A view was created in no_grad mode and is being modified inp"]


@needs_torch
def test_views_made_under_no_grad_match_pytorch():
    import torch
    assert _no_grad_view_outcomes(ft) == _no_grad_view_outcomes(torch)


def test_optimizer_step_hooks_run_around_each_step():
    w = ft.ones(2, requires_grad=True)
    opt = ft.optim.SGD([w], lr=0.5)
    seen = []
    opt.register_step_pre_hook(lambda o, args, kwargs: seen.append(("pre", w.tolist())))
    handle = opt.register_step_post_hook(lambda o, args, kwargs: seen.append(("post", w.tolist())))
    (w * 2).sum().backward()
    opt.step()
    handle.remove()
    opt.step()
    assert seen == [("pre", [1.0, 1.0]), ("post", [0.0, 0.0]), ("pre", [0.0, 0.0])]
