"""Random programs (chains of tensor ops on two leaves) on funcgrad.torch and on PyTorch:
values, leaf gradients and second derivatives must agree."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

# each step: (name, function of (current, other leaf)); all keep the shape (3, 4)
STEPS = [
    ("add", lambda a, b: a + b), ("mul", lambda a, b: a * b), ("sub", lambda a, b: b - a),
    ("div", lambda a, b: a / (b * b + 1)), ("tanh", lambda a, b: a.tanh()),
    ("sigmoid", lambda a, b: a.sigmoid()), ("sin", lambda a, b: a.sin()),
    ("exp", lambda a, b: (a * 0.3).exp()), ("square", lambda a, b: a ** 2),
    ("softmax", lambda a, b: a.softmax(1)), ("mean_keep", lambda a, b: a - a.mean(0, keepdim=True)),
    ("sum_keep", lambda a, b: a * a.sum(1, keepdim=True)), ("matmul", lambda a, b: a @ b.t() @ a * 0.1),
    ("transpose", lambda a, b: a.t().contiguous().view(4, 3).t()), ("relu", lambda a, b: a.relu() + a * 0.1),
    ("clamp", lambda a, b: a.clamp(-1.5, 1.5)), ("abs", lambda a, b: (a + 0.05).abs()),
    ("index", lambda a, b: a[:, [1, 0, 3, 2]]), ("log", lambda a, b: (a * a + 1).log()),
    ("scalar", lambda a, b: 2.0 * a - 1.0), ("pow_tensor", lambda a, b: (a * a + 1) ** (b * 0.1)),
]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, len(STEPS) - 1), min_size=1, max_size=6), st.integers(0, 2 ** 16))
def test_random_programs_match_pytorch(program, seed):
    rng = np.random.default_rng(seed)
    a0 = rng.standard_normal((3, 4)).astype(np.float64)
    b0 = rng.standard_normal((3, 4)).astype(np.float64)
    results = []
    for T in (ft, torch):
        a = T.tensor(a0, requires_grad=True)
        b = T.tensor(b0, requires_grad=True)
        x = a
        for k in program:
            x = STEPS[k][1](x, b)
        loss = (x * x).sum() + (a * b * b).sum()
        ga, gb = T.autograd.grad(loss, [a, b], create_graph=True)
        (h,) = T.autograd.grad((ga * gb).sum(), a, allow_unused=True)
        results.append([x.detach().numpy(), ga.detach().numpy(), gb.detach().numpy(),
                        None if h is None else h.detach().numpy(), type(x.grad_fn).__name__])
    names = [STEPS[k][0] for k in program]
    for ours, theirs in zip(*results):
        if isinstance(ours, str):
            assert ours == theirs, names
            continue
        if ours is None or theirs is None:
            assert ours is None and theirs is None, names
            continue
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9, err_msg=str(names))
