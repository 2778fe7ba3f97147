"""Pytrees follow JAX's conventions: expected values written out (no JAX needed)."""
import dataclasses
from collections import OrderedDict, defaultdict, namedtuple

import pytest

import funcgrad as fg
from funcgrad import tree_util as tu

Point = namedtuple("Point", "x y")


def test_dict_leaves_come_in_sorted_key_order_and_maps_keep_the_dict():
    assert tu.tree_leaves({"b": 1, "a": 2, "c": 3}) == [2, 1, 3]
    assert tu.tree_map(lambda v: v * 10, {"b": 1, "a": 2}) == {"a": 20, "b": 10}


def test_ordered_dict_keeps_insertion_order_and_defaultdict_sorts():
    assert tu.tree_leaves(OrderedDict([("b", 1), ("a", 2)])) == [1, 2]
    out = tu.tree_map(lambda v: v + 1, OrderedDict([("b", 1), ("a", 2)]))
    assert type(out) is OrderedDict and list(out.items()) == [("b", 2), ("a", 3)]
    d = tu.tree_map(lambda v: v + 1, defaultdict(list, {"b": 1, "a": 2}))
    assert type(d) is defaultdict and d.default_factory is list and dict(d) == {"a": 3, "b": 2}
    assert tu.tree_leaves(defaultdict(int, {"b": 1, "a": 2})) == [2, 1]


def test_none_is_an_empty_node_and_namedtuples_are_nodes():
    assert tu.tree_leaves([1, None, (2,)]) == [1, 2]
    assert tu.tree_map(lambda v: v, (1, None)) == (1, None)
    assert tu.tree_map(lambda v: v * 2, Point(1, (2, 3))) == Point(2, (4, 6))
    assert tu.tree_structure({"b": 1, "a": (2, None)}).num_nodes == 5


def test_tree_map_first_tree_is_a_prefix_of_the_others():
    assert tu.tree_map(lambda a, b: (a, b), (1, 2), ((3, 4), 5)) == ((1, (3, 4)), (2, 5))
    assert tu.tree_map(lambda a, b: b, (1, 1), (None, 2)) == (None, 2)
    with pytest.raises(ValueError, match=r"tree\[1\]"):
        tu.tree_map(lambda a, b: a + b, (1, [2]), (10, (20,)))
    with pytest.raises(ValueError, match="keys"):
        tu.tree_map(lambda a, b: a + b, {"a": 1}, {"b": 2})


def test_is_leaf_stops_the_walk():
    is_tuple = lambda v: isinstance(v, tuple)  # noqa: E731
    assert tu.tree_map(len, [(1, 2), (3,)], is_leaf=is_tuple) == [2, 1]
    assert tu.tree_structure([(1, 2), 3], is_leaf=is_tuple).num_leaves == 2
    assert tu.tree_map(lambda v: 0 if v is None else v, [1, None], is_leaf=lambda v: v is None) == [1, 0]


def test_treedef_methods_and_unflatten_counts():
    td = tu.tree_structure((1, (2, 3)))
    assert repr(td) == "PyTreeDef((*, (*, *)))"
    assert td.unflatten([4, 5, 6]) == (4, (5, 6))
    assert len(td.children()) == 2 and td.children()[1] == tu.tree_structure((0, 0))
    assert tu.tree_structure((1, 2)).flatten_up_to(([1], {"a": 2})) == [[1], {"a": 2}]
    for leaves in ([5], [5, 6, 7]):
        with pytest.raises(ValueError, match="2 leaves"):
            tu.tree_unflatten(tu.tree_structure((1, 2)), leaves)
    assert tu.treedef_is_leaf(tu.tree_structure(1.0)) and not tu.treedef_is_leaf(td)
    assert tu.all_leaves([1, 2.0]) and not tu.all_leaves([1, (2,)])


def test_unsortable_dict_keys_raise_value_error():
    with pytest.raises(ValueError, match="sorted"):
        tu.tree_leaves({1: "a", "b": 2})


def test_reduce_all_transpose():
    assert tu.tree_reduce(lambda a, b: a + b, [1, (2, 3)]) == 6
    assert tu.tree_reduce(lambda a, b: a + b, [1, (2, 3)], 10) == 16
    assert tu.tree_all([True, (True, False)]) is False
    outer, inner = tu.tree_structure([0, 0]), tu.tree_structure((0, 0))
    assert tu.tree_transpose(outer, inner, [(1, 2), (3, 4)]) == ([1, 3], [2, 4])


def test_key_paths():
    pairs = tu.tree_leaves_with_path({"a": [1, Point(2, 3)]})
    assert [tu.keystr(p) for p, _ in pairs] == ["['a'][0]", "['a'][1].x", "['a'][1].y"]
    assert pairs[0][0] == (tu.DictKey("a"), tu.SequenceKey(0))
    assert repr(pairs[0][0][0]) == "DictKey(key='a')"
    out = tu.tree_map_with_path(lambda p, v: tu.keystr(p) + str(v), {"a": [1]})
    assert out == {"a": ["['a'][0]1"]}
    assert tu.tree_flatten_with_path((1,))[1] == tu.tree_structure((0,))


def test_registered_classes():
    @tu.register_pytree_node_class
    class Box:
        def __init__(self, a, tag):
            self.a, self.tag = a, tag

        def tree_flatten(self):
            return (self.a,), self.tag

        @classmethod
        def tree_unflatten(cls, tag, children):
            return cls(children[0], tag)

    out = tu.tree_map(lambda v: v + 1, Box(1, "t"))
    assert (out.a, out.tag) == (2, "t")

    @dataclasses.dataclass
    class Params:
        w: float
        b: float
        name: str = dataclasses.field(default="p", metadata=dict(static=True))
    tu.register_dataclass(Params)
    assert tu.tree_leaves(Params(1.0, 2.0)) == [1.0, 2.0]
    assert tu.tree_map(lambda v: v * 2, Params(1.0, 2.0, "q")) == Params(2.0, 4.0, "q")
    assert tu.keystr(tu.tree_leaves_with_path(Params(1.0, 2.0))[1][0]) == ".b"


def test_partial_is_a_pytree_of_its_bound_arguments():
    p = tu.Partial(lambda a, b: a + b, 1.0)
    assert tu.tree_leaves(p) == [1.0]
    assert tu.tree_map(lambda v: v * 3, p)(1.0) == 4.0


def test_tree_namespace_and_transforms_with_ordered_dicts():
    assert fg.tree.map(lambda v: v + 1, [1]) == [2]
    assert fg.tree.leaves({"b": 1, "a": 2}) == [2, 1]
    g = fg.grad(lambda d: d["b"] * 2.0 + d["a"])(OrderedDict([("b", 1.0), ("a", 3.0)]))
    assert type(g) is OrderedDict and list(g) == ["b", "a"] and float(g["b"]) == 2.0


def test_structures_print_as_jax_prints_them():
    assert repr(tu.tree_structure({"b": 1, "a": (2, None)})) == "PyTreeDef({'a': (*, None), 'b': *})"
    assert repr(tu.tree_structure(Point(1, (2,)))) == \
        "PyTreeDef(CustomNode(namedtuple[Point], [*, (*,)]))"
    assert repr(tu.tree_structure(OrderedDict([("b", 1), ("a", 2)]))) == \
        "PyTreeDef(CustomNode(OrderedDict[('b', 'a')], [*, *]))"
