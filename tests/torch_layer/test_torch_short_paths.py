"""The short paths taken for speed, each against PyTorch by value: conv2d with a bias as one
node (its gradients, second derivatives, graph and the cases it leaves to the composite), the
matrix product with an inner size of one, and the backward engine's order with hooks."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _both(fn):
    """fn(T) on funcgrad.torch and on PyTorch: the two results as NumPy values."""
    out = []
    for T in (ft, torch):
        result = fn(T)
        out.append([np.asarray(r.detach().numpy()) if hasattr(r, "detach") else r
                    for r in result])
    return out


def _close(ours, theirs, rtol=1e-4, atol=1e-5):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _data(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


@pytest.mark.parametrize("channels, stride, padding", [(1, 1, 0), (3, 2, 1), (8, 1, 1),
                                                       (16, 2, 1)])
@pytest.mark.parametrize("needs", ["all", "input", "weight", "bias"])
def test_conv2d_with_bias_gradients(channels, stride, padding, needs):
    x0, w0, b0, g0 = _data(channels, (2, channels, 7, 6), (4, channels, 3, 3), (4,), (1,))

    def run(T):
        x, w, b = (T.tensor(v, requires_grad=needs in ("all", name))
                   for v, name in ((x0, "input"), (w0, "weight"), (b0, "bias")))
        out = T.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)
        (out * out).sum().backward()
        grads = [t.grad for t in (x, w, b) if t.grad is not None]
        return [out] + grads + [T.tensor(len(grads))]
    _close(*_both(run))


def test_conv2d_with_bias_second_derivative():
    x0, w0, b0 = _data(1, (2, 8, 6, 6), (3, 8, 3, 3), (3,))

    def run(T):
        x, w, b = (T.tensor(v, requires_grad=True) for v in (x0, w0, b0))
        out = T.nn.functional.conv2d(x, w, b, padding=1)
        gx, gw, gb = T.autograd.grad((out ** 2).sum(), (x, w, b), create_graph=True)
        (gx.sum() + (gw * gw).sum() + (gb * gb).sum()).backward()
        return [gx, gw, gb, x.grad, w.grad, b.grad]
    _close(*_both(run), rtol=1e-3, atol=1e-3)


def test_conv2d_with_bias_graph_and_versions():
    x0, w0, b0 = _data(2, (1, 2, 5, 5), (3, 2, 3, 3), (3,))
    names = []
    for T in (ft, torch):
        x = T.tensor(x0, requires_grad=True)
        conv = T.nn.Conv2d(2, 3, 3)
        out = conv(x)
        node = out.grad_fn
        names.append([type(node).__name__] + [None if n is None else type(n).__name__
                                              for n, _ in node.next_functions])
        out.sum().backward()
        with pytest.raises(RuntimeError):  # the graph is freed after a backward
            out.sum().backward()
        with T.no_grad():
            conv.weight.mul_(2)
        out = conv(x)
        loss = out.sum()
        with T.no_grad():
            conv.weight.add_(1)
        with pytest.raises(RuntimeError):  # the weight it saved was changed in place
            loss.backward()
    assert names[0] == names[1]


def test_conv2d_with_bias_under_vmap_and_no_grad():
    x0, w0, b0 = _data(3, (4, 2, 5, 5), (3, 2, 3, 3), (3,))

    def run(T):
        x, w, b = (T.tensor(v) for v in (x0, w0, b0))
        batched = T.func.vmap(lambda xi: T.nn.functional.conv2d(xi[None], w, b)[0])(x)
        wr = T.tensor(w0, requires_grad=True)
        with T.no_grad():
            plain = T.nn.functional.conv2d(x, wr, b)
        grad_b = T.func.grad(lambda bb: T.nn.functional.conv2d(x, w, bb).sum())(b)
        return [batched, plain, T.tensor(plain.requires_grad), grad_b]
    _close(*_both(run))


@pytest.mark.parametrize("shapes", [((5, 1), (1, 7)), ((3, 5, 1), (3, 1, 7)),
                                    ((5, 1), (2, 1, 7)), ((1, 4), (4, 3))])
def test_matmul_inner_size_one(shapes):
    a0, b0 = _data(4, *shapes)

    def run(T):
        a, b = T.tensor(a0, requires_grad=True), T.tensor(b0, requires_grad=True)
        out = a @ b
        (out * out).sum().backward()
        return [out, a.grad, b.grad]
    ours, theirs = _both(run)
    _close(ours, theirs)


def test_linear_weight_gradient_on_a_batch_of_one():
    x0, w0, b0 = _data(5, (1, 9), (6, 9), (6,))

    def run(T):
        x = T.tensor(x0)
        w, b = T.tensor(w0, requires_grad=True), T.tensor(b0, requires_grad=True)
        T.nn.functional.linear(x, w, b).pow(2).sum().backward()
        return [w.grad, b.grad]
    _close(*_both(run))


def test_backward_order_with_hooks_and_branches():
    """The engine runs ready nodes newest first (a chain runs without the heap): the order
    in which tensor hooks fire on a graph with branches and a shared input is PyTorch's."""
    def run(T):
        order = []
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = x * 2
        b = x.exp()
        c = a * b
        d = c.sin() + a
        e = (d * b).tanh()
        for name, t in zip("abcde", (a, b, c, d, e)):
            t.register_hook(lambda g, name=name: order.append(name))
        x.register_hook(lambda g: order.append("x"))
        e.sum().backward(retain_graph=True)
        e.sum().backward()
        return [x.grad, "".join(order)]
    ours, theirs = _both(run)
    _close(ours[:1], theirs[:1])
    assert ours[1] == theirs[1]


def _lstm_run(T, layers, bidirectional, bias, x0, seed=1, batch_first=False, proj_size=0):
    T.manual_seed(0)
    lstm = T.nn.LSTM(x0.shape[-1], 3, num_layers=layers, bidirectional=bidirectional,
                     bias=bias, batch_first=batch_first, proj_size=proj_size)
    rng = np.random.default_rng(seed)
    with T.no_grad():
        for p in lstm.parameters():
            p.copy_(T.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32) / 2))
    return lstm, rng


@pytest.mark.parametrize("layers, bidirectional, bias", [(1, False, True), (2, True, True),
                                                         (1, False, False), (2, False, True)])
def test_lstm_layer_node_against_pytorch(layers, bidirectional, bias):
    """Each LSTM layer is one MkldnnRnnLayerBackward0 node, as PyTorch's: values, every
    gradient (input, initial states, parameters) and the node names agree."""
    (x0,) = _data(6, (5, 2, 4))

    def run(T):
        lstm, rng = _lstm_run(T, layers, bidirectional, bias, x0)
        x = T.tensor(x0, requires_grad=True)
        states = layers * (2 if bidirectional else 1)
        h0 = T.tensor(rng.standard_normal((states, 2, 3)).astype(np.float32), requires_grad=True)
        out, (h, c) = lstm(x, (h0, h0 * 0.5))
        ((out ** 2).sum() + (h * c).sum()).backward()
        names = (type(out.grad_fn).__name__, type(h.grad_fn).__name__)
        return [out, h, c, x.grad, h0.grad] + [p.grad for p in lstm.parameters()] + [names]
    ours, theirs = _both(run)
    assert ours[-1] == theirs[-1]
    _close(ours[:-1], theirs[:-1])


def test_lstm_layer_node_second_derivative_and_hooks():
    (x0,) = _data(7, (4, 1, 3))

    def run(T):
        lstm, _ = _lstm_run(T, 1, False, True, x0)
        x = T.tensor(x0, requires_grad=True)
        out, (h, c) = lstm(x)
        seen = []
        out.register_hook(lambda g: seen.append(g.sum()))
        loss = (out ** 2).sum() + c.sum()
        (gx,) = T.autograd.grad(loss, x, create_graph=True, retain_graph=True)
        (gx ** 2).sum().backward(retain_graph=True)
        loss.backward()
        return [gx, x.grad, lstm.weight_hh_l0.grad, lstm.bias_ih_l0.grad, T.tensor(len(seen)),
                T.stack(seen)]
    _close(*_both(run), rtol=1e-3, atol=1e-4)


def test_lstm_paths_left_per_step():
    """Packed sequences, proj_size, batch_first and unbatched input still agree (the first two
    run step by step)."""
    from funcgrad.torch.nn.utils.rnn import pack_padded_sequence as ft_pack
    (x0,) = _data(8, (5, 2, 4))

    def run(T):
        pack = ft_pack if T is ft else torch.nn.utils.rnn.pack_padded_sequence
        results = []
        lstm, _ = _lstm_run(T, 1, False, True, x0, proj_size=2)
        out, (h, c) = lstm(T.tensor(x0))
        results += [out, h, c]
        lstm, _ = _lstm_run(T, 1, False, True, x0)
        packed = pack(T.tensor(x0), T.tensor([5, 3]))
        out, (h, c) = lstm(packed)
        results += [out.data, h, c]
        lstm, _ = _lstm_run(T, 1, False, True, x0, batch_first=True)
        out, (h, c) = lstm(T.tensor(x0))
        results += [out, h]
        out, (h, c) = lstm(T.tensor(x0[:, 0]))
        results += [out, h]
        return results
    _close(*_both(run))
