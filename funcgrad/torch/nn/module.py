"""nn.Module: the base class of layers and models (parameters, buffers, sub-modules, hooks)."""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any

import numpy as np

from funcgrad.torch import grad_mode
from funcgrad.torch._device import device as _device
from funcgrad.torch._meta import MetaArray, device_type, is_meta, pop_default, push_default
from funcgrad.torch.nn.parameter import Parameter, is_lazy
from funcgrad.torch.tensor import Tensor, RemovableHandle


def _made_on_device(init):
    """A module's __init__ given `device="meta"` makes its parameters and buffers there: its
    factories make meta tensors, and whatever it made otherwise is moved after."""
    def __init__(self, *args, **kwargs):
        device = kwargs.get("device")
        if device is None or device_type(device) != "meta":
            return init(self, *args, **kwargs)
        push_default("meta")
        try:
            init(self, *args, **kwargs)
        finally:
            pop_default()
        self._to_device("meta")
    __init__.__name__, __init__.__qualname__ = init.__name__, init.__qualname__
    __init__.__doc__, __init__.__wrapped__ = init.__doc__, init
    return __init__


def _type_name(value):
    if isinstance(value, Tensor):
        from funcgrad.torch.errors import tensor_type_name
        return tensor_type_name(value).split(" ")[0]
    return type(value).__name__


class Module:
    """Subclass it, create layers in __init__ (after super().__init__()), write forward."""

    training: bool

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _made_on_device(cls.__dict__["__init__"])

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- attributes -----------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign to a Module before Module.__init__() call "
                                 "(call super().__init__() first in your __init__)")
        if name in self._buffers and (value is None or isinstance(value, Tensor)):
            self._buffers[name] = value
            return
        if name in self._parameters and value is not None and not isinstance(value, Parameter):
            raise TypeError(f"cannot assign '{_type_name(value)}' as parameter '{name}' "
                            "(torch.nn.Parameter or None expected)")
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        self._modules[name] = module

    register_module = add_module

    # -- traversal ------------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix=""):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named(self, store, recurse, prefix=""):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named("_parameters", recurse, prefix)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        return self._named("_buffers", recurse, prefix)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- modes and state ------------------------------------------------------------------------
    def train(self, mode=True):
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = p.grad.detach()
                p.grad.zero_()

    def apply(self, fn):
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs):
        dtype = kwargs.get("dtype") or next((a for a in args if hasattr(a, "is_floating_point")
                                             and not isinstance(a, Tensor)), None)
        device = kwargs.get("device") or next((a for a in args if isinstance(a, (str, _device))),
                                              None)
        if device is not None:
            self._to_device(device_type(device))
        if dtype is not None:
            with grad_mode.no_grad():
                for m in self.modules():
                    for store in (m._parameters, m._buffers):
                        for k, v in store.items():
                            if v is not None and v.is_floating_point():
                                v._data = v._data.astype(dtype.dtype)
        return self

    def float(self):
        from funcgrad.torch import _dtype
        return self.to(_dtype.float32)

    def double(self):
        from funcgrad.torch import _dtype
        return self.to(_dtype.float64)

    def _to_device(self, target, hint=True):
        """Parameters and buffers (and their gradients) moved to the meta device, in place;
        meta ones cannot leave it (their values do not exist: see to_empty)."""
        for m in self.modules():
            for store in (m._parameters, m._buffers):
                for v in store.values():
                    if v is None:
                        continue
                    if is_lazy(v):  # no shape yet: it will be made where it was moved
                        v._data = v._data.moved_to(target)
                        continue
                    if is_meta(v._data) and target != "meta":
                        raise NotImplementedError(
                            "Cannot copy out of meta tensor; no data!" + (
                                " Please use torch.nn.Module.to_empty() instead of "
                                "torch.nn.Module.to() when moving module from meta to a "
                                "different device." if hint else ""))
                    if target == "meta":
                        v._data = MetaArray(v.shape, v._data.dtype)
                        if v._grad is not None:
                            v._grad = Tensor._make(MetaArray(v._grad.shape, v._grad._data.dtype))

    def to_empty(self, *, device, recurse=True):
        """Parameters and buffers replaced by uninitialised ones of their shapes on `device`
        (from the meta device: then initialise them, e.g. by load_state_dict)."""
        target = device_type(device)
        for m in (self.modules() if recurse else [self]):
            for store in (m._parameters, m._buffers):
                for v in store.values():
                    if v is not None:
                        v._data = MetaArray(v.shape, v._data.dtype) if target == "meta" else \
                            np.empty(tuple(v.shape), v._data.dtype)
                        v._counter[0] += 1
        return self

    def cpu(self):
        self._to_device("cpu", hint=False)  # (PyTorch's Module.to alone adds the hint)
        return self

    def cuda(self, device=None):
        return self

    def half(self):
        from funcgrad.torch import _dtype
        return self.to(_dtype.float16)

    def type(self, dst_type):
        return self.to(dst_type)

    def share_memory(self):
        return self

    def compile(self, *args, **kwargs):
        return None

    def get_submodule(self, target):
        module = self
        for part in filter(None, target.split(".")):
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
            module = module._modules[part]
        return module

    def get_parameter(self, target):
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target):
        return self._get_member(target, "_buffers", "buffer")

    def _get_member(self, target, store, kind):
        """The parameter or buffer at a dotted path: `store` names the owner's dict of them."""
        owner, _, name = target.rpartition(".")
        module = self.get_submodule(owner)
        members = getattr(module, store)
        if name not in members:
            raise AttributeError(f"{type(module).__name__} has no {kind} `{name}`")
        return members[name]

    def get_extra_state(self):
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be "
                           "called.")

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        out = OrderedDict() if destination is None else destination
        for mod_prefix, module in self.named_modules(prefix=prefix.rstrip(".")):
            for name, p in module._parameters.items():
                if p is not None:
                    out[f"{mod_prefix}.{name}" if mod_prefix else name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[f"{mod_prefix}.{name}" if mod_prefix else name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                f"Missing key(s) in state_dict: {', '.join(map(repr, missing))}. \n\t"
                f"Unexpected key(s) in state_dict: {', '.join(map(repr, unexpected))}. ")
        for key, value in state_dict.items():
            if key not in own:
                continue
            target = own[key]
            if is_lazy(value):  # an uninitialised lazy module's state: nothing to copy
                if is_lazy(target):
                    continue
                value.shape  # noqa: B018 (raises PyTorch's error: no shape to load)
            source = np.asarray(value._data if isinstance(value, Tensor) else value)
            if is_lazy(target):  # a lazy module takes the loaded shape (PyTorch's load hook)
                target.materialize(source.shape)
            if tuple(target.shape) != source.shape:
                raise RuntimeError(
                    f"Error(s) in loading state_dict for {type(self).__name__}:\n\tsize mismatch for "
                    f"{key}: copying a param with shape {source.shape} from checkpoint, the shape in "
                    f"current model is {target.shape}.")
            np.copyto(target._data, source, casting="unsafe")
            target._counter[0] += 1
        return _IncompatibleKeys(missing, unexpected)

    # -- calling --------------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks):  # no hooks: forward itself
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        if self._backward_hooks or self._backward_pre_hooks:
            from funcgrad.torch.nn.backward_hooks import call_with_backward_hooks
            out = call_with_backward_hooks(self, args, kwargs)
        else:
            out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    def register_forward_hook(self, hook):
        key = object()
        self._forward_hooks[key] = hook
        return RemovableHandle(self._forward_hooks, key)

    def register_full_backward_hook(self, hook, prepend=False):
        """hook(module, grad_input, grad_output), called once the gradients of the module's
        inputs are known; it may return replacements for grad_input."""
        key = object()
        self._backward_hooks[key] = hook
        return RemovableHandle(self._backward_hooks, key)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """hook(module, grad_output), called when the gradients of the outputs are known; it
        may return replacements for them."""
        key = object()
        self._backward_pre_hooks[key] = hook
        return RemovableHandle(self._backward_pre_hooks, key)

    def register_forward_pre_hook(self, hook):
        key = object()
        self._forward_pre_hooks[key] = hook
        return RemovableHandle(self._forward_pre_hooks, key)

    # -- printing (as PyTorch) ------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, child in self._modules.items():
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        head = type(self).__name__ + "("
        if not lines:
            return head + ")"
        if len(lines) == 1 and not self._modules:
            return head + lines[0] + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        return list(super().__dir__()) + list(self._parameters) + list(self._modules)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys it missed and the ones it did not expect."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__
