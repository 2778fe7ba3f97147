"""nn.Parameter: a leaf tensor that a Module registers as one of its parameters."""
from __future__ import annotations

import numpy as np

from funcgrad.torch._dtype import default_float

from funcgrad.torch._meta import MetaArray, wants_meta
from funcgrad.torch._repr import tensor_repr
from funcgrad.torch.tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a module parameter; requires grad by default; shares `data`'s memory."""

    def __init__(self, data=None, requires_grad=True):
        array = np.zeros((0,), default_float()) if data is None else (
            data._data if isinstance(data, Tensor) else np.asarray(data))
        self._init(array, None)
        if isinstance(data, Tensor):
            self._counter = data._counter
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + tensor_repr(self)

    __str__ = __repr__  # (Tensor binds __str__ to its own repr)


class Buffer(Tensor):
    def __init__(self, data=None, persistent=True):
        self._init(data._data if isinstance(data, Tensor) else np.asarray(data), None)
        self.persistent = persistent


def new_parameter(*shape, fill=0.0):
    """A parameter of this shape in the default float dtype, every entry `fill`: modules make
    their weights with it, then initialise them."""
    if wants_meta():  # inside `with torch.device("meta")` or a module made with device="meta"
        return Parameter(Tensor._make(MetaArray(shape, default_float())))
    return Parameter(Tensor._make(np.full(shape, fill, default_float())))


# -- uninitialised parameters and buffers (what lazy modules hold before their first call) --------

_UNINITIALIZED_USE = (
    "Attempted to use an uninitialized parameter in {}. This error happens when you are using a "
    "`LazyModule` or explicitly manipulating `torch.nn.parameter.{}` objects. When using "
    "LazyModules Call `forward` with a dummy batch to initialize the parameters before calling "
    "torch functions")


class _Unmaterialized:
    """The data of an uninitialised tensor: a dtype (and a device) but no shape and no values;
    whatever reads its values (NumPy, through __array__) gets PyTorch's error."""

    __slots__ = ("dtype", "meta", "owner")

    def __init__(self, dtype, meta=False, owner="UninitializedParameter"):
        self.dtype, self.meta, self.owner = np.dtype(dtype), meta, owner

    def astype(self, dtype, copy=True):
        return _Unmaterialized(dtype, self.meta, self.owner)

    def moved_to(self, device_type):
        return _Unmaterialized(self.dtype, device_type == "meta", self.owner)

    def __array__(self, dtype=None, copy=None):
        raise ValueError(_UNINITIALIZED_USE.format("a function", self.owner))

    @property
    def shape(self):
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    ndim = size = shape


_UNINITIALIZED_SHAPE = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
    "in `load_state_dict` when trying to load an uninitialized parameter into an initialized one. "
    "Call `forward` to initialize the parameters before accessing their attributes.")


class UninitializedTensorMixin:
    """What uninitialised parameters and buffers share: no shape until `materialize(shape)`
    gives them one (zeros of their dtype) and turns them into `cls_to_become`."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None):
        """Give this tensor `shape` (and `dtype`, its own by default): it becomes an ordinary
        tensor of class `cls_to_become`, in place, so whoever holds it (an optimizer) sees it."""
        lazy = self._data
        dtype = lazy.dtype if dtype is None else getattr(dtype, "dtype", dtype)
        shape = tuple(int(s) for s in ((shape,) if isinstance(shape, (int, np.integer)) else shape))
        meta = lazy.meta if device is None else str(device).startswith("meta")
        self._data = MetaArray(shape, dtype) if meta else np.zeros(shape, dtype)
        self._counter[0] += 1
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before calling "
                           "`module.share_memory()`.")

    def detach(self):
        return self  # (state_dict shows the uninitialised tensor itself, as PyTorch's)

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (type(self), (self.requires_grad,))


def _refuse(op):
    def refused(self, *args, **kwargs):
        raise ValueError(_UNINITIALIZED_USE.format(f"<method '{op.strip('_')}' of Tensor>",
                                                   type(self).__name__))
    refused.__name__ = op
    return refused


for _op in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
            "__rtruediv__", "__matmul__", "__rmatmul__", "__pow__", "__rpow__", "__neg__",
            "__getitem__", "__abs__"):
    setattr(UninitializedTensorMixin, _op, _refuse(_op))


def _uninitialized_data(dtype, device, owner):
    chosen = default_float() if dtype is None else getattr(dtype, "dtype", dtype)
    return _Unmaterialized(chosen, device is not None and str(device).startswith("meta"), owner)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (a lazy module's before its first call); only
    its dtype and device can change until `materialize` makes it an ordinary Parameter."""

    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        self._init(_uninitialized_data(dtype, device, "UninitializedParameter"), None)
        self.requires_grad = requires_grad

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, None, self._data.dtype)
        return memo[id(self)]


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (a lazy norm's running statistics); `materialize`
    makes it an ordinary Tensor."""

    __slots__ = ()  # Tensor's layout, so that it can become a Tensor in place
    persistent = True

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        self._init(_uninitialized_data(dtype, device, "UninitializedBuffer"), None)
        self._requires_grad = bool(requires_grad)
        if not persistent:
            self.__class__ = _TransientUninitializedBuffer

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, None, self._data.dtype,
                                        self.persistent)
        return memo[id(self)]


class _TransientUninitializedBuffer(UninitializedBuffer):
    __slots__ = ()
    persistent = False

    def __repr__(self):
        return "<UninitializedBuffer>"


def is_lazy(param):
    """Is `param` an UninitializedParameter or UninitializedBuffer?"""
    return isinstance(param, UninitializedTensorMixin)
