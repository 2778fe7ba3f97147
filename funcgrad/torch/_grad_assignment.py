"""What `tensor.grad = g` and `tensor.grad_dtype = d` accept, as PyTorch checks them.

A gradient must be a tensor (or None) of the tensor's size and of its `grad_dtype` (the tensor's
own dtype unless set; None allows any). PyTorch's messages name dtypes by their C++ types.
"""
from __future__ import annotations

from funcgrad.torch import _dtype
from funcgrad.torch._dtype_names import cpp_name, scalar_type_name


def wanted_dtype(tensor):
    """The dtype a gradient of `tensor` must have, or None when any is allowed. (The tensor
    keeps None for its own dtype, else a 1-tuple: (dtype,), or (None,) for any.)"""
    override = tensor._grad_dtype
    return tensor._data.dtype if override is None else override[0]


def check_assigned_grad(tensor, grad, tensor_type):
    """Raise PyTorch's error when `grad` cannot be `tensor`'s gradient."""
    if grad is None:
        return
    if not isinstance(grad, tensor_type):
        from funcgrad.torch._namespace import typename
        raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                        f"{typename(grad)}")
    wanted = wanted_dtype(tensor)
    got = grad._data.dtype
    if wanted is not None and got != wanted:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{cpp_name(got)}' to a tensor "
            f"with grad_dtype '{scalar_type_name(wanted)}'. The gradient must match the "
            "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
            "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
            "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may "
            "break downstream systems that assume they match.")
    if tuple(grad.shape) != tuple(tensor.shape):
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(grad.shape)}' to a tensor of size "
            f"'{list(tensor.shape)}'. Please ensure that the gradient and the tensor are the "
            "same size")


def checked_grad_dtype(tensor, value):
    """The value to store for `tensor.grad_dtype = value` (PyTorch's checks)."""
    if tensor._grad_fn is not None:
        raise RuntimeError("grad_dtype can only be set on leaf tensors.")
    if value is not None and not isinstance(value, _dtype.dtype):
        raise RuntimeError(f"grad_dtype must be a torch.dtype or None, but got "
                           f"{type(value).__name__}")
    new = None if value is None else value.dtype
    grad = tensor._grad
    if grad is not None and new is not None and grad._data.dtype != new:
        raise RuntimeError(
            f"Cannot set grad_dtype to '{scalar_type_name(new)}' because there is already a "
            f"gradient with dtype '{cpp_name(grad._data.dtype)}'. Please clear the "
            "gradient (.grad = None) before changing grad_dtype, or ensure the new grad_dtype "
            "matches the existing gradient's dtype.")
    return None if new is not None and new == tensor._data.dtype else (new,)
