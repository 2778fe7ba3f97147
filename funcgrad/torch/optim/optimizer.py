"""The Optimizer base class: parameter groups, per-parameter state, zero_grad, state_dict."""
from __future__ import annotations

import copy
import warnings

import numpy as np

from funcgrad.torch._namespace import typename as _typename
from funcgrad.torch.tensor import Tensor


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    def __init_subclass__(cls, **kwargs):
        """Each subclass's step runs the registered step hooks around it."""
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) before each step; it may return new (args, kwargs)."""
        return self._register(self._hooks("_step_pre_hooks"), hook)

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs) after each step."""
        return self._register(self._hooks("_step_post_hooks"), hook)

    def _hooks(self, name):
        if name not in self.__dict__:
            self.__dict__[name] = {}
        return self.__dict__[name]

    @staticmethod
    def _register(store, hook):
        from funcgrad.torch.tensor import RemovableHandle
        key = object()
        store[key] = hook
        return RemovableHandle(store, key)

    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {_typename(params)}")
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a group of parameters (a dict with "params" and its own hyper-parameters)."""
        if not isinstance(group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(group)}")
        group = dict(group)
        params = group["params"]
        if isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. Please "
                            "use a list instead.")
        params = [params] if isinstance(params, Tensor) else list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]  # (name, tensor) pairs
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            params = [p[1] for p in params]
            group["param_names"] = names
        group["params"] = params
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{_typename(p)}")
            if not self.defaults.get("differentiable") and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for key, value in self.defaults.items():
            if value is required and key not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {key}")
            group.setdefault(key, value)
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          UserWarning, stacklevel=3)
        for other in self.param_groups:
            if ("param_names" in group) != ("param_names" in other):
                kind = "with names" if "param_names" in group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    p._grad = p._grad.detach()
                    p._grad._data[...] = 0
                    p._grad._counter[0] += 1

    def _params_with_grad(self, group):
        for p in group["params"]:
            if p._grad is not None:
                yield p, np.asarray(p._grad._data)

    def state_dict(self):
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: {k: (v.detach().clone() if isinstance(v, Tensor) else v)
                                for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        state_dict = copy.deepcopy(state_dict) if not _has_tensors(state_dict) else state_dict
        params = [p for g in self.param_groups for p in g["params"]]
        for group, saved in zip(self.param_groups, state_dict["param_groups"]):
            for k, v in saved.items():
                if k != "params":
                    group[k] = v
        self.state = {}
        for key, s in state_dict["state"].items():
            p = params[int(key)]
            self.state[p] = {k: (v.detach().clone() if isinstance(v, Tensor) else v)
                             for k, v in s.items()}

    def step(self, closure=None):
        raise NotImplementedError

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _with_step_hooks(step):
    import functools

    @functools.wraps(step)
    def hooked(self, *args, **kwargs):
        for hook in list(self.__dict__.get("_step_pre_hooks", {}).values()):
            result = hook(self, args, kwargs)
            if result is not None:
                args, kwargs = result
        out = step(self, *args, **kwargs)
        for hook in list(self.__dict__.get("_step_post_hooks", {}).values()):
            hook(self, args, kwargs)
        return out
    return hooked


def _has_tensors(d):
    return True


def regularised_gradient(group, p, g, decoupled=False):
    """The gradient a step follows: negated when `maximize`; with `weight_decay`, plus
    `weight_decay * p` (L2), or, when `decoupled`, p shrunk in place by `lr * weight_decay`."""
    g = -g if group.get("maximize") else g
    decay = group.get("weight_decay")
    if decay and decoupled:
        p._data *= 1 - group["lr"] * decay
    elif decay:
        g = g + decay * p._data
    return g


def count_step(state, p, buffers=()):
    """Advance the parameter's `step` and return it; on the first step, also make the named
    running buffers (zeros shaped like p), in PyTorch's state order."""
    if "step" not in state:
        state["step"] = Tensor._make(np.asarray(0.0, np.float32))
        for name in buffers:
            state[name] = Tensor._make(np.zeros_like(p._data))
    state["step"]._data += 1
    return float(state["step"]._data)


def bump(p):
    """Record an in-place update of a parameter's data (for the version counter)."""
    p._counter[0] += 1
