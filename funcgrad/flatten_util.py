"""ravel_pytree: a pytree of arrays as one flat vector, and the function that undoes it.

    flat, unravel = ravel_pytree({"w": w, "b": b})
    params = unravel(flat - 0.1 * flat_grad)

Works on tracers too (inside grad, jit, vmap), so it is also the bridge from pytrees to
flat-vector tools such as scipy.optimize.minimize (see funcgrad.optimizers.minimize).
"""
from __future__ import annotations

import numpy as np

import funcgrad.numpy as fnp
from funcgrad.core.tracer import Tracer
from funcgrad.errors import describe, where
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.tree_util import tree_flatten, tree_unflatten


def ravel_pytree(tree):
    """(flat, unravel): the leaves of `tree` ravelled and concatenated in tree order (as one
    array of their common dtype), and `unravel(flat)` rebuilding the tree with each leaf's shape
    and dtype.

    >>> import numpy as np
    >>> flat, unravel = ravel_pytree({"a": np.zeros(2), "b": np.ones((1, 2))})
    >>> flat
    array([0., 0., 1., 1.])
    >>> unravel(flat)["b"]
    array([[1., 1.]])
    """
    leaves, treedef = tree_flatten(tree)
    shapes = [tuple(shape_of(x)) for x in leaves]
    dtypes = [np.dtype(dtype_of(x)) for x in leaves]
    sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
    dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    if not leaves:
        flat = np.zeros(0, dtype)
    elif any(isinstance(x, Tracer) for x in leaves):
        flat = fnp.concatenate([fnp.ravel(x).astype(dtype) for x in leaves])
    else:
        flat = np.concatenate([np.ravel(np.asarray(x)).astype(dtype) for x in leaves])
    total = sum(sizes)

    def unravel(vector):
        if tuple(shape_of(vector)) != (total,):
            raise ValueError(f"unravel: expected a vector of shape ({total},), like the one "
                             f"ravel_pytree returned, but got {describe(vector)}{where()}.")
        out, start = [], 0
        traced = isinstance(vector, Tracer)
        for shape, size, leaf_dtype in zip(shapes, sizes, dtypes):
            piece = vector[start:start + size]
            piece = fnp.reshape(piece, shape) if traced else np.reshape(piece, shape)
            out.append(piece.astype(leaf_dtype) if dtype_of(piece) != leaf_dtype else piece)
            start += size
        return tree_unflatten(treedef, out)
    return flat, unravel


__all__ = ["ravel_pytree"]
