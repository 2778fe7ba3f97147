"""funcgrad.torch refuses what PyTorch refuses, with PyTorch's exception and first line.

Each case is a program of the library module `T`: it runs on funcgrad.torch against the
message written out (so the test stands without PyTorch) and, when installed, on PyTorch too.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcgrad.torch as ft


def _leaf(T, *shape, dtype=None):
    return T.zeros(*shape, dtype=dtype, requires_grad=True)


def _assign_grad(tensor, grad):
    tensor.grad = grad
    return tensor.grad


_GRAD_DTYPE_TAIL = (" The gradient must match the tensor's grad_dtype (defaults to the tensor's "
                    "dtype). You can set the tensor's grad_dtype attribute with a specific dtype, "
                    "or None to allow any dtype.")

GRAD_CASES = [
    (lambda T: _assign_grad(_leaf(T, 2, 3), T.ones(3, 2)), RuntimeError,
     "attempting to assign a gradient of size '[3, 2]' to a tensor of size '[2, 3]'. Please "
     "ensure that the gradient and the tensor are the same size"),
    (lambda T: _assign_grad(_leaf(T, 2, 3), T.ones(1, 3)), RuntimeError,
     "attempting to assign a gradient of size '[1, 3]' to a tensor of size '[2, 3]'."),
    (lambda T: _assign_grad(T.zeros(2, 3) * 2, T.ones(3)), RuntimeError,
     "attempting to assign a gradient of size '[3]' to a tensor of size '[2, 3]'."),
    (lambda T: _assign_grad(_leaf(T, 2, 3), T.ones(2, 3, dtype=T.float64)), RuntimeError,
     "attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'."
     + _GRAD_DTYPE_TAIL),
    (lambda T: _assign_grad(_leaf(T, 2, dtype=T.float64), T.ones(2)), RuntimeError,
     "attempting to assign a gradient with dtype 'float' to a tensor with grad_dtype 'Double'."),
    (lambda T: _assign_grad(_leaf(T, 2), T.ones(2, dtype=T.int64)), RuntimeError,
     "attempting to assign a gradient with dtype 'long int' to a tensor with grad_dtype 'Float'."),
    (lambda T: _assign_grad(_leaf(T, 2), T.ones(2, dtype=T.float16)), RuntimeError,
     "attempting to assign a gradient with dtype 'c10::Half' to a tensor with grad_dtype "
     "'Float'."),
    (lambda T: _assign_grad(_leaf(T, 2, dtype=T.complex64), T.ones(2)), RuntimeError,
     "attempting to assign a gradient with dtype 'float' to a tensor with grad_dtype "
     "'ComplexFloat'."),
    (lambda T: _assign_grad(T.zeros(2, dtype=T.int64), T.ones(2)), RuntimeError,
     "attempting to assign a gradient with dtype 'float' to a tensor with grad_dtype 'Long'."),
    (lambda T: _assign_grad(_leaf(T, 2, 3), np.ones((2, 3), np.float32)), TypeError,
     "assigned grad expected to be a Tensor or None but got grad of type numpy.ndarray"),
    (lambda T: _assign_grad(_leaf(T, 2), 1.0), TypeError,
     "assigned grad expected to be a Tensor or None but got grad of type float"),
    (lambda T: _assign_grad(_leaf(T, 2), [1.0, 2.0]), TypeError,
     "assigned grad expected to be a Tensor or None but got grad of type list"),
    (lambda T: setattr(T.zeros(2, requires_grad=True) * 2, "grad_dtype", T.float64),
     RuntimeError, "grad_dtype can only be set on leaf tensors."),
    (lambda T: setattr(_leaf(T, 2), "grad_dtype", "float64"), RuntimeError,
     "grad_dtype must be a torch.dtype or None, but got str"),
]


def _refusal(program, T):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            program(T)
        except Exception as err:  # noqa: BLE001 - the exception is what is compared
            return type(err), str(err)
    return None, None


def _check(program, kind, message, T):
    got_kind, got_message = _refusal(program, T)
    assert got_kind is kind, (got_kind, got_message)
    assert got_message.startswith(message), got_message


CASES = GRAD_CASES
IDS = [c[2][:50] for c in CASES]


@pytest.mark.parametrize("program, kind, message", CASES, ids=IDS)
def test_funcgrad_refuses_with_pytorchs_message(program, kind, message):
    _check(program, kind, message, ft)


@pytest.mark.torch
@pytest.mark.parametrize("program, kind, message", CASES, ids=IDS)
def test_pytorch_refuses_the_same_way(program, kind, message):
    _check(program, kind, message, pytest.importorskip("torch"))


# -- what stays allowed ----------------------------------------------------------------------

def test_a_gradient_of_the_right_size_and_dtype_is_kept_as_is():
    x = _leaf(ft, 2, 3)
    g = ft.ones(2, 3)
    x.grad = g
    assert x.grad is g
    x.grad = None
    assert x.grad is None
    y = ft.zeros(2, dtype=ft.int64)  # integer tensors may hold an integer gradient
    y.grad = ft.ones(2, dtype=ft.int64)
    assert y.grad.tolist() == [1, 1]


def test_grad_dtype_decides_what_backward_accumulates_and_what_may_be_assigned():
    x = ft.ones(2, requires_grad=True)
    assert x.grad_dtype == ft.float32
    x.grad_dtype = ft.float64
    (x * 2).sum().backward()
    assert x.grad.dtype == ft.float64 and x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    x.grad_dtype = None  # any dtype may be assigned
    x.grad = ft.ones(2, dtype=ft.float16)
    assert x.grad_dtype is None and x.grad.dtype == ft.float16
    with pytest.raises(RuntimeError, match="Cannot set grad_dtype to 'Float' because there is "
                                           "already a gradient with dtype 'c10::Half'"):
        x.grad_dtype = ft.float32
