"""torch.func transforms (vmap, grad, jacrev, jacfwd, hessian, functional_call) applied to the
torch layer's additions, against torch.func."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # compares against PyTorch

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)
CASES = {
 "vmap_layer_norm": lambda T: T.func.vmap(lambda r: T.nn.functional.layer_norm(r, (3,)))(T.tensor(X)),
 "jacrev_sort": lambda T: T.func.jacrev(lambda r: r.sort().values)(T.tensor(X[0])),
 "jacfwd_cumprod": lambda T: T.func.jacfwd(lambda r: r.cumprod(0))(T.tensor(X[0])),
 "grad_logsumexp": lambda T: T.func.grad(lambda r: T.logsumexp(r, 0))(T.tensor(X[0])),
 "hessian_prod": lambda T: T.func.hessian(lambda r: r.prod())(T.tensor(X[0])),
 "vmap_kthvalue": lambda T: T.func.vmap(lambda r: r.kthvalue(2).values)(T.tensor(X)),
 "vmap_median": lambda T: T.func.vmap(lambda r: r.median() + r.reshape(1, 3).median(1, keepdim=True).values.sum())(T.tensor(X)),
 "jacrev_median": lambda T: T.func.jacrev(lambda r: r.median(0).values)(T.tensor(X)),
 "vmap_topk": lambda T: T.func.vmap(lambda r: r.topk(2).values)(T.tensor(X)),
 "vmap_tril": lambda T: T.func.vmap(lambda r: r.reshape(1, 3).expand(3, 3).tril())(T.tensor(X)),
 "jacrev_lerp": lambda T: T.func.jacrev(lambda r: r.lerp(r ** 2, 0.3))(T.tensor(X[0])),
 "vmap_flip_roll": lambda T: T.func.vmap(lambda r: r.flip(0).roll(1, 0))(T.tensor(X)),
 "grad_det": lambda T: T.func.grad(lambda r: T.linalg.det(r.reshape(1, 3).expand(3, 3) + T.eye(3) * 2))(T.tensor(X[0])),
 "vmap_index_select": lambda T: T.func.vmap(lambda r: r.index_select(0, T.tensor([2, 0])))(T.tensor(X)),
 "jacrev_gelu_mish": lambda T: T.func.jacrev(lambda r: T.nn.functional.mish(T.nn.functional.gelu(r)))(T.tensor(X[0])),
 "vmap_conv1d": lambda T: T.func.vmap(lambda r: T.nn.functional.conv1d(r.reshape(1, 1, 3), T.ones(1, 1, 2)))(T.tensor(X)),
 "functional_call_lstm": lambda T: T.func.grad(lambda p, x: T.func.functional_call(_lstm(T), p, (x,))[0].sum())({k: v.detach() for k, v in _lstm(T).named_parameters()}, T.tensor(X).reshape(2, 1, 3))["weight_hh_l0"],
 "vmap_einsum": lambda T: T.func.vmap(lambda r: T.einsum("i,j->ij", r, r))(T.tensor(X)),
 "jacrev_scatter_add": lambda T: T.func.jacrev(lambda r: T.zeros(2).scatter_add(0, T.tensor([0, 1, 0]), r))(T.tensor(X[0])),
}
_cache = {}
def _lstm(T):
    if T not in _cache:
        m = T.nn.LSTM(3, 2)
        m.load_state_dict({k: T.tensor(np.sin(np.arange(v.numel())).reshape(tuple(v.shape)).astype(np.float32)) for k, v in m.state_dict().items()})
        _cache[T] = m
    return _cache[T]


@pytest.mark.parametrize("name", sorted(CASES))
def test_transform_matches_torch_func(name):
    ours = np.asarray(CASES[name](ft).detach().numpy())
    theirs = CASES[name](torch).detach().numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_sort_under_vmap_gives_values_and_indices_per_row():
    out = ft.func.vmap(lambda r: r.sort(descending=True).values * r.argsort()[0])(ft.tensor(X))
    np.testing.assert_allclose(out.numpy(), [[2.0, 0.5, -1.0], [3.0, 0.5, -1.5]])
