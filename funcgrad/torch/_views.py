"""In-place operations on views while gradients are recorded (PyTorch's CopySlices).

A view (`b[0]`, `b.view(6)`, `b.t()`, ...) remembers its parent and the primitive that made it.
Changing the view in place writes the new values into the shared memory and rewires the graph:
the base's new value is the old base with the view's positions replaced (its node is named
`CopySlices`), and the view becomes that view of the new base (`AsStridedBackward0`), so the
gradient reaches everything that made either of them. Derivatives come from the registry's rules
of the primitives involved (index_put, reshape, transpose): none is written here.
"""
from __future__ import annotations

import builtins

import numpy as np

from funcgrad.core.primitive import registry
from funcgrad.errors import where
from funcgrad.primitives import shape as shp
from funcgrad.primitives.indexing import getitem_p
from funcgrad.torch import _ops, grad_mode
from funcgrad.torch._composite import composite
from funcgrad.torch._indexing import index_put, several_view_output
from funcgrad.torch.graph import node_class
from funcgrad.torch.tensor import Tensor, _cast_like, apply, mark_view


def chain_of(view):
    """[view, its parent, ..., the base] following each view's link."""
    chain = [view]
    while chain[-1]._base is not None:
        chain.append(chain[-1]._base[0])
    return chain


def made_under_no_grad_error(view):
    return RuntimeError(
        "A view was created in no_grad mode and is being modified inplace with grad mode "
        "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You "
        "can clarify your code by moving both the view and the inplace either both inside the "
        "no_grad block (if you don't want the inplace to be tracked) or both outside (if you "
        f"want the inplace to be tracked).\n[funcgrad] the view has shape "
        f"{tuple(view.shape)}{where()}.")


def check_writable(chain):
    """PyTorch's errors for in-place changes that cannot be recorded."""
    base = chain[-1]
    if any(t._base[1] is None for t in chain[:-1]):
        raise made_under_no_grad_error(chain[0])
    if base._grad_fn is None and base._requires_grad:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
            f"\n[funcgrad] the view has shape {tuple(chain[0].shape)} and its leaf "
            f"{tuple(base.shape)}{where()}. Update parameters by hand inside `with "
            "torch.no_grad():`, or .clone() the leaf first and change the copy.")
    made = several_view_output(chain[0])
    if made is not None:
        raise RuntimeError(
            f"Output {made[1]} of {made[0]} is a view and is being modified inplace. This view is "
            "the output of a function that returns multiple views. Such functions do not allow "
            "the output views to be modified inplace. You should replace the inplace operation "
            "by an out-of-place one.\n[funcgrad] e.g. piece = piece * w instead of "
            f"piece.mul_(w){where()}, or .clone() the piece first.")
    for t in chain[:-1]:
        if t._base[1] is shp.broadcast_to_p and tuple(t.shape) != tuple(t._base[0].shape):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location. Please clone() the tensor before performing the operation."
                f"\n[funcgrad] the tensor changed in place{where()} is an expand()ed view.")
    return all(isinstance(t._data, np.ndarray) for t in chain)


def overlapping_writes_error(view):
    """PyTorch writes an element of a view once per position that refers to it (so the order
    of positions decides the answer): funcgrad refuses instead of answering otherwise."""
    return RuntimeError(
        "unsupported operation: more than one element of the written-to tensor refers to a "
        "single memory location. Please clone() the tensor before performing the operation."
        f"\n[funcgrad] the tensor changed in place{where()} is a view of shape "
        f"{tuple(view.shape)} whose elements overlap (unfold with step < size, or as_strided); "
        "PyTorch would update each shared element once per window.")


def check_view_writable(view):
    """The refusals that come before any in-place change of a view, recorded or not."""
    if view._base[1] is None and grad_mode._state.enabled:
        raise made_under_no_grad_error(view)
    data = view._data
    if isinstance(data, np.ndarray) and data.flags.writeable and has_internal_overlap(data):
        raise overlapping_writes_error(view)


def has_internal_overlap(data) -> bool:
    """True when two positions of the array may refer to one memory location (checked from
    the strides: sorted by stride, each axis must step past everything the smaller ones span)."""
    span = data.itemsize
    for stride, n in sorted((builtins.abs(st), n) for n, st in zip(data.shape, data.strides)
                            if n > 1):
        if stride < span:
            return True
        span = stride * (n - 1) + span
    return False


def _alias(t):
    """t's current value and history, in a tensor of its own (the memory is about to change)."""
    before = Tensor._make(t._data.copy(), t._grad_fn)
    before._requires_grad = t._requires_grad
    return before


def _embed(parent, primitive, params, value):
    """parent with the part that `primitive(parent, **params)` views replaced by value."""
    if primitive is getitem_p:
        return index_put(parent, params["index"], value)
    if primitive is shp.reshape_p:
        return _ops.reshape(value, parent.shape)
    if primitive is shp.transpose_p:
        return _ops.permute(value, tuple(int(a) for a in np.argsort(params["axes"])))
    if primitive is registry["real"] or primitive is registry["imag"]:
        from funcgrad.torch._complex import complex, imag, real
        if primitive is registry["real"]:
            return complex(value, imag(parent))
        return complex(real(parent), value)
    if isinstance(primitive, ViewFunction) and primitive.embed is not None:
        return primitive.embed(parent, value, **params)
    # any other view picks some of the parent's elements: which ones, from the view of their
    # positions (diagonal, unfold, as_strided...)
    size = int(np.prod(parent.shape))
    positions = np.asarray(primitive.impl(np.arange(size).reshape(parent.shape), **params))
    flat = index_put(_ops.reshape(parent, -1), (positions,), value)
    return _ops.reshape(flat, parent.shape)


class ViewFunction:
    """A view op that is not one primitive (diagonal, unfold, view_as_real...).

    `fn(x, **params)` computes it with funcgrad's ops (so the gradient comes from their rules)
    and is recorded as one node called `name`; `view(array, **params)` is the same values as a
    NumPy view sharing the array's memory. `embed(parent, value, **params)`, when given, is the
    parent with the viewed part replaced (otherwise found from the positions the view picks).
    """

    __slots__ = ("name", "fn", "view", "embed")

    def __init__(self, name, fn, view, embed=None):
        self.name, self.fn, self.view, self.embed = name, fn, view, embed

    def impl(self, x, **params):
        return self.view(x, **params) if isinstance(x, np.ndarray) else self.fn(x, **params)

    def take(self, input, params, name=None):
        """The view of tensor `input` with its history (not yet linked to `input`)."""
        data = input._data
        if not (input._requires_grad and grad_mode._state.enabled):
            return Tensor._make(np.asarray(self.impl(data, **params)))
        fn = self.fn
        out = composite(name or self.name, lambda x: fn(x, **params), input)
        # a view's gradient reads no values (it is linear), so a later in-place change of the
        # input does not invalidate it (PyTorch's view nodes save only sizes)
        out._grad_fn.saved_versions = ()
        if isinstance(data, np.ndarray):
            out._data = self.view(data, **params)
        return out

    def __call__(self, input, **params):
        """The view of `input`, sharing its memory and version counter."""
        out = self.take(input, params)
        mark_view(out, input, self, params)
        return out


def write_through(view, new, chain):
    """Make `new` (a tensor holding the view's new value) the view's value and history, and
    update every tensor the view was taken from."""
    value = new
    for child in chain[:-1]:
        parent, primitive, params, _ = child._base
        value = _embed(_alias(parent), primitive, params, value)
    base = chain[-1]
    node = value._grad_fn
    if node is not None:
        node.__class__ = node_class("CopySlices")
    old = base._grad_fn
    if old is not None and old.answer is base._data:
        old.answer = old.answer.copy()  # the old node keeps the value it produced
    _store(base, value)
    base._grad_fn = node
    base._requires_grad = value._requires_grad
    base._counter[0] += 1  # shared by every view of the base
    for child in reversed(chain[:-1]):
        _replay(child)


def _replay(view):
    """The view taken again from its (changed) parent: its new history, and its values when
    it does not share the parent's memory."""
    parent, primitive, params, _ = view._base
    if isinstance(primitive, ViewFunction):
        replay = primitive.take(parent, params, "AsStridedBackward0")
    else:
        replay = apply(primitive, (parent,), params, "AsStridedBackward0")
    _store(view, replay)
    view._grad_fn = replay._grad_fn
    view._requires_grad = replay._requires_grad
    view._base = (parent, primitive, params, view._counter[0])


def refresh(view):
    """Bring a view made before its base changed in place up to date (PyTorch regenerates
    such a view's grad_fn the same way), before an operation uses it."""
    parent, primitive, _, version = view._base
    if primitive is None:  # made under no_grad: refused with grad mode on once its base changed
        if grad_mode.is_grad_enabled():
            raise RuntimeError(
                "A view was created in no_grad mode and its base or another view of its base has "
                "been modified inplace with grad mode enabled. Given that this use case is "
                "ambiguous and error-prone, it is forbidden. You can clarify your code by moving "
                "both the view and the inplace either both inside the no_grad block (if you don't "
                "want the inplace to be tracked) or both outside (if you want the inplace to be "
                f"tracked).\n[funcgrad] the view has shape {tuple(view.shape)}{where()}.")
        view._base = (parent, None, None, view._counter[0])
        return
    if parent._base is not None and parent._base[3] != parent._counter[0]:
        refresh(parent)
    if grad_mode.is_grad_enabled():
        _replay(view)
    elif isinstance(view._data, np.ndarray) and isinstance(parent._data, np.ndarray) \
            and not np.shares_memory(view._data, parent._data):
        _, primitive, params, _ = view._base
        view._data = _cast_like(np.asarray(primitive.impl(parent._data, **params)), view._data)


def _store(t, value):
    data = t._data
    if data.flags.writeable:
        if not np.shares_memory(data, value._data):
            np.copyto(data, _cast_like(value._data, data), casting="unsafe")
    else:
        t._data = _cast_like(value._data, data)
