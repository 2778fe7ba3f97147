"""funcgrad against JAX, program by program: fg.lax (control flow and operations) and
fg.tree_util (JAX-free versions: test_lax.py, tests/test_tree_util.py)."""
import dataclasses
from collections import OrderedDict, defaultdict

import numpy as np
import pytest

import funcgrad as fg

jax = pytest.importorskip("jax")

from tests.transforms._jax_oracle import (  # noqa: E402
    ERRORS, Point, X, cases, check, x64)  # x64: the fixture


def _scan(A, f, init, xs, **kw):
    return A.lax.scan(f, init, xs, **kw)


LAX = {
    "cond": lambda A: A.lax.cond(True, lambda x: x + 1, lambda x: x - 1, 1.0),
    "cond numpy bool": lambda A: A.lax.cond(np.bool_(False), lambda x: x + 1, lambda x: x - 1, 1.0),
    "cond integer predicate": lambda A: A.lax.cond(2, lambda x: x + 1, lambda x: x - 1, 1.0),
    "cond float predicate": lambda A: A.lax.cond(1.0, lambda x: x + 1, lambda x: x - 1, 1.0),
    "cond no operands": lambda A: A.lax.cond(True, lambda: 1.0, lambda: 2.0),
    "cond two operands": lambda A: A.lax.cond(False, lambda a, b: a + b, lambda a, b: a - b, 1.0, 2.0),
    "cond grad": lambda A: A.grad(lambda x: A.lax.cond(x > 0, A.np.sin, A.np.cos, x))(1.0),
    "cond vmap": lambda A: A.vmap(lambda x: A.lax.cond(x > 0, A.np.sin, A.np.cos, x))(
        np.array([-1.0, 1.0])),
    "switch clamps high": lambda A: A.lax.switch(5, [lambda x: x, lambda x: 2 * x], 3.0),
    "switch clamps low": lambda A: A.lax.switch(-3, [lambda x: x, lambda x: 2 * x], 3.0),
    "switch numpy int32": lambda A: A.lax.switch(np.int32(1), [lambda: 1.0, lambda: 2.0]),
    "switch vmap": lambda A: A.vmap(lambda i, x: A.lax.switch(
        i, [lambda x: x, lambda x: 2 * x, lambda x: 3 * x], x))(np.array([0, 1, 2, 5, -1]), np.ones(5)),
    "while_loop": lambda A: A.lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * 2.0),
                                             (0, 1.0)),
    "while_loop weak int carry": lambda A: A.lax.while_loop(lambda c: c < 5, lambda c: c + 1.0, 0),
    "while_loop float32 carry": lambda A: A.lax.while_loop(lambda c: c < 5, lambda c: c + 1.0,
                                                           np.float32(0)),
    "while_loop jvp": lambda A: A.jvp(lambda x: A.lax.while_loop(lambda c: c < 5, lambda c: c * 2, x),
                                      (1.0,), (1.0,)),
    "while_loop vmap": lambda A: A.vmap(lambda x: A.lax.while_loop(lambda c: c < 5, lambda c: c * 2,
                                                                   x))(np.array([1.0, 3.0])),
    "fori_loop": lambda A: A.lax.fori_loop(0, 5, lambda i, c: c + i, 0.0),
    "fori_loop integer carry": lambda A: A.lax.fori_loop(0, 5, lambda i, c: c + i, 0),
    "fori_loop numpy bounds": lambda A: A.lax.fori_loop(np.int32(0), np.int32(3),
                                                        lambda i, c: c + i, 0.0),
    "fori_loop unroll": lambda A: A.lax.fori_loop(0, 3, lambda i, c: c + i, 0.0, unroll=2),
    "fori_loop grad": lambda A: A.grad(lambda x: A.lax.fori_loop(0, 3, lambda i, c: c * x, 1.0))(2.0),
    "fori_loop vmap of bound": lambda A: A.vmap(lambda n: A.lax.fori_loop(
        0, n, lambda i, c: c + 1.0, 0.0))(np.array([1, 3, 0])),
    "scan": lambda A: _scan(A, lambda c, x: (c + x, c * x), 0.0, np.arange(1.0, 4.0)),
    "scan xs None": lambda A: _scan(A, lambda c, x: (c + 1.0, c), 0.0, None, length=3),
    "scan reverse": lambda A: _scan(A, lambda c, x: (c + x, c), 0.0, np.arange(1.0, 4.0),
                                    reverse=True),
    "scan unroll": lambda A: _scan(A, lambda c, x: (c + x, c), 0.0, np.arange(1.0, 4.0), unroll=2),
    "scan weak carry": lambda A: _scan(A, lambda c, x: (c + x, c), 0, np.arange(1.0, 4.0)),
    "scan y None": lambda A: _scan(A, lambda c, x: (c + x, None), 0.0, np.arange(1.0, 4.0)),
    "scan length 0": lambda A: _scan(A, lambda c, x: (c + x, c * 2), 0.0, np.zeros(0)),
    "scan pytree": lambda A: _scan(A, lambda c, x: (c + x["a"], (x["b"], c)), 0.0,
                                   {"a": np.arange(3.0), "b": np.ones((3, 2))}),
    "scan integer ys": lambda A: _scan(A, lambda c, x: (c + x, 1), 0.0, np.arange(3.0))[1],
    "scan grad": lambda A: A.grad(lambda w: _scan(A, lambda c, x: (c * w + x, c), 0.0,
                                                  np.arange(3.0))[0])(2.0),
    "scan vmap": lambda A: A.vmap(lambda xs: _scan(A, lambda c, x: (c + x, c), 0.0, xs))(X),
    "associative_scan": lambda A: A.lax.associative_scan(lambda a, b: a + b, np.arange(1.0, 8.0)),
    "associative_scan reverse axis": lambda A: A.lax.associative_scan(
        lambda a, b: a * b, X + 1, reverse=True, axis=1),
    "associative_scan pytree": lambda A: A.lax.associative_scan(
        lambda a, b: (a[0] * b[0], a[1] * b[0] + b[1]), (np.arange(1.0, 6.0) / 8, np.arange(5.0))),
    "associative_scan grad": lambda A: A.grad(lambda x: A.np.sum(A.lax.associative_scan(
        lambda a, b: a * b, x)))(np.arange(1.0, 5.0)),
    "map": lambda A: A.lax.map(lambda x: x * 2, np.arange(3.0)),
    "map batch_size": lambda A: A.lax.map(lambda x: x * 2, np.arange(5.0), batch_size=2),
    "map pytree": lambda A: A.lax.map(lambda x: (x[0] * 2, x[1]), (np.arange(3.0), np.ones(3))),
    "map empty": lambda A: A.lax.map(lambda x: x * 2, np.zeros((0, 3))),
    # errors
    "cond array predicate": lambda A: A.lax.cond(np.array([True]), lambda: 1.0, lambda: 2.0),
    "cond None predicate": lambda A: A.lax.cond(None, lambda: 1.0, lambda: 2.0),
    "cond shapes differ": lambda A: A.lax.cond(True, lambda x: x, lambda x: np.ones(2), 1.0),
    "cond dtypes differ": lambda A: A.lax.cond(True, lambda x: x, lambda x: np.float32(1), 1.0),
    "cond int and float": lambda A: A.lax.cond(True, lambda: 1, lambda: 2.0),
    "cond structures differ": lambda A: A.lax.cond(True, lambda x: (x, x), lambda x: x, 1.0),
    "cond list and tuple": lambda A: A.lax.cond(True, lambda: [1.0], lambda: (2.0,)),
    "cond vmap structures differ": lambda A: A.vmap(lambda x: A.lax.cond(
        x > 0, lambda x: (x, x), lambda x: x, x))(np.ones(2)),
    "switch float index": lambda A: A.lax.switch(1.0, [lambda x: x, lambda x: 2 * x], 3.0),
    "switch boolean index": lambda A: A.lax.switch(True, [lambda: 1.0, lambda: 2.0]),
    "switch array index": lambda A: A.lax.switch(np.array([1]), [lambda: 1.0, lambda: 2.0]),
    "switch structures differ": lambda A: A.lax.switch(1, [lambda x: x, lambda x: (x, x)], 3.0),
    "switch no branches": lambda A: A.lax.switch(0, [], 3.0),
    "while_loop carry shape": lambda A: A.lax.while_loop(lambda c: A.np.all(c < 5),
                                                         lambda c: np.ones(2), 0.0),
    "while_loop carry dtype": lambda A: A.lax.while_loop(lambda c: c < 5, lambda c: c + 1.0,
                                                         np.int64(0)),
    "while_loop vector condition": lambda A: A.lax.while_loop(lambda c: c < 5, lambda c: c + 1.0,
                                                              np.zeros(2)),
    "while_loop float condition": lambda A: A.lax.while_loop(lambda c: 5.0 - c, lambda c: c + 1.0,
                                                             0.0),
    "fori_loop float bound": lambda A: A.lax.fori_loop(0, 3.0, lambda i, c: c + i, 0.0),
    "fori_loop carry shape": lambda A: A.lax.fori_loop(0, 3, lambda i, c: np.ones(2), 1.0),
    "scan carry shape": lambda A: _scan(A, lambda c, x: (np.ones(2), c), 0.0, np.arange(1.0, 4.0)),
    "scan carry float32 to 64": lambda A: _scan(A, lambda c, x: (c * x, c), np.float32(1),
                                                np.arange(1.0, 4.0)),
    "scan carry list to tuple": lambda A: _scan(A, lambda c, x: ((c[0],), x), [0.0], np.ones(2)),
    "scan nothing to scan": lambda A: _scan(A, lambda c, x: (c + 1.0, c), 0.0, None),
    "scan length disagrees": lambda A: _scan(A, lambda c, x: (c, x), 0.0, np.ones(3), length=4),
    "scan leading axes differ": lambda A: _scan(A, lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4))),
    "scan scalar xs": lambda A: _scan(A, lambda c, x: (c, x), 0.0, 1.0),
    "scan body not a pair": lambda A: _scan(A, lambda c, x: c, 0.0, np.ones(3)),
}


M34 = np.arange(12.0).reshape(3, 4) / 7.0

LAX_NUMERIC = {
    "elementwise": lambda A: [f(M34 + 0.5) for f in (
        A.lax.exp, A.lax.log, A.lax.sin, A.lax.tanh, A.lax.sqrt, A.lax.rsqrt, A.lax.logistic,
        A.lax.neg, A.lax.abs, A.lax.sign, A.lax.floor, A.lax.erf, A.lax.lgamma, A.lax.square,
        A.lax.is_finite)],
    "binary": lambda A: [f(M34, M34 + 1.0) for f in (
        A.lax.add, A.lax.sub, A.lax.mul, A.lax.div, A.lax.max, A.lax.min, A.lax.pow, A.lax.atan2,
        A.lax.rem, A.lax.lt, A.lax.eq)],
    "round": lambda A: (A.lax.round(np.array([0.5, 1.5, -0.5, 2.4])),
                        A.lax.round(np.array([0.5, 1.5, -0.5, 2.4]), 1)),
    "integer_pow": lambda A: A.lax.integer_pow(M34, 3),
    "select and clamp": lambda A: (A.lax.select(M34 > 0.5, M34, -M34), A.lax.clamp(0.2, M34, 1.0)),
    "convert_element_type": lambda A: A.lax.convert_element_type(M34, np.float32),
    "reshape transpose": lambda A: (A.lax.reshape(M34, (4, 3)), A.lax.reshape(M34, (4, 3), (1, 0)),
                                    A.lax.transpose(M34, (1, 0))),
    "broadcasts": lambda A: (A.lax.broadcast(np.ones(3), (2,)),
                             A.lax.broadcast_in_dim(np.arange(3.0), (3, 2), (0,))),
    "squeeze expand_dims": lambda A: (A.lax.squeeze(np.ones((1, 3, 1)), (0, 2)),
                                      A.lax.expand_dims(np.ones(3), (0, 2))),
    "concatenate and slices": lambda A: (A.lax.concatenate([M34, M34], 1),
                                         A.lax.slice(M34, (0, 1), (2, 4)),
                                         A.lax.slice(M34, (0, 0), (3, 4), (2, 3)),
                                         A.lax.slice_in_dim(M34, 1, 3, axis=1)),
    "dynamic slices": lambda A: (A.lax.dynamic_slice(M34, (1, 2), (2, 2)),
                                 A.lax.dynamic_slice(M34, (5, -1), (2, 2)),
                                 A.lax.dynamic_slice_in_dim(M34, 1, 2, axis=1),
                                 A.lax.dynamic_index_in_dim(M34, 2, axis=0),
                                 A.lax.dynamic_index_in_dim(M34, 2, axis=0, keepdims=False)),
    "dynamic updates": lambda A: (A.lax.dynamic_update_slice(M34, np.zeros((2, 2)), (2, 3)),
                                  A.lax.dynamic_update_slice_in_dim(M34, np.zeros((3, 1)), 1, 1)),
    "dynamic_slice grad": lambda A: A.grad(lambda x, i: A.np.sum(A.lax.dynamic_slice(
        x, (i, 0), (2, 4)) ** 2))(M34, 1),
    "dynamic_update_slice grad": lambda A: A.grad(lambda x, u: A.np.sum(A.lax.dynamic_update_slice(
        x, u, (1, 1)) ** 2), argnums=(0, 1))(M34, np.ones((2, 2))),
    "dot rev pad": lambda A: (A.lax.dot(M34, M34.T), A.lax.rev(M34, (0,)),
                              A.lax.pad(M34, 0.0, [(1, 0, 0), (0, 2, 0)])),
    "iota full": lambda A: (A.lax.iota(np.int32, 4), A.lax.full((2, 3), 1.5)),
    "cumulative": lambda A: (A.lax.cumsum(M34, 1), A.lax.cumsum(M34, 0, reverse=True),
                             A.lax.cumprod(M34 + 1, 1, reverse=True)),
    "argmax argmin": lambda A: (A.lax.argmax(M34, 1, np.int32), A.lax.argmin(M34, 0, np.int64)),
    "scan with dynamic_slice": lambda A: A.lax.scan(
        lambda c, i: (c + A.np.sum(A.lax.dynamic_slice(M34, (i, 0), (1, 4))), c), 0.0,
        np.arange(3))[0],
}


class Box:
    def __init__(self, a, tag):
        self.a, self.tag = a, tag


@dataclasses.dataclass
class Params:
    w: object
    b: object


def _register(A):
    if A.name == "jax":
        A.tu.register_pytree_node(Box, lambda b: ((b.a,), b.tag), lambda tag, c: Box(c[0], tag))
        A.tu.register_dataclass(Params, data_fields=["w", "b"], meta_fields=[])
    else:
        A.tu.register_pytree_node(Box, lambda b: ((b.a,), b.tag), lambda tag, c: Box(c[0], tag))
        A.tu.register_dataclass(Params, data_fields=["w", "b"], meta_fields=[])


def _registered(A):
    _register(A)
    out = A.tu.tree_map(lambda v: v + 1, Box(1, "t"))
    g = A.grad(lambda p: p.w * p.b)(Params(2.0, 3.0))
    return out.a, out.tag, g.w, g.b, A.tu.tree_leaves(Params(1.0, 2.0))


def _treedef(A):
    td = A.tu.tree_structure((1, (2, 3), {"b": None, "a": 4}))
    return (td.num_leaves, td.num_nodes, td.unflatten([5, 6, 7, 8]), len(td.children()),
            td.flatten_up_to((1, ([2], 3), {"a": 3, "b": None})), A.tu.treedef_is_leaf(td))


TREES = {
    "leaves skip None": lambda A: A.tu.tree_leaves([1, None, (2,)]),
    "dict sorted": lambda A: A.tu.tree_leaves({"b": 1, "a": 2, "c": 3}),
    "dict map keeps the dict": lambda A: A.tu.tree_map(lambda v: v * 10, {"b": 1, "a": 2}),
    "OrderedDict insertion order": lambda A: A.tu.tree_leaves(OrderedDict([("b", 1), ("a", 2)])),
    "OrderedDict map": lambda A: A.tu.tree_map(lambda v: v + 1, OrderedDict([("b", 1), ("a", 2)])),
    "defaultdict": lambda A: A.tu.tree_leaves(defaultdict(int, {"b": 1, "a": 2})),
    "namedtuple": lambda A: A.tu.tree_map(lambda v: v * 2, Point(1, (2, 3))),
    "several trees": lambda A: A.tu.tree_map(lambda a, b: a + b, (1, [2]), (10, [20])),
    "first tree a prefix": lambda A: A.tu.tree_map(lambda a, b: (a, b), (1, 2), ((3, 4), 5)),
    "None in the others": lambda A: A.tu.tree_map(lambda a, b: b, (1, 1), (None, 2)),
    "None kept": lambda A: A.tu.tree_map(lambda v: v, (1, None)),
    "is_leaf": lambda A: A.tu.tree_map(len, [(1, 2), (3,)], is_leaf=lambda v: isinstance(v, tuple)),
    "is_leaf None": lambda A: A.tu.tree_map(lambda v: 0 if v is None else v, [1, None],
                                            is_leaf=lambda v: v is None),
    "flatten unflatten": lambda A: A.tu.tree_unflatten(A.tu.tree_flatten({"a": [1, 2]})[1], [5, 6]),
    "structure equality": lambda A: (A.tu.tree_structure((1, 2)) == A.tu.tree_structure((3, 4)),
                                     A.tu.tree_structure([1, 2]) == A.tu.tree_structure((3, 4))),
    "treedef methods": _treedef,
    "tree_structure is_leaf": lambda A: A.tu.tree_structure(
        [(1, 2), 3], is_leaf=lambda v: isinstance(v, tuple)).num_leaves,
    "tree_reduce": lambda A: (A.tu.tree_reduce(lambda a, b: a + b, [1, (2, 3)]),
                              A.tu.tree_reduce(lambda a, b: a + b, [1, (2, 3)], 10)),
    "tree_all": lambda A: A.tu.tree_all([True, (True, False)]),
    "tree_transpose": lambda A: A.tu.tree_transpose(A.tu.tree_structure([0, 0]),
                                                    A.tu.tree_structure((0, 0)), [(1, 2), (3, 4)]),
    "key paths": lambda A: [A.tu.keystr(p) for p, _ in A.tu.tree_leaves_with_path(
        {"a": [1, Point(2, 3)], "b": OrderedDict(z=4)})],
    "map with path": lambda A: A.tu.tree_map_with_path(lambda p, v: A.tu.keystr(p), {"a": [1]}),
    "Partial": lambda A: A.tu.tree_leaves(A.tu.Partial(lambda a, b: a + b, 1.0)),
    "registered classes": _registered,
    "structure text": lambda A: [repr(A.tu.tree_structure(t)) for t in (
        {"b": 1, "a": (2, None)}, [None], (), Point(1, (2,)), OrderedDict([("b", 1), ("a", 2)]),
        defaultdict(int, {"b": 1}))],
    "all_leaves": lambda A: (A.tu.all_leaves([1, 2.0]), A.tu.all_leaves([1, (2,)])),
    # errors
    "containers differ": lambda A: A.tu.tree_map(lambda a, b: a + b, (1, [2]), (10, (20,))),
    "dict keys differ": lambda A: A.tu.tree_map(lambda a, b: a + b, {"a": 1}, {"b": 2}),
    "too few leaves": lambda A: A.tu.tree_unflatten(A.tu.tree_structure((1, 2)), [5]),
    "too many leaves": lambda A: A.tu.tree_unflatten(A.tu.tree_structure((1, 2)), [5, 6, 7]),
    "unsortable keys": lambda A: A.tu.tree_leaves({1: "a", "b": 2}),
}


# the cases where JAX raises (everything else must run in both)


@cases(LAX)
def test_lax(name, prog):
    check(prog, name in ERRORS)


@cases(LAX_NUMERIC)
def test_lax_operations(name, prog):
    check(prog, name in ERRORS)


@cases(TREES)
def test_tree_util(name, prog):
    check(prog, name in ERRORS)


def test_the_jax_tree_namespace():
    tree = {"b": [1, 2], "a": (3, None)}
    assert fg.tree.leaves(tree) == jax.tree.leaves(tree)
    assert fg.tree.map(lambda v: v * 2, tree) == jax.tree.map(lambda v: v * 2, tree)
    assert str(fg.tree.structure(tree)) == str(jax.tree.structure(tree))
