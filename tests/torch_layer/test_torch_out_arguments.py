"""out= arguments (issue 16): written into the given tensor's memory, resized as PyTorch does,
refused for inputs that require grad. By value, and against PyTorch where it is installed."""
from __future__ import annotations

import warnings

import pytest

import funcgrad.torch as ft


def test_out_receives_the_answer_in_its_own_memory():
    x, y = ft.ones(2), ft.tensor([1.0, 2.0])
    result = ft.empty(2)
    view = result[1:]
    assert ft.add(x, y, out=result) is result
    assert result.tolist() == [2.0, 3.0] and view.tolist() == [3.0]
    c = ft.zeros(2, 2)
    ft.matmul(ft.eye(2), ft.full((2, 2), 3.0), out=c)
    assert c.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    s = ft.empty(2)
    ft.sum(ft.ones(2, 3), 1, out=s)
    assert s.tolist() == [3.0, 3.0]
    ft.add(x, y, out=x)  # out may be an input
    assert x.tolist() == [2.0, 3.0]


def test_an_out_of_another_shape_is_resized_with_pytorchs_warning():
    c = ft.empty(3)
    with pytest.warns(UserWarning, match="resized since it had shape \\[3\\]"):
        ft.matmul(ft.ones(2, 2), ft.ones(2, 2), out=c)
    assert tuple(c.shape) == (2, 2) and c.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    e = ft.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty out is resized silently
        ft.mul(ft.ones(3), 2, out=e)
    assert e.tolist() == [2.0, 2.0, 2.0]


def test_out_keeps_its_dtype_and_refuses_a_narrowing_cast():
    out = ft.zeros(2, dtype=ft.float64)
    ft.add(ft.tensor([1, 2]), 1, out=out)
    assert out.dtype == ft.float64 and out.tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        ft.add(ft.ones(2), 1, out=ft.zeros(2, dtype=ft.long))


def test_out_is_refused_when_an_input_requires_grad():
    w = ft.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="add\\(\\): functions with out=... arguments don't "
                                           "support automatic differentiation"):
        ft.add(w, 1, out=ft.empty(2))
    with ft.no_grad():
        out = ft.empty(2)
        ft.add(w, 1, out=out)
    assert out.tolist() == [2.0, 2.0] and not out.requires_grad


def test_several_results_go_into_a_tuple_of_outs():
    values, indices = ft.empty(2), ft.empty(2, dtype=ft.long)
    got = ft.max(ft.tensor([[1.0, 5.0], [7.0, 2.0]]), 1, out=(values, indices))
    assert got.values is values and values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert ft.cat([ft.ones(1), ft.zeros(1)], out=ft.empty(2)).tolist() == [1.0, 0.0]
    assert ft.arange(3, out=ft.empty(3)).tolist() == [0.0, 1.0, 2.0]


@pytest.mark.torch
def test_out_matches_pytorch():
    torch = pytest.importorskip("torch")

    def program(t):
        a, b = t.tensor([[1.0, 2.0], [3.0, 4.0]]), t.tensor([[0.5, -1.0], [2.0, 0.0]])
        outs = [t.empty(2, 2) for _ in range(5)]
        t.add(a, b, alpha=2, out=outs[0])
        t.matmul(a, b, out=outs[1])
        t.mul(a, 3, out=outs[2])
        t.neg(b, out=outs[3])
        t.clamp(a, 1.5, 3.5, out=outs[4])
        s = t.empty(0)
        t.sum(a, 0, out=s)
        v, i = t.empty(2), t.empty(2, dtype=t.long)
        t.max(a, 1, out=(v, i))
        results = [o.tolist() for o in outs] + [s.tolist(), v.tolist(), i.tolist()]
        w = t.ones(2, requires_grad=True)
        try:
            t.mul(w, 2, out=t.empty(2))
        except RuntimeError as err:
            results.append(str(err).splitlines()[0])
        return results
    assert program(ft) == program(torch)
