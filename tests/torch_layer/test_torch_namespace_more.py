"""The rest of the `torch` namespace scripts commonly touch (functional aliases, in-place
functions, index helpers, windows, random state and settings), by value and against PyTorch."""
from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest

import funcgrad.torch as ft

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                 reason="compares against PyTorch")

PROGRAMS = [
    lambda T: T.tril_indices(3, 4, 1), lambda T: T.triu_indices(3, 3, -1),
    lambda T: T.relu_(T.tensor([-1.0, 2.0])), lambda T: T.sigmoid_(T.tensor([0.0])),
    lambda T: T.clamp_(T.tensor([-3.0, 3.0]), -1, 1), lambda T: T.hann_window(5),
    lambda T: T.hamming_window(4, periodic=False), lambda T: T.blackman_window(6),
    lambda T: T.bartlett_window(5), lambda T: T.kaiser_window(5),
    lambda T: T.trapezoid(T.tensor([1.0, 2.0, 4.0])),
    lambda T: T.trapezoid(T.tensor([1.0, 2.0, 4.0]), T.tensor([0.0, 1.0, 3.0])),
    lambda T: T.cumulative_trapezoid(T.tensor([[1.0, 2.0, 4.0]]), dim=1),
    lambda T: T.isin(T.tensor([1, 2, 3]), T.tensor([2, 3])), lambda T: T.ravel(T.ones(2, 2)),
    lambda T: T.scalar_tensor(3), lambda T: T.range(0, 1, 0.25),
    lambda T: T.histogram(T.tensor([1.0, 2.0, 1.0, 4.0]), 3),
    lambda T: T.frexp(T.tensor([8.0, 0.5])), lambda T: T.fill(T.ones(2), 3.0),
    lambda T: T.conv2d(T.ones(1, 1, 3, 3), T.ones(1, 1, 2, 2)),
    lambda T: T.layer_norm(T.tensor([[1.0, 2.0, 4.0]]), (3,)),
    lambda T: T.pixel_shuffle(T.arange(8.0).reshape(1, 4, 1, 2), 2),
    lambda T: T.cosine_similarity(T.ones(2, 3), T.arange(6.0).reshape(2, 3)),
    lambda T: T.nuclear_norm(T.tensor([[3.0, 0.0], [0.0, 4.0]])),
    lambda T: T.frobenius_norm(T.tensor([[3.0, 0.0], [0.0, 4.0]]), (0, 1)),
    lambda T: T.swapdims(T.ones(2, 3), 0, 1).shape, lambda T: T.greater(T.tensor([1, 3]), 2),
    lambda T: T.svd(T.tensor([[3.0, 0.0], [0.0, 4.0]]))[1],
    lambda T: T.split_with_sizes(T.arange(5), [2, 3])[1], lambda T: T.typename(T.ones(1)),
    lambda T: T.cross(T.eye(3), T.ones(3, 3)), lambda T: T.cross(T.ones(3, 2), T.eye(3)[:, :2], dim=0),
    lambda T: T.get_num_threads() >= 1, lambda T: T.are_deterministic_algorithms_enabled(),
]


def _plain(v):
    if hasattr(v, "detach"):
        values = np.asarray(v.detach().numpy())
        return (values.round(5) if values.dtype.kind == "f" else values).tolist(), str(v.dtype)
    if isinstance(v, (tuple, list)):
        return [_plain(i) for i in v]
    return v


@needs_torch
@pytest.mark.parametrize("program", PROGRAMS)
def test_matches_pytorch(program):
    import torch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _plain(program(ft)) == _plain(program(torch))


def test_values_without_pytorch():
    assert ft.tril_indices(2, 2).tolist() == [[0, 1, 1], [0, 0, 1]]
    assert ft.relu_(ft.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
    assert float(ft.trapezoid(ft.tensor([1.0, 2.0, 4.0]))) == 4.5
    np.testing.assert_allclose(ft.hann_window(4).numpy(), [0.0, 0.5, 1.0, 0.5], atol=1e-7)
    assert ft.isin(ft.tensor([1, 2, 3]), ft.tensor([2])).tolist() == [False, True, False]


def test_random_state_round_trips_and_settings_are_accepted():
    state = ft.get_rng_state()
    first = ft.rand(3)
    ft.set_rng_state(state)
    assert ft.rand(3).tolist() == first.tolist()
    ft.set_num_threads(2)
    ft.use_deterministic_algorithms(True)
    ft.set_float32_matmul_precision("high")
    assert ft.get_num_threads() == 2 and ft.are_deterministic_algorithms_enabled()
    assert ft.get_float32_matmul_precision() == "high"
    ft.use_deterministic_algorithms(False)
    ft.set_num_threads(1)
    model = ft.nn.Linear(2, 1)
    assert ft.compile(model) is model  # torch.compile: runs eagerly here
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"), \
            ft.autocast("cpu"), ft.autograd.detect_anomaly():
        ft.autograd.set_detect_anomaly(True)
        x = ft.ones(2, requires_grad=True)
        (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
