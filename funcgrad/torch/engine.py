"""The backward engine: an iterative walk over the graph from the roots to the leaves.

Nodes run in dependency order (a node runs once every node that feeds it a gradient has run),
newest first among the ready ones, as PyTorch's engine does. No recursion, so graphs of any
depth work.
"""
from __future__ import annotations

import heapq

import numpy as np

from funcgrad.torch import grad_mode
from funcgrad.torch._meta import MetaArray, is_meta
from funcgrad.torch.graph import AccumulateGrad, Node


def _dependencies(roots):
    """How many edges point at each node reachable from `roots`."""
    counts = {}
    stack = [r for r in roots if r is not None]
    starts = set(stack)
    get = counts.get
    while stack:
        for child in stack.pop().edges:  # (an AccumulateGrad's edges are ())
            if child is None:
                continue
            n = get(child)
            if n is None:
                counts[child] = 1
                if child not in starts:  # first met: walk on from it
                    stack.append(child)
            else:
                counts[child] = n + 1
    return counts


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def run_backward(roots, root_grads, *, retain_graph, create_graph, capture=None,
                 accumulate=True, only=None):
    """Propagate `root_grads` from the `roots` (edges) down the graph.

    capture: {edge: index} -> the total gradient reaching each such edge is returned in a list
    (for autograd.grad); accumulate: whether leaves' `.grad` is updated; only: if given, the set
    of AccumulateGrad nodes that may accumulate (backward(inputs=...)).
    """
    counts = _dependencies(roots)
    buffers = {}
    for node, g in zip(roots, root_grads):
        if node is not None:
            buffers[node] = _add(buffers.get(node), g)
    ready = []
    for node in buffers:
        if counts.get(node, 0) == 0:
            heapq.heappush(ready, (-node.sequence_nr, id(node), node))
    captured = [None] * (len(capture) if capture else 0)
    pop, push = heapq.heappop, heapq.heappush
    following = None  # the only ready node, when just one is: run next without the heap
    with grad_mode.set_grad_enabled(create_graph):
        while following is not None or ready:
            if following is not None:
                node, following = following, None
            else:
                node = pop(ready)[2]
            grad = buffers.pop(node, None)
            if type(node) is AccumulateGrad:
                _run_leaf(node, grad, capture, captured, accumulate, only, create_graph)
                continue
            if node.tensor_hooks or node.retained is not None:
                grad = _run_tensor_hooks(node, grad, create_graph)
            if capture and node in capture and grad is not None:
                captured[capture[node]] = _add(captured[capture[node]], grad)
            edges = node.edges
            if grad is None:
                results = [None] * len(edges)
            else:
                results = node.apply(grad, create_graph)
                if not retain_graph:
                    node.release()
            for child, g in zip(edges, results):
                if child is None:
                    continue
                if g is not None:
                    old = buffers.get(child)
                    buffers[child] = g if old is None else old + g
                left = counts[child] - 1
                counts[child] = left
                if left:
                    continue
                # ready: newest first among the ready nodes, as PyTorch's engine orders them
                if following is None and not ready:
                    following = child
                    continue
                if following is not None:
                    push(ready, (-following.sequence_nr, id(following), following))
                    following = None
                push(ready, (-child.sequence_nr, id(child), child))
    return captured


def _as_tensor(g, create_graph):
    from funcgrad.torch.tensor import Tensor
    if isinstance(g, Tensor):
        return g if create_graph else g.detach()
    return Tensor._make(g if is_meta(g) else np.asarray(g))


def _run_tensor_hooks(node: Node, grad, create_graph):
    if grad is None:
        return None
    if node.tensor_hooks:
        grad = _as_tensor(grad, create_graph)
        for hook in list(node.tensor_hooks):
            new = hook(grad)
            if new is not None:
                grad = checked_hook_result(hook, new, grad)
    if node.retained is not None:
        tensor = node.retained()
        if tensor is not None and tensor._grad_fn is node:
            value = _as_tensor(grad, create_graph)
            if tensor._grad is None:
                tensor._grad = value if create_graph else value.clone()
            else:
                tensor._grad = tensor._grad + value
    return _unwrap(grad, create_graph)


def checked_hook_result(hook, new, old, name=None):
    """A hook's replacement for the gradient `old`: a tensor of its dtype and size (PyTorch's
    errors name the hook; `name` stands in for hooks the user did not write directly)."""
    from funcgrad.torch.tensor import Tensor
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    if name is None:
        name = getattr(hook, "__name__", "<unknown>")
    new_dtype, old_dtype = new._data.dtype, old._data.dtype
    if new_dtype != old_dtype:
        from funcgrad.torch._dtype_names import legacy_type_name
        raise RuntimeError(f"hook '{name}' has changed the type of value (was "
                           f"{legacy_type_name(old_dtype)} got {legacy_type_name(new_dtype)})")
    if tuple(new.shape) != tuple(old.shape):
        raise RuntimeError(f"hook '{name}' has changed the size of value\n[funcgrad] the "
                           f"gradient has shape {tuple(old.shape)}; the hook returned one of "
                           f"shape {tuple(new.shape)}")
    return new


def _unwrap(grad, create_graph):
    from funcgrad.torch.tensor import Tensor
    if not create_graph and isinstance(grad, Tensor):
        return grad._data
    return grad


# hooks to run after a leaf's .grad is accumulated (Tensor.register_post_accumulate_grad_hook):
# id(leaf) -> (weakref finaliser, [hooks]); while it is empty the engine checks nothing more
POST_ACCUMULATE_HOOKS: dict = {}


def _run_leaf(node, grad, capture, captured, accumulate, only, create_graph):
    leaf = node.variable
    if leaf is None or grad is None:
        return None
    if leaf._hooks:
        grad = _as_tensor(grad, create_graph)
        for hook in list(leaf._hooks.values()):
            new = hook(grad)
            if new is not None:
                grad = checked_hook_result(hook, new, grad)
        grad = _unwrap(grad, create_graph)
    if capture and node in capture:
        captured[capture[node]] = _add(captured[capture[node]], grad)
    if not accumulate or (only is not None and node not in only):
        return None
    accumulate_into(leaf, grad, create_graph)
    if POST_ACCUMULATE_HOOKS:
        entry = POST_ACCUMULATE_HOOKS.get(id(leaf))
        if entry is not None:
            for hook in list(entry[1]):
                hook(leaf)
    return None


def accumulate_into(leaf, grad, create_graph):
    """leaf.grad += grad (a fresh tensor the first time), in the leaf's dtype."""
    from funcgrad.torch.tensor import Tensor
    if isinstance(grad, Tensor):
        if not create_graph:
            grad = grad._data
    if not isinstance(grad, Tensor):
        # the leaf's dtype, unless its grad_dtype was set: (dtype,), or (None,) for any
        dtype = leaf._data.dtype if leaf._grad_dtype is None else leaf._grad_dtype[0]
        if is_meta(grad) or is_meta(leaf._data):  # a meta gradient: its shape and dtype only
            if leaf._grad is None:
                leaf._grad = Tensor._make(MetaArray(leaf._data.shape, dtype or grad.dtype))
            return
        data = np.array(grad, dtype=dtype, copy=True)
        if data.shape != leaf._data.shape:
            data = np.array(np.broadcast_to(data, leaf._data.shape))
        if leaf._grad is None:
            leaf._grad = Tensor._make(data)
        elif leaf._grad._requires_grad:
            leaf._grad = leaf._grad + Tensor._make(data)
        else:
            leaf._grad._data += data  # in place, as PyTorch accumulates
            leaf._grad._counter[0] += 1
        return
    leaf._grad = grad if leaf._grad is None else leaf._grad + grad
