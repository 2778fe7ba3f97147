"""The torch layer's error messages: PyTorch's own wording first (users search for it), then
which tensor it is about and what to do instead."""
from __future__ import annotations

import re

from funcgrad.errors import where


def tensor_type_name(tensor) -> str:
    """'torch.FloatTensor [3, 2]', as PyTorch names a tensor in its messages."""
    kinds = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
             "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    kind = kinds.get(str(tensor.dtype).replace("torch.", ""), "")
    return f"torch.{kind}Tensor [{', '.join(map(str, tensor.shape))}]"


def second_backward_error(node) -> str:
    return (
        "Trying to backward through the graph a second time (or directly access saved tensors "
        "after they have already been freed). Saved intermediate values of the graph are freed "
        "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
        "backward through the graph a second time or if you need to access saved tensors after "
        f"calling backward.\n[funcgrad] The graph was freed at its {type(node).__name__} node"
        f"{where()}. If you meant to combine several losses, sum them and call backward() once; "
        "if you recompute the loss each step, build it again inside the loop instead of keeping "
        "an old one; use retain_graph=True only when you really backpropagate the same graph twice.")


def _op_name(node) -> str:
    """'Exp' for ExpBackward0: how PyTorch names the op that made a tensor in this message."""
    return re.sub(r"Backward\d*$", "", type(node).__name__)


def modified_inplace_error(tensor, node, expected, current=None) -> str:
    if tensor is not None:
        current = tensor._counter[0]
        producer = tensor._grad_fn
        made = f", which is output 0 of {_op_name(producer)}" if producer is not None else ""
        what = f"[{tensor_type_name(tensor)}]{made}"
    elif node.answer is not None and hasattr(node.answer, "shape"):
        shape = ", ".join(map(str, node.answer.shape))
        kind = tensor_type_name(_Described(node.answer)).split(" ")[0]
        what = f"[{kind} [{shape}]], which is output 0 of {_op_name(node)}"
    else:
        what = f"[the output of {_op_name(node)}]"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {what}, is at version {current}; expected version {expected} instead. "
        "Hint: enable anomaly detection to find the operation that failed to compute its "
        "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
        f"\n[funcgrad] {type(node).__name__} saved this tensor to compute its gradient "
        f"and it was changed afterwards{where()}. Use the out-of-place form (x = x + 1 instead "
        "of x += 1 or x.add_(1)), or .clone() the tensor before modifying it.")


class _Described:
    """An array seen as a tensor by `tensor_type_name` (its dtype and shape)."""

    def __init__(self, array):
        self.dtype = array.dtype
        self.shape = array.shape


def scalar_only_error(tensor) -> str:
    return (
        "grad can be implicitly created only for scalar outputs\n"
        f"[funcgrad] backward() was called on a tensor of shape {tuple(tensor.shape)}{where()}. "
        "Reduce it to a scalar first (loss.sum() or loss.mean()), or pass the gradient of the "
        "output explicitly: out.backward(torch.ones_like(out)).")


def no_grad_fn_error(tensor) -> str:
    return (
        "element 0 of tensors does not require grad and does not have a grad_fn\n"
        f"[funcgrad] the tensor of shape {tuple(tensor.shape)} given to backward/grad is not "
        f"connected to any tensor that requires grad{where()}. Check that the parameters have "
        "requires_grad=True, that it was not computed under torch.no_grad(), and that nothing "
        "called .detach(), .item() or .numpy() on the way. Setting requires_grad=True on the "
        "loss itself makes backward run but trains nothing.")


def leaf_inplace_error(tensor) -> str:
    return (
        "a leaf Variable that requires grad is being used in an in-place operation.\n"
        f"[funcgrad] the leaf has shape {tuple(tensor.shape)}{where()}. To update parameters "
        "by hand, do it inside `with torch.no_grad():`; otherwise use the out-of-place form.")


def op_error(primitive, args, err):
    """The exception PyTorch raises for inputs an op rejects, worded as PyTorch words it."""
    shapes = [tuple(getattr(a, "shape", ())) for a in args]
    note = (f"\n[funcgrad] {primitive.name} got shapes {', '.join(map(str, shapes))}{where()}: "
            f"{err}")
    if isinstance(err, IndexError):
        return IndexError(f"{str(err).replace('for axis', 'for dimension')}{note}")
    if primitive.name == "matmul" and len(shapes) == 2 and all(len(s) >= 1 for s in shapes):
        a, b = shapes
        if len(a) == 2 and len(b) == 2:
            return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and "
                                f"{b[0]}x{b[1]}){note}")
        return RuntimeError(f"size mismatch, got input {a}, other {b}{note}")
    mismatch = _broadcast_mismatch(shapes)
    if mismatch is not None:
        i, n, m = mismatch
        return RuntimeError(f"The size of tensor a ({n}) must match the size of tensor b ({m}) "
                            f"at non-singleton dimension {i}{note}")
    return RuntimeError(f"{primitive.name}: {err}{note}")


def _broadcast_mismatch(shapes):
    """(dimension, size a, size b) of the first pair of shapes that do not broadcast."""
    for k, a in enumerate(shapes):
        for b in shapes[k + 1:]:
            rank = max(len(a), len(b))
            a2, b2 = (1,) * (rank - len(a)) + a, (1,) * (rank - len(b)) + b
            for i, (n, m) in enumerate(zip(a2, b2)):
                if n != m and n != 1 and m != 1:
                    return i, n, m
    return None


SCALAR_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half", "int64": "long",
                     "int32": "int", "int16": "short", "int8": "signed char",
                     "uint8": "unsigned char", "bool": "bool", "complex64": "complex<float>",
                     "complex128": "complex<double>"}


def view_inplace_error(tensor) -> str:
    return (
        "funcgrad.torch does not record in-place operations on views (results of view, "
        "indexing, transpose, expand or detach) while gradients are recorded: the change would "
        f"not reach the tensor it views. The view has shape {tuple(tensor.shape)}{where()}. "
        "Use the out-of-place form (y = y * 2), assign through the base tensor "
        "(base[index] = value), or .clone() the view first.")


def check_dim(dim, ndim) -> int:
    """dim made non-negative, or PyTorch's IndexError for a dimension out of range."""
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-size}, "
                         f"{size - 1}], but got {dim})")
    return dim % size


def matmul_shape_error(left, right, shapes=None) -> str:
    note = "" if shapes is None else (
        f"\n[funcgrad] got shapes {shapes[0]} and {shapes[1]}{where()}: the last dimension of "
        "the first must equal the first (or next to last) of the second.")
    return (f"mat1 and mat2 shapes cannot be multiplied ({left[0]}x{left[1]} and "
            f"{right[0]}x{right[1]}){note}")
