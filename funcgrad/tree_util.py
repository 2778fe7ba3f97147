"""Pytrees: nested tuples, lists, dicts (sorted keys), None, namedtuples, and registered classes.

Transforms flatten their arguments and results into leaves (arrays), work on the leaves, and
rebuild the same structure around the results. The conventions are JAX's: dict leaves come in
sorted-key order (an OrderedDict keeps its insertion order), None is an empty node rather than a
leaf, and `tree_map` over several trees needs the first to be a prefix of the others.
"""
from __future__ import annotations

import functools
from collections import OrderedDict, defaultdict, namedtuple
from typing import Any, Callable

from funcgrad.errors import FuncgradError


class TreeStructureError(FuncgradError, ValueError):
    """Two pytrees that should match do not."""


class _Node:
    """How to take one container type apart and put it back (`keys` names its children)."""

    __slots__ = ("flatten", "unflatten", "keys")

    def __init__(self, flatten, unflatten, keys=None):
        self.flatten = flatten
        self.unflatten = unflatten
        self.keys = keys


_registry: dict[type, _Node] = {}


class _Children(tuple):
    """A node's child structures: a tuple, also callable as `treedef.children()` (JAX's method)."""

    __slots__ = ()

    def __call__(self) -> list:
        return list(self)


class PyTreeDef:
    """The structure of a pytree with its leaves taken out."""

    __slots__ = ("kind", "aux", "children", "num_leaves", "num_nodes")

    def __init__(self, kind, aux, children):
        self.kind = kind          # None for a leaf, else the node's type
        self.aux = aux
        self.children = _Children(children)
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)
        self.num_nodes = 1 + sum(c.num_nodes for c in children)

    def __eq__(self, other):
        return (isinstance(other, PyTreeDef) and self.kind is other.kind and self.aux == other.aux
                and self.children == other.children)

    def __hash__(self):
        return hash((self.kind, _hashable(self.aux), tuple(self.children)))

    def unflatten(self, leaves) -> Any:
        """The tree of this structure with `leaves` in it."""
        return tree_unflatten(self, leaves)

    def flatten_up_to(self, tree) -> list:
        """The subtrees of `tree` at this structure's leaves (`tree` must have it as a prefix)."""
        out: list = []
        _up_to(self, tree, out, ())
        return out

    def node_data(self):
        return None if self.kind is None else (self.kind, self.aux)

    def __repr__(self):
        return f"PyTreeDef({self._body()})"

    def _body(self) -> str:
        if self.kind is None:
            return "*"
        if self.kind is type(None):
            return "None"
        inner = ", ".join(c._body() for c in self.children)
        if self.kind is tuple:
            return f"({inner}{',' if len(self.children) == 1 else ''})"
        if self.kind is list:
            return f"[{inner}]"
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c._body()}" for k, c in zip(self.aux, self.children)) + "}"
        if self.kind not in _registry:  # a namedtuple
            return f"CustomNode(namedtuple[{self.kind.__name__}], [{inner}])"
        return f"CustomNode({self.kind.__name__}[{self.aux}], [{inner}])"  # JAX's spelling


def _hashable(aux):
    try:
        hash(aux)
        return aux
    except TypeError:
        return repr(aux)


LEAF = PyTreeDef(None, None, ())


# -- keys: where a leaf sits in its tree (JAX's key paths) --------------------------------------

class _Key:
    """One step of a key path: a leaf of its own (not a pytree node), compared by value."""

    __slots__ = ()
    _field = ""

    def __init__(self, value):
        object.__setattr__(self, self._field, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other):
        return type(other) is type(self) and self[0] == other[0]

    def __hash__(self):
        return hash((type(self).__name__, self[0]))

    def __getitem__(self, i):
        if i != 0:
            raise IndexError(i)
        return getattr(self, self._field)

    def __repr__(self):
        return f"{type(self).__name__}({self._field}={self[0]!r})"


class SequenceKey(_Key):
    """A key path entry: index `idx` of a list or tuple (printed `[0]`)."""

    __slots__ = ("idx",)
    _field = "idx"

    def __str__(self):
        return f"[{self.idx!r}]"


class DictKey(_Key):
    """A key path entry: key `key` of a dict (printed `['w']`)."""

    __slots__ = ("key",)
    _field = "key"

    def __str__(self):
        return f"[{self.key!r}]"


class GetAttrKey(_Key):
    """A key path entry: attribute `name` of a namedtuple or dataclass (printed `.name`)."""

    __slots__ = ("name",)
    _field = "name"

    def __str__(self):
        return f".{self.name}"


class FlattenedIndexKey(_Key):
    """A key path entry: child number `key` of a node registered without keys (printed `[0]`)."""

    __slots__ = ("key",)
    _field = "key"

    def __str__(self):
        return f"[<flat index {self.key}>]"


def keystr(keys, *, simple: bool = False, separator: str = "") -> str:
    """A key path as text, e.g. `"['a'][1].b"`."""
    if not simple:
        return separator.join(str(k) for k in keys)
    return separator.join(str(k[0]) for k in keys)


# -- registration ------------------------------------------------------------------------------

def register_pytree_node(cls: type, flatten_func: Callable, unflatten_func: Callable,
                         flatten_with_keys_func: Callable | None = None) -> None:
    """Teach funcgrad a container type.

    `flatten_func(obj) -> (children, aux_data)` and `unflatten_func(aux_data, children) -> obj`,
    as in JAX. `flatten_with_keys_func(obj) -> (((key, child), ...), aux_data)` names the
    children for key paths (default: their flat index).
    """
    keys = None
    if flatten_with_keys_func is not None:
        def keys_of(obj, aux, n, f=flatten_with_keys_func):
            return [k for k, _ in f(obj)[0]]
        keys = keys_of
    _registry[cls] = _Node(flatten_func, unflatten_func, keys)


def register_pytree_with_keys(cls: type, flatten_with_keys: Callable, unflatten_func: Callable,
                              flatten_func: Callable | None = None) -> None:
    """register_pytree_node for a flatten function that returns (key, child) pairs."""
    def children_of(obj):
        pairs, aux = flatten_with_keys(obj)
        return [c for _, c in pairs], aux
    register_pytree_node(cls, flatten_func or children_of, unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: `obj.tree_flatten()` and `cls.tree_unflatten(aux, children)` define it."""
    register_pytree_node(cls, lambda obj: obj.tree_flatten(), cls.tree_unflatten)
    return cls


def register_dataclass(cls: type | None = None, data_fields=None, meta_fields=None,
                       drop_fields=()):
    """Register a dataclass: `data_fields` are children, `meta_fields` part of the structure
    (default: every field is data, except those declared with `field(metadata=dict(static=True))`)."""
    if cls is None:
        return functools.partial(register_dataclass, data_fields=data_fields,
                                 meta_fields=meta_fields, drop_fields=drop_fields)
    if data_fields is None or meta_fields is None:
        import dataclasses
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"register_dataclass: {cls.__name__} is not a dataclass; give "
                            "data_fields and meta_fields explicitly.")
        fields = [f for f in dataclasses.fields(cls) if f.init and f.name not in drop_fields]
        if meta_fields is None:
            meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
        if data_fields is None:
            data_fields = [f.name for f in fields if f.name not in meta_fields]
    data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)

    def flatten(obj):
        return [getattr(obj, n) for n in data_fields], tuple(getattr(obj, n) for n in meta_fields)

    def unflatten(meta, children):
        return cls(**dict(zip(data_fields, children)), **dict(zip(meta_fields, meta)))

    def flatten_with_keys(obj):
        return [(GetAttrKey(n), getattr(obj, n)) for n in data_fields], flatten(obj)[1]
    register_pytree_node(cls, flatten, unflatten, flatten_with_keys)
    return cls


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError as e:
        raise TreeStructureError(
            f"a dict in a pytree has keys that cannot be sorted ({', '.join(map(repr, d))}): "
            "pytree leaves come in sorted-key order, so keys must be comparable (all strings, "
            "say).") from e


def _flatten_dict(d):
    keys = _sorted_keys(d)
    return [d[k] for k in keys], tuple(keys)


def _flatten_defaultdict(d):
    keys = _sorted_keys(d)
    return [d[k] for k in keys], (d.default_factory, tuple(keys))


def _dict_keys(obj, aux, n):
    return [DictKey(k) for k in (aux[1] if isinstance(obj, defaultdict) else aux)]


def _sequence_keys(obj, aux, n):
    return [SequenceKey(i) for i in range(n)]


_registry[tuple] = _Node(lambda t: (t, None), lambda _, c: tuple(c), _sequence_keys)
_registry[list] = _Node(lambda t: (t, None), lambda _, c: list(c), _sequence_keys)
_registry[type(None)] = _Node(lambda t: ((), None), lambda _, c: None, _sequence_keys)
_registry[dict] = _Node(_flatten_dict, lambda keys, c: dict(zip(keys, c)), _dict_keys)
_registry[OrderedDict] = _Node(lambda d: (list(d.values()), tuple(d)),
                               lambda keys, c: OrderedDict(zip(keys, c)), _dict_keys)
_registry[defaultdict] = _Node(_flatten_defaultdict,
                               lambda aux, c: defaultdict(aux[0], zip(aux[1], c)), _dict_keys)


def _namedtuple_node(cls):
    return _Node(lambda t: (tuple(t), None), lambda _, c: cls(*c),
                 lambda obj, aux, n: [GetAttrKey(f) for f in cls._fields])


def _node_of(x):
    """(type, _Node or None) for x; None means x is a leaf."""
    cls = type(x)
    node = _registry.get(cls)
    if node is None and isinstance(x, tuple) and hasattr(cls, "_fields"):  # namedtuple
        node = _namedtuple_node(cls)
    return cls, node


def _node_for_kind(cls):
    node = _registry.get(cls)
    return node if node is not None else _namedtuple_node(cls)


# -- flatten and unflatten ---------------------------------------------------------------------

def tree_flatten(tree: Any, is_leaf: Callable | None = None):
    """(leaves, treedef): the leaves in order, and the structure around them."""
    if is_leaf is None:
        cls = type(tree)
        if cls not in _registry and not isinstance(tree, tuple):
            return [tree], LEAF  # one array or number: the common case, without the walk
        if cls is tuple and len(tree) <= _FLAT_TUPLES and all(
                type(x) not in _registry and not isinstance(x, tuple) for x in tree):
            return list(tree), _flat_tuple(len(tree))  # a function's arguments, each a leaf
    leaves: list = []
    return leaves, _walk(tree, is_leaf, leaves)


_FLAT_TUPLES = 8
_flat_tuple_defs: dict = {}


def _flat_tuple(n) -> PyTreeDef:
    """The structure of a tuple of n leaves (shared: a PyTreeDef is immutable)."""
    treedef = _flat_tuple_defs.get(n)
    if treedef is None:
        treedef = _flat_tuple_defs[n] = PyTreeDef(tuple, None, (LEAF,) * n)
    return treedef


def _walk(x, is_leaf, leaves):
    # a module-level function, not a closure: a closure that calls itself is a reference cycle,
    # which would keep the leaves (often large arrays) alive until the garbage collector runs
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return LEAF
    cls, node = _node_of(x)
    if node is None:
        leaves.append(x)
        return LEAF
    children, aux = node.flatten(x)
    return PyTreeDef(cls, aux, tuple(_walk(c, is_leaf, leaves) for c in children))


def tree_unflatten(treedef: PyTreeDef, leaves) -> Any:
    """The tree of structure `treedef` with `leaves` in it."""
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise TreeStructureError(
            f"tree_unflatten: {treedef} has {treedef.num_leaves} leaves, but {len(leaves)} were "
            "given.")
    kind = treedef.kind
    if kind is None:
        return leaves[0]
    if kind is tuple and treedef.num_nodes == len(leaves) + 1:  # a tuple of leaves
        return tuple(leaves)
    return _build(treedef, iter(leaves))


def _build(node, leaves):
    # module-level, not a self-calling closure (a reference cycle holding the leaves): see _walk
    if node.kind is None:
        return next(leaves)
    return _node_for_kind(node.kind).unflatten(node.aux, [_build(c, leaves) for c in node.children])


def _describe_path(path) -> str:
    return "the root" if not path else "tree" + keystr(path)


def _up_to(node, tree, out, path):
    """Append the subtrees of `tree` found at the leaves of `node`, checking the nodes above."""
    if node.kind is None:
        out.append(tree)
        return
    cls, entry = _node_of(tree)
    if cls is not node.kind:
        raise TreeStructureError(
            f"pytree structure mismatch at {_describe_path(path)}: expected a "
            f"{node.kind.__name__} node (of {node}), found {type(tree).__name__} {tree!r:.80}.")
    assert entry is not None  # cls is node.kind, a node type
    children, aux = entry.flatten(tree)
    if aux != node.aux or len(children) != len(node.children):
        raise TreeStructureError(
            f"pytree structure mismatch at {_describe_path(path)}: a {cls.__name__} node with "
            f"{_node_detail(aux, children)} where {node} has {_node_detail(node.aux, node.children)}.")
    keys = _keys_of(entry, tree, aux, len(children))
    for child_node, child, key in zip(node.children, children, keys):
        _up_to(child_node, child, out, path + (key,))


def _node_detail(aux, children):
    return f"keys {list(aux)}" if isinstance(aux, tuple) and aux else f"{len(children)} children"


def _keys_of(node, obj, aux, n):
    return node.keys(obj, aux, n) if node.keys is not None else [FlattenedIndexKey(i) for i in range(n)]


def tree_leaves(tree: Any, is_leaf: Callable | None = None) -> list:
    """The leaves of `tree`, in flattening order (`jax.tree_util.tree_leaves`).

    Examples
    --------
    >>> from funcgrad.tree_util import tree_leaves
    >>> tree_leaves({"b": [1, 2], "a": (3,)})
    [3, 1, 2]
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable | None = None) -> PyTreeDef:
    """The structure of `tree` without its leaves: a `PyTreeDef` (`jax.tree_util.tree_structure`).

    Examples
    --------
    >>> from funcgrad.tree_util import tree_structure
    >>> tree_structure([1, (2, 3)]).num_leaves
    3
    """
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None) -> Any:
    """Apply `f` leaf by leaf to one or more trees; `tree` must be a prefix of each of `rest`
    (a leaf of `tree` meets the whole corresponding subtree of the others)."""
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = [treedef.flatten_up_to(other) for other in rest]
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


_NO_INITIALIZER = object()


def tree_reduce(function: Callable, tree: Any, initializer: Any = _NO_INITIALIZER,
                is_leaf: Callable | None = None) -> Any:
    """functools.reduce over the leaves."""
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIALIZER:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree: Any, *, is_leaf: Callable | None = None) -> bool:
    """Whether every leaf of `tree` is true (`jax.tree_util.tree_all`).

    Examples
    --------
    >>> from funcgrad.tree_util import tree_all
    >>> tree_all({"a": True, "b": [True, 1]}), tree_all([True, 0])
    (True, False)
    """
    return all(tree_leaves(tree, is_leaf))


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
                   pytree_to_transpose: Any) -> Any:
    """An outer tree of inner trees, turned into an inner tree of outer trees."""
    inners = outer_treedef.flatten_up_to(pytree_to_transpose)
    if inner_treedef is None:
        inner_treedef = tree_structure(inners[0])
    columns = [inner_treedef.flatten_up_to(t) for t in inners]
    return tree_unflatten(inner_treedef, [tree_unflatten(outer_treedef, list(col))
                                          for col in zip(*columns)])


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether `treedef` is the structure of a single leaf (`jax.tree_util.treedef_is_leaf`).

    Examples
    --------
    >>> from funcgrad.tree_util import tree_structure, treedef_is_leaf
    >>> treedef_is_leaf(tree_structure(1.0)), treedef_is_leaf(tree_structure([1.0]))
    (True, False)
    """
    return treedef.num_nodes == 1


def all_leaves(iterable, is_leaf: Callable | None = None) -> bool:
    """Whether every element of `iterable` is a leaf."""
    return all(tree_structure(x, is_leaf) == LEAF for x in iterable)


# -- key paths ---------------------------------------------------------------------------------

def tree_flatten_with_path(tree: Any, is_leaf: Callable | None = None):
    """([(key path, leaf), ...], treedef)."""
    pairs: list = []
    _walk_with_path(tree, (), is_leaf, pairs)
    return pairs, tree_structure(tree, is_leaf)


def _walk_with_path(x, path, is_leaf, pairs):
    if is_leaf is not None and is_leaf(x):
        pairs.append((path, x))
        return
    _, node = _node_of(x)
    if node is None:
        pairs.append((path, x))
        return
    children, aux = node.flatten(x)
    for key, child in zip(_keys_of(node, x, aux, len(children)), children):
        _walk_with_path(child, path + (key,), is_leaf, pairs)


def tree_leaves_with_path(tree: Any, is_leaf: Callable | None = None) -> list:
    """[(key path, leaf), ...] in flattening order (`jax.tree_util.tree_leaves_with_path`).

    Examples
    --------
    >>> from funcgrad.tree_util import keystr, tree_leaves_with_path
    >>> [(keystr(path), leaf) for path, leaf in tree_leaves_with_path({"w": [1, 2]})]
    [("['w'][0]", 1), ("['w'][1]", 2)]
    """
    return tree_flatten_with_path(tree, is_leaf)[0]


def tree_map_with_path(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None) -> Any:
    """tree_map, with each leaf's key path as f's first argument."""
    pairs, treedef = tree_flatten_with_path(tree, is_leaf)
    others = [treedef.flatten_up_to(other) for other in rest]
    return tree_unflatten(treedef, [f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)])


# -- Partial: a function with some arguments bound, as a pytree of those arguments ---------------

class Partial(functools.partial):
    """functools.partial whose bound arguments are pytree leaves (so it can be passed through
    transforms); the function itself is part of the structure."""


register_pytree_node(
    Partial, lambda p: ((p.args, p.keywords), p.func),
    lambda func, children: Partial(func, *children[0], **children[1]))


__all__ = ["register_pytree_node", "register_pytree_node_class", "register_pytree_with_keys",
           "register_dataclass", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure",
           "tree_map", "tree_reduce", "tree_all", "tree_transpose", "treedef_is_leaf", "all_leaves",
           "tree_flatten_with_path", "tree_leaves_with_path", "tree_map_with_path", "keystr",
           "SequenceKey", "DictKey", "GetAttrKey", "FlattenedIndexKey", "Partial", "PyTreeDef",
           "TreeStructureError"]
