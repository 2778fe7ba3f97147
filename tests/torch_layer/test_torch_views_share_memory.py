"""Views share memory both ways (issue 16, issue 9 section 7): a write through a view reaches its
base and a write to the base is seen by the view, for every op PyTorch documents as a view
(indexing an element included); ops that are not views never alias their input.

Checked by value (without PyTorch) and, where PyTorch is installed, op by op against it."""
from __future__ import annotations

import importlib

import numpy as np
import pytest

import funcgrad.torch as ft


def _peer():
    return pytest.importorskip("torch")


# -- the silent wrong results of the issue, by value ----------------------------------------------

def test_augmented_assignment_of_an_element_updates_the_tensor():
    v = ft.zeros(3)
    v[1] += 1
    assert v.tolist() == [0.0, 1.0, 0.0]
    m = ft.zeros(2, 2)
    m[0][1] += 1
    m[1, 0] -= 2
    assert m.tolist() == [[0.0, 1.0], [-2.0, 0.0]]


def test_a_confusion_matrix_counts_through_element_views():
    # the tutorial's loop: confusion[i][j] += 1 for each (label, guess) pair
    confusion = ft.zeros(3, 3)
    for i, j in [(0, 0), (1, 2), (1, 2), (2, 1)]:
        confusion[i][j] += 1
    assert confusion.sum().item() == 4.0
    confusion = confusion / confusion.sum(1, keepdim=True)
    assert not ft.isnan(confusion).any()
    assert confusion[1, 2].item() == 1.0


def test_an_element_is_a_view_of_its_tensor():
    v = ft.zeros(3)
    e = v[1]
    e.add_(5)
    assert v.tolist() == [0.0, 5.0, 0.0]
    v.mul_(2)
    assert e.item() == 10.0
    assert e._version == v._version == 2
    for element in v:  # iterating gives views too (unbind)
        element.add_(1)
    assert v.tolist() == [1.0, 11.0, 1.0]


def test_diagonal_is_a_view_both_ways():
    a = ft.zeros(3, 3)
    a.diagonal().add_(1.0)
    assert a.tolist() == np.eye(3).tolist()
    d = a.diagonal(1)
    a.add_(2)
    assert d.tolist() == [2.0, 2.0]
    b = ft.zeros(2, 3, 3)
    b.diagonal(dim1=1, dim2=2)[1].fill_(7)
    assert b[1].tolist() == (7 * np.eye(3)).tolist() and b[0].sum().item() == 0


def test_diag_of_a_matrix_is_a_copy():
    a = ft.zeros(3, 3)
    a.diag().add_(1)
    assert a.sum().item() == 0


def test_unfold_is_a_view_both_ways():
    x = ft.zeros(6)
    windows = x.unfold(0, 2, 2)
    windows[:, 0] = 7
    assert x.tolist() == [7.0, 0.0, 7.0, 0.0, 7.0, 0.0]
    x.add_(1)
    assert windows.tolist() == [[8.0, 1.0]] * 3
    m = ft.arange(12.).reshape(3, 4)
    assert m.unfold(1, 2, 2).tolist() == [[[0, 1], [2, 3]], [[4, 5], [6, 7]], [[8, 9], [10, 11]]]


def test_overlapping_unfold_windows_refuse_in_place_changes():
    x = ft.zeros(5)
    with pytest.raises(RuntimeError, match="more than one element"):
        x.unfold(0, 2, 1).add_(1)
    assert x.tolist() == [0.0] * 5


def test_complex_parts_and_view_as_real_are_views():
    c = ft.zeros(3, dtype=ft.complex64)
    ft.view_as_real(c)[:, 1] = 1
    c.real.add_(3)
    c.imag.mul_(2)
    assert c.tolist() == [3 + 2j] * 3
    f = ft.zeros(2, 2)
    ft.view_as_complex(f).add_(1j)
    assert f.tolist() == [[0.0, 1.0], [0.0, 1.0]]


def test_as_strided_is_a_view():
    x = ft.arange(9.)
    s = x.as_strided((2, 2), (3, 1), 1)
    assert s.tolist() == [[1.0, 2.0], [4.0, 5.0]]
    s.zero_()
    assert x.tolist() == [0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 6.0, 7.0, 8.0]


def test_ops_that_are_not_views_never_alias_their_input():
    for op in (lambda x: x.flip(0), lambda x: x.rot90(), lambda x: x.repeat(1, 1),
               lambda x: x.tile((1,)), lambda x: x.fliplr(), lambda x: x.clone()):
        x = ft.zeros(2, 2)
        op(x).add_(1)
        assert x.sum().item() == 0


def test_writes_through_views_are_recorded_with_the_right_gradient():
    w = ft.ones(3, 3, requires_grad=True)
    y = w * 2
    y.diagonal().mul_(5)
    assert type(y.grad_fn).__name__ == "CopySlices"
    (y * ft.arange(9.).view(3, 3)).sum().backward()
    assert w.grad.tolist() == [[0.0, 2.0, 4.0], [6.0, 40.0, 10.0], [12.0, 14.0, 80.0]]

    w = ft.ones(3, requires_grad=True)
    y = w * 1
    y[1] += 2
    (y * ft.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert y.tolist() == [1.0, 3.0, 1.0] and w.grad.tolist() == [1.0, 2.0, 3.0]


def test_a_view_of_a_leaf_that_requires_grad_refuses_in_place_changes():
    w = ft.ones(3, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        w.diagonal().add_(1)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        w[0, 1] += 1


def test_a_recorded_in_place_change_of_a_base_reaches_its_detached_alias_and_views():
    w = ft.ones(3, requires_grad=True)
    y = w * 1
    alias, element = y.detach(), y[0]
    y.mul_(4)
    assert alias.tolist() == [4.0] * 3 and element.item() == 4.0
    y.sum().backward()
    assert w.grad.tolist() == [4.0] * 3


# -- against PyTorch, op by op ---------------------------------------------------------------------

def _lib(x):
    return ft if isinstance(x, ft.Tensor) else importlib.import_module("torch")


SHARING_OPS = {
    "flip": lambda x: x.flip(0), "roll": lambda x: x.roll(1, 0), "rot90": lambda x: x.rot90(),
    "repeat": lambda x: x.repeat(1, 1), "tile": lambda x: x.tile((1,)),
    "movedim": lambda x: x.movedim(0, 1), "unflatten": lambda x: x.unflatten(1, (2, 2)),
    "flatten": lambda x: x.flatten(), "flatten_one_dim": lambda x: x.flatten(0, 0),
    "squeeze": lambda x: x.squeeze(), "unsqueeze": lambda x: x.unsqueeze(0),
    "t": lambda x: x.t(), "T": lambda x: x.T, "mT": lambda x: x.mT,
    "permute": lambda x: x.permute(1, 0), "transpose": lambda x: x.transpose(0, 1),
    "view": lambda x: x.view(12), "view_as": lambda x: x.view_as(x),
    "reshape": lambda x: x.reshape(12), "ravel": lambda x: x.ravel(),
    "narrow": lambda x: x.narrow(1, 1, 2), "select": lambda x: x.select(0, 1),
    "slice": lambda x: x[1:], "element": lambda x: x[1, 2], "ellipsis": lambda x: x[..., 1],
    "newaxis": lambda x: x[None], "split": lambda x: x.split(2, 1)[1],
    "chunk": lambda x: x.chunk(2, 0)[0], "unbind": lambda x: x.unbind(1)[2],
    "diagonal": lambda x: x.diagonal(), "diag": lambda x: x.diag(),
    "unfold": lambda x: x.unfold(1, 2, 2), "detach": lambda x: x.detach(),
    "swapaxes": lambda x: x.swapaxes(0, 1), "contiguous": lambda x: x.contiguous(),
    "clone": lambda x: x.clone(), "tril": lambda x: x.tril(), "real": lambda x: x.real,
    "sort": lambda x: x.sort()[0], "hsplit": lambda x: x.hsplit(2)[0],
    "tensor_split": lambda x: x.tensor_split(2)[0], "expand_same": lambda x: x.expand(3, 4),
    "as_strided": lambda x: x.as_strided((2, 2), (4, 1), 1), "fliplr": lambda x: x.fliplr(),
    "data": lambda x: x.data, "to_same_dtype": lambda x: x.to(x.dtype),
    "double": lambda x: x.double(), "moveaxis": lambda x: x.moveaxis(0, 1),
    "atleast_2d": lambda x: _lib(x).atleast_2d(x), "stack": lambda x: _lib(x).stack([x])[0],
    "cat": lambda x: _lib(x).cat([x]), "reshape_as": lambda x: x.reshape_as(x),
}


def _sharing(lib, op, grad):
    """What x (or y = x * 1 when recording) holds after op(...) is changed in place, and the
    gradient that reaches x."""
    x = lib.arange(12.).reshape(3, 4)
    if not grad:
        with lib.no_grad():
            op(x).add_(100)
        return x.tolist()
    x.requires_grad_()
    y = x * 1
    op(y).mul_(3)
    (y * (lib.arange(12.).reshape(3, 4) + 1)).sum().backward()
    return y.tolist(), x.grad.tolist(), type(y.grad_fn).__name__


@pytest.mark.torch
@pytest.mark.parametrize("grad", [False, True], ids=["no_grad", "recorded"])
@pytest.mark.parametrize("name", sorted(SHARING_OPS))
def test_views_and_copies_match_pytorch(name, grad):
    torch = _peer()
    op = SHARING_OPS[name]
    assert _outcome(ft, op, grad) == _outcome(torch, op, grad)


def _outcome(lib, op, grad):
    try:
        return _sharing(lib, op, grad)
    except RuntimeError as err:  # the same refusal (several-view outputs, say) counts as agreeing
        return "RuntimeError", str(err).split(".")[0]


@pytest.mark.torch
def test_element_views_match_pytorch():
    torch = _peer()

    def program(t):
        v = t.zeros(4)
        v[1] += 1
        e = v[2]
        e.add_(5)
        m = t.zeros(2, 3)
        m[0][1] += 1
        m.diagonal().add_(2)
        w = t.ones(3, requires_grad=True)
        y = w * 1
        y[1] *= 3
        y[2] += y[1]
        y.sum().backward()
        return v.tolist(), e.item(), m.tolist(), y.tolist(), w.grad.tolist(), e._version
    assert program(ft) == program(torch)
