"""Type promotion of binary operations as PyTorch's: zero-dimensional tensors count only when
of a higher category, float16 is not widened by integers, bools promote to the other type."""
from __future__ import annotations

import importlib.util
import itertools
import warnings

import pytest

import funcgrad.torch as ft

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _result(T, left, op, right, zero_dim):
    x = T.tensor([3, 2], dtype=getattr(T, left))
    y = T.tensor(3, dtype=getattr(T, right)) if zero_dim else T.tensor([3, 2], dtype=getattr(T, right))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return str(eval(f"x {op} y").dtype).replace("torch.", "")
        except Exception:  # noqa: BLE001 - an op PyTorch refuses for these dtypes
            return "error"


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="compares against PyTorch")
@pytest.mark.parametrize("left", DTYPES)
def test_binary_promotion_matches_pytorch(left):
    import torch
    for right, op, zero_dim in itertools.product(DTYPES, ["+", "*", "/", "//"], [False, True]):
        theirs = _result(torch, left, op, right, zero_dim)
        if theirs != "error":
            assert _result(ft, left, op, right, zero_dim) == theirs, (left, op, right, zero_dim)


@pytest.mark.parametrize("left, op, right, zero_dim, expected", [
    ("uint8", "+", "int64", True, "uint8"), ("uint8", "+", "int8", False, "int16"),
    ("int32", "*", "float16", False, "float16"), ("float32", "+", "float64", True, "float32"),
    ("float32", "+", "float64", False, "float64"), ("int64", "+", "float16", True, "float16"),
    ("bool", "+", "int8", False, "int8"), ("int64", "/", "int64", False, "float32"),
])
def test_binary_promotion_without_pytorch(left, op, right, zero_dim, expected):
    assert _result(ft, left, op, right, zero_dim) == expected


UNARY = ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "abs", "neg", "floor", "sum", "prod",
         "cumsum(0)", "softmax(0)", "relu", "erf", "lerp(x, 0.5)"]
WHERE = ["T.where(x > 1, x, 0.5)", "T.where(x > 1, x, 0)", "T.where(x > 1, x, T.tensor(0.5))",
         "T.zeros_like(x) + 0.5", "T.cat([x, T.tensor([1.0])])"]


def _unary(T, dtype, expression):
    x = T.tensor([1, 2], dtype=getattr(T, dtype))
    source = expression if expression.startswith("T.") else (
        f"x.{expression}" if "(" in expression else f"x.{expression}()")
    try:
        return str(eval(source).dtype).replace("torch.", "")
    except Exception:  # noqa: BLE001 - an op PyTorch refuses for this dtype
        return "error"


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="compares against PyTorch")
@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_and_where_dtypes_match_pytorch(dtype):
    import torch
    for expression in UNARY + WHERE:
        theirs = _unary(torch, dtype, expression)
        if theirs != "error":
            assert _unary(ft, dtype, expression) == theirs, (dtype, expression)


def test_integer_inputs_give_the_default_float_without_pytorch():
    assert _unary(ft, "uint8", "exp") == "float32" and _unary(ft, "bool", "sqrt") == "float32"
    assert _unary(ft, "float16", "T.where(x > 1, x, T.tensor(0.5))") == "float16"


_NEEDS_TORCH = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                  reason="compares against PyTorch")


@_NEEDS_TORCH
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int64"])
@pytest.mark.parametrize("name", ["sin", "exp", "tanh", "log1p", "sqrt", "asinh"])
def test_float_functions_of_bools_and_small_integers_compute_in_the_default_float(name, dtype):
    # NumPy computes them in float16: casting that to float32 kept float16's rounding
    import numpy as np
    import torch
    values = [True, False, True] if dtype == "bool" else [1, 0, 3]
    ours = getattr(ft, name)(ft.tensor(values, dtype=getattr(ft, dtype)))
    theirs = getattr(torch, name)(torch.tensor(values, dtype=getattr(torch, dtype)))
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)  # float16: 1e-4 off


@_NEEDS_TORCH
def test_nansum_of_integers_keeps_their_dtype_and_logit_gradient_outside_0_1_is_nan():
    import numpy as np
    import torch
    for T in (ft, torch):
        assert str(T.nansum(T.tensor([1, 2, 3])).dtype).endswith("int64")
    grads = []
    for T in (ft, torch):
        x = T.tensor([-0.5, 0.3, 1.5, 0.0, 1.0], requires_grad=True)
        with np.errstate(divide="ignore", invalid="ignore"):  # NumPy's log(0), log(-0.5)
            T.logit(x).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)
    assert np.isnan(grads[0][[0, 2]]).all() and np.isinf(grads[0][[3, 4]]).all()
