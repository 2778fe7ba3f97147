"""Pointwise ops, reductions, sorting, shape, indexing and linear algebra added to the torch
layer, on funcgrad.torch and on PyTorch: values, gradients and grad_fn names."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4)).astype(np.float32)
Y = (RNG.random((3, 4)) + 0.5).astype(np.float32)
M = (RNG.standard_normal((4, 4)) + 3 * np.eye(4)).astype(np.float32)
V = RNG.standard_normal(4).astype(np.float32)
I02 = np.array([0, 2])
COL = np.array([[0], [3], [1]])

# name -> program(T, x, y, m, v); the output's grad_fn name, value and the leaves' gradients
# (after backward of a weighted sum of it) must match PyTorch's
PROGRAMS = {
    "log2": lambda T, x, y, m, v: y.log2(), "log10": lambda T, x, y, m, v: T.log10(y),
    "exp2": lambda T, x, y, m, v: x.exp2(), "asinh": lambda T, x, y, m, v: x.asinh(),
    "acosh": lambda T, x, y, m, v: (y + 1).acosh(), "atanh": lambda T, x, y, m, v: (y * 0.5).atanh(),
    "erf": lambda T, x, y, m, v: T.erf(x), "erfc": lambda T, x, y, m, v: x.erfc(),
    "erfinv": lambda T, x, y, m, v: (y * 0.5).erfinv(), "frac": lambda T, x, y, m, v: (3 * x).frac(),
    "remainder": lambda T, x, y, m, v: x.remainder(0.7), "fmod": lambda T, x, y, m, v: T.fmod(x, y),
    "hypot": lambda T, x, y, m, v: x.hypot(y), "logaddexp": lambda T, x, y, m, v: T.logaddexp(x, y),
    "xlogy": lambda T, x, y, m, v: T.xlogy(x, y), "lerp": lambda T, x, y, m, v: x.lerp(y, 0.3),
    "lerp_tensor": lambda T, x, y, m, v: T.lerp(x, y, y), "addcmul": lambda T, x, y, m, v: x.addcmul(y, y, value=0.5),
    "addcdiv": lambda T, x, y, m, v: T.addcdiv(x, x, y), "clamp_min": lambda T, x, y, m, v: x.clamp_min(0.1),
    "clamp_max": lambda T, x, y, m, v: T.clamp_max(x, 0.1), "deg2rad": lambda T, x, y, m, v: x.deg2rad(),
    "logit": lambda T, x, y, m, v: (y / 2).logit(), "nan_to_num": lambda T, x, y, m, v: x.nan_to_num(),
    "prod": lambda T, x, y, m, v: x.prod(), "prod_dim": lambda T, x, y, m, v: T.prod(x, 1, keepdim=True),
    "amax": lambda T, x, y, m, v: x.amax(1), "amin": lambda T, x, y, m, v: T.amin(x, (0, 1)),
    "cumsum": lambda T, x, y, m, v: x.cumsum(1), "cumprod": lambda T, x, y, m, v: T.cumprod(x, 0),
    "logcumsumexp": lambda T, x, y, m, v: x.logcumsumexp(1), "nansum": lambda T, x, y, m, v: x.nansum(),
    "std_mean": lambda T, x, y, m, v: T.std_mean(x, 1)[0], "var_mean": lambda T, x, y, m, v: T.var_mean(x)[0],
    "sort": lambda T, x, y, m, v: x.sort(1)[0], "sort_desc": lambda T, x, y, m, v: T.sort(x, 0, descending=True).values,
    "topk": lambda T, x, y, m, v: x.topk(2)[0], "topk_small": lambda T, x, y, m, v: x.topk(2, 0, largest=False).values,
    "kthvalue": lambda T, x, y, m, v: x.kthvalue(2, 1)[0], "median": lambda T, x, y, m, v: x.median(),
    "median_dim": lambda T, x, y, m, v: x.median(1).values, "cummax": lambda T, x, y, m, v: x.cummax(1)[0],
    "cummin": lambda T, x, y, m, v: T.cummin(x, 0).values, "masked_select": lambda T, x, y, m, v: x.masked_select(x > 0),
    "flip": lambda T, x, y, m, v: x.flip(0), "flip2": lambda T, x, y, m, v: T.flip(x, (0, 1)),
    "roll": lambda T, x, y, m, v: x.roll(1, 0), "roll_flat": lambda T, x, y, m, v: T.roll(x, 2),
    "rot90": lambda T, x, y, m, v: x.rot90(), "repeat": lambda T, x, y, m, v: x.repeat(2, 1, 3),
    "tile": lambda T, x, y, m, v: x.tile(2), "repeat_interleave": lambda T, x, y, m, v: x.repeat_interleave(2, 0),
    "movedim": lambda T, x, y, m, v: x.unsqueeze(0).movedim(0, 2), "broadcast_to": lambda T, x, y, m, v: x.broadcast_to(2, 3, 4),
    "index_select": lambda T, x, y, m, v: x.index_select(0, T.tensor(I02)),
    "take": lambda T, x, y, m, v: x.take(T.tensor([0, 5, 5])),
    "take_along_dim": lambda T, x, y, m, v: T.take_along_dim(x, T.tensor(COL), 1),
    "scatter": lambda T, x, y, m, v: x.scatter(1, T.tensor(COL), y[:, :1]),
    "scatter_value": lambda T, x, y, m, v: x.scatter(1, T.tensor(COL), 2.0),
    "scatter_add": lambda T, x, y, m, v: x.scatter_add(1, T.tensor(COL), y[:, 1:2]),
    "index_add": lambda T, x, y, m, v: x.index_add(0, T.tensor([0, 0]), y[:2], alpha=2),
    "index_fill": lambda T, x, y, m, v: x.index_fill(1, T.tensor([1]), 5.0),
    "index_copy": lambda T, x, y, m, v: x.index_copy(0, T.tensor([2, 0]), y[:2]),
    "masked_scatter": lambda T, x, y, m, v: x.masked_scatter(x > 0, y),
    "tril": lambda T, x, y, m, v: x.tril(), "triu": lambda T, x, y, m, v: T.triu(x, 1),
    "diag": lambda T, x, y, m, v: v.diag(), "diag_embed": lambda T, x, y, m, v: T.diag_embed(x),
    "diagonal": lambda T, x, y, m, v: m.diagonal(), "diagonal_offset": lambda T, x, y, m, v: T.diagonal(x, 1),
    "trace": lambda T, x, y, m, v: m.trace(), "hstack": lambda T, x, y, m, v: T.hstack([x, y]),
    "vstack": lambda T, x, y, m, v: T.vstack([x, v]), "dstack": lambda T, x, y, m, v: T.dstack([x, y]),
    "meshgrid": lambda T, x, y, m, v: T.meshgrid(v, v[:2], indexing="ij")[0],
    "meshgrid_xy": lambda T, x, y, m, v: T.meshgrid(v, v[:2], indexing="xy")[1],
    "unflatten": lambda T, x, y, m, v: x.unflatten(1, (2, 2)), "diff": lambda T, x, y, m, v: x.diff(),
    "atleast_2d": lambda T, x, y, m, v: T.atleast_2d(v), "where_method": lambda T, x, y, m, v: x.where(x > 0, y),
    "einsum": lambda T, x, y, m, v: T.einsum("ij,jk->ik", x, m), "einsum_trace": lambda T, x, y, m, v: T.einsum("ii", m),
    "tensordot": lambda T, x, y, m, v: T.tensordot(x, m, 1), "addmm": lambda T, x, y, m, v: T.addmm(v, x, m, beta=0.5),
    "addmv": lambda T, x, y, m, v: T.addmv(x[:, 0], x, v), "baddbmm": lambda T, x, y, m, v: T.baddbmm(x[None], x[None], m[None]),
    "det": lambda T, x, y, m, v: T.det(m), "inverse": lambda T, x, y, m, v: m.inverse(),
    "linalg_inv": lambda T, x, y, m, v: T.linalg.inv(m), "linalg_cross": lambda T, x, y, m, v: T.linalg.cross(x[:, :3], y[:, :3]),
    "cdist": lambda T, x, y, m, v: T.cdist(x, y), "linalg_norm": lambda T, x, y, m, v: T.linalg.norm(x),
    "vector_norm": lambda T, x, y, m, v: T.linalg.vector_norm(x, 1, dim=1), "matrix_norm": lambda T, x, y, m, v: T.linalg.matrix_norm(m),
    "solve": lambda T, x, y, m, v: T.linalg.solve(m, v), "solve_matrix": lambda T, x, y, m, v: T.linalg.solve(m, x.t()),
    "slogdet": lambda T, x, y, m, v: T.linalg.slogdet(m)[1], "pinv": lambda T, x, y, m, v: T.linalg.pinv(x),
    "outer": lambda T, x, y, m, v: T.outer(v, v), "square": lambda T, x, y, m, v: x.square(),
    "unfold": lambda T, x, y, m, v: x.unfold(1, 2, 1), "unfold_step": lambda T, x, y, m, v: m.unfold(0, 2, 2),
    "quantile": lambda T, x, y, m, v: T.quantile(x, 0.3), "quantile_dim": lambda T, x, y, m, v: x.quantile(T.tensor([0.25, 0.5]), dim=1, keepdim=True),
    "round_decimals": lambda T, x, y, m, v: (x * 3).round(decimals=1) * y,
    "view_as_real": lambda T, x, y, m, v: T.view_as_real(T.complex(x, y)),
    "complex_abs": lambda T, x, y, m, v: T.complex(x, y).abs(), "polar_real": lambda T, x, y, m, v: T.polar(y, x).real,
    "setitem_mask": lambda T, x, y, m, v: _set(x * 1, x > 0, 0.0), "setitem_basic": lambda T, x, y, m, v: _set(x * 1, (0, 1), y[0, 0]),
    "combinations": lambda T, x, y, m, v: T.combinations(v, 2),
}


def _set(t, index, value):
    t[index] = value
    return t
# PyTorch builds these from several nodes; ours is one node (values and gradients still match)
OTHER_NAME = {"combinations", "polar_real", "quantile", "quantile_dim", "einsum_trace", "kron", "logdet", "meshgrid_xy", "repeat_interleave", "nan_to_num"}


def _run(T, program):
    leaves = [T.tensor(a, requires_grad=True) for a in (X, Y, M, V)]
    out = program(T, *leaves)
    name = None if out.grad_fn is None else type(out.grad_fn).__name__
    weights = T.tensor(np.linspace(-1, 2, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
    (out * weights).sum().backward()
    grads = [None if t.grad is None else t.grad.numpy() for t in leaves]
    return out.detach().numpy(), name, grads


@pytest.mark.parametrize("op", sorted(PROGRAMS))
def test_values_gradients_and_node_names_match_pytorch(op):
    ours, theirs = _run(ft, PROGRAMS[op]), _run(torch, PROGRAMS[op])
    assert ours[0].shape == theirs[0].shape and ours[0].dtype == theirs[0].dtype
    np.testing.assert_allclose(ours[0], theirs[0], rtol=2e-4, atol=2e-5)
    if op not in OTHER_NAME:
        assert ours[1] == theirs[1]
    for a, b in zip(ours[2], theirs[2]):
        if a is None or b is None:
            assert a is None or not np.any(a), (a, b)
            assert b is None or not np.any(b), (a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)


NO_GRAD = {
    "argsort": lambda T: T.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 5.0]]).argsort(1),
    "argsort_desc": lambda T: T.argsort(T.tensor([3.0, 1.0, 3.0]), descending=True),
    "sort_indices": lambda T: T.tensor([2.0, 1.0, 2.0, 0.0]).sort().indices,
    "topk_indices": lambda T: T.tensor([1.0, 4.0, 2.0, 3.0]).topk(3).indices,
    "median_indices": lambda T: T.tensor([[1.0, 4.0, 2.0, 3.0]]).median(1).indices,
    "unique": lambda T: T.unique(T.tensor([3, 1, 3, 2])),
    "unique_counts": lambda T: T.tensor([3, 1, 3, 2]).unique(return_inverse=True, return_counts=True),
    "nonzero": lambda T: T.tensor([[0, 1], [2, 0]]).nonzero(),
    "nonzero_tuple": lambda T: T.nonzero(T.tensor([0, 1, 2]), as_tuple=True),
    "where1": lambda T: T.where(T.tensor([0, 1, 2]) > 0),
    "argwhere": lambda T: T.argwhere(T.tensor([0, 1, 2])),
    "count_nonzero": lambda T: T.count_nonzero(T.tensor([[0, 1], [2, 0]]), 0),
    "isnan": lambda T: T.isnan(T.tensor([1.0, float("nan")])), "isinf": lambda T: T.tensor([1.0, float("inf")]).isinf(),
    "isfinite": lambda T: T.isfinite(T.tensor([1.0, float("inf"), float("nan")])),
    "isclose": lambda T: T.isclose(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.1])),
    "logical_and": lambda T: T.logical_and(T.tensor([True, False]), T.tensor([True, True])),
    "logical_not": lambda T: T.tensor([1, 0]).logical_not(),
    "floor_divide": lambda T: T.floor_divide(T.tensor([7, -7]), 2),
    "cumsum_int": lambda T: T.tensor([1, 2, 3]).cumsum(0), "prod_int": lambda T: T.tensor([1, 2, 3]).prod(),
    "searchsorted": lambda T: T.searchsorted(T.tensor([1.0, 2.0, 3.0]), T.tensor([2.5, 0.0])),
    "bucketize": lambda T: T.bucketize(T.tensor([2.5, 0.0, 2.0]), T.tensor([1.0, 2.0, 3.0]), right=True),
    "bincount": lambda T: T.bincount(T.tensor([0, 2, 2])),
    "mode": lambda T: T.tensor([[1.0, 2.0, 2.0, 3.0]]).mode(1),
    "nanmean": lambda T: T.tensor([1.0, float("nan"), 3.0]).nanmean(),
    "amax_all": lambda T: T.tensor([[1.0, 5.0], [3.0, 2.0]]).amax(),
    "repeat_interleave_counts": lambda T: T.repeat_interleave(T.tensor([1, 0, 2])),
    "block_diag": lambda T: T.block_diag(T.ones(2, 2), T.tensor([[3.0]])),
    "cartesian_prod": lambda T: T.cartesian_prod(T.tensor([1, 2]), T.tensor([3, 4])),
    "kron": lambda T: T.kron(T.eye(2), T.tensor([[1.0, 2.0], [3.0, 4.0]])),
    "logspace": lambda T: T.logspace(0, 2, 3), "column_stack": lambda T: T.column_stack([T.ones(2), T.zeros(2)]),
    "finfo": lambda T: (T.finfo(T.float32).eps, T.finfo(T.float64).max, T.finfo().tiny),
    "iinfo": lambda T: (T.iinfo(T.int32).max, T.iinfo(T.int8).min),
    "promote": lambda T: (str(T.promote_types(T.int32, T.float32)), str(T.promote_types(T.uint8, T.int8))),
    "result_type": lambda T: (str(T.result_type(T.tensor([1]), 1.0)), str(T.result_type(T.tensor([1.0]), T.tensor(1.0, dtype=T.float64))),
                              str(T.result_type(T.tensor([1], dtype=T.int32), T.tensor(1)))),
    "can_cast": lambda T: (T.can_cast(T.float32, T.int32), T.can_cast(T.int32, T.float32)),
    "default_dtype": lambda T: str(T.get_default_dtype()),
    "type": lambda T: (T.ones(1).type(), T.ones(1).type(T.float64).dtype == T.float64, T.tensor([1]).type()),
    "stride": lambda T: (T.ones(2, 3).stride(), T.ones(2, 3).t().stride(), T.ones(2, 3, 4).stride(1)),
    "contains": lambda T: (2 in T.tensor([1, 2]), 5 in T.tensor([1, 2])),
    "new_full": lambda T: T.ones(2, dtype=T.float64).new_full((2, 2), 3),
    "sum_to_size": lambda T: T.ones(2, 3).sum_to_size(1, 3),
    "is_complex": lambda T: (T.ones(1).is_complex(), T.is_complex(T.ones(1))),
    "fill_diagonal": lambda T: T.zeros(3, 3).fill_diagonal_(2.0),
    "masked_fill_": lambda T: T.zeros(3).masked_fill_(T.tensor([True, False, True]), 1.5),
    "scatter_": lambda T: T.zeros(2, 3).scatter_(1, T.tensor([[2], [0]]), 7.0),
    "index_add_": lambda T: T.zeros(3).index_add_(0, T.tensor([1, 1]), T.ones(2)),
    "clamp_min_": lambda T: T.tensor([-1.0, 2.0]).clamp_min_(0),
    "histc": lambda T: T.histc(T.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3),
    "tensordot_dims": lambda T: T.tensordot(T.ones(2, 3, 4), T.ones(3, 4, 5), ([1, 2], [0, 1])),
    "matrix_rank": lambda T: T.linalg.matrix_rank(T.ones(3, 3)),
    "slogdet_sign": lambda T: T.linalg.slogdet(-T.eye(3)).sign,
    "broadcast_tensors": lambda T: T.broadcast_tensors(T.ones(2, 1), T.zeros(3))[0],
    "broadcast_shapes": lambda T: T.broadcast_shapes((2, 1), (3,)),
    "bitwise": lambda T: (T.tensor([1, 2]) & T.tensor([3, 1]), T.tensor([1, 2]) | 4, T.tensor([5]) ^ 1,
                          ~T.tensor([1, -2]), T.tensor([True]) & T.tensor([False]), T.bitwise_and(T.tensor([6]), 3)),
    "complex_dtype": lambda T: (str(T.tensor([1 + 2j]).dtype), T.tensor([1 + 2j]).real, T.tensor([1 + 2j]).imag),
    "multinomial_shape": lambda T: (T.multinomial(T.tensor([[0.0, 1.0], [1.0, 0.0]]), 3, replacement=True),),
    "poisson_zero": lambda T: T.poisson(T.zeros(3)),
}


def _text(x):
    if isinstance(x, (ft.Tensor, torch.Tensor)):
        return (x.detach().numpy().tolist(), str(x.dtype).replace("funcgrad.", ""))
    if isinstance(x, (tuple, list)):
        return [_text(i) for i in x]
    return x


@pytest.mark.parametrize("op", sorted(NO_GRAD))
def test_results_without_gradients_match_pytorch(op):
    ours, theirs = _text(NO_GRAD[op](ft)), _text(NO_GRAD[op](torch))
    if op in ("nanmean", "logspace"):
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    else:
        assert ours == theirs


def test_cat_size_error_matches_pytorch():
    messages = []
    for T in (ft, torch):
        with pytest.raises(RuntimeError) as info:
            T.cat([T.ones(2, 3), T.ones(2, 2)])
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_return_type_reprs_match_pytorch():
    text = [repr(T.tensor([[3.0, 1.0]]).sort(1)) for T in (ft, torch)]
    assert text[0] == text[1]
    text = [repr(T.tensor([[3.0, 1.0]]).topk(1)) for T in (ft, torch)]
    assert text[0] == text[1]


def test_random_fills_keep_shape_dtype_and_range():
    x = ft.empty(200, dtype=ft.float64)
    assert x.uniform_(2, 3).dtype == ft.float64
    assert 2 <= float(x.min()) and float(x.max()) <= 3
    assert abs(float(ft.empty(2000).normal_(5.0, 0.1).mean()) - 5.0) < 0.05
    bits = ft.empty(1000).bernoulli_(0.25)
    assert set(np.unique(bits.numpy()).tolist()) <= {0.0, 1.0}
    assert ft.empty(10).random_(0, 3).max() < 3
    assert float(ft.empty(1000).exponential_(2.0).mean()) == pytest.approx(0.5, abs=0.1)


def test_random_fill_of_a_leaf_that_requires_grad_raises_as_pytorch():
    for T in (ft, torch):
        w = T.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            w.uniform_()
        with T.no_grad():
            w.normal_()
        assert w.requires_grad and w.is_leaf


SECOND_ORDER = ["addcmul", "lerp_tensor", "prod_dim", "cumprod", "logcumsumexp", "sort", "det",
                "inverse", "solve", "einsum", "tril", "scatter_add", "index_add", "std_mean",
                "hypot", "xlogy", "logaddexp", "repeat", "diag_embed", "linalg_norm"]


def _second_order(T, program):
    leaves = [T.tensor(a, requires_grad=True) for a in (X, Y, M, V)]
    out = program(T, *leaves)
    weights = T.tensor(np.linspace(-1, 2, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
    loss = (out * weights).sum() + 0.1 * (out * out).sum()  # nonlinear even for linear ops
    grads = T.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
    total = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
    second = T.autograd.grad(total, leaves, allow_unused=True)
    return [None if g is None else g.numpy() for g in second]


@pytest.mark.parametrize("op", SECOND_ORDER)
def test_second_derivatives_match_pytorch(op):
    for a, b in zip(_second_order(ft, PROGRAMS[op]), _second_order(torch, PROGRAMS[op])):
        if a is None or b is None:
            assert (a is None or not np.any(a)) and (b is None or not np.any(b))
        else:
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


_NORM_INPUT = np.array([[1.0, -3.0, 2.0], [0.5, 3.0, -1.0], [0.0, 0.2, 1.0]], np.float32)


@pytest.mark.parametrize("p", [float("inf"), -float("inf"), 0, 3, 0.5, -1.5, "fro", "nuc"])
@pytest.mark.parametrize("dim", [None, 1, (0, 1)])
def test_tensor_norm_of_every_order_matches_pytorch(p, dim):
    # p=inf gave 1.0 (sum |x|^inf to the power 0), p < 1 a NaN gradient at a zero entry
    if p == "nuc" and dim == 1:
        pytest.skip("the nuclear norm is of matrices")
    results = []
    for T in (ft, torch):
        x = T.tensor(_NORM_INPUT, requires_grad=True)
        out = x.norm(p) if dim is None else x.norm(p, dim=dim)
        out.sum().backward()
        grad = np.zeros_like(_NORM_INPUT) if x.grad is None else x.grad.numpy()
        results.append((out.detach().numpy(), grad))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("values", [[1.0, 2.0, 2.0, 3.0], [[0.5, 2.0, 2.0], [2.0, 9.0, -1.0]],
                                    [1.0, float("nan"), 2.0, 2.0, 3.0],
                                    [float("nan"), 1.0, float("nan")], [5.0, 5.0, 5.0]])
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_without_dim_shares_the_gradient_among_ties_as_pytorch(name, values):
    results = []
    for T in (ft, torch):
        x = T.tensor(values, requires_grad=True)
        out = getattr(x, name)()
        out.backward()
        results.append((out.item(), x.grad.numpy(), type(out.grad_fn).__name__))
    np.testing.assert_equal(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]
