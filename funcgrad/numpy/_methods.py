"""NumPy-style methods and properties on tracers (`x.sum(axis=0)`, `x.T`, `x.reshape(...)`)."""
from __future__ import annotations

import numpy as np

from funcgrad.core.tracer import Tracer
from funcgrad.numpy import _at
from funcgrad.errors import where
from funcgrad.numpy import _composites as comp
from funcgrad.primitives import contraction as con, indexing as idx, reductions as red, shape as shp
from funcgrad.primitives.elementwise import astype_p, round_p


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    return shp.reshape(self, shape, order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    return shp.transpose(self, axes or None)


def _sort_in_place(self, axis=-1, kind=None, order=None):
    raise TypeError(f"x.sort() sorts in place, which a traced value cannot do{where()}. "
                    "Use x = funcgrad.numpy.sort(x, axis) instead.")


def _astype(self, dtype, copy=True):
    dtype = np.dtype(dtype)
    return self if dtype == self.dtype and not copy else astype_p.bind(self, dtype=dtype)


def install(cls=Tracer):
    setattr(cls, "at", property(_at.IndexUpdateHelper))
    for name, fun in [("sum", red.sum), ("prod", red.prod), ("max", red.max), ("min", red.min),
                      ("cumsum", red.cumsum), ("cumprod", red.cumprod), ("argmax", red.argmax),
                      ("argmin", red.argmin), ("any", red.any), ("all", red.all),
                      ("mean", comp.mean), ("var", comp.var), ("std", comp.std),
                      ("dot", con.dot), ("clip", comp.clip), ("argsort", idx.argsort),
                      ("take", idx.take), ("swapaxes", shp.swapaxes), ("squeeze", shp.squeeze),
                      ("ravel", shp.ravel), ("flatten", shp.ravel), ("repeat", shp.repeat),
                      ("diagonal", comp.diagonal), ("trace", comp.trace)]:
        setattr(cls, name, fun)
    conj = lambda self: self if self.dtype.kind != "c" else _conj(self)  # noqa: E731
    for name, method in [("reshape", _reshape), ("transpose", _transpose),
                         ("T", property(lambda self: shp.transpose(self))),
                         ("sort", _sort_in_place), ("astype", _astype),
                         ("round", lambda self, decimals=0: round_p.bind(self, decimals=decimals)),
                         ("copy", lambda self: self), ("conj", conj), ("conjugate", conj)]:
        setattr(cls, name, method)


def _conj(x):
    from funcgrad.primitives import elementwise as ew
    return ew.conjugate(x)


install()
