"""Kernels that refuse operands of different dtypes, as PyTorch's do (CPU).

Elementwise ops promote (`float32 + float64` is float64), but PyTorch's products, convolutions,
normalisations and attention run one kernel for one dtype: `nn.Linear` (float32) called on
float64 input raises `mat1 and mat2 must have the same dtype, but got Double and Float`. Each
check here raises the error the kernel PyTorch reaches would raise, with its words (which
name dtypes in three styles: see `_dtype_names`). Operands that are not tensors are left to
the op. A check costs one dtype comparison when the dtypes agree.
"""
from __future__ import annotations

import numpy as np

from funcgrad.torch._dtype_names import cpp_name, legacy_type_name, scalar_type_name as st

_REDUCED_FLOATS = ("float16",)  # inputs a CPU normalisation may take with float32 parameters


def _dtypes(*tensors):
    return [None if t is None else getattr(getattr(t, "_data", None), "dtype", None)
            for t in tensors]


def _differ(*dtypes):
    known = [d for d in dtypes if d is not None]
    return any(d != known[0] for d in known[1:])


# -- products ---------------------------------------------------------------------------------

def check_mm(a, b):
    da, db = _dtypes(a, b)
    if _differ(da, db):
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{cpp_name(da)} != {cpp_name(db)}")


def check_mv(mat, vec):
    dm, dv = _dtypes(mat, vec)
    if _differ(dm, dv):  # (mv is addmv into an output of the vector's dtype)
        raise RuntimeError("addmv input tensors must have the same dtype, but got "
                           f"{st(dv)}, {st(dm)}, and {st(dv)}")


def check_dot(a, b):
    da, db = _dtypes(a, b)
    if _differ(da, db):
        raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                           f"{st(da)} and {st(db)}")


def check_bmm(a, b):
    da, db = _dtypes(a, b)
    if _differ(da, db):
        raise RuntimeError(f"expected scalar type {st(da)} but found {st(db)}")


def check_matmul(a, b):
    """matmul reaches dot, mv, mm or bmm by its operands' ranks, and each refuses in its words."""
    da, db = _dtypes(a, b)
    if not _differ(da, db):
        return
    left, right = a._data.ndim, b._data.ndim
    if left == 1 and right == 1:
        check_dot(a, b)
    elif right == 1:
        check_mv(a, b)
    elif right == 2:
        check_mm(a, b)
    else:
        check_bmm(a, b)


def check_same_inputs(a, b):
    """inner and tensordot."""
    if _differ(*_dtypes(a, b)) and a._data.ndim and b._data.ndim:
        raise RuntimeError("both inputs should have same dtype")


def check_addmm(input, mat1, mat2):
    """addmm and addbmm (and linear with a bias: addmm(bias, input, weight.T))."""
    di, d1, d2 = _dtypes(input, mat1, mat2)
    if _differ(di, d2):
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {st(di)} and {st(d2)}")
    if _differ(d1, d2):
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {st(d1)} and {st(d2)}")


def check_addmv(input, mat, vec):
    dtypes = _dtypes(input, mat, vec)
    if _differ(*dtypes):
        raise RuntimeError("addmv input tensors must have the same dtype, but got "
                           f"{st(dtypes[0])}, {st(dtypes[1])}, and {st(dtypes[2])}")


def check_baddbmm(input, batch1, batch2):
    di, d1, d2 = _dtypes(input, batch1, batch2)
    if not _differ(di, d1, d2):
        return
    if di == d1:
        raise RuntimeError(f"expected scalar type {st(di)} but found {st(d2)}")
    raise RuntimeError(f"Input dtypes must be the same, got: input {cpp_name(di)}, batch1: "
                       f"{cpp_name(d1)}, batch2: {cpp_name(d2)}")


def check_solve(a, b):
    da, db = _dtypes(a, b)
    if _differ(da, db):
        raise RuntimeError("linalg.solve: Expected A and B to have the same dtype, but found A of "
                           f"type {st(da)} and B of type {st(db)} instead")


def check_linear(input, weight, bias):
    if bias is None:
        check_mm(input, weight)
    else:
        check_addmm(bias, input, weight)


def check_bilinear(input1, input2, weight, bias):
    dtypes = _dtypes(input1, input2, weight, bias)
    if _differ(*dtypes):
        names = ["input1", "input2", "weight", "bias"]
        parts = ", ".join(f"{n}: {cpp_name(d)}" for n, d in zip(names, dtypes) if d is not None)
        raise RuntimeError(f"All tensors must have the same dtype, got {parts}")


def check_einsum(equation, operands):
    """einsum contracts through bmm when an index is summed across operands (else it
    promotes): the first two operands whose dtypes differ are named."""
    dtypes = _dtypes(*operands)
    if not _differ(*dtypes) or len(operands) < 2:
        return
    inputs, _, output = equation.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if "->" not in equation:
        output = "".join(sorted(c for c in set(inputs) if c.isalpha() and inputs.count(c) == 1))
    summed = {c for c in set(inputs) if c.isalpha() and c not in output
              and sum(c in term for term in terms) > 1}
    if summed:
        first = next(d for d in dtypes if d is not None)
        other = next(d for d in dtypes if d is not None and d != first)
        raise RuntimeError(f"expected scalar type {st(first)} but found {st(other)}")


# -- convolutions -----------------------------------------------------------------------------

def _weight_type_error(dx, dw, dense=True):
    tail = " or input should be a MKLDNN tensor and weight is a dense tensor" if dense else ""
    return RuntimeError(f"Input type ({legacy_type_name(dx)}) and weight type "
                        f"({legacy_type_name(dw)}) should be the same{tail}")


def _check_conv_weight(dx, dw):
    if dx.name == "float16":
        raise _weight_type_error(dx, dw)
    if dx.kind == "c":
        raise _weight_type_error(dx, dw, dense=False)
    raise RuntimeError(f"expected scalar type {st(dx)} but found {st(dw)}")


def check_conv(input, weight, bias=None):
    """conv1d/2d/3d: the bias is checked first, then the weight."""
    dx, dw, db = _dtypes(input, weight, bias)
    if dx is None or dw is None:
        return  # (not tensors: the op explains)
    if db is not None and db != dx:
        raise RuntimeError(f"Input type ({cpp_name(dx)}) and bias type ({cpp_name(db)}) should "
                           "be the same")
    if dw != dx:
        _check_conv_weight(dx, dw)


def check_conv_transpose(input, weight, bias=None):
    """conv_transpose1d/2d: the weight is checked first; then a bias of another dtype is
    refused for half or complex input, else added in the input's dtype when it casts to it."""
    dx, dw, db = _dtypes(input, weight, bias)
    if dx is None or dw is None:
        return
    if dw != dx:
        _check_conv_weight(dx, dw)
    if db is None or db == dx:
        return
    if dx.name == "float16" or dx.kind == "c":
        tail = " or input should be a MKLDNN tensor and bias is a dense tensor" \
            if dx.kind != "c" else ""
        raise RuntimeError(f"Input type ({legacy_type_name(dx)}) and bias type "
                           f"({legacy_type_name(db)}) should be the same{tail}")
    if _CATEGORY[db.kind] > _CATEGORY[dx.kind]:  # the sum's type would not cast back
        result = db if dx.kind != "f" or db.itemsize >= 2 * dx.itemsize else \
            np.dtype(f"complex{16 * dx.itemsize}")  # complex64 + float64 is complex128
        raise RuntimeError(f"result type {st(result)} can't be cast to the desired output type "
                           f"{st(dx)}")


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


# -- normalisations, activations, attention, recurrent layers ---------------------------------

# the kernel that refuses an input of a dtype it was not built for
_NORM_KERNELS = {"layer_norm": "LayerNormKernelImpl", "group_norm": "GroupNormKernelImpl",
                 "batch_norm": "batch_norm"}


def check_norm(input, *parameters, name="batch_norm"):
    """layer_norm, group_norm, batch_norm, instance_norm on the CPU. The first parameter decides:
    of the input's dtype, the kernel runs in it and refuses any other; of another dtype, it is
    the mixed kernel, which takes float32 parameters with a float16 input only."""
    dx = _dtypes(input)[0]
    dtypes = [d for d in _dtypes(*parameters) if d is not None]
    if dx is None or not dtypes or not any(d != dx for d in dtypes):
        return
    if name == "batch_norm" and dx.kind != "f":
        raise NotImplementedError(f"\"batch_norm\" not implemented for '{st(dx)}'")
    if dtypes[0] == dx:
        if dx.kind != "f":
            raise NotImplementedError(f"\"{_NORM_KERNELS[name]}\" not implemented for "
                                      f"'{st(dx)}'")
        other = next(d for d in dtypes if d != dx)
        raise RuntimeError(f"expected scalar type {st(dx)} but found {st(other)}")
    if any(d.name != "float32" for d in dtypes):
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    if dx.name not in _REDUCED_FLOATS:
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def check_prelu(input, weight):
    dx, dw = _dtypes(input, weight)
    if _differ(dx, dw):
        raise RuntimeError(f"prelu: Type promoting not supported. Got {st(dx)} and {st(dw)}")


def check_attention(query, key, value):
    dq, dk, dv = _dtypes(query, key, value)
    if _differ(dq, dk, dv):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {cpp_name(dq)} key.dtype: {cpp_name(dk)} and "
                           f"value.dtype: {cpp_name(dv)} instead.")


def check_rnn_input(input, weight):
    """nn.RNN/LSTM/GRU compare the input's dtype with their weights' before running."""
    dx, dw = _dtypes(input, weight)
    if _differ(dx, dw):
        from funcgrad.torch._dtype import to_torch
        x, w = to_torch(dx), to_torch(dw)
        raise ValueError(f"RNN input dtype ({x}) does not match weight dtype ({w}). Convert "
                         f"input: input.to({w}), or convert model: model.to({x})")
