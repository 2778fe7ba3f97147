"""The less frequent functions and Tensor methods (copysign, lgamma, cov, tensor_split,
aminmax, in-place aliases...) against PyTorch: values, gradients and node names."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

X = np.array([[0.5, -1.5, 2.0], [1.25, 0.25, -0.75]], np.float32)
Y = np.array([[0.8, 1.3, 0.4], [2.0, 0.6, 1.1]], np.float32)

PROGRAMS = {
    "copysign": lambda T, x, y: x.copysign(-y), "fmax": lambda T, x, y: T.fmax(x, y),
    "fmin": lambda T, x, y: x.fmin(y), "i0": lambda T, x, y: T.i0(x), "sinc": lambda T, x, y: x.sinc(),
    "logaddexp2": lambda T, x, y: x.logaddexp2(y), "ldexp": lambda T, x, y: T.ldexp(x, T.tensor([1, 2, 3])),
    "float_power": lambda T, x, y: y.float_power(2), "inner": lambda T, x, y: T.inner(x, y),
    "lgamma": lambda T, x, y: y.lgamma(), "digamma": lambda T, x, y: T.digamma(y),
    "polygamma": lambda T, x, y: T.polygamma(1, y), "dist": lambda T, x, y: x.dist(y, 3),
    "cov": lambda T, x, y: T.cov(x), "corrcoef": lambda T, x, y: x.corrcoef(),
    "addr": lambda T, x, y: T.addr(x, x[0, :2], y[1]), "aminmax_min": lambda T, x, y: T.aminmax(x, dim=1).min,
    "nanmedian": lambda T, x, y: x.nanmedian(), "nanmedian_dim": lambda T, x, y: T.nanmedian(x, 1).values,
    "tensor_split": lambda T, x, y: x.tensor_split(2, 1)[1], "tensor_split_idx": lambda T, x, y: T.tensor_split(x, [1, 5], 1)[0],
    "hsplit": lambda T, x, y: x.hsplit([1])[1], "select": lambda T, x, y: x.select(1, 2),
    "index_put_acc": lambda T, x, y: x.index_put((T.tensor([0, 0]), T.tensor([1, 1])), y[0, :2], accumulate=True),
    "renorm": lambda T, x, y: x.renorm(2, 0, 1.0), "diagflat": lambda T, x, y: T.diagflat(x[0]),
    "mH": lambda T, x, y: x.mH, "swapdims": lambda T, x, y: x.swapdims(0, 1),
    "pinverse": lambda T, x, y: x.pinverse(), "svd_S": lambda T, x, y: x.svd()[1],
    "vdot": lambda T, x, y: x[0].vdot(y[0]), "hardshrink": lambda T, x, y: x.hardshrink(0.6),
    "scatter_reduce_sum": lambda T, x, y: x.scatter_reduce(1, T.tensor([[0, 0], [2, 1]]), y[:, :2], "sum"),
}
OTHER_NAME = {"polygamma", "tensor_split", "tensor_split_idx", "hsplit", "cov", "corrcoef", "dist", "addr",
              "index_put_acc", "renorm", "diagflat", "pinverse", "svd_S", "vdot", "ldexp",
              "float_power", "inner", "polygamma", "mH", "aminmax_min"}


NEEDS_SCIPY = {"lgamma", "digamma", "polygamma", "i0"}


@pytest.mark.parametrize("op", sorted(PROGRAMS))
def test_matches_pytorch(op):
    if op in NEEDS_SCIPY:
        pytest.importorskip("scipy")
    results = []
    for T in (ft, torch):
        x, y = T.tensor(X, requires_grad=True), T.tensor(Y, requires_grad=True)
        out = PROGRAMS[op](T, x, y)
        weights = T.tensor(np.linspace(-1, 2, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
        (out * weights).sum().backward()
        results.append((out.detach().numpy(), type(out.grad_fn).__name__,
                        [None if t.grad is None else t.grad.numpy() for t in (x, y)]))
    (a, name_a, grads_a), (b, name_b, grads_b) = results
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)
    if op not in OTHER_NAME:
        assert name_a == name_b
    for ga, gb in zip(grads_a, grads_b):
        if ga is None or gb is None:
            assert (ga is None or not ga.any()) and (gb is None or not gb.any())
        else:
            np.testing.assert_allclose(ga, gb, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("program", [
    lambda T: T.tensor([1.0, -0.0, -2.0]).signbit(), lambda T: T.isneginf(T.tensor([-float("inf"), 1.0])),
    lambda T: T.gcd(T.tensor([12, 18]), T.tensor([8, 12])), lambda T: T.tensor([4, 6]).lcm(T.tensor([6, 4])),
    lambda T: T.aminmax(T.tensor([[1.0, 5.0], [0.0, 3.0]])), lambda T: T.tensor([1, 1, 2, 2, 1]).unique_consecutive(return_counts=True),
    lambda T: T.zeros(2, 3).scatter_reduce(1, T.tensor([[0, 0], [2, 2]]), T.tensor([[1.0, 5.0], [2.0, 3.0]]), "amax"),
    lambda T: T.ones(2, 3).scatter_reduce(1, T.tensor([[0, 0], [2, 2]]), T.tensor([[1.0, 5.0], [2.0, 3.0]]), "mean", include_self=False),
    lambda T: T.ones(2, 3).scatter_reduce_(1, T.tensor([[0, 0], [2, 2]]), T.tensor([[2.0, 5.0], [2.0, 3.0]]), "prod"),
    lambda T: T.ones(3).lt_(T.tensor([2.0, 0.0, 1.0])), lambda T: T.tensor([5, 3]).bitwise_and_(T.tensor([1, 1])),
    lambda T: T.tensor([1.0, 2.0]).is_signed(), lambda T: T.ones(2, 3).nbytes, lambda T: T.ones(2).itemsize,
    lambda T: T.tensor([[1.0, 2.0]]).is_same_size(T.zeros(1, 2)), lambda T: T.ones(2).is_cpu,
    lambda T: T.tensor([1.0, 2.0, 3.0]).narrow_copy(0, 1, 2), lambda T: T.ones(2).new(3).shape,
])
def test_values_without_gradients_match_pytorch(program):
    def plain(v):
        if isinstance(v, (ft.Tensor, torch.Tensor)):
            return (v.detach().numpy().tolist(), str(v.dtype))
        if isinstance(v, tuple):
            return [plain(i) for i in v]
        return v
    assert plain(program(ft)) == plain(program(torch))


CONTIGUITY = [lambda x: x.t(), lambda x: x.t() * 2, lambda x: x[:, ::2], lambda x: x[0],
              lambda x: x.expand(2, 2, 3), lambda x: x.t().contiguous(), lambda x: x.unsqueeze(0),
              lambda x: x.permute(1, 0) @ x.new_ones(2, 2)]


def test_contiguity_and_contiguous_copies_match_pytorch():
    out = []
    for T in (ft, torch):
        x = T.ones(2, 3, requires_grad=True)
        y = x.t().contiguous()
        (y * T.arange(6.0).reshape(3, 2)).sum().backward()
        out.append(([f(x).is_contiguous() for f in CONTIGUITY], type(y.grad_fn).__name__,
                    y.stride(), x.grad.tolist(), x.contiguous() is x))
    assert out[0] == out[1]


def test_return_types_print_their_fields_as_pytorch():
    import funcgrad.torch as ft
    x = ft.tensor([[1.0, 5.0], [3.0, 2.0]])
    pair = ft.aminmax(x)
    assert repr(pair) == "torch.return_types.aminmax(\nmin=tensor(1.),\nmax=tensor(5.))"
    assert not hasattr(pair, "values")
    top = ft.max(x, 1)
    assert repr(top) == ("torch.return_types.max(\nvalues=tensor([5., 3.]),\n"
                         "indices=tensor([1, 0]))")
    assert top.indices.tolist() == [1, 0] and tuple(top)[0].tolist() == [5.0, 3.0]
    torch = pytest.importorskip("torch")
    assert repr(pair) == repr(torch.aminmax(torch.tensor([[1.0, 5.0], [3.0, 2.0]])))
