"""asarray, fill_/zero_, resolve_conj/neg, vdot, vander, unravel_index, gradient, put/put_,
cholesky_solve/cholesky_inverse, pinverse's rcond, post-accumulate-grad hooks, the
slice/select/diagonal scatters, mvlgamma and a few Tensor methods, against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")

SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])


def _arrays(value):
    """The arrays in a (nested) result, in order."""
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    return [np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)]


def _post_hooks(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.clone()))
    (w * w).sum().backward()
    (w * 3).sum().backward()
    handle.remove()
    (w * 3).sum().backward()
    return seen + [w.grad]


def _gradient_backward(T):
    x = T.tensor([1.0, 2.0, 4.0, 8.0], requires_grad=True)
    (T.gradient(x)[0] * T.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    return x.grad


CASES = {
    "asarray_list": lambda T: T.asarray([1, 2, 3]),
    "asarray_shares": lambda T: (lambda a: (T.asarray(a).add_(1), a)[1])(np.zeros(2)),
    "asarray_float": lambda T: T.asarray([1.5, 2.0], dtype=T.float64),
    "fill_": lambda T: T.fill_(T.ones(3), 2.5),
    "zero_": lambda T: T.zero_(T.ones(3)),
    "vdot": lambda T: T.vdot(T.tensor([1.0, 2, 3]), T.tensor([4.0, 5, 6])),
    "vander": lambda T: T.vander(T.tensor([1.0, 2, 3]), N=4),
    "vander_increasing": lambda T: T.vander(T.tensor([1.0, 2, 3]), increasing=True),
    "unravel_index": lambda T: T.unravel_index(T.tensor([4, 7, -1]), (3, 4)),
    "gradient": lambda T: T.gradient(T.tensor([[1.0, 2, 4, 8], [10, 20, 40, 80]])),
    "gradient_spacing": lambda T: T.gradient(T.tensor([[1.0, 2, 4, 8], [10, 20, 40, 80]]),
                                             spacing=2.0, dim=1),
    "gradient_coordinates": lambda T: T.gradient(T.tensor([1.0, 2, 4, 8]),
                                                 spacing=[T.tensor([0.0, 1, 1.5, 3.5])]),
    "gradient_edge_order_2": lambda T: T.gradient(T.tensor([1.0, 2, 4, 8, 16]), edge_order=2),
    "gradient_backward": _gradient_backward,
    "put": lambda T: T.tensor([[1.0, 2], [3, 4]]).put(T.tensor([0, 3]), T.tensor([9.0, 8])),
    "put_accumulate": lambda T: T.tensor([[1.0, 2], [3, 4]]).put(
        T.tensor([0, 0]), T.tensor([9.0, 8]), accumulate=True),
    "put_": lambda T: (lambda t: (t.put_(T.tensor([1]), T.tensor([7.0])), t)[1])(T.tensor([1.0, 2])),
    "cholesky_solve": lambda T: T.cholesky_solve(T.tensor([[1.0], [2], [3]], dtype=T.float64),
                                                 T.linalg.cholesky(T.tensor(SPD))),
    "cholesky_solve_upper": lambda T: T.cholesky_solve(
        T.tensor([[1.0], [2], [3]], dtype=T.float64), T.linalg.cholesky(T.tensor(SPD), upper=True),
        upper=True),
    "cholesky_inverse": lambda T: T.cholesky_inverse(T.linalg.cholesky(T.tensor(SPD))),
    "resolve": lambda T: T.tensor([1.0, 2]).resolve_conj() + T.resolve_neg(T.tensor([1.0, 2])),
    "pinverse_rcond": lambda T: T.tensor(np.diag([4.0, 1e-3])).pinverse(rcond=0.01),
    "post_accumulate_hooks": _post_hooks,
    "slice_scatter": lambda T: T.zeros(4, 3).slice_scatter(T.ones(2, 3), 0, 1, 3),
    "slice_scatter_columns": lambda T: T.slice_scatter(T.zeros(4, 3), T.ones(4, 1), dim=1, start=2),
    "select_scatter": lambda T: T.select_scatter(T.zeros(2, 3), T.tensor([1.0, 2, 3]), 0, 1),
    "diagonal_scatter": lambda T: T.diagonal_scatter(T.zeros(3, 3), T.tensor([1.0, 2]), 1),
    "diagonal_scatter_backward": lambda T: _scatter_backward(T),
    "mvlgamma": lambda T: T.mvlgamma(T.tensor([2.5, 3.0, 7.0]), 3),
    "mvlgamma_backward": lambda T: _mvlgamma_backward(T),
    "frexp_method": lambda T: T.tensor([8.0, 0.3]).frexp(),
    "histogram_method": lambda T: T.tensor([1.0, 2, 1]).histogram(bins=4, range=(0.0, 3.0)),
    "gcd_": lambda T: (lambda t: (t.gcd_(T.tensor([4, 6])), t)[1])(T.tensor([6, 9])),
}


def _scatter_backward(T):
    x = T.zeros(3, 3, requires_grad=True)
    s = T.tensor([1.0, 2, 3], requires_grad=True)
    (T.diagonal_scatter(x * 2, s * 3) * T.arange(9.0).reshape(3, 3)).sum().backward()
    return [x.grad, s.grad]


def _mvlgamma_backward(T):
    x = T.tensor([2.5, 3.0], requires_grad=True)
    T.mvlgamma(x, 2).sum().backward()
    return x.grad


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    ours, theirs = _arrays(CASES[name](ft)), _arrays(CASES[name](torch))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.dtype == t.dtype and o.shape == t.shape, (o, t)
        np.testing.assert_allclose(o, t, rtol=1e-6)


def test_post_accumulate_hooks_only_on_leaves_and_asarray_copy_rules():
    for T in (ft, torch):
        with pytest.raises(RuntimeError, match="non-leaf"):
            (T.tensor([1.0], requires_grad=True) * 2).register_post_accumulate_grad_hook(print)
        t = T.ones(2)
        assert T.asarray(t) is t and T.asarray(t, copy=True) is not t
        assert T.asarray([1.0, 2.0], requires_grad=True).requires_grad


def test_cholesky_solve_reads_only_the_factors_triangle():
    # PyTorch's gradient also fills the unread triangle; ours is the derivative of what is
    # computed (the lower triangle: the values and that triangle agree with PyTorch's)
    grads = []
    for T in (ft, torch):
        lower = T.tensor(np.linalg.cholesky(SPD), requires_grad=True)
        T.cholesky_inverse(lower).sum().backward()
        grads.append(lower.grad.numpy())
    np.testing.assert_allclose(np.tril(grads[0]), np.tril(grads[1]), rtol=1e-10)
    assert np.all(np.triu(grads[0], 1) == 0)
