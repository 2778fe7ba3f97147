"""NumPy-style methods and properties on tracers (`x.sum(axis=0)`, `x.T`, `x.reshape(...)`)."""
from __future__ import annotations

from funcgrad.core.tracer import Tracer
from funcgrad.numpy import _composites as comp
from funcgrad.primitives import reductions as red, shape as shp
from funcgrad.primitives.elementwise import astype_p


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    return shp.reshape(self, shape, order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    return shp.transpose(self, axes or None)


def install(cls=Tracer):
    cls.sum = red.sum
    cls.max = red.max
    cls.min = red.min
    cls.mean = comp.mean
    cls.var = comp.var
    cls.std = comp.std
    cls.dot = comp.dot
    cls.clip = comp.clip
    cls.reshape = _reshape
    cls.transpose = _transpose
    cls.T = property(lambda self: shp.transpose(self))
    cls.ravel = lambda self: shp.reshape(self, (-1,))
    cls.flatten = cls.ravel
    cls.squeeze = lambda self, axis=None: shp.reshape(
        self, tuple(n for i, n in enumerate(self.shape)
                    if not (n == 1 and (axis is None or i in ((axis,) if isinstance(axis, int) else axis)))))
    cls.astype = lambda self, dtype: astype_p.bind(self, dtype=__import__("numpy").dtype(dtype))


install()
