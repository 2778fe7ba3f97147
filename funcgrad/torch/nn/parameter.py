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
