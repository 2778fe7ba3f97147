"""The same programs on funcgrad.torch and on PyTorch: values, gradients, grad_fn names, reprs."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal((4, 2)).astype(np.float32)
V = RNG.standard_normal(4).astype(np.float32)
P = (RNG.random((3, 4)) + 0.5).astype(np.float32)


def _both(program):
    """program(T) on both libraries, leaves turned into NumPy (and names/reprs kept as text)."""
    return program(ft), program(torch)


def _plain(x):
    if isinstance(x, (ft.Tensor, torch.Tensor)):
        return x.detach().numpy()
    if isinstance(x, (list, tuple)):
        return [_plain(i) for i in x]
    return x


def _compare(program, rtol=1e-5, atol=1e-6):
    ours, theirs = _both(program)
    ours, theirs = _plain(ours), _plain(theirs)
    _assert_close(ours, theirs, rtol, atol)


def _assert_close(a, b, rtol, atol):
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            _assert_close(x, y, rtol, atol)
    elif isinstance(a, np.ndarray):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    else:
        assert a == b, (a, b)


def _name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


UNARY = ["exp", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "neg", "square"]
POSITIVE = ["log", "sqrt", "rsqrt", "reciprocal", "log1p"]


@pytest.mark.parametrize("op", UNARY + POSITIVE)
def test_unary_ops_values_gradients_and_node_names(op):
    def program(T):
        x = T.tensor(P if op in POSITIVE else A, requires_grad=True)
        y = getattr(T, op)(x)
        (y * y).sum().backward()
        return [y, x.grad, _name(y)]
    _compare(program)


@pytest.mark.parametrize("expr", [
    lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / y,
    lambda x, y: x ** 2, lambda x, y: 2 ** x, lambda x, y: y ** x, lambda x, y: 1 - x,
    lambda x, y: x * 3, lambda x, y: 3 / y, lambda x, y: x.pow(3), lambda x, y: -x,
    lambda x, y: x.clamp(-0.5, 0.5), lambda x, y: x.clamp(min=0.1), lambda x, y: x.max(y),
    lambda x, y: x @ y.t(), lambda x, y: x.t(), lambda x, y: x.T, lambda x, y: x.view(4, 3),
    lambda x, y: x.reshape(-1), lambda x, y: x.unsqueeze(1), lambda x, y: x[None].squeeze(0),
    lambda x, y: x.permute(1, 0), lambda x, y: x.transpose(0, 1), lambda x, y: x.flatten(),
    lambda x, y: x[:, None, :].expand(3, 2, 4), lambda x, y: x[1], lambda x, y: x[:, 1:3],
    lambda x, y: x[[0, 2]], lambda x, y: x[x > 0], lambda x, y: x.sum(1), lambda x, y: x.sum(),
    lambda x, y: x.sum(dim=0, keepdim=True), lambda x, y: x.mean(), lambda x, y: x.mean(1),
    lambda x, y: x.max(), lambda x, y: x.max(dim=1).values, lambda x, y: x.min(0)[0],
    lambda x, y: x.var(1), lambda x, y: x.std(), lambda x, y: x.norm(),
    lambda x, y: x.softmax(1), lambda x, y: x.log_softmax(0), lambda x, y: x.logsumexp(1),
    lambda x, y: ft_or(x).cat([x, y], 0), lambda x, y: ft_or(x).stack([x, y], 1),
    lambda x, y: ft_or(x).where(x > y, x, y), lambda x, y: x.clone(), lambda x, y: x.double(),
    lambda x, y: x.exp().log(), lambda x, y: (x * y).sum(1).mean(),
])
def test_expressions_values_gradients_and_node_names(expr):
    def program(T):
        x = T.tensor(A, requires_grad=True)
        y = T.tensor(P, requires_grad=True)
        out = expr(x, y)
        out.backward(T.ones_like(out))
        return [out, x.grad, y.grad, _name(out)]
    _compare(program)


def ft_or(x):
    return ft if isinstance(x, ft.Tensor) else torch


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)),
                                    ((4,), (4,)), ((2, 3, 4), (2, 4, 2)), ((2, 3, 4), (4, 2))])
def test_matmul_shapes_and_names(shapes):
    a = RNG.standard_normal(shapes[0]).astype(np.float32)
    b = RNG.standard_normal(shapes[1]).astype(np.float32)

    def program(T):
        x, y = T.tensor(a, requires_grad=True), T.tensor(b, requires_grad=True)
        out = T.matmul(x, y)
        out.sum().backward()
        return [out, x.grad, y.grad]
    _compare(program, rtol=1e-5)


@pytest.mark.parametrize("value", [
    lambda T: T.tensor([[0.4568, 0.3014]], requires_grad=True),
    lambda T: T.tensor(15.6081, requires_grad=True) * 1,
    lambda T: T.tensor([1.0, 2.0, 3.0]), lambda T: T.tensor([1, 2, 3]),
    lambda T: T.tensor([True, False]), lambda T: T.tensor([1.5, 2.0], dtype=T.float64),
    lambda T: T.tensor([1e-5, 1.0]), lambda T: T.tensor([1e9, 1.0]),
    lambda T: T.tensor([[1.0, -2.0], [3.5, 100.0]]), lambda T: T.zeros(2, 3, 4),
    lambda T: T.arange(30.0).reshape(3, 10) / 7, lambda T: T.arange(200.0) / 3,
    lambda T: T.arange(2000.0).reshape(40, 50), lambda T: T.tensor([]),
    lambda T: T.zeros(0, 3), lambda T: T.tensor(3), lambda T: T.tensor([float("nan"), 1.0, float("inf")]),
    lambda T: T.ones(3, requires_grad=True).sum(), lambda T: T.arange(6).view(2, 3),
    lambda T: T.tensor([0.1, 0.25]).mean(), lambda T: T.tensor([[-1.0]]).exp(),
])
def test_repr_matches_pytorch(value):
    assert repr(value(ft)) == repr(value(torch))


def test_dtype_promotion_matches_pytorch():
    def program(T):
        i = T.tensor([1, 2, 3])
        f = T.tensor([1.0, 2.0, 3.0])
        return [str((i * 0.5).dtype), str((i / 2).dtype), str((i + 1).dtype), str((f * 2).dtype),
                str((f + i).dtype), str(T.arange(3).dtype), str(T.arange(3.0).dtype),
                str(T.tensor(np.zeros(2)).dtype), str((f.double() + f).dtype),
                str(T.tensor([True]).dtype), str(T.ones(2).sum().dtype), str(i.sum().dtype)]
    ours, theirs = _both(program)
    assert ours == theirs


def test_reprs_of_random_tensors_match_pytorch():
    rng = np.random.default_rng(2)
    for _ in range(150):
        ndim = int(rng.integers(0, 4))
        shape = tuple(rng.integers(1, 30 if ndim == 1 else 9, size=ndim))
        values = rng.standard_normal(shape) * 10.0 ** int(rng.integers(-6, 10))
        if rng.random() < 0.3:
            values = np.round(values)
        requires_grad = bool(rng.random() < 0.5)
        name = ["float32", "float64"][int(rng.integers(0, 2))]
        ours = ft.tensor(values, dtype=getattr(ft, name), requires_grad=requires_grad)
        theirs = torch.tensor(values, dtype=getattr(torch, name), requires_grad=requires_grad)
        assert repr(ours) == repr(theirs)
        assert repr(ours * 2) == repr(theirs * 2)


def test_max_and_min_gradients_at_ties_match_pytorch():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], np.float32)
    out = []
    for T in (ft, torch):
        grads = []
        for fn in (lambda t: t.max(), lambda t: t.max(1).values, lambda t: t.min(0, keepdim=True)[0],
                   lambda t: T.max(t, dim=-1, keepdim=True).values):
            t = T.tensor(x, requires_grad=True)
            fn(t).sum().backward()
            grads.append(t.grad.numpy())
        out.append(grads)
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)


def test_norm_at_the_origin_has_a_zero_gradient():
    out = []
    for T in (ft, torch):
        x = T.tensor([[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
        x.norm(dim=1).sum().backward()
        y = T.zeros(3, requires_grad=True)
        y.norm().backward()
        out.append((x.grad.numpy(), y.grad.numpy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b)
