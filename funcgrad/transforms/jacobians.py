"""Full Jacobians and Hessians, from one recorded trace replayed once per basis vector."""
from __future__ import annotations

import numpy as np

from funcgrad.primitives._util import dtype_of

from funcgrad.primitives import shape as _shape
from funcgrad.transforms._inputs import normalize_argnums, with_fixed_args
from funcgrad.transforms.forward import forward_pass
from funcgrad.transforms.reverse import backward_pass, record
from funcgrad.tree_util import tree_unflatten


def _basis(leaf_index, leaves, k):
    """One-hot cotangents/tangents: element k of leaf `leaf_index`, None (zero) elsewhere."""
    out = [None] * len(leaves)
    x = leaves[leaf_index]
    e = np.zeros(np.size(x), dtype=_dtype(x))
    e[k] = 1
    out[leaf_index] = e.reshape(np.shape(x))
    return out


def _dtype(x):
    dtype = dtype_of(x)
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def _assemble(rows, lead_shape, trail_shape, like):
    """Stack per-element results into an array of shape lead_shape + trail_shape."""
    filled = [np.zeros(trail_shape, _dtype(like)) if r is None else r for r in rows]
    if not filled:
        return np.zeros(tuple(lead_shape) + tuple(trail_shape), _dtype(like))
    return _shape.reshape(_shape.stack(filled, axis=0), tuple(lead_shape) + tuple(trail_shape))


def _jacobian(fun, argnums, has_aux, mode):
    def jacobian_fun(*args, **kwargs):
        nums, single = normalize_argnums(argnums, len(args), mode)
        fixed = with_fixed_args(lambda *a: fun(*a, **kwargs), args, nums)
        trace, in_tree, ins, out_tree, outs, aux = record(
            fixed, tuple(args[i] for i in nums), mode, has_aux)
        blocks = [[None] * len(ins) for _ in outs]
        if mode == "jacrev":
            for o, out in enumerate(outs):
                rows = [backward_pass(trace, _basis(o, outs, k)) for k in range(np.size(out))]
                for i, x in enumerate(ins):
                    blocks[o][i] = _assemble([r[i] for r in rows], np.shape(out), np.shape(x), x)
        else:
            for i, x in enumerate(ins):
                cols = [forward_pass(trace, _basis(i, ins, k)) for k in range(np.size(x))]
                for o, out in enumerate(outs):
                    by_col = _assemble([c[o] for c in cols], np.shape(x), np.shape(out), out)
                    # (in..., out...) -> (out..., in...)
                    n_in, n_out = len(np.shape(x)), len(np.shape(out))
                    perm = tuple(range(n_in, n_in + n_out)) + tuple(range(n_in))
                    blocks[o][i] = _shape.transpose(by_col, perm)
        per_output = []
        for o in range(len(outs)):
            tree = tree_unflatten(in_tree, blocks[o])
            per_output.append(tree[0] if single else tree)
        jac = tree_unflatten(out_tree, per_output)
        return (jac, aux) if has_aux else jac

    jacobian_fun.__name__ = f"{mode}({getattr(fun, '__name__', 'function')})"
    return jacobian_fun


def jacrev(fun, argnums=0, has_aux=False):
    """The Jacobian by reverse mode: one backward replay per output element.
    Its shape is output.shape + input.shape, nested as output tree of input trees."""
    return _jacobian(fun, argnums, has_aux, "jacrev")


def jacfwd(fun, argnums=0, has_aux=False):
    """The Jacobian by forward mode: one forward replay per input element."""
    return _jacobian(fun, argnums, has_aux, "jacfwd")


jacobian = jacrev


def hessian(fun, argnums=0, has_aux=False):
    """The Hessian, as forward-over-reverse: jacfwd(jacrev(fun))."""
    return jacfwd(jacrev(fun, argnums, has_aux), argnums, has_aux)
