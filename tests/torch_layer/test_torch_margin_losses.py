"""multi_margin_loss, multilabel_margin_loss, triplet_margin_with_distance_loss and their
modules (and NLLLoss2d) against PyTorch: values, input gradients, grad_fn names, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

RNG = np.random.default_rng(3)
X = RNG.standard_normal((5, 4)).astype(np.float32) * 0.6   # (N, C): margins on both sides
A, P, N = (RNG.standard_normal((5, 3)).astype(np.float32) for _ in range(3))
W = np.array([0.5, 2.0, 1.0, 1.5], np.float32)
LABELS = [0, 3, 1, 1, 2]
MULTI = [[0, 1, -1, 2], [3, -1, 0, 0], [1, 1, 2, -1], [2, 0, 1, 3], [-1, 0, 1, 2]]


def _cases():
    def lab(T, v):
        return T.tensor(v)
    cases = {}
    for reduction in ("mean", "sum", "none"):
        cases[f"multi_margin_{reduction}"] = lambda T, x, a, p, n, r=reduction: T.nn.functional.multi_margin_loss(
            x, lab(T, LABELS), reduction=r)
        cases[f"multilabel_margin_{reduction}"] = lambda T, x, a, p, n, r=reduction: T.nn.functional.multilabel_margin_loss(
            x, lab(T, MULTI), reduction=r)
        cases[f"triplet_distance_{reduction}"] = lambda T, x, a, p, n, r=reduction: T.nn.functional.triplet_margin_with_distance_loss(
            a, p, n, reduction=r)
    cases.update({
        "multi_margin_p2_weight_margin": lambda T, x, a, p, n: T.nn.functional.multi_margin_loss(
            x, lab(T, LABELS), p=2, margin=0.7, weight=T.tensor(W)),
        "multi_margin_vector": lambda T, x, a, p, n: T.nn.functional.multi_margin_loss(
            x[1], lab(T, 2), reduction="none"),
        "multilabel_margin_vector": lambda T, x, a, p, n: T.nn.functional.multilabel_margin_loss(
            x[0], lab(T, [2, 0, -1, 1]), reduction="none"),
        "MultiMarginLoss": lambda T, x, a, p, n: T.nn.MultiMarginLoss(p=2, weight=T.tensor(W))(
            x, lab(T, LABELS)),
        "MultiLabelMarginLoss": lambda T, x, a, p, n: T.nn.MultiLabelMarginLoss(reduction="sum")(
            x, lab(T, MULTI)),
        "triplet_distance_cosine_swap": lambda T, x, a, p, n: T.nn.functional.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1 - T.nn.functional.cosine_similarity(u, v),
            margin=0.5, swap=True),
        "TripletMarginWithDistanceLoss": lambda T, x, a, p, n: T.nn.TripletMarginWithDistanceLoss(
            distance_function=T.nn.PairwiseDistance(p=1), swap=True)(a, p, n),
        "NLLLoss2d": lambda T, x, a, p, n: T.nn.NLLLoss2d()(
            T.log_softmax(x.reshape(1, 5, 4, 1), 1), lab(T, [[[0], [3], [1], [4]]])),
    })
    return cases


CASES = _cases()
OTHER_NAME = {"triplet_distance_cosine_swap"}  # (our cosine_similarity is one node)


def _run(T, case):
    leaves = [T.tensor(v, requires_grad=True) for v in (X, A, P, N)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        out = CASES[case](T, *leaves)
    weights = T.tensor(np.linspace(-1, 2, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
    (out * weights).sum().backward()
    return (out.detach().numpy(), type(out.grad_fn).__name__,
            [None if t.grad is None else t.grad.numpy() for t in leaves])


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_gradients_and_names_match_pytorch(case):
    ours, theirs = _run(ft, case), _run(torch, case)
    assert ours[0].shape == theirs[0].shape
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    if case not in OTHER_NAME:
        assert ours[1] == theirs[1]
    for a, b in zip(ours[2], theirs[2]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_gradients_compose_second_order():
    """(PyTorch has no second derivative here: compared with finite differences of ours.)"""
    def grad_sum(values, create_graph=False):
        x = ft.tensor(values, requires_grad=True)
        loss = ft.nn.functional.multi_margin_loss(x, ft.tensor(LABELS), p=2)
        (g,) = ft.autograd.grad(loss, x, create_graph=create_graph)
        return x, g
    x64 = X.astype(np.float64)
    mix = np.linspace(-1, 1, X.size).reshape(X.shape)  # (a plain sum of the gradient is 0)
    x, g = grad_sum(x64, create_graph=True)
    (gg,) = ft.autograd.grad((g * ft.tensor(mix)).sum(), x)
    eps, numeric = 1e-6, np.zeros_like(x64)
    for i in np.ndindex(x64.shape):
        up, down = x64.copy(), x64.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = float(((grad_sum(up)[1] - grad_sum(down)[1]) * ft.tensor(mix)).sum()) / (2 * eps)
    np.testing.assert_allclose(gg.numpy(), numeric, rtol=1e-5, atol=1e-6)
    assert np.any(gg.numpy() != 0)


def _error(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    except Exception as err:  # noqa: BLE001 (compares whatever PyTorch raises)
        return type(err).__name__, str(err).split("\n")[0]
    return None


ERRORS = {
    "p3": lambda T: T.nn.functional.multi_margin_loss(T.ones(2, 3), T.tensor([0, 1]), p=3),
    "target_range": lambda T: T.nn.functional.multi_margin_loss(T.ones(2, 3), T.tensor([0, 3])),
    "target_size": lambda T: T.nn.functional.multi_margin_loss(T.ones(3, 3), T.tensor([0, 1])),
    "rank": lambda T: T.nn.functional.multi_margin_loss(T.ones(2, 2, 2), T.tensor([0, 1])),
    "float_target": lambda T: T.nn.functional.multi_margin_loss(T.ones(2, 3), T.tensor([0.0, 1.0])),
    "weight_size": lambda T: T.nn.functional.multi_margin_loss(T.ones(2, 3), T.tensor([0, 1]), weight=T.ones(2)),
    "module_p": lambda T: T.nn.MultiMarginLoss(p=3),
    "module_weight": lambda T: T.nn.MultiMarginLoss(weight=T.ones(2, 2)),
    "multilabel_range": lambda T: T.nn.functional.multilabel_margin_loss(T.ones(1, 3), T.tensor([[0, 5, -1]])),
    "multilabel_size": lambda T: T.nn.functional.multilabel_margin_loss(T.ones(2, 3), T.tensor([0, 1])),
    "triplet_dims": lambda T: T.nn.functional.triplet_margin_with_distance_loss(T.ones(2, 3), T.ones(2, 3), T.ones(3)),
    "triplet_margin": lambda T: T.nn.functional.triplet_margin_with_distance_loss(T.ones(2, 3), T.ones(2, 3), T.ones(2, 3), margin=0),
    "triplet_module_margin": lambda T: T.nn.TripletMarginWithDistanceLoss(margin=-1),
    "reduction": lambda T: T.nn.functional.triplet_margin_with_distance_loss(T.ones(2, 3), T.ones(2, 3), T.ones(2, 3), reduction="avg"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_as_pytorch(case):
    ours, theirs = _error(lambda: ERRORS[case](ft)), _error(lambda: ERRORS[case](torch))
    assert theirs is not None
    assert ours == theirs


def test_module_reprs_and_deprecation_warning():
    assert repr(ft.nn.TripletMarginWithDistanceLoss()) == repr(torch.nn.TripletMarginWithDistanceLoss())
    assert repr(ft.nn.MultiMarginLoss()) == repr(torch.nn.MultiMarginLoss())
    with pytest.warns(FutureWarning, match="NLLLoss2d` has been deprecated"):
        ft.nn.NLLLoss2d()
