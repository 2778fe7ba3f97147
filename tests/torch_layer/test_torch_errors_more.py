"""Common mistakes raise PyTorch's exception type with PyTorch's first line of message
(funcgrad may add a second line saying where and what to do)."""
from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest

import funcgrad.torch as ft

CASES = [
    'T.ones(2, 3) + T.ones(2, 2)',
    'T.nn.Linear(2, 4)(T.ones(1, 3))',
    'T.ones(3)[5]',
    'T.ones(2, 3)[:, 7]',
    'T.ones(2).backward()',
    '(T.ones(2) * 2).sum().backward()',
    'T.tensor([[1, 2], [3]])',
    'T.ones(2, 3).view(4)',
    'T.cat([])',
    'T.stack([T.ones(2), T.ones(3)])',
    'iter(T.tensor(1.0))',
    'len(T.tensor(1.0))',
    'T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0, 3]))',
    'T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0.0, 1.0]))',
    'T.ones(2, 3).sum(dim=2)',
    'T.ones(2, 3).transpose(0, 2)',
    'T.ones(2, 3).permute(0)',
    'T.ones(2).expand(3)',
    'T.tensor([1, 2]).requires_grad_()',
    'T.ones(2, 3).mm(T.ones(2, 3))',
    'T.ones(2, 2, 2).mm(T.ones(2, 2))',
    'T.ones(2, 3).bmm(T.ones(2, 3))',
    'T.nn.functional.mse_loss(T.ones(2), T.ones(3))',
    'T.nn.functional.softmax(T.ones(2, 3))',
    'T.optim.SGD([], lr=0.1)',
    'T.optim.Adam([T.ones(1, requires_grad=True)], lr=-1)',
    'T.ones(2).unsqueeze(3)',
    'T.ones(2, 3).squeeze(5)',
    'T.ones(3).reshape(2, -1)',
    'T.zeros(2).item()',
    'T.ones(2, 3).split(4, dim=2)',
    'T.ones(2, 3).chunk(0)',
    'T.ones(2, 3)[T.tensor([True, False, True])]',
    'T.ones(2, 3).gather(1, T.tensor([[5]]))',
    'T.ones(3).index_select(0, T.tensor([3]))',
    'T.arange(3).float().mean(dim=1)',
    'T.nn.Conv2d(3, 4, 3)(T.ones(1, 2, 5, 5))',
    'T.nn.functional.max_pool2d(T.ones(1, 1, 2, 2), 3)',
    'T.ones(2).dot(T.ones(3))',
    'T.tensor([1., 2.]) @ T.tensor([[1., 2.]])',
    'T.nn.Embedding(3, 2)(T.tensor([3]))',
    'T.nn.Embedding(3, 2)(T.tensor([1.0]))',
    'T.ones(2, requires_grad=True).numpy()',
    'T.autograd.grad(T.ones(2, requires_grad=True).sum(), T.ones(2, requires_grad=True))',
    'T.ones(2).sum().backward()',
    'T.nn.BatchNorm1d(3)(T.ones(1, 3))',
    'T.nn.LayerNorm(3)(T.ones(2, 4))',
    'T.nn.LSTM(2, 3)(T.ones(4, 1, 3))',
    'T.ones(2, 3).masked_fill(T.ones(2, 3), 0.)',
    'T.where(T.ones(2) > 0, T.ones(3), T.ones(2))',
]


def _outcome(T, source):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            eval(source, {"T": T, "np": np})
        except Exception as err:  # noqa: BLE001 - the exception is what is compared
            return type(err).__name__, str(err).split("\n")[0]
    return "OK", None


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="compares against PyTorch")
@pytest.mark.parametrize("source", CASES)
def test_error_type_and_first_line_match_pytorch(source):
    import torch
    assert _outcome(ft, source) == _outcome(torch, source)


@pytest.mark.parametrize("source, kind, first_line", [
    ("T.ones(2, 3).sum(dim=2)", "IndexError",
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("T.nn.Linear(2, 4)(T.ones(1, 3))", "RuntimeError",
     "mat1 and mat2 shapes cannot be multiplied (1x3 and 2x4)"),
    ("T.ones(2).backward()", "RuntimeError",
     "element 0 of tensors does not require grad and does not have a grad_fn"),
    ("T.tensor([[1, 2], [3]])", "ValueError", "expected sequence of length 2 at dim 1 (got 1)"),
    ("T.stack([T.ones(2), T.ones(3)])", "RuntimeError",
     "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1"),
    ("iter(T.tensor(1.0))", "TypeError", "iteration over a 0-d tensor"),
    ("T.nn.Embedding(3, 2)(T.tensor([3]))", "IndexError", "index out of range in self"),
    ("T.nn.BatchNorm1d(3)(T.ones(1, 3))", "ValueError",
     "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])"),
    ("T.ones(2, 3)[T.tensor([True, False, True])]", "IndexError",
     "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor "
     "[2, 3] at index 0"),
])
def test_error_without_pytorch(source, kind, first_line):
    assert _outcome(ft, source) == (kind, first_line)


def test_softmax_without_dim_warns_and_picks_pytorchs_dimension():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = ft.nn.functional.softmax(ft.tensor([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_allclose(out.sum(1).numpy(), [1.0, 1.0], rtol=1e-6)
