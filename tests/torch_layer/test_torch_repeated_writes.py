"""Writes that name one entry several times (x[idx] = v, x[idx] += 1, index_put_, scatter,
index_copy) keep the last value written, as PyTorch's CPU kernels do, and give every write
PyTorch's gradient; they summed the repeated values before, silently. And PyTorch's saved-tensor
checks: an input whose gradient is not asked for may change in place."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")

WEIGHTS = [1.0, 10.0, 100.0]


def _index_assign(T):
    v = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = T.zeros(3)
    x[T.tensor([0, 0, 1])] = v * 1
    (x * T.tensor(WEIGHTS)).sum().backward()
    return x, v.grad


def _augmented_index_assign(T):
    x = T.zeros(3, requires_grad=True)
    y = x * 1
    y[T.tensor([0, 0, 2])] += T.tensor([1.0, 2.0, 3.0])
    (y * T.tensor(WEIGHTS)).sum().backward()
    z = T.zeros(3)
    z[T.tensor([0, 0])] += 1
    return y, x.grad, z


def _index_put(T):
    x = T.zeros(3)
    x.index_put_((T.tensor([0, 0]),), T.tensor([1.0, 2.0]))
    added = T.zeros(3)
    added.index_put_((T.tensor([0, 0]),), T.tensor([1.0, 2.0]), accumulate=True)
    rows = T.zeros(3, 2)
    rows[[0, 0]] = T.tensor([[1.0, 2.0], [3.0, 4.0]])
    return x, added, rows


def _index_copy(T):
    v = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = T.zeros(3).index_copy(0, T.tensor([0, 0, 1]), v)
    (x * T.tensor(WEIGHTS)).sum().backward()
    return x, v.grad


def _scatter(T):
    v = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = T.zeros(2, 3).scatter(1, T.tensor([[0, 0], [2, 2]]), v)
    (x * T.arange(6.0).view(2, 3)).sum().backward()
    filled = T.zeros(2, 3).scatter(1, T.tensor([[0, 0], [2, 2]]), 5.0)
    inplace = T.zeros(3)
    inplace.scatter_(0, T.tensor([1, 1]), T.tensor([4.0, 5.0]))
    return x, v.grad, filled, inplace


@pytest.mark.parametrize("program", [_index_assign, _augmented_index_assign, _index_put,
                                     _index_copy, _scatter])
def test_repeated_writes_match_pytorch(program):
    theirs = program(torch)
    ours = program(ft)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy())


def test_the_last_write_wins_by_value():
    x = ft.zeros(3)
    x[ft.tensor([2, 0, 2])] = ft.tensor([1.0, 2.0, 3.0])
    assert x.tolist() == [2.0, 0.0, 3.0]


def _changed_after_use(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = T.tensor([1.0, 2.0, 3.0])
    z = x * w  # x's gradient reads w: w's change is refused
    y = x.sin()
    u = y * 2  # y's gradient reads only the 2: y may change
    y.mul_(3)
    m = x @ T.ones(3)
    (u.sum() + m).backward()
    first = x.grad.clone()
    w.mul_(3)
    try:
        z.sum().backward()
    except RuntimeError as e:
        return first, "modified by an inplace operation" in str(e)
    return first, False


def test_only_the_tensors_a_gradient_reads_are_checked():
    ours, refused = _changed_after_use(ft)
    theirs, refused_there = _changed_after_use(torch)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert refused and refused_there
