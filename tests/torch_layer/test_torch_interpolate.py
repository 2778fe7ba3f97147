"""interpolate in every mode PyTorch has (nearest, nearest-exact, area, linear, bilinear, bicubic,
trilinear), against PyTorch: values, gradients and the graph node's name."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
INPUTS = {1: RNG.normal(size=(2, 3, 7)), 2: RNG.normal(size=(2, 3, 7, 6)),
          3: RNG.normal(size=(1, 2, 4, 5, 3))}
MODES = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1),
         ("nearest-exact", 2), ("nearest-exact", 3), ("area", 1), ("area", 2), ("area", 3),
         ("linear", 1), ("bilinear", 2), ("bicubic", 2), ("trilinear", 3)]
SIZES = [{"size": (5, 9, 2)}, {"size": (10, 4, 7)}, {"scale_factor": 1.7},
         {"scale_factor": 0.6}, {"scale_factor": 2.0},
         {"scale_factor": 1.7, "recompute_scale_factor": True}]


def _run(T, x, mode, options):
    xt = T.tensor(x.astype(np.float32), requires_grad=True)
    y = T.nn.functional.interpolate(xt, mode=mode, **options)
    weights = np.arange(y.numel(), dtype=np.float32).reshape(tuple(y.shape)) % 7
    (y * T.tensor(weights)).sum().backward()
    return y.detach().numpy(), xt.grad.numpy(), type(y.grad_fn).__name__


CORNERED = ("linear", "bilinear", "bicubic", "trilinear")  # the modes that take align_corners
CASES = [(mode, dims, options, corners) for mode, dims in MODES for options in SIZES
         for corners in ((None, False, True) if mode in CORNERED else (None,))]


@pytest.mark.parametrize("mode, dims, options, align_corners", CASES)
def test_interpolate_matches_pytorch(mode, dims, options, align_corners):
    options = dict(options)
    if "size" in options:
        options["size"] = options["size"][:dims]
    if align_corners is not None:
        options["align_corners"] = align_corners
    ours, theirs = _run(ft, INPUTS[dims], mode, options), _run(torch, INPUTS[dims], mode, options)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-5)  # float32 rounding
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-5)
    assert ours[2] == theirs[2]


@pytest.mark.parametrize("mode, rank, message", [
    ("linear", 4, "linear mode needs 3D"), ("bilinear", 3, "bilinear mode needs 4D"),
    ("trilinear", 4, "trilinear mode needs 5D"), ("bicubic", 5, r"got 5D\) .*\(got bicubic\)"),
    ("cubic", 4, r"\(got cubic\)")])
def test_a_mode_given_the_wrong_rank_is_refused_as_pytorch(mode, rank, message):
    x = np.zeros((1, 1) + (4,) * (rank - 2))
    for T in (ft, torch):
        with pytest.raises(NotImplementedError, match=message):
            T.nn.functional.interpolate(T.tensor(x), size=(5,) * (rank - 2), mode=mode)
