"""Pytrees: nested tuples, lists, dicts (sorted keys), None, and registered classes.

Transforms flatten their arguments and results into leaves (arrays), work on the leaves, and
rebuild the same structure around the results.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable

from funcgrad.errors import FuncgradError

_registry: dict[type, tuple[Callable, Callable]] = {}


class PyTreeDef:
    """The structure of a pytree with its leaves taken out."""

    __slots__ = ("kind", "aux", "children", "num_leaves")

    def __init__(self, kind, aux, children):
        self.kind = kind          # None for a leaf, else the node's type
        self.aux = aux
        self.children = children
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)

    def __eq__(self, other):
        return (isinstance(other, PyTreeDef) and self.kind is other.kind and self.aux == other.aux
                and self.children == other.children)

    def __hash__(self):
        return hash((self.kind, _hashable(self.aux), tuple(self.children)))

    def __repr__(self):
        if self.kind is None:
            return "*"
        if self.kind is type(None):
            return "None"
        inner = ", ".join(map(repr, self.children))
        if self.kind is tuple:
            return f"({inner}{',' if len(self.children) == 1 else ''})"
        if self.kind is list:
            return f"[{inner}]"
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.aux, self.children)) + "}"
        return f"{self.kind.__name__}({inner})"


def _hashable(aux):
    try:
        hash(aux)
        return aux
    except TypeError:
        return repr(aux)


LEAF = PyTreeDef(None, None, ())


def register_pytree_node(cls: type, flatten: Callable, unflatten: Callable) -> None:
    """Teach funcgrad a container type.

    `flatten(obj) -> (children, aux_data)` and `unflatten(aux_data, children) -> obj`, as in JAX.
    """
    _registry[cls] = (flatten, unflatten)


register_pytree_node(tuple, lambda t: (t, None), lambda _, c: tuple(c))
register_pytree_node(list, lambda t: (t, None), lambda _, c: list(c))
register_pytree_node(type(None), lambda t: ((), None), lambda _, c: None)


def _flatten_dict(d):
    keys = sorted(d)
    return [d[k] for k in keys], tuple(keys)


register_pytree_node(dict, _flatten_dict, lambda keys, c: dict(zip(keys, c)))


def _node_functions(x):
    cls = type(x)
    entry = _registry.get(cls)
    if entry is None and isinstance(x, tuple) and hasattr(cls, "_fields"):  # namedtuple
        entry = (lambda t: (tuple(t), None), lambda _, c, cls=cls: cls(*c))
    return cls, entry


def tree_flatten(tree: Any, is_leaf: Callable | None = None):
    """(leaves, treedef): the leaves in order, and the structure around them."""
    leaves: list = []

    def walk(x):
        if is_leaf is not None and is_leaf(x):
            leaves.append(x)
            return LEAF
        cls, entry = _node_functions(x)
        if entry is None:
            leaves.append(x)
            return LEAF
        children, aux = entry[0](x)
        return PyTreeDef(cls, aux, tuple(walk(c) for c in children))

    return leaves, walk(tree)


def tree_unflatten(treedef: PyTreeDef, leaves) -> Any:
    leaves = iter(leaves)

    def build(node):
        if node.kind is None:
            return next(leaves)
        cls = node.kind
        entry = _registry.get(cls)
        if entry is None:  # namedtuple
            return cls(*[build(c) for c in node.children])
        return entry[1](node.aux, [build(c) for c in node.children])

    return build(treedef)


def tree_leaves(tree: Any, is_leaf: Callable | None = None) -> list:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any) -> PyTreeDef:
    return tree_flatten(tree)[1]


def tree_map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None) -> Any:
    """Apply `f` leaf by leaf to one or more trees of the same structure."""
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for other in rest:
        other_leaves, other_def = tree_flatten(other, is_leaf)
        if other_def != treedef:
            raise TreeStructureError(f"tree_map: the trees differ in structure: {treedef} vs {other_def}")
        others.append(other_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


class TreeStructureError(FuncgradError, ValueError):
    """Two pytrees that should match do not."""


__all__ = ["register_pytree_node", "tree_flatten", "tree_unflatten", "tree_leaves",
           "tree_structure", "tree_map", "PyTreeDef", "namedtuple"]
