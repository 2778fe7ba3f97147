"""`Tensor`: a NumPy array with PyTorch's autograd state (`requires_grad`, `grad`, `grad_fn`).

A Tensor is a funcgrad `Tracer` owned by one interpreter (`torch_interpreter`) whose level is
above every transform's, so any primitive applied to a tensor — through an operator, a method
or `funcgrad.numpy` — comes to `apply` first. `apply` unwraps the tensors to their data (arrays,
or funcgrad tracers under `torch.func` transforms), binds the primitive, wraps the answer and,
when grad mode is on and an input requires grad, records a graph node.
"""
from __future__ import annotations

import warnings
import weakref

import numpy as np

from funcgrad.core.tracer import Interpreter, Tracer, concrete_value
from funcgrad.errors import FuncgradError, OpError, user_stacklevel
from funcgrad.primitives.elementwise import astype_p
from funcgrad.torch import _dtype, grad_mode, graph
from funcgrad.torch._meta import MetaArray
from funcgrad.torch.errors import leaf_inplace_error, op_error, view_inplace_error

_F64 = np.dtype(np.float64)
# ops with no derivative that PyTorch still records (their gradient is zero, not missing)
_piecewise_constant = frozenset({"sign", "floor", "ceil", "round", "trunc", "rint"})
_F32 = np.dtype(np.float32)
_NDARRAY = np.ndarray
_new = object.__new__


_META_NUMPY = ("can't convert meta device type tensor to numpy. Use Tensor.cpu() to copy the "
               "tensor to host memory first.")
_SCALAR_WARNING_SHOWN = [False]  # PyTorch warns about float(t) of t requiring grad once


class TorchInterpreter(Interpreter):
    """The owner of every tensor: records autograd nodes for primitives applied to tensors."""

    __slots__ = ()

    def process(self, primitive, args, params):
        return apply(primitive, args, params)

    def check_conversion(self, tensor, conversion):
        # PyTorch converts a tensor that requires grad to a Python number with a warning, once
        # per process (TORCH_WARN_ONCE), for float() and complex() only
        if tensor._requires_grad and conversion in ("float()", "complex()") \
                and not _SCALAR_WARNING_SHOWN[0]:
            _SCALAR_WARNING_SHOWN[0] = True
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                          "unexpected behavior.\nConsider using tensor.detach() first.",
                          UserWarning, stacklevel=user_stacklevel())

    def concretize(self, tensor):
        return concrete_value(tensor._data)  # PyTorch's transforms make values concrete unchecked

    def describe_level(self) -> str:
        return "funcgrad.torch"


torch_interpreter = TorchInterpreter()
torch_interpreter.level = 10 ** 9


def _torch_result_dtype(out, datas):
    """float64 only when an input was float64 (or it is the default float dtype): PyTorch's
    default float dtype is float32."""
    if _dtype.DEFAULT[0] is not _F32:
        return out if _dtype.DEFAULT[0] == _F64 else out.astype(_dtype.DEFAULT[0])
    for d in datas:
        if isinstance(d, np.generic):
            continue  # NumPy scalars count as Python numbers, as in PyTorch
        dtype = getattr(d, "dtype", None)
        if dtype is not None and dtype == _F64:  # (NumPy says dtype('float64') == None)
            return out
    return out.astype(_F32) if isinstance(out, np.ndarray) else _cast(out, _F32)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_F16 = np.dtype(np.float16)
_C64, _C128 = np.dtype(np.complex64), np.dtype(np.complex128)


def _default_unless_half(primitive, params, out, datas, traced):
    """NumPy computes float16 from bools and 8-bit integers; PyTorch computes in the default
    float (casting NumPy's float16 answer would keep float16's rounding: sin(True) = 0.8413)."""
    for d in datas:
        if getattr(d, "dtype", None) == _F16:
            return out
    target = _dtype.DEFAULT[0]
    widened = [_cast(d, target) if getattr(d, "dtype", _F16).kind in "biu" else d for d in datas]
    return primitive.bind(*widened, **params) if traced else primitive.impl(*widened, **params)


def _promote(x, y):
    """PyTorch's promote_types: within a category NumPy's; across categories the higher one's
    type as it is (int64 with float16 is float16, int64 with complex64 complex64), but a float
    wider than a complex type's parts widens it (float64 with complex64 is complex128)."""
    cx, cy = _CATEGORY[x.kind], _CATEGORY[y.kind]
    if cx == cy:
        return np.promote_types(x, y)
    high, low = (x, y) if cx > cy else (y, x)
    if high.kind == "c" and low.kind == "f":
        return np.promote_types(high, low)
    return high


def _to_complex(dtype):
    return _C128 if dtype == _F64 else _C64  # (float16's complex32: NumPy has none)


def _combine(dimensioned, zero_dim):
    """PyTorch's combine_categories: a zero-dimensional tensor's type counts only when of a
    higher category than the dimensioned operand's (and then keeps the latter's width)."""
    if dimensioned.kind == "c":
        return dimensioned
    if zero_dim.kind == "c":
        return _to_complex(dimensioned) if dimensioned.kind == "f" else zero_dim
    if dimensioned.kind == "f":
        return dimensioned
    if dimensioned.kind == "b" or zero_dim.kind == "f":
        return _promote(dimensioned, zero_dim)
    return dimensioned


def _torch_promotion(out, args, datas):
    """PyTorch's result type where NumPy's differs, for two operands of different dtypes
    (zero-dimensional tensors count only when of a higher category: int64 0-d + uint8 stays
    uint8; across categories no widening: float16 with int32 stays float16)."""
    a, b = datas
    da, db = getattr(a, "dtype", None), getattr(b, "dtype", None)
    if da == db or out.dtype.kind not in "iufc":
        return out
    rank_a = np.ndim(a) > 0 or not isinstance(args[0], Tensor)
    rank_b = np.ndim(b) > 0 or not isinstance(args[1], Tensor)
    if rank_a == rank_b:
        wanted = _promote(da, db)
    else:
        wanted = _combine(da, db) if rank_a else _combine(db, da)
    if _CATEGORY[wanted.kind] != _CATEGORY[out.dtype.kind] or wanted == out.dtype:
        return out
    return out.astype(wanted) if isinstance(out, np.ndarray) else _cast(out, wanted)


def _torch_complex_dtype(out, datas):
    """complex128 only when an input was complex128 or float64: PyTorch's default complex
    dtype is complex64 (x + 1j for an integer or float32 x)."""
    if _dtype.DEFAULT[0] == _F64:
        return out
    for d in datas:
        if isinstance(d, np.generic):
            continue  # NumPy scalars count as Python numbers, as in PyTorch
        dtype = getattr(d, "dtype", None)
        if dtype is not None and (dtype == _F64 or dtype == _C128):
            return out
    return out.astype(_C64) if isinstance(out, np.ndarray) else _cast(out, _C64)


def _cast(x, dtype):
    return astype_p.bind(x, dtype=dtype)


def apply(primitive, args, params, name=None, view_of=None):
    """Apply `primitive` to tensors (and constants): the answer as a Tensor, with a graph node
    when grad mode is on and an input requires grad."""
    datas = []
    needs_grad = False
    traced = False
    for a in args:
        if isinstance(a, Tensor):
            base = a._base
            if base is not None and base[3] != a._counter[0]:
                _refresh_view(a)  # its base changed in place since the view was made
            data = a._data
            datas.append(data)
            if a._requires_grad:
                needs_grad = True
            if not traced and isinstance(data, Tracer):
                traced = True
        else:
            datas.append(a)
            if not traced and isinstance(a, Tracer):
                traced = True
    try:
        out = primitive.bind(*datas, **params) if traced else primitive.impl(*datas, **params)
    except (ValueError, TypeError, IndexError, ArithmeticError) as err:
        if isinstance(err, FuncgradError) and not isinstance(err, OpError):
            raise  # already explained by the core (a tracer converted to an array, say)
        raise op_error(primitive, datas, err.__cause__ or err) from err
    if primitive.multiple_results:
        return tuple(Tensor._make(_unshared(_as_array(o), datas)) for o in out)
    if type(out) is not _NDARRAY:
        if not isinstance(out, Tracer):
            out = np.asarray(out)
        elif type(out) is MetaArray:
            out = _meta_result(out, args, datas)
    elif out.base is not None and view_of is None:
        out = _unshared(out, datas)
    if out.dtype == _F64 and primitive is not astype_p:
        out = _torch_result_dtype(out, datas)
    elif out.dtype == _F16 and primitive is not astype_p:
        out = _default_unless_half(primitive, params, out, datas, traced)
    elif out.dtype == _C128 and primitive is not astype_p:
        out = _torch_complex_dtype(out, datas)
    if len(datas) == 2 and type(datas[1]) is _NDARRAY and type(datas[0]) is _NDARRAY \
            and datas[0].dtype is not datas[1].dtype:  # (tracers: their dtypes follow NumPy's)
        out = _torch_promotion(out, args, datas)
    elif len(datas) == 3 and primitive.name == "where" and type(datas[2]) is _NDARRAY \
            and type(datas[1]) is _NDARRAY and datas[1].dtype is not datas[2].dtype:
        out = _torch_promotion(out, args[1:], datas[1:])
    result = _new(Tensor)
    result._init(out, None)
    if view_of is not None:
        mark_view(result, view_of, primitive, params)
    if needs_grad and grad_mode._state.enabled and out.dtype.kind in "fc" and (
            primitive.vjp is not None or primitive.name in _piecewise_constant):
        graph.record(primitive, params, args, out, result, name)
    return result


def _meta_result(out, args, datas):
    """A meta answer: its inputs must be meta tensors (or 0-d ones, numbers), and two operands
    of different dtypes promote as PyTorch's do (the shape rules promote as NumPy)."""
    for a in args:
        if isinstance(a, Tensor) and type(a._data) is _NDARRAY and a._data.ndim:
            raise RuntimeError("Tensor on device cpu is not on the expected device meta!")
    if len(datas) == 2 and all(type(d) in (_NDARRAY, MetaArray) for d in datas) \
            and datas[0].dtype != datas[1].dtype:
        out = _torch_promotion(out, args, datas)
    return out


def mark_view(result, parent, op, params):
    """Make `result` (whose data is a NumPy view of `parent`'s) a view of `parent` taken by
    `op(parent, **params)`: it shares parent's version counter and remembers how it was made,
    so that in-place changes of either are seen by, and recorded for, the other."""
    result._counter = parent._counter
    result._is_view = True
    if grad_mode._state.enabled:
        result._base = (parent, op, params, parent._counter[0])
    elif parent._requires_grad:  # made under no_grad: remembered only to refuse, as PyTorch,
        result._base = (parent, None, None, parent._counter[0])  # uses after a change


def _unshared(out, datas):
    """out, copied if NumPy made it a view of an input: only the ops PyTorch documents as
    views may share memory (an in-place change of the answer must not reach the input)."""
    if type(out) is _NDARRAY and out.base is not None:
        for d in datas:
            if type(d) is _NDARRAY and np.may_share_memory(out, d):
                return out.copy()
    return out


def _refresh_view(view):
    from funcgrad.torch._views import refresh
    refresh(view)


def _as_array(x):
    if isinstance(x, (np.ndarray, Tracer)):
        return x
    return np.asarray(x)


def _data_of(x):
    return x._data if isinstance(x, Tensor) else x


class Tensor(Tracer):
    """A multi-dimensional array that can record the operations applied to it."""

    __slots__ = ("_data", "_requires_grad", "_grad", "_grad_fn", "_counter", "_accumulator",
                 "_hooks", "_retains_grad", "_is_view", "_base", "_grad_dtype", "__weakref__")

    def __init__(self, *args, **kwargs):
        # torch.Tensor(data) or torch.Tensor(*sizes): a float32 tensor
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = np.array(_nested_data(args[0]), dtype=_dtype.DEFAULT[0])
        else:
            sizes = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
            data = np.zeros(tuple(int(s) for s in sizes), _dtype.DEFAULT[0])
        self._init(data, None)

    def _init(self, data, grad_fn):
        self._owner = torch_interpreter
        self._data = data
        self._requires_grad = grad_fn is not None
        self._grad = None
        self._grad_fn = grad_fn
        self._counter = [0]
        self._accumulator = None
        self._hooks = None
        self._retains_grad = False
        self._is_view = False
        self._base = None  # a view's (parent, primitive, params, version it was made at)
        self._grad_dtype = None  # .grad's dtype when not the tensor's own (see _grad_assignment)

    @classmethod
    def _make(cls, data, grad_fn=None):
        t = object.__new__(cls)
        t._init(data, grad_fn)
        return t

    __hash__ = object.__hash__  # tensors are hashable by identity, as in PyTorch

    # -- the funcgrad side ------------------------------------------------------------------------
    @property
    def value(self):
        return self._data

    def __array__(self, dtype=None, copy=None):
        if type(self._data) is MetaArray:
            raise TypeError(_META_NUMPY)
        if self._requires_grad:
            raise RuntimeError(_numpy_error(self))
        data = np.asarray(self._data)
        return data if dtype is None else data.astype(dtype)

    # -- autograd state ---------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if self._grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if flag and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients\n"
                               f"[funcgrad] this one is {self.dtype}; convert it with .float()")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def _version(self) -> int:
        """How many times the memory this tensor shares with its views changed in place."""
        return self._counter[0]

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad_fn(self):
        base = self._base
        if base is not None and base[3] != self._counter[0]:
            _refresh_view(self)  # a view whose base changed in place: its history from the base
        node = self._grad_fn
        if node is not None and node.is_output_slot:
            return node.edges[0]  # an output of a several-output autograd.Function
        return node

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you "
                "access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for "
                "more information. (funcgrad: this tensor was made by "
                f"{type(self._grad_fn).__name__}.)", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        from funcgrad.torch._grad_assignment import check_assigned_grad
        check_assigned_grad(self, value, Tensor)
        self._grad = value

    @property
    def grad_dtype(self):
        """The dtype `.grad` must have (the tensor's own unless set; None allows any)."""
        from funcgrad.torch._grad_assignment import wanted_dtype
        wanted = wanted_dtype(self)
        return None if wanted is None else _dtype.to_torch(wanted)

    @grad_dtype.setter
    def grad_dtype(self, value):
        from funcgrad.torch._grad_assignment import checked_grad_dtype
        self._grad_dtype = checked_grad_dtype(self, value)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self):
        if self._grad_fn is None:
            return
        self._retains_grad = True
        self._grad_fn.retained = weakref.ref(self)

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; it may return a replacement."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            hooks = self._grad_fn.tensor_hooks
            if hooks is None:
                hooks = self._grad_fn.tensor_hooks = []
            hooks.append(hook)
            return RemovableHandle(hooks, hook)
        if self._hooks is None:
            self._hooks = {}
        key = object()
        self._hooks[key] = hook
        return RemovableHandle(self._hooks, key)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from funcgrad.torch.autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        t = Tensor._make(self._data)
        t._counter = self._counter
        t._is_view = True
        return t

    def detach_(self):
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        self._data = _data_of(value)

    # -- in place ---------------------------------------------------------------------------------
    def _inplace(self, op, *others):
        """Replace this tensor's value by op(self, *others), with PyTorch's in-place rules."""
        if type(self._data) is _NDARRAY and 0 in self._data.strides:
            _refuse_repeated_memory(self)
        if self._base is not None:
            from funcgrad.torch._views import check_view_writable
            check_view_writable(self)
        recording = grad_mode._state.enabled and (
            self._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others))
        if recording:
            if self._grad_fn is None and self._requires_grad:
                raise RuntimeError(leaf_inplace_error(self))
            base = self._base
            if base is not None and base[3] != self._counter[0]:
                _refresh_view(self)
            data = self._data
            if self._base is not None:
                from funcgrad.torch import _views
                chain = _views.chain_of(self)
                if not _views.check_writable(chain):
                    raise NotImplementedError(view_inplace_error(self))
            writable = isinstance(data, np.ndarray) and data.flags.writeable
            if self._is_view and not writable:
                raise NotImplementedError(view_inplace_error(self))
            # the op reads the value from before the change: an alias of it, with its own history
            before = Tensor._make(data.copy() if writable else data, self._grad_fn)
            before._requires_grad = self._requires_grad
            new = op(before, *others)
            if self._base is not None:
                _views.write_through(self, new, chain)
                return self
            if writable:  # the memory changes, so views and detached aliases see the new value
                old = self._grad_fn
                if old is not None and old.answer is data:
                    old.answer = before._data  # the old node keeps the value it produced
                np.copyto(data, _cast_like(new._data, data), casting="unsafe")
            else:
                self._data = _cast_like(new._data, data)
            self._grad_fn = new._grad_fn
            self._requires_grad = new._requires_grad
            self._counter[0] += 1
            if self._grad_fn is not None and self._grad_fn.answer_version is not None:
                self._grad_fn.answer_version = (self._counter, self._counter[0])
            return self
        # nothing records here (grad mode is off, or no input requires grad): no no_grad needed
        new = _data_of(op(self, *others))
        data = self._data
        if isinstance(data, np.ndarray) and isinstance(new, np.ndarray) and data.flags.writeable:
            if not np.can_cast(new.dtype, data.dtype, "same_kind"):
                from funcgrad.torch._dtype_names import scalar_type_name
                raise RuntimeError(f"result type {scalar_type_name(new.dtype)} can't be cast to "
                                   f"the desired output type {scalar_type_name(data.dtype)}")
            np.copyto(data, new, casting="same_kind")
        else:
            self._data = _cast_like(new, data)
        self._counter[0] += 1
        return self

    def __iadd__(self, other):
        return self._inplace(Tensor.__add__, other)

    def __isub__(self, other):
        return self._inplace(Tensor.__sub__, other)

    def __imul__(self, other):
        return self._inplace(Tensor.__mul__, other)

    def __itruediv__(self, other):
        return self._inplace(Tensor.__truediv__, other)

    def __setitem__(self, index, value):
        from funcgrad.torch._indexing import index_put
        self._inplace(lambda t, v: index_put(t, index, v), value)

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to "
                               "deepcopy a module, this may be because of a torch.nn.utils."
                               "weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
        new = object.__new__(type(self))
        new._init(np.array(self._data, copy=True) if isinstance(self._data, np.ndarray)
                  else self._data, None)
        new._requires_grad = self._requires_grad
        memo[id(self)] = new
        if self._grad is not None:
            import copy
            new._grad = copy.deepcopy(self._grad, memo)
        if hasattr(self, "__dict__"):
            import copy
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    # -- printing ---------------------------------------------------------------------------------
    def __repr__(self):
        from funcgrad.torch._repr import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        # PyTorch's: a 0-d tensor formats as its Python number ('{}'.format(t) included)
        if self.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)


graph.TensorType = Tensor


def _refuse_repeated_memory(tensor):
    """PyTorch refuses to write into a tensor that repeats memory (a zero stride on an axis
    longer than one: expand, broadcast_to, as_strided)."""
    data = tensor._data
    if any(st == 0 and n > 1 for st, n in zip(data.strides, data.shape)):
        from funcgrad.errors import where
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
            f"\n[funcgrad] the tensor of shape {tuple(data.shape)} changed in place{where()} "
            "repeats its elements (an expand() or broadcast_to() view); change its base, or a "
            ".clone() of it. (PyTorch lets fill_, zero_ and item assignment through such a "
            "view; funcgrad refuses them too rather than lose the change.)")


def _cast_like(new, old):
    new_dtype = getattr(new, "dtype", None)
    if new_dtype is not None and new_dtype != old.dtype:
        return new.astype(old.dtype) if isinstance(new, np.ndarray) else _cast(new, old.dtype)
    return new


def _nested_data(x):
    if isinstance(x, Tensor):
        return np.asarray(x._data)
    if isinstance(x, (list, tuple)):
        return [_nested_data(i) for i in x]
    return x


def _numpy_error(t) -> str:
    return ("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            f"\n[funcgrad] the tensor has shape {tuple(t.shape)}; detach() keeps its values and "
            "drops the graph.")


class RemovableHandle:
    """Returned by register_hook: `handle.remove()` unregisters the hook."""

    def __init__(self, container, key):
        self._container = container
        self._key = key

    def remove(self):
        if isinstance(self._container, dict):
            self._container.pop(self._key, None)
        elif self._key in self._container:
            self._container.remove(self._key)
