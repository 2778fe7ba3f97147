"""What PyTorch's tutorials use that stopped them (issue 16): legacy tensor types, formatting of
0-d tensors, the modules they import (vmap, functional, profiler, accelerator, onnx), the reprs
of return values, torch.func's dict order and backward through vmap. By value, and against
PyTorch where it is installed."""
from __future__ import annotations

import importlib

import numpy as np
import pytest

import funcgrad.torch as ft


def _peer():
    return pytest.importorskip("torch")


def test_legacy_constructors_make_tensors_of_their_dtype():
    assert ft.LongTensor([1, 2]).dtype == ft.int64
    assert ft.FloatTensor([1, 2]).dtype == ft.float32
    assert ft.DoubleTensor([1]).dtype == ft.float64
    assert ft.ByteTensor([1]).dtype == ft.uint8
    assert ft.BoolTensor([1, 0]).tolist() == [True, False]
    assert tuple(ft.FloatTensor(2, 3).shape) == (2, 3)
    assert tuple(ft.LongTensor().shape) == (0,)
    assert isinstance(ft.ones(1), ft.FloatTensor) and not isinstance(ft.ones(1), ft.LongTensor)
    x = ft.tensor([1.7, 2.2])
    assert x.type(ft.LongTensor).tolist() == [1, 2] and x.type() == "torch.FloatTensor"
    assert x.type(ft.LongTensor).type() == "torch.LongTensor"
    assert repr(ft.FloatTensor) == "<class 'torch.FloatTensor'>"


def test_a_zero_dimensional_tensor_formats_as_its_number():
    t = ft.tensor(2.5)
    assert "{}".format(t) == "2.5" and f"{t}" == "2.5" and format(t, ".3f") == "2.500"
    assert f"{ft.tensor(3)}" == "3"
    assert "{}".format(ft.tensor([2.5])) == "tensor([2.5000])"
    with pytest.raises(TypeError):
        format(ft.tensor([2.5]), ".2f")


def test_the_modules_tutorials_import():
    assert ft.vmap is ft.func.vmap
    assert ft.functional.einsum is ft.einsum and ft.functional.split is ft.split
    assert ft.accelerator.is_available() is False and ft.accelerator.current_accelerator() is None
    with pytest.raises(NotImplementedError, match="onnx"):
        ft.onnx.export(ft.nn.Linear(2, 2), (ft.ones(1, 2),), "model.onnx")


def test_the_profiler_records_operation_names_counts_and_times():
    x = ft.ones(8, 8)
    with ft.profiler.profile(activities=[ft.profiler.ProfilerActivity.CPU]) as prof:
        with ft.profiler.record_function("model_inference"):
            for _ in range(3):
                (x @ x).relu()
    averages = {e.key: e for e in prof.key_averages()}
    assert averages["aten::mm"].count == 3 and averages["aten::relu"].count == 3
    assert averages["model_inference"].count == 1
    assert averages["model_inference"].cpu_time_total >= averages["aten::mm"].cpu_time_total > 0
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=5)
    assert "Name" in table and "# of Calls" in table and "aten::mm" in table
    assert table.splitlines()[3].split()[0] == "model_inference"  # the largest total first
    with ft.autograd.profiler.profile() as prof2:
        ft.nn.Linear(8, 2)(x)
    assert "aten::addmm" in {e.key for e in prof2.key_averages()}
    # and nothing is timed once the profile has ended
    from funcgrad.core.primitive import registry
    assert getattr(registry["multiply"].impl, "__wrapped__", None) is None


def test_return_values_print_as_pytorch():
    m = ft.nn.Linear(3, 2)
    assert repr(m.load_state_dict(m.state_dict())) == "<All keys matched successfully>"
    keys = m.load_state_dict({"weight": m.weight.detach()}, strict=False)
    assert keys.missing_keys == ["bias"] and "missing_keys=['bias']" in repr(keys)
    assert str(ft.nn.Parameter(ft.ones(2))).startswith("Parameter containing:\ntensor(")
    usv = ft.svd(ft.eye(2))
    assert type(usv).__name__ == "svd" and repr(usv).startswith("torch.return_types.svd(\nU=")
    assert usv.V.shape == (2, 2) and usv[1].tolist() == [1.0, 1.0]
    assert repr(ft.linalg.svd(ft.eye(2))).startswith("torch.return_types.linalg_svd(\nU=")
    assert ft.linalg.qr(ft.eye(2)).R.shape == (2, 2)
    assert repr(ft.qr(ft.eye(2))).startswith("torch.return_types.qr(")
    assert repr(ft.slogdet(ft.eye(2))).startswith("torch.return_types.slogdet(\nsign=")
    assert ft.linalg.eigh(ft.eye(2)).eigenvalues.tolist() == [1.0, 1.0]
    assert ft.frexp(ft.tensor([8.0])).exponent.tolist() == [4]


def test_torch_func_keeps_dict_insertion_order():
    def loss(p):
        return (p["w"] * 2).sum() + (p["b"] ** 2).sum()
    g = ft.func.grad(loss)({"w": ft.ones(2), "b": ft.ones(3)})
    assert list(g) == ["w", "b"] and g["w"].tolist() == [2.0, 2.0]
    model = ft.nn.Linear(3, 2)
    params = dict(model.named_parameters())
    grads = ft.func.grad(lambda p, x: ft.func.functional_call(model, p, (x,)).sum())(
        params, ft.ones(1, 3))
    for (name, p), (gname, gv) in zip(model.named_parameters(), grads.items()):
        assert name == gname and tuple(p.shape) == tuple(gv.shape)
    # funcgrad's own pytrees still sort, as JAX's do
    import funcgrad as fg
    assert list(fg.grad(lambda d: d["w"] + d["b"])({"w": 1.0, "b": 2.0})) == ["b", "w"]


def test_vmap_over_inputs_that_require_grad_keeps_the_history():
    x = ft.arange(6.).reshape(2, 3).requires_grad_()
    out = ft.vmap(lambda r: (r * r).sum())(x)
    assert out.requires_grad and out.grad_fn is not None
    out.sum().backward()
    assert x.grad.tolist() == (2 * np.arange(6.).reshape(2, 3)).tolist()
    with ft.no_grad():
        assert not ft.vmap(ft.sin)(x).requires_grad


def test_ensembling_with_stacked_module_states():
    ft.manual_seed(0)
    models = [ft.nn.Linear(3, 2) for _ in range(4)]
    params, buffers = ft.func.stack_module_state(models)
    assert list(params) == ["weight", "bias"] and tuple(params["weight"].shape) == (4, 2, 3)
    base = models[0]
    xb = ft.ones(5, 3)
    pred = ft.vmap(lambda p, b, x: ft.func.functional_call(base, (p, b), (x,)),
                   in_dims=(0, 0, None))(params, buffers, xb)
    assert ft.allclose(pred, ft.stack([m(xb) for m in models]))
    pred.sum().backward()
    assert params["weight"].grad.tolist() == np.full((4, 2, 3), 5.0).tolist()


@pytest.mark.torch
def test_the_same_programs_agree_with_pytorch():
    torch = _peer()

    def program(t):
        m = t.nn.Linear(3, 2)
        x = t.tensor([[1.5, -2.0, 0.25]])
        g = t.func.grad(lambda p: t.func.functional_call(m, p, (x,)).sum())(
            dict(m.named_parameters()))
        y = t.arange(6.).reshape(2, 3).requires_grad_()
        out = t.vmap(lambda r: (r * r).sum())(y)
        out.sum().backward()
        return (t.LongTensor([1, 2]).tolist(), t.FloatTensor(2, 3).shape == (2, 3),
                x.type(), t.ones(2).type(t.LongTensor).type(), f"{t.tensor(2.5)}",
                format(t.tensor(1 / 3), ".4f"), isinstance(t.ones(1, dtype=t.float64),
                                                           t.DoubleTensor),
                repr(m.load_state_dict(m.state_dict())), str(t.nn.Parameter(t.ones(1)))[:22],
                repr(t.svd(t.eye(2)))[:26], list(g), out.requires_grad, y.grad.tolist(),
                t.accelerator.is_available(), type(t.return_types.svd).__name__)
    assert program(ft) == program(torch)
    for name in ("vmap", "functional", "profiler", "accelerator", "onnx"):
        assert hasattr(ft, name) and hasattr(torch, name)
    assert hasattr(importlib.import_module("funcgrad.torch.autograd"), "profiler")
