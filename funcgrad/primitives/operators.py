"""Python's operators on tracers, each mapped to its primitive.

Installed on the `Tracer` base class, so every transform's tracers (and the torch layer's
tensors, which may override them) support `+ - * / ** @`, comparisons, unary minus, abs and
indexing. (Python calls special methods unbound, so each is a plain function, not a bound `bind`.)
"""
from __future__ import annotations

from funcgrad.core.tracer import Tracer
from funcgrad.primitives import contraction, elementwise as ew, indexing


def _forward(primitive):
    bind = primitive.bind

    def forward(self, other):
        return bind(self, other)
    forward.__name__ = f"__{primitive.name}__"
    return forward


def _unary(primitive):
    bind = primitive.bind

    def unary(self):
        return bind(self)
    unary.__name__ = f"__{primitive.name}__"
    return unary


def _reflected(primitive):
    bind = primitive.bind

    def reflected(self, other):
        return bind(other, self)
    reflected.__name__ = f"__r{primitive.name}__"
    return reflected


def install(cls=Tracer):
    for name, prim in [("add", ew.add), ("sub", ew.subtract), ("mul", ew.multiply),
                       ("truediv", ew.divide), ("pow", ew.power), ("matmul", contraction.matmul),
                       ("floordiv", ew.floor_divide), ("mod", ew.remainder)]:
        setattr(cls, f"__{name}__", _forward(prim))
        setattr(cls, f"__r{name}__", _reflected(prim))
    for name, prim in [("eq", ew.equal), ("ne", ew.not_equal), ("lt", ew.less),
                       ("le", ew.less_equal), ("gt", ew.greater), ("ge", ew.greater_equal),
                       ("and", ew.logical_and), ("or", ew.logical_or), ("xor", ew.logical_xor)]:
        setattr(cls, f"__{name}__", _forward(prim))
    cls.__neg__ = _unary(ew.negative)
    cls.__pos__ = lambda self: self
    cls.__abs__ = _unary(ew.absolute)
    cls.__invert__ = _unary(ew.logical_not)
    setattr(cls, "__getitem__", indexing.getitem)
    setattr(cls, "__hash__", None)  # defining __eq__ would otherwise need a hash; unhashable


install()
