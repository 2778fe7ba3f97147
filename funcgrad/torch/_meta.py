"""The meta device: tensors with a shape and a dtype and no data (PyTorch's `device="meta"`).

A meta tensor's data is a `MetaArray`, a tracer owned by `meta_interpreter`, whose level is
below every transform's (0.5: transforms count from 1). A primitive applied to it is answered
by the primitive's own shape rule (`Primitive.shape_rule`: shapes and dtypes in, shapes and
dtypes out), so nothing is computed and nothing is allocated: a `(2**10, 3, 2**16, 2**16)`
convolution answers at once. What needs values (`item()`, `bool()`, `numpy()`, `tolist()`,
copying to the CPU) raises PyTorch's errors.

A few primitives' shape rules run the kernel on zeros of the input shapes (`by_evaluation`:
convolution, pooling, linear, einsum, indexing; matmul and concatenate on empty arrays; linear
algebra on identities); for meta inputs their output shapes are
computed here from the parameters (`_SHAPES`), and any other rule of that kind is run only on
inputs small enough to allocate (below `_EVALUATION_LIMIT` elements), else refused by name.
"""
from __future__ import annotations

import threading

import numpy as np

from funcgrad.core.primitive import ShapedArray
from funcgrad.core.tracer import Interpreter, Tracer

_EVALUATION_LIMIT = 1 << 20  # elements a kernel-evaluating shape rule may allocate


class MetaInterpreter(Interpreter):
    """Applies a primitive to meta arrays through its shape rule."""

    __slots__ = ()

    def process(self, primitive, args, params):
        avals = _avals(args)
        rule = _SHAPES.get(primitive.name)
        if rule is not None:
            out = rule(*avals, **params)
        else:
            if _evaluates_kernel(primitive.shape_rule) and \
                    sum(a.size for a in avals) > _EVALUATION_LIMIT:
                raise NotImplementedError(
                    f"{primitive.name}: attempted to run this operator with Meta tensors, but "
                    "there was no shape rule that works without data\n[funcgrad] the shape rule "
                    f"of {primitive.name} evaluates the operation on zeros of the input shapes "
                    f"({', '.join(str(a.shape) for a in avals)}), too large to allocate; use "
                    "smaller meta tensors, or real ones")
            out = primitive.shape_rule(*avals, **params)
        if primitive.multiple_results:
            return [MetaArray(o.shape, o.dtype) for o in out]
        return MetaArray(out.shape, out.dtype)

    def concretize(self, tracer):
        raise RuntimeError("Tensor.item() cannot be called on meta tensors")

    def describe_level(self) -> str:
        return "the meta device"


meta_interpreter = MetaInterpreter()
meta_interpreter.level = 0.5  # below every transform (their levels count from 1)


class MetaArray(Tracer):
    """An array's shape and dtype, without its data: what a meta tensor holds."""

    __slots__ = ("aval",)

    def __init__(self, shape, dtype):
        self._owner = meta_interpreter
        self.aval = ShapedArray(tuple(int(s) for s in shape), dtype)

    @property
    def value(self):
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")

    @property
    def shape(self) -> tuple:
        return self.aval.shape

    @property
    def dtype(self):
        return self.aval.dtype

    @property
    def ndim(self) -> int:
        return len(self.aval.shape)

    @property
    def size(self) -> int:
        return self.aval.size

    def astype(self, dtype, copy=True):
        return MetaArray(self.aval.shape, dtype)

    def tolist(self):
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")

    def __repr__(self) -> str:
        return f"MetaArray(shape={self.aval.shape}, dtype={self.aval.dtype})"

    __str__ = __repr__


def is_meta(data) -> bool:
    return type(data) is MetaArray


def _avals(args):
    """Each argument's shape and dtype; a Python number takes the dtype NumPy gives it beside
    the arrays (a weak type: float32 meta * 2.0 stays float32)."""
    dtypes = [a.dtype for a in args if isinstance(a, (MetaArray, np.ndarray))]
    avals = []
    for a in args:
        if isinstance(a, MetaArray):
            avals.append(a.aval)
        elif isinstance(a, (bool, int, float, complex)):
            avals.append(ShapedArray((), np.result_type(*dtypes, a) if dtypes else
                                     np.asarray(a).dtype))
        else:
            avals.append(ShapedArray(np.shape(a), np.asarray(a).dtype
                                     if not hasattr(a, "dtype") else a.dtype))
    return avals


def _evaluates_kernel(rule) -> bool:
    return getattr(rule, "__qualname__", "").startswith(("by_evaluation", "_by_identity"))


# -- output shapes of the primitives whose shape rule runs the kernel ---------------------------

def _window_out(n, k, stride, padding, dilation):
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def _spatial(x, kernel, stride, padding, dilation):
    return tuple(_window_out(n, k, s, p, d) for n, k, s, p, d in
                 zip(x.shape[2:], kernel, stride, padding, dilation))


def _conv2d(x, w, stride, padding, dilation):
    out = _spatial(x, w.shape[2:], stride, padding, dilation)
    return ShapedArray((x.shape[0], w.shape[0]) + out, np.result_type(x.dtype, w.dtype))


def _pool(x, kernel, stride, padding, dilation=(1, 1)):
    return ShapedArray(x.shape[:2] + _spatial(x, kernel, stride, padding, dilation), x.dtype)


def _pool_argmax(x, kernel, stride, padding, dilation=(1, 1)):
    ho, wo = _spatial(x, kernel, stride, padding, dilation)
    return ShapedArray(x.shape[:2] + (ho * wo,), np.int64)


def _linear(x, w, b):
    shape = np.broadcast_shapes(x.shape[:-1] + (w.shape[0],), b.shape)
    return ShapedArray(shape, np.result_type(x.dtype, w.dtype, b.dtype))


def _einsum(*operands, spec):
    inputs, output = spec.split("->")
    sizes = {}
    for letters, op in zip(inputs.split(","), operands):
        sizes.update(zip(letters, op.shape))
    return ShapedArray(tuple(sizes[c] for c in output),
                       np.result_type(*[op.dtype for op in operands]))


def _matmul(a, b):
    if not a.shape or not b.shape:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    sa = (1,) + a.shape if len(a.shape) == 1 else a.shape
    sb = b.shape + (1,) if len(b.shape) == 1 else b.shape
    if sa[-1] != sb[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match")
    rows = () if len(a.shape) == 1 else (sa[-2],)
    cols = () if len(b.shape) == 1 else (sb[-1],)
    return ShapedArray(np.broadcast_shapes(sa[:-2], sb[:-2]) + rows + cols,
                       np.result_type(a.dtype, b.dtype))


def _concatenate(*xs, axis):
    first = xs[0].shape
    for x in xs[1:]:
        if len(x.shape) != len(first) or any(n != m for i, (n, m) in
                                             enumerate(zip(x.shape, first)) if i != axis):
            raise ValueError(f"all the input array dimensions except for the concatenation axis "
                             f"must match exactly: {first} and {x.shape}")
    size = sum(x.shape[axis] for x in xs)
    return ShapedArray(first[:axis] + (size,) + first[axis + 1:],
                       np.result_type(*[x.dtype for x in xs]))


def _getitem(x, index):
    # indexing a zero-strided stand-in allocates nothing for basic indices (slices, ints,
    # None, ...); integer-array indices allocate only the answer's index grid
    stand_in = np.broadcast_to(np.zeros((), x.dtype), x.shape)
    return ShapedArray(np.shape(stand_in[index]), x.dtype)


def _index_add(x, updates, index):
    return ShapedArray(x.shape, np.result_type(x.dtype, updates.dtype))


def _take_along_axis(x, indices, axis):
    shape = list(np.broadcast_shapes(x.shape[:axis] + (1,) + x.shape[axis + 1:],
                                     indices.shape[:axis] + (1,) + indices.shape[axis + 1:]))
    shape[axis] = indices.shape[axis]
    return ShapedArray(tuple(shape), x.dtype)


_SHAPES = {"conv2d": _conv2d, "max_pool2d": _pool, "avg_pool2d": _pool,
           "max_pool2d_argmax": _pool_argmax, "linear": _linear, "einsum": _einsum,
           "matmul": _matmul, "concatenate": _concatenate,
           "getitem": _getitem, "index_add": _index_add, "take_along_axis": _take_along_axis}


# -- the default device (`with torch.device("meta"):`, `torch.set_default_device`) --------------

class _DefaultDevice(threading.local):
    def __init__(self):
        self.stack = []


_default = _DefaultDevice()


def wants_meta(device=None) -> bool:
    """Whether a factory given `device` (None: the default device) makes a meta tensor."""
    if device is None:
        return bool(_default.stack) and _default.stack[-1] == "meta"
    return device_type(device) == "meta"


def set_default(device):
    """torch.set_default_device: `meta` or a CPU device (None: the CPU)."""
    _default.stack[:] = [] if device is None else [device_type(device)]


def device_type(device) -> str:
    """'meta' for "meta", torch.device("meta")...; 'cpu' for "cpu", "cpu:0"...; the type."""
    text = getattr(device, "type", None) or str(device)
    return text.split(":")[0]


def push_default(device_type):
    """Entering `with torch.device(...)`: factories inside make tensors there by default."""
    _default.stack.append(device_type)


def pop_default():
    _default.stack.pop()


def default_type() -> str:
    return _default.stack[-1] if _default.stack else "cpu"
