"""lp_pool1d/2d/3d, the *_with_indices max poolings, max_pool3d with indices, adaptive max
pooling in 3-d, max_unpool1d/3d and their modules against PyTorch: values, indices, input
gradients, grad_fn names, reprs and errors."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

RNG = np.random.default_rng(8)
# distinct values, so that every window has one maximum
SEQ = RNG.permutation(2 * 3 * 9).reshape(2, 3, 9).astype(np.float32) / 10 - 2
IMG = RNG.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6).astype(np.float32) / 10 - 3
VOL = RNG.permutation(1 * 2 * 5 * 4 * 6).reshape(1, 2, 5, 4, 6).astype(np.float32) / 10 - 5
POS = np.abs(IMG) + 0.1


def _unpool(F, pool, unpool, x, k, **options):
    out, idx = pool(x, k, return_indices=True)
    return unpool(out, idx, k, **options)


PROGRAMS = {
    "lp_pool1d": lambda F, s, i, v, p: F.lp_pool1d(s, 2, 3, 2),
    "lp_pool1d_p1_5_ceil": lambda F, s, i, v, p: F.lp_pool1d(s.abs() + 0.1, 1.5, 2, ceil_mode=True),
    "lp_pool2d": lambda F, s, i, v, p: F.lp_pool2d(p, 2, 2),
    "lp_pool2d_p3_stride": lambda F, s, i, v, p: F.lp_pool2d(p, 3, (2, 3), stride=1),
    "lp_pool3d": lambda F, s, i, v, p: F.lp_pool3d(v, 2, 2),
    "max_pool1d_with_indices": lambda F, s, i, v, p: F.max_pool1d_with_indices(s, 3, 2, 1),
    "max_pool2d_with_indices": lambda F, s, i, v, p: F.max_pool2d_with_indices(i, 2, 1, dilation=2),
    "max_pool3d_with_indices": lambda F, s, i, v, p: F.max_pool3d_with_indices(v, 2),
    "max_pool3d_indices_options": lambda F, s, i, v, p: F.max_pool3d(v, (3, 2, 2), (2, 1, 2), (1, 0, 1), return_indices=True),
    "max_pool3d_indices_dilation_ceil": lambda F, s, i, v, p: F.max_pool3d(v, 2, 2, 0, (1, 2, 1), True, True),
    "max_pool3d_indices_unbatched": lambda F, s, i, v, p: F.max_pool3d(v[0], 2, return_indices=True),
    "adaptive_max_pool1d_with_indices": lambda F, s, i, v, p: F.adaptive_max_pool1d_with_indices(s, 4),
    "adaptive_max_pool2d_with_indices": lambda F, s, i, v, p: F.adaptive_max_pool2d_with_indices(i, (3, 4)),
    "adaptive_max_pool3d": lambda F, s, i, v, p: F.adaptive_max_pool3d(v, (2, 3, 4)),
    "adaptive_max_pool3d_indices": lambda F, s, i, v, p: F.adaptive_max_pool3d(v, 3, return_indices=True),
    "adaptive_max_pool3d_with_indices_unbatched": lambda F, s, i, v, p: F.adaptive_max_pool3d_with_indices(v[0], (1, 2, 3)),
    "max_unpool1d": lambda F, s, i, v, p: _unpool(F, F.max_pool1d, F.max_unpool1d, s, 2),
    "max_unpool1d_output_size": lambda F, s, i, v, p: _unpool(F, F.max_pool1d, F.max_unpool1d, s, 2, output_size=[9]),
    "max_unpool3d": lambda F, s, i, v, p: _unpool(F, F.max_pool3d, F.max_unpool3d, v[:, :, :4], 2),
    "max_unpool3d_output_size": lambda F, s, i, v, p: _unpool(F, F.max_pool3d, F.max_unpool3d, v, 2, output_size=(5, 4, 6)),
    "LPPool2d": lambda F, s, i, v, p: _module(F).LPPool2d(2, 3, stride=1)(p),
    "LPPool1d": lambda F, s, i, v, p: _module(F).LPPool1d(1, 3)(s),
    "LPPool3d": lambda F, s, i, v, p: _module(F).LPPool3d(2, (1, 2, 2))(v),
    "AdaptiveMaxPool3d": lambda F, s, i, v, p: _module(F).AdaptiveMaxPool3d((2, None, 3))(v),
    "MaxUnpool1d": lambda F, s, i, v, p: _module(F).MaxUnpool1d(3)(*F.max_pool1d(s, 3, return_indices=True)),
    "MaxUnpool3d": lambda F, s, i, v, p: _module(F).MaxUnpool3d(2, 2)(*F.max_pool3d(v, 2, return_indices=True), output_size=(5, 4, 6)),
}


def _module(F):
    import sys
    return sys.modules[F.__name__.rsplit(".", 1)[0]]


def _run(T, case):
    leaves = [T.tensor(a, requires_grad=True) for a in (SEQ, IMG, VOL, POS)]
    result = PROGRAMS[case](T.nn.functional, *leaves)
    out, indices = result if isinstance(result, tuple) else (result, None)
    weights = T.tensor(np.linspace(-1, 2, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
    (out * weights).sum().backward()
    return (out.detach().numpy(), None if indices is None else indices.numpy(),
            type(out.grad_fn).__name__, [None if t.grad is None else t.grad.numpy() for t in leaves])


@pytest.mark.parametrize("case", sorted(PROGRAMS))
def test_values_indices_gradients_and_names_match_pytorch(case):
    ours, theirs = _run(ft, case), _run(torch, case)
    assert ours[0].shape == theirs[0].shape
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-5)
    if theirs[1] is not None:
        assert ours[1].dtype == theirs[1].dtype and ours[1].tolist() == theirs[1].tolist()
    assert ours[2] == theirs[2]
    for a, b in zip(ours[3], theirs[3]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_module_reprs_match_pytorch():
    for make in (lambda nn: nn.LPPool2d(2, 3), lambda nn: nn.LPPool1d(1.5, 3, 2),
                 lambda nn: nn.LPPool3d(2, (1, 2, 2), ceil_mode=True),
                 lambda nn: nn.AdaptiveMaxPool3d(2), lambda nn: nn.MaxUnpool1d(2),
                 lambda nn: nn.MaxUnpool3d(2, padding=1), lambda nn: nn.MaxUnpool1d(3, 2, 1)):
        assert repr(make(ft.nn)) == repr(make(torch.nn))


def _error(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001 (compares whatever PyTorch raises)
        return type(err).__name__, str(err).split("\n")[0]
    return None


ERRORS = {
    "unpool3d_index": lambda T: T.nn.functional.max_unpool3d(
        *T.nn.functional.max_pool3d(T.tensor(VOL).transpose(2, 3), 2, return_indices=True), 2),
    "unpool3d_size": lambda T: T.nn.functional.max_unpool3d(
        *T.nn.functional.max_pool3d(T.tensor(VOL), 2, return_indices=True), 2, output_size=(9, 4, 6)),
    "unpool1d_index": lambda T: T.nn.functional.max_unpool1d(T.ones(1, 2, 3), T.tensor([[[0, 1, 9], [2, 3, 4]]]), 2),
    "unpool1d_size": lambda T: T.nn.functional.max_unpool1d(T.ones(1, 2, 3), T.tensor([[[0, 1, 2], [2, 3, 4]]]), 2, output_size=[9]),
    "unpool1d_size_length": lambda T: T.nn.functional.max_unpool1d(T.ones(1, 2, 3), T.tensor([[[0, 1, 2], [2, 3, 4]]]), 2, output_size=[1, 6]),
    "pool3d_too_small": lambda T: T.nn.functional.max_pool3d(T.ones(1, 1, 1, 4, 4), 2, return_indices=True),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_as_pytorch(case):
    ours, theirs = _error(lambda: ERRORS[case](ft)), _error(lambda: ERRORS[case](torch))
    assert theirs is not None and ours is not None
    assert ours[0] == theirs[0]
    if case == "unpool3d_index":  # (which invalid index PyTorch's parallel loop meets first varies)
        assert ours[1].split(":")[0] == theirs[1].split(":")[0]
        assert ours[1].split("(")[1] == theirs[1].split("(")[1]
    elif case != "pool3d_too_small":  # (PyTorch's message names its kernel's own sizes)
        assert ours[1] == theirs[1]
