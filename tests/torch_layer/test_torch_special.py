"""torch.special against PyTorch: values, gradients, node names and dtypes; logsumexp of a row
of -inf is -inf (it was NaN); xlogy/xlog1py keep d/dx = log(y) at x == 0."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")

UNARY = ["entr", "ndtr", "ndtri", "log_ndtr", "i0", "i0e", "i1", "i1e", "expit", "logit", "sinc",
         "gammaln", "psi", "digamma", "exp2", "expm1", "log1p", "erf", "erfc", "erfinv"]


def _unary(T, name, values):
    x = T.tensor(values, requires_grad=True)
    y = getattr(T.special, name)(x)
    y.sum().backward()
    return y, x.grad, y.grad_fn.name(), getattr(T.special, name)(T.tensor([1, 2])).dtype


@pytest.mark.parametrize("name", UNARY)
def test_unary_special_functions_match_pytorch(name):
    values = [0.1, 0.5, 0.9]
    ours, theirs = _unary(ft, name, values), _unary(torch, name, values)
    np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy(), rtol=2e-6)
    np.testing.assert_allclose(ours[1].numpy(), theirs[1].numpy(), rtol=2e-5)
    assert ours[2] == theirs[2]
    assert str(ours[3]) == str(theirs[3])


def test_entr_at_and_below_zero_as_pytorch():
    ours, theirs = _unary(ft, "entr", [0.0, 0.5, 2.0, -1.0]), _unary(torch, "entr", [0.0, 0.5, 2.0, -1.0])
    np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours[1].numpy(), theirs[1].numpy(), rtol=1e-6)  # inf at 0, NaN < 0


def _binary(T):
    x = T.tensor([0.0, 0.0, 0.0, 2.0, 0.5], requires_grad=True)
    y = T.tensor([2.0, -3.0, float("nan"), 0.0, 3.0], requires_grad=True)
    a = T.xlogy(x, y)
    b = T.special.xlog1py(x, y + 1)
    (a + b).sum().backward()
    c = T.special.gammainc(T.tensor([1.5, 2.0]), T.tensor([0.5, 2.0]))
    d = T.special.softmax(T.tensor([0.5, 2.0]), 0) * T.special.log_softmax(T.tensor([0.5, 2.0]), 0)
    e = T.special.multigammaln(T.tensor([2.5, 4.0]), 2) + T.special.polygamma(2, T.tensor([0.5, 2.0]))
    return a, b, x.grad, y.grad, c, d, e


def test_two_argument_and_reductions_match_pytorch():
    pytest.importorskip("scipy")  # gammainc's values are SciPy's
    for ours, theirs in zip(_binary(ft), _binary(torch)):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5)


def test_logsumexp_of_a_row_of_minus_infinity():
    for T in (ft, torch):
        x = T.tensor([[float("-inf"), float("-inf")], [1.0, 2.0]], requires_grad=True)
        y = T.logsumexp(x, 1)
        y.sum().backward()
        assert y[0].item() == float("-inf")
        assert np.isclose(y[1].item(), np.logaddexp(1.0, 2.0))
        assert np.isnan(x.grad[0]).all()  # PyTorch's: exp(-inf - -inf)


def test_a_missing_special_function_says_so():
    with pytest.raises(AttributeError, match="not in funcgrad.torch yet"):
        ft.special.bessel_j0
