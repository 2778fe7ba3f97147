"""ParameterList and ParameterDict: parameters held in a list or a dict, registered by name."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from funcgrad.torch.nn.module import Module
from funcgrad.torch.nn.parameter import Parameter
from funcgrad.torch.tensor import Tensor


def _as_parameter(value):
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class _MemberList:
    """The list methods of ModuleList and ParameterList over the module's own dict of members,
    which `_members` names ("_modules" or "_parameters"); the class's `append` registers one."""

    _members: str
    if TYPE_CHECKING:  # defined by each class using it
        def __init__(self, values: Any = None) -> None: ...
        def append(self, value: Any) -> Any: ...

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    def __getitem__(self, i):
        items = list(getattr(self, self._members).values())
        return type(self)(items[i]) if isinstance(i, slice) else items[i]

    def __len__(self):
        return len(getattr(self, self._members))

    def __iter__(self):
        return iter(getattr(self, self._members).values())


class ParameterList(_MemberList, Module):
    _members = "_parameters"

    def __init__(self, values=None):
        super().__init__()
        for v in values or ():
            self.append(v)

    def append(self, value):
        self.register_parameter(str(len(self._parameters)), _as_parameter(value))
        return self

    def __setitem__(self, i, value):
        self.register_parameter(str(i % len(self)), _as_parameter(value))

    def extra_repr(self):
        return "\n".join(f"  ({k}): Parameter containing: [{p.dtype} of size "
                         f"{'x'.join(map(str, p.shape))}]" for k, p in self._parameters.items())


class _MemberDict:
    """The mapping methods of ModuleDict and ParameterDict: views of the module's own dict of
    members, which `_members` names ("_modules" or "_parameters")."""

    _members: str

    def __delitem__(self, key):
        del getattr(self, self._members)[key]

    def __contains__(self, key):
        return key in getattr(self, self._members)

    def __len__(self):
        return len(getattr(self, self._members))

    def __iter__(self):
        return iter(getattr(self, self._members))

    def keys(self):
        return getattr(self, self._members).keys()

    def items(self):
        return getattr(self, self._members).items()

    def values(self):
        return getattr(self, self._members).values()


class ParameterDict(_MemberDict, Module):
    _members = "_parameters"

    def __init__(self, parameters=None):
        super().__init__()
        for k, v in (parameters or {}).items():
            self[k] = v

    def __getitem__(self, key):
        return self._parameters[key]

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value))

    def update(self, parameters):
        for k, v in dict(parameters).items():
            self[k] = v

    def extra_repr(self):
        return "\n".join(f"  ({k}): Parameter containing: [{_kind(p)} of size "
                         f"{'x'.join(map(str, p.shape))}]" for k, p in self._parameters.items())


def _kind(p):
    from funcgrad.torch._methods import _TYPE_NAMES
    return f"torch.{_TYPE_NAMES[p.dtype.name]}Tensor"


class Container(Module):
    """Deprecated (nn.Module does all it did): a module whose keyword arguments are its
    sub-modules."""

    def __init__(self, **kwargs):
        super().__init__()
        import warnings
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now implemented "
                      "in `nn.Module`. Subclass that instead.", FutureWarning, stacklevel=3)
        for key, value in kwargs.items():
            self.add_module(key, value)
