"""torch.func: functional transforms of functions of tensors, mapped onto funcgrad's own.

Inside a transform each tensor holds a funcgrad tracer instead of an array: the tensor layer
passes primitives through to the core, which differentiates them with the registry's rules.
"""
from __future__ import annotations

import contextlib

import funcgrad as fg
from funcgrad.torch import grad_mode
from funcgrad.torch.tensor import Tensor
from funcgrad.tree_util import (register_pytree_node, tree_flatten, tree_leaves, tree_map,
                                tree_unflatten)


class _InsertionOrdered(dict):
    """A dict inside torch.func's transforms: its leaves come in insertion order, as
    torch.func's pytrees give them (funcgrad.tree_util sorts dict keys, as JAX does)."""

    __slots__ = ()


register_pytree_node(_InsertionOrdered, lambda d: (list(d.values()), tuple(d)),
                     lambda keys, children: _InsertionOrdered(zip(keys, children)))


def _restructure(tree, leaf, ordered):
    """tree with its leaves mapped by `leaf` and its dicts made insertion-ordered nodes
    (ordered=True) or plain dicts again (ordered=False)."""
    kind = type(tree)
    if kind is dict or kind is _InsertionOrdered:
        items = {k: _restructure(v, leaf, ordered) for k, v in tree.items()}
        return _InsertionOrdered(items) if ordered else items
    if kind is list or kind is tuple:
        return kind(_restructure(v, leaf, ordered) for v in tree)
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # a namedtuple
        return kind(*(_restructure(v, leaf, ordered) for v in tree))
    if isinstance(tree, Tensor) or tree is None or not hasattr(tree, "__dict__") \
            and not isinstance(tree, (set, frozenset)):
        return leaf(tree)
    return tree_map(leaf, tree)  # another registered node


def _lower_leaf(x):
    return x._data if isinstance(x, Tensor) else x


def _lift_leaf(x):
    if isinstance(x, Tensor) or x is None or isinstance(x, (int, float, bool, str)):
        return x
    return Tensor._make(x) if hasattr(x, "shape") else x


def _lower(tree):
    """Tensors -> their data (arrays or tracers), through any pytree (dicts keep their order)."""
    return _restructure(tree, _lower_leaf, ordered=True)


def _lift(tree):
    """Arrays and tracers -> tensors, through any pytree."""
    return _restructure(tree, _lift_leaf, ordered=False)


def _wrap(transform, func, **options):
    inner = transform(lambda *args, **kw: _lower(func(*_lift(args), **kw)), **options)

    def transformed(*args, **kwargs):
        if grad_mode.is_grad_enabled() and _requires_grad(args):
            return _recorded(inner, args, kwargs)
        return _lift(inner(*_lower(args), **kwargs))
    transformed.__wrapped__ = func
    return transformed


def _requires_grad(tree) -> bool:
    return any(isinstance(x, Tensor) and x._requires_grad
               for x in tree_leaves(_restructure(tree, lambda x: x, ordered=True)))


def _recorded(inner, args, kwargs):
    """inner(*args) when inputs require grad: each output is a graph node whose backward is
    the transformed function's own pullback, so `.backward()` works through the transform
    (as PyTorch records the operations a transform runs)."""
    from funcgrad.torch._composite import composite
    leaves, treedef = tree_flatten(_restructure(args, lambda x: x, ordered=True))
    positions = [i for i, x in enumerate(leaves) if isinstance(x, Tensor)]
    tensors = [leaves[i] for i in positions]
    datas = [_lower_leaf(x) for x in leaves]

    def run(*values):
        full = list(datas)
        for i, v in zip(positions, values):
            full[i] = v
        return inner(*tree_unflatten(treedef, full), **kwargs)
    with grad_mode.no_grad():
        out_leaves, out_tree = tree_flatten(run(*[datas[i] for i in positions]))
    # (one node per output: PyTorch's would be the transformed function's last operation)
    recorded = [composite("FuncTransformBackward0",
                          lambda *values, k=k: tree_leaves(run(*values))[k], *tensors)
                if hasattr(leaf, "shape") else leaf for k, leaf in enumerate(out_leaves)]
    return _lift(tree_unflatten(out_tree, recorded))


def grad(func, argnums=0, has_aux=False):
    return _wrap(fg.grad, func, argnums=argnums, has_aux=has_aux)


def grad_and_value(func, argnums=0, has_aux=False):
    value_and_grad = _wrap(fg.value_and_grad, func, argnums=argnums, has_aux=has_aux)

    def transformed(*args, **kwargs):
        value, gradient = value_and_grad(*args, **kwargs)
        return gradient, value
    return transformed


def jacrev(func, argnums=0, has_aux=False):
    return _wrap(fg.jacrev, func, argnums=argnums, has_aux=has_aux)


def jacfwd(func, argnums=0, has_aux=False):
    return _wrap(fg.jacfwd, func, argnums=argnums, has_aux=has_aux)


def hessian(func, argnums=0):
    return _wrap(fg.hessian, func, argnums=argnums)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    return _wrap(fg.vmap, func, in_axes=in_dims, out_axes=out_dims)


def vjp(func, *primals, has_aux=False):
    result = fg.vjp(lambda *args: _lower(func(*_lift(args))), *_lower(primals), has_aux=has_aux)
    out, pullback = result[0], result[1]

    def tensor_pullback(cotangent):
        return _lift(pullback(_lower(cotangent)))
    return (_lift(out), tensor_pullback) + ((_lift(result[2]),) if has_aux else ())


def jvp(func, primals, tangents, has_aux=False):
    out = fg.jvp(lambda *args: _lower(func(*_lift(args))), tuple(_lower(primals)),
                 tuple(_lower(tangents)), has_aux=has_aux)
    return _lift(out)


@contextlib.contextmanager
def _swapped(module, tensors):
    saved = {}
    try:
        for name, value in tensors.items():
            owner, attr = _resolve(module, name)
            saved[name] = (owner, attr, owner._parameters.get(attr, owner._buffers.get(attr)))
            _set(owner, attr, value)
        yield
    finally:
        for owner, attr, old in saved.values():
            _set(owner, attr, old)


def _resolve(module, name):
    *path, attr = name.split(".")
    for part in path:
        module = getattr(module, part)
    return module, attr


def _set(owner, attr, value):
    if attr in owner._parameters:
        owner._parameters[attr] = value
    else:
        owner._buffers[attr] = value


def functional_call(module, parameter_and_buffer_dicts, args=(), kwargs=None, *, tie_weights=True,
                    strict=False):
    """Call `module` with its parameters and buffers replaced by the given tensors."""
    tensors = parameter_and_buffer_dicts
    if isinstance(tensors, (list, tuple)):
        merged = {}
        for d in tensors:
            merged.update(d)
        tensors = merged
    if not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, tensors):
        return module(*args, **(kwargs or {}))


def linearize(func, *primals):
    """(func(*primals), jvp_fn): jvp_fn(*tangents) is the forward derivative at the primals."""
    out, f_jvp = fg.linearize(lambda *args: _lower(func(*_lift(args))), *_lower(primals))

    def tensor_jvp(*tangents):
        return _lift(f_jvp(*_lower(tangents)))
    return _lift(out), tensor_jvp


def stack_module_state(models):
    """The parameters and buffers of same-shaped modules, each stacked along a new first axis."""
    from funcgrad.torch._ops import stack
    models = list(models)
    params = {name: stack([dict(m.named_parameters())[name].detach() for m in models])
              .requires_grad_(True) for name, _ in models[0].named_parameters()}
    buffers = {name: stack([dict(m.named_buffers())[name] for m in models])
               for name, _ in models[0].named_buffers()}
    return params, buffers
