"""The five seed scripts (examples/seeds/) run unchanged on funcgrad.torch and print what PyTorch
printed (reference_pytorch/), except for random values; then the seeds' claims as values."""
from __future__ import annotations

import os
import re
import runpy
import sys
import warnings

import numpy as np
import pytest

import funcgrad.torch as torch

SEEDS = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "seeds")
SCRIPTS = sorted(f for f in os.listdir(SEEDS) if f.startswith("seed") and f.endswith(".py"))
_NUMBER = re.compile(r"-?\d+\.\d*(e[+-]\d+)?|-?\d+")


def _run(script, capsys, monkeypatch, library="funcgrad.torch", caught=None):
    monkeypatch.setenv("SEED_TORCH", library)
    monkeypatch.syspath_prepend(SEEDS)
    sys.modules.pop("_select", None)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        runpy.run_path(os.path.join(SEEDS, script), run_name="__main__")
    if caught is not None:
        caught.extend(seen)
    sys.modules.pop("_select", None)
    return capsys.readouterr().out


@pytest.mark.parametrize("script", SCRIPTS)
def test_seed_warns_where_pytorch_warns(script, capsys, monkeypatch):
    pytest.importorskip("torch")
    ours, theirs = [], []
    _run(script, capsys, monkeypatch, "funcgrad.torch", ours)
    _run(script, capsys, monkeypatch, "torch", theirs)

    def summary(caught):
        return [(w.category.__name__, os.path.basename(w.filename), w.lineno, str(w.message)[:80])
                for w in caught if os.path.basename(w.filename).startswith("seed")]
    assert summary(ours) == summary(theirs)
    expected = {"seed002_book.py": 2, "seed004_backward.py": 2}  # (the scripts catch the others)
    assert len(summary(ours)) == expected.get(script, 0)


def _shape_of_line(line):
    """The line with every number replaced: what must match even where values are random."""
    return _NUMBER.sub("N", re.sub(r"0x[0-9a-f]+", "0x...", line))


@pytest.mark.parametrize("script", SCRIPTS)
def test_seed_prints_what_pytorch_printed(script, capsys, monkeypatch):
    out = _run(script, capsys, monkeypatch).splitlines()
    with open(os.path.join(SEEDS, "reference_pytorch", script.replace(".py", ".txt"))) as f:
        want = f.read().splitlines()
    assert len(out) == len(want), "\n".join(out)
    for got, ref in zip(out, want):
        assert _shape_of_line(got) == _shape_of_line(ref), f"{got!r} vs PyTorch's {ref!r}"


def _exact_lines(script):
    """Seeds whose output has no random values must match PyTorch's output exactly."""
    return script in ("seed003_variable.py",)


@pytest.mark.parametrize("script", [s for s in SCRIPTS if _exact_lines(s)])
def test_deterministic_seed_output_is_identical(script, capsys, monkeypatch):
    out = _run(script, capsys, monkeypatch)
    with open(os.path.join(SEEDS, "reference_pytorch", script.replace(".py", ".txt"))) as f:
        assert out == f.read()


# -- the seeds' claims, as values ------------------------------------------------------------

def test_seed000_gradients_are_functions_of_the_inputs():
    x = torch.ones(1, requires_grad=True)
    b = torch.rand(1, requires_grad=True)
    w = torch.rand(1, requires_grad=True)
    y = w * x
    z = y + b
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))
    z.backward(retain_graph=True)
    assert x.grad.tolist() == w.tolist() and w.grad.tolist() == [1.0] and b.grad.tolist() == [1.0]
    assert seen[0].tolist() == [1.0]
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert y.grad is None
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * w.detach().numpy())
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        z.backward()
    assert [type(f).__name__ for f, _ in y.grad_fn.next_functions] == ["AccumulateGrad"] * 2
    x2 = torch.ones(1, requires_grad=True)
    y2 = x2 * 3
    (gy,) = torch.autograd.grad(y2 * y2, y2)
    assert gy.tolist() == [6.0] and x2.grad is None


def test_seed001_bce_gradient_is_sigmoid_minus_target():
    x, y = torch.ones(5), torch.zeros(3)
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    loss.backward()
    zv = z.detach().numpy().astype(np.float64)
    expected_b = 1 / (1 + np.exp(-zv)) / 3
    np.testing.assert_allclose(b.grad.numpy(), expected_b, rtol=1e-5)
    np.testing.assert_allclose(w.grad.numpy(), np.tile(expected_b, (5, 1)), rtol=1e-5)
    expected_loss = np.mean(np.log1p(np.exp(zv)))
    np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-5)


def test_seed002_mm_sum_and_mean_gradients():
    x = torch.rand(3, 3, requires_grad=True)
    w = torch.ones(3, 3, requires_grad=True)
    torch.sum(torch.mm(x, w)).backward()
    assert x.grad.tolist() == [[3.0] * 3] * 3
    np.testing.assert_allclose(w.grad.numpy(), np.tile(x.detach().numpy().sum(0)[:, None], (1, 3)),
                               rtol=1e-6)
    x = torch.rand(3, 3, requires_grad=True)
    w = torch.rand(3, 3, requires_grad=True)
    y = torch.mean(torch.mm(w, x))
    assert type(y.grad_fn).__name__ == "MeanBackward0"
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.tile(w.detach().numpy().sum(0)[:, None] / 9,
                                                       (1, 3)), rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), np.tile(x.detach().numpy().sum(1) / 9, (3, 1)),
                               rtol=1e-6)


def test_seed003_gradient_descent_reaches_three():
    theta = torch.zeros(3, requires_grad=True)
    for _ in range(100):
        f = ((theta - 3) ** 2).sum()
        f.backward()
        with torch.no_grad():
            theta -= 0.1 * theta.grad
        theta.grad.zero_()
    np.testing.assert_allclose(theta.detach().numpy(), 3 - 3 * 0.8 ** 100, rtol=1e-6)
    assert theta.is_leaf and theta.grad_fn is None


def test_seed004_power_rule_gradients():
    Variable = torch.autograd.Variable
    w1 = Variable(torch.Tensor([2]), requires_grad=True)
    w2 = Variable(torch.Tensor([2]), requires_grad=True)
    x2 = Variable(torch.rand(1), requires_grad=True)
    y2 = x2 ** w1
    z2 = w2 * y2 + 1
    z2.backward()
    with pytest.warns(UserWarning, match="Converting a tensor with requires_grad=True"):
        xv, a, c = float(x2), 2.0, 2.0
    np.testing.assert_allclose(x2.grad.item(), c * a * xv ** (a - 1), rtol=1e-5)
    np.testing.assert_allclose(w1.grad.item(), c * xv ** a * np.log(xv), rtol=1e-5)
    np.testing.assert_allclose(w2.grad.item(), xv ** a, rtol=1e-5)
    assert type(y2.grad_fn).__name__ == "PowBackward1"
    with pytest.warns(UserWarning, match="volatile"):
        v = Variable(torch.ones(2), volatile=True)
    assert not v.requires_grad
